package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/desk"
	"kesu/internal/web"
)

// The service desk (OPS-1…OPS-5): shifts, roster and on-duty board, shift
// swaps, handovers, the knowledge base and contacts.

type itemsOf[T any] struct {
	Items []T `json:"items"`
}

// queryID reads an optional numeric query parameter.
func queryID(r *http.Request, name string, v *apperr.Validation) int64 {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		v.Add(name, "invalid_value", "")
	}
	return n
}

// monthOf reads month=YYYY-MM, this month by default.
func (a *api) monthOf(r *http.Request) string {
	if m := strings.TrimSpace(r.URL.Query().Get("month")); m != "" {
		return m
	}
	return a.d.Now().In(a.d.Desk.Location()).Format("2006-01")
}

func (a *api) listShifts(w http.ResponseWriter, r *http.Request) {
	sh, err := a.d.Desk.Shifts(r.Context())
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, itemsOf[desk.Shift]{sh})
}

func (a *api) createShift(w http.ResponseWriter, r *http.Request) {
	var in desk.Shift
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	in.ID = 0
	if err := a.d.Desk.CreateShift(r.Context(), &in, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, in)
}

func (a *api) getRoster(w http.ResponseWriter, r *http.Request) {
	var v apperr.Validation
	dept := queryID(r, "department_id", &v)
	if err := v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	slots, err := a.d.Desk.Month(r.Context(), dept, a.monthOf(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, itemsOf[desk.Slot]{slots})
}

type rosterRequest struct {
	DepartmentID int64              `json:"department_id"`
	Entries      []desk.RosterEntry `json:"entries"`
}

func (a *api) addRoster(w http.ResponseWriter, r *http.Request) {
	var in rosterRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	slots, err := a.d.Desk.AddToRoster(r.Context(), in.DepartmentID, in.Entries, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, itemsOf[desk.Slot]{slots})
}

func (a *api) deleteRosterSlot(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Desk.RemoveSlot(r.Context(), id, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) getBoard(w http.ResponseWriter, r *http.Request) {
	var v apperr.Validation
	dept := queryID(r, "department_id", &v)
	if err := v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	b, err := a.d.Desk.Board(r.Context(), dept)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, b)
}

func (a *api) listSwaps(w http.ResponseWriter, r *http.Request) {
	sw, err := a.d.Desk.Swaps(r.Context(), a.monthOf(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, itemsOf[desk.Swap]{sw})
}

type swapRequest struct {
	SlotID        int64  `json:"slot_id"`
	PaybackSlotID int64  `json:"payback_slot_id"`
	PartnerID     int64  `json:"partner_id"`
	Reason        string `json:"reason"`
}

// requestSwap records the signed-in user's swap request; a refusal names
// the rule of 003 it breaks.
func (a *api) requestSwap(w http.ResponseWriter, r *http.Request) {
	var in swapRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	sw, err := a.d.Desk.RequestSwap(r.Context(), in.SlotID, in.PaybackSlotID, in.PartnerID, in.Reason, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, sw)
}

func (a *api) swapStep(w http.ResponseWriter, r *http.Request, step func(id int64) (*desk.Swap, error)) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	sw, err := step(id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, sw)
}

func (a *api) agreeSwap(w http.ResponseWriter, r *http.Request) {
	a.swapStep(w, r, func(id int64) (*desk.Swap, error) { return a.d.Desk.AgreeSwap(r.Context(), id, caseActor(r)) })
}

func (a *api) cancelSwap(w http.ResponseWriter, r *http.Request) {
	a.swapStep(w, r, func(id int64) (*desk.Swap, error) { return a.d.Desk.CancelSwap(r.Context(), id, caseActor(r)) })
}

type swapDecision struct {
	Approve *bool  `json:"approve"`
	Note    string `json:"note"`
}

func (a *api) decideSwap(w http.ResponseWriter, r *http.Request) {
	var in swapDecision
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if in.Approve == nil {
		var v apperr.Validation
		v.Add("approve", "required", "")
		web.WriteError(w, r, v.Err())
		return
	}
	a.swapStep(w, r, func(id int64) (*desk.Swap, error) {
		return a.d.Desk.DecideSwap(r.Context(), id, *in.Approve, in.Note, caseActor(r))
	})
}

// handoverView is a handover with the numbers of its complaints.
type handoverView struct {
	desk.Handover
	ComplaintNumbers []string `json:"complaint_numbers"`
}

func (a *api) handoverView(r *http.Request, h desk.Handover) handoverView {
	v := handoverView{Handover: h, ComplaintNumbers: []string{}}
	for _, id := range h.ComplaintIDs {
		if c, err := a.d.ComplaintStore.Get(r.Context(), id); err == nil {
			v.ComplaintNumbers = append(v.ComplaintNumbers, c.Number)
		}
	}
	return v
}

func (a *api) listHandovers(w http.ResponseWriter, r *http.Request) {
	var v apperr.Validation
	dept := queryID(r, "department_id", &v)
	if err := v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	hs, err := a.d.Desk.Handovers(r.Context(), dept, 50)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	out := itemsOf[handoverView]{Items: []handoverView{}}
	for _, h := range hs {
		out.Items = append(out.Items, a.handoverView(r, h))
	}
	web.WriteJSON(w, http.StatusOK, out)
}

type handoverRequest struct {
	DepartmentID     int64    `json:"department_id"`
	Equipment        string   `json:"equipment"`
	Issues           string   `json:"issues"`
	Staffing         string   `json:"staffing"`
	ComplaintNumbers []string `json:"complaint_numbers"`
}

func (a *api) writeHandover(w http.ResponseWriter, r *http.Request) {
	var in handoverRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	h := &desk.Handover{DepartmentID: in.DepartmentID, Equipment: in.Equipment, Issues: in.Issues, Staffing: in.Staffing}
	for _, n := range in.ComplaintNumbers {
		id, err := a.otherComplaint(r.Context(), "complaint_numbers", n)
		if err != nil {
			web.WriteError(w, r, err)
			return
		}
		h.ComplaintIDs = append(h.ComplaintIDs, id)
	}
	if err := a.d.Desk.WriteHandover(r.Context(), h, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	got, err := a.d.Desk.Handover(r.Context(), h.ID)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, a.handoverView(r, *got))
}

func (a *api) ackHandover(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	h, err := a.d.Desk.AckHandover(r.Context(), id, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a.handoverView(r, *h))
}

// searchKB finds standard answers: q as a Chinese substring, category,
// public=true for canned replies only.
func (a *api) searchKB(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	q.v.Text("q", q.str("q"), 100)
	limit := q.num("limit", 20, 1, 100)
	public := q.boolean("public")
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	es, err := a.d.Desk.Search(r.Context(), desk.KBQuery{Text: q.str("q"), Category: q.str("category"), PublicOnly: public != nil && *public, Limit: limit})
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, itemsOf[desk.Entry]{es})
}

type entryRequest struct {
	Category string `json:"category"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	Keywords string `json:"keywords"`
	Internal bool   `json:"internal"`
	Version  *int   `json:"version"` // on update: the version edited
	Note     string `json:"note"`
}

func (in entryRequest) entry() *desk.Entry {
	return &desk.Entry{Category: in.Category, Title: in.Title, Body: in.Body, Keywords: in.Keywords, Internal: in.Internal}
}

func (a *api) createKB(w http.ResponseWriter, r *http.Request) {
	var in entryRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	e := in.entry()
	if err := a.d.Desk.CreateEntry(r.Context(), e, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, e)
}

func (a *api) getKB(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	e, err := a.d.Desk.Entry(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, e)
}

func (a *api) updateKB(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in entryRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := requireVersion(in.Version); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Desk.Entry(r.Context(), id); err != nil {
		web.WriteError(w, r, err)
		return
	}
	e := in.entry()
	e.ID, e.Version = id, *in.Version
	if err := a.d.Desk.UpdateEntry(r.Context(), e, in.Note, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	got, err := a.d.Desk.Entry(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, got)
}

func (a *api) kbVersions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	vs, err := a.d.Desk.EntryVersions(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, itemsOf[desk.EntryVersion]{vs})
}

type kbUseRequest struct {
	ComplaintNumber string `json:"complaint_number"`
	ContactID       int64  `json:"contact_id"`
}

// useKB takes an entry as a canned reply (counted); an internal entry is
// refused.
func (a *api) useKB(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in kbUseRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var cid, contact *int64
	if in.ComplaintNumber != "" {
		n, err := a.otherComplaint(r.Context(), "complaint_number", in.ComplaintNumber)
		if err != nil {
			web.WriteError(w, r, err)
			return
		}
		cid = &n
	}
	if in.ContactID > 0 {
		contact = &in.ContactID
	}
	e, err := a.d.Desk.UseEntry(r.Context(), id, cid, contact, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, e)
}

func (a *api) listContacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var v apperr.Validation
	f := desk.ContactFilter{Kind: q.Get("kind"), Status: q.Get("status"), DepartmentID: queryID(r, "department_id", &v)}
	if f.Kind != "" {
		v.OneOf("kind", f.Kind, desk.ContactKinds)
	}
	if err := v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	cs, err := a.d.Desk.Contacts(r.Context(), f)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, itemsOf[desk.Contact]{cs})
}

// contactView is a contact with its history and, once converted, the
// complaint's number.
type contactView struct {
	desk.Contact
	ComplaintNumber string              `json:"complaint_number,omitempty"`
	History         []desk.ContactEvent `json:"history"`
}

func (a *api) contactView(r *http.Request, id int64) (*contactView, error) {
	c, err := a.d.Desk.Contact(r.Context(), id)
	if err != nil {
		return nil, err
	}
	evs, err := a.d.Desk.ContactEvents(r.Context(), id)
	if err != nil {
		return nil, err
	}
	v := &contactView{Contact: *c, History: evs}
	if c.ComplaintID != nil {
		if cm, err := a.d.ComplaintStore.Get(r.Context(), *c.ComplaintID); err == nil {
			v.ComplaintNumber = cm.Number
		}
	}
	return v, nil
}

func (a *api) writeContact(w http.ResponseWriter, r *http.Request, status int, id int64) {
	v, err := a.contactView(r, id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, status, v)
}

type contactRequest struct {
	Kind     string `json:"kind"`
	Channel  string `json:"channel"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
	Company  string `json:"company"`
	Subject  string `json:"subject"`
	Question string `json:"question"`
}

func (a *api) createContact(w http.ResponseWriter, r *http.Request) {
	var in contactRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	c := &desk.Contact{Kind: in.Kind, Channel: in.Channel, Name: in.Name, Phone: in.Phone, Email: in.Email, Company: in.Company,
		Subject: in.Subject, Question: in.Question}
	if err := a.d.Desk.LogContact(r.Context(), a.d.DeskContacts, c, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeContact(w, r, http.StatusCreated, c.ID)
}

func (a *api) getContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeContact(w, r, http.StatusOK, id)
}

type contactAnswer struct {
	Answer  string `json:"answer"`
	EntryID int64  `json:"entry_id"`
}

// answerContact records the answer, typed or from the knowledge base; an
// internal entry, or text quoting one, is refused.
func (a *api) answerContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in contactAnswer
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Desk.AnswerContact(r.Context(), a.d.DeskContacts, id, in.Answer, in.EntryID, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeContact(w, r, http.StatusOK, id)
}

type contactClose struct {
	Note string `json:"note"`
}

func (a *api) closeContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in contactClose
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Desk.CloseContact(r.Context(), id, in.Note, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeContact(w, r, http.StatusOK, id)
}

// convertContact registers the contact as a complaint through the intake
// service; the contact keeps its history and the complaint's number.
func (a *api) convertContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	_, cm, err := a.d.Desk.ConvertContact(r.Context(), a.d.DeskContacts, id, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if a.d.Registered != nil {
		a.d.Registered(r.Context(), cm)
	}
	a.writeContact(w, r, http.StatusOK, id)
}

// contactStats counts contacts of month=YYYY-MM (this month by default)
// by kind and state.
func (a *api) contactStats(w http.ResponseWriter, r *http.Request) {
	start, err := time.ParseInLocation("2006-01", a.monthOf(r), a.d.Desk.Location())
	if err != nil {
		var v apperr.Validation
		v.Add("month", "invalid_date", "YYYY-MM")
		web.WriteError(w, r, v.Err())
		return
	}
	st, err := a.d.Desk.ContactStats(r.Context(), start, start.AddDate(0, 1, 0))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}

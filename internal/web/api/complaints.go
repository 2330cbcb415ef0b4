package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/enum"
	"kesu/internal/privacy"
	"kesu/internal/web"
)

// complaintInput is the writable part of a complaint (SPEC INT-2). Dates
// are "YYYY-MM-DD", times RFC 3339. A PATCH is decoded over the current
// values, so absent fields keep them and null clears an id or quantity.
type complaintInput struct {
	Channel         string           `json:"channel"`
	ReceivedAt      string           `json:"received_at"`
	Subject         string           `json:"subject"`
	Description     string           `json:"description"`
	Category        string           `json:"category"`
	Severity        string           `json:"severity"`
	Safety          bool             `json:"safety"`
	Requests        []string         `json:"requests"`
	Complainant     complainantInput `json:"complainant"`
	CustomerID      *int64           `json:"customer_id"`
	Region          string           `json:"region"`
	ProductID       *int64           `json:"product_id"`
	ProductName     string           `json:"product_name"`
	Model           string           `json:"model"`
	BatchNo         string           `json:"batch_no"`
	BatchID         *int64           `json:"batch_id"`
	OrderNo         string           `json:"order_no"`
	PartNo          string           `json:"part_no"`
	QtyShipped      *int64           `json:"qty_shipped"`
	QtyDefective    *int64           `json:"qty_defective"`
	ShipDate        string           `json:"ship_date"`
	ShipAddress     string           `json:"ship_address"`
	UsageTime       string           `json:"usage_time"`
	FoundPlace      string           `json:"found_place"`
	FoundAt         string           `json:"found_at"`
	DepartmentID    *int64           `json:"department_id"`
	FirstReceiverID *int64           `json:"first_receiver_id"`
}

type complainantInput struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Address string `json:"address"`
	Company string `json:"company"`
}

// complaintPatch is a partial update; version is the one the client read.
type complaintPatch struct {
	complaintInput
	Version *int `json:"version"`
	// CorrectionReason is required to change a finished case, which only
	// an administrator may do; the timeline marks it as a correction.
	CorrectionReason string `json:"correction_reason"`
}

// complaintResponse is a complaint as the API shows it: dates as dates,
// personal data masked for roles without the permission, and the tracking
// code only in the answer to its creation.
type complaintResponse struct {
	*complaint.Complaint
	ShipDate     string `json:"ship_date,omitempty"`
	TrackingCode string `json:"tracking_code,omitempty"`
}

// inputOf returns the writable fields of c. Pointers are copied, so that
// decoding a patch over the result never writes through to c (which would
// hide the change from the diff).
func inputOf(c *complaint.Complaint) complaintInput {
	in := complaintInput{
		Channel: c.Channel, Subject: c.Subject, Description: c.Description, Category: c.Category,
		Severity: c.Severity, Safety: c.Safety, Requests: slices.Clone(c.Requests),
		Complainant: complainantInput(c.Complainant),
		CustomerID:  copyID(c.CustomerID), Region: c.Region, ProductID: copyID(c.ProductID), ProductName: c.ProductName, Model: c.Model,
		BatchNo: c.BatchNo, BatchID: copyID(c.BatchID), OrderNo: c.OrderNo, PartNo: c.PartNo,
		QtyShipped: copyID(c.QtyShipped), QtyDefective: copyID(c.QtyDefective), ShipDate: dateString(c.ShipDate),
		ShipAddress: c.ShipAddress, UsageTime: c.UsageTime, FoundPlace: c.FoundPlace,
		DepartmentID: copyID(c.DepartmentID), FirstReceiverID: copyID(c.FirstReceiverID),
	}
	if !c.ReceivedAt.IsZero() {
		in.ReceivedAt = c.ReceivedAt.Format(time.RFC3339)
	}
	if c.FoundAt != nil {
		in.FoundAt = c.FoundAt.Format(time.RFC3339)
	}
	return in
}

func copyID(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// apply copies in onto c, collecting parse errors of dates and times.
func (in complaintInput) apply(c *complaint.Complaint, fe *fieldErrs) {
	c.Channel, c.Subject, c.Description, c.Category = in.Channel, in.Subject, in.Description, in.Category
	c.Severity, c.Safety, c.Requests = in.Severity, in.Safety, in.Requests
	if c.Requests == nil {
		c.Requests = []string{}
	}
	c.Complainant = complaint.Complainant(in.Complainant)
	c.CustomerID, c.Region, c.ProductID, c.ProductName, c.Model = in.CustomerID, in.Region, in.ProductID, in.ProductName, in.Model
	c.BatchNo, c.BatchID, c.OrderNo, c.PartNo = in.BatchNo, in.BatchID, in.OrderNo, in.PartNo
	c.QtyShipped, c.QtyDefective = in.QtyShipped, in.QtyDefective
	c.ShipAddress, c.UsageTime, c.FoundPlace = in.ShipAddress, in.UsageTime, in.FoundPlace
	c.DepartmentID, c.FirstReceiverID = in.DepartmentID, in.FirstReceiverID
	c.ShipDate = fe.date("ship_date", in.ShipDate)
	c.FoundAt = fe.time("found_at", in.FoundAt)
	c.ReceivedAt = time.Time{}
	if t := fe.time("received_at", in.ReceivedAt); t != nil {
		c.ReceivedAt = *t
	}
}

// validated merges the date parse errors with the record's own validation,
// so one answer lists every problem.
func validated(c *complaint.Complaint, fe *fieldErrs, now time.Time) error {
	perr := fe.v.Err()
	if perr == nil {
		return nil
	}
	complaint.Normalize(c)
	var ae *apperr.Error
	if err := complaint.Validate(c, now); errors.As(err, &ae) {
		for _, f := range ae.Fields {
			if !fe.v.Has(f.Field) {
				fe.v.Add(f.Field, f.Rule, f.Param)
			}
		}
	}
	return fe.v.Err()
}

// view prepares c for the requesting user.
func (a *api) view(r *http.Request, c *complaint.Complaint) complaintResponse {
	cp := *c
	if !can(r, auth.PersonalData) {
		cp = privacy.Complaint(cp)
	}
	return complaintResponse{Complaint: &cp, ShipDate: dateString(c.ShipDate)}
}

// MaxIdempotencyKey bounds the Idempotency-Key header.
const MaxIdempotencyKey = 200

func idemError(rule, param string) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "bad Idempotency-Key",
		Fields: []apperr.FieldError{{Field: "Idempotency-Key", Rule: rule, Param: param}}}
}

// createComplaint registers a complaint. With an Idempotency-Key header a
// retry of the same request answers 200 with the first complaint and
// Idempotent-Replayed: true; the same key with another body is a 409.
func (a *api) createComplaint(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > MaxIdempotencyKey {
		web.WriteError(w, r, idemError("too_long", strconv.Itoa(MaxIdempotencyKey)))
		return
	}
	if strings.IndexFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		web.WriteError(w, r, idemError("invalid_value", ""))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, web.MaxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			web.WriteError(w, r, apperr.Wrap(apperr.TooLarge, err, "request body too large"))
			return
		}
		web.WriteError(w, r, apperr.Wrap(web.BadRequest, err, "read body"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in complaintInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	c := &complaint.Complaint{}
	var fe fieldErrs
	in.apply(c, &fe)
	if err := validated(c, &fe, a.d.Now()); err != nil {
		web.WriteError(w, r, err)
		return
	}
	opts := complaint.CreateOptions{Actor: actor(r)}
	if key != "" {
		sum := sha256.Sum256(body)
		opts.IdempotencyKey, opts.RequestHash = key, hex.EncodeToString(sum[:])
	}
	created, err := a.d.Complaints.Create(r.Context(), c, opts)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	resp := a.view(r, c)
	resp.TrackingCode = c.TrackingCode
	w.Header().Set("Location", Prefix+"/complaints/"+url.PathEscape(c.Number))
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
		web.WriteJSON(w, http.StatusOK, resp)
		return
	}
	if a.d.Registered != nil {
		a.d.Registered(r.Context(), c)
	}
	web.WriteJSON(w, http.StatusCreated, resp)
}

// statuses are the states complaints can be in: the workflow's when it
// runs, else the foundation's.
func (a *api) statuses() enum.Set {
	if a.d.Cases != nil {
		return a.d.Cases.States()
	}
	return complaint.Statuses
}

// listComplaints answers a filtered, keyset-paginated list.
func (a *api) listComplaints(w http.ResponseWriter, r *http.Request) {
	f, err := a.complaintFilter(r.Context(), &query{r: r})
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	page, err := a.d.ComplaintStore.List(r.Context(), f)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if can(r, auth.PersonalData) {
		// One audit entry for the page, not one per row.
		if err := web.AuditPersonalRead(r, a.d, "complaint.list", "complaint", web.ContactIDs(page.Items)); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	out := listResponse[complaintResponse]{Items: make([]complaintResponse, len(page.Items)), Next: page.Next}
	for i := range page.Items {
		out.Items[i] = a.view(r, &page.Items[i])
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// complaintFilter reads the complaint list parameters (the list's query
// string, or an export's filter) and checks them.
func (a *api) complaintFilter(ctx context.Context, q *query) (complaint.Filter, error) {
	f, err := a.readFilter(ctx, q)
	if err != nil {
		return f, err
	}
	return f, q.err()
}

// readFilter reads the list filters; problems with them are added to q.v
// for the caller to report with its own. The list, the statistics and
// the exports share them.
func (a *api) readFilter(ctx context.Context, q *query) (complaint.Filter, error) {
	loc := a.d.Complaints.Loc
	if loc == nil {
		loc = time.UTC
	}
	f := complaint.Filter{
		Status:         q.list("status", a.statuses().Codes()),
		Channel:        q.list("channel", complaint.Channels.Codes()),
		Severity:       q.list("severity", complaint.Severities.Codes()),
		Category:       q.str("category"),
		CustomerID:     q.id("customer_id"),
		DealerID:       q.id("dealer_id"),
		CustomerClass:  q.oneOf("class", customer.Classes.Codes()),
		Region:         q.oneOf("region", customer.Regions.Codes()),
		ProductID:      q.id("product_id"),
		BatchNo:        q.str("batch"),
		DepartmentID:   q.id("department_id"),
		HolderID:       q.id("holder_id"),
		Responsibility: q.oneOf("responsibility", casework.Responsibilities.Codes()),
		Validity:       q.oneOf("validity", casework.Validities.Codes()),
		State:          q.oneOf("state", complaint.States),
		From:           q.day("from", loc, false),
		To:             q.day("to", loc, true),
		Query:          q.str("q"),
		Due:            q.oneOf("due", complaint.DueFilters),
		Sort:           q.oneOf("sort", complaint.Sorts),
		Limit:          q.num("limit", 20, 1, 200),
		After:          q.str("after"),
	}
	f.Safety = q.boolean("safety")
	f.Established = q.boolean("established")
	// Lists, statistics and exports hold only what the reader may read.
	if pr := web.PrincipalOf(q.r); pr != nil {
		sc, err := a.d.Cases.ListScope(ctx, pr.User)
		if err != nil {
			return f, err
		}
		f.Scope = sc
	}
	if f.Category != "" {
		cats, err := a.d.ComplaintStore.Categories(ctx)
		if err != nil {
			return f, err
		}
		if !slices.ContainsFunc(cats, func(c complaint.Category) bool { return c.Code == f.Category }) {
			q.v.Add("category", "invalid_value", "")
		}
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		q.v.Add("to", "before_from", "")
	}
	if len(q.str("q")) > complaint.MaxSubject {
		q.v.Add("q", "too_long", strconv.Itoa(complaint.MaxSubject))
	}
	return f, nil
}

// complaintByNumber loads the complaint named in the path, if the
// signed-in user may read it: every route on one complaint starts here, so
// the case gate's read scope applies to all of them.
func (a *api) complaintByNumber(r *http.Request) (*complaint.Complaint, error) {
	n := r.PathValue("number")
	if n == "" || len(n) > 64 {
		return nil, apperr.New(apperr.NotFound, "bad complaint number")
	}
	c, err := a.d.ComplaintStore.GetByNumber(r.Context(), n)
	if err != nil {
		return nil, err
	}
	if err := a.d.Cases.CanRead(r.Context(), c.ID, caseActor(r)); err != nil {
		return nil, err
	}
	return c, nil
}

// getComplaint answers one complaint. Reads that show personal data are
// audited (SPEC SEC-3).
func (a *api) getComplaint(w http.ResponseWriter, r *http.Request) {
	c, err := a.complaintByNumber(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if can(r, auth.PersonalData) {
		e := &audit.Entry{Actor: actor(r), Action: "complaint.read", Object: "complaint:" + strconv.FormatInt(c.ID, 10)}
		if err := a.d.Audit.Append(r.Context(), e); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	web.WriteJSON(w, http.StatusOK, a.view(r, c))
}

// patchComplaint changes some fields of a complaint. The body must carry
// the version the client read; a stale version is a 409.
func (a *api) patchComplaint(w http.ResponseWriter, r *http.Request) {
	c, err := a.complaintByNumber(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	old := inputOf(c)
	p := complaintPatch{complaintInput: inputOf(c)}
	if err := web.DecodeJSON(w, r, &p); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := requireVersion(p.Version); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if *p.Version != c.Version {
		web.WriteError(w, r, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("complaint %s is at version %d, not %d", c.Number, c.Version, *p.Version),
			Fields: []apperr.FieldError{{Field: "version", Rule: "stale", Param: strconv.Itoa(c.Version)}}})
		return
	}
	in := p.complaintInput
	if err := keepPersonal(&in, old, can(r, auth.PersonalData)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	// A new batch number or product replaces what was derived from the old.
	if in.BatchNo != old.BatchNo && reflect.DeepEqual(in.BatchID, old.BatchID) {
		in.BatchID = nil
	}
	if !reflect.DeepEqual(in.ProductID, old.ProductID) {
		if in.ProductName == old.ProductName {
			in.ProductName = ""
		}
		if in.Model == old.Model {
			in.Model = ""
		}
	}
	var fcs []fieldChange
	diff("", reflect.ValueOf(old), reflect.ValueOf(in), &fcs)
	if len(fcs) == 0 {
		web.WriteJSON(w, http.StatusOK, a.view(r, c))
		return
	}
	var fe fieldErrs
	in.apply(c, &fe)
	if err := validated(c, &fe, a.d.Now()); err != nil {
		web.WriteError(w, r, err)
		return
	}
	complaint.Normalize(c)
	if err := complaint.Validate(c, a.d.Now()); err != nil {
		web.WriteError(w, r, err)
		return
	}
	changes := make([]complaint.Change, len(fcs))
	for i, fc := range fcs {
		changes[i] = complaint.Change{Field: fc.Field, From: fc.From, To: fc.To}
	}
	if _, err := a.d.Cases.Edit(r.Context(), c, changes, p.CorrectionReason, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	// Re-read for the names the store derives (customer, product).
	if fresh, err := a.d.ComplaintStore.Get(r.Context(), c.ID); err == nil {
		c = fresh
	}
	web.WriteJSON(w, http.StatusOK, a.view(r, c))
}

// keepPersonal protects the personal fields of a patch (SPEC SEC-2): a
// value sent back as it was read — stored, or masked as a user without
// the personal-data permission reads it — keeps the stored value; a user
// without the permission, who cannot read these fields, cannot change
// them either (a field error each).
func keepPersonal(in *complaintInput, old complaintInput, personal bool) error {
	var denied []apperr.FieldError
	for _, f := range []struct {
		name   string
		sent   *string
		stored string
	}{
		{"complainant.phone", &in.Complainant.Phone, old.Complainant.Phone},
		{"complainant.email", &in.Complainant.Email, old.Complainant.Email},
		{"complainant.address", &in.Complainant.Address, old.Complainant.Address},
		{"ship_address", &in.ShipAddress, old.ShipAddress},
	} {
		if privacy.Unchanged(f.name, f.stored, *f.sent) {
			*f.sent = f.stored
			continue
		}
		if !personal {
			denied = append(denied, apperr.FieldError{Field: f.name, Rule: RulePersonalData, Param: string(auth.PersonalData)})
		}
	}
	if len(denied) > 0 {
		return &apperr.Error{Code: apperr.Forbidden, Message: "personal data may be changed only by who may read it", Fields: denied}
	}
	return nil
}

// RulePersonalData refuses a change of a personal field by a user who may
// not read it (param: the permission needed).
const RulePersonalData = "personal_data"

// timeline answers a complaint's events, oldest first. The old and new
// values of contact changes are masked for users without the
// personal-data permission; for the others a timeline that shows them is
// an audited read.
func (a *api) timeline(w http.ResponseWriter, r *http.Request) {
	c, err := a.complaintByNumber(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	evs, err := a.d.ComplaintStore.Timeline(r.Context(), c.ID, false)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if !can(r, auth.PersonalData) {
		evs = privacy.Events(evs)
	} else if slices.ContainsFunc(evs, privacy.HasPersonal) {
		e := &audit.Entry{Actor: actor(r), Action: "complaint.timeline.read", Object: "complaint:" + strconv.FormatInt(c.ID, 10)}
		if err := a.d.Audit.Append(r.Context(), e); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	web.WriteJSON(w, http.StatusOK, listResponse[complaint.Event]{Items: evs})
}

// noteRequest adds an internal note, or a public reply the complainant
// sees on the tracking page.
type noteRequest struct {
	Body   string `json:"body"`
	Public bool   `json:"public"`
	// Send also sends a public note to the complainant by their channel
	// (email, or SMS when they gave only a phone number).
	Send bool `json:"send"`
}

// MaxNote bounds a note, in characters.
const MaxNote = casework.MaxNote

func (a *api) addNote(w http.ResponseWriter, r *http.Request) {
	c, err := a.complaintByNumber(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in noteRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if in.Send && !in.Public {
		var v apperr.Validation
		v.Add("send", "requires_public", "")
		web.WriteError(w, r, v.Err())
		return
	}
	note := a.d.Cases.Note
	if in.Send {
		note = func(ctx context.Context, id int64, body string, _ bool, actor casework.Actor) (*complaint.Event, error) {
			return a.d.Cases.NoteSent(ctx, id, body, actor)
		}
	}
	e, err := note(r.Context(), c.ID, in.Body, in.Public, caseActor(r))
	if err != nil {
		caseError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, e)
}

package api

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// actionRequest is what an actor gives with a workflow action. Which
// inputs an action needs is in the case's actions list.
type actionRequest struct {
	Version      *int   `json:"version"`
	Reason       string `json:"reason"`
	Comment      string `json:"comment"`
	ReminderDate string `json:"reminder_date"`
	// MergeInto is the number of the complaint this one is merged into.
	MergeInto    string `json:"merge_into"`
	Satisfaction *int   `json:"satisfaction"`
	Method       string `json:"method"` // of a follow-up visit: phone, visit, email …
	Body         string `json:"body"`   // of a reply to the customer
}

// MaxMethod bounds the follow-up method.
const MaxMethod = 50

// input checks the free text and turns the request into engine input.
func (a *api) input(r *http.Request, in actionRequest) (workflow.Input, error) {
	var v apperr.Validation
	out := workflow.Input{}
	for _, f := range []struct{ name, val string }{{"reason", in.Reason}, {"comment", in.Comment}} {
		if s := strings.TrimSpace(f.val); s != "" && v.Text(f.name, s, 2000) {
			out[f.name] = s
		}
	}
	if s := strings.TrimSpace(in.Method); s != "" && v.Text("method", s, MaxMethod) {
		out["method"] = s
	}
	if s := strings.TrimSpace(in.ReminderDate); s != "" {
		out["reminder_date"] = s
	}
	if in.Satisfaction != nil {
		out["satisfaction"] = strconv.Itoa(*in.Satisfaction)
	}
	if in.Body != "" {
		out["body"] = in.Body
	}
	if n := strings.TrimSpace(in.MergeInto); n != "" {
		c, err := a.d.ComplaintStore.GetByNumber(r.Context(), n)
		switch {
		case apperr.Is(err, apperr.NotFound):
			v.Add("merge_into", "not_found", "")
		case err != nil:
			return nil, err
		default:
			out["merge_into"] = strconv.FormatInt(c.ID, 10)
		}
	}
	return out, v.Err()
}

// takeAction takes a workflow action on a case (issue 5 item 13): the
// engine checks the state, the actor's role and holdership, 当事人, the
// authority and the required fields; a stale version is a 409 and nothing
// is written.
func (a *api) takeAction(w http.ResponseWriter, r *http.Request) {
	var in actionRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	input, err := a.input(r, in)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Cases.Do(r.Context(), id, *in.Version, r.PathValue("action"), input, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusOK, id)
}

// decisionRequest records classification and plan (TRI-4, WF-4); absent
// fields are left as they are.
type decisionRequest struct {
	casework.Decision
	Version *int `json:"version"`
}

func (a *api) decide(w http.ResponseWriter, r *http.Request) {
	var in decisionRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	if _, err := a.d.Cases.Decide(r.Context(), id, *in.Version, in.Decision, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusOK, id)
}

// assignRequest sets the holder and backup by hand; null clears one.
type assignRequest struct {
	Version  *int   `json:"version"`
	HolderID *int64 `json:"holder_id"`
	BackupID *int64 `json:"backup_id"`
}

func (a *api) assign(w http.ResponseWriter, r *http.Request) {
	var in assignRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	var v apperr.Validation
	for _, p := range []struct {
		field string
		id    *int64
	}{{"holder_id", in.HolderID}, {"backup_id", in.BackupID}} {
		if p.id == nil {
			continue
		}
		u, err := a.d.Org.GetUser(r.Context(), *p.id)
		switch {
		case apperr.Is(err, apperr.NotFound):
			v.Add(p.field, "not_found", "")
		case err != nil:
			web.WriteError(w, r, err)
			return
		case u.Disabled:
			v.Add(p.field, "disabled_user", "")
		}
	}
	if err := v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Cases.Assign(r.Context(), id, *in.Version, in.HolderID, in.BackupID, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusOK, id)
}

// partiesRequest lists the staff the complaint is about (当事人).
type partiesRequest struct {
	UserIDs []int64 `json:"user_ids"`
}

// MaxParties bounds the 当事人 of one complaint.
const MaxParties = 50

func (a *api) setParties(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in partiesRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var v apperr.Validation
	if in.UserIDs == nil {
		// The list replaces the parties: it must be given, [] to clear it.
		v.Add("user_ids", "required", "")
	}
	if len(in.UserIDs) > MaxParties {
		v.Add("user_ids", "too_many", strconv.Itoa(MaxParties))
	}
	for _, u := range in.UserIDs {
		if u <= 0 {
			v.Add("user_ids", "invalid_value", "")
			break
		}
	}
	if err := v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Cases.SetParties(r.Context(), id, in.UserIDs, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusOK, id)
}

// investigationRequest records a fact found while investigating (WF-2).
type investigationRequest struct {
	Kind string `json:"kind"`
	Body string `json:"body"`
}

func (a *api) investigate(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in investigationRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Cases.Investigate(r.Context(), id, strings.TrimSpace(in.Kind), in.Body, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusCreated, id)
}

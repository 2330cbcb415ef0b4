package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/web"
)

// relatedComplaint is another complaint as a duplicate, repeat or merge
// partner of the one asked about (INT-6).
type relatedComplaint struct {
	Kind       string    `json:"kind"`
	Number     string    `json:"number"`
	Subject    string    `json:"subject"`
	Status     string    `json:"status"`
	ReceivedAt time.Time `json:"received_at"`
}

// linkView is a stored link, seen from the complaint asked about:
// Direction "to" means this complaint is the duplicate, repeat or merged
// one.
type linkView struct {
	relatedComplaint
	Direction string    `json:"direction"`
	At        time.Time `json:"at"`
}

// duplicatesResponse is what the registration page offers to link.
type duplicatesResponse struct {
	Suggestions []relatedComplaint `json:"suggestions"`
	Links       []linkView         `json:"links"`
	Repeats     int                `json:"repeats"`
}

// related loads what a person needs to recognise complaint id.
func (a *api) related(ctx context.Context, id int64, kind string) (relatedComplaint, error) {
	c, err := a.d.ComplaintStore.Get(ctx, id)
	if err != nil {
		return relatedComplaint{}, err
	}
	return relatedComplaint{Kind: kind, Number: c.Number, Subject: c.Subject, Status: c.Status, ReceivedAt: c.ReceivedAt}, nil
}

func (a *api) duplicates(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	// Only complaints the reader may read are named.
	sugg, err := a.d.Links.SuggestFor(ctx, id, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	links, repeats, err := a.d.Links.LinksFor(ctx, id, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	resp := duplicatesResponse{Suggestions: []relatedComplaint{}, Links: []linkView{}, Repeats: repeats}
	for _, s := range sugg {
		rc, err := a.related(ctx, s.ID, s.Kind)
		if err != nil {
			web.WriteError(w, r, err)
			return
		}
		resp.Suggestions = append(resp.Suggestions, rc)
	}
	for _, l := range links {
		other, dir := l.ToID, "to"
		if l.ToID == id {
			other, dir = l.FromID, "from"
		}
		rc, err := a.related(ctx, other, l.Kind)
		if err != nil {
			web.WriteError(w, r, err)
			return
		}
		resp.Links = append(resp.Links, linkView{relatedComplaint: rc, Direction: dir, At: l.At})
	}
	web.WriteJSON(w, http.StatusOK, resp)
}

// otherComplaint resolves a complaint number given in a body; an unknown
// one is a field error.
func (a *api) otherComplaint(ctx context.Context, field, number string) (int64, error) {
	number = strings.TrimSpace(number)
	if number == "" {
		var v apperr.Validation
		v.Add(field, "required", "")
		return 0, v.Err()
	}
	c, err := a.d.ComplaintStore.GetByNumber(ctx, number)
	if apperr.Is(err, apperr.NotFound) {
		var v apperr.Validation
		v.Add(field, "not_found", "")
		return 0, v.Err()
	}
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

// linkRequest says the path's complaint is a duplicate or repeat of
// complaint Number.
type linkRequest struct {
	Number string `json:"number"`
	Kind   string `json:"kind"`
}

func (a *api) linkComplaint(w http.ResponseWriter, r *http.Request) {
	id, err := a.caseOf(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in linkRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	to, err := a.otherComplaint(r.Context(), "number", in.Number)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	l, err := a.d.Links.Link(r.Context(), id, to, in.Kind, caseActor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	rc, err := a.related(r.Context(), to, l.Kind)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, linkView{relatedComplaint: rc, Direction: "to", At: l.At})
}

// mergeRequest closes the path's complaint as merged into complaint Into;
// Version is the merged complaint's version the actor saw.
type mergeRequest struct {
	Into    string `json:"into"`
	Version *int   `json:"version"`
}

// mergeComplaint merges a duplicate into a survivor through the workflow;
// both timelines are kept. It answers the merged complaint's case.
func (a *api) mergeComplaint(w http.ResponseWriter, r *http.Request) {
	var in mergeRequest
	id, ok := a.caseChange(w, r, &in, &in.Version)
	if !ok {
		return
	}
	into, err := a.otherComplaint(r.Context(), "into", in.Into)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Links.Merge(r.Context(), id, into, *in.Version, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeCase(w, r, http.StatusOK, id)
}

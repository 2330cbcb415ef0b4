package ui

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/incident"
	"kesu/internal/web"
)

// maxSuggestions bounds the duplicates panel.
const maxSuggestions = 10

// suggestionView is one likely duplicate or repeat of the shown complaint.
type suggestionView struct {
	incident.Suggestion
	Subject string
	Version int // its case version, for the merge form
	incident.Plausibility
	Why []string // the reasons in the reader's language
}

// linkView is one stored link of the shown complaint.
type linkView struct {
	incident.Link
	OtherID     int64
	OtherNumber string
	Outgoing    bool // the shown complaint is the duplicate, repeat or merged one
}

// duplicatesView is the "likely duplicates / repeats" panel.
type duplicatesView struct {
	Suggestions []suggestionView
	Links       []linkView
	Repeats     int
}

// duplicates assembles the panel of complaint id; nil when links are not
// wired.
func (h *handler) duplicates(ctx context.Context, id int64, actor casework.Actor, lang string) (*duplicatesView, error) {
	if h.d.Links == nil {
		return nil, nil
	}
	v := &duplicatesView{}
	links, repeats, err := h.d.Links.LinksFor(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	linked := map[int64]bool{}
	for _, l := range links {
		lv := linkView{Link: l, OtherID: l.ToID, Outgoing: true}
		if l.ToID == id {
			lv.OtherID, lv.Outgoing = l.FromID, false
		}
		linked[lv.OtherID] = true
		if c, err := h.d.ComplaintStore.Get(ctx, lv.OtherID); err == nil {
			lv.OtherNumber = c.Number
		} else if !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		v.Links = append(v.Links, lv)
	}
	v.Repeats = repeats
	sugs, err := h.d.Links.SuggestFor(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	// Only plausible duplicates are offered, likeliest first: the same
	// lot, similar text, or the same product from the same person lately;
	// not every complaint the customer ever made.
	me, err := h.d.ComplaintStore.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	subj, err := h.d.Links.Store.Subject(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, s := range sugs {
		if linked[s.ID] {
			continue
		}
		c, err := h.d.ComplaintStore.Get(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		pl, ok := h.d.Links.Rule.Plausible(subj, &s.Subject, me.Subject+" "+me.Description, c.Subject+" "+c.Description)
		if !ok {
			continue
		}
		sv := suggestionView{Suggestion: s, Subject: c.Subject, Plausibility: pl}
		for _, r := range pl.Reasons {
			if r == "similar_text" {
				sv.Why = append(sv.Why, web.T(lang, "desk.dup.similar_text", strconv.Itoa(int(pl.Similar*100+0.5))))
				continue
			}
			sv.Why = append(sv.Why, web.T(lang, "desk.dup."+r))
		}
		sv.Why = append(sv.Why, web.T(lang, "desk.dup.days", strconv.Itoa(pl.Days)))
		if h.d.Cases != nil {
			if rec, err := h.d.Cases.Load(ctx, s.ID); err == nil {
				sv.Version = rec.Version
			} else if !apperr.Is(err, apperr.NotFound) {
				return nil, err
			}
		}
		v.Suggestions = append(v.Suggestions, sv)
	}
	slices.SortStableFunc(v.Suggestions, func(a, b suggestionView) int { return cmp.Compare(b.Score, a.Score) })
	if len(v.Suggestions) > maxSuggestions {
		v.Suggestions = v.Suggestions[:maxSuggestions]
	}
	return v, nil
}

// complaintLink records that complaint {id} repeats (or duplicates) the
// earlier complaint to_id.
func (h *handler) complaintLink(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	to, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("to_id")), 10, 64)
	kind := strings.TrimSpace(r.PostFormValue("kind"))
	if kind == "" {
		kind = incident.LinkRepeat
	}
	if _, err := h.d.Links.Link(r.Context(), id, to, kind, caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "duplicates")
}

// complaintMerge merges the suggested complaint duplicate_id into
// complaint {id}; both timelines are kept.
func (h *handler) complaintMerge(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	dup, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("duplicate_id")), 10, 64)
	if dup <= 0 {
		h.refused(w, r, id, &apperr.Error{Code: apperr.Invalid, Message: "no complaint to merge",
			Fields: []apperr.FieldError{{Field: "merge_into", Rule: "required"}}})
		return
	}
	if _, err := h.d.Links.Merge(r.Context(), dup, id, formVersion(r), caseActor(r)); err != nil {
		h.refused(w, r, id, err)
		return
	}
	afterCase(w, r, id, "duplicates")
}

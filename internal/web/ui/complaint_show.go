package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/privacy"
	"kesu/internal/web"
	"kesu/internal/workflow"
)

// eventView is a timeline entry as people read it.
type eventView struct {
	At     time.Time
	Who    string
	What   string
	Body   string
	Detail string
	Public bool
	Kind   string
}

// describeEvents renders a timeline in lang. For the public page staff
// names are replaced by "客服" (SPEC INT-5: no internal data leaks). def,
// when given, labels the workflow actions of transitions.
// who names staff by their display name rather than their user name.
func describeEvents(evs []complaint.Event, lang string, public bool, def *workflow.Definition, who names) []eventView {
	out := make([]eventView, 0, len(evs))
	for _, e := range evs {
		v := eventView{At: e.At, Body: e.Body, Public: e.Public, Kind: e.Kind,
			What: web.T(lang, "ui.event."+e.Kind)}
		switch {
		case e.ActorName == "system":
			v.Who = web.T(lang, "ui.actor.system")
		case e.ActorID == nil:
			v.Who = web.T(lang, "ui.actor.customer")
		case public:
			v.Who = web.T(lang, "ui.actor.staff")
		case who[*e.ActorID] != "":
			v.Who = who[*e.ActorID]
		default:
			v.Who = e.ActorName
		}
		switch e.Kind {
		case complaint.EventCreated:
			if ch, ok := e.Data["channel"].(string); ok {
				v.Detail = complaint.Channels.Label(ch, lang)
			}
		case complaint.EventAttachment:
			if n, ok := e.Data["name"].(string); ok {
				v.Detail = n
			}
		case complaint.EventAckSent:
			if ch, ok := e.Data["channel"].(string); ok {
				v.Detail = web.T(lang, "ui.via."+ch)
			}
		case "transition", complaint.EventReply:
			if a, ok := e.Data["action"].(string); ok && def != nil && !public {
				if act, ok := def.Action(a); ok {
					v.Detail = act.Label(lang)
				}
			}
		case "investigation":
			if k, ok := e.Data["type"].(string); ok {
				v.Detail = web.T(lang, "case.investigation."+k)
			}
		case "memo":
			if to, ok := e.Data["to"].(string); ok && !public {
				v.Detail = web.T(lang, "ui.memo_to", workflow.Roles.Label(to, lang))
			}
		case "linked":
			if k, ok := e.Data["kind"].(string); ok && !public {
				v.Detail = web.T(lang, "ui.link."+k)
			}
		case "capa_added":
			if k, ok := e.Data["kind"].(string); ok {
				v.Detail = casework.CAPAKinds.Label(k, lang)
			}
		case complaint.EventChanged:
			if !public {
				if chs, ok := e.Data["changes"].([]any); ok {
					var names []string
					for _, ch := range chs {
						if m, ok := ch.(map[string]any); ok {
							names = append(names, web.T(lang, fmt.Sprint("field.", m["field"])))
						}
					}
					v.Detail = strings.Join(names, web.T(lang, "ui.list_sep"))
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// complaintShow shows one complaint with its timeline, attachments and the
// note and upload forms.
func (h *handler) complaintShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.readable(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.showComplaint(w, r, c, h.newPage(r, "ui.complaint"), http.StatusOK)
}

// showComplaint renders the detail page, also after a failed note or
// upload (p then holds the errors and the entered text). Contact details
// are masked for users without the personal-data permission; an unmasked
// view is audited, as the API's read is (SPEC SEC-2, SEC-3).
func (h *handler) showComplaint(w http.ResponseWriter, r *http.Request, c *complaint.Complaint, p *page, status int) {
	ctx := r.Context()
	if seesPersonal(r) {
		if err := h.audit(r, "complaint.read", "complaint:"+strconv.FormatInt(c.ID, 10), nil); err != nil {
			h.fail(w, r, err)
			return
		}
	} else {
		m := privacy.Complaint(*c)
		c = &m
	}
	evs, err := h.d.ComplaintStore.Timeline(ctx, c.ID, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	atts, err := h.d.ComplaintStore.Attachments(ctx, c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	cats, err := h.d.ComplaintStore.Categories(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	users, who, err := h.userNames(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// Uploads name the user name; people read display names.
	byUsername := map[string]string{}
	for _, u := range users {
		byUsername[u.Username] = u.Name
	}
	for i, a := range atts {
		if n := byUsername[a.UploadedBy]; n != "" {
			atts[i].UploadedBy = n
		}
	}
	p.Nav = "complaints"
	p.Title = c.Number + " " + c.Subject
	if r.URL.Query().Get("created") == "1" {
		p.Flash = web.T(p.L, "ui.created", c.Number)
	}
	var cv *caseView
	var def *workflow.Definition
	if h.d.Cases != nil {
		if cv, err = h.caseView(ctx, r, c.ID, p.L); err != nil {
			h.fail(w, r, err)
			return
		}
		def = h.d.Cases.Definition(cv.R)
	}
	dups, err := h.duplicates(ctx, c.ID, caseActor(r), p.L)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	clocks, err := h.clockRows(ctx, c.ID, p.L)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	kb, err := h.kbPanel(r, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = struct {
		KB          *kbPanel
		C           *complaint.Complaint
		Clocks      []clockRow
		Case        *caseView
		Dups        *duplicatesView
		Events      []eventView
		Attachments []complaint.Attachment
		Category    string
		MaxUpload   int64
		ConsentHow  []string
	}{kb, c, clocks, cv, dups, describeEvents(evs, p.L, false, def, who), atts, categoryLabels(cats, p.L)[c.Category], h.d.MaxUpload, consentMethods}
	h.render(w, status, "staff", "complaint_show", p)
}

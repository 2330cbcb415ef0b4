package ui

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/queue"
	"kesu/internal/web"
)

// adminBranch is one branch on the administration page.
type adminBranch struct {
	Branch   queue.Branch
	Types    []queue.ServiceType
	Counters []queue.Counter
}

// queueAdmin lists branches with their types and counters, with forms to
// add and change them for administrators (QUE-1, /admin/queue); counter
// staff see the same list without the forms (/queue/counters) to open
// their counter's screen, and analysts the links to the analytics.
func (h *handler) queueAdmin(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "queue.admin")
	p.Nav = "queue"
	if r.URL.Query().Get("saved") != "" {
		p.Flash = web.T(p.L, "queue.saved")
	}
	h.renderQueueAdmin(w, r, p, http.StatusOK)
}

// queueList is the branch list of counter staff and analysts.
func (h *handler) queueList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "queue.admin")
	role := p.User.Role
	if !auth.Can(role, auth.QueueServe) && !auth.Can(role, auth.QueueReport) && !auth.Can(role, auth.QueueAdmin) {
		h.fail(w, r, apperr.New(apperr.Forbidden, "role %s has no queue permission", role))
		return
	}
	p.Nav = "queue"
	h.renderQueueAdmin(w, r, p, http.StatusOK)
}

func (h *handler) renderQueueAdmin(w http.ResponseWriter, r *http.Request, p *page, status int) {
	bs, err := h.d.Queue.Store.Branches(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var out []adminBranch
	for _, b := range bs {
		ab := adminBranch{Branch: b}
		if ab.Types, err = h.d.Queue.Store.Types(r.Context(), b.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		if ab.Counters, err = h.d.Queue.Store.Counters(r.Context(), b.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		out = append(out, ab)
	}
	p.D = struct {
		Branches []adminBranch
		CanAdmin bool
		CanSee   bool
		CanServe bool
	}{out, auth.Can(p.User.Role, auth.QueueAdmin) && r.URL.Path == "/admin/queue", auth.Can(p.User.Role, auth.QueueReport),
		auth.Can(p.User.Role, auth.QueueServe)}
	h.render(w, status, "staff", "queue_admin", p)
}

// queueAdminSave adds or changes a branch, a service type or a counter,
// as the form's "kind" says.
func (h *handler) queueAdminSave(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	id, _ := strconv.ParseInt(f.Get("id"), 10, 64)
	branch, _ := strconv.ParseInt(f.Get("branch_id"), 10, 64)
	var err error
	switch f.Get("kind") {
	case "type":
		prio, _ := strconv.Atoi(f.Get("priority"))
		hm, _ := strconv.ParseFloat(f.Get("handle_minutes"), 64)
		t := &queue.ServiceType{ID: id, BranchID: branch, Prefix: f.Get("prefix"), Name: f.Get("name"), NameEN: f.Get("name_en"),
			Documents: f.Get("documents"), DocumentsEN: f.Get("documents_en"), Priority: prio, HandleMinutes: hm}
		err = h.d.Queue.Store.SaveType(r.Context(), t, web.Actor(r))
	case "counter":
		c := &queue.Counter{ID: id, BranchID: branch, Name: f.Get("name"), Open: f.Get("open") != ""}
		for _, s := range f["types"] {
			if n, perr := strconv.ParseInt(s, 10, 64); perr == nil {
				c.Types = append(c.Types, n)
			}
		}
		err = h.d.Queue.Store.SaveCounter(r.Context(), c, web.Actor(r))
	default:
		b := &queue.Branch{ID: id, Code: f.Get("code"), Name: f.Get("name"), NameEN: f.Get("name_en"), Address: f.Get("address"),
			Policy: queue.Policy(f.Get("policy")), Opens: strings.TrimSpace(f.Get("opens")), Closes: strings.TrimSpace(f.Get("closes")),
			EveryDay: f.Get("every_day") != ""}
		err = h.d.Queue.Store.SaveBranch(r.Context(), b, web.Actor(r))
		branch = b.ID
	}
	if err != nil {
		p := h.newPage(r, "queue.admin")
		p.Nav = "queue"
		p.F = f
		if !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
		h.renderQueueAdmin(w, r, p, http.StatusUnprocessableEntity)
		return
	}
	h.d.Queue.Changed(branch)
	http.Redirect(w, r, "/admin/queue?saved=1", http.StatusSeeOther)
}

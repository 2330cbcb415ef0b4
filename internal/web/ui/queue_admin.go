package ui

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/org"
	"kesu/internal/queue"
	"kesu/internal/web"
)

// adminBranch is one branch on the administration page.
type adminBranch struct {
	Branch     queue.Branch
	Department string // its department's name, "" without one
	Types      []queue.ServiceType
	Counters   []queue.Counter
	// What the user's queue permissions allow on this branch: change it,
	// work its counters, read its analytics.
	CanAdmin, CanServe, CanSee bool
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
	ctx := r.Context()
	actor := web.QueueActor(r)
	admin := r.URL.Path == "/admin/queue"
	bs, err := h.d.Queue.Store.Branches(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	depts, err := h.d.Org.ListDepartments(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	deptName := map[int64]string{}
	var assignable []org.Department // departments the user may give a branch
	for _, d := range depts {
		deptName[d.ID] = d.Name
		if p.L == "en" && d.NameEN != "" {
			deptName[d.ID] = d.NameEN
		}
		if h.d.Queue.Can(ctx, actor, auth.QueueAdmin, &queue.Branch{DepartmentID: &d.ID}) {
			assignable = append(assignable, d)
		}
	}
	var out []adminBranch
	for _, b := range bs {
		ab := adminBranch{Branch: b, CanAdmin: h.d.Queue.Can(ctx, actor, auth.QueueAdmin, &b),
			CanServe: h.d.Queue.Can(ctx, actor, auth.QueueServe, &b), CanSee: h.d.Queue.Can(ctx, actor, auth.QueueReport, &b)}
		if !ab.CanAdmin && (admin || !ab.CanServe && !ab.CanSee) {
			continue // outside the user's reach
		}
		ab.CanAdmin = ab.CanAdmin && admin // the forms are on the administration page
		if b.DepartmentID != nil {
			ab.Department = deptName[*b.DepartmentID]
		}
		if ab.Types, err = h.d.Queue.Store.Types(ctx, b.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		if ab.Counters, err = h.d.Queue.Store.Counters(ctx, b.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		out = append(out, ab)
	}
	p.D = struct {
		Branches    []adminBranch
		CanAdd      bool
		Departments []org.Department
		AnyDept     bool // the user may leave a branch without a department
	}{out, admin && len(assignable) > 0, assignable, auth.ScopeOf(p.User.Role, auth.QueueAdmin) == auth.ScopeAll}
	h.render(w, status, "staff", "queue_admin", p)
}

// queueAdminSave adds or changes a branch, a service type or a counter,
// as the form's "kind" says.
func (h *handler) queueAdminSave(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	id, _ := strconv.ParseInt(f.Get("id"), 10, 64)
	branch, _ := strconv.ParseInt(f.Get("branch_id"), 10, 64)
	actor := web.QueueActor(r)
	var err error
	switch f.Get("kind") {
	case "type":
		prio, _ := strconv.Atoi(f.Get("priority"))
		hm, _ := strconv.ParseFloat(f.Get("handle_minutes"), 64)
		t := &queue.ServiceType{ID: id, BranchID: branch, Prefix: f.Get("prefix"), Name: f.Get("name"), NameEN: f.Get("name_en"),
			Documents: f.Get("documents"), DocumentsEN: f.Get("documents_en"), Priority: prio, HandleMinutes: hm}
		err = h.d.Queue.SaveType(r.Context(), actor, t)
	case "counter":
		c := &queue.Counter{ID: id, BranchID: branch, Name: f.Get("name"), Open: f.Get("open") != ""}
		for _, s := range f["types"] {
			if n, perr := strconv.ParseInt(s, 10, 64); perr == nil {
				c.Types = append(c.Types, n)
			}
		}
		err = h.d.Queue.SaveCounter(r.Context(), actor, c)
	default:
		b := &queue.Branch{ID: id, Code: f.Get("code"), Name: f.Get("name"), NameEN: f.Get("name_en"), Address: f.Get("address"),
			Policy: queue.Policy(f.Get("policy")), Opens: strings.TrimSpace(f.Get("opens")), Closes: strings.TrimSpace(f.Get("closes")),
			EveryDay: f.Get("every_day") != ""}
		if dept, perr := strconv.ParseInt(f.Get("department_id"), 10, 64); perr == nil && dept > 0 {
			b.DepartmentID = &dept
		}
		err = h.d.Queue.SaveBranch(r.Context(), actor, b)
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
	http.Redirect(w, r, "/admin/queue?saved=1", http.StatusSeeOther)
}

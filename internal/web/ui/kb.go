package ui

import (
	"net/http"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/desk"
	"kesu/internal/web"
)

// kbView is the knowledge base page 问题分类解答作业指导书 (OPS-4): search,
// categories and, for desk managers, the form for a new entry.
type kbView struct {
	Query      string
	Category   string
	Categories []desk.CategoryCount
	Entries    []desk.Entry
	Entry      *desk.Entry // the entry shown, with its versions
	Versions   []desk.EntryVersion
	Manage     bool
}

// kbList searches the knowledge base (?q=, ?category=).
func (h *handler) kbList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.kb")
	if r.URL.Query().Get("saved") != "" {
		p.Flash = web.T(p.L, "ui.kb.saved")
	}
	h.showKB(w, r, p, nil, http.StatusOK)
}

func (h *handler) showKB(w http.ResponseWriter, r *http.Request, p *page, entry *desk.Entry, status int) {
	ctx := r.Context()
	v := &kbView{Query: strings.TrimSpace(r.URL.Query().Get("q")), Category: r.URL.Query().Get("category"), Entry: entry}
	if p.User != nil {
		v.Manage = canDo(p.User.Role, "desk.manage")
	}
	var err error
	if v.Categories, err = h.d.Desk.Categories(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if entry != nil {
		if v.Versions, err = h.d.Desk.EntryVersions(ctx, entry.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		p.Title = entry.Title
	} else if v.Entries, err = h.d.Desk.Search(ctx, desk.KBQuery{Text: v.Query, Category: v.Category, Limit: 50}); err != nil {
		h.fail(w, r, err)
		return
	}
	p.Nav, p.D = "kb", v
	h.render(w, status, "staff", "kb", p)
}

// kbShow shows one entry with its versions and, for managers, the edit
// form.
func (h *handler) kbShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, err := h.d.Desk.Entry(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "ui.kb")
	if r.URL.Query().Get("saved") != "" {
		p.Flash = web.T(p.L, "ui.kb.saved")
	}
	p.F.Set("category", e.Category)
	p.F.Set("title", e.Title)
	p.F.Set("body", e.Body)
	p.F.Set("keywords", e.Keywords)
	p.F.Set("version", strconv.Itoa(e.Version))
	if e.Internal {
		p.F.Set("internal", "on")
	}
	h.showKB(w, r, p, e, http.StatusOK)
}

// kbSave adds an entry (/kb/new) or saves a new version of one (/kb/{id}).
func (h *handler) kbSave(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	e := &desk.Entry{Category: f.Get("category"), Title: f.Get("title"), Body: f.Get("body"), Keywords: f.Get("keywords"), Internal: f.Get("internal") != ""}
	var err error
	var cur *desk.Entry
	if r.PathValue("id") == "" {
		err = h.d.Desk.CreateEntry(r.Context(), e, caseActor(r))
	} else {
		id, perr := pathID(r, "id")
		if perr != nil {
			h.fail(w, r, perr)
			return
		}
		if cur, err = h.d.Desk.Entry(r.Context(), id); err != nil {
			h.fail(w, r, err)
			return
		}
		e.ID = id
		e.Version, _ = strconv.Atoi(f.Get("version"))
		err = h.d.Desk.UpdateEntry(r.Context(), e, f.Get("note"), caseActor(r))
	}
	if err != nil {
		p := h.newPage(r, "ui.kb")
		p.F = f
		deskError(p, err)
		h.showKB(w, r, p, cur, web.Status(apperr.CodeOf(err)))
		return
	}
	http.Redirect(w, r, "/kb/"+strconv.FormatInt(e.ID, 10)+"?saved=1", http.StatusSeeOther)
}

// kbInsert takes an entry as a canned reply on a complaint: the use is
// counted and the complaint page opens with the answer in the reply box.
// An internal entry is refused.
func (h *handler) kbInsert(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	entry, err := pathID(r, "entry")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.d.Desk.UseEntry(r.Context(), entry, &id, nil, caseActor(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/complaints/"+strconv.FormatInt(id, 10)+"?reply_kb="+strconv.FormatInt(entry, 10)+"#f-body", http.StatusSeeOther)
}

// kbPanel is the knowledge base beside a complaint's reply box: the
// standard answers found for ?kb= (internal entries never among them).
type kbPanel struct {
	Query   string
	Results []desk.Entry
}

// kbPanel searches for the complaint page and, after an answer was
// inserted (?reply_kb=), puts its text in the reply box as a public reply.
func (h *handler) kbPanel(r *http.Request, p *page) (*kbPanel, error) {
	if h.d.Desk == nil || p.User == nil || !canDo(p.User.Role, "desk.work") {
		return nil, nil
	}
	q := r.URL.Query()
	k := &kbPanel{Query: strings.TrimSpace(q.Get("kb"))}
	if k.Query != "" {
		var err error
		if k.Results, err = h.d.Desk.Search(r.Context(), desk.KBQuery{Text: k.Query, PublicOnly: true, Limit: 10}); err != nil {
			return nil, err
		}
	}
	if id, err := strconv.ParseInt(q.Get("reply_kb"), 10, 64); err == nil && p.F.Get("body") == "" {
		if e, err := h.d.Desk.Entry(r.Context(), id); err == nil && !e.Internal {
			// The note form shows it as if typed there: a public reply.
			p.Posted = "notes"
			p.F.Set("body", e.Body)
			p.F.Set("public", "on")
		}
	}
	return k, nil
}

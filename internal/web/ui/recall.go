package ui

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/recall"
	"kesu/internal/web"
)

// recallList lists recalls with their progress.
func (h *handler) recallList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "rec.recalls")
	p.Nav = "recalls"
	items, err := h.d.Recalls.Store.Recalls(r.Context(), r.URL.Query().Get("status"), 500)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = items
	h.render(w, http.StatusOK, "staff", "recall_list", p)
}

// recallShow is a recall with its distributor tasks, progress, disposals
// and files, and the forms that act on it.
func (h *handler) recallShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "rec.recall")
	h.showRecall(w, r, p, id, http.StatusOK)
}

func (h *handler) showRecall(w http.ResponseWriter, r *http.Request, p *page, id int64, status int) {
	p.Nav = "recalls"
	d, err := h.d.Recalls.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if msg := r.URL.Query().Get("done"); msg != "" && p.Flash == "" && p.Error == "" {
		p.Flash = web.T(p.L, "rec.done."+msg)
	}
	p.Title = d.Number() + " " + d.Title
	p.D = struct {
		*recall.Detail
		CanManage bool
		Link      string
	}{d, p.User != nil && auth.Can(p.User.Role, auth.RecallManage), strings.TrimRight(h.d.BaseURL, "/") + "/recall-task/"}
	h.render(w, status, "staff", "recall_show", p)
}

// recallNew is the form that starts a recall from a batch incident
// (?incident=) or a complaint (?complaint=).
func (h *handler) recallNew(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "rec.new")
	p.Nav = "recalls"
	q := r.URL.Query()
	p.F.Set("source_kind", recall.FromComplaint)
	if id := q.Get("incident"); id != "" {
		p.F.Set("source_kind", recall.FromIncident)
		p.F.Set("source_id", id)
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && h.d.Incidents != nil {
			if inc, err := h.d.Incidents.Store.Incident(r.Context(), n); err == nil {
				p.F.Set("lots", inc.BatchNo)
				if inc.ProductID != nil {
					p.F.Set("product_id", strconv.FormatInt(*inc.ProductID, 10))
				}
			}
		}
	}
	if id := q.Get("complaint"); id != "" {
		p.F.Set("source_id", id)
	}
	h.renderRecallNew(w, r, p, http.StatusOK)
}

func (h *handler) renderRecallNew(w http.ResponseWriter, r *http.Request, p *page, status int) {
	products, err := h.d.Products.ListProducts(r.Context(), "", 1000, 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = products
	h.render(w, status, "staff", "recall_new", p)
}

// recallCreate starts the recall.
func (h *handler) recallCreate(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "rec.new")
	p.Nav = "recalls"
	p.F = r.PostForm
	d := decoder{f: r.PostForm}
	rc := &recall.Recall{Title: d.str("title"), SourceKind: d.str("source_kind"), Reason: d.str("reason"), Packaging: d.str("packaging"),
		HowToReturn: d.str("how_to_return"), Lots: strings.FieldsFunc(d.str("lots"), func(c rune) bool { return c == ',' || c == '，' || c == '\n' || c == ' ' }),
		ProducedFrom: d.date("produced_from"), ProducedTo: d.date("produced_to")}
	if n := d.int("source_id"); n != nil {
		rc.SourceID = *n
	}
	if n := d.int("product_id"); n != nil {
		rc.ProductID = *n
	}
	err := d.err()
	if err == nil {
		err = h.d.Recalls.Create(r.Context(), rc, web.PrincipalOf(r).User.ID, web.Actor(r))
	}
	if err != nil {
		if !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
		h.renderRecallNew(w, r, p, http.StatusUnprocessableEntity)
		return
	}
	http.Redirect(w, r, "/recalls/"+strconv.FormatInt(rc.ID, 10), http.StatusSeeOther)
}

// recallAct runs one action on a recall from its page; a refusal comes
// back on the page as a message with the fields named.
func (h *handler) recallAct(w http.ResponseWriter, r *http.Request, done string, act func(id int64) error) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := act(id); err != nil {
		code := apperr.CodeOf(err)
		if code != apperr.Forbidden && code != apperr.Conflict && code != apperr.Invalid && code != apperr.TooLarge {
			h.fail(w, r, err)
			return
		}
		p := h.newPage(r, "rec.recall")
		if formErrors(p, err) {
			for f, m := range p.Errs {
				p.Problems = append(p.Problems, f+": "+m)
			}
		} else {
			p.Error = web.Localize(err, p.L).Error.Message
		}
		h.showRecall(w, r, p, id, web.Status(code))
		return
	}
	http.Redirect(w, r, "/recalls/"+strconv.FormatInt(id, 10)+"?done="+url.QueryEscape(done), http.StatusSeeOther)
}

// formFile reads the form's file field.
func formFile(r *http.Request) (string, []byte, error) {
	f, hd, err := r.FormFile("file")
	if err != nil {
		return "", nil, &apperr.Error{Code: apperr.Invalid, Message: "file required", Fields: []apperr.FieldError{{Field: "file", Rule: "required"}}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, recall.MaxFile+1))
	return hd.Filename, data, err
}

func (h *handler) recallQuarantine(w http.ResponseWriter, r *http.Request) {
	h.recallAct(w, r, "quarantined", func(id int64) error {
		_, err := h.d.Recalls.Quarantine(r.Context(), id, caseActor(r))
		return err
	})
}

func (h *handler) recallShipments(w http.ResponseWriter, r *http.Request) {
	h.recallAct(w, r, "imported", func(id int64) error {
		name, data, err := formFile(r)
		if err != nil {
			return err
		}
		rows, err := recall.ParseShipments(name, data)
		if err != nil {
			return err
		}
		_, err = h.d.Recalls.Import(r.Context(), id, rows, web.Actor(r))
		return err
	})
}

func (h *handler) recallTaskFor(w http.ResponseWriter, r *http.Request) {
	h.recallAct(w, r, "answered", func(id int64) error {
		tid, err := pathID(r, "task")
		if err != nil {
			return err
		}
		a, err := answerForm(r)
		if err != nil {
			return err
		}
		_, err = h.d.Recalls.AnswerFor(r.Context(), id, tid, a, web.PrincipalOf(r).User.Name, web.Actor(r))
		return err
	})
}

func (h *handler) recallFiles(w http.ResponseWriter, r *http.Request) {
	h.recallAct(w, r, "uploaded", func(id int64) error {
		name, data, err := formFile(r)
		if err != nil {
			return err
		}
		f := &recall.File{Kind: r.PostForm.Get("kind"), Name: name, ContentType: http.DetectContentType(data), Data: data}
		if i := strings.IndexByte(f.ContentType, ';'); i > 0 {
			f.ContentType = f.ContentType[:i]
		}
		return h.d.Recalls.AddFile(r.Context(), id, f, web.Actor(r))
	})
}

func (h *handler) recallDispose(w http.ResponseWriter, r *http.Request) {
	h.recallAct(w, r, "disposed", func(id int64) error {
		d := decoder{f: r.PostForm}
		dp := &recall.Disposal{RecallID: id, Method: d.str("method"), Note: d.str("note")}
		if n := d.int("quantity"); n != nil {
			dp.Quantity = *n
		}
		if err := d.err(); err != nil {
			return err
		}
		return h.d.Recalls.Dispose(r.Context(), dp, web.PrincipalOf(r).User.ID, web.Actor(r))
	})
}

func (h *handler) recallClose(w http.ResponseWriter, r *http.Request) {
	h.recallAct(w, r, "closed", func(id int64) error {
		_, err := h.d.Recalls.Close(r.Context(), id, web.Actor(r))
		return err
	})
}

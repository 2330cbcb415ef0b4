package ui

import (
	"net/http"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/printform"
	"kesu/internal/recall"
	"kesu/internal/web"
)

// recallNotice shows the public notice of a recall, in the visitor's
// language, with its photos and links to the printable form.
func (h *handler) recallNotice(w http.ResponseWriter, r *http.Request) {
	d, ok := h.publicRecall(w, r)
	if !ok {
		return
	}
	p := h.newPage(r, "rec.notice")
	p.D = struct {
		*recall.Detail
		Doc printform.Doc
	}{d, printform.RecallNotice(d, h.d.Company, p.L)}
	h.render(w, http.StatusOK, "public", "recall_notice", p)
}

// recallNoticePrint is the notice as a print-ready page.
func (h *handler) recallNoticePrint(w http.ResponseWriter, r *http.Request) {
	d, ok := h.publicRecall(w, r)
	if !ok {
		return
	}
	p := h.newPage(r, "rec.notice")
	doc := printform.RecallNotice(d, h.d.Company, p.L)
	p.Title = doc.Title + " " + doc.Number
	p.D = struct {
		Doc printform.Doc
		PDF string
	}{doc, "/recall-notices/" + r.PathValue("id") + "/notice.pdf?lang=" + p.L}
	h.render(w, http.StatusOK, "print", "printform", p)
}

// recallNoticePDF is the notice as a PDF.
func (h *handler) recallNoticePDF(w http.ResponseWriter, r *http.Request) {
	d, ok := h.publicRecall(w, r)
	if !ok {
		return
	}
	web.ServeFormPDF(w, r, printform.RecallNotice(d, h.d.Company, web.Lang(r)), printform.FormRecall)
}

// recallPhoto serves a photo of the notice; the test report stays inside.
func (h *handler) recallPhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fid, err := pathID(r, "file")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := h.d.Recalls.Store.File(r.Context(), fid)
	if err == nil && (f.Kind != recall.FilePhoto || !h.recallHas(r, id, fid)) {
		err = apperr.New(apperr.NotFound, "no such photo")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
	w.Write(f.Data)
}

func (h *handler) recallHas(r *http.Request, recallID, fileID int64) bool {
	fs, err := h.d.Recalls.Store.Files(r.Context(), recallID)
	if err != nil {
		return false
	}
	for _, f := range fs {
		if f.ID == fileID {
			return true
		}
	}
	return false
}

func (h *handler) publicRecall(w http.ResponseWriter, r *http.Request) (*recall.Detail, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	d, err := h.d.Recalls.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return d, true
}

// recallTaskView is a distributor's task with its recall.
type recallTaskView struct {
	Task   *recall.Task
	Recall *recall.Recall
	Token  string
	Done   bool
	Values map[string]int64 // the figures last answered
}

// recallTaskPage shows a distributor its task through the link it was
// sent (no sign-in).
func (h *handler) recallTaskPage(w http.ResponseWriter, r *http.Request) {
	if !h.track.Allow(web.ClientIP(r)) {
		h.fail(w, r, apperr.New(apperr.TooMany, "recall task rate limit"))
		return
	}
	p := h.newPage(r, "rec.task")
	v, err := h.recallTask(r, r.PathValue("token"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = v
	h.render(w, http.StatusOK, "public", "recall_task", p)
}

func (h *handler) recallTask(r *http.Request, token string) (*recallTaskView, error) {
	t, err := h.d.Recalls.Store.TaskByToken(r.Context(), token)
	if err != nil {
		return nil, err
	}
	rc, err := h.d.Recalls.Store.Recall(r.Context(), t.RecallID)
	if err != nil {
		return nil, err
	}
	return &recallTaskView{Task: t, Recall: rc, Token: token, Values: map[string]int64{"recalled": t.Recalled, "in_stock": t.InStock,
		"isolated": t.Isolated, "destroyed": t.Destroyed}}, nil
}

// recallTaskAnswer records the distributor's figures.
func (h *handler) recallTaskAnswer(w http.ResponseWriter, r *http.Request) {
	if err := web.CrossOrigin.Check(r); err != nil {
		h.fail(w, r, apperr.Wrap(apperr.Forbidden, err, "cross-origin form post"))
		return
	}
	if !h.public.Allow(web.ClientIP(r)) {
		h.fail(w, r, apperr.New(apperr.TooMany, "public form rate limit"))
		return
	}
	if err := h.parseForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "rec.task")
	p.F = r.PostForm
	tok := r.PathValue("token")
	v, err := h.recallTask(r, tok)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = v
	a, err := answerForm(r)
	if err == nil {
		_, err = h.d.Recalls.AnswerByToken(r.Context(), tok, a, web.Actor(r))
	}
	if err != nil {
		if !formErrors(p, err) {
			h.fail(w, r, err)
			return
		}
		h.render(w, web.Status(apperr.CodeOf(err)), "public", "recall_task", p)
		return
	}
	if v, err = h.recallTask(r, tok); err != nil {
		h.fail(w, r, err)
		return
	}
	v.Done = true
	p.D = v
	p.Flash = web.T(p.L, "rec.task.thanks")
	h.render(w, http.StatusOK, "public", "recall_task", p)
}

// answerForm reads the four figures of a task's answer.
func answerForm(r *http.Request) (recall.Answer, error) {
	var a recall.Answer
	var v apperr.Validation
	for _, f := range []struct {
		name string
		p    *int64
	}{{"recalled", &a.Recalled}, {"in_stock", &a.InStock}, {"isolated", &a.Isolated}, {"destroyed", &a.Destroyed}} {
		s := r.PostForm.Get(f.name)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			v.Add(f.name, "invalid_value", "")
			continue
		}
		*f.p = n
	}
	return a, v.Err()
}

func hasRecalls(d *web.Deps) bool { return d.Recalls != nil }

package api

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/recall"
	"kesu/internal/web"
)

// maxRecalls bounds the recall list.
const maxRecalls = 500

type recallList struct {
	Items []recallItem `json:"items"`
}

// recallItem is a recall with its progress.
type recallItem struct {
	recall.Recall
	Number   string `json:"number"`
	Progress int    `json:"progress"`
}

func (a *api) listRecalls(w http.ResponseWriter, r *http.Request) {
	items, err := a.d.Recalls.Store.Recalls(r.Context(), r.URL.Query().Get("status"), maxRecalls)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	out := recallList{Items: make([]recallItem, 0, len(items))}
	for i := range items {
		out.Items = append(out.Items, recallItem{Recall: items[i], Number: items[i].Number(), Progress: items[i].Progress()})
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// recallRequest starts a recall.
type recallRequest struct {
	Title        string   `json:"title"`
	SourceKind   string   `json:"source_kind"`
	SourceID     int64    `json:"source_id"`
	ProductID    int64    `json:"product_id"`
	Lots         []string `json:"lots"`
	ProducedFrom string   `json:"produced_from"`
	ProducedTo   string   `json:"produced_to"`
	Reason       string   `json:"reason"`
	Packaging    string   `json:"packaging"`
	HowToReturn  string   `json:"how_to_return"`
}

func (a *api) createRecall(w http.ResponseWriter, r *http.Request) {
	var in recallRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	rc := &recall.Recall{Title: in.Title, SourceKind: in.SourceKind, SourceID: in.SourceID, ProductID: in.ProductID, Lots: in.Lots,
		Reason: in.Reason, Packaging: in.Packaging, HowToReturn: in.HowToReturn}
	var v apperr.Validation
	for _, d := range []struct {
		field, s string
		p        **time.Time
	}{{"produced_from", in.ProducedFrom, &rc.ProducedFrom}, {"produced_to", in.ProducedTo, &rc.ProducedTo}} {
		if d.s == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.s)
		if err != nil {
			v.Add(d.field, "invalid_date", "")
			continue
		}
		*d.p = &t
	}
	if err := v.Err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.recallSource(r, rc); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Recalls.Create(r.Context(), rc, web.PrincipalOf(r).User.ID, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeRecall(w, r, http.StatusCreated, rc.ID)
}

// recallSource checks that the incident or complaint a recall starts from
// exists.
func (a *api) recallSource(r *http.Request, rc *recall.Recall) error {
	if rc.SourceID <= 0 {
		return nil // Validate names it
	}
	var err error
	switch rc.SourceKind {
	case recall.FromIncident:
		_, err = a.d.Incidents.Store.Incident(r.Context(), rc.SourceID)
	case recall.FromComplaint:
		_, err = a.d.ComplaintStore.Get(r.Context(), rc.SourceID)
	default:
		return nil
	}
	if apperr.Is(err, apperr.NotFound) {
		return &apperr.Error{Code: apperr.Invalid, Message: "no such " + rc.SourceKind,
			Fields: []apperr.FieldError{{Field: "source_id", Rule: "not_found"}}}
	}
	return err
}

func (a *api) writeRecall(w http.ResponseWriter, r *http.Request, status int, id int64) {
	d, err := a.d.Recalls.Get(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	// The distributors' links are for those who run the recall.
	if !can(r, auth.RecallManage) {
		for i := range d.Tasks {
			d.Tasks[i].Token = ""
		}
	}
	web.WriteJSON(w, status, recallDetail{Detail: d, Number: d.Number()})
}

// recallDetail is a recall with its tasks, disposals and photos.
type recallDetail struct {
	*recall.Detail
	Number string `json:"number"`
}

func (a *api) getRecall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeRecall(w, r, http.StatusOK, id)
}

func (a *api) quarantineRecall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Recalls.Quarantine(r.Context(), id, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	a.writeRecall(w, r, http.StatusOK, id)
}

// shipmentsRequest is shipment lines entered by hand.
type shipmentsRequest struct {
	Rows []shipmentRow `json:"rows"`
}

type shipmentRow struct {
	Customer  string `json:"customer"`
	Lot       string `json:"lot"`
	Quantity  int64  `json:"quantity"`
	ShippedOn string `json:"shipped_on"`
}

// importShipments adds a shipment record: a CSV or .xlsx file in the
// multipart field "file", or JSON rows.
func (a *api) importShipments(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var rows []recall.Shipment
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		name, data, err := a.recallUpload(w, r)
		if err != nil {
			web.WriteError(w, r, err)
			return
		}
		if rows, err = recall.ParseShipments(name, data); err != nil {
			web.WriteError(w, r, err)
			return
		}
	} else {
		var in shipmentsRequest
		if err := web.DecodeJSON(w, r, &in); err != nil {
			web.WriteError(w, r, err)
			return
		}
		var v apperr.Validation
		for i, row := range in.Rows {
			sh := recall.Shipment{Customer: row.Customer, Lot: row.Lot, Quantity: row.Quantity}
			f := "rows[" + strconv.Itoa(i) + "]."
			v.Required(f+"customer", row.Customer)
			v.Required(f+"lot", row.Lot)
			if row.Quantity <= 0 {
				v.Add(f+"quantity", "positive", "")
			}
			if row.ShippedOn != "" {
				t, err := time.Parse("2006-01-02", row.ShippedOn)
				if err != nil {
					v.Add(f+"shipped_on", "invalid_date", "")
				}
				sh.ShippedOn = &t
			}
			rows = append(rows, sh)
		}
		if len(rows) == 0 {
			v.Add("rows", "required", "")
		}
		if err := v.Err(); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	if _, err := a.d.Recalls.Import(r.Context(), id, rows, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeRecall(w, r, http.StatusOK, id)
}

// recallUpload reads the multipart field "file" (and "kind", when sent)
// of a recall upload.
func (a *api) recallUpload(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, recall.MaxFile+64<<10)
	if err := r.ParseMultipartForm(recall.MaxFile); err != nil {
		return "", nil, uploadReadErr(err, recall.MaxFile)
	}
	f, h, err := r.FormFile("file")
	if err != nil {
		return "", nil, fileErr(apperr.Invalid, "required", "")
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", nil, uploadReadErr(err, recall.MaxFile)
	}
	return cleanFileName(h.Filename), data, nil
}

// uploadRecallFile adds a notice photo or the test report (field "kind":
// photo or test_report).
func (a *api) uploadRecallFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		web.WriteError(w, r, &apperr.Error{Code: web.UnsupportedMediaType, Message: "content type must be multipart/form-data"})
		return
	}
	name, data, err := a.recallUpload(w, r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	ct := http.DetectContentType(data)
	if c, _, err := mime.ParseMediaType(ct); err == nil {
		ct = c
	}
	f := &recall.File{Kind: r.FormValue("kind"), Name: name, ContentType: ct, Data: data}
	if err := a.d.Recalls.AddFile(r.Context(), id, f, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeRecall(w, r, http.StatusCreated, id)
}

// answerFor records a task's answer by staff for the distributor.
func (a *api) answerFor(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	tid, err := strconv.ParseInt(r.PathValue("task"), 10, 64)
	if err != nil || tid <= 0 {
		web.WriteError(w, r, apperr.New(apperr.NotFound, "bad task id"))
		return
	}
	var in recall.Answer
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Recalls.AnswerFor(r.Context(), id, tid, in, web.PrincipalOf(r).User.Name, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeRecall(w, r, http.StatusOK, id)
}

// disposalRequest records a disposal.
type disposalRequest struct {
	Method   string `json:"method"`
	Quantity int64  `json:"quantity"`
	Note     string `json:"note"`
}

func (a *api) addDisposal(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	var in disposalRequest
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	d := &recall.Disposal{RecallID: id, Method: in.Method, Quantity: in.Quantity, Note: in.Note}
	if err := a.d.Recalls.Dispose(r.Context(), d, web.PrincipalOf(r).User.ID, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeRecall(w, r, http.StatusCreated, id)
}

func (a *api) closeRecall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if _, err := a.d.Recalls.Close(r.Context(), id, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeRecall(w, r, http.StatusOK, id)
}

// recallTask is what a distributor sees through its link.
type recallTask struct {
	Number      string `json:"number"`
	Product     string `json:"product"`
	ProductCode string `json:"product_code"`
	Reason      string `json:"reason"`
	HowToReturn string `json:"how_to_return"`
	Status      string `json:"status"`
	recall.Task
}

func (a *api) writeTask(w http.ResponseWriter, r *http.Request, t *recall.Task) {
	rc, err := a.d.Recalls.Store.Recall(r.Context(), t.RecallID)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	out := recallTask{Number: rc.Number(), Product: rc.ProductName, ProductCode: rc.ProductCode, Reason: rc.Reason,
		HowToReturn: rc.HowToReturn, Status: rc.Status, Task: *t}
	out.Token = ""
	web.WriteJSON(w, http.StatusOK, out)
}

func (a *api) getRecallTask(w http.ResponseWriter, r *http.Request) {
	t, err := a.d.Recalls.Store.TaskByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeTask(w, r, t)
}

func (a *api) answerRecallTask(w http.ResponseWriter, r *http.Request) {
	var in recall.Answer
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	t, err := a.d.Recalls.AnswerByToken(r.Context(), r.PathValue("token"), in, actor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeTask(w, r, t)
}

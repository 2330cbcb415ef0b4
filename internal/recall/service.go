package recall

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/jobs"
	"kesu/internal/notify"
	"kesu/internal/product"
)

// JobRemind is the job kind of a task's reminder.
const JobRemind = "recall.remind"

// DefaultReminders are when an unanswered task is reminded, counted from
// its notice: after three, seven and fourteen days.
var DefaultReminders = []time.Duration{3 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour}

// Service starts and runs recalls.
type Service struct {
	Store Store
	Now   func() time.Time
	// Reminders are the reminder offsets; DefaultReminders when nil.
	Reminders []time.Duration
	BaseURL   string
	Company   string
	Batches   Batches
	// QuarantineIncident quarantines the batch of the incident a recall
	// started from (incident.Service.Quarantine).
	QuarantineIncident func(ctx context.Context, incidentID int64, actor casework.Actor) error
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Create opens a recall.
func (s *Service) Create(ctx context.Context, r *Recall, byUser int64, actor audit.Actor) error {
	r.Status, r.OpenedAt, r.OpenedBy = StatusOpen, s.Now(), byUser
	if err := r.Validate(); err != nil {
		return err
	}
	return s.Store.CreateRecall(ctx, r, actor)
}

// Get returns a recall with its tasks, disposals and photos.
func (s *Service) Get(ctx context.Context, id int64) (*Detail, error) {
	r, err := s.Store.Recall(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &Detail{Recall: *r, Progress: r.Progress()}
	if d.Tasks, err = s.Store.Tasks(ctx, id); err != nil {
		return nil, err
	}
	if d.Disposals, err = s.Store.Disposals(ctx, id); err != nil {
		return nil, err
	}
	files, err := s.Store.Files(ctx, id)
	if err != nil {
		return nil, err
	}
	d.Photos = []File{}
	for _, f := range files {
		if f.Kind == FilePhoto {
			d.Photos = append(d.Photos, f)
		}
	}
	return d, nil
}

// ParseShipments reads a shipment record: CSV (UTF-8, optionally with a
// byte-order mark) or the first sheet of an .xlsx workbook, with a header
// row naming the columns customer (客户编码), lot (批号), quantity (数量)
// and, optionally, shipped_on (发货日期, YYYY-MM-DD).
func ParseShipments(name string, data []byte) ([]Shipment, error) {
	var rows [][]string
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, fieldErr("file", "rec_bad_file", "xlsx")
		}
		defer f.Close()
		if rows, err = f.GetRows(f.GetSheetName(0)); err != nil {
			return nil, fieldErr("file", "rec_bad_file", "xlsx")
		}
	} else {
		rd := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
		rd.FieldsPerRecord = -1
		for {
			rec, err := rd.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fieldErr("file", "rec_bad_file", "csv")
			}
			rows = append(rows, rec)
		}
	}
	if len(rows) == 0 {
		return nil, fieldErr("file", "required", "")
	}
	col := map[string]int{}
	names := map[string]string{"customer": "customer", "客户编码": "customer", "客户": "customer", "lot": "lot", "批号": "lot",
		"quantity": "quantity", "数量": "quantity", "shipped_on": "shipped_on", "发货日期": "shipped_on"}
	for i, h := range rows[0] {
		if n, ok := names[strings.ToLower(strings.TrimSpace(h))]; ok {
			col[n] = i
		}
	}
	var v apperr.Validation
	for _, c := range []string{"customer", "lot", "quantity"} {
		if _, ok := col[c]; !ok {
			v.Add("file", "rec_missing_column", c)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	cell := func(row []string, c string) string {
		i, ok := col[c]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	var out []Shipment
	for i, row := range rows[1:] {
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		f := fmt.Sprintf("rows[%d].", i)
		sh := Shipment{Customer: cell(row, "customer"), Lot: cell(row, "lot")}
		q, err := strconv.ParseInt(cell(row, "quantity"), 10, 64)
		if err != nil || q <= 0 {
			v.Add(f+"quantity", "positive", "")
		}
		sh.Quantity = q
		if d := cell(row, "shipped_on"); d != "" {
			t, err := time.Parse("2006-01-02", d)
			if err != nil {
				v.Add(f+"shipped_on", "invalid_date", "")
			}
			sh.ShippedOn = &t
		}
		v.Required(f+"customer", sh.Customer)
		v.Required(f+"lot", sh.Lot)
		out = append(out, sh)
	}
	if len(out) == 0 {
		v.Add("file", "required", "")
	}
	return out, v.Err()
}

func fieldErr(field, rule, param string) error {
	var v apperr.Validation
	v.Add(field, rule, param)
	return v.Err()
}

// Import adds shipments to the recall; each new distributor task gets its
// notice e-mail and its reminders queued.
func (s *Service) Import(ctx context.Context, recallID int64, rows []Shipment, actor audit.Actor) ([]Task, error) {
	now := s.Now()
	return s.Store.ImportShipments(ctx, recallID, rows, func(r *Recall, t *Task) []*jobs.Job {
		var out []*jobs.Job
		if m := s.mail(r, t, 0); m != nil {
			out = append(out, m)
		}
		for i, d := range s.reminders() {
			out = append(out, &jobs.Job{Kind: JobRemind, Key: fmt.Sprintf("recall-remind:%d:%d", t.ID, i+1), RunAt: now.Add(d),
				Payload: jobs.Payload(remindPayload{Task: t.ID, N: i + 1})})
		}
		return out
	}, actor)
}

func (s *Service) reminders() []time.Duration {
	if s.Reminders != nil {
		return s.Reminders
	}
	return DefaultReminders
}

type remindPayload struct {
	Task int64 `json:"task"`
	N    int   `json:"n"`
}

// RemindHandler is the job handler of JobRemind.
func (s *Service) RemindHandler() jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p remindPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return jobs.Permanent(err)
		}
		_, err := s.Store.Remind(ctx, p.Task, p.N, func(r *Recall, t *Task) *jobs.Job { return s.mail(r, t, p.N) })
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		return err
	}
}

// mail is the notice (n = 0) or reminder n of a task, to the distributor's
// address; nil when it has none.
func (s *Service) mail(r *Recall, t *Task, n int) *jobs.Job {
	if t.Email == "" {
		return nil
	}
	link := strings.TrimRight(s.BaseURL, "/") + "/recall-task/" + t.Token
	notice := strings.TrimRight(s.BaseURL, "/") + "/recall-notices/" + itoa(r.ID)
	subject := fmt.Sprintf("产品召回通知 %s：%s 批号 %s", r.Number(), r.ProductName, t.Lot)
	if n > 0 {
		subject = fmt.Sprintf("催办（第%d次）：", n) + subject
	}
	text := fmt.Sprintf("%s：\n\n%s决定召回 %s（%s）批号 %s。原因：%s\n\n贵司收到该批次 %d 件。请立即停止销售，回收已售产品并隔离库存，"+
		"并通过以下链接填报已回收、库存、已隔离和已销毁的数量（无需登录）：\n%s\n\n召回公告：%s\n\n回收方式：%s\n",
		t.Customer, s.Company, r.ProductName, r.ProductCode, t.Lot, r.Reason, t.Shipped, link, notice, r.HowToReturn)
	key := fmt.Sprintf("recall-notice:%d", t.ID)
	if n > 0 {
		key = fmt.Sprintf("recall-reminder:%d:%d", t.ID, n)
	}
	return &jobs.Job{Kind: notify.JobEmail, Key: key, Payload: jobs.Payload(notify.Message{Channel: notify.Email, To: []string{t.Email},
		Subject: subject, Text: text})}
}

// AnswerByToken records a distributor's own answer through its link.
func (s *Service) AnswerByToken(ctx context.Context, token string, a Answer, actor audit.Actor) (*Task, error) {
	t, err := s.Store.TaskByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.answer(ctx, t, a, "distributor", actor)
}

// AnswerFor records a task's answer by a staff member for the distributor.
func (s *Service) AnswerFor(ctx context.Context, recallID, taskID int64, a Answer, by string, actor audit.Actor) (*Task, error) {
	t, err := s.Store.Task(ctx, taskID)
	if err != nil {
		return nil, err
	}
	if t.RecallID != recallID {
		return nil, apperr.New(apperr.NotFound, "no such task")
	}
	return s.answer(ctx, t, a, by, actor)
}

func (s *Service) answer(ctx context.Context, t *Task, a Answer, by string, actor audit.Actor) (*Task, error) {
	if err := a.Validate(t.Shipped); err != nil {
		return nil, err
	}
	return s.Store.Answer(ctx, t.ID, a, by, actor)
}

// Dispose records a disposal.
func (s *Service) Dispose(ctx context.Context, d *Disposal, byUser int64, actor audit.Actor) error {
	d.At, d.By = s.Now(), byUser
	if err := d.Validate(); err != nil {
		return err
	}
	return s.Store.AddDisposal(ctx, d, actor)
}

// MaxFile is the largest photo or report accepted.
const MaxFile = 10 << 20

// AddFile stores a photo or the test report.
func (s *Service) AddFile(ctx context.Context, recallID int64, f *File, actor audit.Actor) error {
	f.At, f.Size = s.Now(), int64(len(f.Data))
	f.Name = strings.TrimSpace(f.Name)
	var v apperr.Validation
	v.OneOf("kind", f.Kind, []string{FilePhoto, FileTestReport})
	if v.Required("file", f.Name) && f.Size == 0 {
		v.Add("file", "required", "")
	}
	if f.Size > MaxFile {
		v.Add("file", "file_size", "10 MB")
	}
	if f.Kind == FilePhoto && !strings.HasPrefix(f.ContentType, "image/") {
		v.Add("file", "file_type", "")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.AddFile(ctx, recallID, f, actor)
}

// Batches is the part of the product register quarantine needs.
type Batches interface {
	ListBatches(ctx context.Context, productID int64, status string, limit, offset int) ([]product.Batch, error)
	UpdateBatch(ctx context.Context, b *product.Batch, actor audit.Actor) error
}

// Quarantine puts the recall's lots still under the company's control in
// quarantine in one step: through the batch incident when the recall
// started from one, and in the batch register for every lot in scope.
func (s *Service) Quarantine(ctx context.Context, id int64, actor casework.Actor) (*Recall, error) {
	r, err := s.Store.Recall(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusOpen {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: "the recall is closed", Fields: []apperr.FieldError{{Field: "status", Rule: "rec_closed"}}}
	}
	if r.SourceKind == FromIncident && s.QuarantineIncident != nil {
		if err := s.QuarantineIncident(ctx, r.SourceID, actor); err != nil && !apperr.Is(err, apperr.Invalid) {
			return nil, err
		}
	}
	bs, err := s.Batches.ListBatches(ctx, r.ProductID, "", 10000, 0)
	if err != nil {
		return nil, err
	}
	for i := range bs {
		b := &bs[i]
		if contains(r.Lots, b.LotNo) && b.Status == product.BatchNormal {
			b.Status = product.BatchQuarantined
			if err := s.Batches.UpdateBatch(ctx, b, actor.Audit); err != nil {
				return nil, err
			}
		}
	}
	return s.Store.MarkQuarantined(ctx, id, actor.Audit)
}

// Close closes the recall once the producing site's test report is on it.
func (s *Service) Close(ctx context.Context, id int64, actor audit.Actor) (*Recall, error) {
	return s.Store.Close(ctx, id, actor)
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/textsearch"
)

// ComplaintStore implements complaint.Store.
type ComplaintStore struct{ *DB }

var _ complaint.Store = ComplaintStore{}

// maxTokens keeps a document's search positions within what every engine
// indexes (PostgreSQL tsvector positions stop at 16,383).
const maxTokens = 16000

// searchTokens returns the tokens of the searchable text of c, its number
// first.
func searchTokens(c *complaint.Complaint) []string {
	toks := textsearch.Tokens(strings.Join([]string{c.Number, c.Subject, c.Complainant.Name, c.Complainant.Company,
		c.CustomerName, c.ProductName, c.Model, c.BatchNo, c.OrderNo, c.PartNo, c.Description}, "\n"))
	if len(toks) > maxTokens {
		toks = toks[:maxTokens]
	}
	return toks
}

// categoryParent returns the level-1 parent of a category code ("" for a
// level-1 code). Known codes are remembered: categories are added, never
// renumbered, so a hit needs no query.
func (s ComplaintStore) categoryParent(ctx context.Context, tx *sql.Tx, code string) (string, error) {
	if p, ok := s.categories.Load(code); ok {
		return p.(string), nil
	}
	var parent string
	if err := s.stmts.QueryRow(ctx, tx, s.q("ref.category"), code).Scan(&parent); err != nil {
		return "", err
	}
	s.categories.Store(code, parent)
	return parent, nil
}

func (s ComplaintStore) fieldArgs(c *complaint.Complaint, top string) []any {
	return []any{c.Channel, micros(c.ReceivedAt), c.Subject, c.Description,
		c.Category, top, c.Severity, c.Safety, strings.Join(c.Requests, ","),
		c.Complainant.Name, c.Complainant.Phone, c.Complainant.Email, c.Complainant.Address, c.Complainant.Company,
		nullInt(c.CustomerID), c.CustomerClass, c.Region, nullInt(c.ProductID), c.ProductName, c.Model, c.BatchNo, nullInt(c.BatchID),
		c.OrderNo, c.PartNo, nullInt(c.QtyShipped), nullInt(c.QtyDefective), nullDate(c.ShipDate), c.ShipAddress, c.UsageTime,
		c.FoundPlace, nullMicros(c.FoundAt), nullInt(c.DepartmentID), nullInt(c.FirstReceiverID)}
}

// errIdempotentReplay signals, inside Create, that the key was used before.
var errIdempotentReplay = errors.New("idempotent replay")

// Create implements complaint.Store. Concurrent calls share transactions
// through the intake worker (see intake).
func (s ComplaintStore) Create(ctx context.Context, c *complaint.Complaint, opts complaint.CreateOptions) (bool, error) {
	r := &createReq{ctx: ctx, c: c, opts: opts, done: make(chan struct{})}
	if err := s.intake.submit(r); err != nil {
		return false, s.classify(err)
	}
	if !r.replay {
		return true, nil
	}
	var hash string
	var id int64
	if err := s.W.QueryRowContext(ctx, s.q("complaint.idempotency.get"), idemScope(opts.Actor), opts.IdempotencyKey).Scan(&hash, &id); err != nil {
		return false, s.classify(err)
	}
	if hash != opts.RequestHash {
		return false, &apperr.Error{Code: apperr.Conflict, Message: "idempotency key reused with a different request",
			Fields: []apperr.FieldError{{Field: "Idempotency-Key", Rule: "reused"}}}
	}
	first, err := s.Get(ctx, id)
	if err != nil {
		return false, err
	}
	*c = *first
	return false, nil
}

func (s ComplaintStore) insertEvent(ctx context.Context, tx *sql.Tx, e *complaint.Event, actor audit.Actor) error {
	var data string
	if len(e.Data) > 0 {
		data = string(mustJSON(e.Data))
	}
	var actorID sql.NullInt64
	if actor.UserID != 0 {
		actorID = sql.NullInt64{Int64: actor.UserID, Valid: true}
		e.ActorID = &actor.UserID
	}
	e.ActorName = actor.Name
	if err := s.stmts.QueryRow(ctx, tx, s.q("complaint.event.insert"), e.ComplaintID, micros(e.At), actorID, actor.Name,
		e.Kind, e.Public, e.Body, data).Scan(&e.ID); err != nil {
		return fmt.Errorf("insert timeline event: %w", err)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanComplaint(row scanner) (*complaint.Complaint, error) {
	var c complaint.Complaint
	var received, expected, created, updated int64
	var requests string
	var customerID, productID, batchID, qtyShipped, qtyDefective, foundAt, deptID, holderID, backupID, receiverID sql.NullInt64
	var shipDate sql.NullString
	err := row.Scan(&c.ID, &c.Number, &c.TrackingCode, &c.Status, &c.Version, &c.Channel, &received, &c.Subject, &c.Description,
		&c.Category, &c.Severity, &c.Safety, &requests,
		&c.Complainant.Name, &c.Complainant.Phone, &c.Complainant.Email, &c.Complainant.Address, &c.Complainant.Company,
		&customerID, &c.CustomerName, &c.CustomerClass, &c.Region, &productID, &c.ProductName, &c.Model, &c.BatchNo, &batchID,
		&c.OrderNo, &c.PartNo, &qtyShipped, &qtyDefective, &shipDate, &c.ShipAddress, &c.UsageTime,
		&c.FoundPlace, &foundAt, &deptID, &holderID, &backupID, &receiverID, &c.FirstReceiver, &c.AttachmentCount,
		&expected, &created, &updated)
	if err != nil {
		return nil, err
	}
	c.ReceivedAt, c.ExpectedBy, c.CreatedAt, c.UpdatedAt = fromMicros(received), fromMicros(expected), fromMicros(created), fromMicros(updated)
	c.Requests = []string{}
	if requests != "" {
		c.Requests = strings.Split(requests, ",")
	}
	c.CustomerID, c.ProductID, c.BatchID = intPtr(customerID), intPtr(productID), intPtr(batchID)
	c.QtyShipped, c.QtyDefective = intPtr(qtyShipped), intPtr(qtyDefective)
	c.ShipDate, c.FoundAt = datePtr(shipDate), timePtr(foundAt)
	c.DepartmentID, c.FirstReceiverID = intPtr(deptID), intPtr(receiverID)
	c.HolderID, c.BackupID = intPtr(holderID), intPtr(backupID)
	return &c, nil
}

// Get implements complaint.Store.
func (s ComplaintStore) Get(ctx context.Context, id int64) (*complaint.Complaint, error) {
	c, err := scanComplaint(s.R.QueryRowContext(ctx, s.q("complaint.select")+" WHERE c.id = "+s.Dialect.Rebind("?"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return c, nil
}

// GetByNumber implements complaint.Store.
func (s ComplaintStore) GetByNumber(ctx context.Context, number string) (*complaint.Complaint, error) {
	c, err := scanComplaint(s.R.QueryRowContext(ctx, s.q("complaint.select")+" WHERE c.number = "+s.Dialect.Rebind("?"), number))
	if err != nil {
		return nil, s.classify(err)
	}
	return c, nil
}

type cursor struct {
	R int64  `json:"r,omitempty"`
	N string `json:"n,omitempty"`
	D int64  `json:"d,omitempty"` // earliest running due time, for "due_asc"
	I int64  `json:"i"`
}

// dueExpr is the earliest due time of a complaint's counting clocks
// (running, or breached by the monitor and not yet stopped), or the largest
// int64 when none counts (so they sort last under "due_asc").
const dueExpr = "COALESCE((SELECT MIN(k.due_at) FROM sla_clocks k WHERE k.complaint_id = c.id AND (k.state = 'running' OR (k.state = 'breached' AND k.stopped_at IS NULL))), 9223372036854775807)"

func encodeCursor(c cursor) string {
	return base64.RawURLEncoding.EncodeToString(mustJSON(c))
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return c, &apperr.Error{Code: apperr.Invalid, Message: "bad cursor", Fields: []apperr.FieldError{{Field: "after", Rule: "invalid_value"}}}
	}
	return c, nil
}

// Conditions turns a filter into SQL conditions on complaints c, in the
// store's placeholder-neutral form ("?"). ok is false when the text query
// can match nothing. release must be called when the query has run.
func (s ComplaintStore) Conditions(ctx context.Context, f complaint.Filter) (where []string, args []any, release func(), ok bool, err error) {
	release = func() {}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		ph := strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")
		a := make([]any, len(vals))
		for i, v := range vals {
			a[i] = v
		}
		add(col+" IN ("+ph+")", a...)
	}
	in("c.status", f.Status)
	in("c.channel", f.Channel)
	in("c.severity", f.Severity)
	if f.Category != "" {
		if strings.Contains(f.Category, ".") {
			add("c.category = ?", f.Category)
		} else {
			add("c.category_top = ?", f.Category)
		}
	}
	if f.Safety != nil {
		add("c.safety = ?", *f.Safety)
	}
	if f.CustomerID != nil {
		add("c.customer_id = ?", *f.CustomerID)
	}
	if f.CustomerClass != "" {
		add("c.customer_class = ?", f.CustomerClass)
	}
	if f.Region != "" {
		add("c.region = ?", f.Region)
	}
	if f.ProductID != nil {
		add("c.product_id = ?", *f.ProductID)
	}
	if f.BatchNo != "" {
		add("c.batch_no = ?", f.BatchNo)
	}
	if f.DepartmentID != nil {
		add("c.department_id = ?", *f.DepartmentID)
	}
	if f.HolderID != nil {
		add("c.holder_id = ?", *f.HolderID)
	}
	if f.Responsibility != "" {
		add("c.responsibility = ?", f.Responsibility)
	}
	if f.Validity != "" {
		add("c.validity = ?", f.Validity)
	}
	if f.Established != nil {
		add("c.established = ?", *f.Established)
	}
	switch f.State {
	case "":
	case "open":
		add("c.closed_at IS NULL")
	case "closed":
		add("c.closed_at IS NOT NULL")
	default:
		return nil, nil, release, false, &apperr.Error{Code: apperr.Invalid, Message: "bad state filter",
			Fields: []apperr.FieldError{{Field: "state", Rule: "invalid_value", Param: strings.Join(complaint.States, ",")}}}
	}
	if f.From != nil {
		add("c.received_at >= ?", micros(*f.From))
	}
	if f.To != nil {
		add("c.received_at < ?", micros(*f.To))
	}
	switch f.Due {
	case "":
	case "overdue":
		// The monitor marks a clock breached at its due time without
		// stopping it; one not yet marked is running past its due time.
		add("EXISTS (SELECT 1 FROM sla_clocks k WHERE k.complaint_id = c.id AND ((k.state = 'running' AND k.due_at < ?) OR (k.state = 'breached' AND k.stopped_at IS NULL)))", micros(s.Now()))
	case "due_soon":
		now := s.Now()
		add("EXISTS (SELECT 1 FROM sla_clocks k WHERE k.complaint_id = c.id AND k.state = 'running' AND k.due_at >= ? AND k.due_at < ?)",
			micros(now), micros(now.Add(complaint.DueSoon)))
	default:
		return nil, nil, release, false, &apperr.Error{Code: apperr.Invalid, Message: "bad due filter",
			Fields: []apperr.FieldError{{Field: "due", Rule: "invalid_value", Param: strings.Join(complaint.DueFilters, ",")}}}
	}
	if strings.TrimSpace(f.Query) != "" {
		q, ok := textsearch.ParseQuery(f.Query)
		if !ok {
			return nil, nil, release, false, nil
		}
		cond, a, rel, err := s.Dialect.SearchClause(ctx, q)
		if err != nil {
			return nil, nil, release, false, s.classify(err)
		}
		release = rel
		add(cond, a...)
	}
	return where, args, release, true, nil
}

// Count returns how many complaints f selects (its cursor and limit aside).
func (s ComplaintStore) Count(ctx context.Context, f complaint.Filter) (int64, error) {
	where, args, release, ok, err := s.Conditions(ctx, f)
	defer release()
	if err != nil || !ok {
		return 0, err
	}
	query := "SELECT COUNT(*) FROM complaints c"
	if len(where) > 0 {
		query += " WHERE " + s.Dialect.Rebind(strings.Join(where, " AND "))
	}
	var n int64
	if err := s.R.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, s.classify(err)
	}
	return n, nil
}

// List implements complaint.Store with keyset pagination.
func (s ComplaintStore) List(ctx context.Context, f complaint.Filter) (*complaint.Page, error) {
	where, args, release, ok, err := s.Conditions(ctx, f)
	if err != nil {
		return nil, err
	}
	defer release()
	if !ok {
		return &complaint.Page{Items: []complaint.Complaint{}}, nil
	}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	var order string
	var cur cursor
	if f.After != "" {
		var err error
		if cur, err = decodeCursor(f.After); err != nil {
			return nil, err
		}
	}
	switch f.Sort {
	case "", "received_desc":
		order = "c.received_at DESC, c.id DESC"
		if f.After != "" {
			add("(c.received_at < ? OR (c.received_at = ? AND c.id < ?))", cur.R, cur.R, cur.I)
		}
	case "received_asc":
		order = "c.received_at ASC, c.id ASC"
		if f.After != "" {
			add("(c.received_at > ? OR (c.received_at = ? AND c.id > ?))", cur.R, cur.R, cur.I)
		}
	case "number_desc":
		order = "c.number DESC"
		if f.After != "" {
			add("c.number < ?", cur.N)
		}
	case "number_asc":
		order = "c.number ASC"
		if f.After != "" {
			add("c.number > ?", cur.N)
		}
	case "due_asc":
		order = dueExpr + " ASC, c.id ASC"
		if f.After != "" {
			add("("+dueExpr+" > ? OR ("+dueExpr+" = ? AND c.id > ?))", cur.D, cur.D, cur.I)
		}
	default:
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "bad sort",
			Fields: []apperr.FieldError{{Field: "sort", Rule: "invalid_value", Param: strings.Join(complaint.Sorts, ",")}}}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	if limit > complaint.MaxLimit {
		limit = complaint.MaxLimit
	}
	query := s.q("complaint.select")
	if len(where) > 0 {
		query += " WHERE " + s.Dialect.Rebind(strings.Join(where, " AND "))
	}
	query += " ORDER BY " + order + " LIMIT " + strconv.Itoa(limit+1)
	rows, err := s.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	page := &complaint.Page{Items: []complaint.Complaint{}}
	for rows.Next() {
		c, err := scanComplaint(rows)
		if err != nil {
			return nil, s.classify(err)
		}
		page.Items = append(page.Items, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify(err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		cur := cursor{R: micros(last.ReceivedAt), N: last.Number, I: last.ID}
		if f.Sort == "due_asc" {
			if err := s.R.QueryRowContext(ctx, s.Dialect.Rebind("SELECT "+dueExpr+" FROM complaints c WHERE c.id = ?"), last.ID).Scan(&cur.D); err != nil {
				return nil, s.classify(err)
			}
		}
		page.Next = encodeCursor(cur)
	}
	return page, nil
}

// Update implements complaint.Store.
func (s ComplaintStore) Update(ctx context.Context, c *complaint.Complaint, changes []complaint.Change, actor audit.Actor) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		top, err := s.resolveRefs(ctx, tx, c)
		if err != nil {
			return err
		}
		args := append(s.fieldArgs(c, top), c.Status, micros(now), c.ID, c.Version)
		res, err := tx.ExecContext(ctx, s.q("complaint.update"), args...)
		if err != nil {
			return fmt.Errorf("update complaint: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "complaint %d was changed by someone else (version %d)", c.ID, c.Version)
		}
		c.Version++
		c.UpdatedAt = now
		if len(changes) == 0 {
			return nil
		}
		ev := &complaint.Event{ComplaintID: c.ID, At: now, Kind: complaint.EventChanged, Data: map[string]any{"changes": changes}}
		if err := s.insertEvent(ctx, tx, ev, actor); err != nil {
			return err
		}
		if err := s.Dialect.Reindex(ctx, tx, c.ID, searchTokens(c)); err != nil {
			return err
		}
		fields := make([]string, len(changes))
		for i, ch := range changes {
			fields[i] = ch.Field
		}
		return s.audit(ctx, tx, actor, "complaint.update", "complaint:"+strconv.FormatInt(c.ID, 10), map[string]any{"fields": fields})
	})
}

// AddEvent implements complaint.Store.
func (s ComplaintStore) AddEvent(ctx context.Context, e *complaint.Event, actor audit.Actor) error {
	if e.At.IsZero() {
		e.At = s.Now()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertEvent(ctx, tx, e, actor); err != nil {
			return s.classify(err)
		}
		return s.audit(ctx, tx, actor, "complaint.event."+e.Kind, "complaint:"+strconv.FormatInt(e.ComplaintID, 10), nil)
	})
}

// Timeline implements complaint.Store.
func (s ComplaintStore) Timeline(ctx context.Context, complaintID int64, publicOnly bool) ([]complaint.Event, error) {
	po := 0
	if publicOnly {
		po = 1
	}
	rows, err := s.R.QueryContext(ctx, s.q("complaint.events"), complaintID, po)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []complaint.Event{}
	for rows.Next() {
		var e complaint.Event
		var at int64
		var actorID sql.NullInt64
		var data string
		if err := rows.Scan(&e.ID, &e.ComplaintID, &at, &actorID, &e.ActorName, &e.Kind, &e.Public, &e.Body, &data); err != nil {
			return nil, s.classify(err)
		}
		e.At, e.ActorID = fromMicros(at), intPtr(actorID)
		if data != "" {
			if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
				return nil, fmt.Errorf("timeline event %d: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	return out, s.classify(rows.Err())
}

// AddAttachment implements complaint.Store.
func (s ComplaintStore) AddAttachment(ctx context.Context, a *complaint.Attachment, actor audit.Actor) error {
	now := s.Now()
	a.CreatedAt = now
	a.UploadedBy = actor.Name
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("complaint.attachment.count"), micros(now), a.ComplaintID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "complaint %d not found", a.ComplaintID)
		}
		if err := tx.QueryRowContext(ctx, s.q("complaint.attachment.insert"), a.ComplaintID, a.Name, a.ContentType, a.Size, a.SHA256,
			a.Kind, a.Public, a.UploadedBy, micros(now)).Scan(&a.ID); err != nil {
			return err
		}
		ev := &complaint.Event{ComplaintID: a.ComplaintID, At: now, Kind: complaint.EventAttachment, Public: a.Public,
			Data: map[string]any{"attachment_id": a.ID, "name": a.Name, "size": a.Size}}
		if err := s.insertEvent(ctx, tx, ev, actor); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "complaint.attachment", "complaint:"+strconv.FormatInt(a.ComplaintID, 10),
			map[string]any{"attachment_id": a.ID, "sha256": a.SHA256})
	})
}

func scanAttachment(row scanner) (*complaint.Attachment, error) {
	var a complaint.Attachment
	var at int64
	if err := row.Scan(&a.ID, &a.ComplaintID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Kind, &a.Public, &a.UploadedBy, &at); err != nil {
		return nil, err
	}
	a.CreatedAt = fromMicros(at)
	return &a, nil
}

// Attachments implements complaint.Store.
func (s ComplaintStore) Attachments(ctx context.Context, complaintID int64) ([]complaint.Attachment, error) {
	rows, err := s.R.QueryContext(ctx, s.q("complaint.attachments"), complaintID)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []complaint.Attachment{}
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, s.classify(err)
		}
		out = append(out, *a)
	}
	return out, s.classify(rows.Err())
}

// Attachment implements complaint.Store.
func (s ComplaintStore) Attachment(ctx context.Context, id int64) (*complaint.Attachment, error) {
	a, err := scanAttachment(s.R.QueryRowContext(ctx, s.q("complaint.attachment"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return a, nil
}

// Categories implements complaint.Store.
func (s ComplaintStore) Categories(ctx context.Context) ([]complaint.Category, error) {
	rows, err := s.R.QueryContext(ctx, s.q("categories"))
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []complaint.Category{}
	for rows.Next() {
		var c complaint.Category
		if err := rows.Scan(&c.Code, &c.Parent, &c.ZH, &c.EN, &c.Quality, &c.Sort); err != nil {
			return nil, s.classify(err)
		}
		out = append(out, c)
	}
	return out, s.classify(rows.Err())
}

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
	"time"

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

// categoryRef is what a category code tells of a complaint: its level-1
// parent ("" for a level-1 code) and whether it is a quality category.
type categoryRef struct {
	parent  string
	quality bool
}

// category looks a category code up. Known codes are remembered:
// categories are added, never renumbered or reclassified, so a hit needs no
// query.
func (s ComplaintStore) category(ctx context.Context, tx *sql.Tx, code string) (categoryRef, error) {
	if p, ok := s.categories.Load(code); ok {
		return p.(categoryRef), nil
	}
	var ref categoryRef
	if err := tx.QueryRowContext(ctx, s.q("ref.category"), code).Scan(&ref.parent, &ref.quality); err != nil {
		return ref, err
	}
	s.categories.Store(code, ref)
	return ref, nil
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
	if err := tx.QueryRowContext(ctx, s.q("complaint.event.insert"), e.ComplaintID, micros(e.At), actorID, actor.Name,
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
		&expected, &created, &updated, &c.Profile, &c.ProfileVersion)
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

// GetMany reads the complaints of ids in one query; ids not found are
// left out of the map.
func (s ComplaintStore) GetMany(ctx context.Context, ids []int64) (map[int64]*complaint.Complaint, error) {
	out := make(map[int64]*complaint.Complaint, len(ids))
	for start := 0; start < len(ids); start += bulkRows {
		part := ids[start:min(start+bulkRows, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.R.QueryContext(ctx, s.q("complaint.select")+s.Dialect.Rebind(" WHERE c.id IN "+inList(len(part))), args...)
		if err != nil {
			return nil, s.classify(err)
		}
		for rows.Next() {
			c, err := scanComplaint(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[c.ID] = c
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WithEvent returns which of the complaints ids have a timeline entry of
// kind, in one query.
func (s ComplaintStore) WithEvent(ctx context.Context, ids []int64, kind string) (map[int64]bool, error) {
	out := map[int64]bool{}
	for start := 0; start < len(ids); start += bulkRows {
		part := ids[start:min(start+bulkRows, len(ids))]
		args := []any{kind}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := s.R.QueryContext(ctx, s.Dialect.Rebind("SELECT DISTINCT complaint_id FROM complaint_events WHERE kind = ? AND complaint_id IN "+inList(len(part))), args...)
		if err != nil {
			return nil, s.classify(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
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
// (running, or breached and not yet stopped; kept in complaint_clocks), or
// the largest int64 when none counts (so they sort last under "due_asc").
const dueExpr = "COALESCE((SELECT k.due_at FROM complaint_clocks k WHERE k.complaint_id = c.id), 9223372036854775807)"

// noDue is dueExpr's value for a complaint without a counting clock.
const noDue int64 = 9223372036854775807

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
	if f.DealerID != nil {
		add("c.customer_id IN (SELECT id FROM customers WHERE dealer_id = ?)", *f.DealerID)
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
	if f.Scope != nil {
		cond, a, any := scopeClause(f.Scope)
		if !any {
			return nil, nil, release, false, nil
		}
		add(cond, a...)
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
		// A clock still counting past its due time, marked breached by the
		// monitor or not yet.
		add("EXISTS (SELECT 1 FROM complaint_clocks k WHERE k.complaint_id = c.id AND k.due_at < ?)", micros(s.Now()))
	case "due_soon":
		now := s.Now()
		// Not overdue yet, the earliest due time within DueSoon.
		add("EXISTS (SELECT 1 FROM complaint_clocks k WHERE k.complaint_id = c.id AND k.due_at >= ? AND k.due_at < ?)",
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

// scopeClause is the condition on complaints c of what one user may read
// (casework's scope, SEC-1): their own cases and their departments'. ok is
// false when the scope holds nothing.
func scopeClause(sc *complaint.Scope) (cond string, args []any, ok bool) {
	var or []string
	if sc.UserID != 0 {
		or = append(or, "c.holder_id = ?", "c.backup_id = ?", "c.first_receiver_id = ?",
			"EXISTS (SELECT 1 FROM capa_actions o WHERE o.complaint_id = c.id AND o.superseded_by IS NULL AND o.owner_user_id = ?)")
		args = append(args, sc.UserID, sc.UserID, sc.UserID, sc.UserID)
	}
	if n := len(sc.DepartmentIDs); n > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", n), ",")
		or = append(or, "c.department_id IN ("+ph+")",
			"EXISTS (SELECT 1 FROM capa_actions o WHERE o.complaint_id = c.id AND o.superseded_by IS NULL AND o.owner_department_id IN ("+ph+"))")
		for range 2 {
			for _, d := range sc.DepartmentIDs {
				args = append(args, d)
			}
		}
	}
	if len(or) == 0 {
		return "", nil, false
	}
	return "(" + strings.Join(or, " OR ") + ")", args, true
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

// ImportEvent writes a timeline entry of a case imported in bulk (demo and
// benchmark data), outside the case service; live cases are written only
// through casework.
func (s ComplaintStore) ImportEvent(ctx context.Context, e *complaint.Event, actor audit.Actor) error {
	if e.At.IsZero() {
		e.At = s.Now()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.insertEvent(ctx, tx, e, actor) })
}

// updateFields writes the record fields of c inside a case's transaction
// (casework's Store.Save checked the version) and renews its search index.
func (s ComplaintStore) updateFields(ctx context.Context, tx *sql.Tx, c *complaint.Complaint, now time.Time) error {
	top, err := s.resolveRefs(ctx, tx, c)
	if err != nil {
		return err
	}
	args := append(s.fieldArgs(c, top), micros(now), c.ID)
	if _, err := tx.ExecContext(ctx, s.q("complaint.update"), args...); err != nil {
		return fmt.Errorf("update complaint: %w", err)
	}
	c.Version++
	c.UpdatedAt = now
	return s.Dialect.Reindex(ctx, tx, c.ID, searchTokens(c))
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

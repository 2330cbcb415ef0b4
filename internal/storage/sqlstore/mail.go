package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/mailin"
)

// MailStore implements mailin.Store.
type MailStore struct{ *DB }

var _ mailin.Store = MailStore{}

// Mail returns the store of received mail.
func (db *DB) Mail() MailStore { return MailStore{db} }

func scanMail(r scanner, withRaw bool) (*mailin.Record, error) {
	var m mailin.Record
	var cid sql.NullInt64
	var recv, upd int64
	dest := []any{&m.ID, &m.Key, &m.Source, &m.Status, &m.Reason, &m.Sender, &m.Subject, &cid, &m.Number, &m.Size, &recv, &upd}
	if withRaw {
		dest = append(dest, &m.Raw)
	}
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	if cid.Valid {
		m.ComplaintID = &cid.Int64
	}
	m.ReceivedAt, m.UpdatedAt = fromMicros(recv), fromMicros(upd)
	return &m, nil
}

// Claim implements mailin.Store.
func (s MailStore) Claim(ctx context.Context, rec *mailin.Record, lease time.Duration) (*mailin.Record, bool, error) {
	now := s.Now()
	var id int64
	err := s.W.QueryRowContext(ctx, s.q("mail.claim.insert"), rec.Key, rec.Source, rec.Sender, rec.Subject, int64(len(rec.Raw)), rec.Raw,
		micros(now.Add(lease)), micros(now), micros(now)).Scan(&id)
	claimed := err == nil
	if errors.Is(err, sql.ErrNoRows) {
		// Known: take it again only when an earlier taking-in stopped
		// half-way and its claim ran out.
		res, uerr := s.W.ExecContext(ctx, s.q("mail.claim.retake"), micros(now.Add(lease)), micros(now), rec.Key, micros(now))
		if uerr != nil {
			return nil, false, s.classify(uerr)
		}
		n, _ := res.RowsAffected()
		claimed, err = n == 1, nil
	}
	if err != nil {
		return nil, false, s.classify(err)
	}
	if id != 0 {
		got := *rec
		got.ID, got.Status, got.Size, got.ReceivedAt, got.UpdatedAt = id, mailin.StatusReceived, int64(len(rec.Raw)), now.UTC(), now.UTC()
		return &got, true, nil
	}
	got, err := scanMail(s.W.QueryRowContext(ctx, s.q("mail.get.key"), rec.Key), false)
	if err != nil {
		return nil, false, s.classify(err)
	}
	return got, claimed, nil
}

// Finish implements mailin.Store.
func (s MailStore) Finish(ctx context.Context, id int64, status, reason string, complaintID *int64) error {
	if len(reason) > 2000 {
		reason = strings.ToValidUTF8(reason[:2000], "")
	}
	_, err := s.W.ExecContext(ctx, s.q("mail.finish"), status, reason, nullInt(complaintID), micros(s.Now()), id)
	return s.classify(err)
}

// Reopen implements mailin.Store.
func (s MailStore) Reopen(ctx context.Context, id int64, lease time.Duration) (*mailin.Record, error) {
	now := s.Now()
	res, err := s.W.ExecContext(ctx, s.q("mail.reopen"), micros(now.Add(lease)), micros(now), id)
	if err != nil {
		return nil, s.classify(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Get(ctx, id); err != nil {
			return nil, err
		}
		return nil, &apperr.Error{Code: apperr.Conflict, Message: "only an unparsed or failed mail is taken in again",
			Fields: []apperr.FieldError{{Field: "status", Rule: "wrong_state"}}}
	}
	return s.Get(ctx, id)
}

// Get implements mailin.Store.
func (s MailStore) Get(ctx context.Context, id int64) (*mailin.Record, error) {
	m, err := scanMail(s.W.QueryRowContext(ctx, s.q("mail.get"), id), true)
	if err != nil {
		return nil, s.classify(err)
	}
	return m, nil
}

// List implements mailin.Store.
func (s MailStore) List(ctx context.Context, f mailin.Filter) ([]mailin.Record, error) {
	q := s.raw["mail.list"]
	var where []string
	var args []any
	if len(f.Status) > 0 {
		where = append(where, "m.status IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.Status)), ", ")+")")
		for _, st := range f.Status {
			args = append(args, st)
		}
	}
	if f.Before > 0 {
		where = append(where, "m.id < ?")
		args = append(args, f.Before)
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q += " ORDER BY m.id DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.R.QueryContext(ctx, s.Dialect.Rebind(q), args...)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []mailin.Record{}
	for rows.Next() {
		m, err := scanMail(rows, false)
		if err != nil {
			return nil, s.classify(err)
		}
		out = append(out, *m)
	}
	return out, s.classify(rows.Err())
}

// Counts implements mailin.Store.
func (s MailStore) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := s.R.QueryContext(ctx, s.q("mail.counts"))
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, s.classify(err)
		}
		out[st] = n
	}
	return out, s.classify(rows.Err())
}

// Thread implements mailin.Store.
func (s MailStore) Thread(ctx context.Context, complaintID int64) ([]string, error) {
	rows, err := s.R.QueryContext(ctx, s.q("mail.thread"), complaintID)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, s.classify(err)
		}
		if !strings.HasPrefix(k, "sha256:") {
			out = append(out, k)
		}
	}
	return out, s.classify(rows.Err())
}

// ComplaintOf implements mailin.Store.
func (s MailStore) ComplaintOf(ctx context.Context, keys []string) (int64, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	q := s.raw["mail.complaint.of"] + " (" + strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ") + ") ORDER BY id DESC LIMIT 1"
	var id int64
	err := s.R.QueryRowContext(ctx, s.Dialect.Rebind(q), args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, s.classify(err)
}

func scanMailbox(r scanner) (*mailin.Mailbox, error) {
	var m mailin.Mailbox
	var uv, last, polled int64
	if err := r.Scan(&m.Name, &uv, &last, &polled, &m.LastError); err != nil {
		return nil, err
	}
	m.UIDValidity, m.LastUID = uint32(uv), uint32(last)
	if polled > 0 {
		m.PolledAt = fromMicros(polled)
	}
	return &m, nil
}

// Mailbox implements mailin.Store.
func (s MailStore) Mailbox(ctx context.Context, name string) (*mailin.Mailbox, error) {
	m, err := scanMailbox(s.W.QueryRowContext(ctx, s.q("mailbox.get"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return &mailin.Mailbox{Name: name}, nil
	}
	if err != nil {
		return nil, s.classify(err)
	}
	return m, nil
}

// SaveMailbox implements mailin.Store.
func (s MailStore) SaveMailbox(ctx context.Context, m *mailin.Mailbox) error {
	var polled int64
	if !m.PolledAt.IsZero() {
		polled = micros(m.PolledAt)
	}
	_, err := s.W.ExecContext(ctx, s.q("mailbox.save"), m.Name, int64(m.UIDValidity), int64(m.LastUID), polled, m.LastError, micros(s.Now()))
	return s.classify(err)
}

// Mailboxes implements mailin.Store.
func (s MailStore) Mailboxes(ctx context.Context) ([]mailin.Mailbox, error) {
	rows, err := s.R.QueryContext(ctx, s.q("mailbox.list"))
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []mailin.Mailbox{}
	for rows.Next() {
		m, err := scanMailbox(rows)
		if err != nil {
			return nil, s.classify(err)
		}
		out = append(out, *m)
	}
	return out, s.classify(rows.Err())
}

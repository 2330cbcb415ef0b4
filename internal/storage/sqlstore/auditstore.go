package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/audit"
)

// AuditStore implements audit.Store.
type AuditStore struct{ *DB }

var _ audit.Store = AuditStore{}

// Append implements audit.Store for entries that stand alone (exports,
// reads of personal data).
func (s AuditStore) Append(ctx context.Context, e *audit.Entry) error {
	if e.At.IsZero() {
		e.At = s.Now()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.Dialect.AppendAudit(ctx, tx, s.AuditKey, e) })
}

func scanAudit(row scanner) (*audit.Entry, error) {
	var e audit.Entry
	var at int64
	var detail string
	if err := row.Scan(&e.ID, &at, &e.Actor.UserID, &e.Actor.Name, &e.Actor.IP, &e.Action, &e.Object, &detail, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At = fromMicros(at)
	if detail != "" {
		e.Detail = []byte(detail)
	}
	return &e, nil
}

// List implements audit.Store, newest first.
func (s AuditStore) List(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return list(ctx, s.DB, s.q("audit.list"), []any{f.Action, f.Action, f.Object, f.Object, f.ActorID, f.ActorID,
		f.BeforeID, f.BeforeID, f.Limit}, scanAudit)
}

// Verify implements audit.Store by recomputing the chain from the start
// and comparing its end with the head row. An intact log moves the
// checkpoint of VerifyRecent to its end.
func (s AuditStore) Verify(ctx context.Context) (int64, int64, error) {
	from, err := s.keyedFrom(ctx)
	if err != nil {
		return 0, 0, err
	}
	return s.verifyFrom(ctx, 0, "", from)
}

// auditCheckpoint is the setting holding "id:hash" of the last entry a
// verification found intact.
const auditCheckpoint = "audit.checkpoint"

// keyedFrom is the entry the chain is keyed from as verification takes
// it: the key file's (not the database's, which a rewrite could move) when
// there is a key. Without a key a keyed chain cannot be verified.
func (s AuditStore) keyedFrom(ctx context.Context) (int64, error) {
	if s.AuditKey != nil {
		return s.AuditKey.From, nil
	}
	var last, from int64
	if err := s.R.QueryRowContext(ctx, s.q("audit.head.keyed")).Scan(&last, &from); err != nil {
		return 0, s.classify(err)
	}
	if from > 0 {
		return 0, apperr.New(apperr.Forbidden, "the audit chain is keyed from entry %d: verifying it needs its key (audit-key-file)", from)
	}
	return 0, nil
}

// KeyedFrom is the entry the chain is keyed from under this store's key;
// 0 without a key.
func (s AuditStore) KeyedFrom() int64 {
	if s.AuditKey == nil {
		return 0
	}
	return s.AuditKey.From
}

// VerifyRecent implements audit.Store.
func (s AuditStore) VerifyRecent(ctx context.Context) (int64, int64, int64, error) {
	from, err := s.keyedFrom(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	cp, err := s.Setting(ctx, auditCheckpoint)
	if err != nil {
		return 0, 0, 0, err
	}
	var after int64
	var prev string
	if id, hash, ok := strings.Cut(cp, ":"); ok {
		n, err := strconv.ParseInt(id, 10, 64)
		if err == nil && n > 0 {
			// The checkpoint entry itself must still be as it was.
			es, err := list(ctx, s.DB, s.q("audit.all"), []any{n - 1, 1}, scanAudit)
			if err != nil {
				return 0, 0, 0, err
			}
			if len(es) != 1 || es[0].ID != n || es[0].Hash != hash || audit.Hash(s.AuditKey, from, es[0].PrevHash, &es[0]) != hash {
				return n, 0, n, nil
			}
			after, prev = n, hash
		}
	}
	bad, checked, err := s.verifyFrom(ctx, after, prev, from)
	return bad, checked, after + 1, err
}

// verifyFrom walks the chain after entry after (whose hash is prev) to the
// head; an intact walk moves the checkpoint to the end.
func (s AuditStore) verifyFrom(ctx context.Context, after int64, prev string, from int64) (int64, int64, error) {
	var checked int64
	for {
		entries, err := list(ctx, s.DB, s.q("audit.all"), []any{after, 1000}, scanAudit)
		if err != nil {
			return 0, checked, err
		}
		for i := range entries {
			e := &entries[i]
			if e.PrevHash != prev || audit.Hash(s.AuditKey, from, prev, e) != e.Hash || e.ID != after+1 {
				return e.ID, checked, nil
			}
			prev, after = e.Hash, e.ID
			checked++
		}
		if len(entries) < 1000 {
			break
		}
	}
	var lastID int64
	var head string
	if err := s.R.QueryRowContext(ctx, s.q("audit.head")).Scan(&lastID, &head); err != nil {
		return 0, checked, s.classify(err)
	}
	if lastID != after || head != prev {
		return after + 1, checked, nil
	}
	if after > 0 {
		if err := s.PutSetting(ctx, auditCheckpoint, strconv.FormatInt(after, 10)+":"+prev); err != nil {
			return 0, checked, err
		}
	}
	return 0, checked, nil
}

var _ audit.HeadStore = AuditStore{}

// Head implements audit.HeadStore.
func (s AuditStore) Head(ctx context.Context) (int64, string, error) {
	var id int64
	var hash string
	err := s.R.QueryRowContext(ctx, s.q("audit.head")).Scan(&id, &hash)
	return id, hash, s.classify(err)
}

// HashOf implements audit.HeadStore.
func (s AuditStore) HashOf(ctx context.Context, id int64) (string, error) {
	var hash string
	err := s.R.QueryRowContext(ctx, s.q("audit.hash_of"), id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return hash, s.classify(err)
}

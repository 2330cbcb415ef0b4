package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/incident"
)

// IncidentStore implements incident.Store, incident.LinkStore and
// incident.LedgerStore.
type IncidentStore struct{ *DB }

var (
	_ incident.Store       = IncidentStore{}
	_ incident.LinkStore   = IncidentStore{}
	_ incident.LedgerStore = IncidentStore{}
)

// Incidents returns the store of batch incidents, complaint links and
// dealer ledgers.
func (db *DB) Incidents() IncidentStore { return IncidentStore{db} }

func scanSubject(r scanner) (*incident.Subject, error) {
	var s incident.Subject
	var cust, prod, batch, merged sql.NullInt64
	var received int64
	if err := r.Scan(&s.ID, &s.Number, &s.Status, &s.Quality, &cust, &s.Phone, &prod, &s.ProductName, &s.BatchNo, &batch,
		&received, &merged); err != nil {
		return nil, err
	}
	s.CustomerID, s.ProductID, s.BatchID, s.MergedInto = intPtr(cust), intPtr(prod), intPtr(batch), intPtr(merged)
	s.ReceivedAt = fromMicros(received)
	return &s, nil
}

// Subject implements incident.Store.
func (s IncidentStore) Subject(ctx context.Context, complaintID int64) (*incident.Subject, error) {
	sub, err := scanSubject(s.R.QueryRowContext(ctx, s.q("incident.subject.select")+s.Dialect.Rebind(" WHERE c.id = ?"), complaintID))
	if err != nil {
		return nil, s.classify(err)
	}
	return sub, nil
}

// Subjects implements incident.Store.
func (s IncidentStore) Subjects(ctx context.Context, ids []int64) ([]incident.Subject, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return list(ctx, s.DB, s.q("incident.subject.select")+s.Dialect.Rebind(" WHERE c.id IN "+inList(len(ids))+" ORDER BY c.id"), args,
		scanSubject)
}

// CountBatchQuality implements incident.Store; it reads the complaints_batch
// index (batch_no, received_at).
func (s IncidentStore) CountBatchQuality(ctx context.Context, batchNo string, from, to time.Time) (incident.BatchCount, error) {
	var n incident.BatchCount
	err := s.R.QueryRowContext(ctx, s.q("incident.batch.count"), batchNo, micros(from), micros(to)).Scan(&n.Complaints, &n.Units)
	return n, s.classify(err)
}

// Managers implements incident.Store.
func (s IncidentStore) Managers(ctx context.Context, codes []string) ([]int64, error) {
	if len(codes) == 0 {
		return []int64{}, nil
	}
	in, args := statusList(codes)
	return CaseStore{s.DB}.ids(ctx, s.R, s.q("incident.managers")+s.Dialect.Rebind(" "+in+" ORDER BY manager_id"), args...)
}

func scanIncident(r scanner) (*incident.Incident, error) {
	var inc incident.Incident
	var batch, prod, qby, qat, closed sql.NullInt64
	var opened int64
	var recipients string
	if err := r.Scan(&inc.ID, &inc.BatchNo, &batch, &prod, &inc.ProductName, &opened, &inc.TriggerComplaintID, &inc.ComplaintCount,
		&inc.UnitCount, &inc.Status, &inc.Quarantined, &qby, &qat, &recipients, &closed, &inc.Version); err != nil {
		return nil, err
	}
	inc.BatchID, inc.ProductID, inc.QuarantinedBy = intPtr(batch), intPtr(prod), intPtr(qby)
	inc.QuarantinedAt, inc.ClosedAt, inc.OpenedAt = timePtr(qat), timePtr(closed), fromMicros(opened)
	inc.Recipients = []int64{}
	if err := json.Unmarshal([]byte(recipients), &inc.Recipients); err != nil {
		return nil, fmt.Errorf("incident %d recipients: %w", inc.ID, err)
	}
	return &inc, nil
}

// Incident implements incident.Store.
func (s IncidentStore) Incident(ctx context.Context, id int64) (*incident.Incident, error) {
	inc, err := scanIncident(s.R.QueryRowContext(ctx, s.q("incident.select")+s.Dialect.Rebind(" WHERE id = ?"), id))
	if err != nil {
		return nil, s.classify(err)
	}
	return inc, nil
}

// OpenIncident implements incident.Store.
func (s IncidentStore) OpenIncident(ctx context.Context, batchNo string) (*incident.Incident, error) {
	inc, err := scanIncident(s.R.QueryRowContext(ctx, s.q("incident.select")+s.Dialect.Rebind(" WHERE batch_no = ? AND status = 'open'"), batchNo))
	if err != nil {
		return nil, s.classify(err)
	}
	return inc, nil
}

// RaiseIncident implements incident.Store. The partial unique index on
// open incidents per lot makes it idempotent across concurrent callers.
func (s IncidentStore) RaiseIncident(ctx context.Context, inc *incident.Incident, actor audit.Actor) (bool, error) {
	raised := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		open, err := scanIncident(tx.QueryRowContext(ctx, s.q("incident.select")+s.Dialect.Rebind(" WHERE batch_no = ? AND status = 'open'"), inc.BatchNo))
		switch {
		case err == nil:
			if _, err := tx.ExecContext(ctx, s.q("incident.count.update"), inc.ComplaintCount, inc.UnitCount, open.ID, inc.UnitCount); err != nil {
				return err
			}
			if inc.UnitCount > open.UnitCount {
				open.ComplaintCount, open.UnitCount = inc.ComplaintCount, inc.UnitCount
			}
			*inc = *open
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if inc.BatchID == nil {
			var id, prod sql.NullInt64
			err := tx.QueryRowContext(ctx, s.q("incident.batch.lookup"), inc.BatchNo).Scan(&id, &prod)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			inc.BatchID = intPtr(id)
			if inc.ProductID == nil {
				inc.ProductID = intPtr(prod)
			}
		}
		if inc.Recipients == nil {
			inc.Recipients = []int64{}
		}
		inc.Status, inc.Version = incident.StatusOpen, 1
		if err := tx.QueryRowContext(ctx, s.q("incident.insert"), inc.BatchNo, nullInt(inc.BatchID), nullInt(inc.ProductID), inc.ProductName,
			micros(inc.OpenedAt), inc.TriggerComplaintID, inc.ComplaintCount, inc.UnitCount, inc.Quarantined, string(mustJSON(inc.Recipients))).Scan(&inc.ID); err != nil {
			return err
		}
		data := map[string]any{"incident_id": inc.ID, "batch_no": inc.BatchNo, "complaints": inc.ComplaintCount, "units": inc.UnitCount, "recipients": inc.Recipients}
		if err := (CaseStore{s.DB}).event(ctx, tx, inc.TriggerComplaintID, &caseChange{kind: "batch_incident", data: data}, actor, "incident.raise"); err != nil {
			return err
		}
		raised = true
		return nil
	})
	if apperr.Is(err, apperr.Conflict) {
		// Another caller opened it between our read and insert.
		open, oerr := s.OpenIncident(ctx, inc.BatchNo)
		if oerr != nil {
			return false, err
		}
		*inc = *open
		return false, nil
	}
	return raised, err
}

// MarkQuarantined implements incident.Store.
func (s IncidentStore) MarkQuarantined(ctx context.Context, inc *incident.Incident, byUserID int64, actor audit.Actor) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("incident.quarantined"), true, byUserID, micros(now), inc.ID, inc.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "batch incident %d was changed by someone else", inc.ID)
		}
		inc.Quarantined, inc.QuarantinedBy, inc.QuarantinedAt = true, &byUserID, &now
		inc.Version++
		return s.audit(ctx, tx, actor, "incident.quarantine", obj("batch_incident", inc.ID), map[string]any{"batch_no": inc.BatchNo, "batch_id": inc.BatchID})
	})
}

// Incidents implements incident.Store.
func (s IncidentStore) Incidents(ctx context.Context, since time.Time, limit int) ([]incident.Incident, error) {
	rows, err := s.R.QueryContext(ctx, s.q("incident.select")+s.Dialect.Rebind(" WHERE status = 'open' OR opened_at >= ? ORDER BY opened_at DESC, id DESC LIMIT ?"),
		micros(since), limit)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []incident.Incident{}
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *inc)
	}
	return out, s.classify(rows.Err())
}

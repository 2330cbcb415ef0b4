package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/sla"
	"kesu/internal/workflow"
)

// CaseStore implements casework.Store.
type CaseStore struct{ *DB }

var _ casework.Store = CaseStore{}

// Cases returns the case (workflow) store.
func (db *DB) Cases() CaseStore { return CaseStore{db} }

func nullBool(b *bool) sql.NullBool {
	if b == nil {
		return sql.NullBool{}
	}
	return sql.NullBool{Bool: *b, Valid: true}
}

// Load implements casework.Store.
func (s CaseStore) Load(ctx context.Context, id int64) (*casework.Record, error) {
	return s.load(ctx, s.R, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s CaseStore) load(ctx context.Context, q querier, id int64) (*casework.Record, error) {
	var r casework.Record
	var dept, holder, backup, merged, closed, accepted, replied, executed sql.NullInt64
	var est sql.NullBool
	var reminder sql.NullString
	err := q.QueryRowContext(ctx, s.q("case.load"), id).Scan(&r.ComplaintID, &r.Number, &r.Version, &r.Profile, &r.Status,
		&r.PreviousStatus, &r.Level, &r.Category, &r.Quality, &r.Severity, &r.Safety, &dept,
		&est, &r.Validity, &r.Malicious, &r.Responsibility, &r.ResponsibilityNote, &r.RootCause,
		&r.Resolution, &r.Amount, &r.Currency, &r.ResolutionExecuted,
		&r.FollowUpsDone, &r.LastSatisfaction, &r.ApprovalRound, &r.Reopens,
		&holder, &backup, &merged, &reminder, &closed, &accepted, &replied, &executed)
	if err != nil {
		return nil, s.classify(err)
	}
	if est.Valid {
		b := est.Bool
		r.Established = &b
	}
	r.DepartmentID, r.HolderID, r.BackupID, r.MergedInto = intPtr(dept), intPtr(holder), intPtr(backup), intPtr(merged)
	r.ReminderDate, r.ClosedAt = datePtr(reminder), timePtr(closed)
	r.AcceptedAt, r.RepliedAt, r.ExecutedAt = timePtr(accepted), timePtr(replied), timePtr(executed)
	if r.Parties, err = s.ids(ctx, q, s.q("case.parties"), id); err != nil {
		return nil, err
	}
	if r.Approvers, err = s.ids(ctx, q, s.q("case.signers"), id, r.ApprovalRound); err != nil {
		return nil, err
	}
	c := &r.CAPA
	if err := q.QueryRowContext(ctx, s.q("case.capa.summary"), id).Scan(&c.Actions, &c.Supplier, &c.Done, &c.Effective, &c.Ineffective); err != nil {
		return nil, s.classify(err)
	}
	return &r, nil
}

func (s CaseStore) ids(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, s.classify(err)
		}
		out = append(out, id)
	}
	return out, s.classify(rows.Err())
}

// Save implements casework.Store.
func (s CaseStore) Save(ctx context.Context, r *casework.Record, w casework.Write, actor audit.Actor) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("case.save"), micros(now), r.Status, r.PreviousStatus, r.Level,
			nullInt(r.DepartmentID), nullBool(r.Established), r.Validity, r.Malicious, r.Responsibility, r.ResponsibilityNote,
			r.RootCause, r.Resolution, r.Amount, r.Currency, r.ResolutionExecuted,
			r.FollowUpsDone, r.LastSatisfaction, r.ApprovalRound, r.Reopens,
			nullInt(r.HolderID), nullInt(r.BackupID), nullInt(r.MergedInto), nullDate(r.ReminderDate), nullMicros(r.ClosedAt),
			nullMicros(r.AcceptedAt), nullMicros(r.RepliedAt), nullMicros(r.ExecutedAt),
			r.ComplaintID, r.Version)
		if err != nil {
			return fmt.Errorf("save case: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("complaint %d was changed by someone else", r.ComplaintID),
				Fields: []apperr.FieldError{{Field: "version", Rule: "stale"}}}
		}
		if a := w.Approval; a != nil {
			a.At = now
			if _, err := tx.ExecContext(ctx, s.q("case.approval.insert"), a.ComplaintID, a.Round, a.LevelRole, a.ApproverID,
				a.Decision, a.Comment, a.Amount, a.Currency, micros(now)); err != nil {
				return fmt.Errorf("approval: %w", err)
			}
		}
		if f := w.FollowUp; f != nil && w.SurveyID != 0 {
			var score sql.NullInt64
			if f.Satisfaction != nil {
				score = sql.NullInt64{Int64: int64(*f.Satisfaction), Valid: true}
			}
			res, err := tx.ExecContext(ctx, s.q("case.survey.answer"), score, f.Comment, micros(now), micros(now), w.SurveyID)
			if err != nil {
				return fmt.Errorf("survey answer: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return &apperr.Error{Code: apperr.Conflict, Message: "survey already answered",
					Fields: []apperr.FieldError{{Field: "token", Rule: "used"}}}
			}
		} else if f != nil {
			var score sql.NullInt64
			if f.Satisfaction != nil {
				score = sql.NullInt64{Int64: int64(*f.Satisfaction), Valid: true}
			}
			if _, err := tx.ExecContext(ctx, s.q("case.followup.insert"), f.ComplaintID, f.Method, score, f.Comment,
				nullInt(f.ByUserID), nullMicros(f.At), micros(now)); err != nil {
				return fmt.Errorf("follow-up: %w", err)
			}
		}
		if w.ResetVerification {
			if _, err := tx.ExecContext(ctx, s.q("case.capa.reset"), false, r.ComplaintID); err != nil {
				return fmt.Errorf("reset CAPA verification: %w", err)
			}
			r.CAPA.Effective, r.CAPA.Ineffective = 0, 0
		}
		if w.Responsible != nil {
			if _, err := tx.ExecContext(ctx, s.q("case.responsible.delete"), r.ComplaintID); err != nil {
				return err
			}
			for _, p := range w.Responsible {
				if _, err := tx.ExecContext(ctx, s.q("case.responsible.insert"), r.ComplaintID, nullInt(p.DepartmentID),
					nullInt(p.UserID), nullInt(p.SupplierID), p.Share, p.Note); err != nil {
					return s.refError(err, "responsible")
				}
			}
		}
		if err := s.enqueueTx(ctx, tx, w.Jobs...); err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		if err := s.applyClocksTx(ctx, tx, r.ComplaintID, r.HolderID, w.Clock, now); err != nil {
			return fmt.Errorf("SLA clocks: %w", err)
		}
		ev := w.Event
		ev.ComplaintID, ev.At = r.ComplaintID, now
		if err := (ComplaintStore{s.DB}).insertEvent(ctx, tx, &ev, actor); err != nil {
			return err
		}
		r.Version++
		return s.audit(ctx, tx, actor, w.Action, obj("complaint", r.ComplaintID), ev.Data)
	})
}

// refError names the field of a foreign-key refusal.
func (s CaseStore) refError(err error, field string) error {
	if apperr.Is(s.classify(err), apperr.Invalid) {
		return &apperr.Error{Code: apperr.Invalid, Message: field + " refers to a missing record", Err: err,
			Fields: []apperr.FieldError{{Field: field, Rule: "not_found"}}}
	}
	return err
}

// SetParties implements casework.Store.
func (s CaseStore) SetParties(ctx context.Context, complaintID int64, userIDs []int64, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("case.parties.delete"), complaintID); err != nil {
			return err
		}
		// Skip repeats before inserting: on PostgreSQL a unique violation
		// aborts the whole transaction.
		seen := map[int64]bool{}
		for _, u := range userIDs {
			if seen[u] {
				continue
			}
			seen[u] = true
			if _, err := tx.ExecContext(ctx, s.q("case.parties.insert"), complaintID, u); err != nil {
				return s.refError(err, "user_ids")
			}
			if _, err := tx.ExecContext(ctx, s.q("case.parties.unassign"), u, u, complaintID); err != nil {
				return err
			}
		}
		ev := &caseChange{kind: "parties", data: map[string]any{"user_ids": userIDs}}
		return s.event(ctx, tx, complaintID, ev, actor, "workflow.parties")
	})
}

// caseChange is a timeline entry written with a side record.
type caseChange struct {
	kind string
	data map[string]any
}

func (s CaseStore) event(ctx context.Context, tx *sql.Tx, complaintID int64, e *caseChange, actor audit.Actor, action string) error {
	now := s.Now()
	if _, err := tx.ExecContext(ctx, s.q("case.touch"), micros(now), complaintID); err != nil {
		return err
	}
	ev := &complaint.Event{ComplaintID: complaintID, At: now, Kind: e.kind, Data: e.data}
	if err := (ComplaintStore{s.DB}).insertEvent(ctx, tx, ev, actor); err != nil {
		return err
	}
	return s.audit(ctx, tx, actor, action, obj("complaint", complaintID), e.data)
}

// Responsible implements casework.Store.
func (s CaseStore) Responsible(ctx context.Context, complaintID int64) ([]casework.Responsible, error) {
	return list(ctx, s.DB, s.q("case.responsible"), []any{complaintID}, func(r scanner) (*casework.Responsible, error) {
		var p casework.Responsible
		var d, u, sp sql.NullInt64
		err := r.Scan(&d, &u, &sp, &p.Share, &p.Note)
		p.DepartmentID, p.UserID, p.SupplierID = intPtr(d), intPtr(u), intPtr(sp)
		return &p, err
	})
}

func scanCAPA(r scanner) (*casework.CAPAAction, error) {
	var a casework.CAPAAction
	var dept, owner, supplier, done, by, at sql.NullInt64
	var due sql.NullString
	var created int64
	if err := r.Scan(&a.ID, &a.ComplaintID, &a.Kind, &a.Description, &dept, &owner, &supplier, &due, &a.Status, &a.Evidence,
		&done, &a.Verification, &by, &at, &a.VerifyNote, &a.UpdateStandard, &a.Version, &created); err != nil {
		return nil, err
	}
	a.OwnerDepartmentID, a.OwnerUserID, a.SupplierID = intPtr(dept), intPtr(owner), intPtr(supplier)
	a.DueDate, a.DoneAt, a.VerifiedBy, a.VerifiedAt = datePtr(due), timePtr(done), intPtr(by), timePtr(at)
	a.CreatedAt = fromMicros(created)
	return &a, nil
}

// CAPA implements casework.Store.
func (s CaseStore) CAPA(ctx context.Context, complaintID int64) ([]casework.CAPAAction, error) {
	return list(ctx, s.DB, s.q("capa.select")+s.Dialect.Rebind(" WHERE complaint_id = ? ORDER BY id"), []any{complaintID}, scanCAPA)
}

// StandardUpdates implements casework.Store: effective actions flagged to
// update the standard, newest first, for the quality manager.
func (s CaseStore) StandardUpdates(ctx context.Context, limit int) ([]casework.CAPAAction, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return list(ctx, s.DB, s.q("capa.select")+" WHERE update_standard AND verification = 'effective' ORDER BY verified_at DESC LIMIT "+strconv.Itoa(limit), nil, scanCAPA)
}

// AddCAPA implements casework.Store.
func (s CaseStore) AddCAPA(ctx context.Context, a *casework.CAPAAction, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q("capa.insert"), a.ComplaintID, a.Kind, a.Description, nullInt(a.OwnerDepartmentID),
			nullInt(a.OwnerUserID), nullInt(a.SupplierID), nullDate(a.DueDate), a.Status, a.UpdateStandard, micros(a.CreatedAt)).Scan(&a.ID)
		if err != nil {
			return s.refError(err, "owner")
		}
		if err := s.applyClocksTx(ctx, tx, a.ComplaintID, nil, sla.Change{Events: []string{"capa:" + a.Kind}}, s.Now()); err != nil {
			return fmt.Errorf("SLA clocks: %w", err)
		}
		return s.event(ctx, tx, a.ComplaintID, &caseChange{kind: "capa_added", data: map[string]any{"capa_id": a.ID, "kind": a.Kind,
			"description": a.Description}}, actor, "capa.create")
	})
}

// UpdateCAPA implements casework.Store.
func (s CaseStore) UpdateCAPA(ctx context.Context, a *casework.CAPAAction, event string, actor audit.Actor) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("capa.update"), a.Status, a.Evidence, nullMicros(a.DoneAt), a.Verification, nullInt(a.VerifiedBy),
			nullMicros(a.VerifiedAt), a.VerifyNote, a.UpdateStandard, a.ID, a.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "CAPA action %d was changed by someone else", a.ID)
		}
		a.Version++
		return s.event(ctx, tx, a.ComplaintID, &caseChange{kind: event, data: map[string]any{"capa_id": a.ID,
			"status": a.Status, "verification": a.Verification, "update_standard": a.UpdateStandard}}, actor, "capa.update")
	})
}

// Approvals implements casework.Store.
func (s CaseStore) Approvals(ctx context.Context, complaintID int64) ([]casework.Approval, error) {
	return list(ctx, s.DB, s.q("approvals.select"), []any{complaintID}, func(r scanner) (*casework.Approval, error) {
		var a casework.Approval
		var at int64
		err := r.Scan(&a.ID, &a.ComplaintID, &a.Round, &a.LevelRole, &a.ApproverID, &a.Approver, &a.Decision, &a.Comment, &a.Amount, &a.Currency, &at)
		a.At = fromMicros(at)
		return &a, err
	})
}

// FollowUps implements casework.Store.
func (s CaseStore) FollowUps(ctx context.Context, complaintID int64) ([]casework.FollowUp, error) {
	return list(ctx, s.DB, s.q("followups.select"), []any{complaintID}, func(r scanner) (*casework.FollowUp, error) {
		var f casework.FollowUp
		var score, by, at sql.NullInt64
		var created int64
		err := r.Scan(&f.ID, &f.ComplaintID, &f.Method, &score, &f.Comment, &by, &at, &created)
		if score.Valid {
			v := int(score.Int64)
			f.Satisfaction = &v
		}
		f.ByUserID, f.At, f.CreatedAt = intPtr(by), timePtr(at), fromMicros(created)
		return &f, err
	})
}

func statusList(open []string) (string, []any) {
	args := make([]any, len(open))
	for i, s := range open {
		args[i] = s
	}
	return inList(len(open)), args
}

// MyWork implements casework.Store.
func (s CaseStore) MyWork(ctx context.Context, userID int64, open []string, limit int) ([]casework.WorkItem, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	if len(open) == 0 {
		return []casework.WorkItem{}, nil
	}
	in, sargs := statusList(open)
	part := func(col string, backup bool) string {
		b := "0"
		if backup {
			b = "1"
		}
		return "SELECT id, COALESCE(number, ''), subject, status, severity, safety, received_at, updated_at, " + b +
			" AS as_backup FROM complaints WHERE " + col + " = ? AND status IN " + in
	}
	query := "SELECT * FROM (" + part("holder_id", false) + " UNION ALL " + part("backup_id", true) +
		") w ORDER BY updated_at, id LIMIT " + strconv.Itoa(limit)
	args := append(append([]any{userID}, sargs...), append([]any{userID}, sargs...)...)
	return list(ctx, s.DB, s.Dialect.Rebind(query), args, func(r scanner) (*casework.WorkItem, error) {
		var w casework.WorkItem
		var rec, upd int64
		var backup int
		err := r.Scan(&w.ComplaintID, &w.Number, &w.Subject, &w.Status, &w.Severity, &w.Safety, &rec, &upd, &backup)
		w.ReceivedAt, w.UpdatedAt, w.AsBackup = fromMicros(rec), fromMicros(upd), backup == 1
		return &w, err
	})
}

// Team implements casework.Store.
func (s CaseStore) Team(ctx context.Context, departmentID int64, open []string) ([]workflow.Candidate, error) {
	in, sargs := statusList(open)
	query := "SELECT u.id, (SELECT COUNT(*) FROM complaints c WHERE c.holder_id = u.id AND c.status IN " + in + ") " +
		"FROM users u WHERE u.department_id = ? AND NOT u.disabled AND u.role NOT IN ('auditor') ORDER BY u.id"
	if len(open) == 0 {
		query = "SELECT u.id, 0 FROM users u WHERE u.department_id = ? AND NOT u.disabled AND u.role NOT IN ('auditor') ORDER BY u.id"
		sargs = nil
	}
	return list(ctx, s.DB, s.Dialect.Rebind(query), append(sargs, departmentID), func(r scanner) (*workflow.Candidate, error) {
		var c workflow.Candidate
		err := r.Scan(&c.UserID, &c.Load)
		return &c, err
	})
}

// DepartmentByCode implements casework.Store.
func (s CaseStore) DepartmentByCode(ctx context.Context, code string) (int64, error) {
	var id int64
	err := s.R.QueryRowContext(ctx, s.q("department.by_code"), code).Scan(&id)
	return id, s.classify(err)
}

// LastHolder implements casework.Store.
func (s CaseStore) LastHolder(ctx context.Context, departmentID int64) (int64, error) {
	var id int64
	err := s.R.QueryRowContext(ctx, s.q("case.last_holder"), departmentID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, s.classify(err)
}

// CreateSurvey implements casework.Store.
func (s CaseStore) CreateSurvey(ctx context.Context, complaintID int64, tokenHash string, actor audit.Actor) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("case.survey.insert"), complaintID, tokenHash, micros(s.Now())).Scan(&id); err != nil {
			return err
		}
		return s.event(ctx, tx, complaintID, &caseChange{kind: "survey_sent", data: map[string]any{"follow_up_id": id}}, actor, "workflow.survey")
	})
	return id, err
}

// Survey implements casework.Store.
func (s CaseStore) Survey(ctx context.Context, tokenHash string) (int64, int64, bool, error) {
	var cid, fid int64
	var used bool
	err := s.R.QueryRowContext(ctx, s.q("case.survey.get"), tokenHash).Scan(&cid, &fid, &used)
	return cid, fid, used, s.classify(err)
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/org"
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
	var dept, holder, backup, merged, closed, accepted, replied, executed, first sql.NullInt64
	var est sql.NullBool
	var reminder sql.NullString
	err := q.QueryRowContext(ctx, s.q("case.load"), id).Scan(&r.ComplaintID, &r.Number, &r.Version, &r.Profile, &r.ProfileVersion, &r.Status,
		&r.PreviousStatus, &r.Level, &r.Category, &r.Quality, &r.Severity, &r.Safety, &dept,
		&est, &r.Validity, &r.Malicious, &r.Responsibility, &r.ResponsibilityNote, &r.RootCause,
		&r.Resolution, &r.Amount, &r.Currency, &r.ResolutionExecuted,
		&r.FollowUpsDone, &r.LastSatisfaction, &r.ApprovalRound, &r.Reopens,
		&holder, &backup, &merged, &reminder, &closed, &accepted, &replied, &executed, &first, &r.AwaitingRole, &r.Erased)
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
	r.FirstReceiverID = intPtr(first)
	if r.Parties, err = s.ids(ctx, q, s.q("case.parties"), id); err != nil {
		return nil, err
	}
	if r.Approvers, err = s.ids(ctx, q, s.q("case.signers"), id, r.ApprovalRound); err != nil {
		return nil, err
	}
	var committed int
	if err := q.QueryRowContext(ctx, s.q("case.committed"), id, r.ApprovalRound).Scan(&committed); err != nil {
		return nil, s.classify(err)
	}
	r.PlanCommitted = committed > 0
	rows, err := q.QueryContext(ctx, s.q("case.capa.owners"), id)
	if err != nil {
		return nil, s.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d, u sql.NullInt64
		if err := rows.Scan(&d, &u); err != nil {
			return nil, s.classify(err)
		}
		r.CAPAOwners = append(r.CAPAOwners, casework.CAPAOwner{DepartmentID: intPtr(d), UserID: intPtr(u)})
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify(err)
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

// Save implements casework.Store: the one transaction that writes a case.
// The version check on the complaint row comes first, so everything the
// service checked on the version it read holds for what follows.
func (s CaseStore) Save(ctx context.Context, r *casework.Record, w casework.Write, actor audit.Actor) error {
	now := s.Now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("case.save"), micros(now), r.Status, r.PreviousStatus, r.Level,
			nullInt(r.DepartmentID), nullBool(r.Established), r.Validity, r.Malicious, r.Responsibility, r.ResponsibilityNote,
			r.RootCause, r.Resolution, r.Amount, r.Currency, r.ResolutionExecuted,
			r.FollowUpsDone, r.LastSatisfaction, r.ApprovalRound, r.Reopens,
			nullInt(r.HolderID), nullInt(r.BackupID), nullInt(r.MergedInto), nullDate(r.ReminderDate), nullMicros(r.ClosedAt),
			nullMicros(r.AcceptedAt), nullMicros(r.RepliedAt), nullMicros(r.ExecutedAt), r.AwaitingRole,
			r.ComplaintID, r.Version)
		if err != nil {
			return s.refError(fmt.Errorf("save case: %w", err), "holder_id")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("complaint %d was changed by someone else", r.ComplaintID),
				Fields: []apperr.FieldError{{Field: "version", Rule: "stale"}}}
		}
		if c := w.Complaint; c != nil {
			if err := (ComplaintStore{s.DB}).updateFields(ctx, tx, c, now); err != nil {
				return err
			}
		}
		for i := range w.Approvals {
			a := &w.Approvals[i]
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
		if w.SurveyTokenHash != "" {
			var id int64
			if err := tx.QueryRowContext(ctx, s.q("case.survey.insert"), r.ComplaintID, w.SurveyTokenHash, micros(now)).Scan(&id); err != nil {
				return fmt.Errorf("survey link: %w", err)
			}
			if w.Event.Data != nil {
				w.Event.Data["follow_up_id"] = id
			}
		}
		if w.ResetVerification {
			if _, err := tx.ExecContext(ctx, s.q("case.capa.reset"), false, r.ComplaintID); err != nil {
				return fmt.Errorf("reset CAPA verification: %w", err)
			}
			r.CAPA.Effective = 0
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
		if err := s.writeMoney(ctx, tx, r.ComplaintID, w.Loss, w.Penalty); err != nil {
			return err
		}
		if err := s.writeCredit(ctx, tx, r.ComplaintID, w.Credit); err != nil {
			return err
		}
		if err := s.writeReturn(ctx, tx, r.ComplaintID, w.Return); err != nil {
			return err
		}
		if err := s.writeParts(ctx, tx, r.ComplaintID, w.Parts, actor); err != nil {
			return err
		}
		if w.Parts != nil && w.Event.Data != nil {
			w.Event.Data["shipment_id"] = w.Parts.ID
			if w.Parts.LedgerEntry != nil {
				w.Event.Data["ledger_entry_id"] = *w.Parts.LedgerEntry
			}
		}
		if w.Parties != nil {
			if err := s.writeParties(ctx, tx, r.ComplaintID, w.Parties); err != nil {
				return err
			}
		}
		if a := w.CAPA; a != nil {
			if err := s.writeCAPA(ctx, tx, a, now); err != nil {
				return err
			}
			if w.Event.Data != nil {
				w.Event.Data["capa_id"] = a.ID
			}
		}
		if a := w.Attachment; a != nil {
			if err := s.writeAttachment(ctx, tx, a, actor, now); err != nil {
				return err
			}
			if w.Event.Data != nil {
				w.Event.Data["attachment_id"] = a.ID
			}
		}
		for _, a := range w.Files {
			if err := s.writeAttachment(ctx, tx, a, actor, now); err != nil {
				return err
			}
		}
		if l := w.Link; l != nil {
			if err := s.writeLink(ctx, tx, r.ComplaintID, l, actor, now); err != nil {
				return err
			}
		}
		if err := s.enqueueTx(ctx, tx, w.Jobs...); err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		if err := s.applyClocksTx(ctx, tx, r.ComplaintID, r.HolderID, w.Clock, now); err != nil {
			return fmt.Errorf("SLA clocks: %w", err)
		}
		if err := s.notifyTx(ctx, tx, w.Notices...); err != nil {
			return err
		}
		ev := w.Event
		ev.ComplaintID, ev.At = r.ComplaintID, now
		if err := (ComplaintStore{s.DB}).insertEvent(ctx, tx, &ev, actor); err != nil {
			return err
		}
		r.Version++
		detail := ev.Data
		if w.Complaint != nil {
			fields := make([]string, len(w.Changes))
			for i, ch := range w.Changes {
				fields[i] = ch.Field
			}
			detail = map[string]any{"fields": fields}
			if reason, ok := ev.Data["reason"]; ok {
				detail["reason"] = reason
			}
		}
		return s.audit(ctx, tx, actor, w.Action, obj("complaint", r.ComplaintID), detail)
	})
}

// writeParties replaces the people a complaint is about.
func (s CaseStore) writeParties(ctx context.Context, tx *sql.Tx, complaintID int64, userIDs []int64) error {
	if _, err := tx.ExecContext(ctx, s.q("case.parties.delete"), complaintID); err != nil {
		return err
	}
	for _, u := range userIDs {
		if _, err := tx.ExecContext(ctx, s.q("case.parties.insert"), complaintID, u); err != nil {
			return s.refError(err, "user_ids")
		}
	}
	return nil
}

// writeCAPA inserts a new action (ID 0), marking the one it reworks as
// superseded, or updates an existing one at the version read.
func (s CaseStore) writeCAPA(ctx context.Context, tx *sql.Tx, a *casework.CAPAAction, now time.Time) error {
	if a.ID == 0 {
		if a.CreatedAt.IsZero() {
			a.CreatedAt = now
		}
		err := tx.QueryRowContext(ctx, s.q("capa.insert"), a.ComplaintID, a.Kind, a.Description, nullInt(a.OwnerDepartmentID),
			nullInt(a.OwnerUserID), nullInt(a.SupplierID), nullDate(a.DueDate), a.Status, a.UpdateStandard, nullInt(a.SupersedesID),
			micros(a.CreatedAt)).Scan(&a.ID)
		if err != nil {
			return s.refError(err, "owner")
		}
		if a.SupersedesID != nil {
			res, err := tx.ExecContext(ctx, s.q("capa.supersede"), a.ID, *a.SupersedesID, a.ComplaintID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("CAPA action %d was reworked already", *a.SupersedesID),
					Fields: []apperr.FieldError{{Field: "capa_id", Rule: "superseded"}}}
			}
		}
		return nil
	}
	res, err := tx.ExecContext(ctx, s.q("capa.update"), a.Status, a.Evidence, nullMicros(a.DoneAt), a.Verification, nullInt(a.VerifiedBy),
		nullMicros(a.VerifiedAt), a.VerifyNote, a.UpdateStandard, a.ID, a.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("CAPA action %d was changed by someone else", a.ID),
			Fields: []apperr.FieldError{{Field: "version", Rule: "stale"}}}
	}
	a.Version++
	return nil
}

// writeAttachment stores a file's record and counts it on the complaint.
func (s CaseStore) writeAttachment(ctx context.Context, tx *sql.Tx, a *complaint.Attachment, actor audit.Actor, now time.Time) error {
	a.CreatedAt, a.UploadedBy = now, actor.Name
	if _, err := tx.ExecContext(ctx, s.q("complaint.attachment.count"), micros(now), a.ComplaintID); err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, s.q("complaint.attachment.insert"), a.ComplaintID, a.Name, a.ContentType, a.Size, a.SHA256,
		a.Kind, a.Public, a.UploadedBy, micros(now)).Scan(&a.ID)
}

// writeLink records a link from a case; an identical link is kept as it is.
func (s CaseStore) writeLink(ctx context.Context, tx *sql.Tx, from int64, l *casework.Link, actor audit.Actor, now time.Time) error {
	if l.Kind == casework.LinkMerged {
		// A case is merged only into one that is not itself merged, checked
		// in the merge's transaction: merges never form a cycle, whichever
		// path (the merge route or the lifecycle step) asked for them.
		var into sql.NullInt64
		err := tx.QueryRowContext(ctx, s.q("case.merge.survivor"), l.ToID).Scan(&into)
		if errors.Is(err, sql.ErrNoRows) {
			return &apperr.Error{Code: apperr.Invalid, Message: "no such complaint to merge into",
				Fields: []apperr.FieldError{{Field: "merge_into", Rule: "not_found"}}}
		}
		if err != nil {
			return s.classify(err)
		}
		if into.Valid {
			return &apperr.Error{Code: apperr.Invalid, Message: "the survivor was itself merged",
				Fields: []apperr.FieldError{{Field: "merge_into", Rule: "merged"}}}
		}
	}
	var id, at int64
	err := tx.QueryRowContext(ctx, s.q("link.exists"), from, l.ToID, l.Kind).Scan(&id, &at)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var by sql.NullInt64
	if actor.UserID != 0 {
		by = sql.NullInt64{Int64: actor.UserID, Valid: true}
	}
	if _, err := tx.ExecContext(ctx, s.q("link.insert"), from, l.ToID, l.Kind, by, micros(now)); err != nil {
		return s.refError(err, "to_id")
	}
	return nil
}

// refError names the field of a foreign-key refusal.
func (s CaseStore) refError(err error, field string) error {
	if apperr.Is(s.classify(err), apperr.Invalid) {
		return &apperr.Error{Code: apperr.Invalid, Message: field + " refers to a missing record", Err: err,
			Fields: []apperr.FieldError{{Field: field, Rule: "not_found"}}}
	}
	return err
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
	var superseded, supersedes sql.NullInt64
	if err := r.Scan(&a.ID, &a.ComplaintID, &a.Kind, &a.Description, &dept, &owner, &supplier, &due, &a.Status, &a.Evidence,
		&done, &a.Verification, &by, &at, &a.VerifyNote, &a.UpdateStandard, &superseded, &supersedes, &a.Version, &created); err != nil {
		return nil, err
	}
	a.SupersededBy, a.SupersedesID = intPtr(superseded), intPtr(supersedes)
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

// MyWork implements casework.Store: held and backed-up open cases, and
// the cases in approval waiting for the user's role within their
// departments, earliest running due time first.
func (s CaseStore) MyWork(ctx context.Context, userID int64, open []string, awaiting *casework.Awaiting, limit int) ([]casework.WorkItem, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	if len(open) == 0 {
		return []casework.WorkItem{}, nil
	}
	in, sargs := statusList(open)
	cols := "SELECT c.id, COALESCE(c.number, ''), c.subject, c.status, c.severity, c.safety, c.received_at, c.updated_at, "
	part := func(col string, backup bool) string {
		b := "0"
		if backup {
			b = "1"
		}
		return cols + b + " AS as_backup, 0 AS to_sign FROM complaints c WHERE c." + col + " = ? AND c.status IN " + in
	}
	query := part("holder_id", false) + " UNION ALL " + part("backup_id", true)
	args := append(append([]any{userID}, sargs...), append([]any{userID}, sargs...)...)
	if awaiting != nil && awaiting.Role != "" {
		query += " UNION ALL " + cols + "0 AS as_backup, 1 AS to_sign FROM complaints c WHERE c.awaiting_role = ?"
		args = append(args, awaiting.Role)
		if awaiting.DepartmentIDs != nil {
			if len(awaiting.DepartmentIDs) == 0 {
				query += " AND 1 = 0"
			} else {
				query += " AND c.department_id IN " + inList(len(awaiting.DepartmentIDs))
				for _, d := range awaiting.DepartmentIDs {
					args = append(args, d)
				}
			}
		}
		query += " AND NOT EXISTS (SELECT 1 FROM complaint_parties p WHERE p.complaint_id = c.id AND p.user_id = ?)"
		query += " AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.complaint_id = c.id AND a.round = c.approval_round AND a.decision = 'approved' AND a.approver_id = ?)"
		args = append(args, userID, userID)
	}
	query = "SELECT w.*, " + strings.Replace(dueExpr, "c.id", "w.id", 1) + " AS due FROM (" + query + ") w ORDER BY due, w.updated_at, w.id LIMIT " + strconv.Itoa(limit)
	return list(ctx, s.DB, s.Dialect.Rebind(query), args, func(r scanner) (*casework.WorkItem, error) {
		var w casework.WorkItem
		var rec, upd, due int64
		var backup, sign int
		err := r.Scan(&w.ComplaintID, &w.Number, &w.Subject, &w.Status, &w.Severity, &w.Safety, &rec, &upd, &backup, &sign, &due)
		w.ReceivedAt, w.UpdatedAt, w.AsBackup, w.ToSign = fromMicros(rec), fromMicros(upd), backup == 1, sign == 1
		if due != noDue {
			t := fromMicros(due)
			w.DueAt = &t
		}
		return &w, err
	})
}

// UnmarkedApprovals implements casework.Store.
func (s CaseStore) UnmarkedApprovals(ctx context.Context, states []string) ([]int64, error) {
	if len(states) == 0 {
		return nil, nil
	}
	in, args := statusList(states)
	return s.ids(ctx, s.R, s.Dialect.Rebind("SELECT id FROM complaints WHERE awaiting_role = '' AND status IN "+in+" ORDER BY id"), args...)
}

// MarkAwaiting implements casework.Store.
func (s CaseStore) MarkAwaiting(ctx context.Context, complaintID int64, version int, role string) error {
	_, err := s.W.ExecContext(ctx, s.Dialect.Rebind("UPDATE complaints SET awaiting_role = ? WHERE id = ? AND version = ?"), role, complaintID, version)
	return s.classify(err)
}

// RecordFacts implements casework.Store: timeline entries of facts kesu's
// jobs brought about, with their audit entries, in one transaction. They
// change nothing of the cases, so no version moves.
func (s CaseStore) RecordFacts(ctx context.Context, evs []complaint.Event, actor audit.Actor) error {
	if len(evs) == 0 {
		return nil
	}
	cs := ComplaintStore{s.DB}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		const chunk = 200
		for start := 0; start < len(evs); start += chunk {
			part := evs[start:min(start+chunk, len(evs))]
			args := make([]any, 0, len(part)*8)
			entries := make([]*audit.Entry, len(part))
			for i, e := range part {
				var data string
				if len(e.Data) > 0 {
					data = string(mustJSON(e.Data))
				}
				var actorID sql.NullInt64
				if actor.UserID != 0 {
					actorID = sql.NullInt64{Int64: actor.UserID, Valid: true}
				}
				args = append(args, e.ComplaintID, micros(e.At), actorID, actor.Name, e.Kind, e.Public, e.Body, data)
				entries[i] = &audit.Entry{At: e.At, Actor: actor, Action: "complaint.event." + e.Kind, Object: obj("complaint", e.ComplaintID),
					Detail: mustJSON(e.Data)}
			}
			if _, err := tx.ExecContext(ctx, cs.multiRow("complaint.events.insert", "complaint.events.row", "", len(part)), args...); err != nil {
				return s.refError(fmt.Errorf("record facts: %w", err), "complaint_id")
			}
			if err := s.Dialect.AppendAudit(ctx, tx, s.AuditKey, entries...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Linked implements casework.Store.
func (s CaseStore) Linked(ctx context.Context, from, to int64, kind string) (bool, error) {
	var id, at int64
	err := s.R.QueryRowContext(ctx, s.q("link.exists"), from, to, kind).Scan(&id, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, s.classify(err)
}

// Departments implements casework.Store.
func (s CaseStore) Departments(ctx context.Context) ([]org.Department, error) {
	return s.Registers().ListDepartments(ctx)
}

// UsersWithRoles implements casework.Store.
func (s CaseStore) UsersWithRoles(ctx context.Context, roles []string) ([]org.User, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	in, args := statusList(roles)
	return list(ctx, s.DB, s.Dialect.Rebind("SELECT id, username, name, role, department_id FROM users WHERE NOT disabled AND role IN "+in+" ORDER BY id"),
		args, func(r scanner) (*org.User, error) {
			var u org.User
			var d sql.NullInt64
			err := r.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &d)
			u.DepartmentID = intPtr(d)
			return &u, err
		})
}

// Team implements casework.Store: the department's case workers (agents,
// handlers, quality engineers); managers approve and assign, they are not
// given cases by routing.
func (s CaseStore) Team(ctx context.Context, departmentID int64, open []string) ([]workflow.Candidate, error) {
	for _, roles := range []string{"'agent', 'handler', 'qa_engineer'"} {
		in, sargs := statusList(open)
		query := "SELECT u.id, (SELECT COUNT(*) FROM complaints c WHERE c.holder_id = u.id AND c.status IN " + in + ") " +
			"FROM users u WHERE u.department_id = ? AND NOT u.disabled AND u.role IN (" + roles + ") ORDER BY u.id"
		if len(open) == 0 {
			query = "SELECT u.id, 0 FROM users u WHERE u.department_id = ? AND NOT u.disabled AND u.role IN (" + roles + ") ORDER BY u.id"
			sargs = nil
		}
		team, err := list(ctx, s.DB, s.Dialect.Rebind(query), append(sargs, departmentID), func(r scanner) (*workflow.Candidate, error) {
			var c workflow.Candidate
			err := r.Scan(&c.UserID, &c.Load)
			return &c, err
		})
		if err != nil || len(team) > 0 {
			return team, err
		}
	}
	return nil, nil
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

// Survey implements casework.Store.
func (s CaseStore) Survey(ctx context.Context, tokenHash string) (int64, int64, bool, error) {
	var cid, fid int64
	var used bool
	err := s.R.QueryRowContext(ctx, s.q("case.survey.get"), tokenHash).Scan(&cid, &fid, &used)
	return cid, fid, used, s.classify(err)
}

package casework

import (
	"context"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/money"
	"kesu/internal/org"
	"kesu/internal/sla"
)

// Money on a case (FIN-1, FIN-2): the costed loss, the reward/penalty
// notice and credit notes are written here, through the gate like every
// other change, and never on a finished case.

// Timeline entries and notices of money changes.
const (
	EventLoss            = "loss"
	EventPenalty         = "penalty"
	EventPenaltyApproved = "penalty_approved"
	NoticePenalty        = "case.penalty_to_approve"
)

// RuleMoneyFrozen refuses a money change on a finished case.
const RuleMoneyFrozen = "money_frozen"

// movesMoney reports whether w changes money of the case.
func (w *Write) movesMoney() bool {
	return w.Loss != nil || w.Penalty != nil || w.Credit != nil || w.Return != nil || w.Parts != nil
}

// checkMoney holds the money invariants for every change, at the one
// commit path of a case: no money moves on a finished case, and no credit
// note is issued or signed without the approval of its amount.
func (s *Service) checkMoney(before, r *Record, w *Write) error {
	if w.movesMoney() && s.final(before) {
		return &apperr.Error{Code: apperr.Conflict, Message: "complaint " + before.Number + " is " + before.Status + ": no money moves on a finished case",
			Fields: []apperr.FieldError{{Field: "status", Rule: RuleMoneyFrozen, Param: before.Status}}}
	}
	if n := w.Credit; n != nil && (n.Status == money.CreditIssued || n.Status == money.CreditSigned) && !s.creditApproved(r, n) {
		return &apperr.Error{Code: apperr.Conflict, Message: "credit note " + n.Number + " is not approved",
			Fields: []apperr.FieldError{{Field: "credit_note", Rule: RuleCreditNotApproved}}}
	}
	return nil
}

// Loss returns the costed loss of a case actor may read, or nil.
func (s *Service) Loss(ctx context.Context, complaintID int64, actor Actor) (*money.Loss, error) {
	if _, err := s.Read(ctx, complaintID, actor); err != nil {
		return nil, err
	}
	l, err := s.Store.Loss(ctx, complaintID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	return l, err
}

// SetLoss costs a case's loss by the rule (parts, labour, freight,
// compensation, returns at the configured rates) and records it; version
// is the case version the person saw (0 skips the check).
func (s *Service) SetLoss(ctx context.Context, complaintID int64, version int, in money.LossInput, actor Actor) (*money.Loss, error) {
	if err := versionSeen(version); err != nil {
		return nil, err
	}
	r, err := s.begin(ctx, complaintID, version, actor, auth.CaseDecide, false)
	if err != nil {
		return nil, err
	}
	l, err := money.Cost(in, s.Rates)
	if err != nil {
		return nil, err
	}
	l.ComplaintID, l.UpdatedBy, l.UpdatedAt = r.ComplaintID, &actor.User.ID, s.Now()
	before := cloneRecord(r)
	w := Write{Action: "money.loss", Loss: l, Event: complaint.Event{ComplaintID: r.ComplaintID, At: l.UpdatedAt, Kind: EventLoss,
		Body: l.Note, Data: map[string]any{"currency": l.Currency, "total": l.Total, "parts": l.Parts, "labour": l.Labour,
			"labour_minutes": l.LabourMinutes, "freight": l.Freight, "compensation": l.Compensation, "returns": l.Returns,
			"returned_units": l.ReturnedUnits}}}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	return l, nil
}

// Penalty returns the reward/penalty notice of a case actor may read, or
// nil.
func (s *Service) Penalty(ctx context.Context, complaintID int64, actor Actor) (*money.Penalty, error) {
	if _, err := s.Read(ctx, complaintID, actor); err != nil {
		return nil, err
	}
	p, err := s.Store.Penalty(ctx, complaintID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	return p, err
}

// SetPenalty records the reward/penalty notice 奖罚通知单 of a case. A new
// or changed notice waits for the GM's approval, who is told; a notice
// changed after its approval goes back to approval (the timeline says
// so). Saving the approved lines unchanged keeps the approval.
func (s *Service) SetPenalty(ctx context.Context, complaintID int64, version int, currency string, lines []money.PenaltyLineInput, actor Actor) (*money.Penalty, error) {
	if err := versionSeen(version); err != nil {
		return nil, err
	}
	r, err := s.begin(ctx, complaintID, version, actor, auth.CaseDecide, false)
	if err != nil {
		return nil, err
	}
	next, err := money.NewPenalty(r.ComplaintID, currency, lines)
	if err != nil {
		return nil, err
	}
	old, err := s.Store.Penalty(ctx, r.ComplaintID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if old != nil && old.Digest == next.Digest {
		return old, nil
	}
	p := money.Revise(old, next)
	p.Number, p.UpdatedAt = r.Number, s.Now()
	before := cloneRecord(r)
	data := map[string]any{"currency": p.Currency, "penalties": p.Penalties, "rewards": p.Rewards, "lines": len(p.Lines), "status": p.Status}
	if old != nil && old.Status == money.StatusApproved && p.Status != money.StatusApproved {
		data["returned_to_approval"] = true
	}
	w := Write{Action: "money.penalty", Penalty: p, Event: complaint.Event{ComplaintID: r.ComplaintID, At: p.UpdatedAt, Kind: EventPenalty, Data: data}}
	if p.Status == money.StatusPending {
		gms, err := s.Store.UsersWithRoles(ctx, []string{org.RoleGM})
		if err != nil {
			return nil, err
		}
		cid := r.ComplaintID
		for _, u := range gms {
			if u.ID == actor.User.ID {
				continue
			}
			w.Notices = append(w.Notices, sla.Notice{UserID: u.ID, Kind: NoticePenalty, ComplaintID: &cid,
				Title: "【奖罚待批】" + r.Number,
				Body:  "奖罚通知单：罚 " + money.Format(p.Penalties) + "，奖 " + money.Format(p.Rewards) + " " + p.Currency + "，待总经理审批。",
				Key:   "penalty:" + strconv.FormatInt(cid, 10) + ":" + p.Digest[:16] + ":" + strconv.FormatInt(u.ID, 10)})
		}
	}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	p.Version++
	return p, nil
}

// ApprovePenalty is the GM's approval of a case's reward/penalty notice as
// it stands at the case version the GM saw, which is required: an
// approval is of the notice the GM read. Only the GM approves (002
// 第6篇: 报主管总经理); approving an approved notice is a no-op.
func (s *Service) ApprovePenalty(ctx context.Context, complaintID int64, version int, actor Actor) (*money.Penalty, error) {
	if err := versionSeen(version); err != nil {
		return nil, err
	}
	r, err := s.begin(ctx, complaintID, version, actor, auth.CaseDecide, false)
	if err != nil {
		return nil, err
	}
	if actor.Public || actor.User.Role != org.RoleGM || s.authorize(ctx, actor, r, auth.CaseApprove) != nil {
		return nil, forbidden("actor", "role", org.RoleGM, "only the general manager approves a reward/penalty notice")
	}
	p, err := s.Store.Penalty(ctx, r.ComplaintID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "complaint " + r.Number + " has no reward/penalty notice",
			Fields: []apperr.FieldError{{Field: "penalty", Rule: "required"}}}
	}
	if err != nil {
		return nil, err
	}
	if p.Status == money.StatusApproved {
		return p, nil
	}
	now := s.Now()
	p.Status, p.ApprovedDigest, p.ApprovedBy, p.ApprovedAt, p.UpdatedAt = money.StatusApproved, p.Digest, &actor.User.ID, &now, now
	before := cloneRecord(r)
	w := Write{Action: "money.penalty.approve", Penalty: p, Event: complaint.Event{ComplaintID: r.ComplaintID, At: now, Kind: EventPenaltyApproved,
		Data: map[string]any{"currency": p.Currency, "penalties": p.Penalties, "rewards": p.Rewards}}}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	p.Version++
	return p, nil
}

// Share is one responsible party's part of a case's loss.
type Share struct {
	Responsible
	Amount int64 `json:"amount"` // fen
}

// Money is what a case costs and who carries it.
type Money struct {
	Rates      money.Rates       `json:"rates"`
	Loss       *money.Loss       `json:"loss"`
	Allocation []Share           `json:"allocation"` // the loss by the responsible parties' shares; adds up to the total
	Penalty    *money.Penalty    `json:"penalty"`
	Credit     *money.CreditNote `json:"credit_note"`
}

// MoneyOf returns the loss of a case actor may read, its allocation to the
// responsible parties by their shares and its reward/penalty notice.
func (s *Service) MoneyOf(ctx context.Context, complaintID int64, actor Actor) (*Money, error) {
	l, err := s.Loss(ctx, complaintID, actor)
	if err != nil {
		return nil, err
	}
	m := &Money{Rates: s.Rates, Loss: l, Allocation: []Share{}}
	if m.Penalty, err = s.Penalty(ctx, complaintID, actor); err != nil {
		return nil, err
	}
	if m.Credit, err = s.Credit(ctx, complaintID, actor); err != nil {
		return nil, err
	}
	rs, err := s.Store.Responsible(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	shares := make([]int, len(rs))
	for i, r := range rs {
		shares[i] = r.Share
	}
	var total int64
	if l != nil {
		total = l.Total
	}
	for i, a := range money.Allocate(total, shares) {
		m.Allocation = append(m.Allocation, Share{Responsible: rs[i], Amount: a})
	}
	return m, nil
}

// versionSeen refuses a money change that does not name the case version
// it was made on: on every path, pages as well as the API, a change to a
// case someone changed since is a conflict, not a silent overwrite.
func versionSeen(version int) error {
	if version <= 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "a money change names the case version it was made on",
			Fields: []apperr.FieldError{{Field: "version", Rule: "required"}}}
	}
	return nil
}

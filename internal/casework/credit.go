package casework

import (
	"context"
	"slices"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/money"
	"kesu/internal/workflow"
)

// Credit notes 销货折让证明单 (FIN-1): see package money for the rules.

// Timeline entries of credit notes.
const (
	EventCredit       = "credit_note"
	EventCreditIssued = "credit_note_issued"
	EventCreditSigned = "credit_note_signed"
	EventCreditVoided = "credit_note_voided"
)

// Rule codes of credit note refusals.
const (
	RuleCreditResolution  = "credit_resolution"   // Invalid: the resolution is not a discount or compensation
	RuleCreditNotApproved = "credit_not_approved" // Conflict: the note's amount is not approved
	RuleCreditState       = "credit_state"        // Conflict: not possible in the note's state
)

// creditApproved reports whether r's plan is approved for exactly n's
// amount: the authority chain of the workflow signed it in the current
// round, or someone committed it within their own authority.
func (s *Service) creditApproved(r *Record, n *money.CreditNote) bool {
	return n != nil && n.Amount == r.Amount && n.Currency == r.Currency && slices.Contains(money.CreditResolutions, r.Resolution) &&
		s.Definition(r).PlanApproved(s.View(r))
}

// Credit returns the credit note of a case actor may read, or nil, with
// Approved filled.
func (s *Service) Credit(ctx context.Context, complaintID int64, actor Actor) (*money.CreditNote, error) {
	r, err := s.Read(ctx, complaintID, actor)
	if err != nil {
		return nil, err
	}
	return s.credit(ctx, r)
}

func (s *Service) credit(ctx context.Context, r *Record) (*money.CreditNote, error) {
	n, err := s.Store.Credit(ctx, r.ComplaintID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	n.Approved = n.Status != money.CreditVoid && s.creditApproved(r, n)
	return n, nil
}

// SaveCredit writes the credit note of a case whose resolution is a
// discount or compensation. Its amount becomes the plan's amount: a
// changed amount starts a new approval round (signatures were for another
// amount), and an issued or signed note whose terms change is a draft
// again, to be approved, issued and signed anew.
func (s *Service) SaveCredit(ctx context.Context, complaintID int64, version int, in money.CreditInput, actor Actor) (*money.CreditNote, error) {
	if err := versionSeen(version); err != nil {
		return nil, err
	}
	r, err := s.begin(ctx, complaintID, version, actor, auth.CaseDecide, false)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(money.CreditResolutions, r.Resolution) {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "a credit note settles a discount or compensation",
			Fields: []apperr.FieldError{{Field: "resolution", Rule: RuleCreditResolution, Param: strings.Join(money.CreditResolutions, ",")}}}
	}
	n, err := money.NewCredit(r.ComplaintID, r.Number, in)
	if err != nil {
		return nil, err
	}
	old, err := s.credit(ctx, r)
	if err != nil {
		return nil, err
	}
	before := cloneRecord(r)
	now := s.Now()
	n.UpdatedAt = now
	data := map[string]any{"amount": n.Amount, "currency": n.Currency, "receivables": n.Receivables}
	if old != nil && old.Status != money.CreditVoid {
		n.Version = old.Version
		if money.SameTerms(old, n) {
			// A reworded reason keeps where the note stands.
			n.Status, n.IssuedAt, n.IssuedBy, n.SignedAt, n.SignedHow, n.Signer, n.SignedFile =
				old.Status, old.IssuedAt, old.IssuedBy, old.SignedAt, old.SignedHow, old.Signer, old.SignedFile
		} else if old.Status != money.CreditDraft {
			data["reissue"] = true
		}
	}
	w := Write{Action: "money.credit", Credit: n, Event: complaint.Event{ComplaintID: r.ComplaintID, At: now, Kind: EventCredit, Body: n.Reason, Data: data}}
	if n.Amount != r.Amount || n.Currency != r.Currency {
		r.Amount, r.Currency = n.Amount, n.Currency
		if len(r.Approvers) > 0 || r.PlanCommitted || r.Status == s.Definition(r).ApprovalState() {
			w.NewRound = true
			r.ApprovalRound++
			r.Approvers, r.PlanCommitted = nil, false
			data["approvals_reset"] = true
		}
		w.Clock.Events = append(w.Clock.Events, "decision:amount")
	}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	n.Version++
	n.Approved = s.creditApproved(r, n)
	return n, nil
}

// IssueCredit gives the note to the customer to sign (and its accounting
// copy to finance): only when its amount is approved by the authority
// chain, or lies within the issuer's own authority — which then commits
// the plan like a promise on the spot. Beyond it the note is refused
// until the chain approves it. version, the case version the issuer saw,
// is required.
func (s *Service) IssueCredit(ctx context.Context, complaintID int64, version int, actor Actor) (*money.CreditNote, error) {
	if version <= 0 {
		// Issuing may promise the amount on the spot: it is of the note
		// the issuer read.
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "issuing names the case version the note was read at",
			Fields: []apperr.FieldError{{Field: "version", Rule: "required"}}}
	}
	r, err := s.begin(ctx, complaintID, version, actor, auth.CaseDecide, false)
	if err != nil {
		return nil, err
	}
	n, err := s.credit(ctx, r)
	if err != nil {
		return nil, err
	}
	if n == nil || n.Status != money.CreditDraft {
		return nil, creditState(n)
	}
	before := cloneRecord(r)
	now := s.Now()
	w := Write{Action: "money.credit.issue", Event: complaint.Event{ComplaintID: r.ComplaintID, At: now, Kind: EventCreditIssued,
		Data: map[string]any{"amount": n.Amount, "currency": n.Currency}}}
	if !n.Approved {
		def := s.Definition(r)
		if n.Amount != r.Amount || n.Currency != r.Currency ||
			!workflow.CanCommit(&def.Approval, actor.User.Role, workflow.Money{Amount: workflow.Amount(n.Amount), Currency: n.Currency}) {
			return nil, &apperr.Error{Code: apperr.Forbidden, Message: "credit note " + n.Number + " is beyond your authority and not approved yet",
				Fields: []apperr.FieldError{{Field: "amount", Rule: RuleCreditNotApproved}}}
		}
		// Within the issuer's own authority: committed like a promise.
		w.Approvals = append(w.Approvals, Approval{ComplaintID: r.ComplaintID, Round: r.ApprovalRound, LevelRole: actor.User.Role,
			ApproverID: actor.User.ID, Decision: "committed", Amount: r.Amount, Currency: r.Currency, At: now})
		r.PlanCommitted = true
		w.Event.Data["committed"] = true
	}
	n.Status, n.IssuedAt, n.IssuedBy, n.UpdatedAt = money.CreditIssued, &now, &actor.User.ID, now
	w.Credit = n
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	n.Version++
	n.Approved = true
	return n, nil
}

func creditState(n *money.CreditNote) error {
	st := "none"
	if n != nil {
		st = n.Status
	}
	return &apperr.Error{Code: apperr.Conflict, Message: "the credit note is " + st,
		Fields: []apperr.FieldError{{Field: "credit_note", Rule: RuleCreditState, Param: st}}}
}

// SignCredit records the customer's signature of an issued, approved
// note: staff filing the signed copy (how "upload", file the attachment),
// or the complainant signing on the tracking page (how "online", signer
// their name).
func (s *Service) SignCredit(ctx context.Context, complaintID int64, how, signer string, file *int64, actor Actor) (*money.CreditNote, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, err
	}
	n, err := s.credit(ctx, r)
	if err != nil {
		return nil, err
	}
	if n == nil || n.Status != money.CreditIssued {
		return nil, creditState(n)
	}
	if !n.Approved {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: "credit note " + n.Number + " is not approved",
			Fields: []apperr.FieldError{{Field: "credit_note", Rule: RuleCreditNotApproved}}}
	}
	var v apperr.Validation
	signer = strings.TrimSpace(signer)
	switch {
	case actor.Public:
		how = "online"
		if v.Required("signer", signer) {
			v.Text("signer", signer, 100)
		}
	case how == "upload":
		if file == nil {
			v.Add("attachment_id", "required", "")
		} else if a, err := s.attachment(ctx, r.ComplaintID, *file); err != nil || a == nil {
			v.Add("attachment_id", "not_found", "")
		}
		v.Text("signer", signer, 100)
	default:
		v.OneOf("how", how, []string{"upload"})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	before := cloneRecord(r)
	now := s.Now()
	n.Status, n.SignedAt, n.SignedHow, n.Signer, n.SignedFile, n.UpdatedAt = money.CreditSigned, &now, how, signer, file, now
	w := Write{Action: "money.credit.sign", Credit: n, Event: complaint.Event{ComplaintID: r.ComplaintID, At: now, Kind: EventCreditSigned,
		Public: actor.Public, Data: map[string]any{"how": how, "signer": signer}}}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, err
	}
	n.Version++
	return n, nil
}

// attachment finds attachment id of complaint complaintID.
func (s *Service) attachment(ctx context.Context, complaintID, id int64) (*complaint.Attachment, error) {
	if s.Attachments == nil {
		return nil, nil
	}
	as, err := s.Attachments(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	for i := range as {
		if as[i].ID == id {
			return &as[i], nil
		}
	}
	return nil, nil
}

// voidCredit is the change that voids a standing note when the complaint
// is found not established: its receivables are due on their normal terms
// again (003 第九条(十三)).
func (s *Service) voidCredit(ctx context.Context, r *Record, w *Write) error {
	n, err := s.credit(ctx, r)
	if err != nil || !n.Standing() {
		return err
	}
	now := s.Now()
	n.Status, n.VoidedAt, n.VoidReason, n.UpdatedAt = money.CreditVoid, &now, "not_established", now
	w.Credit = n
	w.Event.Data["credit_voided"] = n.Number
	return nil
}

package desk

import (
	"context"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
)

// Swap states: the requester asks, the partner agrees, the department
// manager approves (003 七、换班制度: both parties agree, fill in the swap
// form, the manager signs).
const (
	SwapRequested = "requested"
	SwapAgreed    = "agreed"
	SwapApproved  = "approved"
	SwapRefused   = "refused"
	SwapCancelled = "cancelled"
)

// MaxSwapsPerMonth is how many swaps one person may take part in per month
// (每人每月换班不得超过3次).
const MaxSwapsPerMonth = 3

// Swap rule codes: each refusal names its rule in the field error.
const (
	RuleSwapMonthlyLimit = "swap_monthly_limit" // more than 3 in a month
	RuleSwapConsecutive  = "swap_consecutive"   // 不允许连续换班: swaps on adjacent days, or swapping a swapped shift
	RuleSwapDoubleShift  = "swap_double_shift"  // 换班者、还班者不允许连班: the swap would chain two shifts
	RuleSwapHoliday      = "swap_holiday"       // 节假日当班人员不允许换班
	RuleSwapNotAgreed    = "swap_not_agreed"    // the partner has not agreed
	RuleSwapNotPartner   = "swap_not_partner"   // only the named partner agrees
	RuleSwapSelfApproval = "swap_self_approval" // a party does not approve their own swap
	RuleSwapNotManager   = "swap_not_manager"   // only a desk manager approves
	RuleSwapNotYourShift = "swap_not_your_shift"
	RuleSwapSamePerson   = "swap_same_person"
	RuleSwapState        = "swap_state" // the swap is not in the state the step needs
	RuleSwapPast         = "swap_past"  // the shift has begun
)

// Swap is a shift swap and its pay-back 还班: the requester's slot goes to
// the partner, and the partner's pay-back slot to the requester. Both are
// recorded on the roster when the manager approves.
type Swap struct {
	ID            int64      `json:"id"`
	RequesterID   int64      `json:"requester_id"`
	PartnerID     int64      `json:"partner_id"`
	SlotID        int64      `json:"slot_id"`         // the requester's shift the partner takes
	PaybackSlotID int64      `json:"payback_slot_id"` // the partner's shift the requester works in return
	Day           string     `json:"day"`
	PaybackDay    string     `json:"payback_day"`
	Reason        string     `json:"reason"`
	Status        string     `json:"status"`
	RequestedAt   time.Time  `json:"requested_at"`
	AgreedAt      *time.Time `json:"agreed_at,omitempty"`
	DecidedBy     *int64     `json:"decided_by,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	Note          string     `json:"note,omitempty"`
}

// SwapStore persists swaps.
type SwapStore interface {
	CreateSwap(ctx context.Context, sw *Swap, actor audit.Actor) error
	Swap(ctx context.Context, id int64) (*Swap, error)
	// SetSwapStatus moves a swap from status from to sw.Status with its
	// times; a swap no longer in from is a conflict. Approval also gives
	// the slot to the partner and the pay-back slot to the requester.
	SetSwapStatus(ctx context.Context, sw *Swap, from string, actor audit.Actor) error
	// Swaps lists the swaps that userID is a party to with a day or
	// pay-back day in [fromDay, toDay], or every swap of the period when
	// userID is 0, by day.
	Swaps(ctx context.Context, userID int64, fromDay, toDay string) ([]Swap, error)
}

// RequestSwap records a swap request: the requester gives slotID to
// partnerID and works the partner's paybackSlotID in return. Every rule
// of 003 that can be checked now is checked; each refusal names its rule.
func (s *Service) RequestSwap(ctx context.Context, slotID, paybackSlotID, partnerID int64, reason string, actor Actor) (*Swap, error) {
	reason = strings.TrimSpace(reason)
	var v apperr.Validation
	if slotID <= 0 {
		v.Add("slot_id", "required", "")
	}
	if paybackSlotID <= 0 {
		v.Add("payback_slot_id", "required", "")
	}
	if partnerID <= 0 {
		v.Add("partner_id", "required", "")
	}
	if v.Required("reason", reason) {
		v.Text("reason", reason, 500)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sw := &Swap{RequesterID: userID(actor), PartnerID: partnerID, SlotID: slotID, PaybackSlotID: paybackSlotID, Reason: reason,
		Status: SwapRequested, RequestedAt: s.now()}
	if sw.RequesterID == partnerID {
		return nil, refuse("partner_id", RuleSwapSamePerson, "", "a swap needs another person")
	}
	if err := s.checkSwap(ctx, sw); err != nil {
		return nil, err
	}
	if err := s.Store.CreateSwap(ctx, sw, actor.Audit); err != nil {
		return nil, err
	}
	return sw, nil
}

// checkSwap applies the rules of 003 七 to a swap not yet approved.
func (s *Service) checkSwap(ctx context.Context, sw *Swap) error {
	slot, err := s.Store.Slot(ctx, sw.SlotID)
	if err != nil {
		return err
	}
	back, err := s.Store.Slot(ctx, sw.PaybackSlotID)
	if err != nil {
		return err
	}
	if slot.UserID != sw.RequesterID {
		return refuse("slot_id", RuleSwapNotYourShift, "", "the shift given away is not the requester's")
	}
	if back.UserID != sw.PartnerID {
		return refuse("payback_slot_id", RuleSwapNotYourShift, "", "the pay-back shift is not the partner's")
	}
	now := s.now()
	if !slot.StartsAt.After(now) {
		return refuse("slot_id", RuleSwapPast, "", "the shift has already begun")
	}
	if !back.StartsAt.After(now) {
		return refuse("payback_slot_id", RuleSwapPast, "", "the pay-back shift has already begun")
	}
	sw.Day, sw.PaybackDay = slot.Day, back.Day
	// 节假日当班人员不允许换班或请假.
	for _, c := range []struct{ field, day string }{{"slot_id", slot.Day}, {"payback_slot_id", back.Day}} {
		if name, ok := s.holiday(c.day); ok {
			return refuse(c.field, RuleSwapHoliday, c.day+" "+name, "no swaps on a public holiday ("+c.day+" "+name+")")
		}
	}
	// 不允许连续换班: a shift that came by a swap is not swapped again.
	if slot.SwapID != nil {
		return refuse("slot_id", RuleSwapConsecutive, "", "this shift came by a swap and cannot be swapped again")
	}
	if back.SwapID != nil {
		return refuse("payback_slot_id", RuleSwapConsecutive, "", "the pay-back shift came by a swap and cannot be swapped again")
	}
	for _, p := range []struct {
		field string
		user  int64
	}{{"requester_id", sw.RequesterID}, {"partner_id", sw.PartnerID}} {
		if err := s.checkParty(ctx, sw, p.field, p.user); err != nil {
			return err
		}
	}
	// 换班者、还班者不允许连班: the partner takes slot, the requester
	// takes back; neither may end up on two shifts in a row.
	if err := s.checkChain(ctx, "slot_id", sw.PartnerID, slot, back.ID); err != nil {
		return err
	}
	return s.checkChain(ctx, "payback_slot_id", sw.RequesterID, back, slot.ID)
}

// checkParty applies the monthly limit and the no-back-to-back rule to one
// party of sw.
func (s *Service) checkParty(ctx context.Context, sw *Swap, field string, user int64) error {
	days := []string{sw.Day}
	if sw.PaybackDay != sw.Day {
		days = append(days, sw.PaybackDay)
	}
	for _, day := range days {
		d, _ := time.Parse("2006-01-02", day)
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		last := first.AddDate(0, 1, -1)
		prev, next := d.AddDate(0, 0, -1).Format("2006-01-02"), d.AddDate(0, 0, 1).Format("2006-01-02")
		from, to := min(first.Format("2006-01-02"), prev), max(last.Format("2006-01-02"), next)
		live, err := s.Store.Swaps(ctx, user, from, to)
		if err != nil {
			return err
		}
		month := day[:7]
		n := 0
		for _, o := range live {
			if o.ID == sw.ID || o.Status == SwapRefused || o.Status == SwapCancelled {
				continue
			}
			if o.Day[:7] == month || o.PaybackDay[:7] == month {
				n++
			}
			for _, od := range []string{o.Day, o.PaybackDay} {
				if od == prev || od == next {
					return refuse(field, RuleSwapConsecutive, od,
						"no back-to-back swaps: user "+strconv.FormatInt(user, 10)+" already has a swap on "+od)
				}
			}
		}
		if n >= MaxSwapsPerMonth {
			return refuse(field, RuleSwapMonthlyLimit, strconv.Itoa(MaxSwapsPerMonth),
				"at most 3 swaps per person per month: user "+strconv.FormatInt(user, 10)+" has "+strconv.Itoa(n)+" in "+month)
		}
	}
	return nil
}

// checkChain refuses giving slot to user when user works another shift
// that ends when it starts or starts when it ends (or overlaps it); the
// slot user gives away in the same swap (except) does not count.
func (s *Service) checkChain(ctx context.Context, field string, user int64, slot *Slot, except int64) error {
	own, err := s.Store.UserSlots(ctx, user, slot.StartsAt.Add(-24*time.Hour), slot.EndsAt.Add(24*time.Hour))
	if err != nil {
		return err
	}
	for _, o := range own {
		if o.ID == except || o.ID == slot.ID {
			continue
		}
		if !o.StartsAt.After(slot.EndsAt) && !o.EndsAt.Before(slot.StartsAt) {
			return refuse(field, RuleSwapDoubleShift, o.Day+" "+o.ShiftCode,
				"the swap would put user "+strconv.FormatInt(user, 10)+" on two shifts in a row ("+o.Day+" "+o.ShiftCode+")")
		}
	}
	return nil
}

// AgreeSwap is the partner's agreement. Only the named partner agrees.
func (s *Service) AgreeSwap(ctx context.Context, id int64, actor Actor) (*Swap, error) {
	sw, err := s.Store.Swap(ctx, id)
	if err != nil {
		return nil, err
	}
	if userID(actor) != sw.PartnerID {
		return nil, refuse("user", RuleSwapNotPartner, "", "only the partner named in the swap agrees to it")
	}
	if sw.Status != SwapRequested {
		return nil, refuse("status", RuleSwapState, sw.Status, "the swap is "+sw.Status+", not awaiting the partner")
	}
	now := s.now()
	sw.Status, sw.AgreedAt = SwapAgreed, &now
	if err := s.Store.SetSwapStatus(ctx, sw, SwapRequested, actor.Audit); err != nil {
		return nil, err
	}
	return sw, nil
}

// DecideSwap is the manager's approval or refusal. Approval needs the
// partner's agreement first, is never given by a party to the swap, and
// checks every rule again (another swap may have been approved since).
func (s *Service) DecideSwap(ctx context.Context, id int64, approve bool, note string, actor Actor) (*Swap, error) {
	sw, err := s.Store.Swap(ctx, id)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	var v apperr.Validation
	v.Text("note", note, 500)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !manages(actor) {
		return nil, refuse("user", RuleSwapNotManager, "", "only the department manager approves a swap")
	}
	me := userID(actor)
	if me == sw.RequesterID || me == sw.PartnerID {
		return nil, refuse("user", RuleSwapSelfApproval, "", "a party to a swap does not approve it")
	}
	from := sw.Status
	switch {
	case approve && sw.Status == SwapRequested:
		return nil, refuse("status", RuleSwapNotAgreed, "", "the partner has not agreed to the swap yet")
	case sw.Status != SwapAgreed && !(sw.Status == SwapRequested && !approve):
		return nil, refuse("status", RuleSwapState, sw.Status, "the swap is "+sw.Status+" and cannot be decided")
	}
	if approve {
		if err := s.checkSwap(ctx, sw); err != nil {
			return nil, err
		}
	}
	now := s.now()
	sw.Status, sw.DecidedBy, sw.DecidedAt, sw.Note = SwapRefused, &me, &now, note
	if approve {
		sw.Status = SwapApproved
	}
	if err := s.Store.SetSwapStatus(ctx, sw, from, actor.Audit); err != nil {
		return nil, err
	}
	return sw, nil
}

// CancelSwap withdraws a swap not yet decided; a party does it.
func (s *Service) CancelSwap(ctx context.Context, id int64, actor Actor) (*Swap, error) {
	sw, err := s.Store.Swap(ctx, id)
	if err != nil {
		return nil, err
	}
	me := userID(actor)
	if me != sw.RequesterID && me != sw.PartnerID {
		return nil, refuse("user", RuleSwapNotPartner, "", "only a party to the swap withdraws it")
	}
	if sw.Status != SwapRequested && sw.Status != SwapAgreed {
		return nil, refuse("status", RuleSwapState, sw.Status, "the swap is "+sw.Status+" and cannot be withdrawn")
	}
	from := sw.Status
	now := s.now()
	sw.Status, sw.DecidedBy, sw.DecidedAt = SwapCancelled, &me, &now
	if err := s.Store.SetSwapStatus(ctx, sw, from, actor.Audit); err != nil {
		return nil, err
	}
	return sw, nil
}

// Swap returns a swap.
func (s *Service) Swap(ctx context.Context, id int64) (*Swap, error) { return s.Store.Swap(ctx, id) }

// Swaps lists the swaps of month (YYYY-MM).
func (s *Service) Swaps(ctx context.Context, month string) ([]Swap, error) {
	first, err := time.Parse("2006-01", month)
	if err != nil {
		return nil, invalid("month", "invalid_month")
	}
	return s.Store.Swaps(ctx, 0, first.Format("2006-01-02"), first.AddDate(0, 1, -1).Format("2006-01-02"))
}

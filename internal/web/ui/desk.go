package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/desk"
	"kesu/internal/org"
	"kesu/internal/web"
)

// deskView is the service desk page 值班台: the on-duty board, the month's
// roster, its swaps and the handover log (OPS-1…OPS-3).
type deskView struct {
	Month        string
	Departments  []org.Department
	Department   int64
	Board        *desk.Board
	Days         []rosterDay
	Shifts       []desk.Shift
	Swaps        []swapRow
	Handovers    []handoverRow
	Users        []org.User
	MySlots      []desk.Slot // the signed-in user's coming shifts, to offer for a swap
	OtherSlots   []desk.Slot // everyone else's coming shifts, as pay-back
	Me           int64
	Manage, Work bool
	PrevMonth    string
	NextMonth    string
}

type rosterDay struct {
	Day     string
	Holiday bool
	Slots   []desk.Slot
}

type swapRow struct {
	desk.Swap
	Requester, Partner, DecidedByName string
	CanAgree, CanDecide, CanCancel    bool
}

type handoverRow struct {
	desk.Handover
	Numbers []string
	CanAck  bool
}

// deskShow renders the desk page for ?month=YYYY-MM&department_id=.
func (h *handler) deskShow(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.desk")
	if m := r.URL.Query().Get("done"); m != "" {
		p.Flash = web.T(p.L, "ui.desk.done."+m)
	}
	h.showDesk(w, r, p, http.StatusOK)
}

func (h *handler) showDesk(w http.ResponseWriter, r *http.Request, p *page, status int) {
	ctx := r.Context()
	svc := h.d.Desk
	loc := svc.Location()
	now := svc.Clock().In(loc)
	month := r.URL.Query().Get("month")
	if _, err := time.Parse("2006-01", month); err != nil {
		month = now.Format("2006-01")
	}
	first, _ := time.ParseInLocation("2006-01", month, loc)
	v := &deskView{Month: month, PrevMonth: first.AddDate(0, -1, 0).Format("2006-01"), NextMonth: first.AddDate(0, 1, 0).Format("2006-01")}
	if s := r.URL.Query().Get("department_id"); s != "" {
		v.Department, _ = strconv.ParseInt(s, 10, 64)
	}
	var err error
	if v.Departments, err = h.d.Org.ListDepartments(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Department == 0 {
		for _, d := range v.Departments {
			if d.Code == "cs" {
				v.Department = d.ID
			}
		}
	}
	users, who, err := h.userNames(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Users = users
	if v.Board, err = svc.Board(ctx, v.Department); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Shifts, err = svc.Shifts(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	slots, err := svc.Month(ctx, v.Department, month)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if p.User != nil {
		v.Me = p.User.ID
		v.Manage, v.Work = canDo(p.User.Role, "desk.manage"), canDo(p.User.Role, "desk.work")
	}
	byDay := map[string][]desk.Slot{}
	for _, sl := range slots {
		byDay[sl.Day] = append(byDay[sl.Day], sl)
		if sl.StartsAt.After(now) && sl.SwapID == nil {
			if sl.UserID == v.Me {
				v.MySlots = append(v.MySlots, sl)
			} else {
				v.OtherSlots = append(v.OtherSlots, sl)
			}
		}
	}
	holidays := svc.Holidays(month)
	for d := first; d.Format("2006-01") == month; d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		v.Days = append(v.Days, rosterDay{Day: day, Holiday: holidays[day], Slots: byDay[day]})
	}
	swaps, err := svc.Swaps(ctx, month)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, s := range swaps {
		open := s.Status == desk.SwapRequested || s.Status == desk.SwapAgreed
		party := v.Me == s.RequesterID || v.Me == s.PartnerID
		v.Swaps = append(v.Swaps, swapRow{Swap: s, Requester: who.of(&s.RequesterID), Partner: who.of(&s.PartnerID), DecidedByName: who.of(s.DecidedBy),
			CanAgree: v.Work && s.Status == desk.SwapRequested && v.Me == s.PartnerID, CanCancel: v.Work && open && party,
			CanDecide: v.Manage && open && !party})
	}
	hs, err := svc.Handovers(ctx, v.Department, 20)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, ho := range hs {
		row := handoverRow{Handover: ho, CanAck: v.Work && ho.AckAt == nil && ho.FromUserID != v.Me}
		for _, id := range ho.ComplaintIDs {
			if c, err := h.d.ComplaintStore.Get(ctx, id); err == nil {
				row.Numbers = append(row.Numbers, c.Number)
			}
		}
		v.Handovers = append(v.Handovers, row)
	}
	p.Nav, p.D = "desk", v
	h.render(w, status, "staff", "desk", p)
}

// deskPost takes the desk page's forms: {form} names the step.
func (h *handler) deskPost(w http.ResponseWriter, r *http.Request) {
	ctx, actor, f := r.Context(), caseActor(r), r.PostForm
	svc := h.d.Desk
	form := r.PathValue("form")
	num := func(name string) int64 { n, _ := strconv.ParseInt(strings.TrimSpace(f.Get(name)), 10, 64); return n }
	var err error
	switch form {
	case "shift":
		minutes, _ := strconv.Atoi(f.Get("minutes"))
		err = svc.CreateShift(ctx, &desk.Shift{Code: f.Get("code"), Name: f.Get("name"), Start: f.Get("start"), Minutes: minutes}, actor)
	case "roster":
		var entries []desk.RosterEntry
		for _, u := range f["user_id"] {
			id, _ := strconv.ParseInt(u, 10, 64)
			entries = append(entries, desk.RosterEntry{Day: f.Get("day"), Shift: f.Get("shift"), UserID: id, DutyManager: f.Get("duty_manager") != ""})
		}
		_, err = svc.AddToRoster(ctx, num("department_id"), entries, actor)
	case "remove":
		err = svc.RemoveSlot(ctx, num("slot_id"), actor)
	case "swap":
		var back *desk.Slot
		if back, err = svc.Store.Slot(ctx, num("payback_slot_id")); err == nil {
			_, err = svc.RequestSwap(ctx, num("slot_id"), back.ID, back.UserID, f.Get("reason"), actor)
		} else if apperr.Is(err, apperr.NotFound) {
			err = &apperr.Error{Code: apperr.Invalid, Message: "pay-back shift required", Fields: []apperr.FieldError{{Field: "payback_slot_id", Rule: "required"}}}
		}
	case "agree":
		_, err = svc.AgreeSwap(ctx, num("swap_id"), actor)
	case "cancel":
		_, err = svc.CancelSwap(ctx, num("swap_id"), actor)
	case "approve", "refuse":
		_, err = svc.DecideSwap(ctx, num("swap_id"), form == "approve", f.Get("note"), actor)
	case "handover":
		ho := &desk.Handover{DepartmentID: num("department_id"), Equipment: f.Get("equipment"), Issues: f.Get("issues"), Staffing: f.Get("staffing")}
		for _, n := range strings.FieldsFunc(f.Get("complaints"), func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\r' }) {
			c, gerr := h.d.ComplaintStore.GetByNumber(ctx, n)
			if gerr != nil {
				err = &apperr.Error{Code: apperr.Invalid, Message: "unknown complaint", Fields: []apperr.FieldError{{Field: "complaints", Rule: "not_found", Param: n}}}
				break
			}
			ho.ComplaintIDs = append(ho.ComplaintIDs, c.ID)
		}
		if err == nil {
			err = svc.WriteHandover(ctx, ho, actor)
		}
	case "ack":
		_, err = svc.AckHandover(ctx, num("handover_id"), actor)
	default:
		h.fail(w, r, apperr.New(apperr.NotFound, "no form %s", form))
		return
	}
	back := "/desk?month=" + f.Get("month") + "&department_id=" + f.Get("department_id")
	if err != nil {
		p := h.newPage(r, "ui.desk")
		p.F = f
		deskError(p, err)
		r.URL.RawQuery = "month=" + f.Get("month") + "&department_id=" + f.Get("department_id")
		h.showDesk(w, r, p, web.Status(apperr.CodeOf(err)))
		return
	}
	http.Redirect(w, r, back+"&done="+form, http.StatusSeeOther)
}

// deskError puts a refusal on the page: the rule it names is the message
// (每人每月换班不得超过3次 …), each field marked.
func deskError(p *page, err error) {
	p.Error = web.Localize(err, p.L).Error.Message
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Fields) > 0 {
		p.Error = web.FieldText(p.L, ae.Fields[0])
		for _, f := range ae.Fields {
			p.Errs[f.Field] = web.T(p.L, "rule."+f.Rule, f.Param)
		}
	}
}

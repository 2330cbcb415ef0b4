package desk

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/sla"
)

// Shift is a shift pattern: a named stretch of the day, such as the early
// shift 早班 08:00 for 8 hours. A shift may run past midnight.
type Shift struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Start   string `json:"start"`   // HH:MM, local time
	Minutes int    `json:"minutes"` // length
}

// Slot is one person on one shift of one day of a team's roster.
type Slot struct {
	ID           int64     `json:"id"`
	DepartmentID int64     `json:"department_id"`
	Day          string    `json:"day"` // YYYY-MM-DD the shift starts on
	ShiftID      int64     `json:"shift_id"`
	ShiftCode    string    `json:"shift_code,omitempty"`
	ShiftName    string    `json:"shift_name,omitempty"`
	UserID       int64     `json:"user_id"`
	UserName     string    `json:"user_name,omitempty"`
	DutyManager  bool      `json:"duty_manager"` // 值班经理 of the shift
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	SwapID       *int64    `json:"swap_id,omitempty"` // the approved swap that put this person here
}

// RosterStore persists shifts and rosters.
type RosterStore interface {
	CreateShift(ctx context.Context, sh *Shift, actor audit.Actor) error
	Shifts(ctx context.Context) ([]Shift, error)
	// AddSlots stores slots; a person twice on one shift of a day is a
	// conflict.
	AddSlots(ctx context.Context, slots []Slot, actor audit.Actor) error
	// RemoveSlot deletes a slot that no swap refers to.
	RemoveSlot(ctx context.Context, id int64, actor audit.Actor) error
	Slot(ctx context.Context, id int64) (*Slot, error)
	// Slots lists a team's slots on days from..to (inclusive), or every
	// team's when departmentID is 0, by start.
	Slots(ctx context.Context, departmentID int64, from, to string) ([]Slot, error)
	// UserSlots lists a person's slots starting in [from, to).
	UserSlots(ctx context.Context, userID int64, from, to time.Time) ([]Slot, error)
	// OnDuty lists the slots running at t, of one team or of all (0).
	OnDuty(ctx context.Context, departmentID int64, t time.Time) ([]Slot, error)
}

var hhmm = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)

// CreateShift adds a shift pattern.
func (s *Service) CreateShift(ctx context.Context, sh *Shift, actor Actor) error {
	if !manages(actor) {
		return forbidden("desk_manage", "only a desk manager sets shift patterns")
	}
	sh.Code, sh.Name, sh.Start = strings.TrimSpace(sh.Code), strings.TrimSpace(sh.Name), strings.TrimSpace(sh.Start)
	var v apperr.Validation
	if v.Required("code", sh.Code) {
		v.Code("code", sh.Code, 32)
	}
	if v.Required("name", sh.Name) {
		v.Text("name", sh.Name, 64)
	}
	if v.Required("start", sh.Start) && !hhmm.MatchString(sh.Start) {
		v.Add("start", "invalid_time", "HH:MM")
	}
	if sh.Minutes < 30 || sh.Minutes > 24*60 {
		v.Add("minutes", "out_of_range", "30-1440")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.CreateShift(ctx, sh, actor.Audit)
}

// Shifts lists the shift patterns.
func (s *Service) Shifts(ctx context.Context) ([]Shift, error) { return s.Store.Shifts(ctx) }

// span is when a shift runs on day.
func (s *Service) span(sh Shift, day string) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02 15:04", day+" "+sh.Start, s.loc())
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return d, d.Add(time.Duration(sh.Minutes) * time.Minute), nil
}

// RosterEntry is one line of a roster being planned: who works which
// shift on which day.
type RosterEntry struct {
	Day         string `json:"day"`
	Shift       string `json:"shift"` // shift code
	UserID      int64  `json:"user_id"`
	DutyManager bool   `json:"duty_manager"`
}

// AddToRoster puts people on shifts of a team's roster. Days are calendar
// days of the business calendar's zone; each entry is checked, and one bad
// entry writes nothing.
func (s *Service) AddToRoster(ctx context.Context, departmentID int64, entries []RosterEntry, actor Actor) ([]Slot, error) {
	if !manages(actor) {
		return nil, forbidden("desk_manage", "only a desk manager plans the roster")
	}
	shifts, err := s.Store.Shifts(ctx)
	if err != nil {
		return nil, err
	}
	byCode := map[string]Shift{}
	for _, sh := range shifts {
		byCode[sh.Code] = sh
	}
	var v apperr.Validation
	if departmentID <= 0 {
		v.Add("department_id", "required", "")
	}
	if len(entries) == 0 {
		v.Add("entries", "required", "")
	}
	if len(entries) > 2000 {
		v.Add("entries", "too_many", "2000")
	}
	slots := make([]Slot, 0, len(entries))
	for i, e := range entries {
		f := fmt.Sprintf("entries[%d].", i)
		sh, ok := byCode[e.Shift]
		if !ok {
			v.Add(f+"shift", "not_found", "")
		}
		if _, err := time.Parse("2006-01-02", e.Day); err != nil {
			v.Add(f+"day", "invalid_date", "")
			continue
		}
		if e.UserID <= 0 {
			v.Add(f+"user_id", "required", "")
		}
		if !ok {
			continue
		}
		from, to, err := s.span(sh, e.Day)
		if err != nil {
			return nil, err
		}
		slots = append(slots, Slot{DepartmentID: departmentID, Day: e.Day, ShiftID: sh.ID, ShiftCode: sh.Code, UserID: e.UserID,
			DutyManager: e.DutyManager, StartsAt: from, EndsAt: to})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.Store.AddSlots(ctx, slots, actor.Audit); err != nil {
		return nil, err
	}
	return slots, nil
}

// RemoveSlot takes a slot off the roster.
func (s *Service) RemoveSlot(ctx context.Context, id int64, actor Actor) error {
	if !manages(actor) {
		return forbidden("desk_manage", "only a desk manager plans the roster")
	}
	return s.Store.RemoveSlot(ctx, id, actor.Audit)
}

// Month returns a team's roster of month (YYYY-MM), or every team's when
// departmentID is 0.
func (s *Service) Month(ctx context.Context, departmentID int64, month string) ([]Slot, error) {
	first, err := time.Parse("2006-01", month)
	if err != nil {
		return nil, invalid("month", "invalid_month")
	}
	last := first.AddDate(0, 1, -1)
	return s.Store.Slots(ctx, departmentID, first.Format("2006-01-02"), last.Format("2006-01-02"))
}

// Board is who is on duty at a moment: the people on shift and the duty
// managers among them.
type Board struct {
	At           time.Time `json:"at"`
	OnDuty       []Slot    `json:"on_duty"`
	DutyManagers []Slot    `json:"duty_managers"`
}

// Board returns the on-duty board at the service's now, of one team or of
// all (0).
func (s *Service) Board(ctx context.Context, departmentID int64) (*Board, error) {
	now := s.now()
	slots, err := s.Store.OnDuty(ctx, departmentID, now)
	if err != nil {
		return nil, err
	}
	b := &Board{At: now, OnDuty: slots, DutyManagers: []Slot{}}
	for _, sl := range slots {
		if sl.DutyManager {
			b.DutyManagers = append(b.DutyManagers, sl)
		}
	}
	return b, nil
}

// DutyManagers returns the users rostered as duty manager at t: those of
// departmentID's roster when it has one on now, else those of any team.
// Empty when no roster covers t; callers then fall back to the
// department's manager.
func (s *Service) DutyManagers(ctx context.Context, departmentID int64, t time.Time) ([]int64, error) {
	slots, err := s.Store.OnDuty(ctx, 0, t)
	if err != nil {
		return nil, err
	}
	var own, any []int64
	for _, sl := range slots {
		if !sl.DutyManager {
			continue
		}
		any = append(any, sl.UserID)
		if sl.DepartmentID == departmentID {
			own = append(own, sl.UserID)
		}
	}
	if len(own) > 0 {
		return own, nil
	}
	return any, nil
}

// OnShift returns who is on shift at t in a team: routing picks among
// them when there are any.
func (s *Service) OnShift(ctx context.Context, departmentID int64, t time.Time) ([]int64, error) {
	slots, err := s.Store.OnDuty(ctx, departmentID, t)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(slots))
	for _, sl := range slots {
		out = append(out, sl.UserID)
	}
	return out, nil
}

// holiday names the statutory holiday day falls in, per the business
// calendar in force.
func (s *Service) holiday(day string) (string, bool) {
	if s.Calendar == nil {
		return "", false
	}
	cal := s.Calendar()
	if cal == nil {
		return "", false
	}
	d, err := sla.ParseDate(day)
	if err != nil {
		return "", false
	}
	y, err := cal.Year(d.Year)
	if err != nil {
		return "", false
	}
	for _, h := range y.Holidays {
		for _, off := range h.Off {
			if off == d {
				return h.Name, true
			}
		}
	}
	return "", false
}

// Holidays returns the public holidays of month (YYYY-MM) as a set of
// days, for marking them on the roster.
func (s *Service) Holidays(month string) map[string]bool {
	out := map[string]bool{}
	first, err := time.Parse("2006-01", month)
	if err != nil {
		return out
	}
	for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		if _, ok := s.holiday(day); ok {
			out[day] = true
		}
	}
	return out
}

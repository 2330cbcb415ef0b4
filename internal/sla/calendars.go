package sla

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/reload"
)

// Origin tells where the effective calendar takes a year from.
type Origin string

// Origins of a year, in the order they win: an administrator's data over
// the shipped file over the computed provisional year.
const (
	OriginImported Origin = "imported" // an administrator imported a file
	OriginEdited   Origin = "edited"   // an administrator added or removed days
	OriginShipped  Origin = "shipped"  // holidays/YYYY.json embedded in kesu
	OriginComputed Origin = "computed" // provisional, from the statutory days
)

// StoredYear is a year an administrator imported or edited, as the
// database keeps it.
type StoredYear struct {
	Year   Year
	Origin Origin // OriginImported or OriginEdited
	Note   string // the reason given with the last change
	By     audit.Actor
	At     time.Time
}

// CalendarStore keeps the administrators' years. Its version grows with
// every change, so a server can tell cheaply whether to reload.
type CalendarStore interface {
	// Version returns the current version (0 before any change).
	Version(ctx context.Context) (int64, error)
	// Years returns every stored year and the version read before them.
	Years(ctx context.Context) ([]StoredYear, int64, error)
	// Change runs change on year's stored data (nil when none) in one
	// transaction; changes are serialised. The result replaces the stored
	// year (By and At filled in), or nil deletes it. The audit entry
	// (action on object calendar:YEAR, detail marshalled after change
	// returns, so change may add to it) is written in the same
	// transaction. It returns the new version.
	Change(ctx context.Context, year int, change func(cur *StoredYear) (*StoredYear, error), actor audit.Actor,
		action string, detail map[string]any) (int64, error)
}

// YearInfo is one year of the effective calendar with where it comes from.
type YearInfo struct {
	Year    Year
	Origin  Origin
	Stored  *StoredYear // the administrator's change; nil for shipped and computed years
	Shipped bool        // kesu ships data for the year (what a revert returns to)
}

// Effective is the calendar in force: the shipped years, each replaced by
// an administrator's stored year when there is one, and provisional years
// computed for the rest.
type Effective struct {
	Calendar *Calendar
	Version  int64 // the store's version it was built from
	stored   map[int]StoredYear
	shipped  map[int]bool
}

var shippedYears = sync.OnceValues(Shipped)

// NewEffective builds the effective calendar from base (zone, weekdays,
// hours; its Years are ignored) and the stored years.
func NewEffective(base Config, stored []StoredYear, version int64) (*Effective, error) {
	shipped, err := shippedYears()
	if err != nil {
		return nil, err
	}
	e := &Effective{Version: version, stored: map[int]StoredYear{}, shipped: map[int]bool{}}
	years := map[int]Year{}
	for _, y := range shipped {
		years[y.Year], e.shipped[y.Year] = y, true
	}
	for _, s := range stored {
		years[s.Year.Year], e.stored[s.Year.Year] = s.Year, s
	}
	base.Years = base.Years[:0:0]
	for _, y := range years {
		base.Years = append(base.Years, y)
	}
	if e.Calendar, err = New(base); err != nil {
		return nil, err
	}
	return e, nil
}

// Info returns year y with its origin.
func (e *Effective) Info(y int) (YearInfo, error) {
	yr, err := e.Calendar.Year(y)
	if err != nil {
		return YearInfo{}, err
	}
	info := YearInfo{Year: yr, Origin: OriginComputed, Shipped: e.shipped[y]}
	if s, ok := e.stored[y]; ok {
		info.Origin, info.Stored = s.Origin, &s
	} else if info.Shipped {
		info.Origin = OriginShipped
	}
	return info, nil
}

// List returns the years with data, and the provisional years from the
// current year (of now) to the year after the last year with data, in
// order.
func (e *Effective) List(now time.Time) []YearInfo {
	years := e.Calendar.Years()
	last := now.In(e.Calendar.Location()).Year() + 1
	if len(years) > 0 {
		last = max(last, years[len(years)-1]+1)
	}
	for y := now.In(e.Calendar.Location()).Year(); y <= last; y++ {
		if !slices.Contains(years, y) {
			years = append(years, y)
		}
	}
	slices.Sort(years)
	out := make([]YearInfo, 0, len(years))
	for _, y := range years {
		if info, err := e.Info(y); err == nil {
			out = append(out, info)
		}
	}
	return out
}

// CalendarPoll is how often a server checks whether another server changed
// the business calendar (Watch); changes made on the server itself apply
// at once.
const CalendarPoll = 10 * time.Second

// Calendars keeps the effective calendar of a server: loaded at start,
// reloaded at once after a change made here and within one Watch interval
// after a change made by another server on the same database.
type Calendars struct {
	Store CalendarStore // nil: the shipped data only
	Base  Config        // zone, weekdays and hours; Years is ignored
	// OnChange receives every calendar loaded (the rules count new due
	// times on it).
	OnChange func(*Calendar)

	mu  sync.Mutex // serialises loads
	cur atomic.Pointer[Effective]
}

// Current returns the effective calendar last loaded, nil before Load.
func (s *Calendars) Current() *Effective { return s.cur.Load() }

// Load reads the stored years and makes the calendar they give current.
func (s *Calendars) Load(ctx context.Context) (*Effective, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.load(ctx)
}

func (s *Calendars) load(ctx context.Context) (*Effective, error) {
	var stored []StoredYear
	var version int64
	if s.Store != nil {
		var err error
		if stored, version, err = s.Store.Years(ctx); err != nil {
			return nil, err
		}
	}
	e, err := NewEffective(s.Base, stored, version)
	if err != nil {
		return nil, err
	}
	s.cur.Store(e)
	if s.OnChange != nil {
		s.OnChange(e.Calendar)
	}
	return e, nil
}

// Refresh reloads when the store's version differs from the loaded one
// and reports whether it did. It costs one small query otherwise.
func (s *Calendars) Refresh(ctx context.Context) (bool, error) {
	if s.Store == nil {
		return false, nil
	}
	v, err := s.Store.Version(ctx)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.cur.Load(); cur != nil && cur.Version >= v {
		return false, nil
	}
	_, err = s.load(ctx)
	return err == nil, err
}

// Watch refreshes every interval until ctx ends, so that changes made on
// another server take effect here.
func (s *Calendars) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	reload.Watch(ctx, every, log, "business calendar", s.Refresh, func() any { return s.Current().Version })
}

// baseYear is year y without an administrator's data: shipped, else
// computed.
func baseYear(y int) (Year, bool) {
	shipped, err := shippedYears()
	if err == nil {
		for _, s := range shipped {
			if s.Year == y {
				return s, true
			}
		}
	}
	return provisionalYear(y)
}

// editable returns the year a day edit applies to: the stored one, else
// the shipped or computed one.
func editable(year int, cur *StoredYear) (Year, error) {
	if cur != nil {
		return cur.Year, nil
	}
	if y, ok := baseYear(year); ok {
		return y, nil
	}
	var v apperr.Validation
	v.Add("date", "no_calendar_year", strconv.Itoa(year))
	return Year{}, v.Err()
}

func (s *Calendars) change(ctx context.Context, year int, actor audit.Actor, action string, detail map[string]any,
	f func(cur *StoredYear) (*StoredYear, error)) (*Effective, error) {
	if s.Store == nil {
		return nil, apperr.New(apperr.Unavailable, "calendar changes need a database")
	}
	_, err := s.Store.Change(ctx, year, f, actor, action, detail)
	if err != nil {
		return nil, err
	}
	return s.Load(ctx)
}

// Import stores y, replacing whatever the calendar had for its year (the
// shipped file, the provisional computation or an earlier import or edit).
func (s *Calendars) Import(ctx context.Context, y Year, note string, actor audit.Actor) (*Effective, error) {
	if err := y.Validate(); err != nil {
		return nil, err
	}
	var v apperr.Validation
	v.Text("note", note, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	detail := map[string]any{"status": y.Status, "source": y.Source, "off": len(y.Off()), "work": len(y.Work())}
	if note != "" {
		detail["note"] = note
	}
	return s.change(ctx, y.Year, actor, "calendar.import", detail, func(cur *StoredYear) (*StoredYear, error) {
		if cur != nil {
			detail["replaced"] = cur.Origin
		}
		return &StoredYear{Year: y, Origin: OriginImported, Note: note}, nil
	})
}

// AddDay lists e.Date as a day off or make-up working day (see
// Year.WithDay) and stores the year as edited.
func (s *Calendars) AddDay(ctx context.Context, e DayEdit, actor audit.Actor) (*Effective, error) {
	if err := e.check(true); err != nil {
		return nil, err
	}
	detail := map[string]any{"date": e.Date, "kind": e.Kind, "name": e.Name, "reason": e.Reason}
	return s.change(ctx, e.Date.Year, actor, "calendar.day_add", detail, func(cur *StoredYear) (*StoredYear, error) {
		base, err := editable(e.Date.Year, cur)
		if err != nil {
			return nil, err
		}
		y, err := base.WithDay(e)
		if err != nil {
			return nil, err
		}
		return &StoredYear{Year: y, Origin: OriginEdited, Note: e.Reason}, nil
	})
}

// RemoveDay takes e.Date out of its year (see Year.WithoutDay) and stores
// the year as edited.
func (s *Calendars) RemoveDay(ctx context.Context, e DayEdit, actor audit.Actor) (*Effective, error) {
	if err := e.check(false); err != nil {
		return nil, err
	}
	detail := map[string]any{"date": e.Date, "reason": e.Reason}
	return s.change(ctx, e.Date.Year, actor, "calendar.day_remove", detail, func(cur *StoredYear) (*StoredYear, error) {
		base, err := editable(e.Date.Year, cur)
		if err != nil {
			return nil, err
		}
		y, kind, name, err := base.WithoutDay(e)
		if err != nil {
			return nil, err
		}
		detail["kind"], detail["name"] = kind, name
		return &StoredYear{Year: y, Origin: OriginEdited, Note: e.Reason}, nil
	})
}

// Revert deletes the administrator's data of year, so that the shipped
// file or the provisional computation applies again.
func (s *Calendars) Revert(ctx context.Context, year int, reason string, actor audit.Actor) (*Effective, error) {
	var v apperr.Validation
	if v.Required("reason", reason) {
		v.Text("reason", reason, 200)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	detail := map[string]any{"reason": reason}
	return s.change(ctx, year, actor, "calendar.revert", detail, func(cur *StoredYear) (*StoredYear, error) {
		if cur == nil {
			return nil, apperr.New(apperr.NotFound, "year %d has no administrator's data", year)
		}
		detail["origin"] = cur.Origin
		return nil, nil
	})
}

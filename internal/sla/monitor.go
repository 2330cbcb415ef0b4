package sla

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Notice is an in-app notification. Key makes it unique: recording the
// same key twice records it once, so a firing repeated on another server
// notifies nobody twice.
type Notice struct {
	ID          int64      `json:"id,omitempty"`
	UserID      int64      `json:"user_id"`
	Kind        string     `json:"kind"` // sla.remind, sla.breach, sla.escalate, sla.page, schedule.<name> …
	ComplaintID *int64     `json:"complaint_id,omitempty"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	Key         string     `json:"key"`
	CreatedAt   time.Time  `json:"created_at"`
	ReadAt      *time.Time `json:"read_at,omitempty"`
	// Data are the facts the notice's email and SMS templates use
	// (number, policy, due); they travel with it, they are not stored.
	Data map[string]string `json:"-"`
}

// Fired is a timer that took effect, with the people it concerns.
type Fired struct {
	Timer     Timer
	Clock     Clock
	Number    string // the complaint's number
	HolderID  *int64
	BackupID  *int64
	ManagerID *int64  // the holder's department manager
	GMs       []int64 // active users with the gm role
}

// Composer turns a fired timer into the notices to record with it.
type Composer func(f Fired) []Notice

// Store is what the monitor needs from storage.
type Store interface {
	// FireDue takes up to limit complaints whose clocks have something
	// due by now — each taken by one server at a time — and, in one
	// transaction per call, fires it (Rules.Fire), records the composed
	// notices and stores the clocks with their next firing. It returns how
	// many complaints it took and when the next firing is due (zero when
	// nothing is left to fire).
	FireDue(ctx context.Context, now time.Time, limit int, compose Composer) (n int, next time.Time, err error)
}

// Monitor fires the clocks' reminders, breaches and escalations: the
// clocks are the timers, so there is no job per firing.
type Monitor struct {
	Store    Store
	Policies Lookup // names for the notices
	Loc      *time.Location
	Now      func() time.Time
	Log      *slog.Logger
	// Poll is the longest wait between passes (a second when 0): clocks
	// started on another server are found within it. Batch is how many
	// complaints one transaction takes (500 when 0).
	Poll  time.Duration
	Batch int
}

func (m *Monitor) batch() int {
	if m.Batch <= 0 {
		return 500
	}
	return m.Batch
}

// Pass fires everything due now, a batch per transaction, until a call
// takes nothing, and returns how many complaints it took and when the
// next firing is due.
func (m *Monitor) Pass(ctx context.Context) (int, time.Time, error) {
	total := 0
	for {
		n, next, err := m.Store.FireDue(ctx, m.Now(), m.batch(), m.Compose)
		total += n
		if err != nil || n == 0 {
			return total, next, err
		}
	}
}

// Run passes until ctx is cancelled, waking at the next firing and at
// least every Poll.
func (m *Monitor) Run(ctx context.Context) {
	poll := m.Poll
	if poll <= 0 {
		poll = time.Second
	}
	log := m.Log
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, next, err := m.Pass(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("time-limit monitor", "err", err)
		}
		wait := poll
		if !next.IsZero() {
			// A due row held by another server: look again shortly.
			wait = min(max(next.Sub(m.Now()), 20*time.Millisecond), poll)
		}
		t.Reset(wait)
	}
}

// Compose is the default Composer: the holder is reminded; a breach goes
// to the holder, the backup and the holder's manager; an escalation to
// the GMs.
func (m *Monitor) Compose(f Fired) []Notice {
	name := f.Clock.Policy
	if m.Policies != nil {
		if p, ok := m.Policies.Get(f.Clock.Policy); ok {
			name = p.ZH
		}
	}
	loc := m.Loc
	if loc == nil {
		loc = Shanghai()
	}
	due := f.Clock.DueAt.In(loc).Format("2006-01-02 15:04")
	var to []int64
	var title, body string
	switch f.Timer.Kind {
	case TimerRemind:
		to = ids(f.HolderID)
		title = fmt.Sprintf("【即将到期】%s %s", f.Number, name)
		body = fmt.Sprintf("%s 的“%s”将于 %s 到期。", f.Number, name, due)
	case TimerBreach:
		to = ids(f.HolderID, f.BackupID, f.ManagerID)
		title = fmt.Sprintf("【已逾期】%s %s", f.Number, name)
		body = fmt.Sprintf("%s 的“%s”已于 %s 到期未完成。", f.Number, name, due)
	case TimerEscalate:
		to = f.GMs
		title = fmt.Sprintf("【逾期升级】%s %s", f.Number, name)
		body = fmt.Sprintf("%s 的“%s”于 %s 逾期，至今未完成，升级至总经理。", f.Number, name, due)
	}
	cid := f.Clock.ComplaintID
	key := f.Timer.Key(cid)
	data := map[string]string{"number": f.Number, "policy": f.Clock.Policy, "due": f.Clock.DueAt.UTC().Format(time.RFC3339)}
	var out []Notice
	seen := map[int64]bool{}
	for _, u := range to {
		if seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, Notice{UserID: u, Kind: f.Timer.Kind, ComplaintID: &cid, Title: title, Body: body,
			Key: key + ":" + strconv.FormatInt(u, 10), Data: data})
	}
	return out
}

func ids(ps ...*int64) []int64 {
	var out []int64
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

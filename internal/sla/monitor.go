package sla

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"kesu/internal/jobs"
)

// Notice is an in-app notification. Key makes it unique: recording the
// same key twice records it once, so a job that runs again after a lost
// lease notifies nobody twice.
type Notice struct {
	ID          int64      `json:"id,omitempty"`
	UserID      int64      `json:"user_id"`
	Kind        string     `json:"kind"` // sla.remind, sla.breach, sla.escalate, schedule.<name> …
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

// Store is what the monitor needs from storage. Each method changes a
// clock only if it still stands as the timer expects (running at that due
// time, not reminded or escalated yet) and records the composed notices in
// the same transaction, so a timer takes effect once however many workers
// run it.
type Store interface {
	// Fire applies t at now; false when the clock was met, moved or the
	// timer already took effect.
	Fire(ctx context.Context, t Timer, now time.Time, compose Composer) (bool, error)
	// BreachDue breaches up to limit running clocks due by now (the
	// monitor's sweep, for timers whose job was lost or is late) and
	// returns how many it breached.
	BreachDue(ctx context.Context, now time.Time, limit int, compose Composer) (int, error)
}

// Monitor runs clock timers.
type Monitor struct {
	Store    Store
	Policies *Policies
	Loc      *time.Location
	Now      func() time.Time
	Log      *slog.Logger
}

// Handlers are the job handlers of the clock timers, for the worker.
func (m *Monitor) Handlers() map[string]jobs.Handler {
	h := func(ctx context.Context, j jobs.Job) error {
		var t Timer
		if err := json.Unmarshal(j.Payload, &t); err != nil {
			return jobs.Permanent(fmt.Errorf("timer payload: %w", err))
		}
		if t.Kind != j.Kind {
			return jobs.Permanent(fmt.Errorf("timer kind %q in a %s job", t.Kind, j.Kind))
		}
		_, err := m.Store.Fire(ctx, t, m.Now(), m.Compose)
		return err
	}
	return map[string]jobs.Handler{JobRemind: h, JobBreach: h, JobEscalate: h}
}

// Pass breaches every running clock past its due time, in batches of
// limit; the timer jobs normally do it, the pass catches what they miss.
func (m *Monitor) Pass(ctx context.Context, limit int) (int, error) {
	total := 0
	for {
		n, err := m.Store.BreachDue(ctx, m.Now(), limit, m.Compose)
		total += n
		if err != nil || n < limit {
			return total, err
		}
	}
}

// Compose is the default Composer: the holder is reminded; a breach goes
// to the holder, the backup and the holder's manager; an escalation to
// the GMs.
func (m *Monitor) Compose(f Fired) []Notice {
	name := f.Clock.Policy
	if p, ok := m.Policies.Get(f.Clock.Policy); ok {
		name = p.ZH
	}
	loc := m.Loc
	if loc == nil {
		loc = Shanghai()
	}
	due := f.Clock.DueAt.In(loc).Format("2006-01-02 15:04")
	var to []int64
	var title, body string
	switch f.Timer.Kind {
	case JobRemind:
		to = ids(f.HolderID)
		title = fmt.Sprintf("【即将到期】%s %s", f.Number, name)
		body = fmt.Sprintf("%s 的“%s”将于 %s 到期。", f.Number, name, due)
	case JobBreach:
		to = ids(f.HolderID, f.BackupID, f.ManagerID)
		title = fmt.Sprintf("【已逾期】%s %s", f.Number, name)
		body = fmt.Sprintf("%s 的“%s”已于 %s 到期未完成。", f.Number, name, due)
	case JobEscalate:
		to = f.GMs
		title = fmt.Sprintf("【逾期升级】%s %s", f.Number, name)
		body = fmt.Sprintf("%s 的“%s”于 %s 逾期，至今未完成，升级至总经理。", f.Number, name, due)
	}
	cid := f.Clock.ComplaintID
	key := f.Timer.Kind + ":" + strconv.FormatInt(f.Clock.ID, 10) + ":" + strconv.FormatInt(f.Timer.Due.UnixMicro(), 10)
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

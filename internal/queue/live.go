package queue

import (
	"fmt"
	"math"
	"time"
)

// Positions returns each waiting ticket's position in its line (1 is next)
// under policy p. waiting must be in issue order (Seq). Under a pooled
// policy the branch has one line; otherwise each type is a line of its own
// (under the priority policy a counter may serve a higher-priority type
// first, so the position is where the ticket stands among its own type).
func Positions(p Policy, waiting []Ticket) map[int64]int {
	out := make(map[int64]int, len(waiting))
	perType := map[int64]int{}
	for i, t := range waiting {
		if p == Pooled {
			out[t.ID] = i + 1
			continue
		}
		perType[t.TypeID]++
		out[t.ID] = perType[t.TypeID]
	}
	return out
}

// DueReminders returns the waiting tickets whose N-ahead reminder is due:
// they asked for one, have not had it, and now stand N-th or nearer in
// their line — by position, not by number difference, since types
// interleave and people leave. The store marks them reminded in the same
// transaction, so each is sent once.
func DueReminders(p Policy, waiting []Ticket) []Ticket {
	pos := Positions(p, waiting)
	var out []Ticket
	for _, t := range waiting {
		if t.RemindAhead > 0 && t.RemindedAt == nil && pos[t.ID] <= t.RemindAhead {
			out = append(out, t)
		}
	}
	return out
}

// ReminderText is the text message of an N-ahead reminder.
func ReminderText(lang, branch, number string, position int) string {
	if lang == "en" {
		return fmt.Sprintf("%s: ticket %s is now number %d in line. Please come back to the branch.", branch, number, position)
	}
	return fmt.Sprintf("【%s】您的号码 %s 前面还有 %d 位客户，请尽快返回网点办理业务。", branch, number, position-1)
}

// CalledText is the text message sent when a ticket is called.
func CalledText(lang, branch, number, counter string) string {
	if lang == "en" {
		return fmt.Sprintf("%s: ticket %s is called to counter %s.", branch, number, counter)
	}
	return fmt.Sprintf("【%s】请 %s 号到 %s 办理业务。", branch, number, counter)
}

// TypeStatus is the live figure of one service type.
type TypeStatus struct {
	TypeID   int64  `json:"type_id"`
	Prefix   string `json:"prefix"`
	Name     string `json:"name"`
	NameEN   string `json:"name_en"`
	Waiting  int    `json:"waiting"`
	Counters int    `json:"counters"` // open counters serving the type
	// EstimatedWait is the expected wait in minutes of a ticket taken now;
	// -1 when no open counter serves the type.
	EstimatedWait float64 `json:"estimated_wait_min"`
}

// Calling is a ticket at a counter, for the lobby board.
type Calling struct {
	Number  string    `json:"number"`
	Counter string    `json:"counter"`
	Status  string    `json:"status"`
	At      time.Time `json:"at"`
}

// BranchStatus is a branch's live page: waiting count and estimated wait
// per type, and who is being called where.
type BranchStatus struct {
	BranchID int64        `json:"branch_id"`
	Code     string       `json:"code"`
	Name     string       `json:"name"`
	NameEN   string       `json:"name_en"`
	Policy   Policy       `json:"policy"`
	Waiting  int          `json:"waiting"`
	Types    []TypeStatus `json:"types"`
	Calling  []Calling    `json:"calling"`
	// Version changes whenever a ticket moves; watchers compare it.
	Version int64     `json:"version"`
	At      time.Time `json:"at"`
}

// Estimator computes waiting estimates from a branch's configuration.
type Estimator struct {
	Policy   Policy
	Types    map[int64]ServiceType
	Counters []Counter
}

func (e Estimator) servers(typ int64) int {
	n := 0
	for _, c := range e.Counters {
		if !c.Open {
			continue
		}
		if e.Policy != Dedicated {
			n++
			continue
		}
		for _, t := range c.Types {
			if t == typ {
				n++
				break
			}
		}
	}
	return n
}

func (e Estimator) handle(typ int64) float64 {
	if t, ok := e.Types[typ]; ok && t.HandleMinutes > 0 {
		return t.HandleMinutes
	}
	return 5
}

// Wait estimates the minutes a ticket of type typ waits with the given
// tickets ahead of it in its line: their work shared by the open counters
// that can serve it; -1 when none can.
func (e Estimator) Wait(typ int64, ahead []Ticket) float64 {
	s := e.servers(typ)
	if s == 0 {
		return -1
	}
	work := 0.0
	for _, t := range ahead {
		work += e.handle(t.TypeID)
	}
	return math.Round(work/float64(s)*10) / 10
}

// Ahead returns the waiting tickets ahead of t in its line.
func (e Estimator) Ahead(t Ticket, waiting []Ticket) []Ticket {
	var out []Ticket
	for _, o := range waiting {
		if o.ID != t.ID && o.Seq < t.Seq && SameLine(e.Policy, o.TypeID, t.TypeID) {
			out = append(out, o)
		}
	}
	return out
}

// Status computes a branch's live figures from its waiting tickets (in
// issue order) and the tickets at counters.
func Status(b Branch, types []ServiceType, counters []Counter, waiting, atCounters []Ticket, at time.Time) BranchStatus {
	byID := map[int64]ServiceType{}
	for _, t := range types {
		byID[t.ID] = t
	}
	e := Estimator{Policy: b.Policy, Types: byID, Counters: counters}
	st := BranchStatus{BranchID: b.ID, Code: b.Code, Name: b.Name, NameEN: b.NameEN, Policy: b.Policy, Waiting: len(waiting), At: at,
		Types: []TypeStatus{}, Calling: []Calling{}}
	for _, t := range types {
		ts := TypeStatus{TypeID: t.ID, Prefix: t.Prefix, Name: t.Name, NameEN: t.NameEN, Counters: e.servers(t.ID)}
		var line []Ticket
		for _, w := range waiting {
			if w.TypeID == t.ID {
				ts.Waiting++
			}
			if SameLine(b.Policy, w.TypeID, t.ID) {
				line = append(line, w)
			}
		}
		ts.EstimatedWait = e.Wait(t.ID, line)
		st.Types = append(st.Types, ts)
	}
	names := map[int64]string{}
	for _, c := range counters {
		names[c.ID] = c.Name
	}
	for _, t := range atCounters {
		c := Calling{Number: t.Number, Status: t.Status}
		if t.CounterID != nil {
			c.Counter = names[*t.CounterID]
		}
		if t.CalledAt != nil {
			c.At = *t.CalledAt
		}
		st.Calling = append(st.Calling, c)
	}
	return st
}

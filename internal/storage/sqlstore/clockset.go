package sqlstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kesu/internal/sla"
)

// A complaint's time-limit clocks are one row of complaint_clocks: the
// clocks encoded in one short text, the next time one of them fires
// (next_at, the monitor's index), the earliest due time of those still
// counting (due_at: overdue and due-soon filters, due order) and a version
// for optimistic updates. One row per complaint instead of a row per clock
// and a timer job per reminder, breach and escalation keeps a complaint's
// time limits in a few hundred bytes.
//
// The text lists the clocks in start order, separated by ";":
//
//	policy@version,state,start,due[,tag value]…
//
// state is r (running), p (paused), m (met), b (breached) or n (not
// applicable); times are Unix microseconds after the row's base (the
// complaint's receipt time), durations microseconds. The optional tags are
// p paused at, t paused total, x stopped at, b breached at, l lateness,
// h holder at the breach, r reminded at, s (reminder skipped, no value)
// and e escalated at. Extensions, rare, are JSON in their own column,
// keyed by the clock's number. Migration 0015 writes the same format in
// SQL from the former one-row-per-clock table.

// clockSet is a complaint's clocks as stored.
type clockSet struct {
	complaintID int64
	base        time.Time
	clocks      []sla.Clock
	version     int
}

var stateLetters = map[string]byte{sla.Running: 'r', sla.Paused: 'p', sla.Met: 'm', sla.Breached: 'b', sla.NotApplicable: 'n'}

var letterStates = map[byte]string{'r': sla.Running, 'p': sla.Paused, 'm': sla.Met, 'b': sla.Breached, 'n': sla.NotApplicable}

// encodeClocks writes cs relative to base: the clocks text and the
// extensions JSON ("" when none).
func encodeClocks(base time.Time, cs []sla.Clock) (string, string) {
	b := make([]byte, 0, 40*len(cs))
	var exts map[string]*sla.Extension
	rel := func(t time.Time) int64 { return t.Sub(base).Microseconds() }
	tag := func(k byte, v int64) {
		b = append(b, ',', k)
		b = strconv.AppendInt(b, v, 10)
	}
	for i, c := range cs {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, c.Policy...)
		b = append(b, '@')
		b = strconv.AppendInt(b, int64(max(c.PolicyVersion, 1)), 10)
		b = append(b, ',', stateLetters[c.State], ',')
		b = strconv.AppendInt(b, rel(c.StartedAt), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, rel(c.DueAt), 10)
		if c.PausedAt != nil {
			tag('p', rel(*c.PausedAt))
		}
		if c.PausedTotal != 0 {
			tag('t', c.PausedTotal.Microseconds())
		}
		if c.StoppedAt != nil {
			tag('x', rel(*c.StoppedAt))
		}
		if c.BreachedAt != nil {
			tag('b', rel(*c.BreachedAt))
		}
		if c.Lateness != 0 {
			tag('l', c.Lateness.Microseconds())
		}
		if c.HolderID != nil {
			tag('h', *c.HolderID)
		}
		if c.RemindedAt != nil {
			tag('r', rel(*c.RemindedAt))
		}
		if c.ReminderSkipped {
			b = append(b, ',', 's')
		}
		if c.EscalatedAt != nil {
			tag('e', rel(*c.EscalatedAt))
		}
		if c.Extension != nil {
			if exts == nil {
				exts = map[string]*sla.Extension{}
			}
			exts[strconv.Itoa(i+1)] = c.Extension
		}
	}
	ext := ""
	if len(exts) > 0 {
		ext = string(mustJSON(exts))
	}
	return string(b), ext
}

// decodeClocks reads what encodeClocks wrote; the clocks are numbered from
// 1 and carry the complaint and the row's version.
func decodeClocks(complaintID int64, base time.Time, text, ext string, version int) ([]sla.Clock, error) {
	if text == "" {
		return nil, nil
	}
	var exts map[string]*sla.Extension
	if ext != "" {
		if err := json.Unmarshal([]byte(ext), &exts); err != nil {
			return nil, fmt.Errorf("clocks of complaint %d: extensions: %w", complaintID, err)
		}
	}
	entries := strings.Split(text, ";")
	out := make([]sla.Clock, 0, len(entries))
	bad := func(e string) error { return fmt.Errorf("clocks of complaint %d: bad entry %q", complaintID, e) }
	for i, e := range entries {
		f := strings.Split(e, ",")
		if len(f) < 4 || len(f[1]) != 1 {
			return nil, bad(e)
		}
		c := sla.Clock{ID: int64(i + 1), ComplaintID: complaintID, Version: version}
		var pv string
		var ok bool
		if c.Policy, pv, ok = strings.Cut(f[0], "@"); !ok {
			return nil, bad(e)
		}
		var err error
		if c.PolicyVersion, err = strconv.Atoi(pv); err != nil {
			return nil, bad(e)
		}
		if c.State, ok = letterStates[f[1][0]]; !ok {
			return nil, bad(e)
		}
		num := func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
		at := func(s string) (time.Time, error) {
			n, err := num(s)
			return base.Add(time.Duration(n) * time.Microsecond), err
		}
		ptr := func(s string) (*time.Time, error) {
			t, err := at(s)
			return &t, err
		}
		if c.StartedAt, err = at(f[2]); err != nil {
			return nil, bad(e)
		}
		if c.DueAt, err = at(f[3]); err != nil {
			return nil, bad(e)
		}
		for _, t := range f[4:] {
			if t == "" {
				return nil, bad(e)
			}
			v := t[1:]
			var n int64
			switch t[0] {
			case 'p':
				c.PausedAt, err = ptr(v)
			case 't':
				n, err = num(v)
				c.PausedTotal = time.Duration(n) * time.Microsecond
			case 'x':
				c.StoppedAt, err = ptr(v)
			case 'b':
				c.BreachedAt, err = ptr(v)
			case 'l':
				n, err = num(v)
				c.Lateness = time.Duration(n) * time.Microsecond
			case 'h':
				n, err = num(v)
				c.HolderID = &n
			case 'r':
				c.RemindedAt, err = ptr(v)
			case 's':
				c.ReminderSkipped = true
			case 'e':
				c.EscalatedAt, err = ptr(v)
			default:
				return nil, bad(e)
			}
			if err != nil {
				return nil, bad(e)
			}
		}
		c.StartedAt, c.DueAt = c.StartedAt.UTC(), c.DueAt.UTC()
		c.Extension = exts[strconv.Itoa(i+1)]
		out = append(out, c)
	}
	return out, nil
}

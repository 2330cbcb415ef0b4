package sla

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/reload"
)

// StoredPolicies is one saved version of the policies as the database
// keeps it: the policies.json format, who saved it, when and why.
type StoredPolicies struct {
	Version int
	JSON    []byte
	Note    string
	By      audit.Actor
	At      time.Time
}

// PolicyStore keeps the versions of the time-limit policies. Version 1 is
// the shipped policies.json; every save adds the next one.
type PolicyStore interface {
	// LatestPolicyVersion returns the highest stored version (0 when none).
	LatestPolicyVersion(ctx context.Context) (int, error)
	// PolicyVersions returns the stored versions above after, in order.
	PolicyVersions(ctx context.Context, after int) ([]StoredPolicies, error)
	// AddPolicies stores p as version p.Version, with its audit entry
	// (action sla.policies on object sla_policies:VERSION, detail) in the
	// same transaction; Conflict when that version exists (another
	// administrator saved first).
	AddPolicies(ctx context.Context, p StoredPolicies, detail map[string]any) error
}

// PolicyPoll is how often a server checks whether another server saved a
// new version of the policies (Watch); a save made on the server itself
// applies at once.
const PolicyPoll = 10 * time.Second

// PolicyBook keeps the rules' policies in step with the stored versions:
// loaded at start, reloaded at once after a save made here and within one
// Watch interval after a save made by another server.
type PolicyBook struct {
	Store PolicyStore
	Rules *Rules
	Now   func() time.Time

	mu     sync.Mutex // serialises loads
	loaded int
	meta   map[int]*Policies
}

// Load reads the versions not loaded yet into the rules.
func (b *PolicyBook) Load(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.load(ctx)
}

func (b *PolicyBook) load(ctx context.Context) error {
	vs, err := b.Store.PolicyVersions(ctx, b.loaded)
	if err != nil {
		return err
	}
	for _, v := range vs {
		ps, err := ParsePolicies(v.JSON)
		if err != nil {
			return apperr.Wrap(apperr.Internal, err, "stored time-limit policies version %d", v.Version)
		}
		ps.Version, ps.Note, ps.By, ps.At = v.Version, v.Note, v.By, v.At
		b.Rules.SetPolicies(ps)
		b.loaded = max(b.loaded, v.Version)
	}
	return nil
}

// Refresh loads new versions when the store has any and reports whether
// it did; it costs one small query otherwise.
func (b *PolicyBook) Refresh(ctx context.Context) (bool, error) {
	v, err := b.Store.LatestPolicyVersion(ctx)
	if err != nil {
		return false, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if v <= b.loaded {
		return false, nil
	}
	return true, b.load(ctx)
}

// Watch refreshes every interval until ctx ends, so that versions saved
// on another server take effect here.
func (b *PolicyBook) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	reload.Watch(ctx, every, log, "time-limit policies", b.Refresh, func() any { return b.Rules.Policies().Version })
}

// Save validates list and stores it as the next version, with the reason
// note (required) and the actor; new clocks start under it at once here
// and within PolicyPoll on other servers, running clocks keep theirs. It
// refuses a save based on an older version than the current one (base is
// the version the administrator edited), so that nobody overwrites a
// change they have not seen.
func (b *PolicyBook) Save(ctx context.Context, list []Policy, base int, note string, actor audit.Actor) (*Policies, error) {
	var v apperr.Validation
	note = strings.TrimSpace(note)
	if v.Required("note", note) {
		v.Text("note", note, 500)
	}
	ps, err := NewPolicies(list)
	if err != nil {
		e := err.(*apperr.Error)
		for _, f := range e.Fields {
			v.Add(f.Field, f.Rule, f.Param)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if _, err := b.Refresh(ctx); err != nil {
		return nil, err
	}
	cur := b.Rules.Policies()
	if base != cur.Version {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: "the policies changed since they were read",
			Fields: []apperr.FieldError{{Field: "version", Rule: "stale", Param: strconv.Itoa(cur.Version)}}}
	}
	now := time.Now()
	if b.Now != nil {
		now = b.Now()
	}
	ps.Version, ps.Note, ps.By, ps.At = cur.Version+1, note, actor, now
	detail := map[string]any{"version": ps.Version, "note": note, "changed": changedCodes(cur, ps)}
	if err := b.Store.AddPolicies(ctx, StoredPolicies{Version: ps.Version, JSON: ps.JSON(), Note: note, By: actor, At: now}, detail); err != nil {
		return nil, err
	}
	if err := b.Load(ctx); err != nil {
		return nil, err
	}
	return ps, nil
}

// changedCodes lists the codes added, removed or changed from a to b.
func changedCodes(a, b *Policies) []string {
	var out []string
	for _, p := range b.list {
		old, ok := a.Get(p.Code)
		if !ok || string(mustJSON(*old)) != string(mustJSON(p)) {
			out = append(out, p.Code)
		}
	}
	for _, p := range a.list {
		if _, ok := b.Get(p.Code); !ok {
			out = append(out, p.Code)
		}
	}
	return out
}

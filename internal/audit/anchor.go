package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"
)

// Anchor is the head of the chain at a moment, written to a file outside
// the database. Someone who can write the database can rewrite history and
// recompute every hash after it; they cannot change the anchors already
// written elsewhere, so a check against them finds the rewrite.
type Anchor struct {
	At   time.Time `json:"at"`
	ID   int64     `json:"id"`
	Hash string    `json:"hash"`
}

// HeadStore reads what anchoring needs from the chain.
type HeadStore interface {
	// Head returns the last entry's ID and hash (0, "" for an empty log).
	Head(ctx context.Context) (int64, string, error)
	// HashOf returns the stored hash of entry id, "" when there is none.
	HashOf(ctx context.Context, id int64) (string, error)
}

// Anchors writes the chain's head to a file, one JSON line per anchor,
// and checks the chain against the file.
type Anchors struct {
	Store HeadStore
	Path  string
	Now   func() time.Time
	Log   *slog.Logger
}

// ReadAnchors reads an anchor file; a missing file has no anchors.
func ReadAnchors(path string) ([]Anchor, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Anchor
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var a Anchor
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.ID <= 0 || len(a.Hash) != 64 {
			return out, fmt.Errorf("audit anchors %s line %d: not an anchor", path, line)
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

// Write appends the chain's head to the file unless the last anchor
// already holds it, and tells whether it wrote. The line is synced to
// disk before Write returns.
func (a *Anchors) Write(ctx context.Context) (Anchor, bool, error) {
	id, hash, err := a.Store.Head(ctx)
	if err != nil || id == 0 {
		return Anchor{}, false, err
	}
	prev, err := ReadAnchors(a.Path)
	if err != nil {
		return Anchor{}, false, err
	}
	if n := len(prev); n > 0 && prev[n-1].ID == id && prev[n-1].Hash == hash {
		return prev[n-1], false, nil
	}
	an := Anchor{At: a.Now().UTC(), ID: id, Hash: hash}
	b, _ := json.Marshal(an)
	f, err := os.OpenFile(a.Path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return Anchor{}, false, fmt.Errorf("audit anchors: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Anchor{}, false, fmt.Errorf("audit anchors: %w", err)
	}
	return an, true, nil
}

// Run writes an anchor at start and every interval until ctx ends.
func (a *Anchors) Run(ctx context.Context, every time.Duration) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if an, wrote, err := a.Write(ctx); err != nil {
			if a.Log != nil && ctx.Err() == nil {
				a.Log.Error("audit anchor not written", "file", a.Path, "err", err)
			}
		} else if wrote && a.Log != nil {
			a.Log.Info("audit anchor written", "file", a.Path, "id", an.ID)
		}
		t.Reset(every)
	}
}

// AnchorCheck is the result of checking the chain against the anchors.
type AnchorCheck struct {
	File    string  `json:"file"`
	Anchors int     `json:"anchors"` // anchors in the file, all checked
	BadID   int64   `json:"bad_id,omitempty"`
	Last    *Anchor `json:"last,omitempty"`
}

// Check compares every anchor with the stored chain: the entry an anchor
// names must still exist with the anchored hash. BadID is the first
// anchored entry that differs (or is gone); 0 when all match. An anchor
// file whose entries go backwards was edited, and fails at that line.
func (a *Anchors) Check(ctx context.Context) (AnchorCheck, error) {
	res := AnchorCheck{File: a.Path}
	as, err := ReadAnchors(a.Path)
	if err != nil {
		return res, err
	}
	res.Anchors = len(as)
	var last int64
	for i := range as {
		an := as[i]
		if an.ID < last {
			return res, fmt.Errorf("audit anchors %s: anchor %d goes back to entry %d: the file was edited", a.Path, i+1, an.ID)
		}
		last = an.ID
		h, err := a.Store.HashOf(ctx, an.ID)
		if err != nil {
			return res, err
		}
		if h != an.Hash && res.BadID == 0 {
			res.BadID = an.ID
		}
		res.Last = &as[i]
	}
	return res, nil
}

// Verification is what a check of the whole log found, and how it
// checked: "chain" (every hash recomputed from the start; finds a changed
// or removed entry, not a history rewritten with every hash recomputed)
// and "anchors" (the chain against the heads exported outside the
// database; finds such a rewrite up to the last anchor).
type Verification struct {
	Checks []string `json:"checks"`
	// KeyedFrom is the first entry hashed with the audit key (check
	// "keyed"); entries before it were written before the key was set.
	KeyedFrom int64        `json:"keyed_from,omitempty"`
	OK        bool         `json:"ok"`
	BadID     int64        `json:"bad_id,omitempty"`
	Checked   int64        `json:"checked"`
	Anchors   *AnchorCheck `json:"anchors,omitempty"`
}

// Verify walks the whole chain and, with anchors, checks it against them.
func Verify(ctx context.Context, s Store, anchors *Anchors) (Verification, error) {
	v := Verification{Checks: []string{"chain"}}
	bad, checked, err := s.Verify(ctx)
	if err != nil {
		return v, err
	}
	v.BadID, v.Checked = bad, checked
	if k, ok := s.(interface{ KeyedFrom() int64 }); ok && k.KeyedFrom() > 0 {
		v.Checks = append(v.Checks, "keyed")
		v.KeyedFrom = k.KeyedFrom()
	}
	if anchors != nil {
		v.Checks = append(v.Checks, "anchors")
		ac, err := anchors.Check(ctx)
		if err != nil {
			return v, err
		}
		v.Anchors = &ac
		if ac.BadID != 0 && (v.BadID == 0 || ac.BadID < v.BadID) {
			v.BadID = ac.BadID
		}
	}
	v.OK = v.BadID == 0
	return v, nil
}

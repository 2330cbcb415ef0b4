// Package audit describes the append-only, hash-chained audit log (SPEC SEC-3).
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Actor is who does something: a staff user, an API token's user, or the
// public (UserID 0) from an address.
type Actor struct {
	UserID int64  `json:"user_id,omitempty"`
	Name   string `json:"name"`
	IP     string `json:"ip,omitempty"`
}

// System is the actor for work kesu does by itself.
var System = Actor{Name: "system"}

// Public returns the actor for an anonymous complainant at ip.
func Public(ip string) Actor { return Actor{Name: "public", IP: ip} }

// Entry is one audit record.
type Entry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Actor    Actor           `json:"actor"`
	Action   string          `json:"action"` // e.g. complaint.create, user.login, export.csv
	Object   string          `json:"object"` // e.g. complaint:42
	Detail   json.RawMessage `json:"detail,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// ComputeHash returns the chain hash of e given the previous entry's hash.
// Every field that matters is covered, so editing or deleting a row breaks
// the chain from that row on. The encoding is length-prefixed fields joined
// by "|", with the time in Unix microseconds, so that a database can compute
// the same hash in SQL.
func ComputeHash(prev string, e *Entry) string {
	sum := sha256.Sum256(hashInput(prev, e))
	return hex.EncodeToString(sum[:])
}

// hashInput is what an entry's hash is computed over.
func hashInput(prev string, e *Entry) []byte {
	var b strings.Builder
	b.WriteString(prev)
	for _, s := range []string{
		strconv.FormatInt(e.ID, 10),
		strconv.FormatInt(e.At.UnixMicro(), 10),
		strconv.FormatInt(e.Actor.UserID, 10), e.Actor.Name, e.Actor.IP,
		e.Action, e.Object, string(e.Detail),
	} {
		b.WriteString("|")
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteString(":")
		b.WriteString(s)
	}
	return []byte(b.String())
}

// Filter selects audit entries.
type Filter struct {
	Action   string
	Object   string
	ActorID  int64
	BeforeID int64 // keyset: entries with ID < BeforeID
	Limit    int
}

// Store reads and writes the audit log. Writes that belong to a domain
// change happen inside that change's transaction, in the storage adapter.
type Store interface {
	Append(ctx context.Context, e *Entry) error
	List(ctx context.Context, f Filter) ([]Entry, error)
	// Verify walks the chain and returns the ID of the first entry whose hash
	// does not match, or 0 when the log is intact.
	Verify(ctx context.Context) (badID int64, checked int64, err error)
	// VerifyRecent walks the chain from the last entry a verification found
	// intact (the checkpoint, whose own hash is checked again) to the end,
	// and moves the checkpoint there. from is the first entry it walked;
	// entries before it were found intact by an earlier verification. A
	// full Verify remains the only check of those.
	VerifyRecent(ctx context.Context) (badID, checked, from int64, err error)
}

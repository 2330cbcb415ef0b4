package audit

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Key is the HMAC key the chain is keyed with, read from a key file kept
// outside the database. Entries from From on carry HMAC-SHA256(key, input)
// instead of SHA-256(input): someone who can write the database but does
// not hold the key cannot recompute them. Entries before From were written
// before the key was set and stay plain; From is recorded in the database
// (the chain head and an audit.keyed entry) and in the key file, so that it
// cannot be moved in one place alone.
type Key struct {
	Path   string
	Secret []byte
	From   int64 // 0 until the key is first used
}

// MinKeyLength is the shortest secret a key file may hold.
const MinKeyLength = 32

// LoadKey reads a key file: a line "key = SECRET" (at least 32
// characters, e.g. from "openssl rand -hex 32") and, once kesu has used
// it, a line "from = N" that kesu appends.
func LoadKey(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	k := &Key{Path: path}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		switch {
		case ok && name == "key":
			k.Secret = []byte(val)
		case ok && name == "from":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("audit key %s: bad from line %q", path, line)
			}
			k.From = n
		default:
			return nil, fmt.Errorf("audit key %s: unknown line %q (want key = … and from = …)", path, line)
		}
	}
	if len(k.Secret) < MinKeyLength {
		return nil, fmt.Errorf("audit key %s: the key must have at least %d characters", path, MinKeyLength)
	}
	return k, nil
}

// Record appends "from = n" to the key file once the chain is keyed from
// entry n.
func (k *Key) Record(n int64) error {
	if k.From != 0 {
		return errors.New("audit key: already in use")
	}
	f, err := os.OpenFile(k.Path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("audit key: %w", err)
	}
	_, err = fmt.Fprintf(f, "\nfrom = %d\n", n)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit key: %w", err)
	}
	k.From = n
	return nil
}

// block is the key as HMAC-SHA256 uses it: hashed when longer than the
// block, padded with zeros to it.
func (k *Key) block() []byte {
	key := k.Secret
	if len(key) > sha256.BlockSize {
		s := sha256.Sum256(key)
		key = s[:]
	}
	b := make([]byte, sha256.BlockSize)
	copy(b, key)
	return b
}

// Pads returns the HMAC's inner and outer padded keys, for a database that
// computes HMAC-SHA256(key, m) as SHA-256(opad ‖ SHA-256(ipad ‖ m)).
func (k *Key) Pads() (ipad, opad []byte) {
	b := k.block()
	ipad, opad = make([]byte, len(b)), make([]byte, len(b))
	for i, c := range b {
		ipad[i], opad[i] = c^0x36, c^0x5c
	}
	return ipad, opad
}

// Keyed tells whether entry id is keyed under k with the chain keyed from
// entry from (0: not keyed).
func Keyed(from, id int64) bool { return from > 0 && id >= from }

// Hash returns the chain hash of e: HMAC-SHA256 under k when the chain is
// keyed from entry from and e is at or after it, else ComputeHash. A keyed
// entry without a key gives "", which matches no stored hash.
func Hash(k *Key, from int64, prev string, e *Entry) string {
	if !Keyed(from, e.ID) {
		return ComputeHash(prev, e)
	}
	if k == nil {
		return ""
	}
	m := hmac.New(sha256.New, k.Secret)
	m.Write(hashInput(prev, e))
	return hex.EncodeToString(m.Sum(nil))
}

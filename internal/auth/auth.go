// Package auth signs staff in: argon2id password hashes, login lockout,
// sessions, API tokens and role permissions (SPEC SEC-1, SEC-4).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/org"
)

// argon2id parameters (RFC 9106 second recommendation, lighter memory).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether pw matches a hash from HashPassword.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// ValidatePassword checks a new password.
func ValidatePassword(pw string) error {
	var v apperr.Validation
	if len([]rune(pw)) < 8 {
		v.Add("password", "too_short", "8")
	} else if len(pw) > 256 {
		v.Add("password", "too_long", "256")
	}
	return v.Err()
}

// RandomToken returns a URL-safe random secret of n bytes.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the stored form of a session or API token: only the
// hash is kept, so a copy of the database does not sign anyone in.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// Session is a signed-in browser.
type Session struct {
	TokenHash string
	UserID    int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	IP        string
}

// Token is an API bearer token.
type Token struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"`
	Hash      string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
}

// Credential is what a login checks.
type Credential struct {
	User        org.User
	Hash        string
	Failed      int
	LockedUntil time.Time
}

// Store persists credentials, sessions and tokens.
type Store interface {
	GetCredential(ctx context.Context, username string) (*Credential, error)
	SetPassword(ctx context.Context, userID int64, hash string, actor audit.Actor) error
	// RecordLogin stores the outcome of a login attempt and audits it.
	RecordLogin(ctx context.Context, userID int64, failed int, lockedUntil time.Time, ok bool, actor audit.Actor) error
	CreateSession(ctx context.Context, s *Session) error
	GetSession(ctx context.Context, tokenHash string, now time.Time) (*Session, *org.User, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	CreateToken(ctx context.Context, t *Token, actor audit.Actor) error
	GetToken(ctx context.Context, hash string) (*Token, *org.User, error)
	CountUsers(ctx context.Context) (int, error)
}

// Lockout policy.
const (
	MaxFailedLogins = 5
	LockoutPeriod   = 15 * time.Minute
	SessionLifetime = 12 * time.Hour
)

// Service signs users in and out.
type Service struct {
	Store Store
	Now   func() time.Time
}

// dummyHash is checked when the user does not exist, so the answer takes the
// same time either way.
var dummyHash = HashPassword("kesu-no-such-user")

// Login checks a username and password and returns a new session and its
// token (the token goes in the cookie; only its hash is stored).
func (s *Service) Login(ctx context.Context, username, password, ip string) (*Session, string, *org.User, error) {
	now := s.Now()
	cred, err := s.Store.GetCredential(ctx, strings.ToLower(strings.TrimSpace(username)))
	if apperr.Is(err, apperr.NotFound) {
		CheckPassword(dummyHash, password)
		return nil, "", nil, apperr.New(apperr.Unauthorized, "bad credentials")
	}
	if err != nil {
		return nil, "", nil, err
	}
	actor := audit.Actor{UserID: cred.User.ID, Name: cred.User.Username, IP: ip}
	if cred.User.Disabled {
		return nil, "", nil, apperr.New(apperr.Unauthorized, "bad credentials")
	}
	if now.Before(cred.LockedUntil) {
		return nil, "", nil, &apperr.Error{Code: apperr.TooMany, Message: "account locked",
			Fields: []apperr.FieldError{{Field: "username", Rule: "locked", Param: cred.LockedUntil.Format(time.RFC3339)}}}
	}
	if !CheckPassword(cred.Hash, password) {
		failed := cred.Failed + 1
		var until time.Time
		if failed >= MaxFailedLogins {
			until = now.Add(LockoutPeriod)
			failed = 0
		}
		if err := s.Store.RecordLogin(ctx, cred.User.ID, failed, until, false, actor); err != nil {
			return nil, "", nil, err
		}
		return nil, "", nil, apperr.New(apperr.Unauthorized, "bad credentials")
	}
	if err := s.Store.RecordLogin(ctx, cred.User.ID, 0, time.Time{}, true, actor); err != nil {
		return nil, "", nil, err
	}
	tok := RandomToken(32)
	sess := &Session{TokenHash: HashToken(tok), UserID: cred.User.ID, CSRF: RandomToken(24),
		CreatedAt: now, ExpiresAt: now.Add(SessionLifetime), IP: ip}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return nil, "", nil, err
	}
	u := cred.User
	return sess, tok, &u, nil
}

// CreateToken makes an API token for a user and returns the secret, which is
// shown once.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, actor audit.Actor) (string, *Token, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "api"
	}
	secret := "ks_" + RandomToken(32)
	t := &Token{UserID: userID, Name: name, Hash: HashToken(secret), CreatedAt: s.Now()}
	if err := s.Store.CreateToken(ctx, t, actor); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

package auth

import (
	"context"
	"sync"
	"time"

	"kesu/internal/org"
)

// TokenCache remembers resolved API tokens for a short time, so a busy
// integration does not cost a database read per request. A user disabled
// or changed through this server is forgotten at once (ForgetUser, called
// by org.Service); through another server, it takes effect within TTL.
type TokenCache struct {
	Store
	TTL time.Duration
	Now func() time.Time

	mu sync.Mutex
	m  map[string]cachedToken
}

type cachedToken struct {
	tok     Token
	user    org.User
	expires time.Time
}

// maxCachedTokens bounds the cache; past it the cache starts again empty.
const maxCachedTokens = 10000

// NewTokenCache wraps s.
func NewTokenCache(s Store, ttl time.Duration, now func() time.Time) *TokenCache {
	if now == nil {
		now = time.Now
	}
	return &TokenCache{Store: s, TTL: ttl, Now: now, m: map[string]cachedToken{}}
}

// ForgetUser drops the cached tokens of a user, after a revocation, a
// password change or a change to the user on this server (other servers
// notice within TTL).
func (c *TokenCache) ForgetUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.m {
		if e.tok.UserID == userID {
			delete(c.m, h)
		}
	}
}

// GetToken implements Store from the cache when it can. Failed look-ups are
// not cached.
func (c *TokenCache) GetToken(ctx context.Context, hash string) (*Token, *org.User, error) {
	now := c.Now()
	c.mu.Lock()
	e, ok := c.m[hash]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		t, u := e.tok, e.user
		return &t, &u, nil
	}
	t, u, err := c.Store.GetToken(ctx, hash)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedTokens {
		clear(c.m)
	}
	c.m[hash] = cachedToken{tok: *t, user: *u, expires: now.Add(c.TTL)}
	c.mu.Unlock()
	return t, u, nil
}

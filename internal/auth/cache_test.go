package auth

import (
	"context"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/org"
)

type countingStore struct {
	Store
	calls int
	users map[string]org.User
}

func (s *countingStore) GetToken(_ context.Context, hash string) (*Token, *org.User, error) {
	s.calls++
	u, ok := s.users[hash]
	if !ok {
		return nil, nil, apperr.New(apperr.NotFound, "no token")
	}
	return &Token{ID: 1, UserID: u.ID, Hash: hash}, &u, nil
}

func TestTokenCacheExpires(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	st := &countingStore{users: map[string]org.User{"h1": {ID: 7, Username: "wang", Role: org.RoleAgent}}}
	c := NewTokenCache(st, 10*time.Second, func() time.Time { return now })
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		_, u, err := c.GetToken(ctx, "h1")
		if err != nil || u.Username != "wang" {
			t.Fatalf("GetToken = %v, %v", u, err)
		}
	}
	if st.calls != 1 {
		t.Fatalf("store read %d times within the TTL, want 1", st.calls)
	}
	// The user is disabled in the store: the cache forgets it after TTL.
	st.users["h1"] = org.User{ID: 7, Username: "wang", Role: org.RoleAgent, Disabled: true}
	now = now.Add(11 * time.Second)
	_, u, _ := c.GetToken(ctx, "h1")
	if !u.Disabled || st.calls != 2 {
		t.Fatalf("after the TTL the store must be asked again (calls %d, disabled %v)", st.calls, u.Disabled)
	}
	if _, _, err := c.GetToken(ctx, "unknown"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	if _, _, err := c.GetToken(ctx, "unknown"); err == nil || st.calls != 4 {
		t.Fatalf("failed look-ups must not be cached (calls %d)", st.calls)
	}
}

-- Sign-in hardening (SEC-4): API tokens expire and are revoked; sessions
-- end after a time without use (last_seen) and carry whether the user
-- must change a password kesu generated before doing anything else.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN revoked_at INTEGER;
ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE INDEX sessions_user ON sessions(user_id);

-- The durable job table (issue: time limits): deferred work claimed by
-- workers under a lease.
CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  key          TEXT UNIQUE,
  payload      TEXT NOT NULL DEFAULT '',
  run_at       INTEGER NOT NULL,
  status       TEXT NOT NULL DEFAULT 'pending',
  attempts     INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 8,
  locked_by    TEXT NOT NULL DEFAULT '',
  locked_until INTEGER,
  last_error   TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  done_at      INTEGER
);
-- Claims look for pending jobs by due time and for expired leases.
CREATE INDEX jobs_due ON jobs(status, run_at);
CREATE INDEX jobs_lease ON jobs(status, locked_until);

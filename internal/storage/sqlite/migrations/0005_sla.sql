-- Time limits (issue 6): one clock per policy and complaint, and the in-app
-- notifications the timers record. Times are Unix microseconds.
-- complaint_id has no foreign key: complaints are never deleted, and the
-- monitor's hot path should not pay for the check.
CREATE TABLE sla_clocks (
  id           INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL,
  policy       TEXT NOT NULL,
  started_at   INTEGER NOT NULL,
  due_at       INTEGER NOT NULL,
  paused_at    INTEGER,
  paused_total INTEGER NOT NULL DEFAULT 0,
  stopped_at   INTEGER,
  state        TEXT NOT NULL DEFAULT 'running',
  breached_at  INTEGER,
  lateness     INTEGER NOT NULL DEFAULT 0,
  holder_id    INTEGER,
  reminded_at  INTEGER,
  escalated_at INTEGER,
  extension    TEXT NOT NULL DEFAULT '',
  version      INTEGER NOT NULL DEFAULT 1
);
-- The monitor looks for running clocks by due time.
CREATE INDEX sla_clocks_due ON sla_clocks(state, due_at);
CREATE INDEX sla_clocks_complaint ON sla_clocks(complaint_id);

CREATE TABLE notifications (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  complaint_id INTEGER,
  title        TEXT NOT NULL,
  body         TEXT NOT NULL DEFAULT '',
  dedupe_key   TEXT UNIQUE,
  created_at   INTEGER NOT NULL,
  read_at      INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, id);

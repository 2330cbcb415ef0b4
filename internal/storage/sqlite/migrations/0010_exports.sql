-- Exports (issue 7): files made in the background by the job worker, kept
-- until they expire. file is the SHA-256 of the stored file.
CREATE TABLE exports (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  format       TEXT NOT NULL,
  filter       TEXT NOT NULL DEFAULT '',
  personal     INTEGER NOT NULL DEFAULT 0,
  lang         TEXT NOT NULL DEFAULT 'zh',
  status       TEXT NOT NULL DEFAULT 'queued',
  rows_done    INTEGER NOT NULL DEFAULT 0,
  rows_total   INTEGER NOT NULL DEFAULT 0,
  file         TEXT NOT NULL DEFAULT '',
  size         INTEGER NOT NULL DEFAULT 0,
  error        TEXT NOT NULL DEFAULT '',
  requested_by INTEGER NOT NULL REFERENCES users(id),
  created_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX exports_requester ON exports(requested_by, id);
CREATE INDEX exports_expires ON exports(expires_at);

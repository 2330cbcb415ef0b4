-- Product recalls (REC-1): the recall, its distributor tasks (one per
-- distributor and lot received), its files (notice photos, the producing
-- site's test report) and its disposals.
CREATE TABLE recalls (
  id            INTEGER PRIMARY KEY,
  title         TEXT NOT NULL,
  source_kind   TEXT NOT NULL,
  source_id     INTEGER NOT NULL,
  product_id    INTEGER NOT NULL REFERENCES products(id),
  lots          TEXT NOT NULL,
  produced_from TEXT,
  produced_to   TEXT,
  reason        TEXT NOT NULL,
  packaging     TEXT NOT NULL DEFAULT '',
  how_to_return TEXT NOT NULL,
  status        TEXT NOT NULL,
  opened_at     INTEGER NOT NULL,
  opened_by     INTEGER NOT NULL REFERENCES users(id),
  quarantined   INTEGER NOT NULL DEFAULT 0,
  closed_at     INTEGER,
  version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE recall_tasks (
  id          INTEGER PRIMARY KEY,
  recall_id   INTEGER NOT NULL REFERENCES recalls(id),
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  lot         TEXT NOT NULL,
  shipped_on  TEXT,
  shipped     INTEGER NOT NULL CHECK (shipped > 0),
  recalled    INTEGER NOT NULL DEFAULT 0,
  in_stock    INTEGER NOT NULL DEFAULT 0,
  isolated    INTEGER NOT NULL DEFAULT 0,
  destroyed   INTEGER NOT NULL DEFAULT 0,
  notified_at INTEGER,
  answered_at INTEGER,
  answered_by TEXT NOT NULL DEFAULT '',
  reminders   INTEGER NOT NULL DEFAULT 0,
  token       TEXT NOT NULL UNIQUE,
  version     INTEGER NOT NULL DEFAULT 1,
  UNIQUE (recall_id, customer_id, lot)
);

CREATE TABLE recall_files (
  id           INTEGER PRIMARY KEY,
  recall_id    INTEGER NOT NULL REFERENCES recalls(id),
  kind         TEXT NOT NULL,
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  data         BLOB NOT NULL,
  uploaded_at  INTEGER NOT NULL
);
CREATE INDEX recall_files_recall ON recall_files(recall_id);

CREATE TABLE recall_disposals (
  id        INTEGER PRIMARY KEY,
  recall_id INTEGER NOT NULL REFERENCES recalls(id),
  at        INTEGER NOT NULL,
  method    TEXT NOT NULL,
  quantity  INTEGER NOT NULL CHECK (quantity > 0),
  note      TEXT NOT NULL DEFAULT '',
  by_user   INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX recall_disposals_recall ON recall_disposals(recall_id);

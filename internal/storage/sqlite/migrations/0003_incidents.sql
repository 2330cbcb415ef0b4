-- Batch incidents (TRI-6), links between complaints — duplicates, repeats
-- and merges (INT-6) — and the dealer after-sales ledger (CUS-3).

-- A batch incident: the Nth quality complaint about one lot within a window.
-- At most one incident per lot is open at a time.
CREATE TABLE batch_incidents (
  id                   INTEGER PRIMARY KEY,
  batch_no             TEXT NOT NULL,
  batch_id             INTEGER REFERENCES batches(id),
  product_id           INTEGER REFERENCES products(id),
  product_name         TEXT NOT NULL DEFAULT '',
  opened_at            INTEGER NOT NULL,
  trigger_complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  complaint_count      INTEGER NOT NULL,
  status               TEXT NOT NULL DEFAULT 'open',
  quarantined          INTEGER NOT NULL DEFAULT 0,
  quarantined_by       INTEGER REFERENCES users(id),
  quarantined_at       INTEGER,
  recipients           TEXT NOT NULL DEFAULT '[]',
  closed_at            INTEGER,
  version              INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX batch_incidents_open ON batch_incidents(batch_no) WHERE status = 'open';
CREATE INDEX batch_incidents_opened ON batch_incidents(opened_at);

-- complaint → complaint: from is a duplicate or repeat of to, or was merged
-- into it.
CREATE TABLE complaint_links (
  id         INTEGER PRIMARY KEY,
  from_id    INTEGER NOT NULL REFERENCES complaints(id),
  to_id      INTEGER NOT NULL REFERENCES complaints(id),
  kind       TEXT NOT NULL,
  by_user_id INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  UNIQUE (from_id, to_id, kind)
);
CREATE INDEX complaint_links_to ON complaint_links(to_id, kind);

-- Duplicate candidates are looked up by complainant phone too.
CREATE INDEX complaints_phone ON complaints(complainant_phone, received_at);

-- The after-sales account of an A-class dealer, in fen: allowances (a share
-- of purchases) and payments add, free parts charge; an account manager's
-- credit approval extends what may be charged.
CREATE TABLE dealer_ledger (
  id           INTEGER PRIMARY KEY,
  customer_id  INTEGER NOT NULL REFERENCES customers(id),
  kind         TEXT NOT NULL,
  amount       INTEGER NOT NULL,
  complaint_id INTEGER REFERENCES complaints(id),
  note         TEXT NOT NULL DEFAULT '',
  by_user_id   INTEGER REFERENCES users(id),
  at           INTEGER NOT NULL
);
CREATE INDEX dealer_ledger_customer ON dealer_ledger(customer_id, id);

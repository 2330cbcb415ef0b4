-- Money of a case (FIN-2): the costed loss and the reward/penalty notice
-- 奖罚通知单 with its lines. Amounts in fen (1/100 of the currency unit).

CREATE TABLE case_losses (
  complaint_id   INTEGER PRIMARY KEY REFERENCES complaints(id),
  currency       TEXT NOT NULL,
  parts          INTEGER NOT NULL,
  labour_minutes INTEGER NOT NULL,
  labour_rate    INTEGER NOT NULL,
  labour         INTEGER NOT NULL,
  freight        INTEGER NOT NULL,
  compensation   INTEGER NOT NULL,
  returned_units INTEGER NOT NULL,
  return_rate    INTEGER NOT NULL,
  returns        INTEGER NOT NULL,
  total          INTEGER NOT NULL,
  note           TEXT NOT NULL DEFAULT '',
  updated_by     INTEGER REFERENCES users(id),
  updated_at     INTEGER NOT NULL,
  CHECK (total = parts + labour + freight + compensation + returns)
);

-- The GM approves exactly the lines whose digest approved_digest is; a
-- notice whose lines changed since waits again (status pending_approval).
CREATE TABLE penalty_notices (
  complaint_id    INTEGER PRIMARY KEY REFERENCES complaints(id),
  currency        TEXT NOT NULL,
  penalties       INTEGER NOT NULL,
  rewards         INTEGER NOT NULL,
  status          TEXT NOT NULL,
  digest          TEXT NOT NULL,
  approved_digest TEXT NOT NULL DEFAULT '',
  approved_by     INTEGER REFERENCES users(id),
  approved_at     INTEGER,
  version         INTEGER NOT NULL DEFAULT 1,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX penalty_notices_approved ON penalty_notices(approved_at) WHERE status = 'approved';

CREATE TABLE penalty_lines (
  id            INTEGER PRIMARY KEY,
  complaint_id  INTEGER NOT NULL REFERENCES penalty_notices(complaint_id),
  seq           INTEGER NOT NULL,
  department_id INTEGER REFERENCES departments(id),
  user_id       INTEGER REFERENCES users(id),
  supplier_id   INTEGER REFERENCES suppliers(id),
  kind          TEXT NOT NULL,
  amount        INTEGER NOT NULL CHECK (amount > 0),
  reason        TEXT NOT NULL DEFAULT '',
  UNIQUE (complaint_id, seq)
);

-- The complaint lifecycle (issue: workflow): classification decisions,
-- resolution, holder and backup, counters the workflow engine reads, and
-- the records of CAPA actions, approvals, follow-up visits, responsible
-- parties and the people complained about.

ALTER TABLE complaints ADD COLUMN profile TEXT NOT NULL DEFAULT 'manufacturer';
ALTER TABLE complaints ADD COLUMN previous_status TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN established INTEGER;
ALTER TABLE complaints ADD COLUMN validity TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN malicious INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN responsibility TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN responsibility_note TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN root_cause TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN currency TEXT NOT NULL DEFAULT 'CNY';
ALTER TABLE complaints ADD COLUMN resolution_executed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN follow_ups_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN last_satisfaction INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN approval_round INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN holder_id INTEGER REFERENCES users(id);
ALTER TABLE complaints ADD COLUMN backup_id INTEGER REFERENCES users(id);
ALTER TABLE complaints ADD COLUMN merged_into INTEGER REFERENCES complaints(id);
ALTER TABLE complaints ADD COLUMN reminder_date TEXT;
ALTER TABLE complaints ADD COLUMN closed_at INTEGER;

CREATE INDEX complaints_holder ON complaints(holder_id, status, updated_at);
CREATE INDEX complaints_backup ON complaints(backup_id, status, updated_at);

-- 当事人: staff a complaint is about; they may never handle or approve it.
CREATE TABLE complaint_parties (
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  user_id      INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY (complaint_id, user_id)
);

-- Responsible departments and persons (WF-9), for penalties later.
CREATE TABLE complaint_responsible (
  id            INTEGER PRIMARY KEY,
  complaint_id  INTEGER NOT NULL REFERENCES complaints(id),
  department_id INTEGER REFERENCES departments(id),
  user_id       INTEGER REFERENCES users(id),
  supplier_id   INTEGER REFERENCES suppliers(id),
  share         INTEGER NOT NULL DEFAULT 100,
  note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX complaint_responsible_complaint ON complaint_responsible(complaint_id);

-- Corrective and preventive actions (WF-3, 8D).
CREATE TABLE capa_actions (
  id                  INTEGER PRIMARY KEY,
  complaint_id        INTEGER NOT NULL REFERENCES complaints(id),
  kind                TEXT NOT NULL,
  description         TEXT NOT NULL,
  owner_department_id INTEGER REFERENCES departments(id),
  owner_user_id       INTEGER REFERENCES users(id),
  supplier_id         INTEGER REFERENCES suppliers(id),
  due_date            TEXT,
  status              TEXT NOT NULL DEFAULT 'open',
  evidence            TEXT NOT NULL DEFAULT '',
  done_at             INTEGER,
  verification        TEXT NOT NULL DEFAULT '',
  verified_by         INTEGER REFERENCES users(id),
  verified_at         INTEGER,
  verify_note         TEXT NOT NULL DEFAULT '',
  update_standard     INTEGER NOT NULL DEFAULT 0,
  version             INTEGER NOT NULL DEFAULT 1,
  created_at          INTEGER NOT NULL
);
CREATE INDEX capa_actions_complaint ON capa_actions(complaint_id);
CREATE INDEX capa_actions_owner ON capa_actions(owner_user_id, status);

-- Signatures on a resolution plan, per approval round (WF-5).
CREATE TABLE approvals (
  id           INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  round        INTEGER NOT NULL,
  level_role   TEXT NOT NULL,
  approver_id  INTEGER NOT NULL REFERENCES users(id),
  decision     TEXT NOT NULL,
  comment      TEXT NOT NULL DEFAULT '',
  amount       INTEGER NOT NULL DEFAULT 0,
  currency     TEXT NOT NULL DEFAULT 'CNY',
  at           INTEGER NOT NULL
);
CREATE INDEX approvals_complaint ON approvals(complaint_id, round);

-- Follow-up visits 回访 (WF-7) and their single-use public survey links.
CREATE TABLE follow_ups (
  id           INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL REFERENCES complaints(id),
  method       TEXT NOT NULL,
  satisfaction INTEGER,
  comment      TEXT NOT NULL DEFAULT '',
  by_user_id   INTEGER REFERENCES users(id),
  at           INTEGER,
  token_hash   TEXT UNIQUE,
  token_used   INTEGER,
  created_at   INTEGER NOT NULL
);
CREATE INDEX follow_ups_complaint ON follow_ups(complaint_id);

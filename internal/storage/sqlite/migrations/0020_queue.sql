-- The bank-branch queue 叫号 (issue 14): branches, service types, counters,
-- tickets and their timestamped steps. A branch's version grows with every
-- change of its line; the live pages poll it, and updating it first in a
-- ticket's transaction serialises the branch's changes (on PostgreSQL the
-- row lock), so two counters never call the same ticket.
CREATE TABLE queue_branches (
  id        INTEGER PRIMARY KEY,
  code      TEXT NOT NULL UNIQUE,
  name      TEXT NOT NULL,
  name_en   TEXT NOT NULL DEFAULT '',
  address   TEXT NOT NULL DEFAULT '',
  policy    TEXT NOT NULL,
  opens     TEXT NOT NULL,
  closes    TEXT NOT NULL,
  every_day INTEGER NOT NULL DEFAULT 0,
  version   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE queue_types (
  id             INTEGER PRIMARY KEY,
  branch_id      INTEGER NOT NULL REFERENCES queue_branches(id),
  prefix         TEXT NOT NULL,
  name           TEXT NOT NULL,
  name_en        TEXT NOT NULL DEFAULT '',
  documents      TEXT NOT NULL DEFAULT '',
  documents_en   TEXT NOT NULL DEFAULT '',
  priority       INTEGER NOT NULL DEFAULT 0,
  handle_minutes REAL NOT NULL,
  UNIQUE (branch_id, prefix)
);

CREATE TABLE queue_counters (
  id        INTEGER PRIMARY KEY,
  branch_id INTEGER NOT NULL REFERENCES queue_branches(id),
  name      TEXT NOT NULL,
  types     TEXT NOT NULL, -- service type ids, comma-separated
  open      INTEGER NOT NULL DEFAULT 1,
  UNIQUE (branch_id, name)
);

-- Ticket numbers per branch, day and type prefix; prefix '' is the
-- branch's issue order of the day.
CREATE TABLE queue_numbers (
  branch_id INTEGER NOT NULL,
  day       TEXT NOT NULL,
  prefix    TEXT NOT NULL,
  last      INTEGER NOT NULL,
  PRIMARY KEY (branch_id, day, prefix)
);

CREATE TABLE queue_tickets (
  id           INTEGER PRIMARY KEY,
  branch_id    INTEGER NOT NULL REFERENCES queue_branches(id),
  type_id      INTEGER NOT NULL REFERENCES queue_types(id),
  day          TEXT NOT NULL,
  number       TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  status       TEXT NOT NULL,
  channel      TEXT NOT NULL,
  lang         TEXT NOT NULL,
  phone        TEXT NOT NULL DEFAULT '',
  remind_ahead INTEGER NOT NULL DEFAULT 0,
  reminded_at  INTEGER,
  token        TEXT NOT NULL,
  issued_at    INTEGER NOT NULL,
  called_at    INTEGER,
  served_at    INTEGER,
  finished_at  INTEGER,
  counter_id   INTEGER REFERENCES queue_counters(id),
  calls        INTEGER NOT NULL DEFAULT 0,
  complaint_id INTEGER,
  UNIQUE (branch_id, day, number)
);
CREATE INDEX queue_tickets_line ON queue_tickets (branch_id, day, status, seq);

CREATE TABLE queue_events (
  id         INTEGER PRIMARY KEY,
  ticket_id  INTEGER NOT NULL REFERENCES queue_tickets(id),
  at         INTEGER NOT NULL,
  action     TEXT NOT NULL,
  counter_id INTEGER,
  detail     TEXT NOT NULL DEFAULT '',
  by_name    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX queue_events_ticket ON queue_events (ticket_id);

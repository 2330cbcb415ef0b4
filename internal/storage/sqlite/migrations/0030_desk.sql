-- Service desk operations (OPS-1…OPS-5): shift patterns and the duty
-- roster, shift swaps, the handover log, the knowledge base and the
-- contacts that are not complaints.
CREATE TABLE desk_shifts (
  id      INTEGER PRIMARY KEY,
  code    TEXT NOT NULL UNIQUE,
  name    TEXT NOT NULL,
  start   TEXT NOT NULL,
  minutes INTEGER NOT NULL
);

CREATE TABLE desk_swaps (
  id              INTEGER PRIMARY KEY,
  requester_id    BIGINT NOT NULL REFERENCES users(id),
  partner_id      BIGINT NOT NULL REFERENCES users(id),
  slot_id         BIGINT NOT NULL,
  payback_slot_id BIGINT NOT NULL,
  day             TEXT NOT NULL,
  payback_day     TEXT NOT NULL,
  reason          TEXT NOT NULL,
  status          TEXT NOT NULL,
  requested_at    BIGINT NOT NULL,
  agreed_at       BIGINT,
  decided_by      BIGINT REFERENCES users(id),
  decided_at      BIGINT,
  note            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX desk_swaps_day ON desk_swaps(day);
CREATE INDEX desk_swaps_payback_day ON desk_swaps(payback_day);

CREATE TABLE desk_roster (
  id            INTEGER PRIMARY KEY,
  department_id BIGINT NOT NULL REFERENCES departments(id),
  day           TEXT NOT NULL,
  shift_id      BIGINT NOT NULL REFERENCES desk_shifts(id),
  user_id       BIGINT NOT NULL REFERENCES users(id),
  duty_manager  BOOLEAN NOT NULL DEFAULT FALSE,
  starts_at     BIGINT NOT NULL,
  ends_at       BIGINT NOT NULL,
  swap_id       BIGINT REFERENCES desk_swaps(id),
  UNIQUE (day, shift_id, user_id)
);
CREATE INDEX desk_roster_running ON desk_roster(starts_at, ends_at);
CREATE INDEX desk_roster_user ON desk_roster(user_id, starts_at);
CREATE INDEX desk_roster_department ON desk_roster(department_id, day);

CREATE TABLE desk_handovers (
  id            INTEGER PRIMARY KEY,
  department_id BIGINT NOT NULL REFERENCES departments(id),
  from_user_id  BIGINT NOT NULL REFERENCES users(id),
  equipment     TEXT NOT NULL,
  issues        TEXT NOT NULL,
  staffing      TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  ack_by        BIGINT REFERENCES users(id),
  ack_at        BIGINT
);
CREATE INDEX desk_handovers_department ON desk_handovers(department_id, created_at);

CREATE TABLE desk_handover_complaints (
  handover_id  BIGINT NOT NULL REFERENCES desk_handovers(id),
  complaint_id BIGINT NOT NULL REFERENCES complaints(id),
  PRIMARY KEY (handover_id, complaint_id)
);

CREATE TABLE kb_entries (
  id          INTEGER PRIMARY KEY,
  category    TEXT NOT NULL,
  title       TEXT NOT NULL,
  body        TEXT NOT NULL,
  keywords    TEXT NOT NULL DEFAULT '',
  internal    BOOLEAN NOT NULL DEFAULT FALSE,
  -- title, keywords and body folded by textsearch.Normalize: the final
  -- substring check of a search.
  search      TEXT NOT NULL DEFAULT '',
  version     INTEGER NOT NULL,
  uses        BIGINT NOT NULL DEFAULT 0,
  updated_by  BIGINT REFERENCES users(id),
  updated_at  BIGINT NOT NULL,
  created_at  BIGINT NOT NULL
);
-- Search walks these in the order of use (uses, then newest) when its
-- words are too common for the token index to narrow.
CREATE INDEX kb_entries_uses ON kb_entries(uses, id);
CREATE INDEX kb_entries_category ON kb_entries(category, uses, id);
CREATE INDEX kb_entries_internal ON kb_entries(internal);

CREATE TABLE kb_versions (
  entry_id   BIGINT NOT NULL REFERENCES kb_entries(id),
  version    INTEGER NOT NULL,
  category   TEXT NOT NULL,
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  keywords   TEXT NOT NULL,
  internal   BOOLEAN NOT NULL,
  by_user_id BIGINT REFERENCES users(id),
  note       TEXT NOT NULL DEFAULT '',
  at         BIGINT NOT NULL,
  PRIMARY KEY (entry_id, version)
);

-- The substring index of the knowledge base: each distinct bigram of an
-- entry's current text (textsearch tokens), found by token.
CREATE TABLE kb_tokens (
  token    TEXT NOT NULL,
  entry_id BIGINT NOT NULL REFERENCES kb_entries(id),
  PRIMARY KEY (token, entry_id)
);
CREATE INDEX kb_tokens_entry ON kb_tokens(entry_id);

CREATE TABLE contacts (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,
  channel       TEXT NOT NULL,
  status        TEXT NOT NULL,
  name          TEXT NOT NULL,
  phone         TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL DEFAULT '',
  company       TEXT NOT NULL DEFAULT '',
  subject       TEXT NOT NULL,
  question      TEXT NOT NULL,
  answer        TEXT NOT NULL DEFAULT '',
  department_id BIGINT REFERENCES departments(id),
  complaint_id  BIGINT REFERENCES complaints(id),
  created_by    BIGINT REFERENCES users(id),
  created_at    BIGINT NOT NULL,
  answered_at   BIGINT
);
CREATE INDEX contacts_created ON contacts(created_at);

CREATE TABLE contact_events (
  id         INTEGER PRIMARY KEY,
  contact_id BIGINT NOT NULL REFERENCES contacts(id),
  kind       TEXT NOT NULL,
  body       TEXT NOT NULL DEFAULT '',
  by_user_id BIGINT REFERENCES users(id),
  by_name    TEXT NOT NULL DEFAULT '',
  at         BIGINT NOT NULL
);
CREATE INDEX contact_events_contact ON contact_events(contact_id, id);

CREATE TABLE kb_uses (
  id           INTEGER PRIMARY KEY,
  entry_id     BIGINT NOT NULL REFERENCES kb_entries(id),
  complaint_id BIGINT REFERENCES complaints(id),
  contact_id   BIGINT REFERENCES contacts(id),
  by_user_id   BIGINT REFERENCES users(id),
  at           BIGINT NOT NULL
);
CREATE INDEX kb_uses_entry ON kb_uses(entry_id);

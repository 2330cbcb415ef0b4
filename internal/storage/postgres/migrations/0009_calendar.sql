-- An administrator's business-calendar years (issue 6): imported notices
-- and edited years, each replacing the shipped or provisional year. data is
-- the year in the format of the shipped holiday files. calendar_state's
-- version grows with every change; servers poll it to reload.
CREATE TABLE calendar_years (
  year            INTEGER PRIMARY KEY,
  data            TEXT NOT NULL,
  origin          TEXT NOT NULL,
  note            TEXT NOT NULL DEFAULT '',
  updated_by      BIGINT,
  updated_by_name TEXT NOT NULL,
  updated_at      BIGINT NOT NULL
);

CREATE TABLE calendar_state (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL
);
INSERT INTO calendar_state (id, version) VALUES (1, 0);

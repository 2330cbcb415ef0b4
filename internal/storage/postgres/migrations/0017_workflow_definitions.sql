-- Workflow definitions administrators upload (issue 11): every version of
-- every profile, kept for as long as cases may run it. The definitions
-- shipped with kesu are version 0 of their profile and live in the binary.
-- workflow_state's version grows with every upload; servers poll it to
-- load new versions.
CREATE TABLE workflow_definitions (
  profile         TEXT NOT NULL,
  version         INTEGER NOT NULL CHECK (version > 0),
  body            TEXT NOT NULL,
  hash            TEXT NOT NULL,
  note            TEXT NOT NULL DEFAULT '',
  created_by      BIGINT,
  created_by_name TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (profile, version)
);

CREATE TABLE workflow_state (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL
);
INSERT INTO workflow_state (id, version) VALUES (1, 0);

-- The version of its profile a complaint runs, chosen with the profile at
-- registration and kept for its life.
ALTER TABLE complaints ADD COLUMN profile_version INTEGER NOT NULL DEFAULT 0;

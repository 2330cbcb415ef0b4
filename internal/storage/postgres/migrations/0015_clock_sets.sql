-- Time limits without a job row per timer (issue 16): a complaint's clocks
-- are one row of complaint_clocks (format in sqlstore/clockset.go) with the
-- time the next of them fires, found by the monitor through the partial
-- index on next_at, and the earliest due time of those still counting
-- (overdue and due-soon filters, due order). The reminder, breach and
-- escalation jobs of the former design are deleted; the monitor works out
-- what they would have done from the clocks (next_at = 0: look now).
CREATE TABLE complaint_clocks (
  complaint_id BIGINT PRIMARY KEY,
  base         BIGINT NOT NULL,
  clocks       TEXT NOT NULL,
  extensions   TEXT NOT NULL DEFAULT '',
  next_at      BIGINT,
  due_at       BIGINT,
  version      INTEGER NOT NULL DEFAULT 1
);

INSERT INTO complaint_clocks (complaint_id, base, clocks, extensions, next_at, due_at)
SELECT k.complaint_id, b.base,
  string_agg(k.policy || '@1,' || CASE k.state WHEN 'running' THEN 'r' WHEN 'paused' THEN 'p' WHEN 'met' THEN 'm' ELSE 'b' END
    || ',' || (k.started_at - b.base) || ',' || (k.due_at - b.base)
    || CASE WHEN k.paused_at IS NOT NULL THEN ',p' || (k.paused_at - b.base) ELSE '' END
    || CASE WHEN k.paused_total <> 0 THEN ',t' || k.paused_total ELSE '' END
    || CASE WHEN k.stopped_at IS NOT NULL THEN ',x' || (k.stopped_at - b.base) ELSE '' END
    || CASE WHEN k.breached_at IS NOT NULL THEN ',b' || (k.breached_at - b.base) ELSE '' END
    || CASE WHEN k.lateness <> 0 THEN ',l' || k.lateness ELSE '' END
    || CASE WHEN k.holder_id IS NOT NULL THEN ',h' || k.holder_id ELSE '' END
    || CASE WHEN k.reminded_at IS NOT NULL THEN ',r' || (k.reminded_at - b.base) ELSE '' END
    || CASE WHEN k.escalated_at IS NOT NULL THEN ',e' || (k.escalated_at - b.base) ELSE '' END, ';' ORDER BY k.id),
  COALESCE('{' || string_agg(CASE WHEN k.extension <> '' THEN '"' || k.n || '":' || k.extension END, ',' ORDER BY k.id) || '}', ''),
  CASE WHEN SUM(CASE WHEN k.state = 'running' OR (k.state = 'breached' AND k.stopped_at IS NULL AND k.escalated_at IS NULL) THEN 1 ELSE 0 END) > 0
    THEN 0 END,
  MIN(CASE WHEN k.state = 'running' OR (k.state = 'breached' AND k.stopped_at IS NULL) THEN k.due_at END)
FROM (SELECT *, row_number() OVER (PARTITION BY complaint_id ORDER BY id) AS n FROM sla_clocks) k
JOIN (SELECT complaint_id, MIN(started_at) AS base FROM sla_clocks GROUP BY complaint_id) b ON b.complaint_id = k.complaint_id
GROUP BY k.complaint_id, b.base;

DROP TABLE sla_clocks;
CREATE INDEX complaint_clocks_next ON complaint_clocks(next_at) WHERE next_at IS NOT NULL;
DELETE FROM jobs WHERE kind IN ('sla.remind', 'sla.breach', 'sla.escalate');

-- Time-limit policies are data (issue 11): every administrator's save is a
-- new version (the shipped policies.json is version 1, stored at start);
-- a clock keeps the version it started under. Servers poll the highest
-- version to reload.
CREATE TABLE sla_policy_versions (
  version         INTEGER PRIMARY KEY,
  policies        TEXT NOT NULL,
  note            TEXT NOT NULL DEFAULT '',
  created_by      BIGINT,
  created_by_name TEXT NOT NULL DEFAULT '',
  created_at      BIGINT NOT NULL
);

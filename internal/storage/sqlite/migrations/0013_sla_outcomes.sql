-- The outcome of each complaint's time-limit clocks, kept on the complaint
-- (issue 7): "policy:o" pairs in policy order, o being m (met), b (breached)
-- or r (counting). On-time rates then come with the complaint rows the
-- statistics read anyway, instead of from millions of clock rows; every
-- change of a clock's state rewrites the column in the same transaction.
ALTER TABLE complaints ADD COLUMN sla_outcomes TEXT NOT NULL DEFAULT '';

UPDATE complaints SET sla_outcomes = (
  SELECT group_concat(o, ',') FROM (
    SELECT k.policy || ':' || CASE WHEN k.breached_at IS NOT NULL OR k.state = 'breached' THEN 'b'
      WHEN k.state = 'met' THEN 'm' ELSE 'r' END AS o
    FROM sla_clocks k WHERE k.complaint_id = complaints.id ORDER BY k.policy))
WHERE id IN (SELECT DISTINCT complaint_id FROM sla_clocks);

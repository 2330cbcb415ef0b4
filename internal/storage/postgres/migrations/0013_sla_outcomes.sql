-- The outcome of each complaint's time-limit clocks, kept on the complaint
-- (issue 7): "policy:o" pairs in policy order, o being m (met), b (breached)
-- or r (counting). On-time rates then come with the complaint rows the
-- statistics read anyway, instead of from millions of clock rows; every
-- change of a clock's state rewrites the column in the same transaction.
ALTER TABLE complaints ADD COLUMN sla_outcomes TEXT NOT NULL DEFAULT '';

UPDATE complaints c SET sla_outcomes = o.outcomes
FROM (SELECT k.complaint_id, string_agg(k.policy || ':' || CASE WHEN k.breached_at IS NOT NULL OR k.state = 'breached' THEN 'b'
        WHEN k.state = 'met' THEN 'm' ELSE 'r' END, ',' ORDER BY k.policy COLLATE "C") AS outcomes
      FROM sla_clocks k GROUP BY k.complaint_id) o
WHERE c.id = o.complaint_id;

-- Lifecycle milestones for statistics (issue: reports): the first time a
-- case left registration (accepted, rejected or solved on the spot), the
-- first reply to the customer, and the execution of the resolution. Stage
-- times are the differences between them, received_at and closed_at.
ALTER TABLE complaints ADD COLUMN accepted_at INTEGER;
ALTER TABLE complaints ADD COLUMN replied_at INTEGER;
ALTER TABLE complaints ADD COLUMN executed_at INTEGER;

-- Cases handled before this migration take their milestones from the timeline.
UPDATE complaints SET
  accepted_at = (SELECT MIN(e.at) FROM complaint_events e WHERE e.complaint_id = complaints.id
    AND e.kind IN ('transition', 'reply') AND CASE WHEN e.data <> '' THEN json_extract(e.data, '$.from') END = 'registered'),
  replied_at = (SELECT MIN(e.at) FROM complaint_events e WHERE e.complaint_id = complaints.id AND e.kind = 'reply'),
  executed_at = (SELECT MIN(e.at) FROM complaint_events e WHERE e.complaint_id = complaints.id
    AND e.kind IN ('transition', 'reply') AND CASE WHEN e.data <> '' THEN json_extract(e.data, '$.action') END = 'execute')
WHERE status <> 'registered';

-- On-time rates count clocks by when they started.
CREATE INDEX sla_clocks_started ON sla_clocks(started_at);

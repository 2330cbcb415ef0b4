-- Statistics over many complaints (issue 7).

-- Open cases are overdue when a clock runs past its due time (found by
-- sla_clocks_due) or was marked breached and not yet stopped. Stopped
-- breaches pile up over the years; this index holds only the unstopped
-- ones, so statistics and the dashboard find overdue cases without reading
-- every breach ever recorded. Registration never writes it.
CREATE INDEX sla_clocks_overdue ON sla_clocks(complaint_id) WHERE state = 'breached' AND stopped_at IS NULL;

-- On-time rates count the clocks of the complaints in a period by policy
-- and outcome; with those columns in the complaint's index the clock rows
-- themselves are not read. It replaces the index on complaint_id alone.
DROP INDEX sla_clocks_complaint;
CREATE INDEX sla_clocks_complaint ON sla_clocks(complaint_id, policy, state, due_at, breached_at);

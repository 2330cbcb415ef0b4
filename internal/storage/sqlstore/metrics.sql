-- Gauges read when /metrics is scraped.

-- name: metrics.jobs
SELECT kind, status, COUNT(*) FROM jobs WHERE status IN ('pending', 'running', 'dead') AND status <> 'done' GROUP BY kind, status

-- name: metrics.clocks
-- The complaints with a clock still counting (due_at) or paused.
SELECT complaint_id, base, clocks, extensions, version FROM complaint_clocks
WHERE due_at IS NOT NULL OR clocks LIKE '%,p,%'

-- Export queries (issue 7), loaded with queries.sql.

-- name: export.insert
INSERT INTO exports (kind, format, filter, personal, lang, status, requested_by, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) RETURNING id

-- name: export.select
SELECT e.id, e.kind, e.format, e.filter, e.personal, e.lang, e.status, e.rows_done, e.rows_total, e.file, e.size, e.error,
  e.requested_by, COALESCE(u.name, ''), e.created_at, e.finished_at, e.expires_at
FROM exports e LEFT JOIN users u ON u.id = e.requested_by

-- name: export.start
UPDATE exports SET status = 'running', rows_done = 0, rows_total = ? WHERE id = ? AND status IN ('queued', 'running')

-- name: export.progress
UPDATE exports SET rows_done = ? WHERE id = ? AND status = 'running'

-- name: export.finish
UPDATE exports SET status = 'done', file = ?, size = ?, rows_done = ?, finished_at = ?, error = '' WHERE id = ? AND status = 'running'

-- name: export.fail
UPDATE exports SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')

-- name: export.expired
WHERE e.expires_at <= ? AND e.file <> '' ORDER BY e.id LIMIT 100

-- name: export.forget
UPDATE exports SET file = '' WHERE id = ?

-- name: export.shared
SELECT COUNT(*) FROM exports WHERE file = ? AND file <> ''

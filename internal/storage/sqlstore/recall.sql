-- Product recalls (REC-1).

-- name: recall.insert
INSERT INTO recalls (title, source_kind, source_id, product_id, lots, produced_from, produced_to, reason, packaging, how_to_return,
  status, opened_at, opened_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- The columns of a recall, with its product and its tasks' totals.
-- name: recall.get
SELECT r.id, r.title, r.source_kind, r.source_id, r.product_id, p.code, p.name, p.model, r.lots, r.produced_from, r.produced_to,
  r.reason, r.packaging, r.how_to_return, r.status, r.opened_at, r.opened_by, r.quarantined, r.closed_at, r.version,
  COALESCE((SELECT SUM(t.shipped) FROM recall_tasks t WHERE t.recall_id = r.id), 0),
  COALESCE((SELECT SUM(t.recalled + t.in_stock) FROM recall_tasks t WHERE t.recall_id = r.id), 0)
FROM recalls r JOIN products p ON p.id = r.product_id
WHERE r.id = ?

-- name: recall.list
SELECT r.id, r.title, r.source_kind, r.source_id, r.product_id, p.code, p.name, p.model, r.lots, r.produced_from, r.produced_to,
  r.reason, r.packaging, r.how_to_return, r.status, r.opened_at, r.opened_by, r.quarantined, r.closed_at, r.version,
  COALESCE((SELECT SUM(t.shipped) FROM recall_tasks t WHERE t.recall_id = r.id), 0),
  COALESCE((SELECT SUM(t.recalled + t.in_stock) FROM recall_tasks t WHERE t.recall_id = r.id), 0)
FROM recalls r JOIN products p ON p.id = r.product_id
WHERE (? = '' OR r.status = ?)
ORDER BY r.id DESC LIMIT ?

-- Moving the version first takes the recall's row lock and refuses a
-- closed recall: its changes run one after another.
-- name: recall.bump
UPDATE recalls SET version = version + 1 WHERE id = ? AND status = 'open'

-- name: recall.status
SELECT status FROM recalls WHERE id = ?

-- name: recall.quarantined
UPDATE recalls SET quarantined = ? WHERE id = ?

-- name: recall.close
UPDATE recalls SET status = 'closed', closed_at = ? WHERE id = ?

-- name: recall.task.list
SELECT t.id, t.recall_id, t.customer_id, c.name, c.email, t.lot, t.shipped_on, t.shipped, t.recalled, t.in_stock, t.isolated,
  t.destroyed, t.notified_at, t.answered_at, t.answered_by, t.reminders, t.token, t.version
FROM recall_tasks t JOIN customers c ON c.id = t.customer_id
WHERE t.recall_id = ? ORDER BY c.name, t.lot

-- name: recall.task.get
SELECT t.id, t.recall_id, t.customer_id, c.name, c.email, t.lot, t.shipped_on, t.shipped, t.recalled, t.in_stock, t.isolated,
  t.destroyed, t.notified_at, t.answered_at, t.answered_by, t.reminders, t.token, t.version
FROM recall_tasks t JOIN customers c ON c.id = t.customer_id
WHERE t.id = ?

-- name: recall.task.by_token
SELECT t.id, t.recall_id, t.customer_id, c.name, c.email, t.lot, t.shipped_on, t.shipped, t.recalled, t.in_stock, t.isolated,
  t.destroyed, t.notified_at, t.answered_at, t.answered_by, t.reminders, t.token, t.version
FROM recall_tasks t JOIN customers c ON c.id = t.customer_id
WHERE t.token = ?

-- name: recall.task.find
SELECT id FROM recall_tasks WHERE recall_id = ? AND customer_id = ? AND lot = ?

-- name: recall.task.insert
INSERT INTO recall_tasks (recall_id, customer_id, lot, shipped_on, shipped, notified_at, token)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: recall.task.add
UPDATE recall_tasks SET shipped = shipped + ?, version = version + 1 WHERE id = ?

-- name: recall.task.answer
UPDATE recall_tasks SET recalled = ?, in_stock = ?, isolated = ?, destroyed = ?, answered_at = ?, answered_by = ?,
  version = version + 1
WHERE id = ?

-- name: recall.task.remind
UPDATE recall_tasks SET reminders = ? WHERE id = ? AND answered_at IS NULL AND reminders < ?

-- name: recall.customer.by_code
SELECT id FROM customers WHERE code = ?

-- name: recall.file.insert
INSERT INTO recall_files (recall_id, kind, name, content_type, size, data, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: recall.file.list
SELECT id, kind, name, content_type, size, uploaded_at FROM recall_files WHERE recall_id = ? ORDER BY id

-- name: recall.file.get
SELECT id, kind, name, content_type, size, uploaded_at, data FROM recall_files WHERE id = ?

-- name: recall.file.reports
SELECT COUNT(*) FROM recall_files WHERE recall_id = ? AND kind = 'test_report'

-- name: recall.disposal.insert
INSERT INTO recall_disposals (recall_id, at, method, quantity, note, by_user) VALUES (?, ?, ?, ?, ?, ?) RETURNING id

-- name: recall.disposal.list
SELECT id, recall_id, at, method, quantity, note, by_user FROM recall_disposals WHERE recall_id = ? ORDER BY id

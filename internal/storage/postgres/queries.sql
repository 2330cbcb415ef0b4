-- PostgreSQL overrides of shared queries. The shared ones are rebound from
-- ? to $n; these add what only PostgreSQL has.

-- name: kb.search
-- The knowledge base's candidates are looked up one by one through the
-- primary key. Left to itself the planner scans every entry, checking the
-- text condition on each, because it judges that condition to keep few
-- rows; OFFSET 0 keeps the lookup a subquery the condition stays outside.
SELECT e.id, e.category, e.title, e.body, e.keywords, e.internal, e.version, e.uses, e.updated_by, e.updated_at, e.created_at
FROM (SELECT DISTINCT entry_id FROM kb_tokens WHERE %s LIMIT %d) t
CROSS JOIN LATERAL (SELECT * FROM kb_entries WHERE id = t.entry_id OFFSET 0) e

-- The search tsvector is written with the row (see Dialect.SearchArgs), so
-- a new complaint's row and its indexes are written once.

-- Ids are drawn before the insert (Dialect.AllocateIDs).

-- name: complaint.insert
INSERT INTO complaints (id, number, tracking_code, status, profile, profile_version, version, channel, received_at, subject, description,
  category, category_top, severity, safety, requests,
  complainant_name, complainant_phone, complainant_email, complainant_address, complainant_company,
  customer_id, customer_class, region, product_id, product_name, model, batch_no, batch_id,
  order_no, part_no, qty_shipped, qty_defective, ship_date, ship_address, usage_time,
  found_place, found_at, department_id, holder_id, backup_id, first_receiver_id, attachment_count, expected_by, created_at, updated_at,
  sla_outcomes, search)
VALUES

-- name: complaint.insert.row
(?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?::tsvector)

-- Claims skip rows another server is claiming at this moment, so two
-- servers never take the same job.

-- name: jobs.claim
UPDATE jobs SET status = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1
WHERE id IN (
  SELECT id FROM jobs
  WHERE ((status = 'pending' AND run_at <= ?) OR (status = 'running' AND locked_until < ?)) AND status <> 'done'
  ORDER BY id LIMIT ?
  FOR UPDATE SKIP LOCKED)
RETURNING id, kind, COALESCE(key, ''), payload, run_at, status, attempts, max_attempts, locked_by, locked_until, last_error, created_at, done_at

-- A case change locks its complaint's clocks until it commits; the
-- monitor's claim skips rows another server holds.

-- name: sla.set.lock.tx
SELECT complaint_id, base, clocks, extensions, version FROM complaint_clocks WHERE complaint_id = ? FOR UPDATE

-- name: sla.due
SELECT k.complaint_id, k.base, k.clocks, k.extensions, k.version, c.id, COALESCE(c.number, ''), c.holder_id, c.backup_id,
  COALESCE(hd.manager_id, cd.manager_id)
FROM complaint_clocks k
LEFT JOIN complaints c ON c.id = k.complaint_id
LEFT JOIN users h ON h.id = c.holder_id
LEFT JOIN departments hd ON hd.id = h.department_id
LEFT JOIN departments cd ON cd.id = c.department_id
WHERE k.next_at <= ?
ORDER BY k.next_at LIMIT ?
FOR UPDATE OF k SKIP LOCKED

-- A case change locks its complaint before its clocks; the monitor holds
-- clocks and takes only the complaints nobody holds, so neither waits for
-- the other in a cycle.

-- name: sla.due.complaints.tail
ORDER BY id FOR NO KEY UPDATE SKIP LOCKED

-- name: case.merge.survivor
-- The survivor of a merge is locked until the merge commits, so two cases
-- merged into each other at once cannot both pass the check.
SELECT merged_into FROM complaints WHERE id = ? FOR UPDATE

-- name: audit.head.keyed
SELECT last_id, keyed_from FROM audit_head WHERE id = 1 FOR UPDATE

-- A new ticket's id, drawn before its insert so that the statements
-- naming it travel in the same round trip (queue.ticket.insert.id).
-- name: queue.ticket.next_id
SELECT nextval(pg_get_serial_sequence('queue_tickets', 'id'))

-- A counter action's change of its ticket and its event in one
-- statement: the event is written only when the ticket was still in the
-- state the action was decided on (queue_pipe.go, actPipe).
-- name: queue.ticket.act
WITH moved AS (
  UPDATE queue_tickets SET status = ?, type_id = ?, counter_id = ?, called_at = ?, served_at = ?, finished_at = ?, calls = ?
  WHERE id = ? AND status = ?
  RETURNING id
)
INSERT INTO queue_events (ticket_id, at, action, counter_id, detail, by_name)
SELECT id, ?, ?, ?, ?, ? FROM moved

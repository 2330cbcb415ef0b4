-- Shared queries, written with ? placeholders; each engine rebinds them and
-- may override any name in its own queries.sql.

-- name: complaint.insert
INSERT INTO complaints (number, tracking_code, status, profile, profile_version, version, channel, received_at, subject, description,
  category, category_top, severity, safety, requests,
  complainant_name, complainant_phone, complainant_email, complainant_address, complainant_company,
  customer_id, customer_class, region, product_id, product_name, model, batch_no, batch_id,
  order_no, part_no, qty_shipped, qty_defective, ship_date, ship_address, usage_time,
  found_place, found_at, department_id, holder_id, backup_id, first_receiver_id, attachment_count, expected_by, created_at, updated_at,
  sla_outcomes)
VALUES

-- name: complaint.insert.row
(?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)

-- name: complaint.insert.returning
RETURNING id, tracking_code

-- name: complaint.events.insert
INSERT INTO complaint_events (complaint_id, at, actor_id, actor_name, kind, public, body, data) VALUES

-- name: complaint.events.row
(?, ?, ?, ?, ?, ?, ?, ?)

-- name: complaint.idempotency.insert
INSERT INTO idempotency_keys (scope, key, request_hash, complaint_id, created_at) VALUES

-- name: complaint.idempotency.row
(?, ?, ?, ?, ?)

-- name: complaint.idempotency.find
SELECT scope, key FROM idempotency_keys WHERE (scope, key) IN (VALUES

-- name: complaint.update
UPDATE complaints SET channel = ?, received_at = ?, subject = ?, description = ?,
  category = ?, category_top = ?, severity = ?, safety = ?, requests = ?,
  complainant_name = ?, complainant_phone = ?, complainant_email = ?, complainant_address = ?, complainant_company = ?,
  customer_id = ?, customer_class = ?, region = ?, product_id = ?, product_name = ?, model = ?, batch_no = ?, batch_id = ?,
  order_no = ?, part_no = ?, qty_shipped = ?, qty_defective = ?, ship_date = ?, ship_address = ?, usage_time = ?,
  found_place = ?, found_at = ?, department_id = ?, first_receiver_id = ?, updated_at = ?
WHERE id = ?

-- name: complaint.select
SELECT c.id, COALESCE(c.number, ''), c.tracking_code, c.status, c.version, c.channel, c.received_at, c.subject, c.description,
  c.category, c.severity, c.safety, c.requests,
  c.complainant_name, c.complainant_phone, c.complainant_email, c.complainant_address, c.complainant_company,
  c.customer_id, COALESCE(cu.name, ''), c.customer_class, c.region, c.product_id, c.product_name, c.model, c.batch_no, c.batch_id,
  c.order_no, c.part_no, c.qty_shipped, c.qty_defective, c.ship_date, c.ship_address, c.usage_time,
  c.found_place, c.found_at, c.department_id, c.holder_id, c.backup_id, c.first_receiver_id, COALESCE(u.name, ''), c.attachment_count,
  c.expected_by, c.created_at, c.updated_at, c.profile, c.profile_version
FROM complaints c
LEFT JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN users u ON u.id = c.first_receiver_id

-- name: complaint.event.insert
INSERT INTO complaint_events (complaint_id, at, actor_id, actor_name, kind, public, body, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: complaint.events
SELECT id, complaint_id, at, actor_id, actor_name, kind, public, body, data
FROM complaint_events WHERE complaint_id = ? AND (public OR ? = 0) ORDER BY id

-- name: complaint.idempotency.get
SELECT request_hash, complaint_id FROM idempotency_keys WHERE scope = ? AND key = ?

-- name: complaint.attachment.insert
INSERT INTO attachments (complaint_id, name, content_type, size, sha256, kind, public, uploaded_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: complaint.attachment.count
UPDATE complaints SET attachment_count = attachment_count + 1, updated_at = ? WHERE id = ?

-- name: complaint.attachments
SELECT id, complaint_id, name, content_type, size, sha256, kind, public, uploaded_by, created_at
FROM attachments WHERE complaint_id = ? ORDER BY id

-- name: complaint.attachment
SELECT id, complaint_id, name, content_type, size, sha256, kind, public, uploaded_by, created_at
FROM attachments WHERE id = ?

-- name: categories
SELECT code, parent, zh, en, quality, sort FROM categories ORDER BY sort, code

-- name: category.upsert
INSERT INTO categories (code, parent, zh, en, quality, sort) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (code) DO NOTHING

-- name: ref.department
SELECT 1 FROM departments WHERE id = ?

-- name: ref.category
SELECT parent, quality FROM categories WHERE code = ?

-- name: audit.list
SELECT id, at, actor_id, actor_name, ip, action, object, detail, prev_hash, hash FROM audit_log
WHERE (? = '' OR action = ?) AND (? = '' OR object = ?) AND (? = 0 OR actor_id = ?) AND (? = 0 OR id < ?)
ORDER BY id DESC LIMIT ?

-- name: audit.all
SELECT id, at, actor_id, actor_name, ip, action, object, detail, prev_hash, hash FROM audit_log
WHERE id > ? ORDER BY id LIMIT ?

-- name: audit.head
SELECT last_id, hash FROM audit_head WHERE id = 1

-- name: customer.insert
INSERT INTO customers (code, name, class, dealer_id, region, contact, phone, email, address, note, version, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id

-- name: customer.update
UPDATE customers SET code = ?, name = ?, class = ?, dealer_id = ?, region = ?, contact = ?, phone = ?, email = ?,
  address = ?, note = ?, version = version + 1 WHERE id = ? AND version = ?

-- name: customer.delete
DELETE FROM customers WHERE id = ?

-- name: customer.select
SELECT c.id, COALESCE(c.code, ''), c.name, c.class, c.dealer_id, COALESCE(d.name, ''), c.region, c.contact, c.phone, c.email,
  c.address, c.note, c.version, c.created_at
FROM customers c LEFT JOIN customers d ON d.id = c.dealer_id

-- name: customer.class
SELECT class FROM customers WHERE id = ?

-- name: product.insert
INSERT INTO products (code, name, model, line, version) VALUES (?, ?, ?, ?, 1) RETURNING id

-- name: product.update
UPDATE products SET code = ?, name = ?, model = ?, line = ?, version = version + 1 WHERE id = ? AND version = ?

-- name: product.delete
DELETE FROM products WHERE id = ?

-- name: product.select
SELECT id, code, name, model, line, version FROM products

-- name: batch.insert
INSERT INTO batches (product_id, lot_no, produced_on, quantity, status, supplier_id, version) VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING id

-- name: batch.update
UPDATE batches SET product_id = ?, lot_no = ?, produced_on = ?, quantity = ?, status = ?, supplier_id = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: batch.delete
DELETE FROM batches WHERE id = ?

-- name: batch.select
SELECT b.id, b.product_id, p.name, b.lot_no, b.produced_on, b.quantity, b.status, b.supplier_id, b.version
FROM batches b JOIN products p ON p.id = b.product_id

-- name: supplier.insert
INSERT INTO suppliers (code, name, contact, phone, email, version) VALUES (?, ?, ?, ?, ?, 1) RETURNING id

-- name: supplier.update
UPDATE suppliers SET code = ?, name = ?, contact = ?, phone = ?, email = ?, version = version + 1 WHERE id = ? AND version = ?

-- name: supplier.delete
DELETE FROM suppliers WHERE id = ?

-- name: supplier.select
SELECT id, code, name, contact, phone, email, version FROM suppliers

-- name: department.insert
INSERT INTO departments (code, name, name_en, parent_id, manager_id, deputy_id, sort, version) VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id

-- name: department.update
UPDATE departments SET code = ?, name = ?, name_en = ?, parent_id = ?, manager_id = ?, deputy_id = ?, sort = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: department.delete
DELETE FROM departments WHERE id = ?

-- name: department.select
SELECT d.id, d.code, d.name, d.name_en, d.parent_id, d.manager_id, d.deputy_id, COALESCE(m.name, ''), COALESCE(p.name, ''), d.sort, d.version
FROM departments d LEFT JOIN users m ON m.id = d.manager_id LEFT JOIN users p ON p.id = d.deputy_id

-- name: department.parent
SELECT parent_id FROM departments WHERE id = ?

-- name: user.insert
INSERT INTO users (username, name, email, phone, role, department_id, lang, disabled, password_hash, version, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id

-- name: user.update
UPDATE users SET name = ?, email = ?, phone = ?, role = ?, department_id = ?, lang = ?, disabled = ?, version = version + 1
WHERE id = ? AND version = ?

-- name: user.select
SELECT u.id, u.username, u.name, u.email, u.phone, u.role, u.department_id, COALESCE(d.name, ''), u.lang, u.disabled, u.version, u.created_at
FROM users u LEFT JOIN departments d ON d.id = u.department_id

-- name: user.credential
SELECT u.id, u.username, u.name, u.email, u.phone, u.role, u.department_id, COALESCE(d.name, ''), u.lang, u.disabled, u.version, u.created_at,
  u.password_hash, u.failed_logins, u.locked_until, u.must_change_password
FROM users u LEFT JOIN departments d ON d.id = u.department_id WHERE u.username = ?

-- name: user.password
UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = 0 WHERE id = ?

-- A new password ends the user's other sessions and revokes their other
-- tokens.

-- name: session.end_others
DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?

-- name: session.keep
UPDATE sessions SET must_change = ? WHERE token_hash = ? AND user_id = ?

-- name: token.revoke_others
UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL

-- name: user.login
UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?

-- name: user.count
SELECT COUNT(*) FROM users

-- name: session.insert
INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, ip, last_seen, must_change) VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: session.touch
UPDATE sessions SET last_seen = ? WHERE token_hash = ?

-- name: session.get
SELECT s.token_hash, s.user_id, s.csrf, s.created_at, s.expires_at, s.ip, s.last_seen, s.must_change, u.id, u.username, u.name, u.email, u.phone, u.role, u.department_id, COALESCE(d.name, ''), u.lang, u.disabled, u.version, u.created_at
FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN departments d ON d.id = u.department_id
WHERE s.token_hash = ? AND s.expires_at > ?

-- name: session.delete
DELETE FROM sessions WHERE token_hash = ?

-- name: session.expire
DELETE FROM sessions WHERE expires_at <= ?

-- name: token.insert
INSERT INTO api_tokens (user_id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id

-- name: token.list
SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.last_used, t.expires_at, t.revoked_at
FROM api_tokens t JOIN users u ON u.id = t.user_id

-- name: token.owner
SELECT user_id, revoked_at FROM api_tokens WHERE id = ?

-- name: token.revoke
UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL

-- name: token.get
SELECT t.id, t.user_id, t.name, t.hash, t.created_at, t.last_used, t.expires_at, u.id, u.username, u.name, u.email, u.phone, u.role, u.department_id, COALESCE(d.name, ''), u.lang, u.disabled, u.version, u.created_at
FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN departments d ON d.id = u.department_id WHERE t.hash = ? AND t.revoked_at IS NULL

-- name: token.used
UPDATE api_tokens SET last_used = ? WHERE id = ?

-- name: setting.get
SELECT value FROM settings WHERE key = ?

-- name: setting.put
INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value

-- name: case.load
SELECT c.id, COALESCE(c.number, ''), c.version, c.profile, c.profile_version, c.status, c.previous_status, c.level,
  c.category, COALESCE(cat.quality, p.quality, false), c.severity, c.safety, c.department_id,
  c.established, c.validity, c.malicious, c.responsibility, c.responsibility_note, c.root_cause,
  c.resolution, c.amount, c.currency, c.resolution_executed,
  c.follow_ups_done, c.last_satisfaction, c.approval_round, c.reopens,
  c.holder_id, c.backup_id, c.merged_into, c.reminder_date, c.closed_at,
  c.accepted_at, c.replied_at, c.executed_at, c.first_receiver_id, c.awaiting_role, c.erased_at IS NOT NULL
FROM complaints c
LEFT JOIN categories cat ON cat.code = c.category
LEFT JOIN categories p ON p.code = c.category_top
WHERE c.id = ?

-- name: case.parties
SELECT user_id FROM complaint_parties WHERE complaint_id = ? ORDER BY user_id

-- name: case.signers
SELECT approver_id FROM approvals WHERE complaint_id = ? AND round = ? AND decision = 'approved' ORDER BY id

-- name: case.committed
SELECT COUNT(*) FROM approvals WHERE complaint_id = ? AND round = ? AND decision = 'committed'

-- name: case.capa.owners
SELECT DISTINCT owner_department_id, owner_user_id FROM capa_actions WHERE complaint_id = ? AND superseded_by IS NULL

-- name: case.capa.summary
SELECT COUNT(*),
  COALESCE(SUM(CASE WHEN supplier_id IS NOT NULL THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN verification = 'effective' THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN verification = 'ineffective' THEN 1 ELSE 0 END), 0)
FROM capa_actions WHERE complaint_id = ? AND superseded_by IS NULL

-- name: case.save
UPDATE complaints SET version = version + 1, updated_at = ?, status = ?, previous_status = ?, level = ?,
  department_id = ?, established = ?, validity = ?, malicious = ?, responsibility = ?, responsibility_note = ?,
  root_cause = ?, resolution = ?, amount = ?, currency = ?, resolution_executed = ?,
  follow_ups_done = ?, last_satisfaction = ?, approval_round = ?, reopens = ?,
  holder_id = ?, backup_id = ?, merged_into = ?, reminder_date = ?, closed_at = ?,
  accepted_at = ?, replied_at = ?, executed_at = ?, awaiting_role = ?
WHERE id = ? AND version = ?

-- name: case.approval.insert
INSERT INTO approvals (complaint_id, round, level_role, approver_id, decision, comment, amount, currency, at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: case.followup.insert
INSERT INTO follow_ups (complaint_id, method, satisfaction, comment, by_user_id, at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: case.capa.reset
UPDATE capa_actions SET verification = '', verified_by = NULL, verified_at = NULL, verify_note = '', update_standard = ?,
  version = version + 1 WHERE complaint_id = ? AND verification = 'effective' AND superseded_by IS NULL

-- name: case.responsible.delete
DELETE FROM complaint_responsible WHERE complaint_id = ?

-- name: case.responsible.insert
INSERT INTO complaint_responsible (complaint_id, department_id, user_id, supplier_id, share, note) VALUES (?, ?, ?, ?, ?, ?)

-- name: case.responsible
SELECT department_id, user_id, supplier_id, share, note FROM complaint_responsible WHERE complaint_id = ? ORDER BY id

-- name: case.parties.delete
DELETE FROM complaint_parties WHERE complaint_id = ?

-- name: case.parties.insert
INSERT INTO complaint_parties (complaint_id, user_id) VALUES (?, ?)

-- name: capa.select
SELECT id, complaint_id, kind, description, owner_department_id, owner_user_id, supplier_id, due_date, status, evidence,
  done_at, verification, verified_by, verified_at, verify_note, update_standard, superseded_by, supersedes_id, version, created_at
FROM capa_actions

-- name: capa.insert
INSERT INTO capa_actions (complaint_id, kind, description, owner_department_id, owner_user_id, supplier_id, due_date, status,
  evidence, verification, update_standard, supersedes_id, version, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, 1, ?) RETURNING id

-- name: capa.supersede
UPDATE capa_actions SET superseded_by = ?, version = version + 1 WHERE id = ? AND complaint_id = ? AND superseded_by IS NULL

-- name: capa.update
UPDATE capa_actions SET status = ?, evidence = ?, done_at = ?, verification = ?, verified_by = ?, verified_at = ?,
  verify_note = ?, update_standard = ?, version = version + 1 WHERE id = ? AND version = ?

-- name: case.touch
UPDATE complaints SET version = version + 1, updated_at = ? WHERE id = ?

-- name: approvals.select
SELECT a.id, a.complaint_id, a.round, a.level_role, a.approver_id, COALESCE(u.name, ''), a.decision, a.comment, a.amount, a.currency, a.at
FROM approvals a LEFT JOIN users u ON u.id = a.approver_id WHERE a.complaint_id = ? ORDER BY a.id

-- name: followups.select
SELECT id, complaint_id, method, satisfaction, comment, by_user_id, at, created_at FROM follow_ups WHERE complaint_id = ? ORDER BY id

-- name: department.by_code
SELECT id FROM departments WHERE code = ?

-- name: case.last_holder
SELECT holder_id FROM complaints WHERE department_id = ? AND holder_id IS NOT NULL ORDER BY id DESC LIMIT 1

-- name: jobs.insert
INSERT INTO jobs (kind, key, payload, run_at, status, max_attempts, created_at) VALUES

-- name: jobs.insert.row
(?, ?, ?, ?, 'pending', ?, ?)

-- name: jobs.insert.tail
ON CONFLICT (key) DO NOTHING

-- name: jobs.claim
UPDATE jobs SET status = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1
WHERE id IN (
  SELECT id FROM jobs WHERE status = 'pending' AND run_at <= ? AND status <> 'done'
  UNION ALL
  SELECT id FROM jobs WHERE status = 'running' AND locked_until < ? AND status <> 'done'
  ORDER BY id LIMIT ?)
RETURNING id, kind, COALESCE(key, ''), payload, run_at, status, attempts, max_attempts, locked_by, locked_until, last_error, created_at, done_at

-- name: jobs.extend
UPDATE jobs SET locked_until = ? WHERE locked_by = ? AND status = 'running' AND id IN

-- name: jobs.complete
UPDATE jobs SET status = 'done', done_at = ?, locked_until = NULL WHERE id = ? AND locked_by = ? AND status = 'running'

-- name: jobs.complete.many
UPDATE jobs SET status = 'done', done_at = ?, locked_until = NULL WHERE locked_by = ? AND status = 'running' AND id IN

-- name: jobs.fail
UPDATE jobs SET status = CASE WHEN ? OR attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
  run_at = ?, last_error = ?, locked_until = NULL WHERE id = ? AND locked_by = ? AND status = 'running'

-- name: jobs.drop_pending
DELETE FROM jobs WHERE status = 'pending' AND kind IN

-- name: jobs.retry
UPDATE jobs SET status = 'pending', run_at = ?, attempts = 0, last_error = '' WHERE id = ? AND status = 'dead'

-- name: jobs.select
SELECT id, kind, COALESCE(key, ''), payload, run_at, status, attempts, max_attempts, locked_by, locked_until, last_error, created_at, done_at
FROM jobs

-- name: jobs.next
SELECT MIN(run_at) FROM jobs WHERE status = 'pending' AND status <> 'done'

-- name: jobs.prune
DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status = 'done' AND run_at < ? AND done_at < ?

-- name: case.survey.insert
INSERT INTO follow_ups (complaint_id, method, comment, token_hash, created_at) VALUES (?, 'survey', '', ?, ?) RETURNING id

-- name: case.survey.get
SELECT complaint_id, id, token_used IS NOT NULL FROM follow_ups WHERE token_hash = ?

-- name: case.survey.answer
UPDATE follow_ups SET satisfaction = ?, comment = ?, at = ?, token_used = ? WHERE id = ? AND token_used IS NULL

-- name: incident.subject.select
SELECT c.id, COALESCE(c.number, ''), c.status, COALESCE(cat.quality, p.quality, false), c.customer_id, c.complainant_phone,
  c.product_id, c.product_name, c.batch_no, c.batch_id, c.received_at, c.merged_into
FROM complaints c
LEFT JOIN categories cat ON cat.code = c.category
LEFT JOIN categories p ON p.code = c.category_top

-- name: incident.batch.count
SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN c.qty_defective >= 1 THEN c.qty_defective ELSE 1 END), 0) AS BIGINT) FROM complaints c
LEFT JOIN categories cat ON cat.code = c.category
LEFT JOIN categories p ON p.code = c.category_top
WHERE c.batch_no = ? AND c.received_at >= ? AND c.received_at <= ? AND c.merged_into IS NULL
  AND COALESCE(cat.quality, p.quality, false)

-- name: incident.batch.lookup
SELECT id, product_id FROM batches WHERE lot_no = ? ORDER BY id LIMIT 1

-- name: incident.managers
SELECT DISTINCT manager_id FROM departments WHERE manager_id IS NOT NULL AND code IN

-- name: incident.select
SELECT id, batch_no, batch_id, product_id, product_name, opened_at, trigger_complaint_id, complaint_count, unit_count, status,
  quarantined, quarantined_by, quarantined_at, recipients, closed_at, version
FROM batch_incidents

-- name: incident.insert
INSERT INTO batch_incidents (batch_no, batch_id, product_id, product_name, opened_at, trigger_complaint_id, complaint_count,
  unit_count, status, quarantined, recipients, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, 1) RETURNING id

-- name: incident.count.update
UPDATE batch_incidents SET complaint_count = ?, unit_count = ?, version = version + 1 WHERE id = ? AND unit_count < ?

-- name: incident.quarantined
UPDATE batch_incidents SET quarantined = ?, quarantined_by = ?, quarantined_at = ?, version = version + 1 WHERE id = ? AND version = ?

-- name: link.insert
INSERT INTO complaint_links (from_id, to_id, kind, by_user_id, created_at) VALUES (?, ?, ?, ?, ?)

-- name: case.merge.survivor
SELECT merged_into FROM complaints WHERE id = ?

-- name: link.exists
SELECT id, created_at FROM complaint_links WHERE from_id = ? AND to_id = ? AND kind = ?

-- name: link.list
SELECT id, from_id, to_id, kind, by_user_id, created_at FROM complaint_links WHERE from_id = ?
UNION ALL
SELECT id, from_id, to_id, kind, by_user_id, created_at FROM complaint_links WHERE to_id = ?
ORDER BY id

-- name: ledger.lock
UPDATE customers SET version = version WHERE id = ?

-- name: ledger.class
SELECT class FROM customers WHERE id = ?

-- name: ledger.sums
SELECT kind, COALESCE(SUM(amount), 0) FROM dealer_ledger WHERE customer_id = ? GROUP BY kind

-- name: ledger.insert
INSERT INTO dealer_ledger (customer_id, kind, amount, complaint_id, note, by_user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: ledger.list
SELECT id, customer_id, kind, amount, complaint_id, note, by_user_id, at FROM dealer_ledger WHERE customer_id = ? ORDER BY id

-- Time limits (issues 6, 16): a complaint's clocks in one row
-- (complaint_clocks, see clockset.go), the monitor's claims and the in-app
-- notifications the firings record.

-- name: sla.subject
SELECT c.id, COALESCE(cat.quality, p.quality, false), c.safety, c.category, c.category_top, c.severity, c.region, c.customer_class,
  c.profile, c.resolution
FROM complaints c
LEFT JOIN categories cat ON cat.code = c.category
LEFT JOIN categories p ON p.code = c.category_top

-- name: sla.set.lock
SELECT complaint_id, base, clocks, extensions, version FROM complaint_clocks WHERE complaint_id = ?

-- The PostgreSQL override locks the row for the change's transaction.
-- name: sla.set.lock.tx
SELECT complaint_id, base, clocks, extensions, version FROM complaint_clocks WHERE complaint_id = ?

-- name: sla.set.insert
INSERT INTO complaint_clocks (complaint_id, base, clocks, extensions, next_at, due_at, version) VALUES

-- name: sla.set.insert.row
(?, ?, ?, ?, ?, ?, 1)

-- name: sla.set.upsert
ON CONFLICT (complaint_id) DO UPDATE SET base = excluded.base, clocks = excluded.clocks, extensions = excluded.extensions,
  next_at = excluded.next_at, due_at = excluded.due_at, version = complaint_clocks.version + 1

-- name: sla.set.rewrite
WITH v(id, clocks, extensions, next_at, due_at) AS (VALUES

-- name: sla.set.rewrite.row
(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT))

-- name: sla.set.rewrite.tail
) UPDATE complaint_clocks SET clocks = v.clocks, extensions = v.extensions, next_at = v.next_at, due_at = v.due_at,
  version = complaint_clocks.version + 1
FROM v WHERE complaint_clocks.complaint_id = v.id

-- name: sla.next
SELECT MIN(next_at) FROM complaint_clocks WHERE next_at IS NOT NULL

-- The monitor's claim; the PostgreSQL override skips rows another server
-- holds.
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

-- The complaints of the claimed clocks, whose outcomes the pass rewrites;
-- the PostgreSQL override locks them, skipping those a case change holds.
-- name: sla.due.complaints
SELECT id FROM complaints WHERE id IN

-- name: sla.due.complaints.tail
ORDER BY id

-- name: sla.firing
SELECT complaint_id, base, clocks, extensions, version FROM complaint_clocks WHERE next_at <= ? ORDER BY next_at LIMIT ?

-- Complaints without clocks (registered by an older kesu), by id.
-- name: sla.unclocked
SELECT c.id, c.channel, c.received_at FROM complaints c
WHERE NOT EXISTS (SELECT 1 FROM complaint_clocks k WHERE k.complaint_id = c.id) AND c.id IN

-- name: sla.page
SELECT c.id, COALESCE(c.number, ''), d.manager_id, d.deputy_id FROM complaints c LEFT JOIN departments d ON d.id = c.department_id

-- name: sla.gms
SELECT id FROM users WHERE role = 'gm' AND NOT disabled ORDER BY id

-- name: sla.policies.latest
SELECT COALESCE(MAX(version), 0) FROM sla_policy_versions

-- name: sla.policies.after
SELECT version, policies, note, created_by, created_by_name, created_at FROM sla_policy_versions WHERE version > ? ORDER BY version

-- name: sla.policies.insert
INSERT INTO sla_policy_versions (version, policies, note, created_by, created_by_name, created_at) VALUES (?, ?, ?, ?, ?, ?)

-- name: sla.policies.seed
INSERT INTO sla_policy_versions (version, policies, note, created_by_name, created_at) VALUES (1, ?, ?, ?, ?)
ON CONFLICT (version) DO NOTHING

-- name: sla.pending
SELECT id, COALESCE(number, ''), holder_id FROM complaints
WHERE holder_id IS NOT NULL AND reminder_date IS NOT NULL AND reminder_date <= ? AND status IN

-- name: notification.insert
INSERT INTO notifications (user_id, kind, complaint_id, title, body, dedupe_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dedupe_key) DO NOTHING

-- name: notification.recipients
SELECT id, name, email, phone, lang, disabled FROM users

-- name: notification.select
SELECT id, user_id, kind, complaint_id, title, body, COALESCE(dedupe_key, ''), created_at, read_at FROM notifications

-- name: notification.read
UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL

-- name: report.facts
-- The short codes travel as one string and the small numbers as one
-- integer: reading a column costs more than the work of packing it.
SELECT c.category_top || '|' || c.category || '|' || c.severity || '|' || c.channel || '|' || c.customer_class || '|' ||
    c.region || '|' || c.status || '|' || c.validity || '|' || c.responsibility,
  c.root_cause, c.batch_no, c.sla_outcomes,
  CASE WHEN c.established IS NULL THEN 0 WHEN c.established THEN 1 ELSE 2 END + CASE WHEN c.safety THEN 4 ELSE 0 END +
    8 * c.last_satisfaction + 128 * c.reopens,
  COALESCE(c.department_id, 0), COALESCE(c.product_id, 0), COALESCE(c.holder_id, 0),
  c.received_at, c.accepted_at, c.replied_at, c.executed_at, c.closed_at,
  CASE WHEN c.closed_at IS NULL THEN EXISTS (SELECT 1 FROM complaint_clocks k WHERE k.complaint_id = c.id AND k.due_at < ?)
    ELSE false END
FROM complaints c

-- name: report.responsible
SELECT r.department_id, COUNT(DISTINCT r.complaint_id)
FROM complaints c JOIN complaint_responsible r ON r.complaint_id = c.id

-- name: report.repeats
SELECT COUNT(DISTINCT l.from_id)
FROM complaints c JOIN complaint_links l ON l.from_id = c.id AND l.kind = 'repeat'

-- name: report.count
SELECT COUNT(*) FROM complaints c

-- name: report.live
SELECT COALESCE(c.holder_id, 0), COALESCE(c.department_id, 0), COUNT(*),
  SUM(CASE WHEN EXISTS (SELECT 1 FROM complaint_clocks k WHERE k.complaint_id = c.id AND k.due_at < ?) THEN 1 ELSE 0 END)
FROM complaints c

-- name: report.due.complaints
SELECT id, COALESCE(number, ''), subject, COALESCE(holder_id, 0) FROM complaints

-- name: report.names.departments
SELECT id, name, name_en FROM departments

-- name: report.names.users
SELECT id, name FROM users

-- name: report.names.products
SELECT id, name FROM products

-- name: report.names.categories
SELECT code, zh, en FROM categories
-- name: calendar.version
SELECT version FROM calendar_state WHERE id = 1

-- name: calendar.bump
UPDATE calendar_state SET version = version + 1 WHERE id = 1 RETURNING version

-- name: calendar.years
SELECT year, data, origin, note, updated_by, updated_by_name, updated_at FROM calendar_years ORDER BY year

-- name: calendar.year
SELECT year, data, origin, note, updated_by, updated_by_name, updated_at FROM calendar_years WHERE year = ?

-- name: calendar.upsert
INSERT INTO calendar_years (year, data, origin, note, updated_by, updated_by_name, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (year) DO UPDATE SET data = excluded.data, origin = excluded.origin, note = excluded.note,
  updated_by = excluded.updated_by, updated_by_name = excluded.updated_by_name, updated_at = excluded.updated_at

-- name: calendar.delete
DELETE FROM calendar_years WHERE year = ?

-- name: report.proposals
SELECT a.complaint_id, COALESCE(c.number, ''), a.kind, a.description, a.verify_note, a.verified_at
FROM capa_actions a JOIN complaints c ON c.id = a.complaint_id
WHERE a.update_standard AND a.verification = 'effective' AND a.verified_at >= ? AND a.verified_at < ?
ORDER BY a.verified_at, a.id

-- name: report.losses
SELECT c.id, COALESCE(c.number, ''), c.closed_at, c.category, COALESCE(cat.zh, c.category), COALESCE(cat.en, c.category),
  c.resolution, COALESCE(l.total, c.amount), COALESCE(l.currency, c.currency), r.department_id, COALESCE(d.name, ''), r.user_id, COALESCE(u.name, ''), r.supplier_id, COALESCE(s.name, ''), COALESCE(r.share, 0)
FROM complaints c
LEFT JOIN case_losses l ON l.complaint_id = c.id
LEFT JOIN complaint_responsible r ON r.complaint_id = c.id
LEFT JOIN departments d ON d.id = r.department_id
LEFT JOIN users u ON u.id = r.user_id
LEFT JOIN suppliers s ON s.id = r.supplier_id
LEFT JOIN categories cat ON cat.code = c.category
WHERE c.closed_at >= ? AND c.closed_at < ? AND COALESCE(l.total, c.amount) > 0

-- name: report.losses.order
ORDER BY c.closed_at, c.id, r.id

-- Benchmark data: cases recorded as handled in bulk (BulkSetCases). The
-- casts type the values list on PostgreSQL.

-- name: bulk.cases
WITH v(id, established, validity, responsibility, root_cause, accepted_at, replied_at, executed_at, closed_at,
  last_satisfaction, reopens, sla_outcomes, status, department_id, holder_id) AS (VALUES

-- name: bulk.cases.row
(CAST(? AS BIGINT), CAST(? AS BOOLEAN), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT),
  CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT),
  CAST(? AS BIGINT), CAST(? AS BIGINT))

-- name: bulk.cases.set
) UPDATE complaints SET established = v.established, validity = v.validity, responsibility = v.responsibility,
  root_cause = v.root_cause, accepted_at = v.accepted_at, replied_at = v.replied_at, executed_at = v.executed_at,
  closed_at = v.closed_at, last_satisfaction = v.last_satisfaction, reopens = v.reopens, sla_outcomes = v.sla_outcomes,
  status = CASE WHEN v.status = '' THEN complaints.status ELSE v.status END,
  department_id = COALESCE(v.department_id, complaints.department_id), holder_id = COALESCE(v.holder_id, complaints.holder_id)
FROM v WHERE complaints.id = v.id

-- name: bulk.responsible
INSERT INTO complaint_responsible (complaint_id, department_id, share) VALUES

-- name: bulk.responsible.row
(?, ?, ?)

-- name: bulk.links
INSERT INTO complaint_links (from_id, to_id, kind, created_at) VALUES

-- name: bulk.links.row
(?, ?, 'repeat', ?)

-- name: complaint.outcomes.set
WITH v(id, o) AS (VALUES

-- name: complaint.outcomes.set.row
(CAST(? AS BIGINT), CAST(? AS TEXT))

-- name: complaint.outcomes.set.tail
) UPDATE complaints SET sla_outcomes = v.o FROM v WHERE complaints.id = v.id

-- Backups: what a restored database holds.

-- name: backup.counts
SELECT (SELECT count(*) FROM complaints), (SELECT count(*) FROM attachments), (SELECT COALESCE(MAX(id), 0) FROM audit_log)

-- name: audit.hash_of
SELECT hash FROM audit_log WHERE id = ?

-- The chain head with the entry it is keyed from; PostgreSQL locks it.
-- name: audit.head.keyed
SELECT last_id, keyed_from FROM audit_head WHERE id = 1

-- name: audit.keyed_from.set
UPDATE audit_head SET keyed_from = ? WHERE id = 1

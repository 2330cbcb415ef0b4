-- Shared queries, written with ? placeholders; each engine rebinds them and
-- may override any name in its own queries.sql.

-- name: complaint.insert
INSERT INTO complaints (number, tracking_code, status, version, channel, received_at, subject, description,
  category, category_top, severity, safety, requests,
  complainant_name, complainant_phone, complainant_email, complainant_address, complainant_company,
  customer_id, customer_class, region, product_id, product_name, model, batch_no, batch_id,
  order_no, part_no, qty_shipped, qty_defective, ship_date, ship_address, usage_time,
  found_place, found_at, department_id, first_receiver_id, attachment_count, expected_by, created_at, updated_at)
VALUES

-- name: complaint.insert.row
(?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)

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
UPDATE complaints SET version = version + 1, channel = ?, received_at = ?, subject = ?, description = ?,
  category = ?, category_top = ?, severity = ?, safety = ?, requests = ?,
  complainant_name = ?, complainant_phone = ?, complainant_email = ?, complainant_address = ?, complainant_company = ?,
  customer_id = ?, customer_class = ?, region = ?, product_id = ?, product_name = ?, model = ?, batch_no = ?, batch_id = ?,
  order_no = ?, part_no = ?, qty_shipped = ?, qty_defective = ?, ship_date = ?, ship_address = ?, usage_time = ?,
  found_place = ?, found_at = ?, department_id = ?, first_receiver_id = ?, status = ?, updated_at = ?
WHERE id = ? AND version = ?

-- name: complaint.select
SELECT c.id, COALESCE(c.number, ''), c.tracking_code, c.status, c.version, c.channel, c.received_at, c.subject, c.description,
  c.category, c.severity, c.safety, c.requests,
  c.complainant_name, c.complainant_phone, c.complainant_email, c.complainant_address, c.complainant_company,
  c.customer_id, COALESCE(cu.name, ''), c.customer_class, c.region, c.product_id, c.product_name, c.model, c.batch_no, c.batch_id,
  c.order_no, c.part_no, c.qty_shipped, c.qty_defective, c.ship_date, c.ship_address, c.usage_time,
  c.found_place, c.found_at, c.department_id, c.first_receiver_id, COALESCE(u.name, ''), c.attachment_count,
  c.expected_by, c.created_at, c.updated_at
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
SELECT parent FROM categories WHERE code = ?

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
  u.password_hash, u.failed_logins, u.locked_until
FROM users u LEFT JOIN departments d ON d.id = u.department_id WHERE u.username = ?

-- name: user.password
UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = 0 WHERE id = ?

-- name: user.login
UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?

-- name: user.count
SELECT COUNT(*) FROM users

-- name: session.insert
INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, ip) VALUES (?, ?, ?, ?, ?, ?)

-- name: session.get
SELECT s.token_hash, s.user_id, s.csrf, s.created_at, s.expires_at, s.ip, u.id, u.username, u.name, u.email, u.phone, u.role, u.department_id, COALESCE(d.name, ''), u.lang, u.disabled, u.version, u.created_at
FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN departments d ON d.id = u.department_id
WHERE s.token_hash = ? AND s.expires_at > ?

-- name: session.delete
DELETE FROM sessions WHERE token_hash = ?

-- name: session.expire
DELETE FROM sessions WHERE expires_at <= ?

-- name: token.insert
INSERT INTO api_tokens (user_id, name, hash, created_at) VALUES (?, ?, ?, ?) RETURNING id

-- name: token.get
SELECT t.id, t.user_id, t.name, t.hash, t.created_at, t.last_used, u.id, u.username, u.name, u.email, u.phone, u.role, u.department_id, COALESCE(d.name, ''), u.lang, u.disabled, u.version, u.created_at
FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN departments d ON d.id = u.department_id WHERE t.hash = ?

-- name: token.used
UPDATE api_tokens SET last_used = ? WHERE id = ?

-- name: setting.get
SELECT value FROM settings WHERE key = ?

-- name: setting.put
INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value

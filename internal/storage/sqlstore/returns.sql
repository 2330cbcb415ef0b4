-- name: returns.select
SELECT complaint_id, number, reason, handling, approved_qty, approved_by, tolerance_bp, received_qty, booked_qty, received_by,
  received_at, signer, status, version, updated_at
FROM return_slips WHERE complaint_id = ?

-- name: returns.upsert
INSERT INTO return_slips (complaint_id, number, reason, handling, approved_qty, approved_by, tolerance_bp, received_qty, booked_qty,
  received_by, received_at, signer, status, version, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
ON CONFLICT (complaint_id) DO UPDATE SET number = excluded.number, reason = excluded.reason, handling = excluded.handling,
  approved_qty = excluded.approved_qty, approved_by = excluded.approved_by, tolerance_bp = excluded.tolerance_bp,
  received_qty = excluded.received_qty, booked_qty = excluded.booked_qty, received_by = excluded.received_by,
  received_at = excluded.received_at, signer = excluded.signer, status = excluded.status,
  version = return_slips.version + 1, updated_at = excluded.updated_at

-- name: returns.steps
SELECT step, note, by_user_id, at FROM return_steps WHERE complaint_id = ? ORDER BY seq

-- name: returns.step.insert
INSERT INTO return_steps (complaint_id, seq, step, note, by_user_id, at) VALUES (?, ?, ?, ?, ?, ?)

-- name: returns.tolerance
SELECT t.tolerance_bp FROM complaints c JOIN customer_terms t ON t.customer_id = c.customer_id WHERE c.id = ?

-- name: returns.terms.select
SELECT tolerance_bp, updated_at FROM customer_terms WHERE customer_id = ?

-- name: returns.terms.upsert
INSERT INTO customer_terms (customer_id, tolerance_bp, updated_at) VALUES (?, ?, ?)
ON CONFLICT (customer_id) DO UPDATE SET tolerance_bp = excluded.tolerance_bp, updated_at = excluded.updated_at

-- name: returns.steps.delete
DELETE FROM return_steps WHERE complaint_id = ?

-- name: parts.customer
SELECT c.customer_id, COALESCE(u.class, '') FROM complaints c LEFT JOIN customers u ON u.id = c.customer_id WHERE c.id = ?

-- name: parts.insert
INSERT INTO part_shipments (complaint_id, part, qty, unit_price, amount, basis, in_warranty, customer_id, ledger_entry, note, by_user_id, at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: parts.list
SELECT id, complaint_id, part, qty, unit_price, amount, basis, in_warranty, customer_id, ledger_entry, note, by_user_id, at
FROM part_shipments WHERE complaint_id = ? ORDER BY id

-- name: terms.allowance.select
SELECT allowance_bp FROM customer_terms WHERE customer_id = ?

-- name: terms.allowance.upsert
INSERT INTO customer_terms (customer_id, allowance_bp, updated_at) VALUES (?, ?, ?)
ON CONFLICT (customer_id) DO UPDATE SET allowance_bp = excluded.allowance_bp, updated_at = excluded.updated_at

-- Money of a case (FIN-2): costed losses, reward/penalty notices and their
-- lines, and the monthly penalty list.

-- name: money.loss.select
SELECT complaint_id, currency, parts, labour_minutes, labour_rate, labour, freight, compensation, returned_units, return_rate,
  returns, total, note, updated_by, updated_at
FROM case_losses WHERE complaint_id = ?

-- name: money.loss.upsert
INSERT INTO case_losses (complaint_id, currency, parts, labour_minutes, labour_rate, labour, freight, compensation,
  returned_units, return_rate, returns, total, note, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (complaint_id) DO UPDATE SET currency = excluded.currency, parts = excluded.parts,
  labour_minutes = excluded.labour_minutes, labour_rate = excluded.labour_rate, labour = excluded.labour,
  freight = excluded.freight, compensation = excluded.compensation, returned_units = excluded.returned_units,
  return_rate = excluded.return_rate, returns = excluded.returns, total = excluded.total, note = excluded.note,
  updated_by = excluded.updated_by, updated_at = excluded.updated_at

-- name: money.penalty.select
SELECT p.complaint_id, COALESCE(c.number, ''), p.currency, p.penalties, p.rewards, p.status, p.digest, p.approved_digest,
  p.approved_by, p.approved_at, p.version, p.updated_at
FROM penalty_notices p JOIN complaints c ON c.id = p.complaint_id

-- name: money.penalty.upsert
INSERT INTO penalty_notices (complaint_id, currency, penalties, rewards, status, digest, approved_digest, approved_by,
  approved_at, version, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
ON CONFLICT (complaint_id) DO UPDATE SET currency = excluded.currency, penalties = excluded.penalties,
  rewards = excluded.rewards, status = excluded.status, digest = excluded.digest, approved_digest = excluded.approved_digest,
  approved_by = excluded.approved_by, approved_at = excluded.approved_at, version = penalty_notices.version + 1,
  updated_at = excluded.updated_at

-- name: money.penalty.lines.delete
DELETE FROM penalty_lines WHERE complaint_id = ?

-- name: money.penalty.line.insert
INSERT INTO penalty_lines (complaint_id, seq, department_id, user_id, supplier_id, kind, amount, reason)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: money.penalty.lines
SELECT l.complaint_id, l.department_id, l.user_id, l.supplier_id,
  COALESCE(u.name, s.name, d.name, ''), l.kind, l.amount, l.reason
FROM penalty_lines l
LEFT JOIN departments d ON d.id = l.department_id
LEFT JOIN users u ON u.id = l.user_id
LEFT JOIN suppliers s ON s.id = l.supplier_id

-- name: money.penalties.approved
WHERE p.status = 'approved' AND p.approved_at >= ? AND p.approved_at < ?
ORDER BY p.approved_at, p.complaint_id

-- name: money.credit.select
SELECT complaint_id, number, currency, amount, reason, status, issued_at, issued_by, signed_at, signed_how, signer, signed_file,
  voided_at, void_reason, version, updated_at
FROM credit_notes WHERE complaint_id = ?

-- name: money.credit.upsert
INSERT INTO credit_notes (complaint_id, number, currency, amount, reason, status, issued_at, issued_by, signed_at, signed_how,
  signer, signed_file, voided_at, void_reason, version, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
ON CONFLICT (complaint_id) DO UPDATE SET number = excluded.number, currency = excluded.currency, amount = excluded.amount,
  reason = excluded.reason, status = excluded.status, issued_at = excluded.issued_at, issued_by = excluded.issued_by,
  signed_at = excluded.signed_at, signed_how = excluded.signed_how, signer = excluded.signer, signed_file = excluded.signed_file,
  voided_at = excluded.voided_at, void_reason = excluded.void_reason, version = credit_notes.version + 1,
  updated_at = excluded.updated_at

-- name: money.credit.receivables.delete
DELETE FROM credit_receivables WHERE complaint_id = ?

-- name: money.credit.receivable.insert
INSERT INTO credit_receivables (complaint_id, seq, ref, amount) VALUES (?, ?, ?, ?)

-- name: money.credit.receivables
SELECT ref, amount FROM credit_receivables WHERE complaint_id = ? ORDER BY seq

-- name: money.receivables.flagged
SELECT r.ref, r.amount, n.currency, n.complaint_id, n.number, n.status
FROM credit_receivables r JOIN credit_notes n ON n.complaint_id = r.complaint_id
WHERE n.status <> 'void'
ORDER BY r.ref, n.complaint_id

-- Receivables and collections, and the collection-bonus report (FIN-1).

-- name: money.receivable.customer
SELECT id FROM customers WHERE code = ?

-- name: money.receivable.user
SELECT id FROM users WHERE username = ?

-- name: money.receivable.user.id
SELECT 1 FROM users WHERE id = ?

-- name: money.receivable.terms
SELECT id, customer_id, salesperson_id, currency, amount, invoiced_on, due_on FROM receivables WHERE ref = ?

-- name: money.receivable.insert
INSERT INTO receivables (ref, customer_id, salesperson_id, currency, amount, invoiced_on, due_on, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: money.receivable.select
SELECT r.id, r.ref, r.customer_id, COALESCE(c.name, ''), r.salesperson_id, u.name, r.currency, r.amount, r.invoiced_on, r.due_on,
  r.collected, r.created_at
FROM receivables r JOIN users u ON u.id = r.salesperson_id LEFT JOIN customers c ON c.id = r.customer_id
WHERE r.ref = ?

-- name: money.receivable.collections
SELECT id, amount, collected_on, note, by_user_id, at FROM receivable_collections WHERE receivable_id = ? ORDER BY collected_on, id

-- name: money.receivable.collect
UPDATE receivables SET collected = collected + ? WHERE ref = ? AND collected + ? <= amount RETURNING id, amount - collected

-- name: money.receivable.outstanding
SELECT amount - collected FROM receivables WHERE ref = ?

-- name: money.receivable.collection.insert
INSERT INTO receivable_collections (receivable_id, amount, collected_on, note, by_user_id, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id

-- name: money.bonus.due
SELECT r.ref, COALESCE(c.name, ''), r.salesperson_id, u.name, r.currency, r.amount, r.due_on, r.collected,
  COALESCE((SELECT SUM(k.amount) FROM receivable_collections k WHERE k.receivable_id = r.id AND k.collected_on <= r.due_on), 0)
FROM receivables r JOIN users u ON u.id = r.salesperson_id LEFT JOIN customers c ON c.id = r.customer_id
WHERE r.due_on >= ? AND r.due_on < ?
ORDER BY r.due_on, r.ref

-- name: money.bonus.flags
SELECT cr.ref, cr.amount, n.currency, n.complaint_id, c.number, n.number, n.reason, n.status
FROM receivables r
JOIN credit_receivables cr ON cr.ref = r.ref
JOIN credit_notes n ON n.complaint_id = cr.complaint_id
JOIN complaints c ON c.id = n.complaint_id
WHERE r.due_on >= ? AND r.due_on < ? AND n.status <> 'void'
ORDER BY cr.ref, n.complaint_id

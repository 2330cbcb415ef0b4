-- Erasure of personal data (SEC-2, internal/privacy).

-- name: privacy.subject
SELECT id, COALESCE(number, ''), closed_at IS NOT NULL, erased_at IS NOT NULL FROM complaints WHERE number = ?

-- name: privacy.customer.subjects
SELECT id, COALESCE(number, ''), closed_at IS NOT NULL, erased_at IS NOT NULL FROM complaints WHERE customer_id = ? ORDER BY id

-- name: privacy.customer.exists
SELECT count(*) FROM customers WHERE id = ?

-- name: privacy.due
SELECT id, COALESCE(number, ''), closed_at IS NOT NULL, erased_at IS NOT NULL FROM complaints
WHERE closed_at IS NOT NULL AND closed_at < ? AND erased_at IS NULL ORDER BY closed_at, id LIMIT ?

-- The claim: only the first erasure of a closed complaint goes on.
-- name: privacy.claim
UPDATE complaints SET erased_at = ? WHERE id = ? AND erased_at IS NULL AND closed_at IS NOT NULL

-- name: privacy.personal
SELECT COALESCE(c.number, ''), c.subject, c.description, c.complainant_name, c.complainant_phone, c.complainant_email,
  c.complainant_address, c.ship_address, c.found_place, c.root_cause, c.responsibility_note, c.complainant_company,
  COALESCE(cu.name, ''), COALESCE(cu.class, ''), COALESCE(cu.contact, ''), COALESCE(cu.phone, ''), COALESCE(cu.email, ''),
  COALESCE(cu.address, ''), c.product_name, c.model, c.batch_no, c.order_no, c.part_no
FROM complaints c LEFT JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?

-- name: privacy.complaint.update
UPDATE complaints SET subject = ?, description = ?, complainant_name = ?, complainant_phone = '', complainant_email = '',
  complainant_address = '', ship_address = '', found_place = ?, root_cause = ?, responsibility_note = ?, attachment_count = 0,
  version = version + 1, updated_at = ?
WHERE id = ?

-- name: privacy.events
SELECT id, body, data FROM complaint_events WHERE complaint_id = ? ORDER BY id

-- name: privacy.event.redact
UPDATE complaint_events SET body = ?, data = ?, redacted = ? WHERE id = ?

-- name: privacy.followups
SELECT id, comment FROM follow_ups WHERE complaint_id = ?

-- name: privacy.followup.redact
UPDATE follow_ups SET comment = ? WHERE id = ?

-- name: privacy.approvals
SELECT id, comment FROM approvals WHERE complaint_id = ?

-- name: privacy.approval.redact
UPDATE approvals SET comment = ? WHERE id = ?

-- name: privacy.notifications
SELECT id, title, body FROM notifications WHERE complaint_id = ?

-- name: privacy.notification.redact
UPDATE notifications SET title = ?, body = ? WHERE id = ?

-- name: privacy.attachments
SELECT sha256 FROM attachments WHERE complaint_id = ?

-- name: privacy.attachments.delete
DELETE FROM attachments WHERE complaint_id = ?

-- The mail a complaint came by or that threaded into it: the raw bytes,
-- sender and subject go; the Message-ID stays so the mail is never taken
-- in again.
-- name: privacy.mail.erase
UPDATE mail_messages SET raw = ?, sender = '', subject = '', size = 0, updated_at = ? WHERE complaint_id = ?

-- name: privacy.file_in_use
SELECT count(*) FROM attachments WHERE sha256 = ?

-- name: privacy.customer.erase
UPDATE customers SET name = ?, contact = '', phone = '', email = '', address = '', note = '', version = version + 1 WHERE id = ?

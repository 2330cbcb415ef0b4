-- Mail intake (internal/mailin): received mail and IMAP positions.

-- name: mail.claim.insert
INSERT INTO mail_messages (message_key, source, status, sender, subject, size, raw, claimed_until, received_at, updated_at)
VALUES (?, ?, 'received', ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (message_key) DO NOTHING
RETURNING id

-- name: mail.claim.retake
UPDATE mail_messages SET claimed_until = ?, updated_at = ?
WHERE message_key = ? AND status = 'received' AND claimed_until < ?

-- name: mail.get.key
SELECT m.id, m.message_key, m.source, m.status, m.reason, m.sender, m.subject, m.complaint_id, COALESCE(c.number, ''), m.size,
  m.received_at, m.updated_at
FROM mail_messages m LEFT JOIN complaints c ON c.id = m.complaint_id WHERE m.message_key = ?

-- name: mail.get
SELECT m.id, m.message_key, m.source, m.status, m.reason, m.sender, m.subject, m.complaint_id, COALESCE(c.number, ''), m.size,
  m.received_at, m.updated_at, m.raw
FROM mail_messages m LEFT JOIN complaints c ON c.id = m.complaint_id WHERE m.id = ?

-- name: mail.finish
UPDATE mail_messages SET status = ?, reason = ?, complaint_id = ?, claimed_until = 0, updated_at = ? WHERE id = ?

-- name: mail.reopen
UPDATE mail_messages SET status = 'received', reason = '', claimed_until = ?, updated_at = ?
WHERE id = ? AND status IN ('unparsed', 'failed')

-- name: mail.list
SELECT m.id, m.message_key, m.source, m.status, m.reason, m.sender, m.subject, m.complaint_id, COALESCE(c.number, ''), m.size,
  m.received_at, m.updated_at
FROM mail_messages m LEFT JOIN complaints c ON c.id = m.complaint_id

-- name: mail.counts
SELECT status, COUNT(*) FROM mail_messages GROUP BY status

-- name: mail.thread
SELECT message_key FROM mail_messages WHERE complaint_id = ? AND status IN ('complaint', 'threaded') ORDER BY id

-- name: mail.complaint.of
SELECT complaint_id FROM mail_messages WHERE complaint_id IS NOT NULL AND message_key IN

-- name: mailbox.get
SELECT name, uid_validity, last_uid, polled_at, last_error FROM mail_mailboxes WHERE name = ?

-- name: mailbox.list
SELECT name, uid_validity, last_uid, polled_at, last_error FROM mail_mailboxes ORDER BY name

-- name: mailbox.save
INSERT INTO mail_mailboxes (name, uid_validity, last_uid, polled_at, last_error, updated_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET
  last_uid = CASE WHEN mail_mailboxes.uid_validity = excluded.uid_validity AND mail_mailboxes.last_uid > excluded.last_uid
    THEN mail_mailboxes.last_uid ELSE excluded.last_uid END,
  uid_validity = excluded.uid_validity, polled_at = excluded.polled_at, last_error = excluded.last_error,
  updated_at = excluded.updated_at

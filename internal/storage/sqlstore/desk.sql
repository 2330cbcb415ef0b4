-- The service desk (internal/desk): shifts, roster, swaps, handovers,
-- knowledge base, contacts.

-- name: desk.shift.insert
INSERT INTO desk_shifts (code, name, start, minutes) VALUES (?, ?, ?, ?) RETURNING id

-- name: desk.shift.list
SELECT id, code, name, start, minutes FROM desk_shifts ORDER BY start, code

-- name: desk.slot.insert
INSERT INTO desk_roster (department_id, day, shift_id, user_id, duty_manager, starts_at, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: desk.slot.select
SELECT r.id, r.department_id, r.day, r.shift_id, s.code, s.name, r.user_id, u.name, r.duty_manager, r.starts_at, r.ends_at, r.swap_id
FROM desk_roster r JOIN desk_shifts s ON s.id = r.shift_id JOIN users u ON u.id = r.user_id

-- name: desk.slot.delete
DELETE FROM desk_roster WHERE id = ? AND swap_id IS NULL AND NOT EXISTS (SELECT 1 FROM desk_swaps w WHERE (w.slot_id = desk_roster.id OR w.payback_slot_id = desk_roster.id) AND w.status IN ('requested', 'agreed', 'approved'))

-- name: desk.slot.give
UPDATE desk_roster SET user_id = ?, swap_id = ? WHERE id = ? AND user_id = ?

-- name: desk.swap.insert
INSERT INTO desk_swaps (requester_id, partner_id, slot_id, payback_slot_id, day, payback_day, reason, status, requested_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: desk.swap.select
SELECT id, requester_id, partner_id, slot_id, payback_slot_id, day, payback_day, reason, status, requested_at, agreed_at, decided_by, decided_at, note
FROM desk_swaps

-- name: desk.swap.status
UPDATE desk_swaps SET status = ?, agreed_at = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = ?

-- name: desk.handover.insert
INSERT INTO desk_handovers (department_id, from_user_id, equipment, issues, staffing, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id

-- name: desk.handover.complaint
INSERT INTO desk_handover_complaints (handover_id, complaint_id) VALUES (?, ?)

-- name: desk.handover.select
SELECT h.id, h.department_id, h.from_user_id, fu.name, h.equipment, h.issues, h.staffing, h.created_at, h.ack_by, COALESCE(au.name, ''), h.ack_at
FROM desk_handovers h JOIN users fu ON fu.id = h.from_user_id LEFT JOIN users au ON au.id = h.ack_by

-- name: desk.handover.complaints
SELECT complaint_id FROM desk_handover_complaints WHERE handover_id = ? ORDER BY complaint_id

-- name: desk.handover.ack
UPDATE desk_handovers SET ack_by = ?, ack_at = ? WHERE id = ? AND ack_at IS NULL

-- name: kb.insert
INSERT INTO kb_entries (category, title, body, keywords, internal, search, version, uses, updated_by, updated_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id

-- name: kb.update
UPDATE kb_entries SET category = ?, title = ?, body = ?, keywords = ?, internal = ?, search = ?, version = ?, updated_by = ?, updated_at = ?
WHERE id = ? AND version = ?

-- name: kb.version.insert
INSERT INTO kb_versions (entry_id, version, category, title, body, keywords, internal, by_user_id, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: kb.versions
SELECT entry_id, version, category, title, body, keywords, internal, by_user_id, note, at FROM kb_versions WHERE entry_id = ? ORDER BY version

-- name: kb.tokens.delete
DELETE FROM kb_tokens WHERE entry_id = ?

-- name: kb.tokens.insert
INSERT INTO kb_tokens (token, entry_id) VALUES

-- name: kb.select
SELECT e.id, e.category, e.title, e.body, e.keywords, e.internal, e.version, e.uses, e.updated_by, e.updated_at, e.created_at FROM kb_entries e

-- name: kb.search
-- The candidates holding the rarest token, fetched apart (the LIMIT keeps
-- the planner from judging them by the text condition added outside).
SELECT e.id, e.category, e.title, e.body, e.keywords, e.internal, e.version, e.uses, e.updated_by, e.updated_at, e.created_at
FROM (SELECT * FROM kb_entries WHERE id IN (SELECT entry_id FROM kb_tokens WHERE %s) LIMIT %d) e

-- name: kb.use
UPDATE kb_entries SET uses = uses + 1 WHERE id = ?

-- name: kb.use.insert
INSERT INTO kb_uses (entry_id, complaint_id, contact_id, by_user_id, at) VALUES (?, ?, ?, ?, ?)

-- name: kb.categories
SELECT category, COUNT(*) FROM kb_entries GROUP BY category ORDER BY category

-- name: contact.insert
INSERT INTO contacts (kind, channel, status, name, phone, email, company, subject, question, answer, department_id, complaint_id, created_by, created_at, answered_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: contact.select
SELECT id, kind, channel, status, name, phone, email, company, subject, question, answer, department_id, complaint_id, created_by, created_at, answered_at
FROM contacts

-- name: contact.update
UPDATE contacts SET status = ?, answer = ?, complaint_id = ?, answered_at = ? WHERE id = ?

-- name: contact.event.insert
INSERT INTO contact_events (contact_id, kind, body, by_user_id, by_name, at) VALUES (?, ?, ?, ?, ?, ?)

-- name: contact.events
SELECT contact_id, kind, body, by_user_id, by_name, at FROM contact_events WHERE contact_id = ? ORDER BY id

-- name: contact.stats
SELECT kind, status, COUNT(*) FROM contacts WHERE created_at >= ? AND created_at < ? GROUP BY kind, status

-- name: desk.duty_managers
SELECT r.user_id, r.department_id FROM desk_roster r WHERE r.duty_manager AND r.starts_at <= ? AND r.ends_at > ?

-- name: desk.page
SELECT c.id, COALESCE(c.number, ''), d.manager_id, d.deputy_id, c.department_id FROM complaints c LEFT JOIN departments d ON d.id = c.department_id

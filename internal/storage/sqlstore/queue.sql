-- The bank-branch queue (issue 14).
--
-- The statements run for every ticket compare the branch and the day
-- with CAST(? AS …) rather than a bare ?. The plans do not depend on the
-- values, but once the tables are analysed SQLite keeps samples of the
-- indexes (stat4) and re-plans a prepared statement whenever a bare
-- parameter compared with an indexed column takes a new value — every
-- ticket, since the branch changes from one to the next; the cast keeps
-- the value out of the planner's estimate, and the statement prepared.

-- name: queue.branch.insert
INSERT INTO queue_branches (code, name, name_en, address, policy, opens, closes, every_day, department_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: queue.branch.update
UPDATE queue_branches SET code = ?, name = ?, name_en = ?, address = ?, policy = ?, opens = ?, closes = ?, every_day = ?, department_id = ?,
  version = version + 1, config_version = config_version + 1
WHERE id = ?

-- name: queue.branch.get
SELECT id, code, name, name_en, address, policy, opens, closes, every_day, department_id FROM queue_branches WHERE id = ?

-- name: queue.branch.list
SELECT id, code, name, name_en, address, policy, opens, closes, every_day, department_id FROM queue_branches ORDER BY code

-- Moving the version first takes the branch's row lock on PostgreSQL:
-- the branch's ticket changes run one after another, on every server.
-- name: queue.branch.bump
UPDATE queue_branches SET version = version + 1 WHERE id = ? RETURNING policy, name, name_en

-- The same for a change of the branch's types or counters: its
-- configuration version moves too.
-- name: queue.branch.bump.config
UPDATE queue_branches SET version = version + 1, config_version = config_version + 1 WHERE id = ? RETURNING policy, name, name_en

-- The same, found by a counter, with the counter as the transaction sees
-- it once the lock is held (a closed counter calls nobody).
-- name: queue.branch.bump.counter
UPDATE queue_branches SET version = version + 1 WHERE id = (SELECT branch_id FROM queue_counters WHERE id = ?)
RETURNING id, policy, name, name_en,
  (SELECT name FROM queue_counters WHERE id = ?), (SELECT types FROM queue_counters WHERE id = ?), (SELECT open FROM queue_counters WHERE id = ?)

-- The same, found by a ticket.
-- name: queue.branch.bump.ticket
UPDATE queue_branches SET version = version + 1 WHERE id = (SELECT branch_id FROM queue_tickets WHERE id = ?)
RETURNING policy, name, name_en

-- name: queue.branch.version
SELECT version FROM queue_branches WHERE id = ?

-- name: queue.branch.versions
SELECT id, version FROM queue_branches

-- name: queue.branch.config_versions
SELECT id, config_version FROM queue_branches

-- name: queue.type.insert
INSERT INTO queue_types (branch_id, prefix, name, name_en, documents, documents_en, priority, handle_minutes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- name: queue.type.update
UPDATE queue_types SET prefix = ?, name = ?, name_en = ?, documents = ?, documents_en = ?, priority = ?, handle_minutes = ?
WHERE id = ? AND branch_id = ?

-- name: queue.type.list
SELECT id, branch_id, prefix, name, name_en, documents, documents_en, priority, handle_minutes
FROM queue_types WHERE branch_id = CAST(? AS BIGINT) ORDER BY priority, prefix

-- name: queue.counter.insert
INSERT INTO queue_counters (branch_id, name, types, open) VALUES (?, ?, ?, ?) RETURNING id

-- name: queue.counter.update
UPDATE queue_counters SET name = ?, types = ?, open = ? WHERE id = ? AND branch_id = ?

-- name: queue.counter.branch
SELECT branch_id FROM queue_counters WHERE id = ?

-- name: queue.counter.list
SELECT id, branch_id, name, types, open FROM queue_counters WHERE branch_id = CAST(? AS BIGINT) ORDER BY id

-- A ticket's two numbers in one statement: the next of its type's prefix
-- (no row for a type of another branch) and the branch's issue order of
-- the day (the prefix '').
-- name: queue.number.take
INSERT INTO queue_numbers (branch_id, day, prefix, last)
SELECT branch_id, ?, prefix, 1 FROM queue_types WHERE id = ? AND branch_id = CAST(? AS BIGINT)
UNION ALL SELECT ?, ?, '', 1 WHERE true
ON CONFLICT (branch_id, day, prefix) DO UPDATE SET last = queue_numbers.last + 1
RETURNING prefix, last

-- name: queue.ticket.insert
INSERT INTO queue_tickets (branch_id, type_id, day, number, seq, status, channel, lang, phone, remind_ahead, token, issued_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id

-- The same with the id drawn beforehand (queue.ticket.next_id), so that
-- statements naming the ticket can travel with its insert.
-- name: queue.ticket.insert.id
INSERT INTO queue_tickets (id, branch_id, type_id, day, number, seq, status, channel, lang, phone, remind_ahead, token, issued_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: queue.ticket.get
SELECT id, branch_id, type_id, day, number, seq, status, channel, lang, phone, remind_ahead, reminded_at, token,
  issued_at, called_at, served_at, finished_at, counter_id, calls, complaint_id
FROM queue_tickets WHERE id = ?

-- name: queue.ticket.waiting
SELECT id, branch_id, type_id, day, number, seq, status, channel, lang, phone, remind_ahead, reminded_at, token,
  issued_at, called_at, served_at, finished_at, counter_id, calls, complaint_id
FROM queue_tickets WHERE branch_id = CAST(? AS BIGINT) AND day = CAST(? AS TEXT) AND status = 'waiting' ORDER BY seq

-- name: queue.ticket.at_counters
SELECT id, branch_id, type_id, day, number, seq, status, channel, lang, phone, remind_ahead, reminded_at, token,
  issued_at, called_at, served_at, finished_at, counter_id, calls, complaint_id
FROM queue_tickets WHERE branch_id = CAST(? AS BIGINT) AND day = CAST(? AS TEXT) AND status IN ('called', 'serving') ORDER BY called_at DESC

-- name: queue.ticket.range
SELECT id, branch_id, type_id, day, number, seq, status, channel, lang, phone, remind_ahead, reminded_at, token,
  issued_at, called_at, served_at, finished_at, counter_id, calls, complaint_id
FROM queue_tickets WHERE branch_id = ? AND day >= ? AND day <= ? ORDER BY day, seq

-- A call takes the ticket only if it is still waiting, for the type it
-- was picked for: the belt to the branch lock's braces.
-- name: queue.ticket.call
UPDATE queue_tickets SET status = 'called', counter_id = ?, called_at = ?, calls = calls + 1
WHERE id = ? AND status = 'waiting' AND type_id = ?
RETURNING id, branch_id, type_id, day, number, seq, status, channel, lang, phone, remind_ahead, reminded_at, token,
  issued_at, called_at, served_at, finished_at, counter_id, calls, complaint_id

-- name: queue.ticket.set
UPDATE queue_tickets SET status = ?, type_id = ?, counter_id = ?, called_at = ?, served_at = ?, finished_at = ?, calls = ?
WHERE id = ? AND status = ?

-- name: queue.ticket.remind
UPDATE queue_tickets SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL

-- name: queue.ticket.complaint
UPDATE queue_tickets SET complaint_id = ? WHERE id = ? AND complaint_id IS NULL

-- name: queue.event.insert
INSERT INTO queue_events (ticket_id, at, action, counter_id, detail, by_name) VALUES (?, ?, ?, ?, ?, ?)

-- name: queue.event.list
SELECT ticket_id, at, action, counter_id, detail, by_name FROM queue_events WHERE ticket_id = ? ORDER BY id

-- The line as call-next and the reminders need it, with the types'
-- priorities: no more columns.
-- name: queue.ticket.line
SELECT t.id, t.type_id, t.seq, t.remind_ahead, t.reminded_at, t.phone, t.lang, t.number, t.calls, ty.priority
FROM queue_tickets t JOIN queue_types ty ON ty.id = t.type_id
WHERE t.branch_id = CAST(? AS BIGINT) AND t.day = CAST(? AS TEXT) AND t.status = 'waiting' ORDER BY t.seq

-- The waiting tickets issued before seq, for the people ahead of a new
-- ticket.
-- name: queue.ticket.before
SELECT id, type_id, seq FROM queue_tickets
WHERE branch_id = CAST(? AS BIGINT) AND day = CAST(? AS TEXT) AND status = 'waiting' AND seq < CAST(? AS BIGINT) ORDER BY seq

-- Mail intake (issue 15): every mail received by the SMTP receiver or
-- read from an IMAP mailbox, claimed by its Message-ID (or the SHA-256 of
-- its bytes when it has none) under the unique key, so a retry, a restart
-- or a second server never takes it twice. The raw bytes are kept: a mail
-- that cannot be parsed is listed for an administrator, never lost.
CREATE TABLE mail_messages (
  id            INTEGER PRIMARY KEY,
  message_key   TEXT NOT NULL UNIQUE,
  source        TEXT NOT NULL,
  status        TEXT NOT NULL,
  reason        TEXT NOT NULL DEFAULT '',
  sender        TEXT NOT NULL DEFAULT '',
  subject       TEXT NOT NULL DEFAULT '',
  complaint_id  INTEGER REFERENCES complaints(id),
  size          INTEGER NOT NULL,
  raw           BLOB NOT NULL,
  claimed_until INTEGER NOT NULL DEFAULT 0,
  received_at   INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX mail_messages_status ON mail_messages (status, id);
CREATE INDEX mail_messages_complaint ON mail_messages (complaint_id, id);

-- Where the IMAP poller of each mailbox stands: the UIDVALIDITY it read
-- and the highest UID it took, so a restart resumes there.
CREATE TABLE mail_mailboxes (
  name         TEXT PRIMARY KEY,
  uid_validity INTEGER NOT NULL DEFAULT 0,
  last_uid     INTEGER NOT NULL DEFAULT 0,
  polled_at    INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT NOT NULL DEFAULT '',
  updated_at   INTEGER NOT NULL
);

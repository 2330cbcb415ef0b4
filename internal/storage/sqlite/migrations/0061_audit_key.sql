-- Keyed audit chain (SEC-3): entries from keyed_from on carry an HMAC-SHA256
-- under a key kept outside the database; 0 while the chain is not keyed.

ALTER TABLE audit_head ADD COLUMN keyed_from INTEGER NOT NULL DEFAULT 0;

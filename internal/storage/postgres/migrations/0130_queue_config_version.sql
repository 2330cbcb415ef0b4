-- A branch's configuration version: it grows with every change of the
-- branch, its service types or its counters (not with its tickets), so
-- that each server keeps the configuration cached and reloads it only
-- when another server changed it.
ALTER TABLE queue_branches ADD COLUMN config_version BIGINT NOT NULL DEFAULT 0;

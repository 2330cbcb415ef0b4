-- Workflow definitions administrators uploaded (casework.DefinitionStore).

-- name: workflow.version
SELECT version FROM workflow_state WHERE id = 1

-- name: workflow.bump
UPDATE workflow_state SET version = version + 1 WHERE id = 1 RETURNING version

-- name: workflow.list
SELECT profile, version, body, hash, note, created_by, created_by_name, created_at
FROM workflow_definitions ORDER BY profile, version

-- name: workflow.newest
SELECT profile, version, body, hash, note, created_by, created_by_name, created_at
FROM workflow_definitions WHERE profile = ? ORDER BY version DESC LIMIT 1

-- name: workflow.insert
INSERT INTO workflow_definitions (profile, version, body, hash, note, created_by, created_by_name, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

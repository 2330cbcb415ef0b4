-- Controls (issue 11): the role a plan in approval waits for, so approvers
-- find it in their work list, and CAPA rework — an action verified
-- ineffective is superseded by the revised action that replaces it.
ALTER TABLE complaints ADD COLUMN awaiting_role TEXT NOT NULL DEFAULT '';
CREATE INDEX complaints_awaiting ON complaints(awaiting_role, department_id) WHERE awaiting_role <> '';

ALTER TABLE capa_actions ADD COLUMN superseded_by INTEGER REFERENCES capa_actions(id);
ALTER TABLE capa_actions ADD COLUMN supersedes_id INTEGER REFERENCES capa_actions(id);
-- Department scopes include the cases a department owns a CAPA action of.
CREATE INDEX capa_actions_owner_department ON capa_actions(owner_department_id);

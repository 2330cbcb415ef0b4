-- A branch belongs to a department (the 网点 in the organisation tree):
-- queue permissions held at department scope reach only the branches of
-- the user's department and those below it. Existing branches have none
-- until an administrator gives them one.
ALTER TABLE queue_branches ADD COLUMN department_id BIGINT REFERENCES departments(id);

-- Every index on complaints is written by every registration. Severity
-- (three values) and the level-2 category (its level-1 index narrows it)
-- are served by walking another index and testing each row, which finds a
-- page of 20 quickly; their own indexes cost more at intake than they save.
DROP INDEX complaints_severity;
DROP INDEX complaints_category;

-- Batch incidents count defective units (004 §6.5: 同一批产品中的5台以上),
-- the quantities of the lot's quality complaints added up. Incidents raised
-- before counted complaints; each stands for at least one unit.
ALTER TABLE batch_incidents ADD COLUMN unit_count INTEGER NOT NULL DEFAULT 0;
UPDATE batch_incidents SET unit_count = complaint_count;

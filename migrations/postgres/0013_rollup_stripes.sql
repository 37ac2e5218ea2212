-- Rollup rows per stripe: every intake adds to today's rows of its project,
-- and a row's lock is held until the commit is on disk, so concurrent writes
-- queued on one row. A write adds to the rows of its own stripe (its pool
-- connection, kf_tx_stripe) and readers sum the stripes (docs/decisions.md,
-- "Sums in stripes"). Rows from before are stripe 0.
ALTER TABLE ticket_rollups ADD COLUMN stripe BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ticket_rollups DROP CONSTRAINT ticket_rollups_pkey;
ALTER TABLE ticket_rollups ADD PRIMARY KEY (project_id, metric, grain, day, type, category_id,
                                            building_id, department_id, person_id, stripe);

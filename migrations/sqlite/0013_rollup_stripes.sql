-- Rollup rows per stripe (see migrations/postgres/0013_rollup_stripes.sql).
-- SQLite runs one write at a time, so every row stays stripe 0 and the key
-- does not change (rebuilding a large table for it would cost minutes).
ALTER TABLE ticket_rollups ADD COLUMN stripe BIGINT NOT NULL DEFAULT 0;

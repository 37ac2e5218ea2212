-- The repeat check at intake (same unit and category within the window)
-- becomes two short index ranges: through (unit_id, is_open) alone it read
-- every ticket of the unit, most of intake's time at a million tickets. The
-- unit index grows two columns instead of a new index beside it (one more
-- index would cost every intake another random leaf write); the open count
-- per unit still uses its (unit_id, is_open) prefix.
DROP INDEX tickets_unit;
CREATE INDEX tickets_unit ON tickets (unit_id, is_open, category_id, created_at);

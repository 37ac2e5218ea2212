-- Repeats and chasers (反复报修、催单). A repair or complaint about the same
-- unit and category as one taken in within the last repeat_days days is a
-- repeat: it names the earlier ticket. Each time the customer chases an open
-- ticket the count goes up (and the handler is told).
ALTER TABLE tickets ADD COLUMN repeat_of BIGINT REFERENCES tickets (id);
ALTER TABLE tickets ADD COLUMN chase_count BIGINT NOT NULL DEFAULT 0;

-- Company-wide service desk settings: one row.
CREATE TABLE desk_settings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    repeat_days BIGINT NOT NULL DEFAULT 30,
    updated_at BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1
);
INSERT INTO desk_settings (id) VALUES (1);

-- Reports and KPIs (报表). Every counted fact of a ticket — taken in, handed
-- over, resolved, closed, a clock decided, a follow-up call — is one row of
-- ticket_facts, written in the same transaction as the change: the journal
-- behind every number (drill-down, percentiles, `kefu verify rollups`).
-- ticket_rollups keeps their sums per local day of the project, at three
-- grains: 'p' (type × category), 'b' (type × category × building) and 'd'
-- (type × department × person); the statistics read only these. day is the
-- day number (days since 1970-01-01) in the project's time zone.
CREATE TABLE ticket_facts (
    id INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    at BIGINT NOT NULL,
    metric TEXT NOT NULL,
    type TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    building_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    value BIGINT NOT NULL,
    minutes BIGINT
);
CREATE INDEX ticket_facts_period ON ticket_facts (project_id, metric, day);
-- The working minutes of the clocks met, with what they are grouped and
-- filtered by: the percentiles of a month read this index alone.
CREATE INDEX ticket_facts_minutes ON ticket_facts (project_id, metric, day, department_id,
    person_id, category_id, building_id, type, minutes) WHERE minutes IS NOT NULL;
CREATE TRIGGER ticket_facts_no_update BEFORE UPDATE ON ticket_facts
BEGIN SELECT RAISE(ABORT, 'ticket_facts is append-only'); END;
CREATE TRIGGER ticket_facts_no_delete BEFORE DELETE ON ticket_facts
BEGIN SELECT RAISE(ABORT, 'ticket_facts is append-only'); END;

CREATE TABLE ticket_rollups (
    project_id BIGINT NOT NULL,
    metric TEXT NOT NULL,
    grain TEXT NOT NULL,
    day BIGINT NOT NULL,
    type TEXT NOT NULL,
    category_id BIGINT NOT NULL,
    building_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (project_id, metric, grain, day, type, category_id, building_id, department_id,
                 person_id)
) WITHOUT ROWID;

-- The root cause (根本原因) recorded when a complaint is resolved; the
-- monthly complaint analysis lists them.
ALTER TABLE tickets ADD COLUMN root_cause TEXT;

-- Scheduled reports: per project, a weekly report on a weekday and a monthly
-- report on a day of the month (the period ends that day: a monthly report on
-- the 25th covers the 26th of the month before to the 25th). Each one made is
-- a snapshot that does not change afterwards.
CREATE TABLE report_schedules (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    kind TEXT NOT NULL,
    day BIGINT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    last_period_end TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (project_id, kind)
);

CREATE TABLE report_snapshots (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    kind TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (project_id, kind, period_from, period_to)
);
CREATE INDEX report_snapshots_project ON report_snapshots (project_id, id);
CREATE TRIGGER report_snapshots_no_update BEFORE UPDATE ON report_snapshots
BEGIN SELECT RAISE(ABORT, 'report snapshots do not change'); END;

-- The facts begin with this migration: `kefu verify rollups` checks them
-- against the events of the tickets taken in from here on.
CREATE TABLE report_epoch (first_ticket BIGINT NOT NULL);
INSERT INTO report_epoch (first_ticket) SELECT COALESCE(MAX(id), 0) + 1 FROM tickets;

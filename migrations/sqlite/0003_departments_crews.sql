-- Responsible departments (责任端口) and their members, crews and contractors
-- (施工队) with their warranty deposit (质保金) ledger, move-ins (入住),
-- renovations (装修) and the access card and key ledger (门禁卡, 钥匙).
-- Money is BIGINT fen. Ledgers are append-only.

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'other',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (project_id, code)
);

CREATE TABLE department_members (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    on_duty INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (department_id, user_id)
);
CREATE INDEX department_members_user ON department_members (user_id);

CREATE TABLE crews (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    leader TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (project_id, name)
);

CREATE TABLE crew_deposit_entries (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    crew_id BIGINT NOT NULL REFERENCES crews (id),
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX crew_deposit_entries_crew ON crew_deposit_entries (crew_id, id);
CREATE TRIGGER crew_deposit_entries_no_update BEFORE UPDATE ON crew_deposit_entries
BEGIN SELECT RAISE(ABORT, 'crew_deposit_entries is append-only'); END;
CREATE TRIGGER crew_deposit_entries_no_delete BEFORE DELETE ON crew_deposit_entries
BEGIN SELECT RAISE(ABORT, 'crew_deposit_entries is append-only'); END;

CREATE TABLE move_ins (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    move_in_date TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'registered',
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX move_ins_unit ON move_ins (unit_id, id);

CREATE TABLE renovations (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    crew_id BIGINT REFERENCES crews (id),
    status TEXT NOT NULL DEFAULT 'submitted',
    deposit_fen BIGINT NOT NULL DEFAULT 0,
    start_date TEXT,
    end_date TEXT,
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX renovations_unit ON renovations (unit_id, id);

CREATE TABLE card_events (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    person_id BIGINT REFERENCES people (id),
    item TEXT NOT NULL,
    identifier TEXT NOT NULL,
    action TEXT NOT NULL,
    happened_on TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX card_events_identifier ON card_events (project_id, item, identifier, id);
CREATE INDEX card_events_unit ON card_events (unit_id, id);
CREATE TRIGGER card_events_no_update BEFORE UPDATE ON card_events
BEGIN SELECT RAISE(ABORT, 'card_events is append-only'); END;
CREATE TRIGGER card_events_no_delete BEFORE DELETE ON card_events
BEGIN SELECT RAISE(ABORT, 'card_events is append-only'); END;

-- A resident's account names their own person record: residents see only
-- themselves and their own units (GET /api/v1/me/person, /api/v1/me/units).
ALTER TABLE users ADD COLUMN person_id BIGINT REFERENCES people (id);

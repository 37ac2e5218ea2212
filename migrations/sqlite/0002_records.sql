-- Records (档案): buildings, units, people and who lives where.
-- Dates are TEXT 'YYYY-MM-DD' (calendar days, no zone); areas BIGINT in 0.01 m².

ALTER TABLE projects ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN handover_date TEXT;

CREATE TABLE buildings (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    floors BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (project_id, code)
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    building_id BIGINT NOT NULL REFERENCES buildings (id),
    entrance TEXT NOT NULL DEFAULT '',
    floor BIGINT NOT NULL,
    number TEXT NOT NULL,
    code TEXT NOT NULL,
    area_centi BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'unsold',
    delivery_date TEXT,
    warranty_end TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (building_id, code)
);
CREATE INDEX units_project_code ON units (project_id, code);
CREATE INDEX units_building ON units (building_id, id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    kind TEXT NOT NULL DEFAULT 'person',
    name TEXT NOT NULL,
    grade TEXT NOT NULL DEFAULT 'B',
    id_enc TEXT,
    id_hash TEXT,
    id_masked TEXT,
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX people_project ON people (project_id, id);
-- One person per ID number in a project (NULLs, people without one, are many).
CREATE UNIQUE INDEX people_id_hash ON people (project_id, id_hash);

-- A person's mobile numbers, normalized; last4 for "the last four digits" lookups.
CREATE TABLE person_mobiles (
    person_id BIGINT NOT NULL REFERENCES people (id),
    project_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    mobile TEXT NOT NULL,
    last4 TEXT NOT NULL,
    PRIMARY KEY (person_id, position)
);
CREATE INDEX person_mobiles_mobile ON person_mobiles (project_id, mobile);
CREATE INDEX person_mobiles_last4 ON person_mobiles (project_id, last4);

-- Two-character pieces of names, so part of a Chinese name is an index lookup.
CREATE TABLE person_grams (
    project_id BIGINT NOT NULL,
    gram TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people (id),
    PRIMARY KEY (project_id, gram, person_id)
);
CREATE INDEX person_grams_person ON person_grams (person_id);

CREATE TABLE occupancies (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    role TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX occupancies_unit ON occupancies (unit_id, id);
CREATE INDEX occupancies_person ON occupancies (person_id, id);

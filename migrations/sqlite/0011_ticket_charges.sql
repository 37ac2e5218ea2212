-- Resolution costs and compensation (维修费用、赔偿). A charge is money a
-- ticket costs: a repair's labour and materials, recorded when the ticket is
-- resolved, or a compensation to the customer. It names who bears it (the
-- company, a department, a crew, a member of staff) and the approver level it
-- needs, set from the amount; a normal repair (labour only) is approved at
-- once. When a charge borne by a crew is approved, its deduction is posted to
-- the crew's warranty deposit (质保金) ledger in the same transaction and the
-- entry names the charge. Money is BIGINT fen.
CREATE TABLE ticket_charges (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    kind TEXT NOT NULL CHECK (kind IN ('repair', 'compensation')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    labour_fen BIGINT NOT NULL DEFAULT 0,
    materials_fen BIGINT NOT NULL DEFAULT 0,
    materials TEXT,
    bearer TEXT NOT NULL CHECK (bearer IN ('company', 'department', 'crew', 'staff')),
    bearer_id BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    level TEXT NOT NULL CHECK (level IN ('none', 'supervisor', 'manager', 'executive')),
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at BIGINT,
    decision_note TEXT NOT NULL DEFAULT '',
    deposit_entry_id BIGINT REFERENCES crew_deposit_entries (id),
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
-- a ticket's charges (and the close gate: does it have a pending one?)
CREATE INDEX ticket_charges_ticket ON ticket_charges (ticket_id, id);
-- the approval queue and the decided history of a project, newest first
CREATE INDEX ticket_charges_status ON ticket_charges (project_id, status, id);
-- what a crew, department or member of staff bears (a bearer is not deleted
-- while it bears a charge; reports by bearer and decision time)
CREATE INDEX ticket_charges_bearer ON ticket_charges (bearer, bearer_id, decided_at);

-- A deduction names the charge it settles (NULL for entries made by hand).
ALTER TABLE crew_deposit_entries ADD COLUMN charge_id BIGINT REFERENCES ticket_charges (id);
-- the month-end settlement reads a crew's entries by time
CREATE INDEX crew_deposit_entries_crew_time ON crew_deposit_entries (crew_id, created_at);

-- An Idempotency-Key of a compensation names the charge it made (intake's
-- name their ticket; the keys of a user are one namespace).
ALTER TABLE idempotency_keys ADD COLUMN charge_id BIGINT REFERENCES ticket_charges (id);

-- Compensation approval limits (company-wide): up to the first the
-- supervisor approves, up to the second the manager, above it the executive.
ALTER TABLE desk_settings ADD COLUMN compensation_supervisor_max_fen BIGINT NOT NULL DEFAULT 50000;
ALTER TABLE desk_settings ADD COLUMN compensation_manager_max_fen BIGINT NOT NULL DEFAULT 500000;

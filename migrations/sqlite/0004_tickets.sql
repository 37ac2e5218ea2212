-- The service desk (工单): categories, routing rules, deadline policies, the
-- working calendar, tickets with their clocks and append-only events,
-- notifications and the outbox the notices issue delivers, maintained queue
-- counts and idempotency keys. Times are BIGINT ms UTC.

-- Dispatch per department: by hand, round-robin or least-loaded among the
-- members on duty, with a cap of open tickets per person (0: none).
ALTER TABLE departments ADD COLUMN dispatch_mode TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE departments ADD COLUMN max_open_per_person BIGINT NOT NULL DEFAULT 0;
ALTER TABLE departments ADD COLUMN last_assignee_id BIGINT NOT NULL DEFAULT 0;

-- One company-wide category tree (admin-editable).
CREATE TABLE ticket_categories (
    id INTEGER PRIMARY KEY,
    parent_id BIGINT REFERENCES ticket_categories (id),
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    sort BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX ticket_categories_parent ON ticket_categories (parent_id, sort, id);

-- Ordered routing rules: the first active rule whose conditions all hold
-- names the responsible department (by id, or by kind within the ticket's
-- project). NULL conditions match anything.
CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    project_id BIGINT REFERENCES projects (id),
    building_id BIGINT REFERENCES buildings (id),
    type TEXT,
    category_id BIGINT REFERENCES ticket_categories (id),
    severity TEXT,
    warranty TEXT,
    department_id BIGINT REFERENCES departments (id),
    department_kind TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX routing_rules_position ON routing_rules (position, id);

-- Deadline policies: targets per milestone (JSON array) for a type and
-- severity, optionally narrowed to a project and/or a category.
CREATE TABLE sla_policies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    severity TEXT NOT NULL,
    project_id BIGINT REFERENCES projects (id),
    category_id BIGINT REFERENCES ticket_categories (id),
    targets TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX sla_policies_type ON sla_policies (type, severity, id);

-- A project's working hours (JSON: windows per weekday); none: the default.
CREATE TABLE work_calendars (
    project_id BIGINT PRIMARY KEY REFERENCES projects (id),
    week TEXT NOT NULL,
    makeup_weekday BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

-- Public holidays and make-up working days (调休). project_id 0 is the
-- national schedule every project follows; a project's own row for the same
-- day wins.
CREATE TABLE calendar_days (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL DEFAULT 0,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (project_id, day)
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    type TEXT NOT NULL,
    channel TEXT NOT NULL,
    severity TEXT NOT NULL,
    category_id BIGINT REFERENCES ticket_categories (id),
    status TEXT NOT NULL,
    is_open INTEGER NOT NULL,
    held_from TEXT,
    hold_reason TEXT,
    person_id BIGINT REFERENCES people (id),
    unit_id BIGINT REFERENCES units (id),
    caller_name TEXT NOT NULL DEFAULT '',
    caller_phone TEXT,
    subject TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    invalid_reason TEXT,
    answer TEXT,
    routing_rule_id BIGINT,
    policy_id BIGINT,
    department_id BIGINT REFERENCES departments (id),
    assignee_id BIGINT REFERENCES users (id),
    escalation_level BIGINT NOT NULL DEFAULT 0,
    plan TEXT,
    visit_at BIGINT,
    resolution TEXT,
    merged_into BIGINT REFERENCES tickets (id),
    reopen_count BIGINT NOT NULL DEFAULT 0,
    dispatched_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    next_due_at BIGINT,
    next_alarm_at BIGINT,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX tickets_project ON tickets (project_id, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, is_open, id);
CREATE INDEX tickets_department ON tickets (department_id, is_open, id);
CREATE INDEX tickets_unassigned ON tickets (project_id, id) WHERE is_open = 1 AND assignee_id IS NULL;
CREATE INDEX tickets_escalated ON tickets (project_id, id) WHERE is_open = 1 AND escalation_level > 0;
CREATE INDEX tickets_due ON tickets (project_id, next_due_at, id) WHERE next_due_at IS NOT NULL;
CREATE INDEX tickets_alarm ON tickets (next_alarm_at) WHERE next_alarm_at IS NOT NULL;
CREATE INDEX tickets_unit ON tickets (unit_id, is_open);
CREATE INDEX tickets_person ON tickets (person_id, id);

-- One clock per milestone of a ticket (acknowledge, contact, plan, resolve,
-- follow_up, onsite).
CREATE TABLE ticket_clocks (
    id INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    milestone TEXT NOT NULL,
    basis TEXT NOT NULL,
    target_ms BIGINT NOT NULL,
    remind_percent BIGINT NOT NULL,
    escalate_after_ms BIGINT NOT NULL,
    pause_on_hold INTEGER NOT NULL,
    restart_on_reopen INTEGER NOT NULL,
    state TEXT NOT NULL,
    started_at BIGINT,
    due_at BIGINT,
    met_at BIGINT,
    paused_at BIGINT,
    paused_ms BIGINT NOT NULL DEFAULT 0,
    remind_at BIGINT,
    reminded_at BIGINT,
    breached_at BIGINT,
    escalate_at BIGINT,
    escalated_at BIGINT,
    UNIQUE (ticket_id, milestone)
);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    actor_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    note TEXT NOT NULL DEFAULT '',
    data TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;
CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END;

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    ticket_id BIGINT REFERENCES tickets (id),
    kind TEXT NOT NULL,
    milestone TEXT,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;

-- What the notices issue delivers by SMS and e-mail; written in the same
-- transaction as the notification, so nothing is lost or sent twice.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    notification_id BIGINT NOT NULL REFERENCES notifications (id),
    channel TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;

-- Queue sizes kept by every ticket write: bucket "open", "unassigned",
-- "escalated", "dept:<id>", "user:<id>". A bucket's count is the sum of its
-- stripes (ticket id mod 8), so concurrent writers on PostgreSQL do not all
-- queue for one row.
CREATE TABLE ticket_counts (
    project_id BIGINT NOT NULL,
    bucket TEXT NOT NULL,
    stripe BIGINT NOT NULL DEFAULT 0,
    n BIGINT NOT NULL,
    PRIMARY KEY (project_id, bucket, stripe)
);

CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    ticket_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- Property defaults: the category tree, routing rules, deadline policies
-- and the official Chinese holiday schedules of 2025 and 2026 (国务院办公厅).

INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'leak', '渗漏', 'Leak', 0, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES ((SELECT id FROM ticket_categories WHERE code = 'leak'), 'leak_roof', '屋面渗漏', 'Roof leak', 10, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES ((SELECT id FROM ticket_categories WHERE code = 'leak'), 'leak_wall', '外墙渗漏', 'Wall leak', 20, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES ((SELECT id FROM ticket_categories WHERE code = 'leak'), 'leak_window', '门窗渗漏', 'Window leak', 30, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES ((SELECT id FROM ticket_categories WHERE code = 'leak'), 'leak_pipe', '管道漏水', 'Pipe leak', 40, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'crack', '裂缝', 'Crack', 50, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'door_window', '门窗', 'Doors and windows', 60, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'elevator', '电梯', 'Elevator', 70, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'water_power', '水电', 'Water and power', 80, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'public_facility', '公共设施', 'Public facilities', 90, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'greenery', '绿化', 'Greenery', 100, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'cleaning', '保洁', 'Cleaning', 110, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'security', '安保', 'Security', 120, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'parking', '停车', 'Parking', 130, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'noise', '噪音', 'Noise', 140, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'fees', '收费', 'Fees', 150, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'decoration', '装修', 'Renovation', 160, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'service', '服务', 'Service', 170, 0, 0);
INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, sort, created_at, updated_at) VALUES (NULL, 'other', '其他', 'Other', 180, 0, 0);

INSERT INTO routing_rules (position, name, type, category_id, warranty, department_kind, created_at, updated_at) VALUES (10, '渗漏（保修期内）→ 工程', NULL, (SELECT id FROM ticket_categories WHERE code = 'leak'), 'in', 'engineering', 0, 0);
INSERT INTO routing_rules (position, name, type, category_id, warranty, department_kind, created_at, updated_at) VALUES (20, '裂缝（保修期内）→ 工程', NULL, (SELECT id FROM ticket_categories WHERE code = 'crack'), 'in', 'engineering', 0, 0);
INSERT INTO routing_rules (position, name, type, category_id, warranty, department_kind, created_at, updated_at) VALUES (30, '门窗（保修期内）→ 工程', NULL, (SELECT id FROM ticket_categories WHERE code = 'door_window'), 'in', 'engineering', 0, 0);
INSERT INTO routing_rules (position, name, type, category_id, warranty, department_kind, created_at, updated_at) VALUES (40, '维修（保修期外）→ 物业', 'repair', NULL, 'out', 'property', 0, 0);
INSERT INTO routing_rules (position, name, type, category_id, warranty, department_kind, created_at, updated_at) VALUES (50, '装修 → 物业', NULL, (SELECT id FROM ticket_categories WHERE code = 'decoration'), NULL, 'property', 0, 0);
INSERT INTO routing_rules (position, name, type, category_id, warranty, department_kind, created_at, updated_at) VALUES (60, '默认 → 物业', NULL, NULL, NULL, 'property', 0, 0);

INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('报修（一般）', 'repair', 'general', '[{"milestone":"acknowledge","minutes":180,"basis":"working","remind_percent":80,"escalate_after_minutes":90,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"contact","minutes":1440,"basis":"working","remind_percent":80,"escalate_after_minutes":720,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"plan","minutes":2880,"basis":"working","remind_percent":80,"escalate_after_minutes":1440,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":2100,"basis":"working","remind_percent":80,"escalate_after_minutes":1050,"pause_on_hold":true,"restart_on_reopen":true},{"milestone":"follow_up","minutes":840,"basis":"working","remind_percent":80,"escalate_after_minutes":420,"pause_on_hold":true,"restart_on_reopen":true}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('报修（重大）', 'repair', 'major', '[{"milestone":"acknowledge","minutes":60,"basis":"working","remind_percent":80,"escalate_after_minutes":60,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"contact","minutes":240,"basis":"working","remind_percent":80,"escalate_after_minutes":120,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"plan","minutes":1440,"basis":"working","remind_percent":80,"escalate_after_minutes":720,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":1260,"basis":"working","remind_percent":80,"escalate_after_minutes":630,"pause_on_hold":true,"restart_on_reopen":true},{"milestone":"follow_up","minutes":840,"basis":"working","remind_percent":80,"escalate_after_minutes":420,"pause_on_hold":true,"restart_on_reopen":true}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('投诉（一般）', 'complaint', 'general', '[{"milestone":"acknowledge","minutes":180,"basis":"working","remind_percent":80,"escalate_after_minutes":90,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"contact","minutes":1440,"basis":"working","remind_percent":80,"escalate_after_minutes":720,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"plan","minutes":2880,"basis":"working","remind_percent":80,"escalate_after_minutes":1440,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":2100,"basis":"working","remind_percent":80,"escalate_after_minutes":1050,"pause_on_hold":true,"restart_on_reopen":true},{"milestone":"follow_up","minutes":840,"basis":"working","remind_percent":80,"escalate_after_minutes":420,"pause_on_hold":true,"restart_on_reopen":true}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('投诉（重大）', 'complaint', 'major', '[{"milestone":"acknowledge","minutes":60,"basis":"working","remind_percent":80,"escalate_after_minutes":60,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"contact","minutes":240,"basis":"working","remind_percent":80,"escalate_after_minutes":120,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"plan","minutes":1440,"basis":"working","remind_percent":80,"escalate_after_minutes":720,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":2100,"basis":"working","remind_percent":80,"escalate_after_minutes":1050,"pause_on_hold":true,"restart_on_reopen":true},{"milestone":"follow_up","minutes":840,"basis":"working","remind_percent":80,"escalate_after_minutes":420,"pause_on_hold":true,"restart_on_reopen":true},{"milestone":"onsite","minutes":960,"basis":"working","remind_percent":80,"escalate_after_minutes":480,"pause_on_hold":true,"restart_on_reopen":false}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('服务请求', 'service_request', 'general', '[{"milestone":"acknowledge","minutes":180,"basis":"working","remind_percent":80,"escalate_after_minutes":90,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"contact","minutes":1440,"basis":"working","remind_percent":80,"escalate_after_minutes":720,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"plan","minutes":2880,"basis":"working","remind_percent":80,"escalate_after_minutes":1440,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":2100,"basis":"working","remind_percent":80,"escalate_after_minutes":1050,"pause_on_hold":true,"restart_on_reopen":true}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('服务请求（重大）', 'service_request', 'major', '[{"milestone":"acknowledge","minutes":60,"basis":"working","remind_percent":80,"escalate_after_minutes":60,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"contact","minutes":240,"basis":"working","remind_percent":80,"escalate_after_minutes":120,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":1260,"basis":"working","remind_percent":80,"escalate_after_minutes":630,"pause_on_hold":true,"restart_on_reopen":true}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('咨询', 'inquiry', 'general', '[{"milestone":"acknowledge","minutes":180,"basis":"working","remind_percent":80,"escalate_after_minutes":90,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":1440,"basis":"working","remind_percent":80,"escalate_after_minutes":720,"pause_on_hold":true,"restart_on_reopen":true}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('咨询（重大）', 'inquiry', 'major', '[{"milestone":"acknowledge","minutes":60,"basis":"working","remind_percent":80,"escalate_after_minutes":60,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":420,"basis":"working","remind_percent":80,"escalate_after_minutes":210,"pause_on_hold":true,"restart_on_reopen":true}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('建议', 'suggestion', 'general', '[{"milestone":"acknowledge","minutes":420,"basis":"working","remind_percent":80,"escalate_after_minutes":210,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":4200,"basis":"working","remind_percent":80,"escalate_after_minutes":2100,"pause_on_hold":true,"restart_on_reopen":true}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('建议（重大）', 'suggestion', 'major', '[{"milestone":"acknowledge","minutes":180,"basis":"working","remind_percent":80,"escalate_after_minutes":90,"pause_on_hold":true,"restart_on_reopen":false},{"milestone":"resolve","minutes":2100,"basis":"working","remind_percent":80,"escalate_after_minutes":1050,"pause_on_hold":true,"restart_on_reopen":true}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('表扬', 'praise', 'general', '[{"milestone":"acknowledge","minutes":420,"basis":"working","remind_percent":80,"escalate_after_minutes":210,"pause_on_hold":true,"restart_on_reopen":false}]', 0, 0);
INSERT INTO sla_policies (name, type, severity, targets, created_at, updated_at) VALUES ('表扬（重大）', 'praise', 'major', '[{"milestone":"acknowledge","minutes":420,"basis":"working","remind_percent":80,"escalate_after_minutes":210,"pause_on_hold":true,"restart_on_reopen":false}]', 0, 0);

INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-01-01', 'holiday', '元旦', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-01-26', 'workday', '春节调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-01-28', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-01-29', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-01-30', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-01-31', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-02-01', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-02-02', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-02-03', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-02-04', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-02-08', 'workday', '春节调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-04-04', 'holiday', '清明节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-04-05', 'holiday', '清明节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-04-06', 'holiday', '清明节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-04-27', 'workday', '劳动节调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-05-01', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-05-02', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-05-03', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-05-04', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-05-05', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-05-31', 'holiday', '端午节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-06-01', 'holiday', '端午节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-06-02', 'holiday', '端午节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-09-28', 'workday', '国庆节调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-10-01', 'holiday', '国庆节、中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-10-02', 'holiday', '国庆节、中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-10-03', 'holiday', '国庆节、中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-10-04', 'holiday', '国庆节、中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-10-05', 'holiday', '国庆节、中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-10-06', 'holiday', '国庆节、中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-10-07', 'holiday', '国庆节、中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-10-08', 'holiday', '国庆节、中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2025-10-11', 'workday', '国庆节调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-01-01', 'holiday', '元旦', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-01-02', 'holiday', '元旦', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-01-03', 'holiday', '元旦', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-01-04', 'workday', '元旦调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-14', 'workday', '春节调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-15', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-16', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-17', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-18', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-19', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-20', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-21', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-22', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-23', 'holiday', '春节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-02-28', 'workday', '春节调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-04-04', 'holiday', '清明节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-04-05', 'holiday', '清明节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-04-06', 'holiday', '清明节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-05-01', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-05-02', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-05-03', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-05-04', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-05-05', 'holiday', '劳动节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-05-09', 'workday', '劳动节调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-06-19', 'holiday', '端午节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-06-20', 'holiday', '端午节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-06-21', 'holiday', '端午节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-09-20', 'workday', '国庆节调休上班', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-09-25', 'holiday', '中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-09-26', 'holiday', '中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-09-27', 'holiday', '中秋节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-10-01', 'holiday', '国庆节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-10-02', 'holiday', '国庆节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-10-03', 'holiday', '国庆节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-10-04', 'holiday', '国庆节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-10-05', 'holiday', '国庆节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-10-06', 'holiday', '国庆节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-10-07', 'holiday', '国庆节', 0);
INSERT INTO calendar_days (project_id, day, kind, name, created_at) VALUES (0, '2026-10-10', 'workday', '国庆节调休上班', 0);

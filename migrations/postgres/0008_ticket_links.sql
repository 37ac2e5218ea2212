-- Related tickets (关联工单): a link joins two tickets of one project, kept
-- once per direction so either side lists it with one index lookup.
CREATE TABLE ticket_links (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    other_id BIGINT NOT NULL REFERENCES tickets (id),
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, other_id)
);

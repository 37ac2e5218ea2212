-- Follow-up calls (回访): after a ticket is resolved the agent calls the
-- customer back. Satisfied closes the ticket; not satisfied reopens it to its
-- department. Each call is kept with its scores (1–5) and the comment.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    satisfied INTEGER NOT NULL,
    score_overall BIGINT NOT NULL,
    score_timeliness BIGINT,
    score_attitude BIGINT,
    comment TEXT NOT NULL DEFAULT '',
    done_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX follow_ups_ticket ON follow_ups (ticket_id, id);

-- The "waiting follow-up" queue: resolved tickets, newest first.
CREATE INDEX tickets_follow_up ON tickets (project_id, id) WHERE status IN ('resolved', 'follow_up');

-- Its count is maintained like the others (bucket "follow_up", striped by id).
INSERT INTO ticket_counts (project_id, bucket, stripe, n)
    SELECT project_id, 'follow_up', id % 8, COUNT(*) FROM tickets
    WHERE status IN ('resolved', 'follow_up') GROUP BY project_id, id % 8;

-- Photos and files on tickets (附件): JPEG, PNG, WebP and PDF, their type
-- judged by content. The bytes live on disk by their SHA-256 (the same file
-- twice is stored once); a row says which ticket has it, under what name and
-- who uploaded it. Rows are never changed; times are BIGINT ms UTC.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    sha256 TEXT NOT NULL,
    mime TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    filename TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, id);

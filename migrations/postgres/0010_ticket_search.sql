-- Full-text search over tickets (工单检索): one row per ticket holding the
-- terms of its subject and description and of the notes of its timeline, as
-- our tokenizer cuts them (src/store/fts_cjk.c: Chinese character pairs,
-- lowercased ASCII words), space-separated. The 'simple' configuration keeps
-- each term as it is, with its position, so a longer word is found as a
-- phrase of adjacent pairs. Rows are written by src/store/search_index.c at
-- intake, on edits and with each note; tickets that exist already are
-- indexed by the same code right after this script.
CREATE TABLE ticket_search (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
    head_terms TEXT NOT NULL DEFAULT '',
    note_terms TEXT NOT NULL DEFAULT '',
    document tsvector GENERATED ALWAYS AS
        (to_tsvector('simple', head_terms || ' ' || note_terms)) STORED
);
CREATE INDEX ticket_search_document ON ticket_search USING gin (document);

-- Notes waiting to join their ticket's search document (src/store/search_index.h):
-- a note is one small row here, rowid ticket id * 65536 + 1, 2, …, instead of a
-- rewrite of the whole document, which FTS5 cuts twice, dearer with each note
-- the ticket has. They join the document when the ticket ends, or 16 at a time.
CREATE VIRTUAL TABLE ticket_search_recent USING fts5(notes, tokenize = 'kefu_cjk');

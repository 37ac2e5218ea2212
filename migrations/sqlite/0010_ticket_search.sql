-- Full-text search over tickets (工单检索): one document per ticket, its
-- subject, description and the notes of its timeline, cut into Chinese
-- character pairs by our tokenizer (src/store/fts_cjk.c; registered on every
-- connection). The rowid is the ticket's id. The rows are written by
-- src/store/search_index.c at intake, on edits and with each note; tickets
-- that exist already are indexed by the same code right after this script.
CREATE VIRTUAL TABLE ticket_search USING fts5(subject, description, notes, tokenize = 'kefu_cjk');

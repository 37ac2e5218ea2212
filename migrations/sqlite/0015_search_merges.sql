-- The search index's segments are merged by the server's writer, a few pages
-- at a time while it has nothing else to do (src/store/sqlite_write.c), not
-- by FTS5 at a commit: FTS5 merged up to 64 pages for each level of the index
-- every 64 pages written, inside whichever write's commit came next, and held
-- every write queued behind it for 20–130 ms.
INSERT INTO ticket_search (ticket_search, rank) VALUES ('automerge', 0);
INSERT INTO ticket_search_recent (ticket_search_recent, rank) VALUES ('automerge', 0);

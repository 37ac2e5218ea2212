-- SQLite's search index is merged by the server's writer from now on (its
-- 0015). PostgreSQL's GIN index merges its own pending list; the number keeps
-- both schemas' versions in step.
SELECT 1;

-- SQLite keeps a ticket's newest notes in rows of their own until they join its
-- search document (its 0014). PostgreSQL keeps one row of terms per ticket
-- (0010) and changes nothing; the number keeps both schemas' versions in step.
SELECT 1;

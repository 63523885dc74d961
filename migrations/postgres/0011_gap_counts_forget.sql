-- (SQLite only: the per-day gap counts; nothing to do on PostgreSQL.)
SELECT 1;

-- (SQLite only: per-day ticket totals kept by triggers; PostgreSQL reads a year of tickets fast
-- enough without them.)
SELECT 1;

-- (SQLite only: its report indexes; PostgreSQL plans these queries well without them.)
SELECT 1;

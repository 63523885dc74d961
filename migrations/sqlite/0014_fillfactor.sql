-- (PostgreSQL only: room on each page for rows updated in place.)
SELECT 1;

-- Room for updated rows on their own page (PostgreSQL only). Tickets, customers and outbox rows
-- are updated soon after they are written (a ticket's waiting time and report facts on every
-- message, a customer's state, a row's delivery); with full pages each such update writes the
-- new row version elsewhere and adds it to every index of the table (ten on `tickets`). With
-- free room on the page and no indexed column changed, PostgreSQL updates the row in place
-- (a heap-only tuple), touching no index. Applies to pages written from now on.
ALTER TABLE tickets SET (fillfactor = 70);
ALTER TABLE customers SET (fillfactor = 80);
ALTER TABLE outbox SET (fillfactor = 80);

-- Reports computed in the database (issue 13): indexes for range queries over tickets, the
-- per-ticket timeline look-ups of the reporting queries, the escalation check (a customer's
-- tickets by opening time), and the optional NPS and CES answers of the survey.
CREATE INDEX tickets_opened ON tickets (opened_at);
CREATE INDEX tickets_desk_opened ON tickets (desk, opened_at);
CREATE INDEX tickets_customer_opened ON tickets (customer_id, opened_at);
CREATE INDEX ticket_events_report ON ticket_events (ticket_id, kind, actor_id, at);
ALTER TABLE surveys ADD COLUMN nps BIGINT CHECK (nps BETWEEN 0 AND 10);
ALTER TABLE surveys ADD COLUMN ces BIGINT CHECK (ces BETWEEN 1 AND 7);

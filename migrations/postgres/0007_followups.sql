-- Follow-ups and next-response reminders (issue 15, point 2): what an open ticket waits for.
-- last_agent_at: the latest agent reply; customer_waiting_since: the customer's first message
-- after it (NULL: the ticket waits on the customer); followup_level: 0 nothing sent since the
-- latest agent reply, 1 the customer was reminded, 2 the ticket closed itself;
-- next_reminders_sent: next-response reminders since the customer began waiting.
-- Existing tickets start with nothing recorded: follow-ups begin with their next message.
ALTER TABLE tickets ADD COLUMN last_agent_at BIGINT;
ALTER TABLE tickets ADD COLUMN customer_waiting_since BIGINT;
ALTER TABLE tickets ADD COLUMN followup_level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN next_reminders_sent BIGINT NOT NULL DEFAULT 0;

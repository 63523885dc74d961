-- The web dashboard (issue 14): the queue of open tickets finds each ticket's last agent reply
-- and the customer's messages after it through one index, and lists open tickets by status;
-- per-agent sign-in tokens are kept as a salted SHA-256 of their secret, looked up by their
-- public id.
CREATE INDEX messages_ticket_author ON messages (ticket_id, author, at);
CREATE INDEX tickets_status_opened ON tickets (status, opened_at);

CREATE TABLE dashboard_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    salt       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The outbox: every message the Engine decided to send, written in the same transaction as
-- the rest of the update's unit of work, kept until a platform accepted it (status 1) or it
-- was given up (status 2). Rows of one queue are delivered in id order.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue           TEXT NOT NULL,
    platform        TEXT NOT NULL,
    body            TEXT NOT NULL,
    ticket_id       BIGINT REFERENCES tickets (id),
    created_at      BIGINT NOT NULL,
    status          BIGINT NOT NULL DEFAULT 0,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_at         BIGINT NOT NULL,
    claimed_by      TEXT,
    claimed_until   BIGINT,
    error           TEXT,
    platform_msg_id TEXT,
    done_at         BIGINT
);
CREATE INDEX outbox_pending ON outbox (queue, id) WHERE status = 0;
CREATE INDEX outbox_pending_platform ON outbox (platform, created_at) WHERE status = 0;
CREATE INDEX outbox_ticket ON outbox (ticket_id, id);

-- Updates that could not be handled, kept with the error (nothing accepted disappears).
CREATE TABLE dead_letters (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform        TEXT NOT NULL,
    platform_msg_id TEXT NOT NULL,
    raw             TEXT NOT NULL,
    error           TEXT NOT NULL,
    at              BIGINT NOT NULL,
    UNIQUE (platform, platform_msg_id)
);

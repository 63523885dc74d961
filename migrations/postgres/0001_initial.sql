-- Frontdesk schema, PostgreSQL flavour. Kept in step with migrations/sqlite/0001_initial.sql.
-- Times are unix milliseconds (BIGINT); flags are BIGINT 0/1; lists are JSON text;
-- an absent thread id is '' so that room look-ups are plain equality.

CREATE TABLE desks (
    name        TEXT PRIMARY KEY,
    next_number BIGINT NOT NULL
);

CREATE TABLE customers (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform      TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    ep_chat       TEXT NOT NULL,
    ep_thread     TEXT NOT NULL DEFAULT '',
    lang          TEXT,
    state         TEXT NOT NULL DEFAULT '{"state":"idle"}',
    created_at    BIGINT NOT NULL,
    UNIQUE (platform, user_id)
);

CREATE TABLE tickets (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    desk              TEXT NOT NULL,
    number            BIGINT NOT NULL,
    customer_id       BIGINT NOT NULL REFERENCES customers (id),
    cust_platform     TEXT NOT NULL,
    cust_chat         TEXT NOT NULL,
    cust_thread       TEXT NOT NULL DEFAULT '',
    customer_name     TEXT NOT NULL,
    subject           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    priority          TEXT NOT NULL,
    tags              TEXT NOT NULL DEFAULT '[]',
    assignee_id       TEXT,
    assignee_name     TEXT,
    lang              TEXT NOT NULL,
    room_platform     TEXT,
    room_chat         TEXT,
    room_thread       TEXT NOT NULL DEFAULT '',
    customer_in_room  BIGINT NOT NULL DEFAULT 0,
    bot_tried         TEXT NOT NULL DEFAULT '',
    opened_at         BIGINT NOT NULL,
    first_response_at BIGINT,
    closed_at         BIGINT,
    reopen_count      BIGINT NOT NULL DEFAULT 0,
    reminders_sent    BIGINT NOT NULL DEFAULT 0,
    UNIQUE (desk, number)
);
CREATE INDEX tickets_room ON tickets (room_platform, room_chat, room_thread);
CREATE INDEX tickets_customer ON tickets (customer_id);
CREATE INDEX tickets_open ON tickets (desk, status, first_response_at);

CREATE TABLE messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id     BIGINT NOT NULL REFERENCES customers (id),
    ticket_id       BIGINT REFERENCES tickets (id),
    author          TEXT NOT NULL,
    author_id       TEXT,
    author_name     TEXT NOT NULL,
    body            TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]',
    platform        TEXT,
    platform_msg_id TEXT,
    at              BIGINT NOT NULL,
    UNIQUE (platform, platform_msg_id)
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);
CREATE INDEX messages_customer ON messages (customer_id, id);

CREATE TABLE ticket_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    kind       TEXT NOT NULL,
    actor_id   TEXT,
    actor_name TEXT,
    detail     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_kind_at ON ticket_events (kind, at);

CREATE TABLE bot_replies (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    question    TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    entry_id    TEXT,
    lang        TEXT,
    confidence  DOUBLE PRECISION NOT NULL,
    at          BIGINT NOT NULL,
    feedback    TEXT,
    feedback_at BIGINT
);
CREATE INDEX bot_replies_at ON bot_replies (at);
CREATE INDEX bot_replies_customer ON bot_replies (customer_id, at);

CREATE TABLE surveys (
    ticket_id   BIGINT PRIMARY KEY REFERENCES tickets (id),
    asked_at    BIGINT NOT NULL,
    score       BIGINT CHECK (score BETWEEN 1 AND 5),
    comment     TEXT,
    answered_at BIGINT
);

CREATE TABLE cursors (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

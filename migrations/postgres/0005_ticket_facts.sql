-- Per-ticket report facts (issue 13), kept on the ticket's row as its timeline and transcript
-- grow, so reports read one row per ticket (see crates/store/src/report/facts.rs for each
-- column's definition). The store builds them for the tickets already there on its first
-- start after this migration (the `report.facts` cursor says `rebuild`).
ALTER TABLE tickets ADD COLUMN agent_replies BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN first_agent TEXT;
ALTER TABLE tickets ADD COLUMN multi_agent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN first_replier TEXT;
ALTER TABLE tickets ADD COLUMN first_reply_at BIGINT;
ALTER TABLE tickets ADD COLUMN acted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN span_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN span_start BIGINT;
ALTER TABLE tickets ADD COLUMN handling_ms BIGINT;
ALTER TABLE tickets ADD COLUMN last_msg_at BIGINT;
ALTER TABLE tickets ADD COLUMN surveyed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN survey_score BIGINT;
ALTER TABLE tickets ADD COLUMN survey_nps BIGINT;
ALTER TABLE tickets ADD COLUMN survey_ces BIGINT;
-- A bot reply's escalation check: the first ticket of the customer opened within a day after it.
ALTER TABLE bot_replies ADD COLUMN next_ticket_at BIGINT;
-- Its question folded (case, diacritics, punctuation), which groups the questions the bot
-- could not answer; the store fills it in for the replies already there.
ALTER TABLE bot_replies ADD COLUMN question_key TEXT;
-- Per ticket and agent who claimed, replied or closed: the per-agent figures of the tickets
-- opened in a range (with the ticket's desk and opening time, so a range reads its rows only).
CREATE TABLE ticket_agents (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    actor_id  TEXT NOT NULL,
    desk      TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    touched   BIGINT NOT NULL DEFAULT 0,
    replies   BIGINT NOT NULL DEFAULT 0,
    closes    BIGINT NOT NULL DEFAULT 0,
    named_at  BIGINT,
    name      TEXT,
    PRIMARY KEY (ticket_id, actor_id)
);
CREATE INDEX ticket_agents_report ON ticket_agents (opened_at, desk, actor_id, touched, replies, closes, named_at);
CREATE INDEX ticket_agents_named ON ticket_agents (named_at);
INSERT INTO cursors (name, value) VALUES ('report.facts', 'rebuild');

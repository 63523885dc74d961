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
INSERT INTO cursors (name, value) VALUES ('report.facts', 'rebuild');

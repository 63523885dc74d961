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
-- Each per-ticket measure of the reports ordered by its value, with the range columns: exact
-- percentiles walk these instead of sorting (crates/store/src/report/ranks.rs), and the count
-- and sum read them alone.
CREATE INDEX tickets_frt ON tickets (first_response_at - opened_at, opened_at, desk, first_response_at)
    WHERE first_response_at IS NOT NULL;
CREATE INDEX tickets_resolution ON tickets (closed_at - opened_at, opened_at, desk, closed_at, status)
    WHERE status = 'closed' AND closed_at IS NOT NULL;
CREATE INDEX tickets_span ON tickets (span_ms, opened_at, desk, status, acted)
    WHERE status = 'closed' AND acted = 1;
CREATE INDEX tickets_handling ON tickets (handling_ms, opened_at, desk, status)
    WHERE status = 'closed' AND handling_ms IS NOT NULL;
CREATE INDEX tickets_agent_frt ON tickets (first_replier, first_reply_at - opened_at, opened_at, desk, first_reply_at)
    WHERE first_replier IS NOT NULL;
-- The bot's figures, gaps and entries read the replies of a range from this index alone.
CREATE INDEX bot_replies_report ON bot_replies (at, outcome, feedback, next_ticket_at, entry_id, question_key);
-- The bot's replies counted per UTC day (SQLite only): reports read whole days of a range
-- from these rows and only the partial days at its ends from the replies themselves
-- (crates/store/src/report/rollup.rs). Triggers keep them exact as replies are written and
-- their verdict, next ticket or folded question are set.
CREATE TABLE bot_days (
    day       BIGINT NOT NULL,
    outcome   TEXT NOT NULL,
    feedback  TEXT NOT NULL,
    escalated BIGINT NOT NULL,
    entry_id  TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (day, outcome, feedback, escalated, entry_id)
) WITHOUT ROWID;

CREATE TABLE bot_gaps (
    day          BIGINT NOT NULL,
    question_key TEXT NOT NULL,
    n            BIGINT NOT NULL,
    first_id     BIGINT NOT NULL,
    PRIMARY KEY (day, question_key)
) WITHOUT ROWID;

CREATE TRIGGER bot_days_insert AFTER INSERT ON bot_replies BEGIN
    INSERT INTO bot_days (day, outcome, feedback, escalated, entry_id, n)
    VALUES (NEW.at / 86400000, NEW.outcome, COALESCE(NEW.feedback, ''),
            CASE WHEN NEW.outcome = 'escalated' OR NEW.next_ticket_at IS NOT NULL THEN 1 ELSE 0 END,
            COALESCE(NEW.entry_id, ''), 1)
    ON CONFLICT (day, outcome, feedback, escalated, entry_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER bot_days_update AFTER UPDATE OF at, outcome, feedback, entry_id, next_ticket_at
ON bot_replies BEGIN
    UPDATE bot_days SET n = n - 1
    WHERE day = OLD.at / 86400000 AND outcome = OLD.outcome
      AND feedback = COALESCE(OLD.feedback, '')
      AND escalated = CASE WHEN OLD.outcome = 'escalated' OR OLD.next_ticket_at IS NOT NULL
                           THEN 1 ELSE 0 END
      AND entry_id = COALESCE(OLD.entry_id, '');
    INSERT INTO bot_days (day, outcome, feedback, escalated, entry_id, n)
    VALUES (NEW.at / 86400000, NEW.outcome, COALESCE(NEW.feedback, ''),
            CASE WHEN NEW.outcome = 'escalated' OR NEW.next_ticket_at IS NOT NULL THEN 1 ELSE 0 END,
            COALESCE(NEW.entry_id, ''), 1)
    ON CONFLICT (day, outcome, feedback, escalated, entry_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER bot_days_delete AFTER DELETE ON bot_replies BEGIN
    UPDATE bot_days SET n = n - 1
    WHERE day = OLD.at / 86400000 AND outcome = OLD.outcome
      AND feedback = COALESCE(OLD.feedback, '')
      AND escalated = CASE WHEN OLD.outcome = 'escalated' OR OLD.next_ticket_at IS NOT NULL
                           THEN 1 ELSE 0 END
      AND entry_id = COALESCE(OLD.entry_id, '');
END;

CREATE TRIGGER bot_gaps_insert AFTER INSERT ON bot_replies
WHEN (NEW.outcome = 'escalated' OR NEW.feedback = 'not_solved') AND NEW.question_key <> '' BEGIN
    INSERT INTO bot_gaps (day, question_key, n, first_id)
    VALUES (NEW.at / 86400000, NEW.question_key, 1, NEW.id)
    ON CONFLICT (day, question_key) DO UPDATE
    SET n = n + 1, first_id = MIN(first_id, excluded.first_id);
END;

CREATE TRIGGER bot_gaps_leave AFTER UPDATE OF at, outcome, feedback, question_key ON bot_replies
WHEN (OLD.outcome = 'escalated' OR OLD.feedback = 'not_solved') AND OLD.question_key <> '' BEGIN
    UPDATE bot_gaps SET n = n - 1,
        first_id = COALESCE((SELECT MIN(r.id) FROM bot_replies r
            WHERE r.at >= OLD.at / 86400000 * 86400000 AND r.at < (OLD.at / 86400000 + 1) * 86400000
              AND r.question_key = OLD.question_key
              AND (r.outcome = 'escalated' OR r.feedback = 'not_solved')), first_id)
    WHERE day = OLD.at / 86400000 AND question_key = OLD.question_key;
    -- A count down to zero leaves: after an erasure no trace of the question stays.
    DELETE FROM bot_gaps WHERE day = OLD.at / 86400000 AND question_key = OLD.question_key AND n <= 0;
END;

CREATE TRIGGER bot_gaps_enter AFTER UPDATE OF at, outcome, feedback, question_key ON bot_replies
WHEN (NEW.outcome = 'escalated' OR NEW.feedback = 'not_solved') AND NEW.question_key <> '' BEGIN
    INSERT INTO bot_gaps (day, question_key, n, first_id)
    VALUES (NEW.at / 86400000, NEW.question_key, 1, NEW.id)
    ON CONFLICT (day, question_key) DO UPDATE
    SET n = n + 1, first_id = MIN(first_id, excluded.first_id);
END;

CREATE TRIGGER bot_gaps_delete AFTER DELETE ON bot_replies
WHEN (OLD.outcome = 'escalated' OR OLD.feedback = 'not_solved') AND OLD.question_key <> '' BEGIN
    UPDATE bot_gaps SET n = n - 1,
        first_id = COALESCE((SELECT MIN(r.id) FROM bot_replies r
            WHERE r.at >= OLD.at / 86400000 * 86400000 AND r.at < (OLD.at / 86400000 + 1) * 86400000
              AND r.question_key = OLD.question_key
              AND (r.outcome = 'escalated' OR r.feedback = 'not_solved')), first_id)
    WHERE day = OLD.at / 86400000 AND question_key = OLD.question_key;
    -- A count down to zero leaves: after an erasure no trace of the question stays.
    DELETE FROM bot_gaps WHERE day = OLD.at / 86400000 AND question_key = OLD.question_key AND n <= 0;
END;

-- The replies already there.
INSERT INTO bot_days (day, outcome, feedback, escalated, entry_id, n)
SELECT at / 86400000, outcome, COALESCE(feedback, ''),
       CASE WHEN outcome = 'escalated' OR next_ticket_at IS NOT NULL THEN 1 ELSE 0 END,
       COALESCE(entry_id, ''), COUNT(*)
FROM bot_replies GROUP BY 1, 2, 3, 4, 5;
INSERT INTO bot_gaps (day, question_key, n, first_id)
SELECT at / 86400000, question_key, COUNT(*), MIN(id) FROM bot_replies
WHERE (outcome = 'escalated' OR feedback = 'not_solved') AND question_key <> ''
GROUP BY 1, 2;

-- Tickets opened and closed per UTC day and desk (SQLite only), read like `bot_days`.
CREATE TABLE ticket_days (
    day    BIGINT NOT NULL,
    desk   TEXT NOT NULL,
    opened BIGINT NOT NULL,
    closed BIGINT NOT NULL,
    PRIMARY KEY (day, desk)
) WITHOUT ROWID;

CREATE TRIGGER ticket_days_opened AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_days (day, desk, opened, closed)
    VALUES (NEW.opened_at / 86400000, NEW.desk, 1, 0)
    ON CONFLICT (day, desk) DO UPDATE SET opened = opened + 1;
END;

CREATE TRIGGER ticket_days_closed AFTER INSERT ON ticket_events WHEN NEW.kind = 'closed' BEGIN
    INSERT INTO ticket_days (day, desk, opened, closed)
    SELECT NEW.at / 86400000, t.desk, 0, 1 FROM tickets t WHERE t.id = NEW.ticket_id
    ON CONFLICT (day, desk) DO UPDATE SET closed = closed + 1;
END;

INSERT INTO ticket_days (day, desk, opened, closed)
SELECT opened_at / 86400000, desk, COUNT(*), 0 FROM tickets WHERE true GROUP BY 1, 2
ON CONFLICT (day, desk) DO UPDATE SET opened = opened + excluded.opened;
INSERT INTO ticket_days (day, desk, opened, closed)
SELECT e.at / 86400000, t.desk, 0, COUNT(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
WHERE e.kind = 'closed' GROUP BY 1, 2
ON CONFLICT (day, desk) DO UPDATE SET closed = closed + excluded.closed;

-- Ticket counts, survey answers and per-assignee CSAT of a range read from this index alone.
CREATE INDEX tickets_report ON tickets (opened_at, desk, status, reopen_count, first_response_at,
    first_agent, multi_agent, agent_replies, surveyed, survey_score, survey_nps, survey_ces,
    assignee_id);

INSERT INTO cursors (name, value) VALUES ('report.facts', 'rebuild');

-- Ticket counts per opening day and desk (SQLite only; crates/store/src/report/rollup.rs):
-- what a report's ticket totals add up over the whole days of its range, kept by triggers as
-- tickets are opened and change (status, reopens, first response, agents, replies, survey), so
-- a year of tickets reads a few hundred rows; the partial days at a range's ends are read from
-- the tickets. Each column counts the day's tickets that count towards the column of the same
-- name of `totals` in crates/store/src/report/queries.rs.
CREATE TABLE ticket_totals (
    day       BIGINT NOT NULL,
    desk      TEXT NOT NULL,
    opened    BIGINT NOT NULL,
    closed    BIGINT NOT NULL,
    awaiting  BIGINT NOT NULL,
    reopened  BIGINT NOT NULL,
    single    BIGINT NOT NULL,
    one_touch BIGINT NOT NULL,
    offered   BIGINT NOT NULL,
    csat_1    BIGINT NOT NULL,
    csat_2    BIGINT NOT NULL,
    csat_3    BIGINT NOT NULL,
    csat_4    BIGINT NOT NULL,
    csat_5    BIGINT NOT NULL,
    nps_0     BIGINT NOT NULL,
    nps_1     BIGINT NOT NULL,
    nps_2     BIGINT NOT NULL,
    nps_3     BIGINT NOT NULL,
    nps_4     BIGINT NOT NULL,
    nps_5     BIGINT NOT NULL,
    nps_6     BIGINT NOT NULL,
    nps_7     BIGINT NOT NULL,
    nps_8     BIGINT NOT NULL,
    nps_9     BIGINT NOT NULL,
    nps_10    BIGINT NOT NULL,
    ces_1     BIGINT NOT NULL,
    ces_2     BIGINT NOT NULL,
    ces_3     BIGINT NOT NULL,
    ces_4     BIGINT NOT NULL,
    ces_5     BIGINT NOT NULL,
    ces_6     BIGINT NOT NULL,
    ces_7     BIGINT NOT NULL,
    PRIMARY KEY (day, desk)
) WITHOUT ROWID;

CREATE TRIGGER ticket_totals_opened AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_totals (
        day, desk, opened, closed, awaiting, reopened, single, one_touch, offered, csat_1,
        csat_2, csat_3, csat_4, csat_5, nps_0, nps_1, nps_2, nps_3, nps_4, nps_5, nps_6, nps_7,
        nps_8, nps_9, nps_10, ces_1, ces_2, ces_3, ces_4, ces_5, ces_6, ces_7)
    VALUES (NEW.opened_at / 86400000, NEW.desk,
        1,
        ((NEW.status = 'closed') IS 1),
        ((NEW.status = 'open' AND NEW.first_response_at IS NULL) IS 1),
        ((NEW.reopen_count > 0) IS 1),
        ((NEW.status = 'closed' AND NEW.reopen_count = 0 AND NEW.first_agent IS NOT NULL
            AND NEW.multi_agent = 0) IS 1),
        ((NEW.status = 'closed' AND NEW.reopen_count = 0 AND NEW.agent_replies <= 1) IS 1),
        COALESCE(NEW.surveyed, 0),
        (NEW.survey_score IS 1),
        (NEW.survey_score IS 2),
        (NEW.survey_score IS 3),
        (NEW.survey_score IS 4),
        (NEW.survey_score IS 5),
        (NEW.survey_nps IS 0),
        (NEW.survey_nps IS 1),
        (NEW.survey_nps IS 2),
        (NEW.survey_nps IS 3),
        (NEW.survey_nps IS 4),
        (NEW.survey_nps IS 5),
        (NEW.survey_nps IS 6),
        (NEW.survey_nps IS 7),
        (NEW.survey_nps IS 8),
        (NEW.survey_nps IS 9),
        (NEW.survey_nps IS 10),
        (NEW.survey_ces IS 1),
        (NEW.survey_ces IS 2),
        (NEW.survey_ces IS 3),
        (NEW.survey_ces IS 4),
        (NEW.survey_ces IS 5),
        (NEW.survey_ces IS 6),
        (NEW.survey_ces IS 7))
    ON CONFLICT (day, desk) DO UPDATE SET
        opened = opened + excluded.opened,
        closed = closed + excluded.closed,
        awaiting = awaiting + excluded.awaiting,
        reopened = reopened + excluded.reopened,
        single = single + excluded.single,
        one_touch = one_touch + excluded.one_touch,
        offered = offered + excluded.offered,
        csat_1 = csat_1 + excluded.csat_1,
        csat_2 = csat_2 + excluded.csat_2,
        csat_3 = csat_3 + excluded.csat_3,
        csat_4 = csat_4 + excluded.csat_4,
        csat_5 = csat_5 + excluded.csat_5,
        nps_0 = nps_0 + excluded.nps_0,
        nps_1 = nps_1 + excluded.nps_1,
        nps_2 = nps_2 + excluded.nps_2,
        nps_3 = nps_3 + excluded.nps_3,
        nps_4 = nps_4 + excluded.nps_4,
        nps_5 = nps_5 + excluded.nps_5,
        nps_6 = nps_6 + excluded.nps_6,
        nps_7 = nps_7 + excluded.nps_7,
        nps_8 = nps_8 + excluded.nps_8,
        nps_9 = nps_9 + excluded.nps_9,
        nps_10 = nps_10 + excluded.nps_10,
        ces_1 = ces_1 + excluded.ces_1,
        ces_2 = ces_2 + excluded.ces_2,
        ces_3 = ces_3 + excluded.ces_3,
        ces_4 = ces_4 + excluded.ces_4,
        ces_5 = ces_5 + excluded.ces_5,
        ces_6 = ces_6 + excluded.ces_6,
        ces_7 = ces_7 + excluded.ces_7;
END;

CREATE TRIGGER ticket_totals_changed AFTER UPDATE OF status, reopen_count, first_response_at,
    first_agent, multi_agent, agent_replies, surveyed, survey_score, survey_nps, survey_ces ON tickets BEGIN
    UPDATE ticket_totals SET
        closed = closed - ((OLD.status = 'closed') IS 1)
            + ((NEW.status = 'closed') IS 1),
        awaiting = awaiting - ((OLD.status = 'open' AND OLD.first_response_at IS NULL) IS 1)
            + ((NEW.status = 'open' AND NEW.first_response_at IS NULL) IS 1),
        reopened = reopened - ((OLD.reopen_count > 0) IS 1)
            + ((NEW.reopen_count > 0) IS 1),
        single = single - ((OLD.status = 'closed' AND OLD.reopen_count = 0 AND OLD.first_agent IS NOT NULL
            AND OLD.multi_agent = 0) IS 1)
            + ((NEW.status = 'closed' AND NEW.reopen_count = 0 AND NEW.first_agent IS NOT NULL
            AND NEW.multi_agent = 0) IS 1),
        one_touch = one_touch - ((OLD.status = 'closed' AND OLD.reopen_count = 0 AND OLD.agent_replies <= 1) IS 1)
            + ((NEW.status = 'closed' AND NEW.reopen_count = 0 AND NEW.agent_replies <= 1) IS 1),
        offered = offered - COALESCE(OLD.surveyed, 0)
            + COALESCE(NEW.surveyed, 0),
        csat_1 = csat_1 - (OLD.survey_score IS 1)
            + (NEW.survey_score IS 1),
        csat_2 = csat_2 - (OLD.survey_score IS 2)
            + (NEW.survey_score IS 2),
        csat_3 = csat_3 - (OLD.survey_score IS 3)
            + (NEW.survey_score IS 3),
        csat_4 = csat_4 - (OLD.survey_score IS 4)
            + (NEW.survey_score IS 4),
        csat_5 = csat_5 - (OLD.survey_score IS 5)
            + (NEW.survey_score IS 5),
        nps_0 = nps_0 - (OLD.survey_nps IS 0)
            + (NEW.survey_nps IS 0),
        nps_1 = nps_1 - (OLD.survey_nps IS 1)
            + (NEW.survey_nps IS 1),
        nps_2 = nps_2 - (OLD.survey_nps IS 2)
            + (NEW.survey_nps IS 2),
        nps_3 = nps_3 - (OLD.survey_nps IS 3)
            + (NEW.survey_nps IS 3),
        nps_4 = nps_4 - (OLD.survey_nps IS 4)
            + (NEW.survey_nps IS 4),
        nps_5 = nps_5 - (OLD.survey_nps IS 5)
            + (NEW.survey_nps IS 5),
        nps_6 = nps_6 - (OLD.survey_nps IS 6)
            + (NEW.survey_nps IS 6),
        nps_7 = nps_7 - (OLD.survey_nps IS 7)
            + (NEW.survey_nps IS 7),
        nps_8 = nps_8 - (OLD.survey_nps IS 8)
            + (NEW.survey_nps IS 8),
        nps_9 = nps_9 - (OLD.survey_nps IS 9)
            + (NEW.survey_nps IS 9),
        nps_10 = nps_10 - (OLD.survey_nps IS 10)
            + (NEW.survey_nps IS 10),
        ces_1 = ces_1 - (OLD.survey_ces IS 1)
            + (NEW.survey_ces IS 1),
        ces_2 = ces_2 - (OLD.survey_ces IS 2)
            + (NEW.survey_ces IS 2),
        ces_3 = ces_3 - (OLD.survey_ces IS 3)
            + (NEW.survey_ces IS 3),
        ces_4 = ces_4 - (OLD.survey_ces IS 4)
            + (NEW.survey_ces IS 4),
        ces_5 = ces_5 - (OLD.survey_ces IS 5)
            + (NEW.survey_ces IS 5),
        ces_6 = ces_6 - (OLD.survey_ces IS 6)
            + (NEW.survey_ces IS 6),
        ces_7 = ces_7 - (OLD.survey_ces IS 7)
            + (NEW.survey_ces IS 7)
    WHERE day = NEW.opened_at / 86400000 AND desk = NEW.desk;
END;

CREATE TRIGGER ticket_totals_deleted AFTER DELETE ON tickets BEGIN
    UPDATE ticket_totals SET
        opened = opened - 1,
        closed = closed - ((OLD.status = 'closed') IS 1),
        awaiting = awaiting - ((OLD.status = 'open' AND OLD.first_response_at IS NULL) IS 1),
        reopened = reopened - ((OLD.reopen_count > 0) IS 1),
        single = single - ((OLD.status = 'closed' AND OLD.reopen_count = 0 AND OLD.first_agent IS NOT NULL
            AND OLD.multi_agent = 0) IS 1),
        one_touch = one_touch - ((OLD.status = 'closed' AND OLD.reopen_count = 0 AND OLD.agent_replies <= 1) IS 1),
        offered = offered - COALESCE(OLD.surveyed, 0),
        csat_1 = csat_1 - (OLD.survey_score IS 1),
        csat_2 = csat_2 - (OLD.survey_score IS 2),
        csat_3 = csat_3 - (OLD.survey_score IS 3),
        csat_4 = csat_4 - (OLD.survey_score IS 4),
        csat_5 = csat_5 - (OLD.survey_score IS 5),
        nps_0 = nps_0 - (OLD.survey_nps IS 0),
        nps_1 = nps_1 - (OLD.survey_nps IS 1),
        nps_2 = nps_2 - (OLD.survey_nps IS 2),
        nps_3 = nps_3 - (OLD.survey_nps IS 3),
        nps_4 = nps_4 - (OLD.survey_nps IS 4),
        nps_5 = nps_5 - (OLD.survey_nps IS 5),
        nps_6 = nps_6 - (OLD.survey_nps IS 6),
        nps_7 = nps_7 - (OLD.survey_nps IS 7),
        nps_8 = nps_8 - (OLD.survey_nps IS 8),
        nps_9 = nps_9 - (OLD.survey_nps IS 9),
        nps_10 = nps_10 - (OLD.survey_nps IS 10),
        ces_1 = ces_1 - (OLD.survey_ces IS 1),
        ces_2 = ces_2 - (OLD.survey_ces IS 2),
        ces_3 = ces_3 - (OLD.survey_ces IS 3),
        ces_4 = ces_4 - (OLD.survey_ces IS 4),
        ces_5 = ces_5 - (OLD.survey_ces IS 5),
        ces_6 = ces_6 - (OLD.survey_ces IS 6),
        ces_7 = ces_7 - (OLD.survey_ces IS 7)
    WHERE day = OLD.opened_at / 86400000 AND desk = OLD.desk;
END;

INSERT INTO ticket_totals (
    day, desk, opened, closed, awaiting, reopened, single, one_touch, offered, csat_1, csat_2,
    csat_3, csat_4, csat_5, nps_0, nps_1, nps_2, nps_3, nps_4, nps_5, nps_6, nps_7, nps_8,
    nps_9, nps_10, ces_1, ces_2, ces_3, ces_4, ces_5, ces_6, ces_7)
SELECT t.opened_at / 86400000, t.desk,
    SUM(1),
    SUM(((t.status = 'closed') IS 1)),
    SUM(((t.status = 'open' AND t.first_response_at IS NULL) IS 1)),
    SUM(((t.reopen_count > 0) IS 1)),
    SUM(((t.status = 'closed' AND t.reopen_count = 0 AND t.first_agent IS NOT NULL
            AND t.multi_agent = 0) IS 1)),
    SUM(((t.status = 'closed' AND t.reopen_count = 0 AND t.agent_replies <= 1) IS 1)),
    SUM(COALESCE(t.surveyed, 0)),
    SUM((t.survey_score IS 1)),
    SUM((t.survey_score IS 2)),
    SUM((t.survey_score IS 3)),
    SUM((t.survey_score IS 4)),
    SUM((t.survey_score IS 5)),
    SUM((t.survey_nps IS 0)),
    SUM((t.survey_nps IS 1)),
    SUM((t.survey_nps IS 2)),
    SUM((t.survey_nps IS 3)),
    SUM((t.survey_nps IS 4)),
    SUM((t.survey_nps IS 5)),
    SUM((t.survey_nps IS 6)),
    SUM((t.survey_nps IS 7)),
    SUM((t.survey_nps IS 8)),
    SUM((t.survey_nps IS 9)),
    SUM((t.survey_nps IS 10)),
    SUM((t.survey_ces IS 1)),
    SUM((t.survey_ces IS 2)),
    SUM((t.survey_ces IS 3)),
    SUM((t.survey_ces IS 4)),
    SUM((t.survey_ces IS 5)),
    SUM((t.survey_ces IS 6)),
    SUM((t.survey_ces IS 7))
FROM tickets t WHERE true GROUP BY 1, 2;

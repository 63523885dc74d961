-- A folded question whose count drops to zero leaves `bot_gaps` (SQLite only): after an
-- erasure, no trace of a customer's question stays in the per-day gap counts.
DROP TRIGGER bot_gaps_leave;
DROP TRIGGER bot_gaps_delete;

CREATE TRIGGER bot_gaps_leave AFTER UPDATE OF at, outcome, feedback, question_key ON bot_replies
WHEN (OLD.outcome = 'escalated' OR OLD.feedback = 'not_solved') AND OLD.question_key <> '' BEGIN
    UPDATE bot_gaps SET n = n - 1,
        first_id = COALESCE((SELECT MIN(r.id) FROM bot_replies r
            WHERE r.at >= OLD.at / 86400000 * 86400000 AND r.at < (OLD.at / 86400000 + 1) * 86400000
              AND r.question_key = OLD.question_key
              AND (r.outcome = 'escalated' OR r.feedback = 'not_solved')), first_id)
    WHERE day = OLD.at / 86400000 AND question_key = OLD.question_key;
    DELETE FROM bot_gaps WHERE day = OLD.at / 86400000 AND question_key = OLD.question_key AND n <= 0;
END;

CREATE TRIGGER bot_gaps_delete AFTER DELETE ON bot_replies
WHEN (OLD.outcome = 'escalated' OR OLD.feedback = 'not_solved') AND OLD.question_key <> '' BEGIN
    UPDATE bot_gaps SET n = n - 1,
        first_id = COALESCE((SELECT MIN(r.id) FROM bot_replies r
            WHERE r.at >= OLD.at / 86400000 * 86400000 AND r.at < (OLD.at / 86400000 + 1) * 86400000
              AND r.question_key = OLD.question_key
              AND (r.outcome = 'escalated' OR r.feedback = 'not_solved')), first_id)
    WHERE day = OLD.at / 86400000 AND question_key = OLD.question_key;
    DELETE FROM bot_gaps WHERE day = OLD.at / 86400000 AND question_key = OLD.question_key AND n <= 0;
END;

DELETE FROM bot_gaps WHERE n <= 0;

-- Report indexes (SQLite only; crates/store/src/report/ranks.rs): the range index carries
-- every per-ticket measure, so counts, sums and a short range's percentiles read it alone;
-- the agent figures and per-assignee CSAT are read in agent order, so grouping needs no sort.
DROP INDEX tickets_report;
CREATE INDEX tickets_report ON tickets (opened_at, desk, status, reopen_count, first_response_at,
    closed_at, first_agent, multi_agent, agent_replies, acted, span_ms, handling_ms,
    first_response_business_ms, first_replier, first_reply_at, surveyed, survey_score,
    survey_nps, survey_ces, assignee_id);
CREATE INDEX ticket_agents_by_actor ON ticket_agents (actor_id, opened_at, desk, touched, replies,
    closes, named_at);
CREATE INDEX tickets_csat ON tickets (assignee_id, opened_at, desk, survey_score)
    WHERE survey_score IS NOT NULL AND assignee_id IS NOT NULL;

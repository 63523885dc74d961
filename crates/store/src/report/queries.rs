//! The reporting queries, one SQL text for SQLite and PostgreSQL alike.
//!
//! Parameters: `$1` since (inclusive), `$2` until (exclusive), both Unix ms, and `$3` the
//! desk (`''`: every desk), unless a query says otherwise. Sums are cast to BIGINT (on
//! PostgreSQL a bigint sum is numeric); integer division of non-negative times gives the
//! UTC day.

use frontdesk_core::report::Measure;

/// The tickets opened in the range (alias `t`).
pub(super) const IN_RANGE: &str =
    "t.opened_at >= $1 AND t.opened_at < $2 AND ($3 = '' OR t.desk = $3)";

/// Ticket counts, and the closed never-reopened tickets by one agent and with at most one
/// agent reply (from the ticket's report facts).
pub(super) fn totals() -> String {
    format!(
        "SELECT COUNT(*) AS opened, \
           CAST(COALESCE(SUM(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed, \
           CAST(COALESCE(SUM(CASE WHEN t.status = 'open' AND t.first_response_at IS NULL \
             THEN 1 ELSE 0 END), 0) AS BIGINT) AS awaiting, \
           CAST(COALESCE(SUM(CASE WHEN t.reopen_count > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS reopened, \
           CAST(COALESCE(SUM(CASE WHEN t.status = 'closed' AND t.reopen_count = 0 \
             AND t.first_agent IS NOT NULL AND t.multi_agent = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             AS single, \
           CAST(COALESCE(SUM(CASE WHEN t.status = 'closed' AND t.reopen_count = 0 \
             AND t.agent_replies <= 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS one_touch, \
           CAST(COALESCE(SUM(t.surveyed), 0) AS BIGINT) AS offered{} \
         FROM tickets t WHERE {IN_RANGE}",
        survey_sums()
    )
}

/// [`totals`] of the whole days `$1` (inclusive) to `$2` (exclusive), by day number, from the
/// per-day counts (SQLite: `ticket_totals`, kept by the triggers of
/// `0013_report_totals.sql`).
pub(super) fn day_totals() -> String {
    let mut cols = vec![
        "opened",
        "closed",
        "awaiting",
        "reopened",
        "single",
        "one_touch",
        "offered",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    for (name, values) in [("csat", 1..=5), ("nps", 0..=10), ("ces", 1..=7)] {
        cols.extend(values.map(|v| format!("{name}_{v}")));
    }
    let sums: Vec<String> = cols
        .iter()
        .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
        .collect();
    format!(
        "SELECT {} FROM ticket_totals WHERE day >= $1 AND day < $2 AND ($3 = '' OR desk = $3)",
        sums.join(", ")
    )
}

/// `, … AS csat_1, …, nps_0, …, ces_7`: how many tickets have each survey answer, summed in
/// the same pass as the other counts (a `GROUP BY` would sort the range).
fn survey_sums() -> String {
    let mut out = String::new();
    for (col, name, values) in [
        ("survey_score", "csat", 1..=5),
        ("survey_nps", "nps", 0..=10),
        ("survey_ces", "ces", 1..=7),
    ] {
        for v in values {
            out.push_str(&format!(
                ", CAST(COALESCE(SUM(CASE WHEN t.{col} = {v} THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 AS {name}_{v}"
            ));
        }
    }
    out
}

/// `SELECT ms FROM …`: one value of the measure per ticket.
pub(super) fn values(m: Measure) -> String {
    super::ranks::values(m)
}

/// Count, sum, median and 90th percentile of a measure's values (PostgreSQL).
pub(super) fn durations(m: Measure) -> String {
    format!(
        "SELECT COUNT(*) AS cnt, CAST(COALESCE(SUM(ms), 0) AS BIGINT) AS total, {PERCENTILES} \
         FROM ({}) v",
        values(m)
    )
}

/// The nearest-rank median and 90th percentile of `ms`, sorted once: `percentile_disc(p)` is
/// the first value whose position reaches `p` of the count, rank ⌈p·n⌉, which is
/// [`frontdesk_core::report::nearest_rank`].
const PERCENTILES: &str = "percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) AS p50, \
     percentile_disc(0.9) WITHIN GROUP (ORDER BY ms) AS p90";

/// Values per bar of the ascending `bounds` (bar `i` holds `bounds[i-1] <= ms < bounds[i]`),
/// one row with a column `bar_i` per bar, counted in one pass (a `GROUP BY` would sort the
/// range).
pub(super) fn histogram(values: &str, bounds: &[i64]) -> String {
    let cols: Vec<String> = (0..=bounds.len())
        .map(|i| {
            let lower = i.checked_sub(1).map(|j| format!("ms >= {}", bounds[j]));
            let upper = bounds.get(i).map(|b| format!("ms < {b}"));
            let cond: Vec<String> = lower.into_iter().chain(upper).collect();
            let cond = if cond.is_empty() {
                "ms IS NOT NULL".to_owned()
            } else {
                cond.join(" AND ")
            };
            format!(
                "CAST(COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) AS BIGINT) AS bar_{i}"
            )
        })
        .collect();
    format!("SELECT {} FROM ({values}) v", cols.join(", "))
}

/// The bot's replies grouped by day, outcome, verdict and escalation. A reply escalated when
/// the bot escalated it or a ticket of the customer (of the desk, opened before the end of the
/// range) was opened within 24 h after it: for every desk, the reply's `next_ticket_at` fact
/// says; for one desk (`$3`), the desk's tickets are looked up.
pub(super) fn bot(one_desk: bool) -> String {
    let after = if one_desk {
        "EXISTS (SELECT 1 FROM tickets t \
         WHERE t.customer_id = r.customer_id AND t.opened_at >= r.at \
           AND t.opened_at < r.at + 86400000 AND t.opened_at < $2 AND t.desk = $3)"
    } else {
        "r.next_ticket_at < $2"
    };
    format!(
        "SELECT d, outcome, fb, esc, COUNT(*) AS n FROM (\
           SELECT CAST(r.at / 86400000 AS BIGINT) AS d, r.outcome AS outcome, \
           COALESCE(r.feedback, '') AS fb, \
           CAST(CASE WHEN r.outcome = 'escalated' OR {after} THEN 1 ELSE 0 END AS BIGINT) AS esc \
         FROM bot_replies r WHERE r.at >= $1 AND r.at < $2) x GROUP BY d, outcome, fb, esc"
    )
}

/// Tickets opened per day.
pub(super) fn opened_days() -> String {
    format!(
        "SELECT CAST(t.opened_at / 86400000 AS BIGINT) AS d, COUNT(*) AS n FROM tickets t \
         WHERE {IN_RANGE} GROUP BY 1"
    )
}

/// Closes per day, of the desk's tickets.
pub(super) const CLOSED_DAYS: &str = "SELECT CAST(e.at / 86400000 AS BIGINT) AS d, COUNT(*) AS n \
     FROM ticket_events e WHERE e.kind = 'closed' AND e.at >= $1 AND e.at < $2 \
       AND ($3 = '' OR EXISTS (SELECT 1 FROM tickets t WHERE t.id = e.ticket_id AND t.desk = $3)) \
     GROUP BY 1";

/// `INDEXED BY index` when `by_index` (SQLite: its planner would sort a long range by agent
/// otherwise).
fn indexed(by_index: bool, index: &str) -> String {
    if by_index {
        format!(" INDEXED BY {index}")
    } else {
        String::new()
    }
}

/// The agent rows of the tickets opened in the range (alias `a`).
const AGENTS_IN_RANGE: &str = "a.opened_at >= $1 AND a.opened_at < $2 AND ($3 = '' OR a.desk = $3)";

/// Per agent: tickets claimed or replied on, replies, closes, and the time of the latest
/// event with a name, over the tickets opened in the range.
pub(super) fn agents(by_agent: bool) -> String {
    let by = indexed(by_agent, "ticket_agents_by_actor");
    format!(
        "SELECT a.actor_id AS id, CAST(SUM(a.touched) AS BIGINT) AS tickets, \
           CAST(SUM(a.replies) AS BIGINT) AS replies, CAST(SUM(a.closes) AS BIGINT) AS closes, \
           MAX(a.named_at) AS named_at \
         FROM ticket_agents a{by} WHERE {AGENTS_IN_RANGE} GROUP BY a.actor_id"
    )
}

/// The agents' names at the times `$4`, `$5`, … (the latest named event of each agent on a
/// ticket), of tickets opened in the range: where each agent's latest name is read.
pub(super) fn agent_names(times: usize) -> String {
    let list: Vec<String> = (0..times).map(|i| format!("${}", i + 4)).collect();
    format!(
        "SELECT a.actor_id AS id, a.name AS name, a.named_at AS at, a.ticket_id AS tid \
         FROM ticket_agents a WHERE a.named_at IN ({}) AND a.name IS NOT NULL AND {AGENTS_IN_RANGE}",
        list.join(", ")
    )
}

/// Per agent: the first-response times of the tickets where they replied first
/// (PostgreSQL).
pub(super) fn agent_first_responses() -> String {
    format!(
        "SELECT a, COUNT(*) AS cnt, CAST(SUM(ms) AS BIGINT) AS total, {PERCENTILES} \
         FROM (SELECT t.first_replier AS a, t.first_reply_at - t.opened_at AS ms \
           FROM tickets t WHERE {IN_RANGE} AND t.first_replier IS NOT NULL) f \
         GROUP BY a"
    )
}

/// Per assignee: answered surveys and the sum of their scores.
pub(super) fn agent_csat(by_agent: bool) -> String {
    let by = indexed(by_agent, "tickets_csat");
    format!(
        "SELECT t.assignee_id AS a, COUNT(*) AS n, CAST(SUM(t.survey_score) AS BIGINT) AS s \
         FROM tickets t{by} \
         WHERE {IN_RANGE} AND t.survey_score IS NOT NULL AND t.assignee_id IS NOT NULL \
         GROUP BY t.assignee_id"
    )
}

/// The distinct folded questions of gap replies, with their count and first reply (`$1`, `$2`
/// only).
pub(super) const GAP_KEYS: &str = "SELECT question_key AS k, COUNT(*) AS n, MIN(id) AS first \
     FROM bot_replies WHERE at >= $1 AND at < $2 \
       AND (outcome = 'escalated' OR feedback = 'not_solved') AND question_key <> '' \
     GROUP BY question_key";

/// The distinct folded questions of gap replies, with their count and first wording (`$1`,
/// `$2` only).
pub(super) const GAPS: &str = "SELECT g.k AS k, g.n AS n, b.question AS question FROM (\
       SELECT question_key AS k, COUNT(*) AS n, MIN(id) AS first FROM bot_replies \
       WHERE at >= $1 AND at < $2 AND (outcome = 'escalated' OR feedback = 'not_solved') \
         AND question_key <> '' GROUP BY question_key) g \
     JOIN bot_replies b ON b.id = g.first";

/// Answers and verdicts per entry (`$1`, `$2` only).
pub(super) const ENTRIES: &str = "SELECT entry_id, COUNT(*) AS n, \
       CAST(SUM(CASE WHEN feedback = 'solved' THEN 1 ELSE 0 END) AS BIGINT) AS solved, \
       CAST(SUM(CASE WHEN feedback = 'not_solved' THEN 1 ELSE 0 END) AS BIGINT) AS not_solved \
     FROM bot_replies WHERE at >= $1 AND at < $2 AND outcome = 'answered' \
       AND entry_id IS NOT NULL GROUP BY entry_id";

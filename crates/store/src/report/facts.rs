//! Per-ticket report facts: what the reports would otherwise recompute from every event and
//! message of every ticket, kept on the ticket's row as the timeline and transcript grow, so a
//! report reads one row per ticket.
//!
//! The columns (migration `0005_ticket_facts.sql`), each with the definition of
//! [`frontdesk_core::report::parts_of`]:
//! - `agent_replies`: `replied` events;
//! - `first_agent`, `multi_agent`: the first agent who claimed, replied or closed, and whether
//!   another one did too (single-agent resolution);
//! - `first_replier`, `first_reply_at`: the first agent reply with an agent (per-agent
//!   first-response time);
//! - `acted`, `span_ms`, `span_start`: whether an agent claimed or replied, the agent span of
//!   the periods closed so far and the start of the one still open (a reopen drops it);
//! - `handling_ms`, `last_msg_at`: the handling time so far (per agent message, the time since
//!   the message before it, capped) and the time of the ticket's last customer or agent message;
//! - `surveyed`, `survey_score`, `survey_nps`, `survey_ces`: the ticket's survey (offered, and
//!   its answers);
//! - per ticket and agent who claimed, replied or closed, a `ticket_agents` row (claimed or
//!   replied, replies, closes, the agent's latest name on the ticket);
//! - on each bot reply, `next_ticket_at`: when the customer's first ticket within a day after
//!   the reply was opened (the escalation check of the bot's figures), and `question_key`, the
//!   folded question (written with the reply, by [`frontdesk_core::fold::fold`]).
//!
//! Kept up to date in the transaction of each write ([`on_event`], [`on_message`]); built from
//! the timeline and transcript by [`rebuild`] (after the migration, on the first start, and by
//! the seeding tool). The store's report tests assert both ways give the figures of the pure
//! definition.

use frontdesk_core::report::{DAY_MS, HANDLING_CAP_MS};
use frontdesk_core::*;
use sqlx::AnyConnection;

use crate::{Sql, sql};

/// The cursor that says whether the facts are built (`rebuild` after the migration).
const CURSOR: &str = "report.facts";

/// Updates the facts of ticket `id` for an event just recorded.
pub(crate) async fn on_event(
    conn: &mut AnyConnection,
    id: TicketId,
    kind: EventKind,
    actor: Option<&Agent>,
    at: Timestamp,
) -> StoreResult<()> {
    if let Some(a) = actor
        && matches!(
            kind,
            EventKind::Claimed | EventKind::Replied | EventKind::Closed
        )
    {
        on_agent_event(conn, id, kind, a, at).await?;
    }
    let actor = actor.map(|a| a.id.as_str());
    // `$1` ticket, `$2` actor, `$3` time. Every right-hand side reads the row before the update.
    const AGENTS: &str = "multi_agent = CASE WHEN $2 IS NOT NULL AND first_agent IS NOT NULL \
           AND first_agent <> $2 THEN 1 ELSE multi_agent END, \
         first_agent = COALESCE(first_agent, $2)";
    let q = match kind {
        EventKind::Claimed => {
            sql!(
                "UPDATE tickets SET acted = 1, span_start = COALESCE(span_start, $3), {AGENTS} WHERE id = $1"
            )
        }
        EventKind::Replied => sql!(
            "UPDATE tickets SET acted = 1, span_start = COALESCE(span_start, $3), \
               agent_replies = agent_replies + 1, \
               first_replier = CASE WHEN first_reply_at IS NULL AND $2 IS NOT NULL THEN $2 \
                 ELSE first_replier END, \
               first_reply_at = CASE WHEN first_reply_at IS NULL AND $2 IS NOT NULL THEN $3 \
                 ELSE first_reply_at END, \
               {AGENTS} WHERE id = $1"
        ),
        EventKind::Closed => sql!(
            "UPDATE tickets SET span_ms = span_ms + COALESCE($3 - span_start, 0), \
               span_start = NULL, {AGENTS} WHERE id = $1"
        ),
        EventKind::Reopened => {
            sqlx::query("UPDATE tickets SET span_start = NULL WHERE id = $1")
                .bind(id.0)
                .execute(conn)
                .await
                .sql()?;
            return Ok(());
        }
        _ => return Ok(()),
    };
    sqlx::query(q)
        .bind(id.0)
        .bind(actor.map(str::to_owned))
        .bind(at.0)
        .execute(&mut *conn)
        .await
        .sql()?;
    Ok(())
}

/// Updates the row of (ticket, agent) in `ticket_agents` for an agent's claim, reply or close.
async fn on_agent_event(
    conn: &mut AnyConnection,
    id: TicketId,
    kind: EventKind,
    actor: &Agent,
    at: Timestamp,
) -> StoreResult<()> {
    // A later event's name replaces an earlier one's (of two at the same time, the later).
    const NEWER: &str = "excluded.name IS NOT NULL AND (ticket_agents.named_at IS NULL \
         OR excluded.named_at >= ticket_agents.named_at)";
    let q = sql!(
        "INSERT INTO ticket_agents (ticket_id, actor_id, desk, opened_at, touched, replies, closes, \
           named_at, name) \
         SELECT t.id, $2, t.desk, t.opened_at, $3, $4, $5, $6, $7 FROM tickets t WHERE t.id = $1 \
         ON CONFLICT (ticket_id, actor_id) DO UPDATE SET \
           touched = CASE WHEN excluded.touched = 1 THEN 1 ELSE ticket_agents.touched END, \
           replies = ticket_agents.replies + excluded.replies, \
           closes = ticket_agents.closes + excluded.closes, \
           name = CASE WHEN {NEWER} THEN excluded.name ELSE ticket_agents.name END, \
           named_at = CASE WHEN {NEWER} THEN excluded.named_at ELSE ticket_agents.named_at END"
    );
    let flag = |b: bool| i64::from(b);
    sqlx::query(q)
        .bind(id.0)
        .bind(actor.id.as_str())
        .bind(flag(matches!(
            kind,
            EventKind::Claimed | EventKind::Replied
        )))
        .bind(flag(kind == EventKind::Replied))
        .bind(flag(kind == EventKind::Closed))
        .bind(at.0)
        .bind(actor.name.as_str())
        .execute(conn)
        .await
        .sql()?;
    Ok(())
}

/// The `SET` list that updates a ticket's facts for a message of `author` at the time bound
/// as `at` (a parameter such as `$2`): `None` for messages that change no fact.
pub(crate) fn message_facts(author: AuthorKind, at: &str) -> Option<String> {
    match author {
        AuthorKind::Agent => Some(format!(
            "handling_ms = COALESCE(handling_ms, 0) + CASE \
               WHEN last_msg_at IS NULL OR {at} < last_msg_at THEN 0 \
               WHEN {at} - last_msg_at > {HANDLING_CAP_MS} THEN {HANDLING_CAP_MS} \
               ELSE {at} - last_msg_at END, \
             last_msg_at = {at}"
        )),
        AuthorKind::Customer => Some(format!("last_msg_at = {at}")),
        _ => None,
    }
}

/// Updates the facts of ticket `id` for a message of `author` at `at` just recorded.
pub(crate) async fn on_message(
    conn: &mut AnyConnection,
    id: TicketId,
    author: AuthorKind,
    at: Timestamp,
) -> StoreResult<()> {
    let Some(set) = message_facts(author, "$2") else {
        return Ok(());
    };
    sqlx::query(sql!("UPDATE tickets SET {set} WHERE id = $1"))
        .bind(id.0)
        .bind(at.0)
        .execute(conn)
        .await
        .sql()?;
    Ok(())
}

/// Builds the facts of a ticket just opened, in its transaction: the handling time and last
/// message of the messages it took over, and the next ticket of the customer's bot replies
/// of the day before (it has no timeline or survey yet).
pub(crate) async fn on_open(
    conn: &mut AnyConnection,
    id: TicketId,
    customer: CustomerId,
    opened_at: Timestamp,
) -> StoreResult<()> {
    // The statement for one ticket bound as `$1`: prepared once per connection, not parsed
    // again at every opening.
    static MESSAGES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let [_, messages, ..] = rebuild_statements(Scope::Bound);
        messages
    });
    sqlx::query(sqlx::AssertSqlSafe(MESSAGES.as_str()))
        .bind(id.0)
        .execute(&mut *conn)
        .await
        .sql()?;
    sqlx::query(sql!(
        "UPDATE bot_replies SET next_ticket_at = $1 \
         WHERE customer_id = $2 AND at <= $1 AND at > $1 - {DAY_MS} \
           AND (next_ticket_at IS NULL OR next_ticket_at > $1)"
    ))
    .bind(opened_at.0)
    .bind(customer.0)
    .execute(conn)
    .await
    .sql()?;
    Ok(())
}

/// `UPDATE` of the survey facts (`surveyed`, `survey_score`, `survey_nps`, `survey_ces`) of
/// the tickets `{which}` selects, from their surveys.
fn survey_update(which: &str) -> String {
    let of = |col: &str| format!("(SELECT s.{col} FROM surveys s WHERE s.ticket_id = tickets.id)");
    format!(
        "UPDATE tickets SET surveyed = 1, survey_score = {}, survey_nps = {}, survey_ces = {} \
         WHERE {which}",
        of("score"),
        of("nps"),
        of("ces")
    )
}

/// Updates the survey facts of ticket `id` after a change of its survey.
pub(crate) async fn on_survey(conn: &mut AnyConnection, id: TicketId) -> StoreResult<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(survey_update(&format!(
        "id = {} AND EXISTS (SELECT 1 FROM surveys s WHERE s.ticket_id = tickets.id)",
        id.0
    ))))
    .execute(conn)
    .await
    .sql()?;
    Ok(())
}

/// Which tickets the rebuilding statements cover.
#[derive(Clone, Copy)]
enum Scope {
    /// Every ticket.
    All,
    /// One ticket, written into the statement.
    One(TicketId),
    /// One ticket, bound as `$1` (only the statement for messages supports it).
    Bound,
}

/// The statements that build the facts from the timeline and transcript, of one ticket or of
/// every ticket.
fn rebuild_statements(scope: Scope) -> [String; 6] {
    let only = |col: &str| match scope {
        Scope::One(t) => format!(" AND {col} = {}", t.0),
        Scope::Bound => format!(" AND {col} = $1"),
        Scope::All => String::new(),
    };
    let (on_events, on_messages) = (only("e.ticket_id"), only("x.ticket_id"));
    let events = format!(
        "WITH ev AS (SELECT e.ticket_id AS tid, e.id AS eid, e.kind AS kind, \
           e.actor_id AS actor, e.at AS at, \
           COALESCE(SUM(CASE WHEN e.kind IN ('closed', 'reopened') THEN 1 ELSE 0 END) \
             OVER (PARTITION BY e.ticket_id ORDER BY e.id \
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS seg \
           FROM ticket_events e \
           WHERE e.kind IN ('claimed', 'replied', 'closed', 'reopened'){on_events}), \
         per AS (SELECT tid, seg, \
           MIN(CASE WHEN kind IN ('claimed', 'replied') THEN at END) AS st, \
           MAX(CASE WHEN kind = 'closed' THEN at END) AS fin, \
           MAX(CASE WHEN kind IN ('closed', 'reopened') THEN 1 ELSE 0 END) AS ended \
           FROM ev GROUP BY tid, seg), \
         spans AS (SELECT p.tid AS tid, \
           CAST(SUM(CASE WHEN p.st IS NOT NULL AND p.fin IS NOT NULL THEN p.fin - p.st ELSE 0 END) \
             AS BIGINT) AS span_ms, \
           MAX(CASE WHEN p.st IS NOT NULL THEN 1 ELSE 0 END) AS acted, \
           MAX(CASE WHEN p.ended = 0 THEN p.st END) AS span_start FROM per p GROUP BY p.tid), \
         who AS (SELECT tid, \
           CAST(SUM(CASE WHEN kind = 'replied' THEN 1 ELSE 0 END) AS BIGINT) AS replies, \
           MIN(CASE WHEN kind <> 'reopened' AND actor IS NOT NULL THEN eid END) AS first_eid, \
           COUNT(DISTINCT CASE WHEN kind <> 'reopened' THEN actor END) AS agents, \
           MIN(CASE WHEN kind = 'replied' AND actor IS NOT NULL THEN eid END) AS reply_eid \
           FROM ev GROUP BY tid), \
         f AS (SELECT w.tid AS tid, w.replies AS replies, w.agents AS agents, \
           a.actor_id AS first_agent, r.actor_id AS first_replier, r.at AS first_reply_at, \
           s.span_ms AS span_ms, s.acted AS acted, s.span_start AS span_start \
           FROM who w JOIN spans s ON s.tid = w.tid \
           LEFT JOIN ticket_events a ON a.id = w.first_eid \
           LEFT JOIN ticket_events r ON r.id = w.reply_eid) \
         UPDATE tickets SET agent_replies = f.replies, first_agent = f.first_agent, \
           multi_agent = CASE WHEN f.agents > 1 THEN 1 ELSE 0 END, \
           first_replier = f.first_replier, first_reply_at = f.first_reply_at, \
           span_ms = f.span_ms, acted = f.acted, span_start = f.span_start \
         FROM f WHERE tickets.id = f.tid"
    );
    let messages = format!(
        "WITH m AS (SELECT x.ticket_id AS tid, x.id AS mid, x.author AS author, x.at AS at, \
           LAG(x.at) OVER (PARTITION BY x.ticket_id ORDER BY x.id) AS prev \
           FROM messages x \
           WHERE x.ticket_id IS NOT NULL AND x.author IN ('customer', 'agent'){on_messages}), \
         h AS (SELECT tid, CAST(SUM(CASE WHEN author <> 'agent' THEN NULL \
             WHEN prev IS NULL OR at < prev THEN 0 \
             WHEN at - prev > {HANDLING_CAP_MS} THEN {HANDLING_CAP_MS} ELSE at - prev END) \
             AS BIGINT) AS handling, MAX(mid) AS last_mid FROM m GROUP BY tid), \
         f AS (SELECT h.tid AS tid, h.handling AS handling, l.at AS last_at \
           FROM h JOIN messages l ON l.id = h.last_mid) \
         UPDATE tickets SET handling_ms = f.handling, last_msg_at = f.last_at \
         FROM f WHERE tickets.id = f.tid"
    );
    let replies = format!(
        "UPDATE bot_replies SET next_ticket_at = (SELECT MIN(t.opened_at) FROM tickets t \
           WHERE t.customer_id = bot_replies.customer_id AND t.opened_at >= bot_replies.at \
             AND t.opened_at < bot_replies.at + {DAY_MS}) \
         WHERE {}",
        match scope {
            Scope::One(t) => format!(
                "customer_id = (SELECT customer_id FROM tickets WHERE id = {})",
                t.0
            ),
            Scope::Bound => "customer_id = (SELECT customer_id FROM tickets WHERE id = $1)".into(),
            Scope::All => "1 = 1".to_owned(),
        }
    );
    let clear = format!("DELETE FROM ticket_agents WHERE 1 = 1{}", only("ticket_id"));
    let agents = format!(
        "WITH ag AS (SELECT e.ticket_id AS tid, e.actor_id AS actor, \
           MAX(CASE WHEN e.kind IN ('claimed', 'replied') THEN 1 ELSE 0 END) AS touched, \
           CAST(SUM(CASE WHEN e.kind = 'replied' THEN 1 ELSE 0 END) AS BIGINT) AS replies, \
           CAST(SUM(CASE WHEN e.kind = 'closed' THEN 1 ELSE 0 END) AS BIGINT) AS closes \
           FROM ticket_events e WHERE e.kind IN ('claimed', 'replied', 'closed') \
             AND e.actor_id IS NOT NULL{on_events} GROUP BY e.ticket_id, e.actor_id), \
         nm AS (SELECT e.ticket_id AS tid, e.actor_id AS actor, e.actor_name AS name, e.at AS at, \
           ROW_NUMBER() OVER (PARTITION BY e.ticket_id, e.actor_id ORDER BY e.at DESC, e.id DESC) \
             AS rn \
           FROM ticket_events e WHERE e.kind IN ('claimed', 'replied', 'closed') \
             AND e.actor_id IS NOT NULL AND e.actor_name IS NOT NULL{on_events}) \
         INSERT INTO ticket_agents (ticket_id, actor_id, desk, opened_at, touched, replies, closes, \
           named_at, name) \
         SELECT ag.tid, ag.actor, t.desk, t.opened_at, ag.touched, ag.replies, ag.closes, \
           nm.at, nm.name \
         FROM ag JOIN tickets t ON t.id = ag.tid \
         LEFT JOIN nm ON nm.tid = ag.tid AND nm.actor = ag.actor AND nm.rn = 1"
    );
    let surveys = survey_update(&format!(
        "id IN (SELECT s.ticket_id FROM surveys s WHERE 1 = 1{})",
        only("s.ticket_id")
    ));
    [events, messages, replies, clear, agents, surveys]
}

/// Builds the facts of one ticket (`Some`) or of every ticket from its timeline and
/// transcript.
pub(crate) async fn rebuild(conn: &mut AnyConnection, ticket: Option<TicketId>) -> StoreResult<()> {
    let scope = match ticket {
        Some(t) => Scope::One(t),
        None => Scope::All,
    };
    for q in rebuild_statements(scope) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(q))
            .execute(&mut *conn)
            .await
            .sql()?;
    }
    Ok(())
}

/// Fills in the folded question of the bot replies without one (written before the
/// migration, or by the seeding tool), in batches.
pub(crate) async fn fill_question_keys(conn: &mut AnyConnection) -> StoreResult<u64> {
    use sqlx::Row;
    const BATCH: i64 = 2000;
    let (mut done, mut after) = (0, 0i64);
    loop {
        let rows = sqlx::query(
            "SELECT id, question FROM bot_replies WHERE id > $1 AND question_key IS NULL \
             ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *conn)
        .await
        .sql()?;
        if rows.is_empty() {
            return Ok(done);
        }
        // One statement per batch: `UPDATE … SET question_key = CASE id WHEN … END`.
        let mut q = String::from("UPDATE bot_replies SET question_key = CASE id");
        let mut keys = Vec::with_capacity(rows.len());
        let mut ids = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id").sql()?;
            let question: String = r.try_get("question").sql()?;
            keys.push(frontdesk_core::fold::fold(&question));
            ids.push(id);
            after = after.max(id);
            q.push_str(&format!(" WHEN {id} THEN ${}", keys.len()));
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        q.push_str(&format!(" END WHERE id IN ({})", list.join(", ")));
        let mut update = sqlx::query(sqlx::AssertSqlSafe(q));
        for k in keys {
            update = update.bind(k);
        }
        update.execute(&mut *conn).await.sql()?;
        done += rows.len() as u64;
    }
}

/// Builds every ticket's facts once after the migration that added them: the migration sets
/// the cursor to `rebuild`, and of several replicas starting at once one takes it.
pub(crate) async fn rebuild_if_pending(conn: &mut AnyConnection) -> StoreResult<()> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await.sql()?;
    let taken =
        sqlx::query("UPDATE cursors SET value = 'built' WHERE name = $1 AND value = 'rebuild'")
            .bind(CURSOR)
            .execute(&mut *tx)
            .await
            .sql()?
            .rows_affected()
            == 1;
    if taken {
        tracing::info!("building the per-ticket report facts of the existing tickets");
        rebuild(&mut tx, None).await?;
        fill_question_keys(&mut tx).await?;
    }
    tx.commit().await.sql()?;
    Ok(())
}

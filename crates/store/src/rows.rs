//! Column lists and row decoders, one per table.

use std::borrow::Cow;

use frontdesk_core::*;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Sql, corrupt};

pub(crate) const TICKET_COLS: &str = "id, desk, number, customer_id, cust_platform, cust_chat, cust_thread, \
    customer_name, subject, status, priority, tags, assignee_id, assignee_name, lang, \
    room_platform, room_chat, room_thread, customer_in_room, bot_tried, opened_at, \
    first_response_at, closed_at, reopen_count, reminders_sent, first_response_business_ms, \
    customer_waiting_since";

pub(crate) fn ticket_from_row(r: &AnyRow) -> StoreResult<Ticket> {
    ticket_from_row_as(r, "")
}

/// A ticket from `r`, whose columns are [`TICKET_COLS`] named with `prefix` in front (as in
/// a join with another table).
pub(crate) fn ticket_from_row_as(r: &AnyRow, prefix: &str) -> StoreResult<Ticket> {
    // Plain names (every ticket read but the join) allocate nothing.
    let n = |c: &'static str| -> Cow<'static, str> {
        match prefix {
            "" => Cow::Borrowed(c),
            p => Cow::Owned(format!("{p}{c}")),
        }
    };
    let status: String = r.try_get(&*n("status")).sql()?;
    let priority: String = r.try_get(&*n("priority")).sql()?;
    let tags: String = r.try_get(&*n("tags")).sql()?;
    let assignee_id: Option<String> = r.try_get(&*n("assignee_id")).sql()?;
    let assignee_name: Option<String> = r.try_get(&*n("assignee_name")).sql()?;
    let room_platform: Option<String> = r.try_get(&*n("room_platform")).sql()?;
    let room_chat: Option<String> = r.try_get(&*n("room_chat")).sql()?;
    let room_thread: String = r.try_get(&*n("room_thread")).sql()?;
    Ok(Ticket {
        id: TicketId(r.try_get(&*n("id")).sql()?),
        desk: r.try_get(&*n("desk")).sql()?,
        number: r.try_get(&*n("number")).sql()?,
        customer: CustomerId(r.try_get(&*n("customer_id")).sql()?),
        customer_endpoint: Endpoint {
            platform: Platform(r.try_get(&*n("cust_platform")).sql()?),
            chat_id: r.try_get(&*n("cust_chat")).sql()?,
            thread_id: thread_opt(r.try_get(&*n("cust_thread")).sql()?),
        },
        customer_name: r.try_get(&*n("customer_name")).sql()?,
        subject: r.try_get(&*n("subject")).sql()?,
        status: TicketStatus::parse(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
        priority: Priority::parse(&priority)
            .ok_or_else(|| corrupt(format!("priority {priority}")))?,
        tags: serde_json::from_str(&tags).map_err(corrupt)?,
        assignee: match (assignee_id, assignee_name) {
            (Some(id), name) => Some(Agent {
                name: name.unwrap_or_else(|| id.clone()),
                id,
            }),
            _ => None,
        },
        first_response_business_ms: r.try_get(&*n("first_response_business_ms")).sql()?,
        lang: r.try_get(&*n("lang")).sql()?,
        room: match (room_platform, room_chat) {
            (Some(p), Some(c)) => Some(Endpoint {
                platform: Platform(p),
                chat_id: c,
                thread_id: thread_opt(room_thread),
            }),
            _ => None,
        },
        customer_in_room: r.try_get::<i64, _>(&*n("customer_in_room")).sql()? != 0,
        bot_tried: r.try_get(&*n("bot_tried")).sql()?,
        opened_at: Timestamp(r.try_get(&*n("opened_at")).sql()?),
        first_response_at: r
            .try_get::<Option<i64>, _>(&*n("first_response_at"))
            .sql()?
            .map(Timestamp),
        closed_at: r
            .try_get::<Option<i64>, _>(&*n("closed_at"))
            .sql()?
            .map(Timestamp),
        reopen_count: r.try_get(&*n("reopen_count")).sql()?,
        reminders_sent: r.try_get(&*n("reminders_sent")).sql()?,
        customer_waiting_since: r
            .try_get::<Option<i64>, _>(&*n("customer_waiting_since"))
            .sql()?
            .map(Timestamp),
    })
}

pub(crate) const CUSTOMER_COLS: &str = "id, platform, user_id, display_name, ep_chat, ep_thread, lang, state, created_at, \
     blocked_at, blocked_reason, blocked_by, block_told";

pub(crate) fn customer_from_row(r: &AnyRow) -> StoreResult<Customer> {
    let platform = Platform(r.try_get("platform").sql()?);
    let state: String = r.try_get("state").sql()?;
    Ok(Customer {
        id: CustomerId(r.try_get("id").sql()?),
        user_id: r.try_get("user_id").sql()?,
        display_name: r.try_get("display_name").sql()?,
        endpoint: Endpoint {
            platform: platform.clone(),
            chat_id: r.try_get("ep_chat").sql()?,
            thread_id: thread_opt(r.try_get("ep_thread").sql()?),
        },
        platform,
        lang: r.try_get("lang").sql()?,
        state: serde_json::from_str(&state).map_err(corrupt)?,
        created_at: Timestamp(r.try_get("created_at").sql()?),
        blocked: match r.try_get::<Option<i64>, _>("blocked_at").sql()? {
            Some(at) => Some(Block {
                reason: r
                    .try_get::<Option<String>, _>("blocked_reason")
                    .sql()?
                    .unwrap_or_default(),
                by: r
                    .try_get::<Option<String>, _>("blocked_by")
                    .sql()?
                    .unwrap_or_default(),
                at: Timestamp(at),
                told: r.try_get::<i64, _>("block_told").sql()? != 0,
            }),
            None => None,
        },
    })
}

pub(crate) const MESSAGE_COLS: &str =
    "id, customer_id, ticket_id, author, author_id, author_name, body, attachments, at";

pub(crate) fn message_from_row(r: &AnyRow) -> StoreResult<Message> {
    let author: String = r.try_get("author").sql()?;
    let attachments: String = r.try_get("attachments").sql()?;
    Ok(Message {
        id: MessageId(r.try_get("id").sql()?),
        customer: CustomerId(r.try_get("customer_id").sql()?),
        ticket: r
            .try_get::<Option<i64>, _>("ticket_id")
            .sql()?
            .map(TicketId),
        author: AuthorKind::parse(&author).ok_or_else(|| corrupt(format!("author {author}")))?,
        author_id: r.try_get("author_id").sql()?,
        author_name: r.try_get("author_name").sql()?,
        body: r.try_get("body").sql()?,
        attachments: serde_json::from_str(&attachments).map_err(corrupt)?,
        at: Timestamp(r.try_get("at").sql()?),
    })
}

pub(crate) const REPLY_COLS: &str =
    "id, customer_id, question, outcome, entry_id, lang, confidence, at, feedback, feedback_at";

pub(crate) fn reply_from_row(r: &AnyRow) -> StoreResult<BotReply> {
    let outcome: String = r.try_get("outcome").sql()?;
    let feedback: Option<String> = r.try_get("feedback").sql()?;
    Ok(BotReply {
        id: BotReplyId(r.try_get("id").sql()?),
        customer: CustomerId(r.try_get("customer_id").sql()?),
        question: r.try_get("question").sql()?,
        outcome: ReplyOutcome::parse(&outcome)
            .ok_or_else(|| corrupt(format!("outcome {outcome}")))?,
        entry_id: r.try_get("entry_id").sql()?,
        lang: r.try_get("lang").sql()?,
        confidence: r.try_get::<f64, _>("confidence").sql()? as f32,
        at: Timestamp(r.try_get("at").sql()?),
        feedback: match feedback {
            Some(f) => Some(Feedback::parse(&f).ok_or_else(|| corrupt(format!("feedback {f}")))?),
            None => None,
        },
        feedback_at: r
            .try_get::<Option<i64>, _>("feedback_at")
            .sql()?
            .map(Timestamp),
    })
}

pub(crate) fn thread_col(t: &Option<String>) -> &str {
    t.as_deref().unwrap_or("")
}

pub(crate) fn thread_opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

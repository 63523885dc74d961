//! What the Engine wants sent, kept durably until a platform accepted it.
//!
//! Every message the Engine decides to send while handling an update is written to the
//! **outbox** in the same Store transaction as the rest of that update's unit of work (see
//! [`crate::ports::Store::begin`]). The dispatcher ([`crate::Engine::dispatch_due`]) then
//! delivers the outbox in order per destination queue, concurrently across queues, waiting out
//! rate limits and retrying until a permanent error, each of which has an explicit outcome.
//!
//! Telegram and Discord have no idempotency key for sends, so exactly one case can repeat a
//! message: the process dies after the platform accepted a send and before the outbox row was
//! marked delivered. The row's claim then expires and another dispatcher sends it again.

use serde::{Deserialize, Serialize};

use crate::types::*;

/// Id of an outbox row; rows of one queue are delivered in id order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OutboxId(pub i64);

/// Where an outbound message goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// A chat (a customer's private chat, a channel).
    Endpoint(Endpoint),
    /// The room of a ticket in the desk, resolved when delivered: opened first if the ticket
    /// has none yet, opened anew if the platform says it is gone.
    Room(TicketId),
}

/// What to do at the destination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Send a message.
    Send(OutMessage),
    /// Close (archive) the ticket's room.
    CloseRoom,
    /// Reopen the ticket's room.
    ReopenRoom,
}

impl Delivery {
    /// The start of what it carries, for people: the text on one line, cut at `max_chars`
    /// with an ellipsis; what it does for room actions.
    pub fn preview(&self, max_chars: usize) -> String {
        match self {
            Delivery::Send(m) => {
                let line = m.text.split_whitespace().collect::<Vec<_>>().join(" ");
                let mut short: String = line.chars().take(max_chars).collect();
                if line.chars().count() > max_chars {
                    short.push('…');
                }
                short
            }
            Delivery::CloseRoom => "close the room".into(),
            Delivery::ReopenRoom => "reopen the room".into(),
        }
    }
}

/// An outbox row to write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOutbound {
    /// Rows of one queue are delivered one at a time, in order.
    pub queue: String,
    /// The platform it goes to (for metrics and the health check).
    pub platform: Platform,
    /// Where.
    pub dest: Destination,
    /// What.
    pub delivery: Delivery,
    /// The ticket it belongs to, if any (failures are recorded on it).
    pub ticket: Option<TicketId>,
    /// When it was decided.
    pub created_at: Timestamp,
}

impl NewOutbound {
    /// The queue of a destination: one per ticket room, one per chat otherwise.
    pub fn queue_of(dest: &Destination) -> String {
        match dest {
            Destination::Room(t) => format!("room:{}", t.0),
            Destination::Endpoint(e) => format!("chat:{}:{}", e.platform, e.chat_id),
        }
    }
}

/// An outbox row taken for delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outbound {
    /// Its id.
    pub id: OutboxId,
    /// What was written.
    pub row: NewOutbound,
    /// Failed attempts so far.
    pub attempts: i64,
}

/// The state of an outbox row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for delivery (or for its next attempt).
    Pending,
    /// The platform accepted it.
    Delivered,
    /// Given up: a permanent error, or the retry horizon passed.
    Failed,
}

impl OutboxStatus {
    /// The number stored in the database.
    pub fn code(self) -> i64 {
        match self {
            OutboxStatus::Pending => 0,
            OutboxStatus::Delivered => 1,
            OutboxStatus::Failed => 2,
        }
    }
    /// Parses a stored number.
    pub fn from_code(c: i64) -> Option<OutboxStatus> {
        match c {
            0 => Some(OutboxStatus::Pending),
            1 => Some(OutboxStatus::Delivered),
            2 => Some(OutboxStatus::Failed),
            _ => None,
        }
    }
}

/// An outbox row as shown to people (`frontdesk tickets N`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Its id.
    pub id: OutboxId,
    /// What was written.
    pub row: NewOutbound,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Failed attempts.
    pub attempts: i64,
    /// The last error, if any.
    pub error: Option<String>,
}

/// Undelivered outbox rows of one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxDepth {
    /// The platform.
    pub platform: Platform,
    /// Rows waiting.
    pub pending: i64,
    /// When the oldest of them was written.
    pub oldest: Option<Timestamp>,
}

/// An inbound update that could not be handled: kept with the error so that nothing accepted
/// disappears without a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// Database id.
    pub id: i64,
    /// The platform.
    pub platform: Platform,
    /// The platform's update id.
    pub platform_msg_id: String,
    /// The update as JSON.
    pub raw: String,
    /// Why it failed.
    pub error: String,
    /// When.
    pub at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_carries_its_files_whole_and_old_rows_still_read() {
        let msg = OutMessage::plain(MessageKind::Notice, "📎").with_file(OutFile {
            name: "ticket-support-1.txt".into(),
            mime: "text/plain; charset=utf-8".into(),
            content: b"\x00\xffhello\n".to_vec(),
        });
        let v = serde_json::to_value(Delivery::Send(msg.clone())).unwrap();
        assert_eq!(v["send"]["files"][0]["content"], "AP9oZWxsbwo=");
        let back: Delivery = serde_json::from_value(v).unwrap();
        assert_eq!(back, Delivery::Send(msg));
        // A row written before files existed has none.
        let old = serde_json::json!({"send": {"kind": "Notice", "text": "x", "markup": "Plain",
            "buttons": [], "attachments": [], "mention_agents": false}});
        let Delivery::Send(m) = serde_json::from_value(old).unwrap() else {
            panic!("a send");
        };
        assert!(m.files.is_empty());
        // A message without files is written as before.
        let plain = serde_json::to_value(OutMessage::plain(MessageKind::Notice, "x")).unwrap();
        assert!(plain.get("files").is_none());
    }
}

//! Tickets: their status, priority, timeline events and the filter that lists them.

use serde::{Deserialize, Serialize};

use super::*;

/// A ticket's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Waiting for or being handled by agents.
    Open,
    /// Resolved.
    Closed,
}

impl TicketStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Closed => "closed",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<TicketStatus> {
        match s {
            "open" => Some(TicketStatus::Open),
            "closed" => Some(TicketStatus::Closed),
            _ => None,
        }
    }
}

/// A ticket's priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The default.
    Normal,
    /// Before normal ones.
    High,
    /// Drop everything.
    Urgent,
}

impl Priority {
    /// The name stored in the database and typed in `/priority`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
    /// Parses a name (as typed by an agent or stored).
    pub fn parse(s: &str) -> Option<Priority> {
        match s.trim().to_lowercase().as_str() {
            "low" => Some(Priority::Low),
            "normal" => Some(Priority::Normal),
            "high" => Some(Priority::High),
            "urgent" => Some(Priority::Urgent),
            _ => None,
        }
    }
}

/// A ticket to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTicket {
    /// The desk whose numbering it takes.
    pub desk: String,
    /// The customer.
    pub customer: CustomerId,
    /// Where the customer is reached.
    pub customer_endpoint: Endpoint,
    /// The customer's display name.
    pub customer_name: String,
    /// A short subject (the customer's question).
    pub subject: String,
    /// The customer's language.
    pub lang: String,
    /// Priority.
    pub priority: Priority,
    /// What the bot tried before escalating, for the agents.
    pub bot_tried: String,
    /// When.
    pub opened_at: Timestamp,
    /// Customer messages with no ticket recorded since this time join the ticket's transcript.
    pub transcript_since: Timestamp,
}

/// A ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Database id.
    pub id: TicketId,
    /// The desk.
    pub desk: String,
    /// Number within the desk, from 1, no gaps.
    pub number: i64,
    /// The customer.
    pub customer: CustomerId,
    /// Where the customer is reached.
    pub customer_endpoint: Endpoint,
    /// The customer's display name.
    pub customer_name: String,
    /// Subject.
    pub subject: String,
    /// Open or closed.
    pub status: TicketStatus,
    /// Priority.
    pub priority: Priority,
    /// Tags, sorted, unique.
    pub tags: Vec<String>,
    /// The agent who claimed it.
    pub assignee: Option<Agent>,
    /// The customer's language.
    pub lang: String,
    /// The ticket room in the desk, once opened.
    pub room: Option<Endpoint>,
    /// Whether the customer is in the room (a shared Discord thread): then nothing is relayed.
    pub customer_in_room: bool,
    /// What the bot tried.
    pub bot_tried: String,
    /// Opened at.
    pub opened_at: Timestamp,
    /// The first agent reply.
    pub first_response_at: Option<Timestamp>,
    /// The first-response time in business hours, when support hours were configured then.
    pub first_response_business_ms: Option<i64>,
    /// Last closed at (None while open and never closed).
    pub closed_at: Option<Timestamp>,
    /// How often it was reopened.
    pub reopen_count: i64,
    /// How many first-response reminders were sent.
    pub reminders_sent: i64,
    /// Since when the customer waits on the agents: their first message after the latest
    /// agent reply (and after the latest close); `None` while not waiting.
    pub customer_waiting_since: Option<Timestamp>,
}

impl Ticket {
    /// Whether a customer message at this point starts a new wait for the agents (what
    /// [`crate::ports::FollowUpStore::record_customer_reply`] records): the ticket is open and
    /// the customer is not waiting already, or waits only since before the latest close.
    pub fn customer_starts_waiting(&self) -> bool {
        self.status == TicketStatus::Open
            && self
                .customer_waiting_since
                .is_none_or(|w| self.closed_at.is_some_and(|c| w <= c))
    }
}

/// What happened to a ticket, for its timeline and the metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Opened.
    Opened,
    /// Claimed by an agent.
    Claimed,
    /// Released by its agent.
    Unclaimed,
    /// An agent replied to the customer.
    Replied,
    /// An internal note.
    Note,
    /// Closed.
    Closed,
    /// Reopened.
    Reopened,
    /// Priority changed.
    Priority,
    /// Tags added.
    Tagged,
    /// A first-response reminder was sent.
    Reminder,
    /// A send to a platform failed for good.
    SendFailed,
    /// The platform lost the ticket's room (topic or thread deleted); a new one is opened.
    RoomLost,
    /// The customer cannot be reached (blocked the bot, left).
    Unreachable,
    /// The customer can be reached again (unblocked the bot).
    Reachable,
    /// Agents blocked the customer (detail: the reason).
    Blocked,
    /// Agents lifted the block.
    Unblocked,
    /// The customer's data was erased, or the transcript by the retention policy (detail:
    /// `customer` or `retention`).
    Erased,
}

impl EventKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Opened => "opened",
            EventKind::Claimed => "claimed",
            EventKind::Unclaimed => "unclaimed",
            EventKind::Replied => "replied",
            EventKind::Note => "note",
            EventKind::Closed => "closed",
            EventKind::Reopened => "reopened",
            EventKind::Priority => "priority",
            EventKind::Tagged => "tagged",
            EventKind::Reminder => "reminder",
            EventKind::SendFailed => "send_failed",
            EventKind::RoomLost => "room_lost",
            EventKind::Unreachable => "unreachable",
            EventKind::Reachable => "reachable",
            EventKind::Blocked => "blocked",
            EventKind::Unblocked => "unblocked",
            EventKind::Erased => "erased",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<EventKind> {
        Some(match s {
            "opened" => EventKind::Opened,
            "claimed" => EventKind::Claimed,
            "unclaimed" => EventKind::Unclaimed,
            "replied" => EventKind::Replied,
            "note" => EventKind::Note,
            "closed" => EventKind::Closed,
            "reopened" => EventKind::Reopened,
            "priority" => EventKind::Priority,
            "tagged" => EventKind::Tagged,
            "reminder" => EventKind::Reminder,
            "send_failed" => EventKind::SendFailed,
            "room_lost" => EventKind::RoomLost,
            "unreachable" => EventKind::Unreachable,
            "reachable" => EventKind::Reachable,
            "blocked" => EventKind::Blocked,
            "unblocked" => EventKind::Unblocked,
            "erased" => EventKind::Erased,
            _ => return None,
        })
    }
}

/// One entry of a ticket's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    /// The ticket.
    pub ticket: TicketId,
    /// What happened.
    pub kind: EventKind,
    /// Who did it (agent id), if a person did.
    pub actor_id: Option<String>,
    /// Their name.
    pub actor_name: Option<String>,
    /// Details (the new priority, the tags, the error).
    pub detail: String,
    /// When.
    pub at: Timestamp,
}

/// The result of a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The agent now owns the ticket.
    Claimed,
    /// The agent already owned it.
    AlreadyYours,
    /// Another agent owns it.
    TakenBy(Agent),
    /// The ticket is closed.
    Closed,
}

/// Which tickets to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketFilter {
    /// Only this desk.
    pub desk: Option<String>,
    /// Only this status.
    pub status: Option<TicketStatus>,
    /// Only this customer.
    pub customer: Option<CustomerId>,
    /// At most this many (newest first); 0 means no limit.
    pub limit: usize,
}

//! The roles of a Store that the web dashboard reads and writes: the queue of open tickets and
//! the dashboard's sign-in tokens.

use async_trait::async_trait;
use serde::Serialize;

use super::StoreResult;
use crate::types::*;

/// Whose turn it is on an open ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitingFor {
    /// The customer wrote last (or no agent replied yet): an agent is to answer.
    Agent,
    /// An agent replied last: the customer is to answer.
    Customer,
}

impl WaitingFor {
    /// `agent` or `customer`.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitingFor::Agent => "agent",
            WaitingFor::Customer => "customer",
        }
    }

    /// Parses [`WaitingFor::as_str`].
    pub fn parse(s: &str) -> Option<WaitingFor> {
        match s {
            "agent" => Some(WaitingFor::Agent),
            "customer" => Some(WaitingFor::Customer),
            _ => None,
        }
    }
}

/// Who holds the tickets to list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Nobody claimed them.
    Unassigned,
    /// This agent (by [`Agent::id`]) holds them.
    Agent(String),
}

/// Which open tickets the queue lists, and which page of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueQuery {
    /// Only this desk.
    pub desk: Option<String>,
    /// Only customers on this platform.
    pub platform: Option<Platform>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only tickets with this tag.
    pub tag: Option<String>,
    /// Only tickets held by this agent, or by nobody.
    pub assignee: Option<AssigneeFilter>,
    /// Only tickets waiting for this side.
    pub waiting_for: Option<WaitingFor>,
    /// Only tickets whose subject or any message contains this text (case-insensitive for
    /// ASCII letters; `%` and `_` are plain characters).
    pub search: Option<String>,
    /// Rows to skip.
    pub offset: usize,
    /// Rows to return (at most); 0 means 50.
    pub limit: usize,
}

impl QueueQuery {
    /// The page size in effect.
    pub fn page_size(&self) -> usize {
        if self.limit == 0 { 50 } else { self.limit }
    }
}

/// One open ticket of the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueItem {
    /// The ticket.
    pub ticket: Ticket,
    /// Whose turn it is.
    pub waiting_for: WaitingFor,
    /// Since when that side has been waiting: for an agent, the first customer message after
    /// the last agent reply (the opening when no agent replied); for the customer, the last
    /// agent reply.
    pub waiting_since: Timestamp,
}

/// A page of the queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueuePage {
    /// The tickets of the page: first those waiting for an agent, the longest wait first, then
    /// those waiting for the customer, the oldest agent reply first; ties by ticket id.
    pub items: Vec<QueueItem>,
    /// How many tickets match the filters (on every page).
    pub total: usize,
}

/// The queue of open tickets for the dashboard.
#[async_trait]
pub trait QueueStore: Send + Sync {
    /// The open tickets matching `q`, sorted by how long the customer has waited, paged.
    async fn queue(&self, q: &QueueQuery) -> StoreResult<QueuePage>;
}

/// A dashboard sign-in token as stored: never the token itself, only a salted hash of its
/// secret part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardToken {
    /// The public part of the token, unique: how it is looked up.
    pub id: String,
    /// Whom it was made for (an agent's name).
    pub name: String,
    /// The random salt, hex.
    pub salt: String,
    /// SHA-256 of salt and secret, hex.
    pub hash: String,
    /// When it was made.
    pub created_at: Timestamp,
}

/// The per-agent tokens that sign in to the dashboard.
#[async_trait]
pub trait DashboardTokenStore: Send + Sync {
    /// Keeps a new token. A conflict when its id exists.
    async fn add_dashboard_token(&self, token: &DashboardToken) -> StoreResult<()>;
    /// The token with this public id.
    async fn dashboard_token(&self, id: &str) -> StoreResult<Option<DashboardToken>>;
}

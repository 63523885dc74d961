//! The ports: what the Engine needs from the outside world.
//!
//! - [`Store`]: persistence (SQLite/PostgreSQL in `frontdesk-store`, in memory for tests);
//! - [`Channel`]: one per platform, renders and sends messages, opens ticket rooms;
//! - [`Clock`]: the time, so SLA timers and metrics are tested without sleeping.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use crate::types::*;

/// An error of a [`Store`] backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A uniqueness or state conflict the caller may resolve (for example two writers at once).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A row the operation needs does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// Stored data could not be decoded.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The backend failed (connection, I/O, SQL).
    #[error("storage backend: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Result of a Store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Persistence port. Every method is atomic on its own.
///
/// Implementations: `frontdesk_store::SqlStore` (SQLite, PostgreSQL) and, behind the `testing`
/// feature, [`crate::testing::MemoryStore`]. Both pass the same conformance suite.
#[async_trait]
pub trait Store: Send + Sync {
    /// Finds or creates the customer behind `party`, updating their name and last endpoint.
    async fn upsert_customer(
        &self,
        party: &Party,
        endpoint: &Endpoint,
        now: Timestamp,
    ) -> StoreResult<Customer>;
    /// A customer by id.
    async fn customer(&self, id: CustomerId) -> StoreResult<Option<Customer>>;
    /// Sets a customer's conversation state.
    async fn set_customer_state(
        &self,
        id: CustomerId,
        state: &ConversationState,
    ) -> StoreResult<()>;
    /// Sets the language the bot speaks with a customer.
    async fn set_customer_lang(&self, id: CustomerId, lang: &str) -> StoreResult<()>;

    /// Records a message. Returns `None`, changing nothing, when a message with the same
    /// `platform_msg` was recorded before (a replayed update).
    async fn record_message(&self, msg: &NewMessage) -> StoreResult<Option<MessageId>>;
    /// The transcript of a ticket, oldest first.
    async fn ticket_messages(&self, ticket: TicketId) -> StoreResult<Vec<Message>>;
    /// A customer's latest messages, oldest first.
    async fn customer_messages(
        &self,
        customer: CustomerId,
        limit: usize,
    ) -> StoreResult<Vec<Message>>;

    /// Opens a ticket: takes the desk's next number (no gaps, no duplicates, also across
    /// replicas), records the `opened` event and attaches the customer's ticketless messages
    /// since `transcript_since`.
    async fn open_ticket(&self, t: &NewTicket) -> StoreResult<Ticket>;
    /// A ticket by id.
    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>>;
    /// A ticket by desk and number.
    async fn ticket_by_number(&self, desk: &str, number: i64) -> StoreResult<Option<Ticket>>;
    /// The ticket whose room is `room`.
    async fn ticket_by_room(&self, room: &Endpoint) -> StoreResult<Option<Ticket>>;
    /// Tickets, newest first.
    async fn list_tickets(&self, filter: &TicketFilter) -> StoreResult<Vec<Ticket>>;
    /// Records the room opened for a ticket.
    async fn set_ticket_room(
        &self,
        id: TicketId,
        room: &Endpoint,
        customer_in_room: bool,
    ) -> StoreResult<()>;
    /// Open tickets of a desk whose room could not be opened yet.
    async fn tickets_without_room(&self, desk: &str) -> StoreResult<Vec<Ticket>>;
    /// Claims a ticket for an agent; of two agents claiming at once exactly one wins.
    async fn claim_ticket(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome>;
    /// Releases a ticket the agent holds. False when they did not hold it.
    async fn unclaim_ticket(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Records an agent reply to the customer: sets the first response time once and assigns
    /// the ticket to the agent when nobody holds it.
    async fn record_agent_reply(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Closes a ticket. False when it was closed already.
    async fn close_ticket(
        &self,
        id: TicketId,
        actor: Option<&Agent>,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Reopens a closed ticket. False when it was open.
    async fn reopen_ticket(
        &self,
        id: TicketId,
        actor: Option<&Agent>,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Sets the priority.
    async fn set_priority(
        &self,
        id: TicketId,
        priority: Priority,
        actor: &Agent,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Adds tags; returns the ticket's tags after.
    async fn add_tags(
        &self,
        id: TicketId,
        tags: &[String],
        actor: &Agent,
        now: Timestamp,
    ) -> StoreResult<Vec<String>>;
    /// Appends an event to a ticket's timeline.
    async fn add_event(
        &self,
        id: TicketId,
        kind: EventKind,
        actor: Option<&Agent>,
        detail: &str,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// A ticket's timeline, oldest first.
    async fn ticket_events(&self, id: TicketId) -> StoreResult<Vec<TicketEvent>>;
    /// Takes the first-response reminders that are due: open tickets without an agent reply
    /// whose age reached `level × target_ms` for a level above the reminders already sent, up
    /// to `max_level`. Each (ticket, level) is returned to exactly one caller, also across
    /// replicas sharing one database.
    async fn take_due_reminders(
        &self,
        desk: &str,
        now: Timestamp,
        target_ms: i64,
        max_level: i64,
    ) -> StoreResult<Vec<(Ticket, i64)>>;

    /// Records what the bot did with a question.
    async fn record_bot_reply(&self, reply: &NewBotReply) -> StoreResult<i64>;
    /// A recorded bot reply.
    async fn bot_reply(&self, id: i64) -> StoreResult<Option<BotReply>>;
    /// Sets the customer's verdict on a bot reply, once. False when the reply is not the
    /// customer's or had a verdict already.
    async fn set_bot_reply_feedback(
        &self,
        id: i64,
        customer: CustomerId,
        feedback: Feedback,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Bot replies since a time, oldest first (for metrics and reports).
    async fn bot_replies_since(&self, since: Timestamp) -> StoreResult<Vec<BotReply>>;

    /// Records that the survey of a ticket was offered (at each close).
    async fn survey_offered(&self, ticket: TicketId, now: Timestamp) -> StoreResult<()>;
    /// Records the 1–5 score.
    async fn survey_score(&self, ticket: TicketId, score: i64, now: Timestamp)
    -> StoreResult<bool>;
    /// Records the comment.
    async fn survey_comment(&self, ticket: TicketId, comment: &str) -> StoreResult<()>;
    /// The survey of a ticket.
    async fn survey(&self, ticket: TicketId) -> StoreResult<Option<Survey>>;

    /// An adapter's cursor (for example the Telegram update offset).
    async fn cursor(&self, name: &str) -> StoreResult<Option<String>>;
    /// Sets an adapter's cursor.
    async fn set_cursor(&self, name: &str, value: &str) -> StoreResult<()>;

    /// Takes or renews the lease `name` for `holder` until `now + ttl_ms`. True when `holder`
    /// holds it afterwards: it was free, expired, or already theirs. Of several replicas asking
    /// at once exactly one wins; when the holder dies its lease expires and another takes over
    /// (used so that only one replica long-polls Telegram).
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Gives the lease up if `holder` holds it.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;
}

/// An error of a [`Channel`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The platform refused the request (bad chat, missing rights, message too long...).
    #[error("platform refused: {0}")]
    Refused(String),
    /// The platform could not be reached or failed; the send may be retried.
    #[error("platform unavailable: {0}")]
    Unavailable(String),
    /// No channel is configured for the platform.
    #[error("no channel for platform {0}")]
    NoChannel(Platform),
}

/// A message a platform accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// The platform's id of the sent message, if it has one.
    pub message_id: Option<String>,
}

/// Outbound port: one implementation per platform.
#[async_trait]
pub trait Channel: Send + Sync {
    /// The platform this channel serves.
    fn platform(&self) -> Platform;
    /// Sends a message.
    async fn send(&self, to: &Endpoint, msg: &OutMessage) -> Result<Sent, ChannelError>;
    /// Opens a ticket room (a thread or forum topic) in the desk; returns its endpoint.
    async fn open_room(&self, desk: &Endpoint, title: &str) -> Result<Endpoint, ChannelError>;
    /// Renames a room.
    async fn rename_room(&self, _room: &Endpoint, _title: &str) -> Result<(), ChannelError> {
        Ok(())
    }
    /// Closes (archives) a room.
    async fn close_room(&self, _room: &Endpoint) -> Result<(), ChannelError> {
        Ok(())
    }
    /// Reopens a closed room.
    async fn reopen_room(&self, _room: &Endpoint) -> Result<(), ChannelError> {
        Ok(())
    }
}

/// Routes outbound calls to the channel of each platform, so a customer on one platform can be
/// served from a desk on another.
#[derive(Clone, Default)]
pub struct Router {
    channels: HashMap<Platform, Arc<dyn Channel>>,
}

impl Router {
    /// An empty router.
    pub fn new() -> Router {
        Router::default()
    }

    /// Adds (or replaces) the channel of its platform.
    pub fn with(mut self, channel: Arc<dyn Channel>) -> Router {
        self.channels.insert(channel.platform(), channel);
        self
    }

    /// The channel of a platform.
    pub fn get(&self, platform: &Platform) -> Result<&Arc<dyn Channel>, ChannelError> {
        self.channels
            .get(platform)
            .ok_or_else(|| ChannelError::NoChannel(platform.clone()))
    }
}

/// Time port.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp(ms)
    }
}

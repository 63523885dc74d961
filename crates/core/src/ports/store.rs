//! The Store port, split into role traits of a few required methods each.
//!
//! [`Data`] is everything that can be read and written; a [`Store`] is `Data` plus
//! [`Store::begin`], which starts a [`UnitOfWork`]: the same `Data`, inside one transaction,
//! serialised per key (a customer) across every replica sharing the database. The Engine
//! handles each inbound update in one unit of work, so an update either changed everything it
//! decided (state, messages, ticket changes, bot replies, outbox rows) or nothing.
//!
//! Implementations: `frontdesk_store::SqlStore` (SQLite, PostgreSQL) and, behind the
//! `testing` feature, [`crate::testing::MemoryStore`]. Both pass the same conformance suite.

use async_trait::async_trait;

use super::{BlockStore, FollowUpStore, PrivacyStore};
use crate::outbox::*;
use crate::types::*;

/// An error of a Store backend.
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

/// Customers and what the bot knows about them.
#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// Finds or creates the customer behind `party`, updating their name and last endpoint
    /// (a write: read a customer who may be unchanged with [`PrivacyStore::customer_by_user`]).
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
}

/// The transcript, and the updates that could not be handled.
#[async_trait]
pub trait MessageStore: Send + Sync {
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
    /// Keeps an update that could not be handled, with the error. Returns false, changing
    /// nothing, when that update was kept before.
    async fn record_dead_letter(
        &self,
        inbound: &Inbound,
        error: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// The updates that could not be handled, newest first.
    async fn dead_letters(&self, limit: usize) -> StoreResult<Vec<DeadLetter>>;
}

/// Tickets: opening, finding, rooms, timeline.
#[async_trait]
pub trait TicketStore: Send + Sync {
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
    /// Records the room opened for a ticket, or forgets it (`None`: the platform lost it).
    async fn set_ticket_room(
        &self,
        id: TicketId,
        room: Option<&Endpoint>,
        customer_in_room: bool,
    ) -> StoreResult<()>;
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
}

/// What agents do to a ticket. Each guarded change records its event in the same transaction.
#[async_trait]
pub trait TicketWorkStore: Send + Sync {
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
    /// Records the first-response time in business hours (the desk's support hours), once:
    /// a ticket that has one keeps it. The Engine calls it with the first agent reply when
    /// support hours are configured.
    async fn set_business_first_response(&self, id: TicketId, ms: i64) -> StoreResult<()>;
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
}

/// What the bot answered, what customers thought of it, and the satisfaction surveys.
#[async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Records what the bot did with a question.
    async fn record_bot_reply(&self, reply: &NewBotReply) -> StoreResult<BotReplyId>;
    /// A recorded bot reply.
    async fn bot_reply(&self, id: BotReplyId) -> StoreResult<Option<BotReply>>;
    /// Sets the customer's verdict on a bot reply, once. False when the reply is not the
    /// customer's or had a verdict already.
    async fn set_bot_reply_feedback(
        &self,
        id: BotReplyId,
        customer: CustomerId,
        feedback: Feedback,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Bot replies since a time, oldest first (for metrics and reports).
    async fn bot_replies_since(&self, since: Timestamp) -> StoreResult<Vec<BotReply>>;
}

/// The satisfaction survey after a close.
#[async_trait]
pub trait SurveyStore: Send + Sync {
    /// Records that the survey of a ticket was offered (at each close).
    async fn survey_offered(&self, ticket: TicketId, now: Timestamp) -> StoreResult<()>;
    /// Records the 1–5 score.
    async fn survey_score(&self, ticket: TicketId, score: i64, now: Timestamp)
    -> StoreResult<bool>;
    /// Records the answer to an optional question (NPS, CES) of a ticket's survey. False when
    /// the ticket has no survey or the value is off the question's scale.
    async fn survey_answer(
        &self,
        ticket: TicketId,
        question: SurveyQuestion,
        value: i64,
    ) -> StoreResult<bool>;
    /// Records the comment.
    async fn survey_comment(&self, ticket: TicketId, comment: &str) -> StoreResult<()>;
    /// The survey of a ticket.
    async fn survey(&self, ticket: TicketId) -> StoreResult<Option<Survey>>;
}

/// Work shared by replicas: adapter cursors, leases, due reminders.
#[async_trait]
pub trait ScheduleStore: Send + Sync {
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
    /// Takes the first-response reminders that are due: open tickets without an agent reply
    /// opened at or before the instant given for a level, for a level above the reminders
    /// already sent. `due` lists `(level, opened_at_or_before)`: the Engine computes each
    /// level's instant from the target in business time (see
    /// [`crate::hours::SupportHours::business_start`]). Each (ticket, level) is returned to
    /// exactly one caller, also across replicas sharing one database; a ticket due for
    /// several levels gets the highest only.
    async fn take_due_reminders(
        &self,
        desk: &str,
        due: &[(i64, Timestamp)],
    ) -> StoreResult<Vec<(Ticket, i64)>>;
}

/// The durable outbox (see [`crate::outbox`]).
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Writes a row to deliver. With `claim` (a holder and the end of its claim), the row is
    /// written already claimed by that holder when no other pending row of its queue is ahead
    /// of it (other than rows claimed with this very claim): the writer may deliver it right
    /// after its commit without claiming it again. Returns the id and whether it was claimed.
    async fn enqueue(
        &self,
        row: &NewOutbound,
        claim: Option<(&str, Timestamp)>,
    ) -> StoreResult<(OutboxId, bool)>;
    /// Claims, for `holder` until `now + claim_ms`, the first pending row of each queue
    /// (of `queues` only, when given) that is due and not claimed by a live holder, up to
    /// `limit` rows. Each row is returned to one caller at a time, also across replicas; a
    /// queue's next row is never returned before its first one is delivered or failed.
    async fn claim_due(
        &self,
        holder: &str,
        now: Timestamp,
        claim_ms: i64,
        limit: usize,
        queues: Option<&[String]>,
    ) -> StoreResult<Vec<Outbound>>;
    /// Marks rows delivered, each with the platform's message id, in one statement (the
    /// dispatcher groups the deliveries that finish together). Returns, for each row in
    /// order, whether other pending rows of its queue wait behind it.
    async fn outbox_delivered(
        &self,
        rows: &[(OutboxId, Option<String>)],
        now: Timestamp,
    ) -> StoreResult<Vec<bool>>;
    /// Releases a row for another attempt at `next_at`; with an `error`, counting a failed
    /// attempt (without, the row was not tried: it waits behind one that was).
    async fn outbox_retry(
        &self,
        id: OutboxId,
        next_at: Timestamp,
        error: Option<&str>,
    ) -> StoreResult<()>;
    /// Gives a row up for good.
    async fn outbox_failed(&self, id: OutboxId, error: &str, now: Timestamp) -> StoreResult<()>;
    /// Pending rows per platform, with the age of the oldest.
    async fn outbox_depth(&self) -> StoreResult<Vec<OutboxDepth>>;
    /// A ticket's rows that are pending or failed, oldest first.
    async fn ticket_outbox(&self, ticket: TicketId) -> StoreResult<Vec<OutboxEntry>>;
    /// Deletes rows delivered before `before` (failed rows stay: they are shown to people).
    /// Returns how many.
    async fn prune_delivered(&self, before: Timestamp) -> StoreResult<u64>;
}

/// Everything a Store can read and write: implemented by a [`Store`] and by its
/// [`UnitOfWork`] alike.
pub trait Data:
    CustomerStore
    + MessageStore
    + TicketStore
    + TicketWorkStore
    + FeedbackStore
    + SurveyStore
    + ScheduleStore
    + FollowUpStore
    + OutboxStore
    + BlockStore
    + PrivacyStore
{
}

impl<T> Data for T where
    T: CustomerStore
        + MessageStore
        + TicketStore
        + TicketWorkStore
        + FeedbackStore
        + SurveyStore
        + ScheduleStore
        + FollowUpStore
        + OutboxStore
        + BlockStore
        + PrivacyStore
        + ?Sized
{
}

/// Persistence port: [`Data`] plus units of work.
#[async_trait]
pub trait Store: Data {
    /// Begins a unit of work: one transaction, in which every [`Data`] call takes effect
    /// together at [`UnitOfWork::commit`] or not at all (dropping the unit rolls it back).
    /// Units with the same `key` run one at a time, also across replicas (a row or advisory
    /// lock taken inside the transaction); the Engine uses the customer as the key.
    async fn begin(&self, key: &str) -> StoreResult<Box<dyn UnitOfWork>>;

    /// Begins the unit `key` (as [`Store::begin`]) for an update from `user_id` of
    /// `platform` written at `at`, and reads what nearly every update reads first: the
    /// sender as a customer with the ticket their state names
    /// ([`UnitOfWork::customer_with_ticket`]), and the ticket whose room `at` is (not looked
    /// up when `at` is the known customer's own chat: a room is a thread or topic of the
    /// desk, never a customer's chat).
    async fn begin_customer(
        &self,
        key: &str,
        platform: &Platform,
        user_id: &str,
        at: &Endpoint,
    ) -> StoreResult<CustomerUnit> {
        let tx = self.begin(key).await?;
        let (customer, ticket) = tx.customer_with_ticket(platform, user_id).await?;
        let room = match customer.as_ref().is_some_and(|c| c.endpoint == *at) {
            true => None,
            false => tx.ticket_by_room(at).await?,
        };
        let read = SenderRead {
            customer,
            ticket,
            room,
        };
        Ok(CustomerUnit { tx, read })
    }
}

/// A unit of work begun for a customer's update ([`Store::begin_customer`]).
pub struct CustomerUnit {
    /// The unit.
    pub tx: Box<dyn UnitOfWork>,
    /// What it read first.
    pub read: SenderRead,
}

/// What [`Store::begin_customer`] reads, as the unit sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SenderRead {
    /// The sender as a customer, when known.
    pub customer: Option<Customer>,
    /// The ticket the customer's conversation state names.
    pub ticket: Option<Ticket>,
    /// The ticket whose room the update was written in.
    pub room: Option<Ticket>,
}

/// One transaction of a [`Store`] (see [`Store::begin`]).
#[async_trait]
pub trait UnitOfWork: Data {
    /// Makes every change of the unit durable at once.
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    /// The customer `user_id` of `platform`, when known ([`PrivacyStore::customer_by_user`]),
    /// with the ticket their conversation state names. Provided as two reads; a Store may
    /// read both at once.
    async fn customer_with_ticket(
        &self,
        platform: &Platform,
        user_id: &str,
    ) -> StoreResult<(Option<Customer>, Option<Ticket>)> {
        let customer = self.customer_by_user(platform, user_id).await?;
        let ticket = match customer.as_ref().and_then(|c| c.state.ticket()) {
            Some(id) => self.ticket(id).await?,
            None => None,
        };
        Ok((customer, ticket))
    }

    /// Escalates: opens the ticket `t` ([`TicketStore::open_ticket`]), puts its customer's
    /// conversation in it ([`ConversationState::InTicket`]) and returns it with its transcript
    /// so far ([`MessageStore::ticket_messages`]). Provided as those three calls; a Store may
    /// do it in fewer round trips, and should take the desk's number last (numbers are
    /// gapless, so the desk is locked from the number to the commit).
    async fn open_customer_ticket(&self, t: &NewTicket) -> StoreResult<OpenedTicket> {
        let ticket = self.open_ticket(t).await?;
        let state = ConversationState::InTicket { ticket: ticket.id };
        self.set_customer_state(t.customer, &state).await?;
        let transcript = self.ticket_messages(ticket.id).await?;
        Ok(OpenedTicket { ticket, transcript })
    }
}

/// A ticket just opened by [`UnitOfWork::open_customer_ticket`].
#[derive(Clone, Debug)]
pub struct OpenedTicket {
    /// The ticket, numbered.
    pub ticket: Ticket,
    /// Its messages, oldest first: the conversation it took over.
    pub transcript: Vec<Message>,
}

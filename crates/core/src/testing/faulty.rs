//! [`FaultyStore`]: a decorator of any [`Store`] that fails on demand, to drive every failure
//! point of the Engine's flow (fault injection, as teloxide's decorators wrap a `Requester`).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::outbox::*;
use crate::ports::*;
use crate::types::*;

#[derive(Default)]
struct Faults {
    calls: AtomicU64,
    fail_at: Mutex<BTreeSet<u64>>,
    down: AtomicBool,
    log: Mutex<Vec<&'static str>>,
}

impl Faults {
    fn check(&self, what: &'static str) -> StoreResult<()> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(what);
        let planned = self
            .fail_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&n);
        if planned || self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Backend(
                format!("injected fault at call {n} ({what})").into(),
            ));
        }
        Ok(())
    }
}

/// Wraps a Store; every call (units of work and their commits included) is counted, and the
/// calls chosen with [`FaultyStore::fail_call`] or made while [`FaultyStore::set_down`] is on
/// fail with a backend error, as a database outage would.
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    faults: Arc<Faults>,
}

impl FaultyStore {
    /// Wraps `inner`; nothing fails until told.
    pub fn new(inner: Arc<dyn Store>) -> Arc<FaultyStore> {
        Arc::new(FaultyStore {
            inner,
            faults: Arc::default(),
        })
    }

    /// Calls made so far.
    pub fn calls(&self) -> u64 {
        self.faults.calls.load(Ordering::SeqCst)
    }

    /// The names of the calls made so far, in order.
    pub fn call_log(&self) -> Vec<&'static str> {
        self.faults
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Makes the `n`-th call counted from now (1 = the next one) fail.
    pub fn fail_call(&self, n: u64) {
        let at = self.calls() + n;
        self.faults
            .fail_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(at);
    }

    /// While `down`, every call fails.
    pub fn set_down(&self, down: bool) {
        self.faults.down.store(down, Ordering::SeqCst);
    }
}

struct FaultyUnit {
    inner: Box<dyn UnitOfWork>,
    faults: Arc<Faults>,
}

#[async_trait]
impl Store for FaultyStore {
    async fn begin(&self, key: &str) -> StoreResult<Box<dyn UnitOfWork>> {
        self.faults.check("begin")?;
        let inner = self.inner.begin(key).await?;
        Ok(Box::new(FaultyUnit {
            inner,
            faults: self.faults.clone(),
        }))
    }
}

#[async_trait]
impl UnitOfWork for FaultyUnit {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.faults.check("commit")?;
        self.inner.commit().await
    }
}

/// Implements a role trait for a wrapper by checking for a fault, then delegating.
macro_rules! delegate {
    ($ty:ty, $trait:ident { $( fn $name:ident(&self $(, $arg:ident : $aty:ty)* ) -> $ret:ty; )* }) => {
        #[async_trait]
        impl $trait for $ty {
            $(
                async fn $name(&self $(, $arg: $aty)*) -> StoreResult<$ret> {
                    self.faults.check(stringify!($name))?;
                    self.inner.$name($($arg),*).await
                }
            )*
        }
    };
}

/// Every method of [`Data`], once, for [`delegate`].
macro_rules! all_data {
    ($ty:ty) => {
        delegate!($ty, CustomerStore {
            fn upsert_customer(&self, party: &Party, endpoint: &Endpoint, now: Timestamp) -> Customer;
            fn customer(&self, id: CustomerId) -> Option<Customer>;
            fn set_customer_state(&self, id: CustomerId, state: &ConversationState) -> ();
            fn set_customer_lang(&self, id: CustomerId, lang: &str) -> ();
        });
        delegate!($ty, MessageStore {
            fn record_message(&self, msg: &NewMessage) -> Option<MessageId>;
            fn ticket_messages(&self, ticket: TicketId) -> Vec<Message>;
            fn customer_messages(&self, customer: CustomerId, limit: usize) -> Vec<Message>;
            fn record_dead_letter(&self, inbound: &Inbound, error: &str, now: Timestamp) -> bool;
            fn dead_letters(&self, limit: usize) -> Vec<DeadLetter>;
        });
        delegate!($ty, TicketStore {
            fn open_ticket(&self, t: &NewTicket) -> Ticket;
            fn ticket(&self, id: TicketId) -> Option<Ticket>;
            fn ticket_by_number(&self, desk: &str, number: i64) -> Option<Ticket>;
            fn ticket_by_room(&self, room: &Endpoint) -> Option<Ticket>;
            fn list_tickets(&self, filter: &TicketFilter) -> Vec<Ticket>;
            fn set_ticket_room(&self, id: TicketId, room: Option<&Endpoint>, customer_in_room: bool) -> ();
            fn add_event(&self, id: TicketId, kind: EventKind, actor: Option<&Agent>, detail: &str, now: Timestamp) -> ();
            fn ticket_events(&self, id: TicketId) -> Vec<TicketEvent>;
        });
        delegate!($ty, TicketWorkStore {
            fn claim_ticket(&self, id: TicketId, agent: &Agent, now: Timestamp) -> ClaimOutcome;
            fn unclaim_ticket(&self, id: TicketId, agent: &Agent, now: Timestamp) -> bool;
            fn record_agent_reply(&self, id: TicketId, agent: &Agent, now: Timestamp) -> ();
            fn set_business_first_response(&self, id: TicketId, ms: i64) -> ();
            fn close_ticket(&self, id: TicketId, actor: Option<&Agent>, now: Timestamp) -> bool;
            fn reopen_ticket(&self, id: TicketId, actor: Option<&Agent>, now: Timestamp) -> bool;
            fn set_priority(&self, id: TicketId, priority: Priority, actor: &Agent, now: Timestamp) -> ();
            fn add_tags(&self, id: TicketId, tags: &[String], actor: &Agent, now: Timestamp) -> Vec<String>;
        });
        delegate!($ty, FeedbackStore {
            fn record_bot_reply(&self, reply: &NewBotReply) -> BotReplyId;
            fn bot_reply(&self, id: BotReplyId) -> Option<BotReply>;
            fn set_bot_reply_feedback(&self, id: BotReplyId, customer: CustomerId, feedback: Feedback, now: Timestamp) -> bool;
            fn bot_replies_since(&self, since: Timestamp) -> Vec<BotReply>;
        });
        delegate!($ty, SurveyStore {
            fn survey_offered(&self, ticket: TicketId, now: Timestamp) -> ();
            fn survey_score(&self, ticket: TicketId, score: i64, now: Timestamp) -> bool;
            fn survey_answer(&self, ticket: TicketId, question: SurveyQuestion, value: i64) -> bool;
            fn survey_comment(&self, ticket: TicketId, comment: &str) -> ();
            fn survey(&self, ticket: TicketId) -> Option<Survey>;
        });
        delegate!($ty, ScheduleStore {
            fn cursor(&self, name: &str) -> Option<String>;
            fn set_cursor(&self, name: &str, value: &str) -> ();
            fn acquire_lease(&self, name: &str, holder: &str, ttl_ms: i64, now: Timestamp) -> bool;
            fn release_lease(&self, name: &str, holder: &str) -> ();
            fn take_due_reminders(&self, desk: &str, due: &[(i64, Timestamp)]) -> Vec<(Ticket, i64)>;
        });
        delegate!($ty, FollowUpStore {
            fn record_customer_reply(&self, id: TicketId, now: Timestamp) -> ();
            fn take_due_next_reminders(&self, desk: &str, due: &[(i64, Timestamp)]) -> Vec<(Ticket, i64)>;
            fn take_due_nudges(&self, desk: &str, replied_by: Timestamp) -> Vec<Ticket>;
            fn take_due_auto_closes(&self, desk: &str, replied_by: Timestamp, now: Timestamp, detail: &str) -> Vec<Ticket>;
        });
        delegate!($ty, OutboxStore {
            fn enqueue(&self, row: &NewOutbound, claim: Option<(&str, Timestamp)>) -> (OutboxId, bool);
            fn claim_due(&self, holder: &str, now: Timestamp, claim_ms: i64, limit: usize, queues: Option<&[String]>) -> Vec<Outbound>;
            fn outbox_delivered(&self, rows: &[(OutboxId, Option<String>)], now: Timestamp) -> Vec<bool>;
            fn outbox_retry(&self, id: OutboxId, next_at: Timestamp, error: Option<&str>) -> ();
            fn outbox_failed(&self, id: OutboxId, error: &str, now: Timestamp) -> ();
            fn outbox_depth(&self) -> Vec<OutboxDepth>;
            fn ticket_outbox(&self, ticket: TicketId) -> Vec<OutboxEntry>;
            fn prune_delivered(&self, before: Timestamp) -> u64;
        });
        delegate!($ty, BlockStore {
            fn set_block(&self, id: CustomerId, block: Option<(&str, &str)>, now: Timestamp) -> bool;
            fn mark_block_told(&self, id: CustomerId) -> bool;
            fn blocked_customers(&self) -> Vec<Customer>;
        });
        delegate!($ty, PrivacyStore {
            fn customer_by_user(&self, platform: &Platform, user_id: &str) -> Option<Customer>;
            fn erase_customer(&self, id: CustomerId, now: Timestamp) -> Erasure;
            fn erase_closed_transcripts(&self, closed_before: Timestamp, now: Timestamp, limit: usize) -> Vec<TicketId>;
        });
    };
}

all_data!(FaultyStore);
all_data!(FaultyUnit);

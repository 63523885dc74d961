//! In-memory ports for tests of any crate (feature `testing`): [`MemoryStore`],
//! [`RecordingChannel`] and [`ManualClock`].

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::ports::*;
use crate::types::*;

/// A clock that moves only when told.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock at `start`.
    pub fn new(start: Timestamp) -> Arc<ManualClock> {
        Arc::new(ManualClock(AtomicI64::new(start.0)))
    }
    /// Moves the clock forward.
    pub fn advance_minutes(&self, minutes: i64) {
        self.0.fetch_add(minutes * 60_000, Ordering::SeqCst);
    }
    /// Moves the clock forward by milliseconds.
    pub fn advance_millis(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

/// One call a [`RecordingChannel`] received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `send`.
    Send(Endpoint, OutMessage),
    /// `open_room` with its title; the room it returned.
    OpenRoom(String, Endpoint),
    /// `rename_room`.
    Rename(Endpoint, String),
    /// `close_room`.
    Close(Endpoint),
    /// `reopen_room`.
    Reopen(Endpoint),
}

/// A Channel that records every call; rooms are `room-N` threads of the desk chat.
pub struct RecordingChannel {
    platform: Platform,
    calls: Mutex<Vec<Call>>,
    rooms: AtomicI64,
    fail: AtomicBool,
}

impl RecordingChannel {
    /// A channel for `platform`.
    pub fn new(platform: Platform) -> Arc<RecordingChannel> {
        Arc::new(RecordingChannel {
            platform,
            calls: Mutex::new(Vec::new()),
            rooms: AtomicI64::new(0),
            fail: AtomicBool::new(false),
        })
    }

    /// Makes every call fail with [`ChannelError::Unavailable`] (true) or succeed (false).
    pub fn set_failing(&self, fail: bool) {
        self.fail.store(fail, Ordering::SeqCst);
    }

    /// All calls so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Messages sent to `to`, in order.
    pub fn sent_to(&self, to: &Endpoint) -> Vec<OutMessage> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Send(e, m) if &e == to => Some(m),
                _ => None,
            })
            .collect()
    }

    /// Rooms opened, with their titles.
    pub fn rooms(&self) -> Vec<(String, Endpoint)> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::OpenRoom(t, e) => Some((t, e)),
                _ => None,
            })
            .collect()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.calls.lock().unwrap().clear();
    }

    fn check(&self) -> Result<(), ChannelError> {
        if self.fail.load(Ordering::SeqCst) {
            Err(ChannelError::Unavailable("test channel set to fail".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Channel for RecordingChannel {
    fn platform(&self) -> Platform {
        self.platform.clone()
    }
    async fn send(&self, to: &Endpoint, msg: &OutMessage) -> Result<Sent, ChannelError> {
        self.check()?;
        let mut calls = self.calls.lock().unwrap();
        calls.push(Call::Send(to.clone(), msg.clone()));
        Ok(Sent {
            message_id: Some(calls.len().to_string()),
        })
    }
    async fn open_room(&self, desk: &Endpoint, title: &str) -> Result<Endpoint, ChannelError> {
        self.check()?;
        // Unique across channel instances, as a platform's thread ids are across replicas.
        static ROOMS: AtomicI64 = AtomicI64::new(0);
        self.rooms.fetch_add(1, Ordering::SeqCst);
        let n = ROOMS.fetch_add(1, Ordering::SeqCst) + 1;
        let room = Endpoint {
            platform: desk.platform.clone(),
            chat_id: desk.chat_id.clone(),
            thread_id: Some(format!("room-{n}")),
        };
        self.calls
            .lock()
            .unwrap()
            .push(Call::OpenRoom(title.to_owned(), room.clone()));
        Ok(room)
    }
    async fn rename_room(&self, room: &Endpoint, title: &str) -> Result<(), ChannelError> {
        self.check()?;
        self.calls
            .lock()
            .unwrap()
            .push(Call::Rename(room.clone(), title.to_owned()));
        Ok(())
    }
    async fn close_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        self.check()?;
        self.calls.lock().unwrap().push(Call::Close(room.clone()));
        Ok(())
    }
    async fn reopen_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        self.check()?;
        self.calls.lock().unwrap().push(Call::Reopen(room.clone()));
        Ok(())
    }
}

#[derive(Default)]
struct Inner {
    customers: Vec<Customer>,
    messages: Vec<Message>,
    platform_ids: BTreeSet<(Platform, String)>,
    tickets: Vec<Ticket>,
    events: Vec<TicketEvent>,
    desks: HashMap<String, i64>,
    replies: Vec<BotReply>,
    surveys: Vec<Survey>,
    cursors: HashMap<String, String>,
    leases: HashMap<String, (String, i64)>,
}

/// A Store in memory, with the same semantics as the SQL stores (it passes the same
/// conformance suite in `frontdesk-store`).
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Arc<MemoryStore> {
        Arc::new(MemoryStore::default())
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> StoreResult<T>) -> StoreResult<T> {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

fn not_found(what: &str) -> StoreError {
    StoreError::NotFound(what.to_owned())
}

impl Inner {
    fn ticket_mut(&mut self, id: TicketId) -> StoreResult<&mut Ticket> {
        self.tickets
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(|| not_found("ticket"))
    }
    fn event(
        &mut self,
        id: TicketId,
        kind: EventKind,
        actor: Option<&Agent>,
        detail: &str,
        at: Timestamp,
    ) {
        self.events.push(TicketEvent {
            ticket: id,
            kind,
            actor_id: actor.map(|a| a.id.clone()),
            actor_name: actor.map(|a| a.name.clone()),
            detail: detail.to_owned(),
            at,
        });
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn upsert_customer(
        &self,
        party: &Party,
        endpoint: &Endpoint,
        now: Timestamp,
    ) -> StoreResult<Customer> {
        self.with(|s| {
            if let Some(c) = s
                .customers
                .iter_mut()
                .find(|c| c.platform == party.platform && c.user_id == party.user_id)
            {
                c.display_name = party.display_name.clone();
                c.endpoint = endpoint.clone();
                return Ok(c.clone());
            }
            let c = Customer {
                id: CustomerId(s.customers.len() as i64 + 1),
                platform: party.platform.clone(),
                user_id: party.user_id.clone(),
                display_name: party.display_name.clone(),
                endpoint: endpoint.clone(),
                lang: None,
                state: ConversationState::Idle,
                created_at: now,
            };
            s.customers.push(c.clone());
            Ok(c)
        })
    }

    async fn customer(&self, id: CustomerId) -> StoreResult<Option<Customer>> {
        self.with(|s| Ok(s.customers.iter().find(|c| c.id == id).cloned()))
    }

    async fn set_customer_state(
        &self,
        id: CustomerId,
        state: &ConversationState,
    ) -> StoreResult<()> {
        self.with(|s| {
            let c = s
                .customers
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(|| not_found("customer"))?;
            c.state = state.clone();
            Ok(())
        })
    }

    async fn set_customer_lang(&self, id: CustomerId, lang: &str) -> StoreResult<()> {
        self.with(|s| {
            let c = s
                .customers
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(|| not_found("customer"))?;
            c.lang = Some(lang.to_owned());
            Ok(())
        })
    }

    async fn record_message(&self, m: &NewMessage) -> StoreResult<Option<MessageId>> {
        self.with(|s| {
            if let Some(key) = &m.platform_msg
                && !s.platform_ids.insert(key.clone())
            {
                return Ok(None);
            }
            let id = MessageId(s.messages.len() as i64 + 1);
            s.messages.push(Message {
                id,
                customer: m.customer,
                ticket: m.ticket,
                author: m.author,
                author_id: m.author_id.clone(),
                author_name: m.author_name.clone(),
                body: m.body.clone(),
                attachments: m.attachments.clone(),
                at: m.at,
            });
            Ok(Some(id))
        })
    }

    async fn ticket_messages(&self, ticket: TicketId) -> StoreResult<Vec<Message>> {
        self.with(|s| {
            Ok(s.messages
                .iter()
                .filter(|m| m.ticket == Some(ticket))
                .cloned()
                .collect())
        })
    }

    async fn customer_messages(
        &self,
        customer: CustomerId,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        self.with(|s| {
            let all: Vec<Message> = s
                .messages
                .iter()
                .filter(|m| m.customer == customer)
                .cloned()
                .collect();
            let skip = all.len().saturating_sub(limit);
            Ok(all[skip..].to_vec())
        })
    }

    async fn open_ticket(&self, t: &NewTicket) -> StoreResult<Ticket> {
        self.with(|s| {
            let next = s.desks.entry(t.desk.clone()).or_insert(0);
            *next += 1;
            let number = *next;
            let id = TicketId(s.tickets.len() as i64 + 1);
            let ticket = Ticket {
                id,
                desk: t.desk.clone(),
                number,
                customer: t.customer,
                customer_endpoint: t.customer_endpoint.clone(),
                customer_name: t.customer_name.clone(),
                subject: t.subject.clone(),
                status: TicketStatus::Open,
                priority: t.priority,
                tags: Vec::new(),
                assignee: None,
                lang: t.lang.clone(),
                room: None,
                customer_in_room: false,
                bot_tried: t.bot_tried.clone(),
                opened_at: t.opened_at,
                first_response_at: None,
                closed_at: None,
                reopen_count: 0,
                reminders_sent: 0,
            };
            s.tickets.push(ticket.clone());
            for m in s.messages.iter_mut() {
                if m.customer == t.customer && m.ticket.is_none() && m.at >= t.transcript_since {
                    m.ticket = Some(id);
                }
            }
            s.event(id, EventKind::Opened, None, "", t.opened_at);
            Ok(ticket)
        })
    }

    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.with(|s| Ok(s.tickets.iter().find(|t| t.id == id).cloned()))
    }

    async fn ticket_by_number(&self, desk: &str, number: i64) -> StoreResult<Option<Ticket>> {
        self.with(|s| {
            Ok(s.tickets
                .iter()
                .find(|t| t.desk == desk && t.number == number)
                .cloned())
        })
    }

    async fn ticket_by_room(&self, room: &Endpoint) -> StoreResult<Option<Ticket>> {
        self.with(|s| {
            Ok(s.tickets
                .iter()
                .find(|t| t.room.as_ref() == Some(room))
                .cloned())
        })
    }

    async fn list_tickets(&self, f: &TicketFilter) -> StoreResult<Vec<Ticket>> {
        self.with(|s| {
            let mut out: Vec<Ticket> = s
                .tickets
                .iter()
                .rev()
                .filter(|t| f.desk.as_ref().is_none_or(|d| &t.desk == d))
                .filter(|t| f.status.is_none_or(|st| t.status == st))
                .filter(|t| f.customer.is_none_or(|c| t.customer == c))
                .cloned()
                .collect();
            if f.limit > 0 {
                out.truncate(f.limit);
            }
            Ok(out)
        })
    }

    async fn set_ticket_room(
        &self,
        id: TicketId,
        room: &Endpoint,
        customer_in_room: bool,
    ) -> StoreResult<()> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            t.room = Some(room.clone());
            t.customer_in_room = customer_in_room;
            Ok(())
        })
    }

    async fn tickets_without_room(&self, desk: &str) -> StoreResult<Vec<Ticket>> {
        self.with(|s| {
            Ok(s.tickets
                .iter()
                .filter(|t| t.desk == desk && t.room.is_none() && t.status == TicketStatus::Open)
                .cloned()
                .collect())
        })
    }

    async fn claim_ticket(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.status == TicketStatus::Closed {
                return Ok(ClaimOutcome::Closed);
            }
            match &t.assignee {
                Some(a) if a.id == agent.id => Ok(ClaimOutcome::AlreadyYours),
                Some(a) => Ok(ClaimOutcome::TakenBy(a.clone())),
                None => {
                    t.assignee = Some(agent.clone());
                    s.event(id, EventKind::Claimed, Some(agent), "", now);
                    Ok(ClaimOutcome::Claimed)
                }
            }
        })
    }

    async fn unclaim_ticket(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.assignee.as_ref().is_some_and(|a| a.id == agent.id) {
                t.assignee = None;
                s.event(id, EventKind::Unclaimed, Some(agent), "", now);
                Ok(true)
            } else {
                Ok(false)
            }
        })
    }

    async fn record_agent_reply(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.first_response_at.is_none() {
                t.first_response_at = Some(now);
            }
            let claim = t.assignee.is_none();
            if claim {
                t.assignee = Some(agent.clone());
            }
            if claim {
                s.event(id, EventKind::Claimed, Some(agent), "by replying", now);
            }
            s.event(id, EventKind::Replied, Some(agent), "", now);
            Ok(())
        })
    }

    async fn close_ticket(
        &self,
        id: TicketId,
        actor: Option<&Agent>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.status == TicketStatus::Closed {
                return Ok(false);
            }
            t.status = TicketStatus::Closed;
            t.closed_at = Some(now);
            s.event(id, EventKind::Closed, actor, "", now);
            Ok(true)
        })
    }

    async fn reopen_ticket(
        &self,
        id: TicketId,
        actor: Option<&Agent>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.status == TicketStatus::Open {
                return Ok(false);
            }
            t.status = TicketStatus::Open;
            t.reopen_count += 1;
            s.event(id, EventKind::Reopened, actor, "", now);
            Ok(true)
        })
    }

    async fn set_priority(
        &self,
        id: TicketId,
        p: Priority,
        actor: &Agent,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.with(|s| {
            s.ticket_mut(id)?.priority = p;
            s.event(id, EventKind::Priority, Some(actor), p.as_str(), now);
            Ok(())
        })
    }

    async fn add_tags(
        &self,
        id: TicketId,
        tags: &[String],
        actor: &Agent,
        now: Timestamp,
    ) -> StoreResult<Vec<String>> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            let mut set: BTreeSet<String> = t.tags.iter().cloned().collect();
            set.extend(tags.iter().cloned());
            t.tags = set.into_iter().collect();
            let all = t.tags.clone();
            s.event(id, EventKind::Tagged, Some(actor), &tags.join(","), now);
            Ok(all)
        })
    }

    async fn add_event(
        &self,
        id: TicketId,
        kind: EventKind,
        actor: Option<&Agent>,
        detail: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.with(|s| {
            s.ticket_mut(id)?;
            s.event(id, kind, actor, detail, now);
            Ok(())
        })
    }

    async fn ticket_events(&self, id: TicketId) -> StoreResult<Vec<TicketEvent>> {
        self.with(|s| {
            Ok(s.events
                .iter()
                .filter(|e| e.ticket == id)
                .cloned()
                .collect())
        })
    }

    async fn take_due_reminders(
        &self,
        desk: &str,
        now: Timestamp,
        target_ms: i64,
        max_level: i64,
    ) -> StoreResult<Vec<(Ticket, i64)>> {
        self.with(|s| {
            let mut out = Vec::new();
            for t in s.tickets.iter_mut() {
                if t.desk != desk || t.status != TicketStatus::Open || t.first_response_at.is_some()
                {
                    continue;
                }
                let age = now.millis() - t.opened_at.millis();
                let level = (age / target_ms).min(max_level);
                if level > t.reminders_sent {
                    t.reminders_sent = level;
                    out.push((t.clone(), level));
                }
            }
            Ok(out)
        })
    }

    async fn record_bot_reply(&self, r: &NewBotReply) -> StoreResult<i64> {
        self.with(|s| {
            let id = s.replies.len() as i64 + 1;
            s.replies.push(BotReply {
                id,
                customer: r.customer,
                question: r.question.clone(),
                outcome: r.outcome,
                entry_id: r.entry_id.clone(),
                lang: r.lang.clone(),
                confidence: r.confidence,
                at: r.at,
                feedback: None,
                feedback_at: None,
            });
            Ok(id)
        })
    }

    async fn bot_reply(&self, id: i64) -> StoreResult<Option<BotReply>> {
        self.with(|s| Ok(s.replies.iter().find(|r| r.id == id).cloned()))
    }

    async fn set_bot_reply_feedback(
        &self,
        id: i64,
        customer: CustomerId,
        feedback: Feedback,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(|s| match s.replies.iter_mut().find(|r| r.id == id) {
            Some(r) if r.customer == customer && r.feedback.is_none() => {
                r.feedback = Some(feedback);
                r.feedback_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        })
    }

    async fn bot_replies_since(&self, since: Timestamp) -> StoreResult<Vec<BotReply>> {
        self.with(|s| {
            Ok(s.replies
                .iter()
                .filter(|r| r.at >= since)
                .cloned()
                .collect())
        })
    }

    async fn survey_offered(&self, ticket: TicketId, now: Timestamp) -> StoreResult<()> {
        self.with(|s| {
            match s.surveys.iter_mut().find(|v| v.ticket == ticket) {
                Some(v) => v.asked_at = now,
                None => s.surveys.push(Survey {
                    ticket,
                    asked_at: now,
                    score: None,
                    comment: None,
                    answered_at: None,
                }),
            }
            Ok(())
        })
    }

    async fn survey_score(
        &self,
        ticket: TicketId,
        score: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(
            |s| match s.surveys.iter_mut().find(|v| v.ticket == ticket) {
                Some(v) => {
                    v.score = Some(score);
                    v.answered_at = Some(now);
                    Ok(true)
                }
                None => Ok(false),
            },
        )
    }

    async fn survey_comment(&self, ticket: TicketId, comment: &str) -> StoreResult<()> {
        self.with(|s| {
            if let Some(v) = s.surveys.iter_mut().find(|v| v.ticket == ticket) {
                v.comment = Some(comment.to_owned());
            }
            Ok(())
        })
    }

    async fn survey(&self, ticket: TicketId) -> StoreResult<Option<Survey>> {
        self.with(|s| Ok(s.surveys.iter().find(|v| v.ticket == ticket).cloned()))
    }

    async fn cursor(&self, name: &str) -> StoreResult<Option<String>> {
        self.with(|s| Ok(s.cursors.get(name).cloned()))
    }

    async fn set_cursor(&self, name: &str, value: &str) -> StoreResult<()> {
        self.with(|s| {
            s.cursors.insert(name.to_owned(), value.to_owned());
            Ok(())
        })
    }

    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let free = match s.leases.get(name) {
                None => true,
                Some((h, until)) => h == holder || *until < now.millis(),
            };
            if free {
                s.leases
                    .insert(name.to_owned(), (holder.to_owned(), now.millis() + ttl_ms));
            }
            Ok(free)
        })
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        self.with(|s| {
            if s.leases.get(name).is_some_and(|(h, _)| h == holder) {
                s.leases.remove(name);
            }
            Ok(())
        })
    }
}

pub use crate::counting::{CountingRecorder, Tally};

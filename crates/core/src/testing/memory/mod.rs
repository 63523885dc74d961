//! [`MemoryStore`]: the Store port in memory, with units of work and the outbox.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::outbox::*;
use crate::ports::*;
use crate::types::*;

mod dashboard;
mod followups;
mod outbox;
mod privacy;
mod report;
mod work;

use followups::Follow;

#[derive(Clone, Default)]
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
    outbox: Vec<OutRow>,
    next_outbox_id: i64,
    dead: Vec<DeadLetter>,
    dead_keys: BTreeSet<(Platform, String)>,
    /// What each ticket waits for (the SQL stores keep it in ticket columns).
    follow: HashMap<TicketId, Follow>,
    erased_customers: BTreeSet<CustomerId>,
    erased_transcripts: BTreeSet<TicketId>,
    dashboard_tokens: Vec<DashboardToken>,
}

#[derive(Clone)]
struct OutRow {
    id: OutboxId,
    row: NewOutbound,
    status: OutboxStatus,
    attempts: i64,
    next_at: i64,
    claim: Option<(String, i64)>,
    error: Option<String>,
    platform_msg_id: Option<String>,
    done_at: Option<i64>,
}

#[derive(Default)]
struct Shared {
    inner: Mutex<Inner>,
    /// Held by the unit of work in progress; every call outside a unit waits for it, so a unit
    /// sees no concurrent change and its rollback loses nobody else's.
    gate: Arc<tokio::sync::Mutex<()>>,
}

/// The unit of work a [`MemoryStore`] view is in.
struct Unit {
    _gate: tokio::sync::OwnedMutexGuard<()>,
    /// The state at `begin`, put back unless the unit commits.
    backup: Mutex<Option<Inner>>,
}

/// A Store in memory, with the same semantics as the SQL stores (it passes the same
/// conformance suite in `frontdesk-store`). Units of work run one at a time.
#[derive(Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
    unit: Option<Unit>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Arc<MemoryStore> {
        Arc::new(MemoryStore::default())
    }

    async fn with<T: Send>(
        &self,
        f: impl FnOnce(&mut Inner) -> StoreResult<T> + Send,
    ) -> StoreResult<T> {
        let _gate = match &self.unit {
            Some(_) => None,
            None => Some(self.shared.gate.lock().await),
        };
        let mut g = self.shared.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

impl Drop for MemoryStore {
    fn drop(&mut self) {
        if let Some(u) = &self.unit
            && let Some(backup) = u.backup.lock().unwrap_or_else(|p| p.into_inner()).take()
        {
            *self.shared.inner.lock().unwrap_or_else(|p| p.into_inner()) = backup;
        }
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn begin(&self, _key: &str) -> StoreResult<Box<dyn UnitOfWork>> {
        if self.unit.is_some() {
            return Err(StoreError::Conflict(
                "a unit of work inside a unit of work".into(),
            ));
        }
        let gate = self.shared.gate.clone().lock_owned().await;
        let backup = self
            .shared
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Ok(Box::new(MemoryStore {
            shared: self.shared.clone(),
            unit: Some(Unit {
                _gate: gate,
                backup: Mutex::new(Some(backup)),
            }),
        }))
    }
}

#[async_trait]
impl UnitOfWork for MemoryStore {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        match &self.unit {
            Some(u) => {
                u.backup.lock().unwrap_or_else(|p| p.into_inner()).take();
                Ok(())
            }
            None => Err(StoreError::Conflict("commit outside a unit of work".into())),
        }
    }
}

fn not_found(what: &str) -> StoreError {
    StoreError::NotFound(what.to_owned())
}

impl Inner {
    fn row_mut(&mut self, id: OutboxId) -> StoreResult<&mut OutRow> {
        self.outbox
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| not_found("outbox row"))
    }
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
impl CustomerStore for MemoryStore {
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
                blocked: None,
            };
            s.customers.push(c.clone());
            Ok(c)
        })
        .await
    }

    async fn customer(&self, id: CustomerId) -> StoreResult<Option<Customer>> {
        self.with(|s| Ok(s.customers.iter().find(|c| c.id == id).cloned()))
            .await
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
        .await
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
        .await
    }
}

#[async_trait]
impl MessageStore for MemoryStore {
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
        .await
    }

    async fn ticket_messages(&self, ticket: TicketId) -> StoreResult<Vec<Message>> {
        self.with(|s| {
            Ok(s.messages
                .iter()
                .filter(|m| m.ticket == Some(ticket))
                .cloned()
                .collect())
        })
        .await
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
        .await
    }

    async fn record_dead_letter(
        &self,
        inbound: &Inbound,
        error: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let raw = serde_json::to_string(inbound).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.with(|s| {
            let key = (
                inbound.from.platform.clone(),
                inbound.platform_msg_id.clone(),
            );
            if !s.dead_keys.insert(key) {
                return Ok(false);
            }
            let id = s.dead.len() as i64 + 1;
            s.dead.push(DeadLetter {
                id,
                platform: inbound.from.platform.clone(),
                platform_msg_id: inbound.platform_msg_id.clone(),
                raw,
                error: error.to_owned(),
                at: now,
            });
            Ok(true)
        })
        .await
    }

    async fn dead_letters(&self, limit: usize) -> StoreResult<Vec<DeadLetter>> {
        self.with(|s| Ok(s.dead.iter().rev().take(limit).cloned().collect()))
            .await
    }
}

#[async_trait]
impl TicketStore for MemoryStore {
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
                first_response_business_ms: None,
                closed_at: None,
                reopen_count: 0,
                reminders_sent: 0,
                customer_waiting_since: None,
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
        .await
    }

    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.with(|s| Ok(s.tickets.iter().find(|t| t.id == id).cloned()))
            .await
    }

    async fn ticket_by_number(&self, desk: &str, number: i64) -> StoreResult<Option<Ticket>> {
        self.with(|s| {
            Ok(s.tickets
                .iter()
                .find(|t| t.desk == desk && t.number == number)
                .cloned())
        })
        .await
    }

    async fn ticket_by_room(&self, room: &Endpoint) -> StoreResult<Option<Ticket>> {
        self.with(|s| {
            Ok(s.tickets
                .iter()
                .find(|t| t.room.as_ref() == Some(room))
                .cloned())
        })
        .await
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
        .await
    }

    async fn set_ticket_room(
        &self,
        id: TicketId,
        room: Option<&Endpoint>,
        customer_in_room: bool,
    ) -> StoreResult<()> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            t.room = room.cloned();
            t.customer_in_room = customer_in_room;
            Ok(())
        })
        .await
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
        .await
    }

    async fn ticket_events(&self, id: TicketId) -> StoreResult<Vec<TicketEvent>> {
        self.with(|s| {
            Ok(s.events
                .iter()
                .filter(|e| e.ticket == id)
                .cloned()
                .collect())
        })
        .await
    }
}

#[async_trait]
impl FeedbackStore for MemoryStore {
    async fn record_bot_reply(&self, r: &NewBotReply) -> StoreResult<BotReplyId> {
        self.with(|s| {
            let id = BotReplyId(s.replies.len() as i64 + 1);
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
        .await
    }

    async fn bot_reply(&self, id: BotReplyId) -> StoreResult<Option<BotReply>> {
        self.with(|s| Ok(s.replies.iter().find(|r| r.id == id).cloned()))
            .await
    }

    async fn set_bot_reply_feedback(
        &self,
        id: BotReplyId,
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
        .await
    }

    async fn bot_replies_since(&self, since: Timestamp) -> StoreResult<Vec<BotReply>> {
        self.with(|s| {
            Ok(s.replies
                .iter()
                .filter(|r| r.at >= since)
                .cloned()
                .collect())
        })
        .await
    }
}

#[async_trait]
impl SurveyStore for MemoryStore {
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
                    nps: None,
                    ces: None,
                }),
            }
            Ok(())
        })
        .await
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
        .await
    }

    async fn survey_answer(
        &self,
        ticket: TicketId,
        question: SurveyQuestion,
        value: i64,
    ) -> StoreResult<bool> {
        if !question.scale().contains(&value) {
            return Ok(false);
        }
        self.with(
            |s| match s.surveys.iter_mut().find(|v| v.ticket == ticket) {
                Some(v) => {
                    match question {
                        SurveyQuestion::Nps => v.nps = Some(value),
                        SurveyQuestion::Ces => v.ces = Some(value),
                    }
                    Ok(true)
                }
                None => Ok(false),
            },
        )
        .await
    }

    async fn survey_comment(&self, ticket: TicketId, comment: &str) -> StoreResult<()> {
        self.with(|s| {
            if let Some(v) = s.surveys.iter_mut().find(|v| v.ticket == ticket) {
                v.comment = Some(comment.to_owned());
            }
            Ok(())
        })
        .await
    }

    async fn survey(&self, ticket: TicketId) -> StoreResult<Option<Survey>> {
        self.with(|s| Ok(s.surveys.iter().find(|v| v.ticket == ticket).cloned()))
            .await
    }
}

#[async_trait]
impl ScheduleStore for MemoryStore {
    async fn cursor(&self, name: &str) -> StoreResult<Option<String>> {
        self.with(|s| Ok(s.cursors.get(name).cloned())).await
    }

    async fn set_cursor(&self, name: &str, value: &str) -> StoreResult<()> {
        self.with(|s| {
            s.cursors.insert(name.to_owned(), value.to_owned());
            Ok(())
        })
        .await
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
        .await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        self.with(|s| {
            if s.leases.get(name).is_some_and(|(h, _)| h == holder) {
                s.leases.remove(name);
            }
            Ok(())
        })
        .await
    }

    async fn take_due_reminders(
        &self,
        desk: &str,
        due: &[(i64, Timestamp)],
    ) -> StoreResult<Vec<(Ticket, i64)>> {
        self.with(|s| {
            let mut out = Vec::new();
            for t in s.tickets.iter_mut() {
                if t.desk != desk || t.status != TicketStatus::Open || t.first_response_at.is_some()
                {
                    continue;
                }
                let level = due
                    .iter()
                    .filter(|(_, by)| t.opened_at <= *by)
                    .map(|(l, _)| *l)
                    .max();
                if let Some(level) = level.filter(|l| *l > t.reminders_sent) {
                    t.reminders_sent = level;
                    out.push((t.clone(), level));
                }
            }
            Ok(out)
        })
        .await
    }
}

//! [`Unit`]: the work of one inbound update (or one tick), inside one Store transaction.
//!
//! Every read and write goes through `tx`, every message to send is written to the outbox in
//! the same transaction, and metrics are counted only once the unit committed, so a unit that
//! rolled back (a Store error, a crash) leaves no trace and the replayed update is handled
//! afresh.

use tracing::warn;

use super::Engine;
use super::prepare::Prepared;
use crate::outbox::{Delivery, Destination, NewOutbound, Outbound};
use crate::ports::{SenderRead, UnitOfWork};
use crate::texts::Text;
use crate::types::*;

use super::EngineError;

/// A metric to count once the unit has committed.
pub(super) enum Effect {
    CustomerMessage,
    AgentMessage,
    BotReply(ReplyOutcome),
    Escalation,
    FirstResponse(f64),
    SurveyScore(i64),
}

/// The work of one update: the Engine, the transaction, the time, and what to do after commit.
pub(super) struct Unit<'e> {
    pub(super) e: &'e Engine,
    pub(super) tx: Box<dyn UnitOfWork>,
    pub(super) now: Timestamp,
    /// Rows written already claimed by this Engine, in order: delivered right after commit.
    claimed: Vec<Outbound>,
    /// The tickets of those rows as this unit left them (saves reading them again).
    hints: Vec<Ticket>,
    /// Queues with rows that were not claimed (another row was ahead): dispatched normally.
    queues: Vec<String>,
    effects: Vec<Effect>,
    /// The customer's question, matched before the unit's first write.
    pub(super) prepared: Option<Prepared>,
}

impl<'e> Unit<'e> {
    /// Begins the unit of work `key` (see [`crate::ports::Store::begin`]).
    pub(super) async fn begin(
        e: &'e Engine,
        key: &str,
        now: Timestamp,
    ) -> Result<Unit<'e>, EngineError> {
        let tx = e.store.begin(key).await?;
        Ok(Unit::new(e, tx, now))
    }

    fn new(e: &'e Engine, tx: Box<dyn UnitOfWork>, now: Timestamp) -> Unit<'e> {
        Unit {
            e,
            tx,
            now,
            claimed: Vec::new(),
            hints: Vec::new(),
            queues: Vec::new(),
            effects: Vec::new(),
            prepared: None,
        }
    }

    /// Begins the unit `key` for an update from `from` written at `at`
    /// ([`crate::ports::Store::begin_customer`]): returns it with what the Store read at once.
    pub(super) async fn begin_customer(
        e: &'e Engine,
        key: &str,
        from: &Party,
        at: &Endpoint,
        now: Timestamp,
    ) -> Result<(Unit<'e>, SenderRead), EngineError> {
        let b = e
            .store
            .begin_customer(key, &from.platform, &from.user_id, at)
            .await?;
        Ok((Unit::new(e, b.tx, now), b.read))
    }

    /// Commits, counts the metrics, and delivers the outbox rows this unit wrote (a failed
    /// delivery stays in the outbox for the dispatcher: the unit's work is done either way).
    pub(super) async fn commit(self) -> Result<(), EngineError> {
        let Unit {
            e,
            tx,
            claimed,
            hints,
            queues,
            effects,
            ..
        } = self;
        tx.commit().await?;
        for effect in effects {
            match effect {
                Effect::CustomerMessage => e.metrics.customer_message(),
                Effect::AgentMessage => e.metrics.agent_message(),
                Effect::BotReply(o) => e.metrics.bot_reply(o),
                Effect::Escalation => e.metrics.escalation(),
                Effect::FirstResponse(s) => e.metrics.first_response(s),
                Effect::SurveyScore(s) => e.metrics.survey_score(s),
            }
        }
        if let Err(err) = e.deliver_after_unit(claimed, &hints, queues).await {
            warn!(error = %err, "delivery after the unit failed; the dispatcher retries");
        }
        Ok(())
    }

    /// The end of the claim on the rows this unit writes (the same for all of them, which is
    /// how the Store tells this unit's rows from others).
    fn claim_until(&self) -> Timestamp {
        self.now.plus_millis(self.e.cfg.outbox.claim_seconds * 1000)
    }

    /// Counts a metric once the unit has committed.
    pub(super) fn count(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// Writes one outbox row; `hint` is its ticket as this unit sees it.
    pub(super) async fn enqueue(
        &mut self,
        dest: Destination,
        delivery: Delivery,
        ticket: Option<TicketId>,
        hint: Option<&Ticket>,
    ) -> Result<(), EngineError> {
        let platform = match &dest {
            Destination::Endpoint(e) => e.platform.clone(),
            Destination::Room(_) => self.e.cfg.desk.endpoint().platform,
        };
        let row = NewOutbound {
            queue: NewOutbound::queue_of(&dest),
            platform,
            dest,
            delivery,
            ticket,
            created_at: self.now,
        };
        let claim = (self.e.holder.as_str(), self.claim_until());
        let (id, claimed) = self.tx.enqueue(&row, Some(claim)).await?;
        if claimed {
            if let Some(t) = hint.filter(|t| t.room.is_some())
                && !self.hints.iter().any(|h| h.id == t.id)
            {
                self.hints.push(t.clone());
            }
            self.claimed.push(Outbound {
                id,
                row,
                attempts: 0,
            });
        } else if !self.queues.contains(&row.queue) {
            self.queues.push(row.queue);
        }
        Ok(())
    }

    /// Forgets the rows this unit claimed for `tickets` or for the chat `chat`: an erasure
    /// deleted them from the outbox, so they must not be delivered after the commit.
    pub(super) fn drop_claimed(&mut self, tickets: &[TicketId], chat: &Endpoint) {
        let queue = NewOutbound::queue_of(&Destination::Endpoint(chat.clone()));
        self.claimed
            .retain(|o| o.row.queue != queue && o.row.ticket.is_none_or(|t| !tickets.contains(&t)));
        self.queues.retain(|q| *q != queue);
    }

    /// Sends a message to a chat (through the outbox).
    pub(super) async fn send_to(
        &mut self,
        to: &Endpoint,
        ticket: Option<TicketId>,
        msg: OutMessage,
    ) -> Result<(), EngineError> {
        self.enqueue(
            Destination::Endpoint(to.clone()),
            Delivery::Send(msg),
            ticket,
            None,
        )
        .await
    }

    /// Says a bot text to the customer, and records it in the transcript.
    pub(super) async fn say(
        &mut self,
        customer: &Customer,
        lang: &str,
        text: Text,
        vars: &[(&str, &str)],
        buttons: Vec<Button>,
    ) -> Result<(), EngineError> {
        let body = self.e.texts.fill(lang, text, vars);
        let msg = OutMessage::markdown(MessageKind::Bot, body.clone()).with_buttons(buttons);
        self.send_to_customer(customer, None, msg, &body).await
    }

    /// Sends to the customer's endpoint (through the outbox). Bot messages are recorded in the
    /// transcript (agent replies are recorded by the caller, with their author).
    pub(super) async fn send_to_customer(
        &mut self,
        customer: &Customer,
        ticket: Option<TicketId>,
        msg: OutMessage,
        transcript_body: &str,
    ) -> Result<(), EngineError> {
        let ticket_id = ticket.or(match customer.state {
            ConversationState::InTicket { ticket } => Some(ticket),
            _ => None,
        });
        if !matches!(msg.kind, MessageKind::AgentReply { .. }) {
            self.tx
                .record_message(&NewMessage {
                    customer: customer.id,
                    ticket: ticket_id,
                    author: AuthorKind::Bot,
                    author_id: None,
                    author_name: "bot".to_owned(),
                    body: transcript_body.to_owned(),
                    attachments: Vec::new(),
                    platform_msg: None,
                    at: self.now,
                })
                .await?;
        }
        let to = customer.endpoint.clone();
        self.send_to(&to, ticket_id, msg).await
    }

    /// Posts a notice in a ticket's room (opened first when it has none yet).
    pub(super) async fn notice(
        &mut self,
        ticket: &Ticket,
        text: &str,
        mention: bool,
    ) -> Result<(), EngineError> {
        let mut msg = OutMessage::plain(MessageKind::Notice, text);
        msg.mention_agents = mention;
        self.post_to_room(ticket, Delivery::Send(msg)).await
    }

    /// Delivers something to a ticket's room.
    pub(super) async fn post_to_room(
        &mut self,
        ticket: &Ticket,
        delivery: Delivery,
    ) -> Result<(), EngineError> {
        self.enqueue(
            Destination::Room(ticket.id),
            delivery,
            Some(ticket.id),
            Some(ticket),
        )
        .await
    }
}

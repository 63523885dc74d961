//! Blocking a customer and erasing a customer's data: the agent commands `/block`, `/unblock`
//! and `/erase`, the customer's `/forget` (or a request in their words) confirmed with a
//! button, and the retention policy run on the tick.

use tracing::info;

use super::payload::Payload;
use super::unit::Unit;
use super::{Engine, EngineError};
use crate::outbox::Delivery;
use crate::texts::Text;
use crate::types::*;

/// Tickets whose transcript the retention policy erases per tick, at most.
const RETENTION_BATCH: usize = 200;

impl Unit<'_> {
    /// A blocked customer's message: recorded already; told once that nothing is answered.
    pub(super) async fn blocked(
        &mut self,
        customer: &Customer,
        lang: &str,
    ) -> Result<(), EngineError> {
        if self.tx.mark_block_told(customer.id).await? {
            info!("blocked customer told once");
            self.say(customer, lang, Text::Blocked, &[], Vec::new())
                .await?;
        }
        Ok(())
    }

    /// `/forget` or a request to erase: asks the customer to confirm with a button.
    pub(super) async fn ask_to_forget(
        &mut self,
        customer: &Customer,
        lang: &str,
    ) -> Result<(), EngineError> {
        let label = |t| self.e.texts.get(lang, t).to_owned();
        let buttons = vec![
            Button {
                label: label(Text::ButtonForget),
                payload: Payload::Forget.to_string(),
            },
            Button {
                label: label(Text::ButtonKeep),
                payload: Payload::KeepData.to_string(),
            },
        ];
        self.say(customer, lang, Text::ForgetConfirm, &[], buttons)
            .await
    }

    /// Erases the customer (see [`crate::ports::PrivacyStore::erase_customer`]): their open
    /// tickets are closed first and their rooms told and closed; the customer is told at the
    /// chat they wrote from (the one outbox row that still names it, until it is delivered and
    /// pruned). `by` is the agent who erased, `None` when the customer asked.
    pub(super) async fn erase_customer(
        &mut self,
        customer: &Customer,
        lang: &str,
        by: Option<&Agent>,
        tell_customer: bool,
    ) -> Result<(), EngineError> {
        let endpoint = customer.endpoint.clone();
        let filter = TicketFilter {
            customer: Some(customer.id),
            status: Some(TicketStatus::Open),
            ..TicketFilter::default()
        };
        let open = self.tx.list_tickets(&filter).await?;
        for t in &open {
            self.tx.close_ticket(t.id, by, self.now).await?;
        }
        let erased = self.tx.erase_customer(customer.id, self.now).await?;
        info!(?erased, "customer erased");
        let ids: Vec<TicketId> = open.iter().map(|t| t.id).collect();
        self.drop_claimed(&ids, &endpoint);
        for t in &open {
            let number = t.number.to_string();
            let text = match by {
                Some(a) => self.e.desk_text(
                    Text::ErasedByAgent,
                    &[("agent", &a.name), ("number", &number)],
                ),
                None => self
                    .e
                    .desk_text(Text::ErasedByCustomer, &[("number", &number)]),
            };
            self.notice(t, &text, false).await?;
            self.post_to_room(t, Delivery::CloseRoom).await?;
        }
        if tell_customer {
            let body = self.e.texts.fill(lang, Text::Forgotten, &[]);
            let m = OutMessage::plain(MessageKind::Bot, body);
            self.send_to(&endpoint, None, m).await?;
        }
        Ok(())
    }

    /// `/block [reason]` in a ticket room.
    pub(super) async fn block(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
        reason: &str,
    ) -> Result<(), EngineError> {
        let number = ticket.number.to_string();
        let now = self.now;
        let text = if self
            .tx
            .set_block(customer.id, Some((reason, &agent.name)), now)
            .await?
        {
            self.tx
                .add_event(ticket.id, EventKind::Blocked, Some(agent), reason, now)
                .await?;
            let reason = if reason.is_empty() { "—" } else { reason };
            self.e.desk_text(
                Text::BlockedByAgent,
                &[
                    ("agent", &agent.name),
                    ("number", &number),
                    ("reason", reason),
                ],
            )
        } else {
            self.e.desk_text(Text::BlockAlready, &[("number", &number)])
        };
        self.notice(ticket, &text, false).await
    }

    /// `/unblock` in a ticket room.
    pub(super) async fn unblock(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
    ) -> Result<(), EngineError> {
        let number = ticket.number.to_string();
        let text = if self.tx.set_block(customer.id, None, self.now).await? {
            self.tx
                .add_event(ticket.id, EventKind::Unblocked, Some(agent), "", self.now)
                .await?;
            self.e.desk_text(
                Text::UnblockedByAgent,
                &[("agent", &agent.name), ("number", &number)],
            )
        } else {
            self.e
                .desk_text(Text::UnblockNotBlocked, &[("number", &number)])
        };
        self.notice(ticket, &text, false).await
    }

    /// `/erase` in a ticket room: the customer's data, for good.
    pub(super) async fn erase_by_agent(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
    ) -> Result<(), EngineError> {
        let c = Customer {
            endpoint: ticket.customer_endpoint.clone(),
            ..customer.clone()
        };
        let lang = ticket.lang.clone();
        let was_open = ticket.status == TicketStatus::Open;
        self.erase_customer(&c, &lang, Some(agent), !ticket.customer_in_room)
            .await?;
        if !was_open {
            // A closed ticket's room was not told by the erasure itself.
            let number = ticket.number.to_string();
            let text = self.e.desk_text(
                Text::ErasedByAgent,
                &[("agent", &agent.name), ("number", &number)],
            );
            self.notice(ticket, &text, false).await?;
        }
        Ok(())
    }
}

impl Engine {
    /// The retention policy (`retention.days`): erases the transcripts of tickets closed longer
    /// ago, a batch per tick, each ticket by exactly one replica. Returns how many.
    pub(super) async fn apply_retention(&self, now: Timestamp) -> Result<usize, EngineError> {
        let days = self.cfg.retention.days;
        if days <= 0 {
            return Ok(0);
        }
        let u = Unit::begin(self, "retention", now).await?;
        let before = now.plus_millis(-days * 86_400_000);
        let erased =
            u.tx.erase_closed_transcripts(before, now, RETENTION_BATCH)
                .await?;
        u.commit().await?;
        if !erased.is_empty() {
            info!(tickets = erased.len(), "retention: transcripts erased");
        }
        Ok(erased.len())
    }
}

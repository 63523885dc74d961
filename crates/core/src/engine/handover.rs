//! Handing a customer over to the agents: escalating to a ticket (numbered, acknowledged,
//! its room's summary queued), reopening a closed one, and relaying the customer's messages
//! into the ticket's room.

use tracing::info;

use super::payload::PRESSED;
use super::unit::{Effect, Unit};
use super::{EngineError, MAX_SUBJECT_CHARS, one_line, truncate_chars};
use crate::fold::fold;
use crate::outbox::Delivery;
use crate::texts::Text;
use crate::types::*;

impl Unit<'_> {
    /// Opens a ticket for the customer (or points at the open one) and hands over: the
    /// customer is told the number, and the room's summary goes to the outbox (the room is
    /// opened when it is delivered).
    pub(super) async fn escalate(
        &mut self,
        customer: &mut Customer,
        lang: &str,
        subject: Option<&str>,
        bot_tried: &str,
    ) -> Result<(), EngineError> {
        if let ConversationState::InTicket { ticket } = customer.state {
            return self.tell_ticket_still_open(customer, ticket, lang).await;
        }
        let subject = match subject {
            Some(s) if !s.trim().is_empty() => s.to_owned(),
            _ => self.last_question(customer.id).await?.unwrap_or_else(|| {
                let name = [("customer", customer.display_name.as_str())];
                self.e.desk_text(Text::SubjectFallback, &name)
            }),
        };
        let now = self.now;
        let opened = self
            .tx
            .open_customer_ticket(&NewTicket {
                desk: self.e.cfg.desk.name.clone(),
                customer: customer.id,
                customer_endpoint: customer.endpoint.clone(),
                customer_name: customer.display_name.clone(),
                subject: truncate_chars(&one_line(&subject), MAX_SUBJECT_CHARS),
                lang: lang.to_owned(),
                priority: Priority::Normal,
                bot_tried: bot_tried.to_owned(),
                opened_at: now,
                transcript_since: now
                    .plus_millis(-self.e.cfg.conversation.transcript_window_minutes * 60_000),
            })
            .await?;
        let ticket = opened.ticket;
        info!(ticket = ticket.number, "ticket opened");
        self.count(Effect::Escalation);
        customer.state = ConversationState::InTicket { ticket: ticket.id };
        // The room's summary shows the conversation the ticket took over (not the
        // acknowledgement below), read when the ticket was opened.
        let summary = self.e.summary_of(&ticket, &opened.transcript);
        let number = ticket.number.to_string();
        // Outside support hours the customer is told when the team is back, in the desk's
        // local time.
        let back = match self.e.hours.is_open(now) {
            true => None,
            false => self
                .e
                .hours
                .next_open(now)
                .and_then(|at| self.e.hours.local(at)),
        };
        match back {
            Some(local) => {
                let back = format!(
                    "{} {local}",
                    crate::texts::weekday_name(lang, local.weekday)
                );
                self.say(
                    customer,
                    lang,
                    Text::TicketOpenedAfterHours,
                    &[("number", &number), ("back", &back)],
                    Vec::new(),
                )
                .await?;
            }
            None => {
                self.say(
                    customer,
                    lang,
                    Text::TicketOpened,
                    &[("number", &number)],
                    Vec::new(),
                )
                .await?;
            }
        }
        self.post_to_room(&ticket, Delivery::Send(summary)).await
    }

    /// The customer's latest real question: not a command, a button press, a request for a
    /// person or small talk. It becomes the ticket's subject.
    pub(super) async fn last_question(
        &self,
        customer: CustomerId,
    ) -> Result<Option<String>, EngineError> {
        let msgs = self.tx.customer_messages(customer, 20).await?;
        let e = self.e;
        Ok(msgs
            .iter()
            .rev()
            .filter(|m| m.author == AuthorKind::Customer)
            .find(|m| {
                let folded = fold(&m.body);
                !folded.is_empty()
                    && !m.body.starts_with('/')
                    && !m.body.starts_with(PRESSED)
                    && e.intents.detect(&m.body, None).is_none()
                    && !e
                        .greetings
                        .iter()
                        .chain(&e.thanks)
                        .any(|(p, _)| *p == folded)
            })
            .map(|m| m.body.clone()))
    }

    pub(super) async fn tell_ticket_still_open(
        &mut self,
        customer: &Customer,
        ticket: TicketId,
        lang: &str,
    ) -> Result<(), EngineError> {
        let number = match self.tx.ticket(ticket).await? {
            Some(t) => t.number.to_string(),
            None => "?".into(),
        };
        self.say(
            customer,
            lang,
            Text::TicketStillOpen,
            &[("number", &number)],
            Vec::new(),
        )
        .await
    }

    pub(super) async fn customer_reopens(
        &mut self,
        customer: &mut Customer,
        ticket: TicketId,
        lang: &str,
        body: &str,
        files: &[Attachment],
    ) -> Result<(), EngineError> {
        let Some(t) = self.tx.ticket(ticket).await? else {
            return Ok(());
        };
        self.tx.reopen_ticket(ticket, None, self.now).await?;
        self.set_state(customer, ConversationState::InTicket { ticket })
            .await?;
        info!(ticket = t.number, "reopened by the customer");
        let number = t.number.to_string();
        self.say(
            customer,
            lang,
            Text::TicketReopened,
            &[("number", &number)],
            Vec::new(),
        )
        .await?;
        self.post_to_room(&t, Delivery::ReopenRoom).await?;
        let note = self
            .e
            .desk_text(Text::ReopenedByCustomer, &[("number", &number)]);
        self.notice(&t, &note, true).await?;
        self.relay_to_room(customer, ticket, body, files).await
    }

    /// Relays a customer's message into the ticket's room (the dispatcher skips it when the
    /// customer shares the room).
    pub(super) async fn relay_to_room(
        &mut self,
        customer: &Customer,
        ticket: TicketId,
        body: &str,
        files: &[Attachment],
    ) -> Result<(), EngineError> {
        let Some(t) = self.tx.ticket(ticket).await? else {
            return Ok(());
        };
        self.relay_ticket_to_room(customer, &t, body, files).await
    }

    /// Relays a customer's message into the room of `t`.
    pub(super) async fn relay_ticket_to_room(
        &mut self,
        customer: &Customer,
        t: &Ticket,
        body: &str,
        files: &[Attachment],
    ) -> Result<(), EngineError> {
        if t.customer_starts_waiting() {
            self.tx.record_customer_reply(t.id, self.now).await?;
        }
        if t.customer_in_room {
            return Ok(());
        }
        let mut msg = OutMessage::plain(
            MessageKind::CustomerRelay {
                customer: customer.display_name.clone(),
            },
            body,
        );
        msg.attachments = files.to_vec();
        self.post_to_room(t, Delivery::Send(msg)).await
    }
}

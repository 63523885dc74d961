//! A message in a ticket room: an agent's reply (relayed to the customer), a command, or a
//! message of a customer who shares the room; and the summary a room opens with.

use tracing::debug;

use super::commands::AgentCommand;
use super::customer::content_parts;
use super::payload::Payload;
use super::unit::{Effect, Unit};
use super::{Engine, EngineError, Handled, one_line, truncate_chars};
use crate::ports::MessageStore;
use crate::texts::{Text, Texts};
use crate::types::*;

impl Engine {
    /// The message a ticket's room opens with: who the customer is, what the bot tried, the
    /// conversation so far, and what agents can do; it pings the agents and has a Claim button.
    pub(super) async fn room_summary(
        &self,
        data: &dyn MessageStore,
        t: &Ticket,
    ) -> Result<OutMessage, EngineError> {
        let msgs = data.ticket_messages(t.id).await?;
        Ok(self.summary_of(t, &msgs))
    }

    /// The summary of ticket `t` whose messages, oldest first, are `msgs`.
    pub(super) fn summary_of(&self, t: &Ticket, msgs: &[Message]) -> OutMessage {
        let n = self.cfg.conversation.summary_messages;
        let skip = msgs.len().saturating_sub(n);
        let lines = [
            (
                Text::SummaryTitle,
                vec![
                    ("number", t.number.to_string()),
                    ("subject", t.subject.clone()),
                ],
            ),
            (
                Text::SummaryCustomer,
                vec![
                    ("customer", t.customer_name.clone()),
                    ("platform", t.customer_endpoint.platform.to_string()),
                    ("lang", t.lang.clone()),
                ],
            ),
            (
                Text::SummaryPriority,
                vec![("priority", t.priority.as_str().to_owned())],
            ),
            (Text::SummaryBotTried, vec![("tried", t.bot_tried.clone())]),
        ];
        let mut s = String::new();
        for (text, vars) in lines {
            let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
            s.push_str(&self.desk_text(text, &vars));
            s.push('\n');
        }
        if !msgs.is_empty() {
            s.push('\n');
            if skip > 0 {
                let (shown, total) = (n.to_string(), msgs.len().to_string());
                s.push_str(&self.desk_text(
                    Text::SummaryConversationLast,
                    &[("shown", &shown), ("total", &total)],
                ));
            } else {
                s.push_str(&self.desk_text(Text::SummaryConversation, &[]));
            }
            s.push('\n');
            for m in &msgs[skip..] {
                s.push_str(&self.transcript_line(m));
                s.push('\n');
            }
        }
        s.push('\n');
        s.push_str(&self.desk_text(Text::SummaryFooter, &[]));
        let mut msg = OutMessage::plain(MessageKind::Summary, s);
        msg.mention_agents = true;
        if let Some(payload) = Payload::Claim(t.id).encode() {
            msg.buttons = vec![Button {
                label: self.desk_text(Text::ButtonClaim, &[]),
                payload,
            }];
        }
        msg
    }

    /// One line of a transcript, in the desk's language.
    pub(super) fn transcript_line(&self, m: &Message) -> String {
        transcript_line_in(&self.texts, &self.cfg.desk.lang, m)
    }

    /// The title of a ticket's room.
    pub(super) fn room_title(&self, t: &Ticket) -> String {
        format!("#{} · {}", t.number, truncate_chars(&t.subject, 90))
    }
}

impl Unit<'_> {
    pub(super) async fn handle_room(
        &mut self,
        ticket: Ticket,
        msg: &Inbound,
    ) -> Result<Handled, EngineError> {
        let now = self.now;
        let Some(customer) = self.tx.customer(ticket.customer).await? else {
            return Err(crate::ports::StoreError::NotFound(format!(
                "customer of ticket #{}",
                ticket.number
            ))
            .into());
        };
        let is_message = !matches!(msg.content, Content::Button(_));
        let is_customer =
            msg.from.platform == customer.platform && msg.from.user_id == customer.user_id;
        if is_customer {
            // The customer shares the room: record, relay nothing.
            let (body, files) = content_parts(&msg.content);
            let rec = self
                .tx
                .record_message(&NewMessage {
                    customer: customer.id,
                    ticket: Some(ticket.id),
                    author: AuthorKind::Customer,
                    author_id: Some(msg.from.user_id.clone()),
                    author_name: msg.from.display_name.clone(),
                    body,
                    attachments: files,
                    platform_msg: Some((msg.from.platform.clone(), msg.platform_msg_id.clone())),
                    at: now,
                })
                .await?;
            if rec.is_none() {
                return Ok(Handled::Duplicate);
            }
            if is_message {
                self.count(Effect::CustomerMessage);
                if ticket.customer_starts_waiting() {
                    self.tx.record_customer_reply(ticket.id, now).await?;
                }
            }
            return Ok(Handled::Done);
        }
        if msg.from.role != Role::Agent {
            debug!("a non-agent wrote in a ticket room: ignored");
            return Ok(Handled::Ignored);
        }
        let agent = Agent::from_party(&msg.from);
        let (body, files) = content_parts(&msg.content);
        let command = match &msg.content {
            Content::Text(t) if t.trim_start().starts_with('/') => {
                Some(AgentCommand::parse(t.trim()))
            }
            Content::Button(p) => match Payload::parse(p) {
                Some(Payload::Claim(_)) => Some(AgentCommand::Claim),
                _ => None,
            },
            _ => None,
        };
        let author = match &command {
            Some(AgentCommand::Note(_)) => AuthorKind::Note,
            Some(_) => AuthorKind::System,
            None if ticket.status == TicketStatus::Closed => AuthorKind::Note,
            None => AuthorKind::Agent,
        };
        let rec = self
            .tx
            .record_message(&NewMessage {
                customer: customer.id,
                ticket: Some(ticket.id),
                author,
                author_id: Some(agent.id.clone()),
                author_name: agent.name.clone(),
                body: match &command {
                    Some(AgentCommand::Note(n)) => n.clone(),
                    _ => body.clone(),
                },
                attachments: files.clone(),
                platform_msg: Some((msg.from.platform.clone(), msg.platform_msg_id.clone())),
                at: now,
            })
            .await?;
        if rec.is_none() {
            return Ok(Handled::Duplicate);
        }
        if is_message {
            self.count(Effect::AgentMessage);
        }
        match command {
            None if ticket.status == TicketStatus::Closed => {
                let number = ticket.number.to_string();
                let n = self
                    .e
                    .desk_text(Text::ClosedNoteKept, &[("number", &number)]);
                self.notice(&ticket, &n, false).await?;
            }
            None => {
                self.agent_reply(&ticket, &customer, &agent, body, files, Markup::Plain)
                    .await?;
            }
            Some(cmd) => self.agent_command(&ticket, &customer, &agent, cmd).await?,
        }
        Ok(Handled::Done)
    }

    /// Relays an agent's reply to the customer (through the outbox) and records it as the
    /// ticket's response. Whether it reached the customer is the dispatcher's to tell.
    pub(super) async fn agent_reply(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
        body: String,
        files: Vec<Attachment>,
        markup: Markup,
    ) -> Result<(), EngineError> {
        self.tx
            .record_agent_reply(ticket.id, agent, self.now)
            .await?;
        if ticket.first_response_at.is_none() {
            let secs = (self.now.millis() - ticket.opened_at.millis()) as f64 / 1000.0;
            self.count(Effect::FirstResponse(secs));
            if self.e.hours.is_set() {
                let ms = self.e.hours.business_ms(ticket.opened_at, self.now);
                self.tx.set_business_first_response(ticket.id, ms).await?;
            }
        }
        if ticket.customer_in_room {
            return Ok(());
        }
        let label = self
            .e
            .texts
            .fill(&ticket.lang, Text::AgentSays, &[("agent", &agent.name)]);
        let msg = OutMessage {
            kind: MessageKind::AgentReply { agent: label },
            text: body,
            markup,
            buttons: Vec::new(),
            attachments: files,
            files: Vec::new(),
            mention_agents: false,
        };
        let target = Customer {
            endpoint: ticket.customer_endpoint.clone(),
            ..customer.clone()
        };
        self.send_to_customer(&target, Some(ticket.id), msg, "")
            .await
    }

    /// Records text an agent sends through a command (snippet, kb) as their reply.
    pub(super) async fn record_agent_text(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
        text: &str,
    ) -> Result<(), EngineError> {
        self.tx
            .record_message(&NewMessage {
                customer: customer.id,
                ticket: Some(ticket.id),
                author: AuthorKind::Agent,
                author_id: Some(agent.id.clone()),
                author_name: agent.name.clone(),
                body: text.to_owned(),
                attachments: Vec::new(),
                platform_msg: None,
                at: self.now,
            })
            .await?;
        Ok(())
    }
}

/// One line of a transcript as agents read it, in English (see [`transcript_line_in`]).
pub fn transcript_line(m: &Message) -> String {
    transcript_line_in(&Texts::default(), "en", m)
}

/// One line of a transcript as agents read it, in `lang`.
pub fn transcript_line_in(texts: &Texts, lang: &str, m: &Message) -> String {
    let name = [("name", m.author_name.as_str())];
    let who = match m.author {
        AuthorKind::Customer => m.author_name.clone(),
        AuthorKind::Bot => texts.fill(lang, Text::TranscriptBot, &[]),
        AuthorKind::Agent => texts.fill(lang, Text::TranscriptAgent, &name),
        AuthorKind::Note => texts.fill(lang, Text::TranscriptNote, &name),
        AuthorKind::System => texts.fill(lang, Text::TranscriptCommand, &name),
    };
    let mut body = one_line(&m.body);
    if !m.attachments.is_empty() {
        let names: Vec<String> = m
            .attachments
            .iter()
            .map(|a| {
                a.file_name
                    .clone()
                    .unwrap_or_else(|| format!("{:?}", a.kind).to_lowercase())
            })
            .collect();
        let files = texts.fill(lang, Text::TranscriptFiles, &[("files", &names.join(", "))]);
        body = format!("{body} {files}").trim().to_owned();
    }
    format!("{who}: {}", truncate_chars(&body, 300))
}

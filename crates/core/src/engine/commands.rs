//! Agent commands in a ticket room, one function each.

use tracing::info;

use super::EngineError;
use super::payload::Payload;
use super::unit::Unit;
use crate::outbox::Delivery;
use crate::texts::Text;
use crate::transcript::{Format, Transcript};
use crate::types::*;

/// A command typed by an agent in a ticket room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentCommand {
    /// Take the ticket.
    Claim,
    /// Release it.
    Unclaim,
    /// Internal note.
    Note(String),
    /// Canned reply by name.
    Snippet(String),
    /// Send a knowledge-base entry's answer.
    Kb(String),
    /// Close.
    Close,
    /// Reopen.
    Reopen,
    /// Set the priority.
    Priority(Option<String>),
    /// Add tags.
    Tag(Vec<String>),
    /// Show the transcript.
    Transcript,
    /// Block the customer, with a reason.
    Block(String),
    /// Lift the customer's block.
    Unblock,
    /// Erase the customer's data.
    Erase,
    /// Post the transcript as files (plain text and HTML).
    TranscriptFile,
    /// Show the commands.
    Help,
    /// Anything else.
    Unknown(String),
}

impl AgentCommand {
    /// Parses `/command args` (a `@botname` suffix on the command is ignored).
    pub fn parse(text: &str) -> AgentCommand {
        let text = text.trim();
        let (head, rest) = match text.split_once(char::is_whitespace) {
            Some((h, r)) => (h, r.trim()),
            None => (text, ""),
        };
        let name = head
            .trim_start_matches('/')
            .split('@')
            .next()
            .unwrap_or("")
            .to_lowercase();
        match name.as_str() {
            "claim" => AgentCommand::Claim,
            "unclaim" => AgentCommand::Unclaim,
            "note" => AgentCommand::Note(rest.to_owned()),
            "snippet" | "s" => AgentCommand::Snippet(rest.to_owned()),
            "kb" => AgentCommand::Kb(rest.to_owned()),
            "close" => AgentCommand::Close,
            "reopen" => AgentCommand::Reopen,
            "priority" => AgentCommand::Priority((!rest.is_empty()).then(|| rest.to_owned())),
            "tag" | "tags" => AgentCommand::Tag(
                rest.split([',', ' '])
                    .map(|t| t.trim().trim_start_matches('#').to_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect(),
            ),
            "transcript" if rest.eq_ignore_ascii_case("file") => AgentCommand::TranscriptFile,
            "transcript" => AgentCommand::Transcript,
            "block" => AgentCommand::Block(rest.to_owned()),
            "unblock" => AgentCommand::Unblock,
            "erase" => AgentCommand::Erase,
            "help" => AgentCommand::Help,
            _ => AgentCommand::Unknown(head.to_owned()),
        }
    }
}

impl Unit<'_> {
    pub(super) async fn agent_command(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
        cmd: AgentCommand,
    ) -> Result<(), EngineError> {
        match cmd {
            AgentCommand::Claim => self.claim(ticket, customer, agent).await,
            AgentCommand::Unclaim => self.unclaim(ticket, agent).await,
            AgentCommand::Note(text) => self.note(ticket, agent, &text).await,
            AgentCommand::Snippet(name) => self.snippet(ticket, customer, agent, &name).await,
            AgentCommand::Kb(id) => self.kb_answer(ticket, customer, agent, &id).await,
            AgentCommand::Close => self.close(ticket, customer, agent).await,
            AgentCommand::Reopen => self.reopen(ticket, customer, agent).await,
            AgentCommand::Priority(p) => self.priority(ticket, agent, p.as_deref()).await,
            AgentCommand::Tag(tags) => self.tag(ticket, agent, &tags).await,
            AgentCommand::Transcript => self.transcript(ticket).await,
            AgentCommand::Block(reason) => self.block(ticket, customer, agent, &reason).await,
            AgentCommand::Unblock => self.unblock(ticket, customer, agent).await,
            AgentCommand::Erase => self.erase_by_agent(ticket, customer, agent).await,
            AgentCommand::TranscriptFile => self.transcript_files(ticket).await,
            AgentCommand::Help => {
                let help = self.e.desk_text(Text::AgentHelp, &[]);
                self.notice(ticket, &help, false).await
            }
            AgentCommand::Unknown(c) => {
                let unknown = self.e.desk_text(Text::UnknownCommand, &[("command", &c)]);
                let help = self.e.desk_text(Text::AgentHelp, &[]);
                self.notice(ticket, &format!("{unknown}\n{help}"), false)
                    .await
            }
        }
    }

    /// The customer as the ticket reaches them (the endpoint the ticket was opened from).
    fn target(ticket: &Ticket, customer: &Customer) -> Customer {
        Customer {
            endpoint: ticket.customer_endpoint.clone(),
            ..customer.clone()
        }
    }

    async fn claim(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
    ) -> Result<(), EngineError> {
        let number = ticket.number.to_string();
        let text = match self.tx.claim_ticket(ticket.id, agent, self.now).await? {
            ClaimOutcome::Claimed => {
                let joined = self.e.texts.fill(
                    &ticket.lang,
                    Text::AgentJoined,
                    &[("agent", &agent.name), ("number", &number)],
                );
                if !ticket.customer_in_room {
                    let m = OutMessage::plain(MessageKind::Bot, joined.clone());
                    let target = Self::target(ticket, customer);
                    self.send_to_customer(&target, Some(ticket.id), m, &joined)
                        .await?;
                }
                let vars = [("agent", agent.name.as_str()), ("number", &number)];
                self.e.desk_text(Text::Claimed, &vars)
            }
            ClaimOutcome::AlreadyYours => self
                .e
                .desk_text(Text::ClaimAlreadyYours, &[("number", &number)]),
            ClaimOutcome::TakenBy(other) => self.e.desk_text(
                Text::ClaimTaken,
                &[("number", &number), ("holder", &other.name)],
            ),
            ClaimOutcome::Closed => self.e.desk_text(Text::ClaimClosed, &[("number", &number)]),
        };
        self.notice(ticket, &text, false).await
    }

    async fn unclaim(&mut self, ticket: &Ticket, agent: &Agent) -> Result<(), EngineError> {
        let number = ticket.number.to_string();
        let text = if self.tx.unclaim_ticket(ticket.id, agent, self.now).await? {
            let vars = [("agent", agent.name.as_str()), ("number", &number)];
            self.e.desk_text(Text::Unclaimed, &vars)
        } else {
            self.e
                .desk_text(Text::UnclaimNotYours, &[("number", &number)])
        };
        self.notice(ticket, &text, false).await
    }

    async fn note(
        &mut self,
        ticket: &Ticket,
        agent: &Agent,
        text: &str,
    ) -> Result<(), EngineError> {
        if text.trim().is_empty() {
            let usage = self.e.desk_text(Text::NoteUsage, &[]);
            return self.notice(ticket, &usage, false).await;
        }
        self.tx
            .add_event(ticket.id, EventKind::Note, Some(agent), "", self.now)
            .await?;
        Ok(())
    }

    async fn snippet(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
        name: &str,
    ) -> Result<(), EngineError> {
        let cfg = &self.e.cfg;
        let found = cfg.snippets.get(name).and_then(|by_lang| {
            by_lang
                .get(&ticket.lang)
                .or_else(|| by_lang.get(&cfg.conversation.default_language))
                .or_else(|| by_lang.values().next())
        });
        match found {
            Some(text) if !name.is_empty() => {
                if ticket.status == TicketStatus::Closed {
                    let closed = self.e.desk_text(Text::ClosedReopenFirst, &[]);
                    return self.notice(ticket, &closed, false).await;
                }
                let text = text.clone();
                self.record_agent_text(ticket, customer, agent, &text)
                    .await?;
                self.agent_reply(ticket, customer, agent, text, Vec::new(), Markup::Markdown)
                    .await
            }
            _ => {
                let names: Vec<&str> = cfg.snippets.keys().map(String::as_str).collect();
                let text = if names.is_empty() {
                    self.e.desk_text(Text::NoSnippets, &[])
                } else {
                    let names = names.join(", ");
                    self.e.desk_text(Text::SnippetUsage, &[("names", &names)])
                };
                self.notice(ticket, &text, false).await
            }
        }
    }

    async fn kb_answer(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
        id: &str,
    ) -> Result<(), EngineError> {
        let kb = self.e.kb();
        let entry = kb
            .entry(&ticket.lang, id)
            .or_else(|| kb.entries().iter().find(|e| e.id == id));
        match entry {
            Some(e) if ticket.status == TicketStatus::Open => {
                let answer = e.answer.clone();
                self.record_agent_text(ticket, customer, agent, &answer)
                    .await?;
                self.agent_reply(
                    ticket,
                    customer,
                    agent,
                    answer,
                    Vec::new(),
                    Markup::Markdown,
                )
                .await
            }
            Some(_) => {
                let closed = self.e.desk_text(Text::ClosedReopenFirst, &[]);
                self.notice(ticket, &closed, false).await
            }
            None => {
                let text = self.e.desk_text(Text::KbUnknownEntry, &[("entry", id)]);
                self.notice(ticket, &text, false).await
            }
        }
    }

    async fn close(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
    ) -> Result<(), EngineError> {
        let n = ticket.number;
        let number = n.to_string();
        if !self
            .tx
            .close_ticket(ticket.id, Some(agent), self.now)
            .await?
        {
            let text = self
                .e
                .desk_text(Text::CloseAlreadyClosed, &[("number", &number)]);
            return self.notice(ticket, &text, false).await;
        }
        info!(ticket = n, "closed");
        let vars = [("agent", agent.name.as_str()), ("number", &number)];
        let note = self.e.desk_text(Text::ClosedByAgent, &vars);
        self.after_close(ticket, customer, Text::TicketClosedSurvey, &note)
            .await
    }

    /// What follows every close, by an agent or automatic (the ticket is closed already):
    /// the survey is offered, the customer's conversation moves on, the customer gets
    /// `survey_text` (`{number}`) with the rating buttons, the room gets `note` and is closed.
    pub(super) async fn after_close(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        survey_text: Text,
        note: &str,
    ) -> Result<(), EngineError> {
        let number = ticket.number.to_string();
        self.tx.survey_offered(ticket.id, self.now).await?;
        let mut c = customer.clone();
        if c.state == (ConversationState::InTicket { ticket: ticket.id }) {
            let closed = ConversationState::Closed {
                ticket: ticket.id,
                at: self.now,
            };
            self.set_state(&mut c, closed).await?;
        }
        let body = self
            .e
            .texts
            .fill(&ticket.lang, survey_text, &[("number", &number)]);
        let buttons = (1..=5)
            .filter_map(|score| {
                let payload = Payload::Rate {
                    ticket: ticket.id,
                    score,
                }
                .encode()?;
                Some(Button {
                    label: "⭐".repeat(score as usize),
                    payload,
                })
            })
            .collect();
        let target = Self::target(ticket, &c);
        let m = OutMessage::plain(MessageKind::Bot, body.clone()).with_buttons(buttons);
        self.send_to_customer(&target, Some(ticket.id), m, &body)
            .await?;
        self.notice(ticket, note, false).await?;
        if self.e.cfg.transcript.on_close {
            let closed = Ticket {
                status: TicketStatus::Closed,
                closed_at: Some(self.now),
                ..ticket.clone()
            };
            self.transcript_files(&closed).await?;
        }
        self.post_to_room(ticket, Delivery::CloseRoom).await
    }

    async fn reopen(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
    ) -> Result<(), EngineError> {
        let number = ticket.number.to_string();
        if !self
            .tx
            .reopen_ticket(ticket.id, Some(agent), self.now)
            .await?
        {
            let text = self
                .e
                .desk_text(Text::ReopenAlreadyOpen, &[("number", &number)]);
            return self.notice(ticket, &text, false).await;
        }
        let mut c = customer.clone();
        let ours = match c.state {
            ConversationState::Closed { ticket: t, .. }
            | ConversationState::SurveyComment { ticket: t }
            | ConversationState::SurveyAsking { ticket: t, .. } => t == ticket.id,
            ConversationState::Idle | ConversationState::Answered { .. } => true,
            ConversationState::InTicket { .. } => false,
        };
        if ours {
            self.set_state(&mut c, ConversationState::InTicket { ticket: ticket.id })
                .await?;
        }
        self.post_to_room(ticket, Delivery::ReopenRoom).await?;
        let key = if ours {
            Text::ReopenedByAgent
        } else {
            Text::ReopenedByAgentElsewhere
        };
        let vars = [("agent", agent.name.as_str()), ("number", &number)];
        let text = self.e.desk_text(key, &vars);
        self.notice(ticket, &text, false).await
    }

    async fn priority(
        &mut self,
        ticket: &Ticket,
        agent: &Agent,
        level: Option<&str>,
    ) -> Result<(), EngineError> {
        match level.and_then(Priority::parse) {
            Some(p) => {
                self.tx.set_priority(ticket.id, p, agent, self.now).await?;
                let number = ticket.number.to_string();
                let vars = [("number", number.as_str()), ("priority", p.as_str())];
                let text = self.e.desk_text(Text::PrioritySet, &vars);
                self.notice(ticket, &text, false).await
            }
            None => {
                let usage = self.e.desk_text(Text::PriorityUsage, &[]);
                self.notice(ticket, &usage, false).await
            }
        }
    }

    async fn tag(
        &mut self,
        ticket: &Ticket,
        agent: &Agent,
        tags: &[String],
    ) -> Result<(), EngineError> {
        if tags.is_empty() {
            let usage = self.e.desk_text(Text::TagUsage, &[]);
            return self.notice(ticket, &usage, false).await;
        }
        let all = self.tx.add_tags(ticket.id, tags, agent, self.now).await?;
        let (number, tags) = (ticket.number.to_string(), all.join(", "));
        let text = self
            .e
            .desk_text(Text::TagsSet, &[("number", &number), ("tags", &tags)]);
        self.notice(ticket, &text, false).await
    }

    async fn transcript(&mut self, ticket: &Ticket) -> Result<(), EngineError> {
        let msgs = self.tx.ticket_messages(ticket.id).await?;
        let (number, count) = (ticket.number.to_string(), msgs.len().to_string());
        let mut text = self.e.desk_text(
            Text::TranscriptHeader,
            &[("number", &number), ("count", &count)],
        );
        text.push('\n');
        for m in &msgs {
            text.push_str(&self.e.transcript_line(m));
            text.push('\n');
        }
        self.notice(ticket, &text, false).await
    }

    /// Posts the ticket's transcript in its room as two files, plain text and HTML (through
    /// the outbox, like every message).
    pub(super) async fn transcript_files(&mut self, ticket: &Ticket) -> Result<(), EngineError> {
        let msgs = self.tx.ticket_messages(ticket.id).await?;
        let lang = self.e.cfg.desk.lang.as_str();
        let t = Transcript::new(ticket, &msgs, &self.e.texts, lang);
        let (number, count) = (ticket.number.to_string(), msgs.len().to_string());
        let caption = self.e.desk_text(
            Text::TranscriptFileCaption,
            &[("number", &number), ("count", &count)],
        );
        let msg = OutMessage::plain(MessageKind::Notice, caption)
            .with_file(t.file(Format::Txt))
            .with_file(t.file(Format::Html));
        self.post_to_room(ticket, Delivery::Send(msg)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_commands_parse() {
        assert_eq!(AgentCommand::parse("/claim"), AgentCommand::Claim);
        assert_eq!(
            AgentCommand::parse("/claim@frontdesk_bot"),
            AgentCommand::Claim
        );
        assert_eq!(
            AgentCommand::parse("/note  call back tomorrow "),
            AgentCommand::Note("call back tomorrow".into())
        );
        assert_eq!(
            AgentCommand::parse("/tag #VIP, refund"),
            AgentCommand::Tag(vec!["vip".into(), "refund".into()])
        );
        assert_eq!(
            AgentCommand::parse("/priority"),
            AgentCommand::Priority(None)
        );
        assert_eq!(
            AgentCommand::parse("/block  spam and abuse "),
            AgentCommand::Block("spam and abuse".into())
        );
        assert_eq!(AgentCommand::parse("/unblock"), AgentCommand::Unblock);
        assert_eq!(AgentCommand::parse("/erase@bot"), AgentCommand::Erase);
        assert_eq!(
            AgentCommand::parse("/transcript File"),
            AgentCommand::TranscriptFile
        );
        assert_eq!(AgentCommand::parse("/transcript"), AgentCommand::Transcript);
        assert_eq!(
            AgentCommand::parse("/frobnicate"),
            AgentCommand::Unknown("/frobnicate".into())
        );
    }
}

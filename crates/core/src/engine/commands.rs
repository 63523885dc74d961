//! Agent commands in a ticket room, one function each.

use tracing::info;

use super::EngineError;
use super::payload::Payload;
use super::room::transcript_line;
use super::unit::Unit;
use crate::outbox::Delivery;
use crate::texts::Text;
use crate::types::*;

const AGENT_HELP: &str = "Agent commands in a ticket room:\n\
    (plain text) reply to the customer\n\
    /claim · /unclaim — take or release the ticket\n\
    /note <text> — internal note, never sent to the customer\n\
    /snippet <name> — send a canned reply\n\
    /kb <entry-id> — send a knowledge-base answer\n\
    /priority low|normal|high|urgent · /tag <tags>\n\
    /transcript — the conversation so far\n\
    /close · /reopen";

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
            "transcript" => AgentCommand::Transcript,
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
            AgentCommand::Help => self.notice(ticket, AGENT_HELP, false).await,
            AgentCommand::Unknown(c) => {
                let text = format!("Unknown command `{c}`.\n{AGENT_HELP}");
                self.notice(ticket, &text, false).await
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
        let n = ticket.number;
        let text = match self.tx.claim_ticket(ticket.id, agent, self.now).await? {
            ClaimOutcome::Claimed => {
                let number = n.to_string();
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
                format!("✋ {} claimed ticket #{n}.", agent.name)
            }
            ClaimOutcome::AlreadyYours => format!("You already hold ticket #{n}."),
            ClaimOutcome::TakenBy(other) => format!(
                "Ticket #{n} is already claimed by {}. Ask them to /unclaim it first.",
                other.name
            ),
            ClaimOutcome::Closed => format!("Ticket #{n} is closed; /reopen it first."),
        };
        self.notice(ticket, &text, false).await
    }

    async fn unclaim(&mut self, ticket: &Ticket, agent: &Agent) -> Result<(), EngineError> {
        let n = ticket.number;
        let text = if self.tx.unclaim_ticket(ticket.id, agent, self.now).await? {
            format!("{} released ticket #{n}.", agent.name)
        } else {
            format!("You do not hold ticket #{n}.")
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
            return self
                .notice(ticket, "Usage: /note <text> (kept internal).", false)
                .await;
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
                    return self
                        .notice(ticket, "The ticket is closed; /reopen it first.", false)
                        .await;
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
                    "No snippets are configured ([snippets] in frontdesk.toml).".to_owned()
                } else {
                    format!("Usage: /snippet <name>. Snippets: {}", names.join(", "))
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
                self.notice(ticket, "The ticket is closed; /reopen it first.", false)
                    .await
            }
            None => {
                let text = format!("No knowledge-base entry `{id}`. Usage: /kb <entry-id>");
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
        if !self
            .tx
            .close_ticket(ticket.id, Some(agent), self.now)
            .await?
        {
            return self
                .notice(ticket, &format!("Ticket #{n} is already closed."), false)
                .await;
        }
        info!(ticket = n, "closed");
        self.tx.survey_offered(ticket.id, self.now).await?;
        let mut c = customer.clone();
        if c.state == (ConversationState::InTicket { ticket: ticket.id }) {
            let closed = ConversationState::Closed {
                ticket: ticket.id,
                at: self.now,
            };
            self.set_state(&mut c, closed).await?;
        }
        let number = n.to_string();
        let body = self.e.texts.fill(
            &ticket.lang,
            Text::TicketClosedSurvey,
            &[("number", &number)],
        );
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
        let text = format!(
            "✅ {} closed ticket #{n}. The customer was sent the survey.",
            agent.name
        );
        self.notice(ticket, &text, false).await?;
        self.post_to_room(ticket.id, Delivery::CloseRoom).await
    }

    async fn reopen(
        &mut self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
    ) -> Result<(), EngineError> {
        let n = ticket.number;
        if !self
            .tx
            .reopen_ticket(ticket.id, Some(agent), self.now)
            .await?
        {
            return self
                .notice(ticket, &format!("Ticket #{n} is open."), false)
                .await;
        }
        let mut c = customer.clone();
        let ours = match c.state {
            ConversationState::Closed { ticket: t, .. }
            | ConversationState::SurveyComment { ticket: t } => t == ticket.id,
            ConversationState::Idle | ConversationState::Answered { .. } => true,
            ConversationState::InTicket { .. } => false,
        };
        if ours {
            self.set_state(&mut c, ConversationState::InTicket { ticket: ticket.id })
                .await?;
        }
        self.post_to_room(ticket.id, Delivery::ReopenRoom).await?;
        let text = if ours {
            format!("↩ {} reopened ticket #{n}.", agent.name)
        } else {
            format!(
                "↩ {} reopened ticket #{n}. The customer has another ticket open now, so their new messages go there.",
                agent.name
            )
        };
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
                let text = format!("Priority of #{} set to {}.", ticket.number, p.as_str());
                self.notice(ticket, &text, false).await
            }
            None => {
                self.notice(ticket, "Usage: /priority low|normal|high|urgent", false)
                    .await
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
            return self
                .notice(ticket, "Usage: /tag <tag> [<tag> ...]", false)
                .await;
        }
        let all = self.tx.add_tags(ticket.id, tags, agent, self.now).await?;
        let text = format!("Tags of #{}: {}", ticket.number, all.join(", "));
        self.notice(ticket, &text, false).await
    }

    async fn transcript(&mut self, ticket: &Ticket) -> Result<(), EngineError> {
        let msgs = self.tx.ticket_messages(ticket.id).await?;
        let mut text = format!(
            "Transcript of #{} ({} messages):\n",
            ticket.number,
            msgs.len()
        );
        for m in &msgs {
            text.push_str(&transcript_line(m));
            text.push('\n');
        }
        self.notice(ticket, &text, false).await
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
            AgentCommand::parse("/frobnicate"),
            AgentCommand::Unknown("/frobnicate".into())
        );
    }
}

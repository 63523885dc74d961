//! A customer's message or button press: answer from the knowledge base, offer "did you
//! mean", take the survey; escalation, reopening and the relay into the ticket's room are in
//! `handover.rs`.

use frontdesk_kb::Kb;
use tracing::{debug, info, warn};

use super::flood::Flood;
use super::payload::{Payload, pressed};
use super::unit::{Effect, Unit};
use super::{EngineError, Handled, one_line, truncate_chars};
use crate::fold::fold;
use crate::texts::Text;
use crate::types::*;
use frontdesk_kb::intents::Intent;

/// Parses a typed survey score ("4", "4/5", "⭐4").
pub(super) fn typed_score(s: &str) -> Option<i64> {
    let t = s
        .trim()
        .trim_end_matches("/5")
        .trim_start_matches('⭐')
        .trim();
    match t.parse::<i64>() {
        Ok(n) if (1..=5).contains(&n) => Some(n),
        _ => None,
    }
}

/// The body and files of an update, as recorded in the transcript.
pub(super) fn content_parts(c: &Content) -> (String, Vec<Attachment>) {
    match c {
        Content::Text(t) => (t.clone(), Vec::new()),
        Content::Button(p) => (pressed(p), Vec::new()),
        Content::Files { files, caption } => (caption.clone().unwrap_or_default(), files.clone()),
    }
}

impl Unit<'_> {
    /// Handles a customer's update; `known` is the customer as the Store keeps them, when
    /// nothing of them changed (else they are found or created here), and `their_ticket` the
    /// ticket their state named when the unit began.
    pub(super) async fn handle_customer(
        &mut self,
        msg: &Inbound,
        known: Option<Customer>,
        their_ticket: Option<Ticket>,
    ) -> Result<Handled, EngineError> {
        let now = self.now;
        let mut customer = match known {
            Some(c) => c,
            None => self.tx.upsert_customer(&msg.from, &msg.at, now).await?,
        };

        // A closed ticket whose window is still open is reopened by a message that is not a
        // survey answer: decide before recording, so the message joins that ticket.
        let reopen = match (&customer.state, &msg.content) {
            (ConversationState::Closed { ticket, at }, Content::Text(t))
                if typed_score(t).is_none() && self.within_reopen_window(*at) =>
            {
                Some(*ticket)
            }
            (ConversationState::Closed { ticket, at }, Content::Files { .. })
                if self.within_reopen_window(*at) =>
            {
                Some(*ticket)
            }
            _ => None,
        };
        let ticket_of_msg = match customer.state {
            ConversationState::InTicket { ticket } => Some(ticket),
            _ => reopen,
        };
        // Read and match before the first write (which, on SQLite, takes the database's
        // write lock): what the unit then writes holds the lock for as short as it can.
        let open_ticket = match customer.state {
            ConversationState::InTicket { ticket } => match their_ticket {
                Some(t) if t.id == ticket => Some(t),
                _ => self.tx.ticket(ticket).await?,
            },
            _ => None,
        };
        // The customer's chat is the room of their own ticket (a thread they share with the
        // agents that they wrote in before its room was recorded): a message in the room.
        if let Some(t) = open_ticket
            .as_ref()
            .filter(|t| t.room.as_ref() == Some(&msg.at))
        {
            return self.handle_room(t.clone(), msg).await;
        }
        let lang = self.pick_language(&customer, msg);
        let flood_limit = self.e.cfg.conversation.flood_messages_per_minute;
        if let Content::Text(t) = &msg.content {
            let t = t.trim();
            let asks = customer.blocked.is_none()
                && !matches!(
                    customer.state,
                    ConversationState::InTicket { .. } | ConversationState::SurveyComment { .. }
                );
            // Not for a message the flood limit will leave unanswered: a flood costs no search.
            if asks
                && !t.is_empty()
                && !t.starts_with('/')
                && typed_score(t).is_none()
                && self
                    .e
                    .flood
                    .allows(&flood_key(msg), sent_at(msg, now), flood_limit)
            {
                self.prepared = Some(self.e.prepare(t, &lang));
            }
        }
        let (body, files) = content_parts(&msg.content);
        let recorded = self
            .tx
            .record_message(&NewMessage {
                customer: customer.id,
                ticket: ticket_of_msg,
                author: AuthorKind::Customer,
                author_id: Some(msg.from.user_id.clone()),
                author_name: msg.from.display_name.clone(),
                body: body.clone(),
                attachments: files.clone(),
                platform_msg: Some((msg.from.platform.clone(), msg.platform_msg_id.clone())),
                at: now,
            })
            .await?;
        if recorded.is_none() {
            debug!("duplicate update");
            return Ok(Handled::Duplicate);
        }
        if !matches!(msg.content, Content::Button(_)) {
            self.count(Effect::CustomerMessage);
        }

        self.remember_language(&mut customer, &lang).await?;

        match self
            .e
            .flood
            .check(&flood_key(msg), sent_at(msg, now), flood_limit)
        {
            Flood::Ok => {}
            Flood::Warn => {
                warn!("flood limit reached: messages are recorded, not answered");
                self.say(&customer, &lang, Text::SlowDown, &[], Vec::new())
                    .await?;
                return Ok(Handled::Done);
            }
            Flood::Quiet => return Ok(Handled::Done),
        }

        // A blocked customer may still have their data erased; nothing else is answered.
        let payload = match &msg.content {
            Content::Button(p) => Payload::parse(p),
            _ => None,
        };
        let forget = body.trim() == "/forget"
            || matches!(payload, Some(Payload::Forget | Payload::KeepData));
        if customer.blocked.is_some() && !forget {
            self.blocked(&customer, &lang).await?;
            return Ok(Handled::Done);
        }
        if body.trim() == "/forget" {
            self.ask_to_forget(&customer, &lang).await?;
            return Ok(Handled::Done);
        }

        if let Content::Button(p) = &msg.content {
            match payload {
                Some(payload) => self.on_button(&mut customer, payload, &lang).await?,
                None => warn!(payload = %p, "unknown button payload"),
            }
            return Ok(Handled::Done);
        }

        if let Some(ticket) = reopen {
            self.customer_reopens(&mut customer, ticket, &lang, &body, &files)
                .await?;
            return Ok(Handled::Done);
        }

        match customer.state.clone() {
            ConversationState::InTicket { ticket } => {
                if body.trim() == "/human" {
                    self.tell_ticket_still_open(&customer, ticket, &lang)
                        .await?;
                }
                if let Some(t) = open_ticket.filter(|t| t.id == ticket) {
                    self.relay_ticket_to_room(&customer, &t, &body, &files)
                        .await?;
                }
            }
            ConversationState::Closed { ticket, .. } => {
                if let Some(score) = typed_score(&body) {
                    self.rate(&mut customer, ticket, score, &lang).await?;
                } else {
                    // Past the reopen window: a new conversation.
                    self.set_state(&mut customer, ConversationState::Idle)
                        .await?;
                    self.on_question(&mut customer, &body, &files, &lang)
                        .await?;
                }
            }
            ConversationState::SurveyAsking { ticket, question } => {
                match body.trim().parse::<i64>() {
                    Ok(v) if question.scale().contains(&v) => {
                        self.answer(&mut customer, ticket, question, v, &lang)
                            .await?;
                    }
                    // Not an answer: the survey is over, the text is a new question.
                    _ => {
                        self.set_state(&mut customer, ConversationState::Idle)
                            .await?;
                        self.on_question(&mut customer, &body, &files, &lang)
                            .await?;
                    }
                }
            }
            ConversationState::SurveyComment { ticket } if !body.trim().is_empty() => {
                self.tx.survey_comment(ticket, body.trim()).await?;
                self.set_state(&mut customer, ConversationState::Idle)
                    .await?;
                self.say(&customer, &lang, Text::CommentThanks, &[], Vec::new())
                    .await?;
            }
            _ => {
                self.on_question(&mut customer, &body, &files, &lang)
                    .await?;
            }
        }
        Ok(Handled::Done)
    }

    fn within_reopen_window(&self, closed_at: Timestamp) -> bool {
        self.now.millis() - closed_at.millis()
            <= self.e.cfg.conversation.reopen_window_minutes * 60_000
    }

    /// Picks and remembers the customer's language: what their text is written in when the
    /// knowledge base can tell, else what we knew, else the client's locale, else the default.
    fn pick_language(&self, customer: &Customer, msg: &Inbound) -> String {
        let text = match &msg.content {
            Content::Text(t) => Some(t.as_str()),
            Content::Files { caption, .. } => caption.as_deref(),
            Content::Button(_) => None,
        };
        let kb = self.e.kb();
        let detected = text
            .filter(|t| !t.trim_start().starts_with('/'))
            .and_then(|t| kb.detect_language(t));
        detected
            .or_else(|| customer.lang.clone())
            .or_else(|| {
                let loc = msg.from.locale.as_deref()?;
                let base = loc.split(['-', '_']).next()?.to_lowercase();
                kb.languages().contains(&base).then_some(base)
            })
            .unwrap_or_else(|| self.e.cfg.conversation.default_language.clone())
    }

    /// Remembers the language picked for the customer.
    async fn remember_language(
        &mut self,
        customer: &mut Customer,
        lang: &str,
    ) -> Result<(), EngineError> {
        if customer.lang.as_deref() != Some(lang) {
            self.tx.set_customer_lang(customer.id, lang).await?;
            customer.lang = Some(lang.to_owned());
        }
        Ok(())
    }

    pub(super) async fn set_state(
        &mut self,
        customer: &mut Customer,
        state: ConversationState,
    ) -> Result<(), EngineError> {
        if customer.state != state {
            self.tx.set_customer_state(customer.id, &state).await?;
            customer.state = state;
        }
        Ok(())
    }

    async fn on_button(
        &mut self,
        customer: &mut Customer,
        payload: Payload,
        lang: &str,
    ) -> Result<(), EngineError> {
        let now = self.now;
        match payload {
            Payload::Human => {
                if let ConversationState::Answered { reply } = customer.state {
                    self.tx
                        .set_bot_reply_feedback(reply, customer.id, Feedback::NotSolved, now)
                        .await?;
                }
                let tried = self.e.desk_text(Text::TriedAskedForPerson, &[]);
                self.escalate(customer, lang, None, &tried).await?;
            }
            Payload::Solved(reply) => {
                self.tx
                    .set_bot_reply_feedback(reply, customer.id, Feedback::Solved, now)
                    .await?;
                if !matches!(customer.state, ConversationState::InTicket { .. }) {
                    self.set_state(customer, ConversationState::Idle).await?;
                }
                self.say(customer, lang, Text::GladToHelp, &[], Vec::new())
                    .await?;
            }
            Payload::Unsolved(reply) => {
                let previous = self.tx.bot_reply(reply).await?;
                self.tx
                    .set_bot_reply_feedback(reply, customer.id, Feedback::NotSolved, now)
                    .await?;
                let tried = match &previous {
                    Some(r) => {
                        let entry = r.entry_id.as_deref().unwrap_or_default();
                        self.e
                            .desk_text(Text::TriedAnswerNotHelpful, &[("entry", entry)])
                    }
                    None => self.e.desk_text(Text::TriedUnhelpfulAnswer, &[]),
                };
                let question = previous.map(|r| r.question);
                self.escalate(customer, lang, question.as_deref(), &tried)
                    .await?;
            }
            Payload::Entry {
                lang: entry_lang,
                id,
            } => {
                let kb = self.e.kb();
                let Some(entry) = kb.entry(&entry_lang, &id) else {
                    warn!(%id, "button names an entry that is no longer in the knowledge base");
                    return Ok(());
                };
                let question = entry.questions.first().cloned().unwrap_or_default();
                let reply = self
                    .record_reply(&NewBotReply {
                        customer: customer.id,
                        question,
                        outcome: ReplyOutcome::Answered,
                        entry_id: Some(entry.id.clone()),
                        lang: Some(entry.lang.clone()),
                        confidence: 1.0,
                        at: now,
                    })
                    .await?;
                let answer = entry.answer.clone();
                self.send_answer(customer, lang, reply, &answer, &entry.follow_ups, &kb)
                    .await?;
                if !matches!(customer.state, ConversationState::InTicket { .. }) {
                    self.set_state(customer, ConversationState::Answered { reply })
                        .await?;
                }
            }
            Payload::Rate { ticket, score } => {
                if (1..=5).contains(&score) {
                    self.rate(customer, ticket, score, lang).await?;
                }
            }
            Payload::Answer {
                ticket,
                question,
                value,
            } => {
                self.answer(customer, ticket, question, value, lang).await?;
            }
            Payload::NoComment(ticket) => {
                if customer.state == (ConversationState::SurveyComment { ticket }) {
                    self.set_state(customer, ConversationState::Idle).await?;
                }
            }
            Payload::Claim(_) => debug!("claim button pressed outside a ticket room"),
            Payload::Forget => {
                self.erase_customer(customer, lang, None, true).await?;
            }
            Payload::KeepData => {
                self.say(customer, lang, Text::ForgetKept, &[], Vec::new())
                    .await?;
            }
        }
        Ok(())
    }

    async fn record_reply(&mut self, r: &NewBotReply) -> Result<BotReplyId, EngineError> {
        let id = self.tx.record_bot_reply(r).await?;
        self.count(Effect::BotReply(r.outcome));
        Ok(id)
    }

    async fn on_question(
        &mut self,
        customer: &mut Customer,
        body: &str,
        files: &[Attachment],
        lang: &str,
    ) -> Result<(), EngineError> {
        let text = body.trim();
        if text.is_empty() {
            if !files.is_empty() {
                let human = self.human_button(lang);
                self.say(customer, lang, Text::DescribeInWords, &[], vec![human])
                    .await?;
            }
            return Ok(());
        }
        match text.split_whitespace().next().unwrap_or("") {
            "/start" | "/help" => {
                return self
                    .say(customer, lang, Text::Welcome, &[], Vec::new())
                    .await;
            }
            "/human" | "/agent" | "/person" => {
                let tried = self.e.desk_text(Text::TriedSlashHuman, &[]);
                return self.escalate(customer, lang, None, &tried).await;
            }
            _ => {}
        }
        let folded = fold(text);
        let prepared = match self.prepared.take() {
            Some(p) if p.is_for(text, lang) => p,
            _ => self.e.prepare(text, lang),
        };
        let intent = prepared.intent;
        if intent == Some(Intent::Erase) {
            return self.ask_to_forget(customer, lang).await;
        }
        if let ConversationState::Answered { reply } = customer.state
            && intent.is_some()
        {
            let previous = self.tx.bot_reply(reply).await?;
            self.tx
                .set_bot_reply_feedback(reply, customer.id, Feedback::NotSolved, self.now)
                .await?;
            let (subject, tried) = match previous {
                Some(r) => {
                    let entry = r.entry_id.unwrap_or_default();
                    let said = one_line(text);
                    let vars = [("entry", entry.as_str()), ("said", &said)];
                    let tried = self.e.desk_text(Text::TriedAnswerCustomerSaid, &vars);
                    (r.question, tried)
                }
                None => (
                    text.to_owned(),
                    self.e.desk_text(Text::TriedUnhelpfulAnswer, &[]),
                ),
            };
            return self.escalate(customer, lang, Some(&subject), &tried).await;
        }
        if intent == Some(Intent::Handoff) {
            let tried = self.e.desk_text(Text::TriedAskedForPerson, &[]);
            return self.escalate(customer, lang, None, &tried).await;
        }
        // A whole message that is a greeting or a thanks is small talk, not a question. Its
        // language is the phrase's when the customer's is not known yet.
        for (list, text) in [
            (&self.e.greetings, Text::Welcome),
            (&self.e.thanks, Text::GladToHelp),
        ] {
            if let Some((_, phrase_lang)) = list.iter().find(|(p, _)| *p == folded) {
                let lang = if customer.lang.as_deref() == Some(lang) || phrase_lang == lang {
                    lang.to_owned()
                } else {
                    phrase_lang.clone()
                };
                if lang != customer.lang.as_deref().unwrap_or_default() {
                    self.tx.set_customer_lang(customer.id, &lang).await?;
                    customer.lang = Some(lang.clone());
                }
                return self.say(customer, &lang, text, &[], Vec::new()).await;
            }
        }

        let kb = self.e.kb();
        let m = &self.e.cfg.matching;
        let hits = prepared.hits;
        let best = hits.first();
        let confidence = best.map(|h| h.confidence).unwrap_or(0.0);
        let reply_record = |outcome| NewBotReply {
            customer: customer.id,
            question: text.to_owned(),
            outcome,
            entry_id: best.map(|h| h.id.clone()),
            lang: best.map(|h| h.lang.clone()),
            confidence,
            at: self.now,
        };

        if let Some(hit) = best.filter(|_| confidence >= m.answer_threshold) {
            let entry = &kb.entries()[hit.index];
            let reply = self
                .record_reply(&reply_record(ReplyOutcome::Answered))
                .await?;
            info!(entry = %hit.id, confidence, "answered");
            let answer = entry.answer.clone();
            self.send_answer(customer, lang, reply, &answer, &entry.follow_ups, &kb)
                .await?;
            self.set_state(customer, ConversationState::Answered { reply })
                .await?;
        } else if confidence >= m.suggest_threshold && best.is_some() {
            let record = reply_record(ReplyOutcome::Suggested);
            self.record_reply(&record).await?;
            // Distinct entries, in the customer's language where the entry exists in it.
            let mut seen: Vec<&str> = Vec::new();
            let mut buttons = Vec::new();
            for h in &hits {
                if buttons.len() >= m.suggestions || h.confidence < m.suggest_threshold {
                    break;
                }
                if seen.contains(&h.id.as_str()) {
                    continue;
                }
                seen.push(&h.id);
                let entry = kb
                    .entry(lang, &h.id)
                    .unwrap_or_else(|| &kb.entries()[h.index]);
                let payload = Payload::Entry {
                    lang: entry.lang.clone(),
                    id: entry.id.clone(),
                };
                let Some(payload) = payload.encode() else {
                    // A cut payload would name no entry.
                    warn!(entry = %entry.id, "entry id too long for a button: not offered");
                    continue;
                };
                buttons.push(Button {
                    label: truncate_chars(entry.questions.first().map_or("?", |q| q), 60),
                    payload,
                });
            }
            buttons.push(self.human_button(lang));
            info!(confidence, "suggested");
            self.say(customer, lang, Text::DidYouMean, &[], buttons)
                .await?;
            self.set_state(customer, ConversationState::Idle).await?;
        } else {
            let record = reply_record(ReplyOutcome::Escalated);
            self.record_reply(&record).await?;
            self.say(customer, lang, Text::NoAnswer, &[], Vec::new())
                .await?;
            let tried = match best {
                Some(h) => {
                    let confidence = format!("{:.2}", h.confidence);
                    let vars = [("entry", h.id.as_str()), ("confidence", &confidence)];
                    self.e.desk_text(Text::TriedNoConfidentMatch, &vars)
                }
                None => self.e.desk_text(Text::TriedNoMatch, &[]),
            };
            self.escalate(customer, lang, Some(text), &tried).await?;
        }
        Ok(())
    }

    fn human_button(&self, lang: &str) -> Button {
        Button {
            label: self.e.texts.get(lang, Text::ButtonHuman).to_owned(),
            payload: Payload::Human.to_string(),
        }
    }

    async fn send_answer(
        &mut self,
        customer: &Customer,
        lang: &str,
        reply: BotReplyId,
        answer: &str,
        follow_ups: &[String],
        kb: &Kb,
    ) -> Result<(), EngineError> {
        let mut buttons = vec![
            Button {
                label: self.e.texts.get(lang, Text::ButtonSolved).to_owned(),
                payload: Payload::Solved(reply).to_string(),
            },
            Button {
                label: self.e.texts.get(lang, Text::ButtonHuman).to_owned(),
                payload: Payload::Unsolved(reply).to_string(),
            },
        ];
        for f in follow_ups.iter().take(3) {
            if let Some(e) = kb.entry(lang, f) {
                let p = Payload::Entry {
                    lang: e.lang.clone(),
                    id: e.id.clone(),
                };
                if let Some(payload) = p.encode() {
                    buttons.push(Button {
                        label: truncate_chars(e.questions.first().map_or("?", |q| q), 60),
                        payload,
                    });
                }
            }
        }
        let msg = OutMessage::markdown(MessageKind::Answer, answer).with_buttons(buttons);
        self.send_to_customer(customer, None, msg, answer).await
    }
}

/// Whose messages the flood limit counts together.
fn flood_key(msg: &Inbound) -> String {
    format!("{}:{}", msg.from.platform, msg.from.user_id)
}

/// When the customer sent `msg`, for the flood limit: the platform's date when it gives one
/// within the last day (Telegram keeps undelivered updates for 24 hours) and not in the future,
/// else the time it reached us.
fn sent_at(msg: &Inbound, now: Timestamp) -> Timestamp {
    msg.sent_at
        .filter(|t| t.millis() <= now.millis() && now.millis() - t.millis() <= 86_400_000)
        .unwrap_or(now)
}

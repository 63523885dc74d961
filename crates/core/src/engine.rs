//! The Engine: one customer conversation and one ticket's life, platform-free.
//!
//! Adapters turn platform updates into [`Inbound`] and call [`Engine::handle`]; the Engine
//! reads and writes the [`Store`], asks the knowledge base, and speaks through the [`Router`]'s
//! channels. A periodic [`Engine::tick`] drives the first-response reminders and retries rooms
//! that could not be opened. See DESIGN.md, "Conversation flow".

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use frontdesk_kb::intents::{Intent, Intents};
use frontdesk_kb::{Kb, SearchOptions};
use tracing::{debug, error, info, instrument, warn};

use crate::config::EngineConfig;
use crate::fold::fold;
use crate::metrics::Metrics;
use crate::ports::{ChannelError, Clock, Router, Store, StoreError};
use crate::texts::{Text, Texts, UnknownTextKey};
use crate::types::*;

/// Longest query text handed to the matcher; the full message is still recorded.
const MAX_QUERY_CHARS: usize = 1000;
/// Longest ticket subject.
const MAX_SUBJECT_CHARS: usize = 80;
/// Button payloads longer than this (Telegram's limit) are not sent.
const MAX_PAYLOAD_BYTES: usize = 64;

/// An error the Engine could not handle by itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The Store failed; the update was not (fully) processed and may be retried.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl From<UnknownTextKey> for EngineError {
    fn from(e: UnknownTextKey) -> Self {
        EngineError::Config(e.to_string())
    }
}

/// What [`Engine::handle`] did with an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Processed.
    Done,
    /// A replay of an update already processed: nothing changed.
    Duplicate,
    /// Not for the Engine (a non-agent in a ticket room, a message in the desk's main chat).
    Ignored,
}

/// What one [`Engine::tick`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Ticket rooms opened that had failed before.
    pub rooms_opened: usize,
    /// First-response reminders sent.
    pub reminders: usize,
}

/// Serialises the handling of one customer's updates inside this process.
#[derive(Default)]
struct KeyedLocks {
    map: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    async fn lock(&self, key: String) -> tokio::sync::OwnedMutexGuard<()> {
        let m = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() > 4096 {
                map.retain(|_, v| Arc::strong_count(v) > 1);
            }
            map.entry(key).or_default().clone()
        };
        m.lock_owned().await
    }
}

/// Per-customer message times inside the last minute, for the flood limit.
#[derive(Default)]
struct FloodGuard {
    recent: Mutex<HashMap<String, std::collections::VecDeque<i64>>>,
}

/// What the flood limit says about one more message.
#[derive(Debug, PartialEq, Eq)]
enum Flood {
    Ok,
    /// Over the limit, first time in this burst: tell the customer.
    Warn,
    /// Over the limit, already told.
    Quiet,
}

impl FloodGuard {
    fn check(&self, key: &str, now: Timestamp, limit: usize) -> Flood {
        if limit == 0 {
            return Flood::Ok;
        }
        let mut map = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 4096 {
            map.retain(|_, q| q.back().is_some_and(|t| now.millis() - t < 60_000));
        }
        let q = map.entry(key.to_owned()).or_default();
        while q.front().is_some_and(|t| now.millis() - t >= 60_000) {
            q.pop_front();
        }
        q.push_back(now.millis());
        match q.len().cmp(&(limit + 1)) {
            std::cmp::Ordering::Less => Flood::Ok,
            std::cmp::Ordering::Equal => Flood::Warn,
            std::cmp::Ordering::Greater => Flood::Quiet,
        }
    }
}

/// The conversation and ticket engine. Cheap to share: wrap it in an `Arc`.
pub struct Engine {
    cfg: EngineConfig,
    texts: Texts,
    intents: Intents,
    greetings: Vec<(String, String)>,
    thanks: Vec<(String, String)>,
    store: Arc<dyn Store>,
    router: Router,
    clock: Arc<dyn Clock>,
    kb: RwLock<Arc<Kb>>,
    locks: KeyedLocks,
    flood: FloodGuard,
    metrics: Arc<Metrics>,
}

#[derive(Clone, Copy)]
enum RoomAction {
    Close,
    Reopen,
}

/// A parsed button payload. Payloads are short ASCII strings (Telegram allows 64 bytes).
#[derive(Debug, PartialEq, Eq)]
enum Payload {
    Human,
    Solved(i64),
    Unsolved(i64),
    Entry { lang: String, id: String },
    Rate { ticket: TicketId, score: i64 },
    NoComment(TicketId),
    Claim(TicketId),
}

impl Payload {
    fn parse(s: &str) -> Option<Payload> {
        let mut it = s.split(':');
        let head = it.next()?;
        let mut num = || it.next().and_then(|x| x.parse::<i64>().ok());
        Some(match head {
            "human" => Payload::Human,
            "solved" => Payload::Solved(num()?),
            "unsolved" => Payload::Unsolved(num()?),
            "rate" => {
                let ticket = TicketId(num()?);
                let score = num()?;
                Payload::Rate { ticket, score }
            }
            "nocomment" => Payload::NoComment(TicketId(num()?)),
            "claim" => Payload::Claim(TicketId(num()?)),
            "kb" => {
                let mut parts = s.splitn(3, ':').skip(1);
                let lang = parts.next()?.to_owned();
                let id = parts.next()?.to_owned();
                Payload::Entry { lang, id }
            }
            _ => return None,
        })
    }
}

fn truncate_chars(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses a typed survey score ("4", "4/5", "⭐4").
fn typed_score(s: &str) -> Option<i64> {
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

/// The built-in handoff / not-solved phrasings extended by the configured ones.
fn build_intents(c: &crate::config::ConversationConfig) -> Intents {
    let mut intents = Intents::builtin();
    for (lang, ps) in &c.handoff_phrases {
        intents = intents.with_extra(lang, Intent::Handoff, ps);
    }
    for (lang, ps) in &c.not_solved_phrases {
        intents = intents.with_extra(lang, Intent::NotSolved, ps);
    }
    intents
}

impl Engine {
    /// Builds an Engine. Fails on invalid configuration (an unknown text key).
    pub fn new(
        cfg: EngineConfig,
        store: Arc<dyn Store>,
        router: Router,
        clock: Arc<dyn Clock>,
        kb: Kb,
    ) -> Result<Engine, EngineError> {
        let texts = Texts::with_overrides(&cfg.texts)?;
        let m = &cfg.matching;
        if !(0.0..=1.0).contains(&m.answer_threshold)
            || !(0.0..=1.0).contains(&m.suggest_threshold)
            || m.suggest_threshold > m.answer_threshold
        {
            return Err(EngineError::Config(format!(
                "thresholds must satisfy 0 <= suggest_threshold ({}) <= answer_threshold ({}) <= 1",
                m.suggest_threshold, m.answer_threshold
            )));
        }
        let by_lang = |m: &std::collections::BTreeMap<String, Vec<String>>| {
            m.iter()
                .flat_map(|(lang, ps)| ps.iter().map(move |p| (fold(p), lang.clone())))
                .filter(|(p, _)| !p.is_empty())
                .collect::<Vec<_>>()
        };
        Ok(Engine {
            greetings: by_lang(&cfg.conversation.greetings),
            thanks: by_lang(&cfg.conversation.thanks),
            intents: build_intents(&cfg.conversation),
            texts,
            cfg,
            store,
            router,
            clock,
            kb: RwLock::new(Arc::new(kb)),
            locks: KeyedLocks::default(),
            flood: FloodGuard::default(),
            metrics: Arc::new(Metrics::default()),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// The Store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The knowledge base in use.
    pub fn kb(&self) -> Arc<Kb> {
        self.kb.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the knowledge base (after a reload); conversations carry on.
    pub fn set_kb(&self, kb: Kb) {
        *self.kb.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(kb);
    }

    /// Handles one inbound update. Replays of an update already handled change nothing.
    #[instrument(skip_all, fields(platform = %msg.from.platform, user = %msg.from.user_id, id = %msg.platform_msg_id))]
    pub async fn handle(&self, msg: Inbound) -> Result<Handled, EngineError> {
        let now = self.clock.now();
        if let Some(ticket) = self.store.ticket_by_room(&msg.at).await? {
            let from_customer = msg.from.role == Role::Customer;
            let is_message = !matches!(msg.content, Content::Button(_));
            let handled = self.handle_room(ticket, msg, now).await?;
            if handled == Handled::Done && is_message {
                if from_customer {
                    self.metrics.customer_message();
                } else {
                    self.metrics.agent_message();
                }
            }
            return Ok(handled);
        }
        let desk = self.cfg.desk.endpoint();
        if msg.at.platform == desk.platform && msg.at.chat_id == desk.chat_id {
            debug!("message in the desk chat outside a ticket room: ignored");
            return Ok(Handled::Ignored);
        }
        let key = format!("{}:{}", msg.from.platform, msg.from.user_id);
        let _guard = self.locks.lock(key).await;
        let is_message = !matches!(msg.content, Content::Button(_));
        let handled = self.handle_customer(msg, now).await?;
        if handled == Handled::Done && is_message {
            self.metrics.customer_message();
        }
        Ok(handled)
    }

    /// The Engine's live metrics (served at `/metrics` by `frontdesk run`).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    async fn record_reply(&self, r: &NewBotReply) -> Result<i64, EngineError> {
        let id = self.store.record_bot_reply(r).await?;
        self.metrics.bot_reply(r.outcome);
        Ok(id)
    }

    // ---- customer side -------------------------------------------------------------------

    async fn handle_customer(&self, msg: Inbound, now: Timestamp) -> Result<Handled, EngineError> {
        let mut customer = self.store.upsert_customer(&msg.from, &msg.at, now).await?;

        // A closed ticket whose window is still open is reopened by a message that is not a
        // survey answer: decide before recording, so the message joins that ticket.
        let reopen = match (&customer.state, &msg.content) {
            (ConversationState::Closed { ticket, at }, Content::Text(t))
                if typed_score(t).is_none() && self.within_reopen_window(*at, now) =>
            {
                Some(*ticket)
            }
            (ConversationState::Closed { ticket, at }, Content::Files { .. })
                if self.within_reopen_window(*at, now) =>
            {
                Some(*ticket)
            }
            _ => None,
        };
        let ticket_of_msg = match customer.state {
            ConversationState::InTicket { ticket } => Some(ticket),
            _ => reopen,
        };
        let (body, files) = match &msg.content {
            Content::Text(t) => (t.clone(), Vec::new()),
            Content::Button(p) => (pressed(p), Vec::new()),
            Content::Files { files, caption } => {
                (caption.clone().unwrap_or_default(), files.clone())
            }
        };
        let recorded = self
            .store
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

        let lang = self.language_for(&mut customer, &msg).await?;

        let key = format!("{}:{}", msg.from.platform, msg.from.user_id);
        match self
            .flood
            .check(&key, now, self.cfg.conversation.flood_messages_per_minute)
        {
            Flood::Ok => {}
            Flood::Warn => {
                warn!("flood limit reached: messages are recorded, not answered");
                self.say(&customer, &lang, Text::SlowDown, &[], Vec::new())
                    .await;
                return Ok(Handled::Done);
            }
            Flood::Quiet => return Ok(Handled::Done),
        }

        if let Content::Button(p) = &msg.content {
            match Payload::parse(p) {
                Some(payload) => self.on_button(&mut customer, payload, &lang, now).await?,
                None => warn!(payload = %p, "unknown button payload"),
            }
            return Ok(Handled::Done);
        }

        if let Some(ticket) = reopen {
            self.customer_reopens(&mut customer, ticket, &lang, &body, &files, now)
                .await?;
            return Ok(Handled::Done);
        }

        match customer.state.clone() {
            ConversationState::InTicket { ticket } => {
                if body.trim() == "/human" {
                    self.tell_ticket_still_open(&customer, ticket, &lang)
                        .await?;
                }
                self.relay_to_room(&customer, ticket, &body, &files).await?;
            }
            ConversationState::Closed { ticket, .. } => {
                if let Some(score) = typed_score(&body) {
                    self.rate(&mut customer, ticket, score, &lang, now).await?;
                } else {
                    // Past the reopen window: a new conversation.
                    self.set_state(&mut customer, ConversationState::Idle)
                        .await?;
                    self.on_question(&mut customer, &body, &files, &lang, now)
                        .await?;
                }
            }
            ConversationState::SurveyComment { ticket } if !body.trim().is_empty() => {
                self.store.survey_comment(ticket, body.trim()).await?;
                self.set_state(&mut customer, ConversationState::Idle)
                    .await?;
                self.say(&customer, &lang, Text::CommentThanks, &[], Vec::new())
                    .await;
            }
            _ => {
                self.on_question(&mut customer, &body, &files, &lang, now)
                    .await?;
            }
        }
        Ok(Handled::Done)
    }

    fn within_reopen_window(&self, closed_at: Timestamp, now: Timestamp) -> bool {
        now.millis() - closed_at.millis() <= self.cfg.conversation.reopen_window_minutes * 60_000
    }

    /// Picks and remembers the customer's language: what their text is written in when the
    /// knowledge base can tell, else what we knew, else the client's locale, else the default.
    async fn language_for(
        &self,
        customer: &mut Customer,
        msg: &Inbound,
    ) -> Result<String, EngineError> {
        let text = match &msg.content {
            Content::Text(t) => Some(t.as_str()),
            Content::Files { caption, .. } => caption.as_deref(),
            Content::Button(_) => None,
        };
        let detected = text
            .filter(|t| !t.trim_start().starts_with('/'))
            .and_then(|t| self.kb().detect_language(t));
        let lang = detected
            .or_else(|| customer.lang.clone())
            .or_else(|| {
                let loc = msg.from.locale.as_deref()?;
                let base = loc.split(['-', '_']).next()?.to_lowercase();
                let known = self.kb().languages();
                known.contains(&base).then_some(base)
            })
            .unwrap_or_else(|| self.cfg.conversation.default_language.clone());
        if customer.lang.as_deref() != Some(lang.as_str()) {
            self.store.set_customer_lang(customer.id, &lang).await?;
            customer.lang = Some(lang.clone());
        }
        Ok(lang)
    }

    async fn set_state(
        &self,
        customer: &mut Customer,
        state: ConversationState,
    ) -> Result<(), EngineError> {
        if customer.state != state {
            self.store.set_customer_state(customer.id, &state).await?;
            customer.state = state;
        }
        Ok(())
    }

    async fn on_button(
        &self,
        customer: &mut Customer,
        payload: Payload,
        lang: &str,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        match payload {
            Payload::Human => {
                if let ConversationState::Answered { reply } = customer.state {
                    self.store
                        .set_bot_reply_feedback(reply, customer.id, Feedback::NotSolved, now)
                        .await?;
                }
                self.escalate(customer, lang, None, "asked for a person", now)
                    .await?;
            }
            Payload::Solved(reply) => {
                self.store
                    .set_bot_reply_feedback(reply, customer.id, Feedback::Solved, now)
                    .await?;
                if !matches!(customer.state, ConversationState::InTicket { .. }) {
                    self.set_state(customer, ConversationState::Idle).await?;
                }
                self.say(customer, lang, Text::GladToHelp, &[], Vec::new())
                    .await;
            }
            Payload::Unsolved(reply) => {
                let question = self.store.bot_reply(reply).await?.map(|r| r.question);
                self.store
                    .set_bot_reply_feedback(reply, customer.id, Feedback::NotSolved, now)
                    .await?;
                let tried = match self.store.bot_reply(reply).await? {
                    Some(r) => format!(
                        "answered with entry `{}`; the customer said it did not help",
                        r.entry_id.unwrap_or_default()
                    ),
                    None => "an answer that did not help".to_owned(),
                };
                self.escalate(customer, lang, question.as_deref(), &tried, now)
                    .await?;
            }
            Payload::Entry {
                lang: entry_lang,
                id,
            } => {
                let kb = self.kb();
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
                    .await;
                if !matches!(customer.state, ConversationState::InTicket { .. }) {
                    self.set_state(customer, ConversationState::Answered { reply })
                        .await?;
                }
            }
            Payload::Rate { ticket, score } => {
                if (1..=5).contains(&score) {
                    self.rate(customer, ticket, score, lang, now).await?;
                }
            }
            Payload::NoComment(ticket) => {
                if customer.state == (ConversationState::SurveyComment { ticket }) {
                    self.set_state(customer, ConversationState::Idle).await?;
                }
            }
            Payload::Claim(_) => debug!("claim button pressed outside a ticket room"),
        }
        Ok(())
    }

    async fn rate(
        &self,
        customer: &mut Customer,
        ticket: TicketId,
        score: i64,
        lang: &str,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        let Some(t) = self.store.ticket(ticket).await? else {
            return Ok(());
        };
        if t.customer != customer.id {
            warn!(
                ticket = t.number,
                "survey answer for another customer's ticket"
            );
            return Ok(());
        }
        if !self.store.survey_score(ticket, score, now).await? {
            return Ok(());
        }
        self.metrics.survey_score(score);
        info!(ticket = t.number, score, "survey answered");
        self.set_state(customer, ConversationState::SurveyComment { ticket })
            .await?;
        let button = Button {
            label: self.texts.get(lang, Text::ButtonNoComment).to_owned(),
            payload: format!("nocomment:{}", ticket.0),
        };
        self.say(customer, lang, Text::SurveyThanks, &[], vec![button])
            .await;
        if let Some(room) = &t.room {
            let note = format!("⭐ Customer rated ticket #{}: {score}/5", t.number);
            self.notice(&t, room, &note, false).await;
        }
        Ok(())
    }

    async fn on_question(
        &self,
        customer: &mut Customer,
        body: &str,
        files: &[Attachment],
        lang: &str,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        let text = body.trim();
        if text.is_empty() {
            if !files.is_empty() {
                let human = self.human_button(lang);
                self.say(customer, lang, Text::DescribeInWords, &[], vec![human])
                    .await;
            }
            return Ok(());
        }
        match text.split_whitespace().next().unwrap_or("") {
            "/start" | "/help" => {
                self.say(customer, lang, Text::Welcome, &[], Vec::new())
                    .await;
                return Ok(());
            }
            "/human" | "/agent" | "/person" => {
                return self
                    .escalate(customer, lang, None, "asked for a person (/human)", now)
                    .await;
            }
            _ => {}
        }
        let folded = fold(text);
        let intent = self.intents.detect(text, Some(lang)).map(|m| m.intent);
        if let ConversationState::Answered { reply } = customer.state
            && intent.is_some()
        {
            let previous = self.store.bot_reply(reply).await?;
            self.store
                .set_bot_reply_feedback(reply, customer.id, Feedback::NotSolved, now)
                .await?;
            let (subject, tried) = match previous {
                Some(r) => (
                    r.question,
                    format!(
                        "answered with entry `{}`; the customer said: {}",
                        r.entry_id.unwrap_or_default(),
                        one_line(text)
                    ),
                ),
                None => (text.to_owned(), "an answer that did not help".to_owned()),
            };
            return self
                .escalate(customer, lang, Some(&subject), &tried, now)
                .await;
        }
        if intent == Some(Intent::Handoff) {
            return self
                .escalate(customer, lang, None, "asked for a person", now)
                .await;
        }
        // A whole message that is a greeting or a thanks is small talk, not a question. Its
        // language is the phrase's when the customer's is not known yet.
        for (list, text) in [
            (&self.greetings, Text::Welcome),
            (&self.thanks, Text::GladToHelp),
        ] {
            if let Some((_, phrase_lang)) = list.iter().find(|(p, _)| *p == folded) {
                let lang = if customer.lang.as_deref() == Some(lang) || phrase_lang == lang {
                    lang.to_owned()
                } else {
                    phrase_lang.clone()
                };
                if lang != customer.lang.as_deref().unwrap_or_default() {
                    self.store.set_customer_lang(customer.id, &lang).await?;
                    customer.lang = Some(lang.clone());
                }
                self.say(customer, &lang, text, &[], Vec::new()).await;
                return Ok(());
            }
        }

        let kb = self.kb();
        let query: String = text.chars().take(MAX_QUERY_CHARS).collect();
        let m = &self.cfg.matching;
        let hits = kb.search(
            &query,
            &SearchOptions {
                limit: (m.suggestions * 3).max(5),
                lang: Some(lang.to_owned()),
            },
        );
        let best = hits.first();
        let confidence = best.map(|h| h.confidence).unwrap_or(0.0);
        let reply_record = |outcome| NewBotReply {
            customer: customer.id,
            question: text.to_owned(),
            outcome,
            entry_id: best.map(|h| h.id.clone()),
            lang: best.map(|h| h.lang.clone()),
            confidence,
            at: now,
        };

        if let Some(hit) = best.filter(|_| confidence >= m.answer_threshold) {
            let entry = &kb.entries()[hit.index];
            let reply = self
                .record_reply(&reply_record(ReplyOutcome::Answered))
                .await?;
            info!(entry = %hit.id, confidence, "answered");
            let answer = entry.answer.clone();
            self.send_answer(customer, lang, reply, &answer, &entry.follow_ups, &kb)
                .await;
            self.set_state(customer, ConversationState::Answered { reply })
                .await?;
        } else if confidence >= m.suggest_threshold && best.is_some() {
            self.record_reply(&reply_record(ReplyOutcome::Suggested))
                .await?;
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
                let payload = format!("kb:{}:{}", entry.lang, entry.id);
                if payload.len() > MAX_PAYLOAD_BYTES {
                    // Telegram carries at most 64 bytes; a cut payload would name no entry.
                    warn!(entry = %entry.id, "entry id too long for a button: not offered");
                    continue;
                }
                buttons.push(Button {
                    label: truncate_chars(entry.questions.first().map_or("?", |q| q), 60),
                    payload,
                });
            }
            buttons.push(self.human_button(lang));
            info!(confidence, "suggested");
            self.say(customer, lang, Text::DidYouMean, &[], buttons)
                .await;
            self.set_state(customer, ConversationState::Idle).await?;
        } else {
            self.record_reply(&reply_record(ReplyOutcome::Escalated))
                .await?;
            self.say(customer, lang, Text::NoAnswer, &[], Vec::new())
                .await;
            let tried = match best {
                Some(h) => format!(
                    "no confident match (best: `{}` at {:.2})",
                    h.id, h.confidence
                ),
                None => "no match in the knowledge base".to_owned(),
            };
            self.escalate(customer, lang, Some(text), &tried, now)
                .await?;
        }
        Ok(())
    }

    fn human_button(&self, lang: &str) -> Button {
        Button {
            label: self.texts.get(lang, Text::ButtonHuman).to_owned(),
            payload: "human".into(),
        }
    }

    async fn send_answer(
        &self,
        customer: &Customer,
        lang: &str,
        reply: i64,
        answer: &str,
        follow_ups: &[String],
        kb: &Kb,
    ) {
        let mut buttons = vec![
            Button {
                label: self.texts.get(lang, Text::ButtonSolved).to_owned(),
                payload: format!("solved:{reply}"),
            },
            Button {
                label: self.texts.get(lang, Text::ButtonHuman).to_owned(),
                payload: format!("unsolved:{reply}"),
            },
        ];
        for f in follow_ups.iter().take(3) {
            if let Some(e) = kb.entry(lang, f) {
                buttons.push(Button {
                    label: truncate_chars(e.questions.first().map_or("?", |q| q), 60),
                    payload: truncate_chars(&format!("kb:{}:{}", e.lang, e.id), 64),
                });
            }
        }
        let msg = OutMessage::markdown(MessageKind::Answer, answer).with_buttons(buttons);
        self.send_to_customer(customer, None, &msg, answer).await;
    }

    /// Opens a ticket for the customer (or points at the open one) and hands over.
    async fn escalate(
        &self,
        customer: &mut Customer,
        lang: &str,
        subject: Option<&str>,
        bot_tried: &str,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        if let ConversationState::InTicket { ticket } = customer.state {
            return self.tell_ticket_still_open(customer, ticket, lang).await;
        }
        let subject = match subject {
            Some(s) if !s.trim().is_empty() => s.to_owned(),
            _ => self
                .last_question(customer.id)
                .await?
                .unwrap_or_else(|| format!("Conversation with {}", customer.display_name)),
        };
        let ticket = self
            .store
            .open_ticket(&NewTicket {
                desk: self.cfg.desk.name.clone(),
                customer: customer.id,
                customer_endpoint: customer.endpoint.clone(),
                customer_name: customer.display_name.clone(),
                subject: truncate_chars(&one_line(&subject), MAX_SUBJECT_CHARS),
                lang: lang.to_owned(),
                priority: Priority::Normal,
                bot_tried: bot_tried.to_owned(),
                opened_at: now,
                transcript_since: now
                    .plus_millis(-self.cfg.conversation.transcript_window_minutes * 60_000),
            })
            .await?;
        info!(ticket = ticket.number, "ticket opened");
        self.metrics.escalation();
        self.set_state(customer, ConversationState::InTicket { ticket: ticket.id })
            .await?;
        let number = ticket.number.to_string();
        self.say(
            customer,
            lang,
            Text::TicketOpened,
            &[("number", &number)],
            Vec::new(),
        )
        .await;
        self.open_room(&ticket).await?;
        Ok(())
    }

    /// The customer's latest real question: not a command, a button press, a request for a
    /// person or small talk. It becomes the ticket's subject.
    async fn last_question(&self, customer: CustomerId) -> Result<Option<String>, EngineError> {
        let msgs = self.store.customer_messages(customer, 20).await?;
        Ok(msgs
            .iter()
            .rev()
            .filter(|m| m.author == AuthorKind::Customer)
            .find(|m| {
                let folded = fold(&m.body);
                !folded.is_empty()
                    && !m.body.starts_with('/')
                    && !m.body.starts_with(PRESSED)
                    && self.intents.detect(&m.body, None).is_none()
                    && !self
                        .greetings
                        .iter()
                        .chain(&self.thanks)
                        .any(|(p, _)| *p == folded)
            })
            .map(|m| m.body.clone()))
    }

    async fn tell_ticket_still_open(
        &self,
        customer: &Customer,
        ticket: TicketId,
        lang: &str,
    ) -> Result<(), EngineError> {
        let number = match self.store.ticket(ticket).await? {
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
        .await;
        Ok(())
    }

    async fn customer_reopens(
        &self,
        customer: &mut Customer,
        ticket: TicketId,
        lang: &str,
        body: &str,
        files: &[Attachment],
        now: Timestamp,
    ) -> Result<(), EngineError> {
        let Some(t) = self.store.ticket(ticket).await? else {
            return Ok(());
        };
        self.store.reopen_ticket(ticket, None, now).await?;
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
        .await;
        if let Some(room) = &t.room {
            self.room_action(&t, room, RoomAction::Reopen).await;
            let note = format!("↩ Ticket #{} reopened by the customer.", t.number);
            self.notice(&t, room, &note, true).await;
        }
        self.relay_to_room(customer, ticket, body, files).await
    }

    async fn relay_to_room(
        &self,
        customer: &Customer,
        ticket: TicketId,
        body: &str,
        files: &[Attachment],
    ) -> Result<(), EngineError> {
        let Some(t) = self.store.ticket(ticket).await? else {
            return Ok(());
        };
        let Some(room) = &t.room else {
            // The room will be opened by `tick`, with the transcript in its summary.
            return Ok(());
        };
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
        self.send_logged(&t, room, &msg).await;
        Ok(())
    }

    /// Says a bot text to the customer.
    async fn say(
        &self,
        customer: &Customer,
        lang: &str,
        text: Text,
        vars: &[(&str, &str)],
        buttons: Vec<Button>,
    ) {
        let body = self.texts.fill(lang, text, vars);
        let msg = OutMessage::markdown(MessageKind::Bot, body.clone()).with_buttons(buttons);
        self.send_to_customer(customer, None, &msg, &body).await;
    }

    /// Sends to the customer and records what was sent in the transcript. A failed send is
    /// logged (with the ticket, when there is one) and recorded as a ticket event.
    async fn send_to_customer(
        &self,
        customer: &Customer,
        ticket: Option<&Ticket>,
        msg: &OutMessage,
        transcript_body: &str,
    ) -> bool {
        let ticket_id = ticket.map(|t| t.id).or(match customer.state {
            ConversationState::InTicket { ticket } => Some(ticket),
            _ => None,
        });
        let (author, author_name, author_id) = match &msg.kind {
            MessageKind::AgentReply { agent } => (AuthorKind::Agent, agent.clone(), None),
            _ => (AuthorKind::Bot, "bot".to_owned(), None),
        };
        if author == AuthorKind::Bot
            && let Err(e) = self
                .store
                .record_message(&NewMessage {
                    customer: customer.id,
                    ticket: ticket_id,
                    author,
                    author_id,
                    author_name,
                    body: transcript_body.to_owned(),
                    attachments: Vec::new(),
                    platform_msg: None,
                    at: self.clock.now(),
                })
                .await
        {
            error!(error = %e, "could not record a bot message in the transcript");
        }
        let result = match self.router.get(&customer.endpoint.platform) {
            Ok(ch) => ch.send(&customer.endpoint, msg).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(_) => true,
            Err(e) => {
                match ticket {
                    Some(t) => self.send_failed(t, "send to customer", &e).await,
                    None => {
                        self.metrics.send_failure(&customer.endpoint.platform);
                        error!(
                            customer = customer.id.0,
                            error = %e,
                            "send to customer failed"
                        );
                    }
                }
                false
            }
        }
    }

    // ---- desk side -----------------------------------------------------------------------

    /// Opens the ticket's room in the desk and posts the summary. A failure is logged and
    /// recorded; [`Engine::tick`] retries.
    async fn open_room(&self, ticket: &Ticket) -> Result<bool, EngineError> {
        let desk = self.cfg.desk.endpoint();
        let title = format!(
            "#{} · {}",
            ticket.number,
            truncate_chars(&ticket.subject, 90)
        );
        let channel = match self.router.get(&desk.platform) {
            Ok(c) => c.clone(),
            Err(e) => {
                self.send_failed(ticket, "open room", &e).await;
                return Ok(false);
            }
        };
        let room = match channel.open_room(&desk, &title).await {
            Ok(room) => room,
            Err(e) => {
                self.send_failed(ticket, "open room", &e).await;
                return Ok(false);
            }
        };
        // A customer on the desk's own chat platform who writes in the desk's chat would share
        // the room; customers in DMs never do.
        let customer_in_room = room == ticket.customer_endpoint;
        self.store
            .set_ticket_room(ticket.id, &room, customer_in_room)
            .await?;
        let summary = self.summary(ticket).await?;
        let mut msg = OutMessage::plain(MessageKind::Summary, summary);
        msg.mention_agents = true;
        msg.buttons = vec![Button {
            label: "Claim".into(),
            payload: format!("claim:{}", ticket.id.0),
        }];
        self.send_logged(ticket, &room, &msg).await;
        Ok(true)
    }

    async fn summary(&self, t: &Ticket) -> Result<String, EngineError> {
        let msgs = self.store.ticket_messages(t.id).await?;
        let n = self.cfg.conversation.summary_messages;
        let skip = msgs.len().saturating_sub(n);
        let mut s = format!(
            "New ticket #{} · {}\nCustomer: {} ({}, language {})\nPriority: {}\nBot tried: {}\n",
            t.number,
            t.subject,
            t.customer_name,
            t.customer_endpoint.platform,
            t.lang,
            t.priority.as_str(),
            t.bot_tried
        );
        if !msgs.is_empty() {
            s.push_str("\nConversation so far");
            if skip > 0 {
                s.push_str(&format!(" (last {n} of {})", msgs.len()));
            }
            s.push_str(":\n");
            for m in &msgs[skip..] {
                s.push_str(&transcript_line(m));
                s.push('\n');
            }
        }
        s.push_str(
            "\nWrite here to reply to the customer. /claim · /note <text> · /snippet <name> · /kb <entry> · /priority <level> · /tag <tags> · /close · /help",
        );
        Ok(s)
    }

    async fn handle_room(
        &self,
        ticket: Ticket,
        msg: Inbound,
        now: Timestamp,
    ) -> Result<Handled, EngineError> {
        let Some(customer) = self.store.customer(ticket.customer).await? else {
            return Err(
                StoreError::NotFound(format!("customer of ticket #{}", ticket.number)).into(),
            );
        };
        let _guard = self
            .locks
            .lock(format!("{}:{}", customer.platform, customer.user_id))
            .await;
        let is_customer =
            msg.from.platform == customer.platform && msg.from.user_id == customer.user_id;
        if is_customer {
            // The customer shares the room: record, relay nothing.
            let (body, files) = content_parts(&msg.content);
            let rec = self
                .store
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
            return Ok(if rec.is_some() {
                Handled::Done
            } else {
                Handled::Duplicate
            });
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
            .store
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
        let room = msg.at.clone();
        match command {
            None => {
                if ticket.status == TicketStatus::Closed {
                    let n = format!(
                        "Ticket #{} is closed: your message was kept as a note and not sent. Use /reopen to write to the customer.",
                        ticket.number
                    );
                    self.notice(&ticket, &room, &n, false).await;
                } else {
                    self.agent_reply(
                        &ticket,
                        &customer,
                        &agent,
                        &room,
                        body,
                        files,
                        Markup::Plain,
                        now,
                    )
                    .await?;
                }
            }
            Some(cmd) => {
                self.agent_command(&ticket, &customer, &agent, &room, cmd, now)
                    .await?;
            }
        }
        Ok(Handled::Done)
    }

    #[allow(clippy::too_many_arguments)]
    async fn agent_reply(
        &self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
        room: &Endpoint,
        body: String,
        files: Vec<Attachment>,
        markup: Markup,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        self.store.record_agent_reply(ticket.id, agent, now).await?;
        if ticket.first_response_at.is_none() {
            self.metrics
                .first_response((now.millis() - ticket.opened_at.millis()) as f64 / 1000.0);
        }
        if ticket.customer_in_room {
            return Ok(());
        }
        let label = self
            .texts
            .fill(&ticket.lang, Text::AgentSays, &[("agent", &agent.name)]);
        let msg = OutMessage {
            kind: MessageKind::AgentReply { agent: label },
            text: body,
            markup,
            buttons: Vec::new(),
            attachments: files,
            mention_agents: false,
        };
        let target = Customer {
            endpoint: ticket.customer_endpoint.clone(),
            ..customer.clone()
        };
        if !self
            .send_to_customer(&target, Some(ticket), &msg, &msg.text)
            .await
        {
            let n = "⚠ Your reply could not be delivered to the customer (see the log). It is recorded; please try again.";
            self.notice(ticket, room, n, false).await;
        }
        Ok(())
    }

    async fn agent_command(
        &self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
        room: &Endpoint,
        cmd: AgentCommand,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        let n = ticket.number;
        match cmd {
            AgentCommand::Claim => {
                let text = match self.store.claim_ticket(ticket.id, agent, now).await? {
                    ClaimOutcome::Claimed => {
                        let number = n.to_string();
                        let joined = self.texts.fill(
                            &ticket.lang,
                            Text::AgentJoined,
                            &[("agent", &agent.name), ("number", &number)],
                        );
                        if !ticket.customer_in_room {
                            let target = Customer {
                                endpoint: ticket.customer_endpoint.clone(),
                                ..customer.clone()
                            };
                            let m = OutMessage::plain(MessageKind::Bot, joined.clone());
                            self.send_to_customer(&target, Some(ticket), &m, &joined)
                                .await;
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
                self.notice(ticket, room, &text, false).await;
            }
            AgentCommand::Unclaim => {
                let text = if self.store.unclaim_ticket(ticket.id, agent, now).await? {
                    format!("{} released ticket #{n}.", agent.name)
                } else {
                    format!("You do not hold ticket #{n}.")
                };
                self.notice(ticket, room, &text, false).await;
            }
            AgentCommand::Note(text) => {
                if text.trim().is_empty() {
                    self.notice(ticket, room, "Usage: /note <text> (kept internal).", false)
                        .await;
                } else {
                    self.store
                        .add_event(ticket.id, EventKind::Note, Some(agent), "", now)
                        .await?;
                }
            }
            AgentCommand::Snippet(name) => {
                let lang = &ticket.lang;
                let found = self.cfg.snippets.get(&name).and_then(|by_lang| {
                    by_lang
                        .get(lang)
                        .or_else(|| by_lang.get(&self.cfg.conversation.default_language))
                        .or_else(|| by_lang.values().next())
                });
                match found {
                    Some(text) if !name.is_empty() => {
                        if ticket.status == TicketStatus::Closed {
                            self.notice(
                                ticket,
                                room,
                                "The ticket is closed; /reopen it first.",
                                false,
                            )
                            .await;
                        } else {
                            self.record_agent_text(ticket, customer, agent, text, now)
                                .await?;
                            self.agent_reply(
                                ticket,
                                customer,
                                agent,
                                room,
                                text.clone(),
                                Vec::new(),
                                Markup::Markdown,
                                now,
                            )
                            .await?;
                        }
                    }
                    _ => {
                        let names: Vec<&str> =
                            self.cfg.snippets.keys().map(String::as_str).collect();
                        let text = if names.is_empty() {
                            "No snippets are configured ([snippets] in frontdesk.toml).".to_owned()
                        } else {
                            format!("Usage: /snippet <name>. Snippets: {}", names.join(", "))
                        };
                        self.notice(ticket, room, &text, false).await;
                    }
                }
            }
            AgentCommand::Kb(id) => {
                let kb = self.kb();
                let entry = kb
                    .entry(&ticket.lang, &id)
                    .or_else(|| kb.entries().iter().find(|e| e.id == id));
                match entry {
                    Some(e) if ticket.status == TicketStatus::Open => {
                        let answer = e.answer.clone();
                        self.record_agent_text(ticket, customer, agent, &answer, now)
                            .await?;
                        self.agent_reply(
                            ticket,
                            customer,
                            agent,
                            room,
                            answer,
                            Vec::new(),
                            Markup::Markdown,
                            now,
                        )
                        .await?;
                    }
                    Some(_) => {
                        self.notice(
                            ticket,
                            room,
                            "The ticket is closed; /reopen it first.",
                            false,
                        )
                        .await;
                    }
                    None => {
                        let text = format!("No knowledge-base entry `{id}`. Usage: /kb <entry-id>");
                        self.notice(ticket, room, &text, false).await;
                    }
                }
            }
            AgentCommand::Close => {
                if self.store.close_ticket(ticket.id, Some(agent), now).await? {
                    info!(ticket = n, "closed");
                    self.store.survey_offered(ticket.id, now).await?;
                    let mut c = customer.clone();
                    if c.state == (ConversationState::InTicket { ticket: ticket.id }) {
                        self.set_state(
                            &mut c,
                            ConversationState::Closed {
                                ticket: ticket.id,
                                at: now,
                            },
                        )
                        .await?;
                    }
                    let number = n.to_string();
                    let body = self.texts.fill(
                        &ticket.lang,
                        Text::TicketClosedSurvey,
                        &[("number", &number)],
                    );
                    let buttons = (1..=5)
                        .map(|s| Button {
                            label: "⭐".repeat(s as usize),
                            payload: format!("rate:{}:{s}", ticket.id.0),
                        })
                        .collect();
                    let target = Customer {
                        endpoint: ticket.customer_endpoint.clone(),
                        ..c
                    };
                    let m = OutMessage::plain(MessageKind::Bot, body.clone()).with_buttons(buttons);
                    self.send_to_customer(&target, Some(ticket), &m, &body)
                        .await;
                    let text = format!(
                        "✅ {} closed ticket #{n}. The customer was sent the survey.",
                        agent.name
                    );
                    self.notice(ticket, room, &text, false).await;
                    self.room_action(ticket, room, RoomAction::Close).await;
                } else {
                    self.notice(
                        ticket,
                        room,
                        &format!("Ticket #{n} is already closed."),
                        false,
                    )
                    .await;
                }
            }
            AgentCommand::Reopen => {
                if self
                    .store
                    .reopen_ticket(ticket.id, Some(agent), now)
                    .await?
                {
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
                    self.room_action(ticket, room, RoomAction::Reopen).await;
                    let text = if ours {
                        format!("↩ {} reopened ticket #{n}.", agent.name)
                    } else {
                        format!(
                            "↩ {} reopened ticket #{n}. The customer has another ticket open now, so their new messages go there.",
                            agent.name
                        )
                    };
                    self.notice(ticket, room, &text, false).await;
                } else {
                    self.notice(ticket, room, &format!("Ticket #{n} is open."), false)
                        .await;
                }
            }
            AgentCommand::Priority(p) => match p.as_deref().and_then(Priority::parse) {
                Some(p) => {
                    self.store.set_priority(ticket.id, p, agent, now).await?;
                    let text = format!("Priority of #{n} set to {}.", p.as_str());
                    self.notice(ticket, room, &text, false).await;
                }
                None => {
                    self.notice(
                        ticket,
                        room,
                        "Usage: /priority low|normal|high|urgent",
                        false,
                    )
                    .await;
                }
            },
            AgentCommand::Tag(tags) => {
                if tags.is_empty() {
                    self.notice(ticket, room, "Usage: /tag <tag> [<tag> ...]", false)
                        .await;
                } else {
                    let all = self.store.add_tags(ticket.id, &tags, agent, now).await?;
                    let text = format!("Tags of #{n}: {}", all.join(", "));
                    self.notice(ticket, room, &text, false).await;
                }
            }
            AgentCommand::Transcript => {
                let msgs = self.store.ticket_messages(ticket.id).await?;
                let mut text = format!("Transcript of #{n} ({} messages):\n", msgs.len());
                for m in &msgs {
                    text.push_str(&transcript_line(m));
                    text.push('\n');
                }
                self.notice(ticket, room, &text, false).await;
            }
            AgentCommand::Help => {
                self.notice(ticket, room, AGENT_HELP, false).await;
            }
            AgentCommand::Unknown(c) => {
                let text = format!("Unknown command `{c}`.\n{AGENT_HELP}");
                self.notice(ticket, room, &text, false).await;
            }
        }
        Ok(())
    }

    /// Records text an agent sends through a command (snippet, kb) as their reply.
    async fn record_agent_text(
        &self,
        ticket: &Ticket,
        customer: &Customer,
        agent: &Agent,
        text: &str,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        self.store
            .record_message(&NewMessage {
                customer: customer.id,
                ticket: Some(ticket.id),
                author: AuthorKind::Agent,
                author_id: Some(agent.id.clone()),
                author_name: agent.name.clone(),
                body: text.to_owned(),
                attachments: Vec::new(),
                platform_msg: None,
                at: now,
            })
            .await?;
        Ok(())
    }

    /// Posts a notice in a ticket room.
    async fn notice(&self, ticket: &Ticket, room: &Endpoint, text: &str, mention: bool) {
        let mut msg = OutMessage::plain(MessageKind::Notice, text);
        msg.mention_agents = mention;
        self.send_logged(ticket, room, &msg).await;
    }

    /// Sends, and on failure logs with the ticket and records a `send_failed` event.
    async fn send_logged(&self, ticket: &Ticket, to: &Endpoint, msg: &OutMessage) -> bool {
        let result = match self.router.get(&to.platform) {
            Ok(ch) => ch.send(to, msg).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(_) => true,
            Err(e) => {
                self.send_failed(ticket, &format!("send to {to}"), &e).await;
                false
            }
        }
    }

    /// Closes or reopens a ticket room; a failure is logged and recorded like a failed send.
    async fn room_action(&self, ticket: &Ticket, room: &Endpoint, action: RoomAction) {
        let result = match self.router.get(&room.platform) {
            Ok(ch) => match action {
                RoomAction::Close => ch.close_room(room).await,
                RoomAction::Reopen => ch.reopen_room(room).await,
            },
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            let what = match action {
                RoomAction::Close => "close room",
                RoomAction::Reopen => "reopen room",
            };
            self.send_failed(ticket, what, &e).await;
        }
    }

    async fn send_failed(&self, ticket: &Ticket, what: &str, e: &ChannelError) {
        let platform = ticket
            .room
            .as_ref()
            .map_or_else(|| self.cfg.desk.endpoint().platform, |r| r.platform.clone());
        self.metrics.send_failure(&platform);
        error!(ticket = ticket.number, desk = %ticket.desk, error = %e, "{what} failed");
        let detail = format!("{what}: {e}");
        if let Err(se) = self
            .store
            .add_event(
                ticket.id,
                EventKind::SendFailed,
                None,
                &detail,
                self.clock.now(),
            )
            .await
        {
            error!(ticket = ticket.number, error = %se, "could not record the failed send");
        }
    }

    /// Periodic work: opens rooms that failed to open and sends due first-response reminders.
    /// Call it every few seconds; with several replicas each reminder is sent by one of them.
    pub async fn tick(&self) -> Result<TickReport, EngineError> {
        let now = self.clock.now();
        let mut report = TickReport::default();
        for t in self.store.tickets_without_room(&self.cfg.desk.name).await? {
            if self.open_room(&t).await? {
                report.rooms_opened += 1;
            }
        }
        let sla = &self.cfg.sla;
        if sla.first_response_minutes > 0 && sla.reminders > 0 {
            let target = sla.first_response_minutes * 60_000;
            let due = self
                .store
                .take_due_reminders(&self.cfg.desk.name, now, target, sla.reminders)
                .await?;
            for (t, level) in due {
                let waited = (now.millis() - t.opened_at.millis()) / 60_000;
                let text = if level <= 1 {
                    format!(
                        "⏰ Ticket #{} has waited {waited} min without a reply (target {} min).",
                        t.number, sla.first_response_minutes
                    )
                } else {
                    format!(
                        "⏰ Ticket #{} still has no reply after {waited} min (target {} min). Can someone take it?",
                        t.number, sla.first_response_minutes
                    )
                };
                self.store
                    .add_event(
                        t.id,
                        EventKind::Reminder,
                        None,
                        &format!("level {level}"),
                        now,
                    )
                    .await?;
                if let Some(room) = &t.room {
                    self.notice(&t, room, &text, level >= 2).await;
                }
                report.reminders += 1;
            }
        }
        Ok(report)
    }
}

/// How a button press reads in a transcript.
const PRESSED: &str = "[pressed: ";

/// A button press as agents read it in a transcript: what the button meant, not its payload.
fn pressed(payload: &str) -> String {
    let what = match Payload::parse(payload) {
        Some(Payload::Human) => "Talk to a person".to_owned(),
        Some(Payload::Solved(_)) => "Solved".to_owned(),
        Some(Payload::Unsolved(_)) => "Not solved, talk to a person".to_owned(),
        Some(Payload::Entry { id, .. }) => format!("did you mean `{id}`"),
        Some(Payload::Rate { score, .. }) => format!("rated {score}/5"),
        Some(Payload::NoComment(_)) => "no comment".to_owned(),
        Some(Payload::Claim(_)) => "Claim".to_owned(),
        None => format!("button {payload}"),
    };
    format!("{PRESSED}{what}]")
}

fn content_parts(c: &Content) -> (String, Vec<Attachment>) {
    match c {
        Content::Text(t) => (t.clone(), Vec::new()),
        Content::Button(p) => (pressed(p), Vec::new()),
        Content::Files { files, caption } => (caption.clone().unwrap_or_default(), files.clone()),
    }
}

/// One line of a transcript as agents read it.
pub fn transcript_line(m: &Message) -> String {
    let who = match m.author {
        AuthorKind::Customer => m.author_name.clone(),
        AuthorKind::Bot => "Bot".to_owned(),
        AuthorKind::Agent => format!("{} (agent)", m.author_name),
        AuthorKind::Note => format!("{} (internal note)", m.author_name),
        AuthorKind::System => format!("{} (command)", m.author_name),
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
        body = format!("{body} [files: {}]", names.join(", "))
            .trim()
            .to_owned();
    }
    format!("{who}: {}", truncate_chars(&body, 300))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_presses_read_as_what_they_meant() {
        assert_eq!(pressed("human"), "[pressed: Talk to a person]");
        assert_eq!(
            pressed("unsolved:3"),
            "[pressed: Not solved, talk to a person]"
        );
        assert_eq!(pressed("rate:7:4"), "[pressed: rated 4/5]");
        assert_eq!(
            pressed("kb:lt:order-status"),
            "[pressed: did you mean `order-status`]"
        );
        assert_eq!(pressed("zzz"), "[pressed: button zzz]");
        assert!(pressed("solved:1").starts_with(PRESSED));
    }

    #[test]
    fn payloads_round_trip() {
        assert_eq!(Payload::parse("human"), Some(Payload::Human));
        assert_eq!(Payload::parse("solved:12"), Some(Payload::Solved(12)));
        assert_eq!(Payload::parse("unsolved:3"), Some(Payload::Unsolved(3)));
        assert_eq!(
            Payload::parse("rate:9:4"),
            Some(Payload::Rate {
                ticket: TicketId(9),
                score: 4
            })
        );
        assert_eq!(
            Payload::parse("kb:lt:order-status"),
            Some(Payload::Entry {
                lang: "lt".into(),
                id: "order-status".into()
            })
        );
        assert_eq!(Payload::parse("solved:x"), None);
        assert_eq!(Payload::parse("bogus"), None);
    }

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

    #[test]
    fn typed_scores() {
        assert_eq!(typed_score("4"), Some(4));
        assert_eq!(typed_score(" 5/5 "), Some(5));
        assert_eq!(typed_score("6"), None);
        assert_eq!(typed_score("4 stars but slow"), None);
    }
}

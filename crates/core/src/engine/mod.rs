//! The Engine: one customer conversation and one ticket's life, platform-free.
//!
//! Adapters turn platform updates into [`Inbound`] and call [`Engine::handle`]. Each update is
//! handled as **one unit of work** ([`unit`]): everything the Engine decides — customer state,
//! messages, ticket changes, bot-reply records — and every message it wants sent (written to
//! the outbox) commit together in one Store transaction, or not at all, in which case the
//! update is handled afresh when the platform delivers it again. The outbox is then delivered
//! by [`Engine::dispatch_due`] ([`dispatch`]), right after the unit and periodically.
//!
//! Where things are:
//! - [`customer`]: a customer's message or button press (answer, suggest, escalate, survey);
//! - [`room`]: a message in a ticket room (agent replies, notes, the room summary);
//! - [`commands`]: one function per agent command;
//! - [`payload`]: button payloads, formatted and parsed in one place;
//! - [`dispatch`]: delivering the outbox, and what each permanent failure leads to;
//! - [`flood`]: the per-customer flood limit;
//! - [`reachability`]: a customer blocked or unblocked the bot;
//! - [`privacy`]: agents blocking a customer, erasure of a customer's data, retention;
//! - [`take`]: how adapters hand updates over (attempts, then the dead letters).
//!
//! See DESIGN.md, "Conversation flow".

mod acks;
mod commands;
mod customer;
mod dispatch;
mod flood;
mod followups;
mod handover;
mod payload;
mod prepare;
mod privacy;
mod reachability;
mod room;
mod survey;
mod take;
mod unit;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use frontdesk_kb::Kb;
use frontdesk_kb::intents::{Intent, Intents};
use tracing::{debug, instrument, warn};

use crate::config::EngineConfig;
use crate::fold::fold;
use crate::hours::SupportHours;
use crate::metrics::Metrics;
use crate::ports::{Clock, Router, Store, StoreError};
use crate::texts::{Audience, BUILTIN_LANGUAGES, Text, Texts, TextsError};
use crate::types::*;

pub use commands::AgentCommand;
pub use dispatch::DispatchReport;
pub use room::{transcript_line, transcript_line_in};
pub use take::HANDLE_ATTEMPTS;

use flood::FloodGuard;
use unit::Unit;

/// Longest query text handed to the matcher; the full message is still recorded.
const MAX_QUERY_CHARS: usize = 1000;
/// Longest ticket subject.
const MAX_SUBJECT_CHARS: usize = 80;

/// An error the Engine could not handle by itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The Store failed; the update was not processed (its unit of work rolled back) and may
    /// be retried.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl From<TextsError> for EngineError {
    fn from(e: TextsError) -> Self {
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
    /// First-response reminders decided.
    pub reminders: usize,
    /// Next-response reminders decided (a customer waits on the agents again).
    pub next_reminders: usize,
    /// Customers reminded after staying silent since an agent reply.
    pub nudges: usize,
    /// Tickets that closed themselves after the customer's silence.
    pub auto_closed: usize,
    /// Outbox rows delivered.
    pub delivered: usize,
    /// Tickets whose transcript the retention policy erased.
    pub erased: usize,
}

/// The conversation and ticket engine. Cheap to share: wrap it in an `Arc`.
pub struct Engine {
    cfg: EngineConfig,
    texts: Texts,
    /// The desk's support hours (always open when not configured).
    hours: SupportHours,
    /// Requests for a person and "that did not help", built in and configured.
    intents: Intents,
    greetings: Vec<(String, String)>,
    thanks: Vec<(String, String)>,
    store: Arc<dyn Store>,
    router: Router,
    clock: Arc<dyn Clock>,
    kb: RwLock<Arc<Kb>>,
    flood: FloodGuard,
    metrics: Arc<Metrics>,
    /// Who this Engine is when it claims outbox rows (unique per process and Engine).
    holder: String,
    /// Deliveries waiting to be recorded in a group.
    acks: acks::Acks,
}

/// Cuts `s` to `n` characters, marking the cut with an ellipsis.
fn truncate_chars(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// `s` with every run of whitespace (newlines included) made one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
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

/// The unit-of-work key of a customer: their units run one at a time, on every replica.
fn customer_key(platform: &Platform, user_id: &str) -> String {
    format!("customer:{platform}:{user_id}")
}

impl Engine {
    /// Builds an Engine. Fails on invalid configuration (an unknown text key or placeholder, a
    /// desk language without texts, thresholds out of order).
    pub fn new(
        cfg: EngineConfig,
        store: Arc<dyn Store>,
        router: Router,
        clock: Arc<dyn Clock>,
        kb: Kb,
    ) -> Result<Engine, EngineError> {
        let texts = Texts::with_overrides(&cfg.texts)?;
        let desk_lang = &cfg.desk.lang;
        let missing = texts.missing(desk_lang, Audience::Desk);
        if !missing.is_empty() {
            return Err(EngineError::Config(format!(
                "desk.lang = {desk_lang:?} has no built-in texts (built in: {}); give every desk text in [texts.{desk_lang}] (missing: {})",
                BUILTIN_LANGUAGES.join(", "),
                missing.join(", ")
            )));
        }
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
        if cfg.outbox.retry_horizon_minutes < 0 || cfg.outbox.claim_seconds <= 0 {
            return Err(EngineError::Config(format!(
                "outbox.retry_horizon_minutes ({}) must be >= 0 and outbox.claim_seconds ({}) > 0",
                cfg.outbox.retry_horizon_minutes, cfg.outbox.claim_seconds
            )));
        }
        let hours = cfg.support_hours().map_err(EngineError::Config)?;
        if cfg.retention.days < 0 {
            return Err(EngineError::Config(format!(
                "retention.days ({}) must be >= 0 (0 keeps transcripts)",
                cfg.retention.days
            )));
        }
        let by_lang = |m: &std::collections::BTreeMap<String, Vec<String>>| {
            m.iter()
                .flat_map(|(lang, ps)| ps.iter().map(move |p| (fold(p), lang.clone())))
                .filter(|(p, _)| !p.is_empty())
                .collect::<Vec<_>>()
        };
        static ENGINES: AtomicU64 = AtomicU64::new(0);
        let holder = format!(
            "{}-{}-{}",
            std::process::id(),
            clock.now().millis(),
            ENGINES.fetch_add(1, Ordering::Relaxed)
        );
        Ok(Engine {
            greetings: by_lang(&cfg.conversation.greetings),
            thanks: by_lang(&cfg.conversation.thanks),
            intents: build_intents(&cfg.conversation),
            texts,
            hours,
            cfg,
            store,
            router,
            clock,
            kb: RwLock::new(Arc::new(kb)),
            flood: FloodGuard::default(),
            metrics: Arc::new(Metrics::default()),
            holder,
            acks: acks::Acks::default(),
        })
    }

    /// A text for the agents, in the desk's language, with its placeholders filled.
    fn desk_text(&self, text: Text, vars: &[(&str, &str)]) -> String {
        self.texts.fill(&self.cfg.desk.lang, text, vars)
    }

    /// The desk's support hours (as configured in `[desk.hours]`).
    pub fn hours(&self) -> &SupportHours {
        &self.hours
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

    /// The Engine's live metrics (served at `/metrics` by `frontdesk run`).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Handles one inbound update in one unit of work, then delivers what it decided to send.
    ///
    /// A replay of an update whose unit committed changes nothing ([`Handled::Duplicate`]).
    /// On an error nothing of the update was kept: the adapter may hand it again (and should,
    /// after a pause, until it succeeds or [`Engine::dead_letter`] keeps it).
    #[instrument(skip_all, fields(platform = %msg.from.platform, user = %msg.from.user_id, id = %msg.platform_msg_id))]
    pub async fn handle(&self, msg: Inbound) -> Result<Handled, EngineError> {
        let msg = msg.sanitized();
        let now = self.clock.now();
        // Most updates are a customer writing to the bot: their unit is keyed by them. An
        // update in a ticket room is keyed by the ticket's customer instead, so that it never
        // interleaves with that customer's own updates; the unit is then begun again.
        let sender = customer_key(&msg.from.platform, &msg.from.user_id);
        let (mut u, begun) = Unit::begin_customer(self, &sender, &msg.from, &msg.at, now).await?;
        let mut room_ticket = begun.room;
        if let Some(t) = &room_ticket {
            let Some(c) = u.tx.customer(t.customer).await? else {
                return Err(
                    StoreError::NotFound(format!("customer of ticket #{}", t.number)).into(),
                );
            };
            let key = customer_key(&c.platform, &c.user_id);
            if key != sender {
                drop(u);
                u = Unit::begin(self, &key, now).await?;
                room_ticket = u.tx.ticket_by_room(&msg.at).await?;
            }
        }
        let handled = match room_ticket {
            Some(t) => u.handle_room(t, &msg).await?,
            None => {
                let desk = self.cfg.desk.endpoint();
                if msg.at.platform == desk.platform && msg.at.chat_id == desk.chat_id {
                    debug!("message in the desk chat outside a ticket room: ignored");
                    return Ok(Handled::Ignored);
                }
                let known = begun
                    .customer
                    .filter(|c| c.is_unchanged(&msg.from, &msg.at));
                u.handle_customer(&msg, known, begun.ticket).await?
            }
        };
        if handled != Handled::Done {
            // Nothing to keep: dropping the unit rolls back what it read and wrote.
            return Ok(handled);
        }
        u.commit().await?;
        Ok(handled)
    }

    /// Keeps an update that could not be handled after the adapter's retries (bad bytes, a
    /// bug): the raw update and the error go to the dead letters, visible to the team, and a
    /// customer is told that their message reached us. Returns false when the update was kept
    /// before. Fails only when the Store does: then the update must not be acknowledged.
    pub async fn dead_letter(&self, msg: &Inbound, error: &str) -> Result<bool, EngineError> {
        let msg = msg.clone().sanitized();
        let now = self.clock.now();
        warn!(platform = %msg.from.platform, id = %msg.platform_msg_id, %error, "update kept as a dead letter");
        let key = customer_key(&msg.from.platform, &msg.from.user_id);
        let mut u = Unit::begin(self, &key, now).await?;
        if !u.tx.record_dead_letter(&msg, error, now).await? {
            return Ok(false);
        }
        let in_room = u.tx.ticket_by_room(&msg.at).await?.is_some();
        let desk = self.cfg.desk.endpoint();
        let in_desk = msg.at.platform == desk.platform && msg.at.chat_id == desk.chat_id;
        if msg.from.role == Role::Customer && !in_room && !in_desk {
            let lang = self.cfg.conversation.default_language.clone();
            let body = self.texts.fill(&lang, Text::HandoffDelayed, &[]);
            let out = OutMessage::markdown(MessageKind::Bot, body);
            u.send_to(&msg.at, None, out).await?;
        }
        u.commit().await?;
        self.metrics.dead_letter(&msg.from.platform);
        Ok(true)
    }

    /// Periodic work: follow-ups (automatic closes and reminders to silent customers, first-
    /// and next-response reminders; each decided by one replica, see [`followups`]), the
    /// retention policy (each transcript erased by one replica), then delivery of the outbox
    /// rows that are due. Call it every few seconds.
    pub async fn tick(&self) -> Result<TickReport, EngineError> {
        let now = self.clock.now();
        let mut report = self.follow_up(now).await?;
        report.erased = self.apply_retention(now).await?;
        report.delivered = self.dispatch_due().await?.delivered;
        let keep = self.cfg.outbox.keep_delivered_days;
        if keep > 0 {
            self.store
                .prune_delivered(now.plus_millis(-keep * 86_400_000))
                .await?;
        }
        Ok(report)
    }
}

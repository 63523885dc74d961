//! Frontdesk's Telegram adapter, built on teloxide.
//!
//! Customers write to the bot in private chats; the support desk is a forum supergroup where
//! every ticket is a forum topic and every member is an agent. The adapter has two halves:
//!
//! - outbound, [`TelegramAdapter::channel`]: the core's [`Channel`] for
//!   [`frontdesk_core::Platform::telegram`]. It renders messages as Telegram HTML (trusted
//!   Markdown converted, everything else, customer text above all, escaped so it cannot format,
//!   link or mention), buttons as inline keyboards, re-sends Telegram files by file id (files
//!   from other platforms become links), splits texts longer than a message, and manages forum
//!   topics (create, rename, close, reopen). Requests are rate-limited ahead of Telegram's
//!   flood limits: messages to one private chat at about 1 a second (bursts of 3), to one
//!   group at 20 a minute (the desk's topics all share it), and every request spaced to about
//!   30 a second overall; a message waiting for its chat's limit does not hold up other chats.
//!   A 429 flood-limit answer that gets through anyway is waited out and the request retried
//!   (up to 5 times), never dropped.
//! - inbound, [`TelegramAdapter::run`]: long-polls `getUpdates`, turns messages (text, photo,
//!   document) and button presses into [`Inbound`] values for [`Engine::handle`], and stores
//!   the update offset in the Store (cursor [`OFFSET_CURSOR`]) after each update, so a restart
//!   neither replays nor skips. The idempotency keys (`chat_id:message_id`, the callback query
//!   id) make a redelivered update change nothing. Button presses are answered at once and
//!   their keyboard removed. Groups other than the desk are ignored.
//!
//! # Setting up the desk
//!
//! 1. Create a supergroup, turn on *Topics*, add the agents.
//! 2. Add the bot as an administrator with the *Manage topics* right (administrators also
//!    receive every message, whatever the bot's privacy mode).
//! 3. Put the group's id (`-100…`) in the Engine's desk (`DeskConfig { platform: "telegram",
//!    chat_id: "-100…" }`); [`TelegramConfig::desk_chat_id`] defaults to it.
//! 4. Telegram has no role mentions: [`TelegramConfig::agent_mention`] is text such as
//!    `@alice @bob` appended to messages that ping the agents.
//!
//! Only one process may call `getUpdates` per bot: run [`TelegramAdapter::run`] under
//! [`frontdesk_core::run_exclusive`] when several replicas share a database.
//!
//! ```no_run
//! # async fn demo(engine: std::sync::Arc<frontdesk_core::Engine>, stop: frontdesk_core::lease::StopSignal) {
//! use frontdesk_telegram::{TelegramAdapter, TelegramConfig};
//! let adapter = TelegramAdapter::new(TelegramConfig {
//!     token: "123:abc".into(),
//!     api_url: None,
//!     desk_chat_id: Some(-1001234567890),
//!     agent_mention: Some("@support_team".into()),
//!     poll_timeout_secs: 25,
//! })
//! .unwrap();
//! // Put `adapter.channel()` into the Router before building the Engine, then:
//! adapter.run(engine, stop).await.unwrap();
//! # }
//! ```

mod channel;
mod inbound;
mod limit;
mod render;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use frontdesk_core::lease::StopSignal;
use frontdesk_core::{
    Channel, Content, Engine, EngineError, Handled, Inbound, Platform, Role, StoreError,
};
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, CallbackQuery, Update, UpdateKind};
use teloxide::{ApiError, RequestError};
use tracing::{debug, error, info, warn};

use crate::channel::{TelegramChannel, not_modified};
use crate::inbound::{Origin, Skip, message_to_inbound, origin, party, topic_of};

/// The Store cursor holding the next `getUpdates` offset (last processed update id + 1).
pub const OFFSET_CURSOR: &str = "telegram.offset";

/// How often a failed update is tried before it is skipped.
const HANDLE_ATTEMPTS: u32 = 3;
/// Longest pause between failed `getUpdates` calls.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Settings of the Telegram adapter (deserialisable, e.g. from a `[telegram]` TOML table;
/// missing fields take the defaults).
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramConfig {
    /// The bot token from @BotFather.
    pub token: String,
    /// The Bot API server, e.g. `http://127.0.0.1:8081` (a local Bot API server or a test
    /// fake); `None` means `https://api.telegram.org`.
    pub api_url: Option<String>,
    /// The forum supergroup where tickets become topics; its members are agents. When `None`,
    /// the Engine's desk chat is used if that desk is on Telegram; otherwise every group is
    /// ignored.
    pub desk_chat_id: Option<i64>,
    /// Text put in messages that ping the agents (summaries, reminders), e.g. `@support_team`.
    pub agent_mention: Option<String>,
    /// Long-polling timeout of `getUpdates`, in seconds.
    pub poll_timeout_secs: u32,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            token: String::new(),
            api_url: None,
            desk_chat_id: None,
            agent_mention: None,
            poll_timeout_secs: 25,
        }
    }
}

impl fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("token", &"<redacted>")
            .field("api_url", &self.api_url)
            .field("desk_chat_id", &self.desk_chat_id)
            .field("agent_mention", &self.agent_mention)
            .field("poll_timeout_secs", &self.poll_timeout_secs)
            .finish()
    }
}

/// An error of the Telegram adapter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TelegramError {
    /// The configuration is unusable (empty token, bad API URL, ...).
    #[error("invalid Telegram configuration: {0}")]
    Config(String),
    /// Telegram refused the bot (invalid token).
    #[error("Telegram refused the bot: {0}")]
    Api(#[source] RequestError),
    /// The Store failed while reading the update offset.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The Telegram adapter: the outbound [`Channel`] and the long-polling loop.
pub struct TelegramAdapter {
    bot: Bot,
    cfg: TelegramConfig,
    channel: Arc<TelegramChannel>,
}

impl fmt::Debug for TelegramAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramAdapter")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl TelegramAdapter {
    /// Builds the adapter (no network access yet).
    pub fn new(cfg: TelegramConfig) -> Result<TelegramAdapter, TelegramError> {
        if cfg.token.trim().is_empty() {
            return Err(TelegramError::Config("the bot token is empty".into()));
        }
        // The HTTP timeout must exceed the long-polling timeout.
        let client = teloxide::net::default_reqwest_settings()
            .timeout(Duration::from_secs(u64::from(cfg.poll_timeout_secs) + 15))
            .build()
            .map_err(|e| TelegramError::Config(format!("HTTP client: {e}")))?;
        let mut bot = Bot::with_client(cfg.token.trim(), client);
        if let Some(url) = cfg.api_url.as_deref().filter(|u| !u.trim().is_empty()) {
            let parsed = url
                .trim()
                .trim_end_matches('/')
                .parse()
                .map_err(|e| TelegramError::Config(format!("api_url {url:?}: {e}")))?;
            bot = bot.set_api_url(parsed);
        }
        let channel = TelegramChannel::new(bot.clone(), cfg.agent_mention.clone());
        Ok(TelegramAdapter { bot, cfg, channel })
    }

    /// The [`Channel`] for [`frontdesk_core::Platform::telegram`]: put it into the Engine's Router.
    pub fn channel(&self) -> Arc<dyn Channel> {
        self.channel.clone()
    }

    /// Long-polls Telegram and hands every update to `engine` until `stop` resolves. Returns
    /// an error only when the bot cannot work at all (token refused, Store unreadable at
    /// start); network failures are retried with a backoff.
    pub async fn run(
        &self,
        engine: Arc<Engine>,
        mut stop: StopSignal,
    ) -> Result<(), TelegramError> {
        let store = engine.store().clone();
        let mut offset: Option<i32> = store
            .cursor(OFFSET_CURSOR)
            .await?
            .and_then(|s| s.trim().parse().ok());

        let me = tokio::select! {
            biased;
            () = &mut stop => return Ok(()),
            r = self.bot.get_me().send() => r,
        };
        let bot_name = match me {
            Ok(me) => {
                info!(bot = %me.username(), offset, "Telegram polling started");
                Some(me.username().to_owned())
            }
            Err(e @ RequestError::Api(ApiError::InvalidToken)) => {
                return Err(TelegramError::Api(e));
            }
            Err(e) => {
                warn!(error = %e, "getMe failed; polling anyway");
                None
            }
        };
        let ctx = PollContext {
            desk: self.desk_chat(&engine),
            bot_name,
        };
        // getUpdates is refused while a webhook is set; pending updates are kept.
        if let Err(e) = self.bot.delete_webhook().send().await {
            warn!(error = %e, "deleteWebhook failed");
        }

        let mut backoff = Duration::from_secs(1);
        loop {
            let mut req = self
                .bot
                .get_updates()
                .timeout(self.cfg.poll_timeout_secs)
                .allowed_updates([AllowedUpdate::Message, AllowedUpdate::CallbackQuery]);
            if let Some(o) = offset {
                req = req.offset(o);
            }
            let res = tokio::select! {
                biased;
                () = &mut stop => return Ok(()),
                r = req.send() => r,
            };
            let updates = match res {
                Ok(u) => {
                    backoff = Duration::from_secs(1);
                    u
                }
                Err(e) => {
                    let wait = match &e {
                        RequestError::RetryAfter(s) => s.duration(),
                        RequestError::Api(ApiError::InvalidToken) => {
                            return Err(TelegramError::Api(e));
                        }
                        _ => {
                            let w = backoff;
                            backoff = (backoff * 2).min(MAX_BACKOFF);
                            w
                        }
                    };
                    warn!(error = %e, wait_secs = wait.as_secs(), "getUpdates failed");
                    tokio::select! {
                        biased;
                        () = &mut stop => return Ok(()),
                        () = tokio::time::sleep(wait) => continue,
                    }
                }
            };
            for update in updates {
                let next = i32::try_from(update.id.0)
                    .unwrap_or(i32::MAX)
                    .saturating_add(1);
                self.process(&engine, update, &ctx).await;
                offset = Some(next);
                if let Err(e) = store.set_cursor(OFFSET_CURSOR, &next.to_string()).await {
                    // Not fatal: a replay after a restart changes nothing (idempotency keys).
                    warn!(error = %e, "could not store the Telegram offset");
                }
                if stopped(&mut stop) {
                    return Ok(());
                }
            }
        }
    }

    /// Handles one update; never fails (errors are logged).
    /// The desk group: the configured one, else the Engine's desk when it is on Telegram.
    fn desk_chat(&self, engine: &Engine) -> Option<i64> {
        let desk = &engine.config().desk;
        let engine_desk = (desk.platform == Platform::telegram().as_str())
            .then(|| desk.chat_id.trim().parse::<i64>().ok())
            .flatten();
        match (self.cfg.desk_chat_id, engine_desk) {
            (Some(a), Some(b)) if a != b => {
                warn!(
                    telegram_desk = a,
                    engine_desk = b,
                    "the Telegram desk_chat_id differs from the Engine's desk chat: tickets open in the Engine's, agents are recognised in the Telegram one"
                );
                Some(a)
            }
            (Some(a), _) => Some(a),
            (None, b) => b,
        }
    }

    async fn process(&self, engine: &Engine, update: Update, ctx: &PollContext) {
        let id = update.id.0;
        match update.kind {
            UpdateKind::Message(msg) => {
                match message_to_inbound(&msg, ctx.desk, ctx.bot_name.as_deref()) {
                    Ok(inbound) => self.handle(engine, inbound).await,
                    Err(Skip::OtherChat(chat)) => {
                        debug!(
                            update = id,
                            chat, "message from a chat that is not the desk: ignored"
                        );
                    }
                    Err(skip) => debug!(update = id, ?skip, "message ignored"),
                }
            }
            UpdateKind::CallbackQuery(q) => self.on_callback(engine, q, ctx).await,
            _ => debug!(update = id, "update kind not handled: ignored"),
        }
    }

    /// Hands an inbound update to the Engine, retrying a few times when the Store fails.
    async fn handle(&self, engine: &Engine, inbound: Inbound) {
        for attempt in 1..=HANDLE_ATTEMPTS {
            match engine.handle(inbound.clone()).await {
                Ok(Handled::Done) => return,
                Ok(Handled::Duplicate) => {
                    debug!(id = %inbound.platform_msg_id, "duplicate update: nothing changed");
                    return;
                }
                Ok(Handled::Ignored) => {
                    debug!(id = %inbound.platform_msg_id, "update ignored by the Engine");
                    return;
                }
                Err(e @ EngineError::Store(_)) if attempt < HANDLE_ATTEMPTS => {
                    warn!(id = %inbound.platform_msg_id, attempt, error = %e, "handling failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
                Err(e) => {
                    error!(id = %inbound.platform_msg_id, error = %e, "handling failed; update skipped");
                    return;
                }
            }
        }
    }

    /// A button press: answered at once, its keyboard removed, then handed to the Engine.
    async fn on_callback(&self, engine: &Engine, q: CallbackQuery, ctx: &PollContext) {
        if let Err(e) = self
            .channel
            .call(
                "answerCallbackQuery",
                self.bot.answer_callback_query(q.id.clone()),
            )
            .await
        {
            warn!(error = %e, "answerCallbackQuery failed");
        }
        let (Some(data), Some(message)) = (q.data.clone(), q.message.as_ref()) else {
            debug!("button press without data or message: ignored");
            return;
        };
        let chat = message.chat();
        let thread = message.regular_message().and_then(topic_of);
        let (at, role) = match origin(chat, thread, ctx.desk) {
            Origin::Customer(at) => (at, Role::Customer),
            Origin::Desk(at) => (at, Role::Agent),
            Origin::Other => {
                debug!(
                    chat = chat.id.0,
                    "button press in a chat that is not the desk: ignored"
                );
                return;
            }
        };
        // Remove the keyboard so the choice cannot be made twice.
        match self
            .channel
            .call(
                "editMessageReplyMarkup",
                self.bot.edit_message_reply_markup(chat.id, message.id()),
            )
            .await
        {
            Ok(_) => {}
            Err(e) if not_modified(&e) => {}
            Err(e) => warn!(error = %e, "could not remove the keyboard"),
        }
        let inbound = Inbound {
            platform_msg_id: q.id.0.clone(),
            from: party(&q.from, role),
            at,
            content: Content::Button(data),
        };
        self.handle(engine, inbound).await;
    }
}

/// What the polling loop learned at start.
struct PollContext {
    /// The desk group's chat id.
    desk: Option<i64>,
    /// The bot's username (for `/command@bot`).
    bot_name: Option<String>,
}

/// Whether `stop` has resolved, without waiting.
fn stopped(stop: &mut StopSignal) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    matches!(stop.as_mut().poll(&mut cx), Poll::Ready(()))
}

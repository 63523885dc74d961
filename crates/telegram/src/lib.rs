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
//!   document) and button presses into [`Inbound`] values for [`Engine::handle`]. Updates are
//!   handled concurrently across chats and in order within one: each chat (the chat of the
//!   message, or of the message a button belongs to) has its own queue, served by its own
//!   task while it has work (at most 256 updates queued in all; beyond that polling waits), so
//!   a message waiting for the desk group's rate limit does not hold up other customers. The
//!   update offset is stored in the Store (cursor [`OFFSET_CURSOR`]) and given to
//!   `getUpdates` only once every update below it has been handled, so a restart skips
//!   nothing; an update handled but not yet passed by the offset comes again, and the
//!   idempotency keys (`chat_id:message_id`, the callback query id) make a redelivered update
//!   change nothing. (While an update is in progress, `getUpdates` sees at most 100 updates
//!   from it on.) When `stop` resolves, polling stops, the queued updates are finished (for
//!   at most 10 s) and the final offset stored. Button presses are answered at once and
//!   their keyboard removed. Groups other than the desk are ignored. Alternatively, with
//!   [`TelegramConfig::webhook`] set, Telegram posts the updates to an HTTP endpoint the
//!   adapter serves (see [Webhook mode](#webhook-mode)).
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
//! # Telegram Business
//!
//! Customers may also write to a company's own Telegram account with the bot connected to it
//! as a business chatbot (Business Mode on in @BotFather; in the account, *Settings →
//! Telegram Business → Chatbots*, with the right to reply). Such a customer is served like a
//! private-chat customer (answers, handoff, relay, survey; agents work in the same desk) and
//! every message to them is sent with the connection's `business_connection_id`; their
//! [`Endpoint`](frontdesk_core::Endpoint) carries it as `thread_id = "business:<id>"`.
//! `business_connection` updates are recorded in the Store (cursor
//! [`BUSINESS_CURSOR_PREFIX`]`<id>`) and read before every send through a connection: a
//! disabled connection, or one without the right to reply, sends nothing, and the message
//! fails as unreachable (recorded on the ticket, the agents told). A connection never
//! recorded is asked for with `getBusinessConnection`. Messages the account itself sends in
//! the chat (its owner typing) are not the customer's and are ignored.
//!
//! Only one process may call `getUpdates` per bot: in polling mode (the default) run
//! [`TelegramAdapter::run`] under [`frontdesk_core::run_exclusive`] when several replicas
//! share a database.
//!
//! # Webhook mode
//!
//! With [`TelegramConfig::webhook`] set, [`TelegramAdapter::run`] does not poll. It calls
//! `setWebhook` (the public [`WebhookConfig::url`], the [`WebhookConfig::secret`] as
//! `secret_token`, messages and button presses only, pending updates kept), serves
//! `POST <path of the url>` on [`WebhookConfig::listen`] and hands every update to the
//! Engine the same way polling does:
//!
//! - a request without the secret in the `X-Telegram-Bot-Api-Secret-Token` header is refused
//!   with 401 and changes nothing; a body that is not an update gets 400;
//! - an update is answered with 200 only once the Engine has taken it (or ignored it, or it
//!   is not for Frontdesk); when the Store keeps failing the answer is 500, and Telegram
//!   delivers the update again later;
//! - a redelivered update changes nothing (the same idempotency keys as polling:
//!   `chat_id:message_id`, the callback query id); the update offset cursor is not used;
//! - when `stop` resolves the server stops accepting, finishes the requests in progress
//!   (for at most 10 s) and `run` returns. The webhook is **not** deleted: other replicas
//!   keep receiving;
//! - slow, idle or too many clients cannot hold the endpoint ([`HttpLimits`], default
//!   10 s for a request's headers and for its body, 256 connections, 64 requests in
//!   flight; [`TelegramAdapter::with_webhook_limits`] changes them): a connection whose
//!   headers or body do not arrive in time is closed (408 for the body); at the connection
//!   limit a new connection takes the place of the oldest one that is not in a request;
//!   a connection while every one is in a request, and a request over the in-flight limit,
//!   are answered 503 at once, and Telegram delivers the update again later. [`TelegramAdapter::with_webhook_listener`]
//!   serves a socket bound already instead of binding [`WebhookConfig::listen`]. The same
//!   server ([`serve_http`]) serves the bot's `/metrics`.
//!
//! No lease is needed: several replicas behind one load balancer can all serve the webhook
//! at once, each calling `setWebhook` with the same settings at start (Telegram keeps the
//! last, identical, registration) and each handling whatever requests reach it. Telegram may
//! send several updates at once (up to 40 connections). Terminate TLS in front of the
//! adapter: it serves plain HTTP, and Telegram only posts to HTTPS URLs (ports 443, 80, 88
//! or 8443). To go back to polling, remove the setting: polling calls `deleteWebhook` at
//! start.
//!
//! ```no_run
//! # async fn demo(engine: std::sync::Arc<frontdesk_core::Engine>, stop: frontdesk_core::StopSignal) {
//! use frontdesk_telegram::{TelegramAdapter, TelegramConfig};
//! let adapter = TelegramAdapter::new(TelegramConfig {
//!     token: "123:abc".into(),
//!     api_url: None,
//!     desk_chat_id: Some(-1001234567890),
//!     agent_mention: Some("@support_team".into()),
//!     poll_timeout_secs: 25,
//!     webhook: None,
//! })
//! .unwrap();
//! // Put `adapter.channel()` into the Router before building the Engine, then:
//! adapter.run(engine, stop).await.unwrap();
//! # }
//! ```
//!
//! The same adapter in webhook mode:
//!
//! ```no_run
//! use frontdesk_telegram::{TelegramAdapter, TelegramConfig, WebhookConfig};
//! let adapter = TelegramAdapter::new(TelegramConfig {
//!     token: "123:abc".into(),
//!     webhook: Some(WebhookConfig {
//!         url: "https://bot.example.com/telegram".into(),
//!         listen: "0.0.0.0:8080".parse().unwrap(),
//!         secret: "a-long-random-secret_123".into(),
//!     }),
//!     ..TelegramConfig::default()
//! })
//! .unwrap();
//! ```

mod business;
mod channel;
mod dispatch;
mod inbound;
mod limit;
mod render;
mod webhook;

pub use business::CURSOR_PREFIX as BUSINESS_CURSOR_PREFIX;
pub use webhook::{HttpLimits, serve_http};

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::StopSignal;
use frontdesk_core::{Channel, Content, Engine, Inbound, Platform, Role, Store, StoreError};
use teloxide::payloads::EditMessageReplyMarkupSetters;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, BusinessConnection, CallbackQuery, Update, UpdateKind};
use teloxide::{ApiError, RequestError};
use tracing::{debug, info, warn};

use crate::business::{ConnectionState, Connections};
use crate::channel::{TelegramChannel, not_modified};
use crate::dispatch::Dispatcher;
use crate::inbound::{
    Origin, Skip, business_message_to_inbound, message_to_inbound, origin, party, topic_of,
};

/// The Store cursor holding the next `getUpdates` offset (last processed update id + 1).
pub const OFFSET_CURSOR: &str = "telegram.offset";

/// Longest pause between failed `getUpdates` calls.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// At stop, the longest wait for the updates still queued to be handled.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// When `getUpdates` offers only updates still being handled, the pause before asking again
/// (unless one is done sooner).
const REPOLL: Duration = Duration::from_millis(300);

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
    /// Receive updates by webhook instead of long polling (`None`, the default, polls).
    pub webhook: Option<WebhookConfig>,
}

/// Settings of webhook mode (see [the crate docs](crate#webhook-mode)).
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The public HTTPS URL Telegram posts updates to, e.g. `https://bot.example.com/telegram`
    /// (usually a reverse proxy or load balancer in front of [`WebhookConfig::listen`]). Its
    /// path is the path the adapter serves.
    pub url: String,
    /// The local address the adapter's HTTP server binds, e.g. `0.0.0.0:8080`.
    pub listen: std::net::SocketAddr,
    /// The `secret_token` registered with Telegram, sent back in the
    /// `X-Telegram-Bot-Api-Secret-Token` header of every update; requests without it are
    /// refused with 401. 1 to 256 characters among `A-Z`, `a-z`, `0-9`, `_` and `-`.
    pub secret: String,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("listen", &self.listen)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            token: String::new(),
            api_url: None,
            desk_chat_id: None,
            agent_mention: None,
            poll_timeout_secs: 25,
            webhook: None,
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
            .field("webhook", &self.webhook)
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
    /// Telegram refused the bot (invalid token) or, in webhook mode, its webhook (`setWebhook`
    /// answered with an error, e.g. an unusable URL).
    #[error("Telegram refused the bot: {0}")]
    Api(#[source] RequestError),
    /// The Store failed while reading the update offset.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The webhook server could not bind its address or failed.
    #[error("the Telegram webhook server failed: {0}")]
    Server(#[source] std::io::Error),
}

/// The Telegram adapter: the outbound [`Channel`] and the long-polling loop (or the webhook
/// server).
pub struct TelegramAdapter {
    bot: Bot,
    cfg: TelegramConfig,
    channel: Arc<TelegramChannel>,
    /// Telegram Business connections, shared with the channel.
    business: Arc<Connections>,
    /// Webhook mode: the checked settings.
    webhook: Option<webhook::Webhook>,
}

/// The updates the adapter asks Telegram for (polling and webhook alike).
pub(crate) const ALLOWED_UPDATES: [AllowedUpdate; 5] = [
    AllowedUpdate::Message,
    AllowedUpdate::CallbackQuery,
    AllowedUpdate::MyChatMember,
    AllowedUpdate::BusinessConnection,
    AllowedUpdate::BusinessMessage,
];

impl fmt::Debug for TelegramAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramAdapter")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl TelegramAdapter {
    /// A copy of this adapter for the tasks that handle updates (they only send and read the
    /// configuration; the receiving side is not theirs).
    fn handler(&self) -> TelegramAdapter {
        TelegramAdapter {
            bot: self.bot.clone(),
            cfg: self.cfg.clone(),
            channel: self.channel.clone(),
            business: self.business.clone(),
            webhook: None,
        }
    }

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
        let webhook = cfg
            .webhook
            .as_ref()
            .map(webhook::Webhook::new)
            .transpose()?;
        let business = Connections::new();
        let channel =
            TelegramChannel::new(bot.clone(), cfg.agent_mention.clone(), business.clone());
        Ok(TelegramAdapter {
            bot,
            cfg,
            channel,
            business,
            webhook,
        })
    }

    /// Records Telegram Business connections in `store` (cursors
    /// [`BUSINESS_CURSOR_PREFIX`]`<connection id>`) and reads them from it before sending
    /// through one, so that every replica's outbox dispatcher respects a connection disabled
    /// on another. Without it the Engine's Store is used once [`TelegramAdapter::run`] starts
    /// (and until then only what this process saw, or `getBusinessConnection`).
    pub fn with_store(self, store: Arc<dyn Store>) -> TelegramAdapter {
        self.business.set_store(store);
        self
    }

    /// The [`Channel`] for [`frontdesk_core::Platform::telegram`]: put it into the Engine's Router.
    pub fn channel(&self) -> Arc<dyn Channel> {
        self.channel.clone()
    }

    /// Receives Telegram updates and hands each to `engine` until `stop` resolves: by long
    /// polling, or in webhook mode ([`TelegramConfig::webhook`]) by serving the webhook.
    /// Returns an error only when the bot cannot work at all (token refused, Store unreadable
    /// at start, webhook address not bindable); network failures are retried with a backoff.
    pub async fn run(&self, engine: Arc<Engine>, stop: StopSignal) -> Result<(), TelegramError> {
        self.business.set_store(engine.store().clone());
        match &self.webhook {
            Some(wh) => self.serve_webhook(wh, engine, stop).await,
            None => self.poll(engine, stop).await,
        }
    }

    /// Asks Telegram who the bot is (for `/command@bot`). `Ok(None)` when `stop` resolved
    /// first; the name is `None` when `getMe` failed other than by refusing the token.
    async fn hello(
        &self,
        stop: &mut StopSignal,
        mode: &str,
    ) -> Result<Option<Option<String>>, TelegramError> {
        let me = tokio::select! {
            biased;
            () = &mut *stop => return Ok(None),
            r = self.bot.get_me().send() => r,
        };
        match me {
            Ok(me) => Ok(Some(Some(me.username().to_owned()))),
            Err(e @ RequestError::Api(ApiError::InvalidToken)) => Err(TelegramError::Api(e)),
            Err(e) => {
                warn!(error = %e, "getMe failed; {mode} anyway");
                Ok(Some(None))
            }
        }
    }

    /// The long-polling loop.
    async fn poll(&self, engine: Arc<Engine>, mut stop: StopSignal) -> Result<(), TelegramError> {
        let store = engine.store().clone();
        let offset: Option<i32> = store
            .cursor(OFFSET_CURSOR)
            .await?
            .and_then(|s| s.trim().parse().ok());

        let Some(bot_name) = self.hello(&mut stop, "polling").await? else {
            return Ok(());
        };
        info!(
            bot = bot_name.as_deref().unwrap_or("?"),
            offset, "Telegram polling started"
        );
        let ctx = PollContext {
            desk: self.desk_chat(&engine),
            bot_name,
        };
        // getUpdates is refused while a webhook is set; pending updates are kept.
        if let Err(e) = self.bot.delete_webhook().send().await {
            warn!(error = %e, "deleteWebhook failed");
        }

        let dispatcher = Dispatcher::new(self.handler(), engine, ctx, offset);
        let outcome = self.poll_loop(&dispatcher, &mut stop).await;
        // Also when the token was refused: the updates already queued are finished first.
        dispatcher.finish(STOP_GRACE).await;
        info!(offset = dispatcher.offset(), "Telegram polling stopped");
        outcome
    }

    /// Fetches updates and hands them to `dispatcher` until `stop` resolves.
    async fn poll_loop(
        &self,
        dispatcher: &Dispatcher,
        stop: &mut StopSignal,
    ) -> Result<(), TelegramError> {
        let mut backoff = Duration::from_secs(1);
        loop {
            let mut req = self
                .bot
                .get_updates()
                .timeout(self.cfg.poll_timeout_secs)
                .allowed_updates(ALLOWED_UPDATES);
            if let Some(o) = dispatcher.offset() {
                req = req.offset(o);
            }
            let res = tokio::select! {
                biased;
                () = &mut *stop => return Ok(()),
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
                        () = &mut *stop => return Ok(()),
                        () = tokio::time::sleep(wait) => continue,
                    }
                }
            };
            let fetched = updates.len();
            let mut fresh = 0;
            for update in updates {
                if !dispatcher.is_new(&update) {
                    continue;
                }
                fresh += 1;
                tokio::select! {
                    biased;
                    () = &mut *stop => return Ok(()),
                    () = dispatcher.dispatch(update) => {}
                }
            }
            if fetched > 0 && fresh == 0 {
                // Only updates still being handled came back (they are not confirmed until
                // done): ask again once one is done, or after a moment for new ones.
                tokio::select! {
                    biased;
                    () = &mut *stop => return Ok(()),
                    () = dispatcher.one_done() => {}
                    () = tokio::time::sleep(REPOLL) => {}
                }
            }
        }
    }

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

    /// Handles one update; never fails (errors are logged). Returns whether the update is
    /// done with: handed to the Engine (or kept as a dead letter), or not for Frontdesk;
    /// `false` when the Store kept failing, so it must come again (polling retries it and
    /// does not move the offset past it, the webhook answers 500 so Telegram redelivers).
    async fn process(&self, engine: &Engine, update: Update, ctx: &PollContext) -> bool {
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
                        true
                    }
                    Err(skip) => {
                        debug!(update = id, ?skip, "message ignored");
                        true
                    }
                }
            }
            UpdateKind::CallbackQuery(q) => self.on_callback(engine, q, ctx).await,
            UpdateKind::BusinessConnection(c) => self.on_business_connection(id, &c).await,
            UpdateKind::BusinessMessage(msg) => match business_message_to_inbound(&msg) {
                Ok(inbound) => self.handle(engine, inbound).await,
                Err(skip) => {
                    debug!(update = id, ?skip, "business message ignored");
                    true
                }
            },
            UpdateKind::MyChatMember(m) if m.chat.is_private() => {
                self.on_membership(engine, id, m).await
            }
            _ => {
                debug!(update = id, "update kind not handled: ignored");
                true
            }
        }
    }

    /// Hands an inbound update to the Engine with [`Engine::take`] (attempts, then a dead
    /// letter). Returns `false` only when even the dead letter failed (the database is down):
    /// the update is not done, and must come again.
    async fn handle(&self, engine: &Engine, inbound: Inbound) -> bool {
        match engine.take(&inbound, tokio::time::sleep).await {
            Ok(Some(h)) => {
                debug!(id = %inbound.platform_msg_id, handled = ?h, "update handled");
                true
            }
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// A business account connected the bot, disconnected it or changed its rights: recorded
    /// (see [`crate::business`]). Returns `false` when the Store kept failing.
    async fn on_business_connection(&self, update_id: u32, c: &BusinessConnection) -> bool {
        let state = ConnectionState::of(c);
        for attempt in 1..=frontdesk_core::HANDLE_ATTEMPTS {
            match self.business.record(&c.id.0, &state).await {
                Ok(()) => return true,
                Err(e) => {
                    warn!(update = update_id, attempt, error = %e, "recording a business connection failed");
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
            }
        }
        false
    }

    /// The customer blocked (`kicked`) or unblocked (`member`) the bot in their private chat.
    async fn on_membership(
        &self,
        engine: &Engine,
        update_id: u32,
        m: teloxide::types::ChatMemberUpdated,
    ) -> bool {
        use teloxide::types::ChatMemberKind;
        let reachable = match m.new_chat_member.kind {
            ChatMemberKind::Banned(_) | ChatMemberKind::Left => false,
            ChatMemberKind::Member(_) => true,
            _ => return true,
        };
        let from = party(&m.from, Role::Customer);
        let at = frontdesk_core::Endpoint::chat(Platform::telegram(), m.chat.id.0.to_string());
        let id = format!("member-{update_id}");
        for attempt in 1..=frontdesk_core::HANDLE_ATTEMPTS {
            match engine.set_reachable(&id, &from, &at, reachable).await {
                Ok(_) => return true,
                Err(e) => {
                    warn!(update = update_id, attempt, error = %e, "recording a block or unblock failed");
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
            }
        }
        false
    }

    /// A button press: answered at once, its keyboard removed, then handed to the Engine.
    /// Returns like [`TelegramAdapter::process`].
    async fn on_callback(&self, engine: &Engine, q: CallbackQuery, ctx: &PollContext) -> bool {
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
            return true;
        };
        let chat = message.chat();
        let thread = message.regular_message().and_then(topic_of);
        let connection = message
            .regular_message()
            .and_then(business::connection_of_message)
            .cloned();
        let (at, role) = match (origin(chat, thread, ctx.desk), &connection) {
            (Origin::Customer(_), Some(id)) => (business::endpoint(chat.id.0, id), Role::Customer),
            (Origin::Customer(at), None) => (at, Role::Customer),
            (Origin::Desk(at), _) => (at, Role::Agent),
            (Origin::Other, _) => {
                debug!(
                    chat = chat.id.0,
                    "button press in a chat that is not the desk: ignored"
                );
                return true;
            }
        };
        // Remove the keyboard so the choice cannot be made twice.
        let mut edit = self.bot.edit_message_reply_markup(chat.id, message.id());
        if let Some(id) = connection {
            edit = edit.business_connection_id(id);
        }
        match self.channel.call("editMessageReplyMarkup", edit).await {
            Ok(_) => {}
            Err(e) if not_modified(&e) => {}
            Err(e) => warn!(error = %e, "could not remove the keyboard"),
        }
        let inbound = Inbound {
            platform_msg_id: q.id.0.clone(),
            from: party(&q.from, role),
            at,
            content: Content::Button(data),
            sent_at: None,
        };
        self.handle(engine, inbound).await
    }
}

/// What the polling loop (or the webhook server) learned at start.
struct PollContext {
    /// The desk group's chat id.
    desk: Option<i64>,
    /// The bot's username (for `/command@bot`).
    bot_name: Option<String>,
}

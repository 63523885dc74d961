//! Frontdesk's Discord adapter, on serenity.
//!
//! - Customers ask in a DM to the bot, or in the configured support channel (the bot answers
//!   there as a reply to their message). Bot answers carry their buttons as message components
//!   (custom id = the button's payload); a press is acknowledged at once (interaction response
//!   type 6) and then handed to the Engine as [`Content::Button`].
//!   Customers may also ask with `/ask question:…` in any channel of the guild: the question is
//!   shown publicly and answered with replies to it.
//! - Each ticket gets a private thread in the staff channel ([`Channel::open_room`]); its
//!   endpoint is `Endpoint { platform: discord, chat_id: <thread id>, thread_id: None }`, which is
//!   what messages written in the thread carry, so the Engine finds the ticket by its room.
//!   Members with the agent role who write there are agents ([`Role::Agent`]); anyone else is
//!   ignored by the Engine.
//!   Agents may also use slash commands there (`/claim`, `/close`, `/note`, `/snippet`, ...:
//!   registered at READY, per guild when `guild_id` is set); they run the same text commands,
//!   and only members with the agent role may use them.
//! - Every message sets `allowed_mentions` to mention nobody, except the agent role when the
//!   Engine asks for it; customer text is escaped so it cannot format, link or ping.
//! - Attachments: inbound files become [`Content::Files`] with their Discord CDN URL as the
//!   reference. Outbound files are shown as links; files of other platforms (Telegram file ids)
//!   cannot be fetched without that platform's client, so only their names are shown.
//! - Idempotency: the message or interaction id is the update id, so a gateway replay changes
//!   nothing. Messages from bots (the bot itself included) and webhooks are ignored.
//!
//! [`DiscordAdapter::channel`] is the outbound [`Channel`] (usable before the gateway runs: it
//! needs only serenity's `Http`); [`DiscordAdapter::run`] runs the gateway client until stopped.
//!
//! For tests, [`DiscordConfig::api_url`] points the client at a fake server (see
//! `frontdesk-testkit`); it turns serenity's ratelimiter off, which cannot use a proxy.

mod handler;
mod render;

use std::sync::Arc;

use async_trait::async_trait;
use frontdesk_core::StopSignal;
use frontdesk_core::{Channel, ChannelError, Endpoint, Engine, OutMessage, Platform, Sent};
use serde_json::{Value, json};
use serenity::all::{ChannelId, ClientBuilder, GatewayIntents, Message};
use serenity::http::{Http, HttpBuilder, HttpError};

use tracing::{debug, info, warn};

use handler::Handler;

pub use render::escape_markdown;

/// How the Discord adapter is configured. Its `Debug` output hides the token.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DiscordConfig {
    /// The bot token.
    pub token: String,
    /// Tests only: the base URL of a fake Discord server (`http://127.0.0.1:PORT`). Requests go
    /// there instead of discord.com and serenity's ratelimiter is off.
    pub api_url: Option<String>,
    /// The staff channel where each ticket gets a private thread.
    pub staff_channel_id: Option<u64>,
    /// A public channel where customers may ask (answered as replies there).
    pub support_channel_id: Option<u64>,
    /// The role of support agents: members with it act as agents in ticket threads and are
    /// mentioned when a ticket opens. Without it nobody is an agent.
    pub agent_role_id: Option<u64>,
    /// The guild the bot serves; messages from other guilds are ignored. `None`: any guild.
    pub guild_id: Option<u64>,
}

impl std::fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("token", &"<redacted>")
            .field("api_url", &self.api_url)
            .field("staff_channel_id", &self.staff_channel_id)
            .field("support_channel_id", &self.support_channel_id)
            .field("agent_role_id", &self.agent_role_id)
            .field("guild_id", &self.guild_id)
            .finish()
    }
}

/// An error of the Discord adapter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscordError {
    /// The configuration is unusable.
    #[error("invalid Discord configuration: {0}")]
    Config(String),
    /// serenity failed (gateway, HTTP).
    #[error("discord: {0}")]
    Serenity(Box<serenity::Error>),
}

impl From<serenity::Error> for DiscordError {
    fn from(e: serenity::Error) -> Self {
        DiscordError::Serenity(Box::new(e))
    }
}

/// The Discord adapter: the outbound [`Channel`] and the gateway client.
pub struct DiscordAdapter {
    cfg: Arc<DiscordConfig>,
    channel: Arc<DiscordChannel>,
}

fn build_http(cfg: &DiscordConfig) -> Http {
    let builder = HttpBuilder::new(&cfg.token);
    match &cfg.api_url {
        Some(url) => builder
            .proxy(url.trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build(),
        None => builder.build(),
    }
}

impl DiscordAdapter {
    /// Checks the configuration and builds the HTTP client. Nothing is contacted yet.
    pub fn new(cfg: DiscordConfig) -> Result<DiscordAdapter, DiscordError> {
        if cfg.token.trim().is_empty() {
            return Err(DiscordError::Config("the bot token is empty".into()));
        }
        if let Some(url) = &cfg.api_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(DiscordError::Config(format!(
                "api_url must be an http(s) URL, not {url:?}"
            )));
        }
        if cfg.staff_channel_id.is_some() && cfg.agent_role_id.is_none() {
            warn!(
                "discord: no agent role configured: nobody can act as an agent in ticket threads"
            );
        }
        let http = Arc::new(build_http(&cfg));
        let cfg = Arc::new(cfg);
        Ok(DiscordAdapter {
            channel: Arc::new(DiscordChannel {
                http,
                cfg: cfg.clone(),
            }),
            cfg,
        })
    }

    /// The outbound Channel for [`Platform::discord`]; put it in the Engine's Router.
    pub fn channel(&self) -> Arc<dyn Channel> {
        self.channel.clone()
    }

    /// Runs the gateway client, handing messages and button presses to `engine`, until `stop`
    /// resolves (then the shards are shut down) or the client fails.
    ///
    /// The bot needs the privileged "Message Content" intent (enabled in the developer portal)
    /// and, in the staff channel, the permissions to create private threads, send messages in
    /// threads and manage threads (to lock closed tickets). The Engine's `tick` is not run here.
    pub async fn run(&self, engine: Arc<Engine>, stop: StopSignal) -> Result<(), DiscordError> {
        let intents = GatewayIntents::GUILDS
            | GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::DIRECT_MESSAGES
            | GatewayIntents::MESSAGE_CONTENT;
        let handler = Handler::new(self.cfg.clone(), engine);
        // The client gets its own Http configured like the Channel's (proxy in tests).
        let mut client = ClientBuilder::new_with_http(build_http(&self.cfg), intents)
            .event_handler(handler)
            .await?;
        let shards = client.shard_manager.clone();
        tokio::select! {
            r = client.start() => r.map_err(DiscordError::from),
            () = stop => {
                info!("discord: stopping the gateway client");
                shards.shutdown_all().await;
                Ok(())
            }
        }
    }
}

/// The outbound side: renders [`OutMessage`]s and manages ticket threads.
struct DiscordChannel {
    http: Arc<Http>,
    cfg: Arc<DiscordConfig>,
}

/// Discord's error code for a message sent to an archived thread.
const ARCHIVED_THREAD: isize = 50083;

/// Discord's error code for a channel (a ticket thread, a DM) that no longer exists.
const UNKNOWN_CHANNEL: isize = 10003;
/// Discord's error code for a user who cannot be messaged (DMs closed, bot blocked).
const CANNOT_MESSAGE_USER: isize = 50007;
/// Discord's error code for a user that no longer exists.
const UNKNOWN_USER: isize = 10013;

/// Maps a serenity error to the Engine's, which decides what the outbox does next: a 429 is
/// waited out, an unknown channel is a room gone (or an unreachable customer), a user who
/// cannot be messaged is unreachable, another 4xx is a refusal, anything else is retried.
fn channel_error(e: serenity::Error) -> ChannelError {
    match &e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            let status = r.status_code.as_u16();
            let text = format!("HTTP {status} ({}: {})", r.error.code, r.error.message);
            match (status, r.error.code) {
                // serenity keeps neither the body's `retry_after` nor the headers here.
                (429, _) => ChannelError::RateLimited {
                    retry_after_ms: 1000,
                },
                (_, UNKNOWN_CHANNEL) => ChannelError::RoomGone(text),
                (_, CANNOT_MESSAGE_USER | UNKNOWN_USER) => ChannelError::Unreachable(text),
                (400..=499, _) => ChannelError::Refused(text),
                _ => ChannelError::Unavailable(text),
            }
        }
        _ => ChannelError::Unavailable(e.to_string()),
    }
}

fn parse_id(s: &str, what: &str) -> Result<u64, ChannelError> {
    s.parse::<u64>()
        .ok()
        .filter(|n| *n != 0)
        .ok_or_else(|| ChannelError::Refused(format!("not a Discord {what} id: {s:?}")))
}

impl DiscordChannel {
    /// Posts a message. A ticket thread that is archived (Discord error 50083: a closed
    /// ticket, or one idle for a week) is unarchived for the message; a thread that was also
    /// locked (closed by us) is archived and locked again afterwards.
    async fn post(&self, channel: u64, body: &Value) -> Result<Message, ChannelError> {
        let id = ChannelId::new(channel);
        match self.http.send_message(id, Vec::new(), body).await {
            Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(r)))
                if r.error.code == ARCHIVED_THREAD =>
            {
                debug!(channel, "discord: posting into an archived thread");
                let locked = match self.http.get_channel(id).await {
                    Ok(serenity::all::Channel::Guild(c)) => {
                        c.thread_metadata.is_some_and(|m| m.locked)
                    }
                    _ => false,
                };
                self.http
                    .edit_thread(id, &json!({"archived": false}), None)
                    .await
                    .map_err(channel_error)?;
                let sent = self
                    .http
                    .send_message(id, Vec::new(), body)
                    .await
                    .map_err(channel_error);
                if locked
                    && let Err(e) = self
                        .http
                        .edit_thread(id, &json!({"archived": true, "locked": true}), None)
                        .await
                {
                    warn!(channel, error = %e, "discord: could not archive the thread again");
                }
                sent
            }
            other => other.map_err(channel_error),
        }
    }

    async fn patch_channel(&self, room: &Endpoint, body: Value) -> Result<(), ChannelError> {
        let id = parse_id(&room.chat_id, "thread")?;
        self.http
            .edit_thread(ChannelId::new(id), &body, None)
            .await
            .map_err(channel_error)?;
        Ok(())
    }
}

#[async_trait]
impl Channel for DiscordChannel {
    fn platform(&self) -> Platform {
        Platform::discord()
    }

    /// Sends a message to a channel, DM or thread (`to.chat_id`); when `to.thread_id` holds a
    /// message id (customers in the support channel), the message replies to it. Long texts are
    /// split; the buttons go under the last part.
    async fn send(&self, to: &Endpoint, msg: &OutMessage) -> Result<Sent, ChannelError> {
        let channel = parse_id(&to.chat_id, "channel")?;
        let role = self.cfg.agent_role_id;
        let text = render::content(msg, role);
        let parts = render::split(&text);
        let allowed = render::allowed_mentions(msg, role);
        let components = render::components(msg);
        let mut last = None;
        let n = parts.len();
        for (i, part) in parts.into_iter().enumerate() {
            let mut body = json!({"content": part, "allowed_mentions": allowed});
            if i == 0
                && let Some(reply_to) = to.thread_id.as_deref().and_then(|t| t.parse::<u64>().ok())
            {
                body["message_reference"] = json!({
                    "message_id": reply_to.to_string(),
                    "channel_id": channel.to_string(),
                    "fail_if_not_exists": false,
                });
            }
            if i + 1 == n && !components.is_empty() {
                body["components"] = json!(components);
            }
            let sent = self.post(channel, &body).await?;
            last = Some(sent.id.get().to_string());
        }
        Ok(Sent { message_id: last })
    }

    /// Creates a private thread named `title` in the staff channel (`desk.chat_id`, else the
    /// configured staff channel).
    async fn open_room(&self, desk: &Endpoint, title: &str) -> Result<Endpoint, ChannelError> {
        let staff = match self.cfg.staff_channel_id {
            Some(id) if desk.chat_id.parse::<u64>().is_err() => id,
            _ => parse_id(&desk.chat_id, "staff channel")?,
        };
        let name: String = title.chars().take(100).collect();
        let body = json!({
            "name": name,
            "type": 12,
            "invitable": false,
            "auto_archive_duration": 10080,
        });
        let thread = self
            .http
            .create_thread(ChannelId::new(staff), &body, None)
            .await
            .map_err(channel_error)?;
        Ok(Endpoint::chat(
            Platform::discord(),
            thread.id.get().to_string(),
        ))
    }

    async fn rename_room(&self, room: &Endpoint, title: &str) -> Result<(), ChannelError> {
        let name: String = title.chars().take(100).collect();
        self.patch_channel(room, json!({"name": name})).await
    }

    async fn close_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        self.patch_channel(room, json!({"archived": true, "locked": true}))
            .await
    }

    async fn reopen_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        self.patch_channel(room, json!({"archived": false, "locked": false}))
            .await
    }
}

//! Frontdesk's Discord adapter, on serenity.
//!
//! - Customers ask in a DM to the bot, or in the configured support channel (the bot answers
//!   there as a reply to their message). Bot answers carry their buttons as message components
//!   (custom id = the button's payload); a press is acknowledged at once (interaction response
//!   type 6) and then handed to the Engine as [`Content::Button`].
//!   Customers may also ask with `/ask question:…` in any channel of the guild: the question is
//!   shown publicly and answered with replies to it.
//! - Each ticket gets a thread in the staff channel ([`Channel::open_room`]): private by
//!   default ([`ThreadMode::Private`]: the members of the agent role, at most
//!   [`AGENT_MEMBERS_MAX`] of the guild's first 1,000 members, are added when it opens, and an
//!   agent who claims is added, so agents see it without *Manage Threads*; listing members
//!   needs the *Server Members* intent, without it only claiming agents are added), or public
//!   ([`ThreadMode::Public`]: visible to everyone who can see the staff channel). Its
//!   endpoint is `Endpoint { platform: discord, chat_id: <thread id>, thread_id: None }`, which is
//!   what messages written in the thread carry, so the Engine finds the ticket by its room.
//!   Members with the agent role who write there are agents ([`Role::Agent`]); anyone else is
//!   ignored by the Engine.
//!   Agents may also use slash commands there (`/claim`, `/close`, `/note`, `/snippet`,
//!   `/reply text:…`, ...) and the message command *Reply to customer* (on their own message
//!   in the thread): registered at READY, per guild when `guild_id` is set, with
//!   `default_member_permissions = "0"` so members do not see them until the server allows the
//!   agent role (Server Settings → Integrations); only members with the agent role may use
//!   them either way. `/reply` and *Reply to customer* work without the Message Content
//!   intent (interactions carry their text).
//! - Closing: the notices queued for the thread reach it before it is archived (the outbox
//!   keeps the room's order); it is archived and locked with *Manage Threads*, only archived
//!   without. A message after the close (the customer's rating) unarchives the thread, is
//!   posted and archives it again; a locked thread is unarchived only with *Manage Threads*.
//!   The rating is recorded on the ticket either way.
//! - Rate limits: every REST call of the adapter's [`Channel`] goes through one layer
//!   (requests built by serenity, sent by the adapter, in tests and in production alike) that
//!   waits while a route's bucket or a global limit is exhausted and, on a 429, honours
//!   `retry_after` (per route, or global for every request) and retries; a wait over 10 s, or
//!   more than 3 retries, goes back to the outbox as [`ChannelError::RateLimited`] with
//!   Discord's `retry_after`. (Gateway-side calls, such as interaction answers, go through
//!   serenity's `Http`, with its ratelimiter in production.)
//! - Every message sets `allowed_mentions` to mention nobody, except the agent role when the
//!   Engine asks for it; customer text is escaped so it cannot format, link or ping.
//! - Attachments: inbound files become [`Content::Files`] with their Discord CDN URL as the
//!   reference. Outbound files are shown as links; files of other platforms (Telegram file ids)
//!   cannot be fetched without that platform's client, so only their names are shown.
//! - Idempotency: the message or interaction id is the update id, so a gateway replay changes
//!   nothing. Messages from bots (the bot itself included) and webhooks are ignored.
//!
//! [`DiscordAdapter::channel`] is the outbound [`Channel`] (usable before the gateway runs: it
//! needs only the REST layer); [`DiscordAdapter::run`] runs the gateway client until stopped.
//!
//! For tests, [`DiscordConfig::api_url`] points the client at a fake server (see
//! `frontdesk-testkit`); it turns serenity's ratelimiter off for the gateway client, which
//! cannot use a proxy (the Channel's rate-limit layer is the same either way).

mod channel;
mod handler;
mod permissions;
mod render;
mod rest;
mod upload;

use std::sync::Arc;

use frontdesk_core::StopSignal;
use frontdesk_core::{Channel, Engine};
#[cfg(doc)]
use frontdesk_core::{ChannelError, Content, Role};
use serenity::all::{ClientBuilder, GatewayIntents};
use serenity::http::{Http, HttpBuilder};

use tracing::{info, warn};

use channel::DiscordChannel;
use handler::Handler;
use rest::Rest;

pub use channel::AGENT_MEMBERS_MAX;
pub use render::escape_markdown;

/// What kind of thread a ticket gets in the staff channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadMode {
    /// A private thread: visible to its members (the agents of the role, added when it opens,
    /// and the agent who claims) and to those with *Manage Threads*.
    #[default]
    Private,
    /// A public thread: visible to everyone who can see the staff channel (keep that channel
    /// staff-only).
    Public,
}

impl std::str::FromStr for ThreadMode {
    type Err = DiscordError;
    fn from_str(s: &str) -> Result<ThreadMode, DiscordError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "private" => Ok(ThreadMode::Private),
            "public" => Ok(ThreadMode::Public),
            other => Err(DiscordError::Config(format!(
                "discord.thread must be private or public, not {other:?}"
            ))),
        }
    }
}

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
    /// Private (the default) or public ticket threads.
    pub thread: ThreadMode,
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
            .field("thread", &self.thread)
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
    /// The bot lacks permissions it needs in the staff or support channel: each entry names
    /// the channel, the permission and why it is needed. The adapter does not start.
    #[error("the Discord bot lacks permissions: {}", .0.join("; "))]
    MissingPermissions(Vec<String>),
    /// The permissions could not be checked at start (Discord unreachable, the server or a
    /// channel unreadable).
    #[error("could not check the Discord bot's permissions: {0}")]
    PermissionCheck(String),
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
        let rest = Arc::new(Rest::new(&cfg.token, cfg.api_url.as_deref()));
        let cfg = Arc::new(cfg);
        Ok(DiscordAdapter {
            channel: Arc::new(DiscordChannel::new(rest, cfg.clone())),
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
    /// First the bot's permissions in the staff and support channels are computed from the
    /// server's roles and the channels' overwrites: a missing required one refuses the start
    /// ([`DiscordError::MissingPermissions`], listing them all), a missing optional one is
    /// logged as a warning (see the README's *Discord setup* for the table). The bot needs the
    /// privileged "Message Content" intent (enabled in the developer portal). The Engine's
    /// `tick` is not run here.
    pub async fn run(&self, engine: Arc<Engine>, stop: StopSignal) -> Result<(), DiscordError> {
        let intents = GatewayIntents::GUILDS
            | GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::DIRECT_MESSAGES
            | GatewayIntents::MESSAGE_CONTENT;
        let report = permissions::check_start(&self.channel.rest, &self.cfg).await?;
        if !report.missing.is_empty() {
            return Err(DiscordError::MissingPermissions(report.missing));
        }
        self.channel.set_manage_threads(report.manage_threads);
        let handler = Handler::new(self.cfg.clone(), engine, self.channel.clone());
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

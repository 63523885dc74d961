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

mod render;

use std::sync::Arc;

use async_trait::async_trait;
use frontdesk_core::StopSignal;
use frontdesk_core::{
    Attachment, AttachmentKind, Channel, ChannelError, Content, Endpoint, Engine, Inbound,
    OutMessage, Party, Platform, Role, Sent,
};
use serde_json::{Value, json};
use serenity::all::{
    ChannelId, ClientBuilder, CommandDataOptionValue, CommandInteraction, ComponentInteraction,
    Context, EventHandler, GatewayIntents, GuildId, Interaction, Message,
    MessageInteractionMetadata, MessageType, Ready, RoleId,
};
use serenity::http::{Http, HttpBuilder, HttpError};
use std::time::Duration;

use tracing::{debug, error, info, warn};

pub use render::escape_markdown;

/// How often an event is handed to the Engine before it is kept as a dead letter.
const HANDLE_ATTEMPTS: u32 = 3;
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
        let handler = Handler {
            cfg: self.cfg.clone(),
            engine,
            not_rooms: NotRooms::default(),
        };
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

/// A slash command: name, description, optional text option (name, description).
type SlashCommand = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

/// `/ask`: a customer's question, in any channel of the guild (or a DM); the question is shown
/// publicly and the bot answers with replies to it.
const ASK: SlashCommand = (
    "ask",
    "Ask the support bot a question",
    Some(("question", "Your question")),
);

/// The slash commands agents use in ticket threads: name, description, optional text option
/// (name, description). Each runs the Engine's text command of the same name.
const COMMANDS: &[SlashCommand] = &[
    ("claim", "Take this ticket", None),
    ("unclaim", "Release this ticket", None),
    (
        "note",
        "Add an internal note (never sent to the customer)",
        Some(("text", "The note")),
    ),
    (
        "snippet",
        "Send a canned reply to the customer",
        Some(("name", "The snippet's name")),
    ),
    (
        "kb",
        "Send a knowledge-base answer to the customer",
        Some(("entry", "The entry id")),
    ),
    (
        "priority",
        "Set the ticket's priority",
        Some(("level", "low, normal, high or urgent")),
    ),
    (
        "tag",
        "Add tags to the ticket",
        Some(("tags", "Tags, separated by spaces")),
    ),
    ("transcript", "Show the conversation so far", None),
    (
        "close",
        "Close this ticket and send the customer the survey",
        None,
    ),
    ("reopen", "Reopen this ticket", None),
];

/// The application command definitions of [`COMMANDS`]: chat commands, usable in guilds only
/// (`contexts` and `dm_permission` apply to global commands only).
fn command_definitions(global: bool) -> Value {
    let defs: Vec<Value> = std::iter::once(&ASK)
        .chain(COMMANDS)
        .map(|(name, description, option)| {
            let options: Vec<Value> = option
                .iter()
                .map(|(o, d)| json!({"type": 3, "name": o, "description": d, "required": true}))
                .collect();
            let mut def = json!({
                "name": name,
                "description": description,
                "type": 1,
                "options": options,
            });
            if global {
                let dm = *name == ASK.0;
                def["dm_permission"] = json!(dm);
                def["contexts"] = if dm { json!([0, 1]) } else { json!([0]) };
            }
            def
        })
        .collect();
    Value::Array(defs)
}

/// The gateway side: turns messages and interactions into [`Inbound`]s for the Engine.
struct Handler {
    cfg: Arc<DiscordConfig>,
    engine: Arc<Engine>,
    not_rooms: NotRooms,
}

/// Guild channels recently found not to be ticket rooms, so that chatter in the guild's other
/// channels does not cost a Store lookup per message. A room's id is new when the room is
/// opened (a fresh thread), so it cannot be in this cache before; entries expire anyway.
#[derive(Default)]
struct NotRooms(std::sync::Mutex<std::collections::HashMap<u64, std::time::Instant>>);

impl NotRooms {
    const TTL: std::time::Duration = std::time::Duration::from_secs(300);
    const MAX: usize = 10_000;

    fn knows(&self, channel: u64) -> bool {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&channel).is_some_and(|t| t.elapsed() < Self::TTL)
    }

    fn remember(&self, channel: u64) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= Self::MAX {
            map.retain(|_, t| t.elapsed() < Self::TTL);
            if map.len() >= Self::MAX {
                map.clear();
            }
        }
        map.insert(channel, std::time::Instant::now());
    }
}

/// Where a guild message was written, as far as the adapter is concerned.
enum Place {
    /// A DM with the bot.
    Dm,
    /// The support channel.
    Support,
    /// A ticket thread.
    Ticket,
}

impl Handler {
    /// Decides whether a message or interaction in `channel` is ours to handle.
    async fn place(&self, guild: Option<u64>, channel: u64) -> Option<Place> {
        let Some(guild) = guild else {
            return Some(Place::Dm);
        };
        if self.cfg.guild_id.is_some_and(|g| g != guild) {
            return None;
        }
        if self.cfg.support_channel_id == Some(channel) {
            return Some(Place::Support);
        }
        if self.cfg.staff_channel_id == Some(channel) {
            return None;
        }
        if self.not_rooms.knows(channel) {
            return None;
        }
        let room = Endpoint::chat(Platform::discord(), channel.to_string());
        match self.engine.store().ticket_by_room(&room).await {
            Ok(Some(_)) => Some(Place::Ticket),
            Ok(None) => {
                self.not_rooms.remember(channel);
                None
            }
            Err(e) => {
                warn!(error = %e, "discord: could not look up the ticket of a thread");
                None
            }
        }
    }

    fn role(&self, roles: Option<&[RoleId]>) -> Role {
        match (self.cfg.agent_role_id, roles) {
            (Some(agent), Some(roles)) if roles.iter().any(|r| r.get() == agent) => Role::Agent,
            _ => Role::Customer,
        }
    }

    /// Hands an event to the Engine. Discord does not deliver an event again, so one that
    /// fails is retried (0.5, 1, 2 s apart), then kept as a dead letter (the customer is told
    /// their message reached us); while even that fails (the database is down) the whole is
    /// retried, backing off to 30 s, for as long as the process runs.
    async fn hand_over(&self, inbound: Inbound) {
        let id = inbound.platform_msg_id.clone();
        let mut pause = Duration::from_secs(1);
        loop {
            let mut last = String::new();
            for attempt in 1..=HANDLE_ATTEMPTS {
                match self.engine.handle(inbound.clone()).await {
                    Ok(h) => {
                        debug!(id, handled = ?h, "discord update handled");
                        return;
                    }
                    Err(e) => {
                        warn!(id, attempt, error = %e, "discord update failed in the engine");
                        last = e.to_string();
                        if attempt < HANDLE_ATTEMPTS {
                            let wait = 500 * (1u64 << (attempt - 1));
                            tokio::time::sleep(Duration::from_millis(wait)).await;
                        }
                    }
                }
            }
            match self.engine.dead_letter(&inbound, &last).await {
                Ok(_) => return,
                Err(e) => {
                    error!(id, error = %e, "discord update neither handled nor kept: retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// A slash command: answered at once with a short private (ephemeral) message, then run
    /// as the Engine's text command when an agent used it in a ticket thread.
    async fn on_command(&self, ctx: &Context, c: CommandInteraction) {
        let name = c.data.name.clone();
        let arg = c.data.options.first().and_then(|o| match &o.value {
            CommandDataOptionValue::String(s) => Some(s.clone()),
            _ => None,
        });
        if name == ASK.0 {
            return self.on_ask(ctx, c, arg.unwrap_or_default()).await;
        }
        let roles = c.member.as_ref().map(|m| m.roles.as_slice());
        let role = self.role(roles);
        let known = COMMANDS.iter().any(|(n, ..)| *n == name);
        let guild = c.guild_id.map(|g| g.get());
        let channel = c.channel_id.get();
        let in_ticket = matches!(self.place(guild, channel).await, Some(Place::Ticket));
        let (reply, run) = if !known {
            ("Unknown command.".to_owned(), false)
        } else if role != Role::Agent {
            (
                "Only support agents can use this command.".to_owned(),
                false,
            )
        } else if !in_ticket {
            ("Use this command inside a ticket thread.".to_owned(), false)
        } else {
            (format!("`/{name}` …"), true)
        };
        let ack = json!({
            "type": 4,
            "data": {"content": reply, "flags": 64, "allowed_mentions": {"parse": []}},
        });
        if let Err(e) = ctx
            .http
            .create_interaction_response(c.id, &c.token, &ack, Vec::new())
            .await
        {
            warn!(error = %e, "discord: could not answer a slash command");
        }
        if !run {
            return;
        }
        let text = match arg {
            Some(a) => format!("/{name} {a}"),
            None => format!("/{name}"),
        };
        let display_name = c
            .member
            .as_ref()
            .and_then(|m| m.nick.clone())
            .or_else(|| c.user.global_name.clone())
            .unwrap_or_else(|| c.user.name.clone());
        self.hand_over(Inbound {
            platform_msg_id: c.id.get().to_string(),
            from: Party {
                platform: Platform::discord(),
                user_id: c.user.id.get().to_string(),
                display_name,
                locale: (!c.locale.is_empty()).then(|| c.locale.clone()),
                role,
            },
            at: Endpoint::chat(Platform::discord(), channel.to_string()),
            content: Content::Text(text),
        })
        .await;
    }

    /// `/ask question`: the question is shown publicly as the interaction's response, and the
    /// customer's endpoint is that response, so the bot's answers reply to it. Ticket threads
    /// and the staff channel are not places to ask.
    async fn on_ask(&self, ctx: &Context, c: CommandInteraction, question: String) {
        let guild = c.guild_id.map(|g| g.get());
        let channel = c.channel_id.get();
        let name = c
            .member
            .as_ref()
            .and_then(|m| m.nick.clone())
            .or_else(|| c.user.global_name.clone())
            .unwrap_or_else(|| c.user.name.clone());
        let refused = if guild.is_some() && self.cfg.guild_id.is_some_and(|g| Some(g) != guild) {
            Some("This bot does not serve this server.")
        } else if self.cfg.staff_channel_id == Some(channel)
            || matches!(self.place(guild, channel).await, Some(Place::Ticket))
        {
            Some("Ask in a DM or a public channel, not in the staff channel or a ticket.")
        } else if question.trim().is_empty() {
            Some("Please write your question.")
        } else {
            None
        };
        let ack = match refused {
            Some(text) => json!({"type": 4, "data": {
                "content": text, "flags": 64, "allowed_mentions": {"parse": []},
            }}),
            None => {
                let shown: String = format!(
                    "❓ **{}:** {}",
                    escape_markdown(&name),
                    escape_markdown(question.trim())
                );
                let parts = render::split(&shown);
                json!({"type": 4, "data": {
                    "content": parts.first().cloned().unwrap_or_default(),
                    "allowed_mentions": {"parse": []},
                }})
            }
        };
        if let Err(e) = ctx
            .http
            .create_interaction_response(c.id, &c.token, &ack, Vec::new())
            .await
        {
            warn!(error = %e, "discord: could not answer /ask");
            return;
        }
        if refused.is_some() {
            return;
        }
        // In a guild channel, answers reply to the shown question.
        let reply_to = if guild.is_some() {
            match ctx.http.get_original_interaction_response(&c.token).await {
                Ok(m) => Some(m.id.get().to_string()),
                Err(e) => {
                    warn!(error = %e, "discord: could not read back the /ask response");
                    None
                }
            }
        } else {
            None
        };
        let roles = c.member.as_ref().map(|m| m.roles.as_slice());
        self.hand_over(Inbound {
            platform_msg_id: c.id.get().to_string(),
            from: Party {
                platform: Platform::discord(),
                user_id: c.user.id.get().to_string(),
                display_name: name,
                locale: (!c.locale.is_empty()).then(|| c.locale.clone()),
                role: self.role(roles),
            },
            at: Endpoint {
                platform: Platform::discord(),
                chat_id: channel.to_string(),
                thread_id: reply_to,
            },
            content: Content::Text(question),
        })
        .await;
    }

    async fn on_component(&self, ctx: &Context, i: ComponentInteraction) {
        let guild = i.guild_id.map(|g| g.get());
        let channel = i.channel_id.get();
        // Buttons are only under the bot's messages: in a guild, a press outside the staff
        // channel and ticket threads is a customer's, in a public channel (the support channel,
        // or wherever `/ask` was used).
        let place = match self.place(guild, channel).await {
            Some(p) => Some(p),
            None if guild.is_some()
                && self.cfg.guild_id.is_none_or(|g| Some(g) == guild)
                && self.cfg.staff_channel_id != Some(channel) =>
            {
                Some(Place::Support)
            }
            None => None,
        };
        // In a public channel, the buttons under a reply to one customer are theirs: anyone
        // else pressing them is told so privately.
        let owner = i.message.referenced_message.as_ref().map(|m| {
            match m.interaction_metadata.as_deref() {
                Some(MessageInteractionMetadata::Command(c)) => c.user.id,
                _ => m.author.id,
            }
        });
        let foreign =
            matches!(place, Some(Place::Support)) && owner.is_some_and(|o| o != i.user.id);
        let ack = if foreign {
            json!({"type": 4, "data": {
                "content": "These buttons belong to someone else's question. Ask your own to get yours.",
                "flags": 64,
                "allowed_mentions": {"parse": []},
            }})
        } else {
            json!({"type": 6})
        };
        // Acknowledge first: Discord allows three seconds.
        if let Err(e) = ctx
            .http
            .create_interaction_response(i.id, &i.token, &ack, Vec::new())
            .await
        {
            warn!(error = %e, "discord: could not acknowledge a button press");
        }
        let Some(place) = place.filter(|_| !foreign) else {
            return;
        };
        let roles = i.member.as_ref().map(|m| m.roles.as_slice());
        let name = i
            .member
            .as_ref()
            .and_then(|m| m.nick.clone())
            .or_else(|| i.user.global_name.clone())
            .unwrap_or_else(|| i.user.name.clone());
        let at = Endpoint {
            platform: Platform::discord(),
            chat_id: channel.to_string(),
            thread_id: match place {
                Place::Support => Some(i.message.id.get().to_string()),
                Place::Dm | Place::Ticket => None,
            },
        };
        let locale = (!i.locale.is_empty()).then(|| i.locale.clone());
        self.hand_over(Inbound {
            platform_msg_id: i.id.get().to_string(),
            from: Party {
                platform: Platform::discord(),
                user_id: i.user.id.get().to_string(),
                display_name: name,
                locale,
                role: self.role(roles),
            },
            at,
            content: Content::Button(i.data.custom_id.clone()),
        })
        .await;
    }
}

fn attachment(a: &serenity::all::Attachment) -> Attachment {
    let image = a
        .content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("image/"));
    Attachment {
        platform: Platform::discord(),
        kind: if image {
            AttachmentKind::Photo
        } else {
            AttachmentKind::Document
        },
        file_ref: a.url.clone(),
        file_name: Some(a.filename.clone()),
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        info!(user = %ready.user.name, "discord gateway ready");
        ctx.http.set_application_id(ready.application.id);
        let result = match self.cfg.guild_id {
            Some(g) => {
                let defs = command_definitions(false);
                ctx.http.create_guild_commands(GuildId::new(g), &defs).await
            }
            None => {
                ctx.http
                    .create_global_commands(&command_definitions(true))
                    .await
            }
        };
        if let Err(e) = result {
            warn!(error = %e, "discord: could not register the slash commands");
        }
    }

    async fn message(&self, _ctx: Context, msg: Message) {
        if msg.author.bot || msg.webhook_id.is_some() {
            return;
        }
        if !matches!(msg.kind, MessageType::Regular | MessageType::InlineReply) {
            return;
        }
        let guild = msg.guild_id.map(|g| g.get());
        let channel = msg.channel_id.get();
        let Some(place) = self.place(guild, channel).await else {
            return;
        };
        let content = if msg.attachments.is_empty() {
            if msg.content.trim().is_empty() {
                return;
            }
            Content::Text(msg.content.clone())
        } else {
            Content::Files {
                files: msg.attachments.iter().map(attachment).collect(),
                caption: (!msg.content.trim().is_empty()).then(|| msg.content.clone()),
            }
        };
        let roles = msg.member.as_ref().map(|m| m.roles.as_slice());
        let name = msg
            .member
            .as_ref()
            .and_then(|m| m.nick.clone())
            .or_else(|| msg.author.global_name.clone())
            .unwrap_or_else(|| msg.author.name.clone());
        let at = Endpoint {
            platform: Platform::discord(),
            chat_id: channel.to_string(),
            thread_id: match place {
                Place::Support => Some(msg.id.get().to_string()),
                Place::Dm | Place::Ticket => None,
            },
        };
        self.hand_over(Inbound {
            platform_msg_id: msg.id.get().to_string(),
            from: Party {
                platform: Platform::discord(),
                user_id: msg.author.id.get().to_string(),
                display_name: name,
                locale: None,
                role: self.role(roles),
            },
            at,
            content,
        })
        .await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Component(i) => self.on_component(&ctx, i).await,
            Interaction::Command(c) => self.on_command(&ctx, c).await,
            other => debug!(kind = ?other.kind(), "discord: interaction ignored"),
        }
    }
}

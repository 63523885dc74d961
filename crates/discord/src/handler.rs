//! The gateway side: turns Discord messages, slash commands and button presses into
//! [`Inbound`]s for the Engine.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use frontdesk_core::{
    Attachment, AttachmentKind, Content, Endpoint, Engine, Inbound, Party, Platform, Role,
    Timestamp,
};
use serde_json::{Value, json};
use serenity::all::{
    CommandDataOptionValue, CommandInteraction, ComponentInteraction, Context, EventHandler,
    GuildId, Interaction, Message, MessageInteractionMetadata, MessageType, Ready, RoleId,
};
use tracing::{debug, error, info, warn};

use crate::channel::DiscordChannel;
use crate::render::{self, escape_markdown};
use crate::{DiscordConfig, ThreadMode};

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
    (
        "block",
        "Block the customer: their messages are recorded, not answered or relayed",
        Some(("reason", "Why (seen by agents only)")),
    ),
    ("unblock", "Lift the customer's block", None),
    (
        "erase",
        "Erase the customer's data for good (name, ids, messages, files)",
        None,
    ),
    (
        REPLY,
        "Send a reply to the customer",
        Some(("text", "The reply")),
    ),
];

/// `/reply text`: the text goes to the customer like a message written in the thread (works
/// without the Message Content intent).
const REPLY: &str = "reply";
/// The message context command ("Apps → Reply to customer" on a message): the message, which
/// must be the agent's own in the ticket thread, goes to the customer. Interactions carry the
/// message's content without the Message Content intent.
const REPLY_TO_CUSTOMER: &str = "Reply to customer";

/// `default_member_permissions` of the agent commands: `"0"` hides them from every member
/// but administrators until the server allows the agent role (Server Settings → Integrations
/// → the bot); the adapter checks the role anyway.
const AGENT_PERMISSIONS: &str = "0";

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
            if *name != ASK.0 {
                def["default_member_permissions"] = json!(AGENT_PERMISSIONS);
            }
            if global {
                let dm = *name == ASK.0;
                def["dm_permission"] = json!(dm);
                def["contexts"] = if dm { json!([0, 1]) } else { json!([0]) };
            }
            def
        })
        .chain(std::iter::once({
            let mut def = json!({
                "name": REPLY_TO_CUSTOMER,
                "type": 3,
                "default_member_permissions": AGENT_PERMISSIONS,
            });
            if global {
                def["dm_permission"] = json!(false);
                def["contexts"] = json!([0]);
            }
            def
        }))
        .collect();
    Value::Array(defs)
}

/// The gateway side: turns messages and interactions into [`Inbound`]s for the Engine.
pub(crate) struct Handler {
    cfg: Arc<DiscordConfig>,
    engine: Arc<Engine>,
    not_rooms: NotRooms,
    /// The outbound side (adds claiming agents to private threads).
    channel: Arc<DiscordChannel>,
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
    /// A handler for `engine`, configured by `cfg`.
    pub(crate) fn new(
        cfg: Arc<DiscordConfig>,
        engine: Arc<Engine>,
        channel: Arc<DiscordChannel>,
    ) -> Handler {
        Handler {
            cfg,
            engine,
            not_rooms: NotRooms::default(),
            channel,
        }
    }

    /// After an agent's claim in a private ticket thread: adds them to it, so the thread is in
    /// their list (and notifies them) even when they saw it through *Manage Threads*.
    async fn claimed(&self, thread: u64, agent: u64) {
        if self.cfg.thread != ThreadMode::Private {
            return;
        }
        if let Err(e) = self.channel.add_member(thread, agent).await {
            warn!(thread, agent, error = %e, "discord: could not add the claiming agent to the thread");
        }
    }

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

    /// Hands an event to the Engine with [`Engine::take`] (attempts, then a dead letter, the
    /// customer told their message reached us). Discord does not deliver an event again, so
    /// while even the dead letter fails (the database is down) the whole is retried, backing
    /// off to 30 s, for as long as the process runs.
    async fn hand_over(&self, inbound: Inbound) {
        let id = inbound.platform_msg_id.clone();
        let mut pause = Duration::from_secs(1);
        loop {
            match self.engine.take(&inbound, tokio::time::sleep).await {
                Ok(h) => {
                    debug!(id, handled = ?h, "discord update handled (None: kept as a dead letter)");
                    return;
                }
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
        let context = name == REPLY_TO_CUSTOMER;
        let known = context || COMMANDS.iter().any(|(n, ..)| *n == name);
        let guild = c.guild_id.map(|g| g.get());
        let channel = c.channel_id.get();
        let in_ticket = matches!(self.place(guild, channel).await, Some(Place::Ticket));
        // What the command runs: a text command, or (/reply, the context command) a reply.
        let text = if context {
            let target = c.data.target_id.map(|t| t.to_message_id());
            match target.and_then(|t| c.data.resolved.messages.get(&t)) {
                Some(m) if m.author.id == c.user.id => Ok(m.content.clone()),
                Some(_) => Err("Use this on a message you wrote in the ticket thread."),
                None => Err("That message cannot be read."),
            }
        } else if name == REPLY {
            Ok(arg.clone().unwrap_or_default())
        } else {
            Ok(match &arg {
                Some(a) => format!("/{name} {a}"),
                None => format!("/{name}"),
            })
        };
        let reply_check = |t: &str| -> Result<(), &'static str> {
            if t.trim().is_empty() {
                Err("There is no text to send.")
            } else if t.trim_start().starts_with('/') {
                Err("A reply cannot start with `/` (it would run as a command).")
            } else {
                Ok(())
            }
        };
        let text = text.and_then(|t| {
            if context || name == REPLY {
                reply_check(&t).map(|()| t)
            } else {
                Ok(t)
            }
        });
        let (reply, run) = if !known {
            ("Unknown command.".to_owned(), None)
        } else if role != Role::Agent {
            ("Only support agents can use this command.".to_owned(), None)
        } else if !in_ticket {
            ("Use this command inside a ticket thread.".to_owned(), None)
        } else {
            match text {
                Err(why) => (why.to_owned(), None),
                Ok(t) if context || name == REPLY => ("Sent to the customer.".to_owned(), Some(t)),
                Ok(t) => (format!("`/{name}` …"), Some(t)),
            }
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
        let Some(text) = run else {
            return;
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
            sent_at: Some(snowflake_time(c.id.get())),
        })
        .await;
        if name == "claim" {
            self.claimed(channel, c.user.id.get()).await;
        }
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
            sent_at: Some(snowflake_time(c.id.get())),
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
        let role = self.role(roles);
        let claim = matches!(place, Place::Ticket)
            && role == Role::Agent
            && i.data.custom_id.starts_with("claim:");
        self.hand_over(Inbound {
            platform_msg_id: i.id.get().to_string(),
            from: Party {
                platform: Platform::discord(),
                user_id: i.user.id.get().to_string(),
                display_name: name,
                locale,
                role,
            },
            at,
            content: Content::Button(i.data.custom_id.clone()),
            sent_at: Some(snowflake_time(i.id.get())),
        })
        .await;
        if claim {
            self.claimed(channel, i.user.id.get()).await;
        }
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
        let role = self.role(roles);
        let claim = matches!(place, Place::Ticket)
            && role == Role::Agent
            && matches!(&content, Content::Text(t) if t.trim() == "/claim" || t.trim_start().starts_with("/claim "));
        self.hand_over(Inbound {
            platform_msg_id: msg.id.get().to_string(),
            from: Party {
                platform: Platform::discord(),
                user_id: msg.author.id.get().to_string(),
                display_name: name,
                locale: None,
                role,
            },
            at,
            content,
            sent_at: Some(snowflake_time(msg.id.get())),
        })
        .await;
        if claim {
            self.claimed(channel, msg.author.id.get()).await;
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Component(i) => self.on_component(&ctx, i).await,
            Interaction::Command(c) => self.on_command(&ctx, c).await,
            other => debug!(kind = ?other.kind(), "discord: interaction ignored"),
        }
    }
}

/// When a Discord object was created: its snowflake id counts milliseconds since 2015.
fn snowflake_time(id: u64) -> Timestamp {
    Timestamp(
        i64::try_from(id >> 22)
            .unwrap_or(i64::MAX)
            .saturating_add(1_420_070_400_000),
    )
}

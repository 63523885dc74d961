//! The outbound side: [`DiscordChannel`], the core's [`Channel`] for Discord, on the REST
//! layer of [`crate::rest`].
//!
//! Ticket threads: a private thread (or, with [`ThreadMode::Public`], a public one) in the
//! staff channel. A private thread is visible only to its members and to those with *Manage
//! Threads*, so when it opens the bot adds the members of the agent role to it (at most
//! [`AGENT_MEMBERS_MAX`] of the first 1,000 members of the guild; listing members needs the
//! *Server Members* intent), and adds the agent who claims a ticket.
//!
//! Closing: everything queued for the thread before the close (notices) is posted first (the
//! outbox keeps a room's order). The thread is archived and, when the bot has *Manage
//! Threads*, locked; without it, only archived (Discord refuses the lock, and would refuse to
//! unarchive a locked thread). A message for an archived thread (a rating after close) unarchives
//! it, is posted, and archives it again as it was; a locked thread is unarchived only with
//! *Manage Threads*, otherwise the message is refused (the outbox records that on the ticket).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use async_trait::async_trait;
use frontdesk_core::{Channel, ChannelError, Endpoint, OutFile, OutMessage, Platform, Sent};
use serde_json::{Value, json};
use serenity::all::{ChannelId, GuildId, UserId};
use serenity::http::{LightMethod, Route};
use tracing::{debug, info, warn};

use crate::rest::{Rest, RestError};
use crate::{DiscordConfig, ThreadMode, render};

/// Discord's error code for a message sent to an archived thread.
const ARCHIVED_THREAD: i64 = 50083;
/// Discord's error code for a missing permission.
const MISSING_PERMISSIONS: i64 = 50013;
/// At most this many members of the agent role are added to a new private thread.
pub const AGENT_MEMBERS_MAX: usize = 25;

/// Whether the bot may manage threads in the staff channel: not known yet, yes, no.
const UNKNOWN: u8 = 0;
const YES: u8 = 1;
const NO: u8 = 2;

/// Renders [`OutMessage`]s and manages ticket threads.
pub(crate) struct DiscordChannel {
    pub(crate) rest: Arc<Rest>,
    pub(crate) cfg: Arc<DiscordConfig>,
    /// *Manage Threads* in the staff channel (set by the permission check at start, or learnt
    /// from a refusal).
    manage_threads: AtomicU8,
}

fn parse_id(s: &str, what: &str) -> Result<u64, ChannelError> {
    s.parse::<u64>()
        .ok()
        .filter(|n| *n != 0)
        .ok_or_else(|| ChannelError::Refused(format!("not a Discord {what} id: {s:?}")))
}

fn id_of(v: &Value) -> Option<String> {
    v.get("id").and_then(Value::as_str).map(str::to_owned)
}

impl DiscordChannel {
    pub(crate) fn new(rest: Arc<Rest>, cfg: Arc<DiscordConfig>) -> DiscordChannel {
        DiscordChannel {
            rest,
            cfg,
            manage_threads: AtomicU8::new(UNKNOWN),
        }
    }

    /// Records whether the bot has *Manage Threads* in the staff channel.
    pub(crate) fn set_manage_threads(&self, yes: bool) {
        self.manage_threads
            .store(if yes { YES } else { NO }, Ordering::Relaxed);
    }

    fn may_manage_threads(&self) -> Option<bool> {
        match self.manage_threads.load(Ordering::Relaxed) {
            YES => Some(true),
            NO => Some(false),
            _ => None,
        }
    }

    /// Posts a message; with `files`, as `multipart/form-data` (`payload_json` and
    /// `files[n]`).
    async fn message(
        &self,
        channel: u64,
        body: &Value,
        files: &[OutFile],
    ) -> Result<Value, RestError> {
        let route = Route::ChannelMessages {
            channel_id: ChannelId::new(channel),
        };
        if files.is_empty() {
            return self.rest.call(LightMethod::Post, route, Some(body)).await;
        }
        let (content_type, form) = crate::upload::form(body, files);
        self.rest
            .call_form(LightMethod::Post, route, content_type, form)
            .await
    }

    async fn patch_thread(&self, thread: u64, body: &Value) -> Result<Value, RestError> {
        let route = Route::Channel {
            channel_id: ChannelId::new(thread),
        };
        self.rest.call(LightMethod::Patch, route, Some(body)).await
    }

    /// Posts a message. An archived ticket thread (Discord error 50083: a closed ticket, or
    /// one idle for a week) is unarchived for it and archived again afterwards as it was; a
    /// locked one only when the bot has *Manage Threads*.
    async fn post(
        &self,
        channel: u64,
        body: &Value,
        files: &[OutFile],
    ) -> Result<Value, ChannelError> {
        match self.message(channel, body, files).await {
            Err(e) if e.code() == Some(ARCHIVED_THREAD) => {
                debug!(channel, "discord: posting into an archived thread");
                let route = Route::Channel {
                    channel_id: ChannelId::new(channel),
                };
                let locked = match self.rest.call(LightMethod::Get, route, None).await {
                    Ok(c) => c["thread_metadata"]["locked"].as_bool().unwrap_or(false),
                    Err(_) => false,
                };
                if locked && self.may_manage_threads() == Some(false) {
                    return Err(ChannelError::Refused(
                        "the ticket thread is archived and locked, and the bot lacks Manage Threads to reopen it".into(),
                    ));
                }
                let open = if locked {
                    json!({"archived": false, "locked": false})
                } else {
                    json!({"archived": false})
                };
                self.patch_thread(channel, &open).await?;
                let sent = self
                    .message(channel, body, files)
                    .await
                    .map_err(ChannelError::from);
                let again = if locked {
                    json!({"archived": true, "locked": true})
                } else {
                    json!({"archived": true})
                };
                if let Err(e) = self.patch_thread(channel, &again).await {
                    warn!(channel, error = %e, "discord: could not archive the thread again");
                }
                sent
            }
            other => other.map_err(ChannelError::from),
        }
    }

    /// Adds `user` to `thread` (a private ticket thread).
    pub(crate) async fn add_member(&self, thread: u64, user: u64) -> Result<(), ChannelError> {
        let route = Route::ChannelThreadMember {
            channel_id: ChannelId::new(thread),
            user_id: UserId::new(user),
        };
        self.rest.call(LightMethod::Put, route, None).await?;
        Ok(())
    }

    /// Adds the members of the agent role (at most [`AGENT_MEMBERS_MAX`]) to a new private
    /// thread. Failures are logged: the thread works without them.
    async fn add_agents(&self, thread: u64) {
        let (Some(guild), Some(role)) = (self.cfg.guild_id, self.cfg.agent_role_id) else {
            return;
        };
        let route = Route::GuildMembers {
            guild_id: GuildId::new(guild),
        };
        let members = match self
            .rest
            .call_with_params(LightMethod::Get, route, vec![("limit", "1000".into())])
            .await
        {
            Ok(Value::Array(m)) => m,
            Ok(_) => return,
            Err(e) => {
                warn!(error = %e, "discord: could not list the guild's members (is the Server Members intent on?): agents are not added to the thread");
                return;
            }
        };
        let role = role.to_string();
        let agents: Vec<u64> = members
            .iter()
            .filter(|m| {
                m["roles"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|r| r.as_str() == Some(role.as_str())))
                    && m["user"]["bot"].as_bool() != Some(true)
            })
            .filter_map(|m| m["user"]["id"].as_str()?.parse().ok())
            .take(AGENT_MEMBERS_MAX)
            .collect();
        for user in agents {
            if let Err(e) = self.add_member(thread, user).await {
                warn!(thread, user, error = %e, "discord: could not add an agent to the thread");
            }
        }
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
            // Uploaded files (transcripts) go with the last part.
            let files: &[OutFile] = if i + 1 == n { &msg.files } else { &[] };
            let sent = self.post(channel, &body, files).await?;
            last = id_of(&sent);
        }
        Ok(Sent { message_id: last })
    }

    /// Creates the ticket's thread named `title` in the staff channel (`desk.chat_id`, else
    /// the configured staff channel): private (agents of the role added), or public.
    async fn open_room(&self, desk: &Endpoint, title: &str) -> Result<Endpoint, ChannelError> {
        let staff = match self.cfg.staff_channel_id {
            Some(id) if desk.chat_id.parse::<u64>().is_err() => id,
            _ => parse_id(&desk.chat_id, "staff channel")?,
        };
        let name: String = title.chars().take(100).collect();
        let private = self.cfg.thread == ThreadMode::Private;
        let mut body = json!({
            "name": name,
            "type": if private { 12 } else { 11 },
            "auto_archive_duration": 10080,
        });
        if private {
            body["invitable"] = json!(false);
        }
        let route = Route::ChannelThreads {
            channel_id: ChannelId::new(staff),
        };
        let thread = self
            .rest
            .call(LightMethod::Post, route, Some(&body))
            .await?;
        let id = id_of(&thread)
            .ok_or_else(|| ChannelError::Unavailable("thread created without an id".into()))?;
        if private && let Ok(t) = id.parse::<u64>() {
            self.add_agents(t).await;
        }
        Ok(Endpoint::chat(Platform::discord(), id))
    }

    async fn rename_room(&self, room: &Endpoint, title: &str) -> Result<(), ChannelError> {
        let name: String = title.chars().take(100).collect();
        let id = parse_id(&room.chat_id, "thread")?;
        self.patch_thread(id, &json!({"name": name})).await?;
        Ok(())
    }

    async fn close_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        let id = parse_id(&room.chat_id, "thread")?;
        if self.may_manage_threads() != Some(false) {
            match self
                .patch_thread(id, &json!({"archived": true, "locked": true}))
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if e.code() == Some(MISSING_PERMISSIONS) => {
                    info!(
                        "discord: no Manage Threads in the staff channel: closed threads are archived, not locked"
                    );
                    self.set_manage_threads(false);
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.patch_thread(id, &json!({"archived": true})).await?;
        Ok(())
    }

    async fn reopen_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        let id = parse_id(&room.chat_id, "thread")?;
        let body = if self.may_manage_threads() == Some(false) {
            json!({"archived": false})
        } else {
            json!({"archived": false, "locked": false})
        };
        self.patch_thread(id, &body).await?;
        Ok(())
    }
}

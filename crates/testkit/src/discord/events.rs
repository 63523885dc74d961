//! The event builders of [`FakeDiscord`]: MESSAGE_CREATE and INTERACTION_CREATE payloads of
//! what customers and agents do, and the DM channels they do it in.

use serde_json::{Value, json};

use super::json::{bot_user, message_json, user_json};
use super::{BOT_ID, FakeDiscord, GUILD_ID, TIMESTAMP};

impl FakeDiscord {
    /// The DM channel of `user_id` (created on first use).
    pub fn dm_channel(&self, user_id: u64) -> u64 {
        let mut dms = self
            .inner
            .dm_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *dms.entry(user_id).or_insert_with(|| self.inner.id())
    }

    /// A MESSAGE_CREATE payload: `user_id` writes `text` in a DM to the bot.
    pub fn dm_message(&self, user_id: u64, text: &str) -> Value {
        let channel = self.dm_channel(user_id);
        message_json(self.inner.id(), channel, user_json(user_id), text)
    }

    /// A MESSAGE_CREATE payload: `user_id` (a guild member with `roles`) writes `text` in the
    /// guild channel or thread `channel_id`.
    pub fn guild_message(&self, channel_id: u64, user_id: u64, roles: &[u64], text: &str) -> Value {
        let mut m = message_json(self.inner.id(), channel_id, user_json(user_id), text);
        m["guild_id"] = json!(GUILD_ID.to_string());
        m["member"] = json!({
            "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "joined_at": TIMESTAMP,
            "deaf": false,
            "mute": false,
            "nick": null,
        });
        m
    }

    /// A MESSAGE_CREATE payload in a ticket thread (see [`FakeDiscord::guild_message`]).
    pub fn thread_message(&self, thread_id: u64, user_id: u64, roles: &[u64], text: &str) -> Value {
        self.guild_message(thread_id, user_id, roles, text)
    }

    /// Adds an attachment to a message payload.
    pub fn with_attachment(
        mut message: Value,
        url: &str,
        filename: &str,
        content_type: &str,
    ) -> Value {
        let att = json!({
            "id": "777",
            "filename": filename,
            "size": 1234,
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        });
        if let Some(list) = message["attachments"].as_array_mut() {
            list.push(att);
        }
        message
    }

    /// An INTERACTION_CREATE payload: `user_id` presses the button `custom_id` under the message
    /// `message_id` in `channel_id`. `guild_roles` is `None` in a DM, else the member's roles.
    pub fn button_press(
        &self,
        user_id: u64,
        channel_id: u64,
        message_id: &str,
        custom_id: &str,
        guild_roles: Option<&[u64]>,
    ) -> Value {
        let id = self.inner.id();
        self.remember_interaction(id, channel_id);
        let mut message = message_json(0, channel_id, bot_user(), "");
        message["id"] = json!(message_id);
        let mut v = json!({
            "id": id.to_string(),
            "application_id": BOT_ID.to_string(),
            "type": 3,
            "data": {"custom_id": custom_id, "component_type": 2},
            "channel_id": channel_id.to_string(),
            "channel": {"id": channel_id.to_string(), "type": if guild_roles.is_some() { 0 } else { 1 }},
            "token": format!("token-{id}"),
            "version": 1,
            "message": message,
            "app_permissions": "0",
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "context": if guild_roles.is_some() { 0 } else { 1 },
            "attachment_size_limit": 10_485_760,
        });
        match guild_roles {
            None => v["user"] = user_json(user_id),
            Some(roles) => {
                v["guild_id"] = json!(GUILD_ID.to_string());
                v["guild_locale"] = json!("en-US");
                v["member"] = json!({
                    "user": user_json(user_id),
                    "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                    "joined_at": TIMESTAMP,
                    "deaf": false,
                    "mute": false,
                    "nick": null,
                    "permissions": "0",
                    "flags": 0,
                });
            }
        }
        v
    }

    /// An INTERACTION_CREATE payload: `user_id` (a guild member with `roles`) runs the slash
    /// command `name` in `channel_id`, with an optional string option `(name, value)`.
    pub fn slash_command(
        &self,
        user_id: u64,
        roles: &[u64],
        channel_id: u64,
        name: &str,
        option: Option<(&str, &str)>,
    ) -> Value {
        let id = self.inner.id();
        self.remember_interaction(id, channel_id);
        let options: Vec<Value> = option
            .iter()
            .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
            .collect();
        json!({
            "id": id.to_string(),
            "application_id": BOT_ID.to_string(),
            "type": 2,
            "data": {"id": "55", "name": name, "type": 1, "options": options},
            "guild_id": GUILD_ID.to_string(),
            "channel_id": channel_id.to_string(),
            "channel": {"id": channel_id.to_string(), "type": 12},
            "member": {
                "user": user_json(user_id),
                "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                "joined_at": TIMESTAMP,
                "deaf": false,
                "mute": false,
                "nick": null,
                "permissions": "0",
                "flags": 0,
            },
            "token": format!("token-{id}"),
            "version": 1,
            "app_permissions": "0",
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "context": 0,
            "attachment_size_limit": 10_485_760,
        })
    }

    /// An INTERACTION_CREATE payload: `user_id` (a guild member with `roles`) runs the
    /// message context command `name` on `target` (a message object, e.g. from
    /// [`FakeDiscord::thread_message`]) in `channel_id`. As Discord does, the resolved message
    /// carries its content whatever the bot's intents.
    pub fn message_command(
        &self,
        user_id: u64,
        roles: &[u64],
        channel_id: u64,
        name: &str,
        target: &Value,
    ) -> Value {
        let mut v = self.slash_command(user_id, roles, channel_id, name, None);
        let target_id = target["id"].as_str().unwrap_or("0").to_owned();
        let mut messages = serde_json::Map::new();
        messages.insert(target_id.clone(), target.clone());
        v["data"] = json!({
            "id": "56",
            "name": name,
            "type": 3,
            "target_id": target_id,
            "resolved": {"messages": messages},
        });
        v
    }

    fn remember_interaction(&self, id: u64, channel_id: u64) {
        self.inner
            .interaction_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(format!("token-{id}"), channel_id);
    }

    /// Dispatches a button press in a DM (see [`FakeDiscord::button_press`]); returns the
    /// interaction id.
    pub async fn press_button(
        &self,
        user_id: u64,
        channel_id: u64,
        message_id: &str,
        custom_id: &str,
    ) -> String {
        let v = self.button_press(user_id, channel_id, message_id, custom_id, None);
        let id = v["id"].as_str().unwrap_or_default().to_owned();
        self.dispatch("INTERACTION_CREATE", v).await;
        id
    }
}

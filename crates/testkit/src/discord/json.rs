//! JSON builders of the users, messages and channels the fake sends.

use serde_json::{Value, json};

use super::{BOT_ID, GUILD_ID, Inner, TIMESTAMP};

impl Inner {
    pub(super) fn channel_json(&self, id: u64) -> Value {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        let c = channels.get(&id);
        let kind = c.map_or(0, |c| c.kind);
        let mut v = json!({
            "id": id.to_string(),
            "type": kind,
            "guild_id": GUILD_ID.to_string(),
            "name": c.map_or_else(|| format!("channel-{id}"), |c| c.name.clone()),
            "position": 0,
            "permission_overwrites": super::limits::overwrites(self, id),
            "nsfw": false,
        });
        if let Some(c) = c
            && (c.kind == 11 || c.kind == 12)
        {
            v["parent_id"] = json!(c.parent.map(|p| p.to_string()));
            v["owner_id"] = json!(BOT_ID.to_string());
            v["thread_metadata"] = json!({
                "archived": c.archived,
                "locked": c.locked,
                "auto_archive_duration": 10080,
                "archive_timestamp": TIMESTAMP,
                "invitable": false,
            });
        }
        v
    }
}

/// The bot's user object.
pub(super) fn bot_user() -> Value {
    json!({
        "id": BOT_ID.to_string(),
        "username": "frontdesk",
        "discriminator": "0",
        "global_name": "Frontdesk",
        "avatar": null,
        "bot": true,
        "verified": true,
        "mfa_enabled": false,
        "flags": 0,
    })
}

/// A (non-bot) user object.
pub fn user_json(user_id: u64) -> Value {
    json!({
        "id": user_id.to_string(),
        "username": format!("user{user_id}"),
        "discriminator": "0",
        "global_name": format!("User {user_id}"),
        "avatar": null,
    })
}

/// A full message object as Discord sends it (over the gateway and in REST replies).
pub(super) fn message_json(id: u64, channel_id: u64, author: Value, content: &str) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": content,
        "timestamp": TIMESTAMP,
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "type": 0,
    })
}

//! JSON builders of the users and chats the fake sends, and its clock.

use serde_json::{Value, json};

use super::{BOT_ID, BOT_USERNAME};

pub(super) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The default profile of a user: `User<id> Test`, username `user<id>`, language `en`.
pub(super) fn default_user_json(user_id: i64) -> Value {
    json!({
        "id": user_id,
        "is_bot": false,
        "first_name": format!("User{user_id}"),
        "last_name": "Test",
        "username": format!("user{user_id}"),
        "language_code": "en",
    })
}

pub(super) fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Frontdesk", "username": BOT_USERNAME})
}

/// A chat object: positive ids are private chats, negative ones forum supergroups.
pub(super) fn chat_json(chat_id: i64) -> Value {
    if chat_id > 0 {
        json!({"id": chat_id, "type": "private", "first_name": format!("User{chat_id}")})
    } else {
        json!({"id": chat_id, "type": "supergroup", "title": format!("Group {chat_id}"), "is_forum": true})
    }
}

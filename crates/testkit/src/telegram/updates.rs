//! The update builders of [`FakeTelegram`]: what customers and agents do, queued for
//! `getUpdates`, and the user profiles sent with them.

use serde_json::{Map, Value, json};

use super::FakeTelegram;
use super::json::{bot_user, chat_json, default_user_json, now_secs};

impl FakeTelegram {
    /// Queues an update. `kind` is the update without `update_id` (for example
    /// `{"message": {...}}`); a fresh `update_id` is assigned unless `kind` has one. Returns the
    /// whole update as queued.
    pub fn push_update(&self, kind: Value) -> Value {
        let mut update = kind;
        {
            let mut st = self.inner.lock();
            if update.get("update_id").is_none() {
                let id = st.next_update_id;
                st.next_update_id += 1;
                if let Value::Object(m) = &mut update {
                    m.insert("update_id".into(), json!(id));
                }
            }
            st.updates.push_back(update.clone());
        }
        self.inner.new_update.notify_waiters();
        update
    }

    /// Queues the very same update (same `update_id`) twice, as a retried delivery would.
    pub fn push_twice(&self, kind: Value) -> Value {
        let update = self.push_update(kind);
        self.push_update(update.clone());
        update
    }

    /// Delivers an update's content again under a new `update_id` (the same message id), as
    /// after a lost acknowledgement.
    pub fn redeliver(&self, update: &Value) -> Value {
        let mut u = update.clone();
        if let Value::Object(m) = &mut u {
            m.remove("update_id");
        }
        self.push_update(u)
    }

    /// Update ids still queued (not yet confirmed by an offset).
    pub fn pending_update_ids(&self) -> Vec<i64> {
        self.inner
            .lock()
            .updates
            .iter()
            .filter_map(|u| u.get("update_id").and_then(Value::as_i64))
            .collect()
    }

    pub(super) fn next_message_id(&self) -> i64 {
        let mut st = self.inner.lock();
        let id = st.next_message_id;
        st.next_message_id += 1;
        id
    }

    /// A customer's text in their private chat with the bot (chat id = user id).
    pub fn customer_text(&self, user_id: i64, text: &str) -> Value {
        let mut m = self.private_message(user_id);
        m.insert("text".into(), json!(text));
        if text.starts_with('/') {
            let len = text
                .split_whitespace()
                .next()
                .map_or(0, |c| c.encode_utf16().count());
            m.insert(
                "entities".into(),
                json!([{"type": "bot_command", "offset": 0, "length": len}]),
            );
        }
        self.push_update(json!({ "message": Value::Object(m) }))
    }

    /// A customer's photo (the largest size has `file_id`), with an optional caption.
    pub fn customer_photo(&self, user_id: i64, file_id: &str, caption: Option<&str>) -> Value {
        let mut m = self.private_message(user_id);
        m.insert(
            "photo".into(),
            json!([
                {"file_id": format!("{file_id}-small"), "file_unique_id": format!("u-{file_id}-s"), "width": 90, "height": 90, "file_size": 1000},
                {"file_id": file_id, "file_unique_id": format!("u-{file_id}"), "width": 800, "height": 600, "file_size": 50000}
            ]),
        );
        if let Some(c) = caption {
            m.insert("caption".into(), json!(c));
        }
        self.push_update(json!({ "message": Value::Object(m) }))
    }

    /// A customer's document.
    pub fn customer_document(
        &self,
        user_id: i64,
        file_id: &str,
        file_name: &str,
        caption: Option<&str>,
    ) -> Value {
        let m = self.private_message(user_id);
        self.push_document(m, file_id, file_name, caption)
    }

    /// Adds a PDF document (and its caption) to message `m` and delivers it.
    fn push_document(
        &self,
        mut m: Map<String, Value>,
        file_id: &str,
        file_name: &str,
        caption: Option<&str>,
    ) -> Value {
        m.insert(
            "document".into(),
            json!({"file_id": file_id, "file_unique_id": format!("u-{file_id}"), "file_name": file_name, "mime_type": "application/pdf", "file_size": 1234}),
        );
        if let Some(c) = caption {
            m.insert("caption".into(), json!(c));
        }
        self.push_update(json!({ "message": Value::Object(m) }))
    }

    /// A customer presses an inline button under the bot's message `message_id` in their
    /// private chat.
    pub fn press_button(&self, user_id: i64, message_id: i64, data: &str) -> Value {
        self.press_button_in(user_id, None, user_id, message_id, data)
    }

    /// Someone (`user_id`) presses an inline button under message `message_id` in chat
    /// `chat_id` (in forum topic `thread_id`, if any).
    pub fn press_button_in(
        &self,
        chat_id: i64,
        thread_id: Option<i64>,
        user_id: i64,
        message_id: i64,
        data: &str,
    ) -> Value {
        let mut msg = Map::new();
        msg.insert("message_id".into(), json!(message_id));
        msg.insert("date".into(), json!(now_secs()));
        msg.insert("chat".into(), chat_json(chat_id));
        msg.insert("from".into(), bot_user());
        msg.insert("text".into(), json!("…"));
        if let Some(t) = thread_id {
            msg.insert("message_thread_id".into(), json!(t));
            msg.insert("is_topic_message".into(), json!(true));
        }
        let id = {
            let mut st = self.inner.lock();
            st.next_message_id += 1;
            format!("cb{}", st.next_message_id)
        };
        self.push_update(json!({
            "callback_query": {
                "id": id,
                "from": self.user_json(user_id),
                "message": Value::Object(msg),
                "chat_instance": format!("ci{chat_id}"),
                "data": data,
            }
        }))
    }

    /// A member of the desk group writes `text` in forum topic `thread_id` of `chat_id`.
    pub fn agent_text_in_topic(
        &self,
        chat_id: i64,
        thread_id: i64,
        user_id: i64,
        text: &str,
    ) -> Value {
        let mut m = self.group_message(chat_id, Some(thread_id), user_id);
        m.insert("text".into(), json!(text));
        self.push_update(json!({ "message": Value::Object(m) }))
    }

    /// A member of the desk group sends a document in forum topic `thread_id` of `chat_id`.
    pub fn agent_document_in_topic(
        &self,
        chat_id: i64,
        thread_id: i64,
        user_id: i64,
        file_id: &str,
        file_name: &str,
        caption: Option<&str>,
    ) -> Value {
        let m = self.group_message(chat_id, Some(thread_id), user_id);
        self.push_document(m, file_id, file_name, caption)
    }

    /// A member of a group writes `text` outside any topic.
    pub fn group_text(&self, chat_id: i64, user_id: i64, text: &str) -> Value {
        let mut m = self.group_message(chat_id, None, user_id);
        m.insert("text".into(), json!(text));
        self.push_update(json!({ "message": Value::Object(m) }))
    }

    /// Sets the profile sent with a user's updates from now on (name and client language;
    /// the default is `User<id> Test`, username `user<id>`, language `en`).
    pub fn set_user(
        &self,
        user_id: i64,
        first_name: &str,
        last_name: Option<&str>,
        language_code: Option<&str>,
    ) {
        let mut u = json!({"id": user_id, "is_bot": false, "first_name": first_name, "username": format!("user{user_id}")});
        if let Some(l) = last_name {
            u["last_name"] = json!(l);
        }
        if let Some(l) = language_code {
            u["language_code"] = json!(l);
        }
        self.inner.lock().users.insert(user_id, u);
    }

    pub(super) fn user_json(&self, user_id: i64) -> Value {
        self.inner
            .lock()
            .users
            .get(&user_id)
            .cloned()
            .unwrap_or_else(|| default_user_json(user_id))
    }

    fn private_message(&self, user_id: i64) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("message_id".into(), json!(self.next_message_id()));
        m.insert("date".into(), json!(now_secs()));
        m.insert("chat".into(), chat_json(user_id));
        m.insert("from".into(), self.user_json(user_id));
        m
    }

    fn group_message(
        &self,
        chat_id: i64,
        thread_id: Option<i64>,
        user_id: i64,
    ) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("message_id".into(), json!(self.next_message_id()));
        m.insert("date".into(), json!(now_secs()));
        m.insert("chat".into(), chat_json(chat_id));
        m.insert("from".into(), self.user_json(user_id));
        if let Some(t) = thread_id {
            m.insert("message_thread_id".into(), json!(t));
            m.insert("is_topic_message".into(), json!(true));
        }
        m
    }
}

//! Failures [`FakeTelegram`] can stage: a customer blocking the bot, deleted forum topics,
//! injected HTTP errors.

use serde_json::{Value, json};

use super::json::{bot_user, chat_json, now_secs};
use super::{Failure, FakeTelegram};

impl FakeTelegram {
    /// The customer blocks (`blocked`) or unblocks the bot in their private chat: a
    /// `my_chat_member` update, and sends to the chat answer 403 while blocked.
    pub fn customer_blocks(&self, user_id: i64, blocked: bool) -> Value {
        let (old, new) = if blocked {
            ("member", "kicked")
        } else {
            ("kicked", "member")
        };
        let member = |status: &str| {
            let mut m = json!({"user": bot_user(), "status": status});
            if status == "kicked" {
                m["until_date"] = json!(0);
            }
            m
        };
        {
            let mut st = self.inner.lock();
            if blocked {
                st.blocked.insert(user_id);
            } else {
                st.blocked.remove(&user_id);
            }
        }
        self.push_update(json!({"my_chat_member": {
            "chat": chat_json(user_id),
            "from": self.user_json(user_id),
            "date": now_secs(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }}))
    }

    /// Deletes a forum topic, as an admin of the desk would: from now on every message or
    /// topic call for it answers 400 "message thread not found".
    pub fn delete_topic(&self, chat_id: i64, thread_id: i64) {
        self.inner
            .lock()
            .deleted_topics
            .insert((chat_id, thread_id));
    }

    /// The user of this private chat blocks the bot: messages to it answer 403 "bot was
    /// blocked by the user".
    pub fn block(&self, chat_id: i64) {
        self.inner.lock().blocked.insert(chat_id);
    }

    /// Makes the next call of `method` fail with HTTP `code` (429 with `retry_after` seconds,
    /// for example). Several calls queue several failures.
    pub fn fail_next(&self, method: &str, code: u16, retry_after: Option<u32>) {
        self.inner.lock().failures.push(Failure {
            method: method.to_owned(),
            code,
            retry_after,
        });
    }
}

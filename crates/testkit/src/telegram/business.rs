//! Telegram Business in [`FakeTelegram`]: business accounts connecting the bot (the
//! `business_connection` update), changing its rights or disconnecting it, customers writing
//! to the account (`business_message`), and the checks Telegram makes when the bot sends on
//! the account's behalf (`business_connection_id`): an unknown connection answers 400, a
//! disabled one or one without the right to reply answers 403. `getBusinessConnection`
//! answers the connection's current state.

use serde_json::{Map, Value, json};

use super::json::{bot_user, chat_json, now_secs};
use super::{FakeTelegram, Inner};

/// A business connection as the fake keeps it.
#[derive(Clone, Debug)]
pub(super) struct Connection {
    /// The business account's user id.
    account: i64,
    enabled: bool,
    can_reply: bool,
}

impl Connection {
    fn json(&self, id: &str, user: Value) -> Value {
        let mut rights = Map::new();
        if self.can_reply {
            rights.insert("can_reply".into(), json!(true));
        }
        rights.insert("can_read_messages".into(), json!(true));
        json!({
            "id": id,
            "user": user,
            "user_chat_id": self.account,
            "date": now_secs(),
            "rights": Value::Object(rights),
            "is_enabled": self.enabled,
        })
    }
}

impl FakeTelegram {
    /// Business account `account` connects the bot as connection `id` (with the right to
    /// reply when `can_reply`): a `business_connection` update.
    pub fn business_connect(&self, id: &str, account: i64, can_reply: bool) -> Value {
        self.set_connection(
            id,
            Connection {
                account,
                enabled: true,
                can_reply,
            },
        )
    }

    /// The account changes the bot's right to reply: a `business_connection` update.
    pub fn business_rights(&self, id: &str, can_reply: bool) -> Value {
        let mut c = self.connection(id);
        c.can_reply = can_reply;
        self.set_connection(id, c)
    }

    /// The account disconnects the bot: a `business_connection` update with `is_enabled`
    /// false; sends through the connection answer 403 from now on.
    pub fn business_disconnect(&self, id: &str) -> Value {
        let mut c = self.connection(id);
        c.enabled = false;
        self.set_connection(id, c)
    }

    /// Like [`FakeTelegram::business_disconnect`], but without the update (the bot was not
    /// running, or another replica received it): only `getBusinessConnection` tells.
    pub fn business_disconnect_silently(&self, id: &str) {
        let mut c = self.connection(id);
        c.enabled = false;
        self.inner.lock().business.insert(id.to_owned(), c);
    }

    /// Customer `user_id` writes `text` to the business account of connection `id`: a
    /// `business_message` in the customer's chat with the account (chat id = user id).
    pub fn business_text(&self, id: &str, user_id: i64, text: &str) -> Value {
        let mut m = Map::new();
        m.insert("message_id".into(), json!(self.next_message_id()));
        m.insert("date".into(), json!(now_secs()));
        m.insert("chat".into(), chat_json(user_id));
        m.insert("from".into(), self.user_json(user_id));
        m.insert("text".into(), json!(text));
        m.insert("business_connection_id".into(), json!(id));
        self.push_update(json!({ "business_message": Value::Object(m) }))
    }

    /// The business account's owner writes `text` in their chat with customer `user_id`
    /// (also a `business_message`; not a customer's message).
    pub fn business_owner_text(&self, id: &str, user_id: i64, text: &str) -> Value {
        let account = self.connection(id).account;
        let mut m = Map::new();
        m.insert("message_id".into(), json!(self.next_message_id()));
        m.insert("date".into(), json!(now_secs()));
        m.insert("chat".into(), chat_json(user_id));
        m.insert("from".into(), self.user_json(account));
        m.insert("text".into(), json!(text));
        m.insert("business_connection_id".into(), json!(id));
        self.push_update(json!({ "business_message": Value::Object(m) }))
    }

    /// Customer `user_id` presses an inline button under message `message_id` that the bot
    /// sent through business connection `id`.
    pub fn business_press_button(
        &self,
        id: &str,
        user_id: i64,
        message_id: i64,
        data: &str,
    ) -> Value {
        let account = self.connection(id).account;
        let mut msg = Map::new();
        msg.insert("message_id".into(), json!(message_id));
        msg.insert("date".into(), json!(now_secs()));
        msg.insert("chat".into(), chat_json(user_id));
        msg.insert("from".into(), self.user_json(account));
        msg.insert("sender_business_bot".into(), bot_user());
        msg.insert("business_connection_id".into(), json!(id));
        msg.insert("text".into(), json!("…"));
        let cb = {
            let mut st = self.inner.lock();
            st.next_message_id += 1;
            format!("cb{}", st.next_message_id)
        };
        self.push_update(json!({
            "callback_query": {
                "id": cb,
                "from": self.user_json(user_id),
                "message": Value::Object(msg),
                "chat_instance": format!("ci{user_id}"),
                "data": data,
            }
        }))
    }

    fn connection(&self, id: &str) -> Connection {
        self.inner
            .lock()
            .business
            .get(id)
            .cloned()
            .unwrap_or_else(|| panic!("no business connection {id:?} in the fake"))
    }

    fn set_connection(&self, id: &str, c: Connection) -> Value {
        let user = self.user_json(c.account);
        let update = c.json(id, user);
        self.inner.lock().business.insert(id.to_owned(), c);
        self.push_update(json!({ "business_connection": update }))
    }
}

/// `getBusinessConnection`.
pub(super) fn get_connection(inner: &Inner, params: &Value) -> Result<Value, (u16, String)> {
    let id = params
        .get("business_connection_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (c, user) = {
        let st = inner.lock();
        let c = st
            .business
            .get(id)
            .cloned()
            .ok_or((400, "Bad Request: BUSINESS_CONNECTION_INVALID".to_owned()))?;
        let user = st
            .users
            .get(&c.account)
            .cloned()
            .unwrap_or_else(|| super::json::default_user_json(c.account));
        (c, user)
    };
    Ok(c.json(id, user))
}

/// Telegram's check of a send with `business_connection_id`; `Ok(None)` when the request has
/// none, else the connection id for the sent message.
pub(super) fn check_send(inner: &Inner, params: &Value) -> Result<Option<String>, (u16, String)> {
    let Some(id) = params.get("business_connection_id").and_then(Value::as_str) else {
        return Ok(None);
    };
    let c = inner
        .lock()
        .business
        .get(id)
        .cloned()
        .ok_or((400, "Bad Request: BUSINESS_CONNECTION_INVALID".to_owned()))?;
    if !c.enabled {
        return Err((403, "Forbidden: BUSINESS_CONNECTION_NOT_ALLOWED".into()));
    }
    if !c.can_reply {
        return Err((403, "Forbidden: BUSINESS_PEER_USAGE_MISSING".into()));
    }
    Ok(Some(id.to_owned()))
}

//! Fake Telegram Bot API on 127.0.0.1, for testing the real teloxide client offline.
//!
//! [`FakeTelegram::start`] serves `/bot<TOKEN>/<method>` (method names matched
//! case-insensitively; JSON and multipart bodies). It records every request for assertions,
//! queues updates that `getUpdates` hands out (honouring `offset` and `timeout` the way
//! Telegram does: updates below the offset are confirmed and dropped), can inject
//! failures such as a 429 with `retry_after`, and can hold a request back until the test lets
//! it through ([`FakeTelegram::hold_next`], a slow Telegram).
//!
//! Webhook mode is faked too: `setWebhook` records the URL and the secret token (while a
//! webhook is set `getUpdates` answers 409, as Telegram does, until `deleteWebhook`), and
//! [`FakeTelegram::deliver_webhook`] POSTs an update to the registered URL with the secret in
//! the `X-Telegram-Bot-Api-Secret-Token` header, the way Telegram delivers it. The update
//! builders (`customer_text`, ...) still queue their update for `getUpdates`; in webhook mode
//! deliver the update they return.
//!
//! ```no_run
//! # async fn demo() {
//! use frontdesk_testkit::telegram::FakeTelegram;
//! let tg = FakeTelegram::start().await;
//! tg.customer_text(1001, "Where is my order?");
//! let reply = tg
//!     .wait_for(|r| r.is("sendMessage") && r.chat_id() == Some(1001))
//!     .await;
//! assert!(reply.text().is_some());
//! # }
//! ```

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

/// The bot token the fake accepts.
pub const TOKEN: &str = "123456:TEST-frontdesk-token";
/// The fake bot's user id.
pub const BOT_ID: i64 = 4242;
/// The fake bot's username.
pub const BOT_USERNAME: &str = "frontdesk_test_bot";
/// How long the `wait_for` helpers wait before panicking.
pub const WAIT: Duration = Duration::from_secs(10);

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Request {
    /// The method name as sent (teloxide capitalises it: `SendMessage`).
    pub method: String,
    /// The parameters, as JSON (multipart fields are converted to JSON values).
    pub body: Value,
    /// Whether the fake answered with success.
    pub ok: bool,
    /// The `result` the fake answered with (`null` while pending or on failure).
    pub result: Value,
}

impl Request {
    /// Whether this is a call of `method` (case-insensitive).
    pub fn is(&self, method: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
    }

    /// The `chat_id` parameter as a number.
    pub fn chat_id(&self) -> Option<i64> {
        as_i64(self.body.get("chat_id")?)
    }

    /// The `message_thread_id` parameter.
    pub fn thread_id(&self) -> Option<i64> {
        as_i64(self.body.get("message_thread_id")?)
    }

    /// The `message_id` parameter.
    pub fn message_id(&self) -> Option<i64> {
        as_i64(self.body.get("message_id")?)
    }

    /// The `text` parameter (or `caption` for media).
    pub fn text(&self) -> Option<&str> {
        self.body
            .get("text")
            .or_else(|| self.body.get("caption"))
            .and_then(Value::as_str)
    }

    /// The `parse_mode` parameter.
    pub fn parse_mode(&self) -> Option<&str> {
        self.body.get("parse_mode").and_then(Value::as_str)
    }

    /// The callback data of the inline keyboard buttons in `reply_markup`, row by row flattened.
    pub fn button_payloads(&self) -> Vec<String> {
        self.body
            .get("reply_markup")
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
            .map(|rows| {
                rows.iter()
                    .filter_map(Value::as_array)
                    .flatten()
                    .filter_map(|b| b.get("callback_data").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `message_id` of the message the fake returned for this call (`sendMessage`, ...).
    pub fn sent_message_id(&self) -> Option<i64> {
        self.result.get("message_id").and_then(Value::as_i64)
    }

    /// A string parameter.
    pub fn str_param(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A failure to inject into the next call of a method.
#[derive(Clone, Debug)]
struct Failure {
    method: String,
    code: u16,
    retry_after: Option<u32>,
}

#[derive(Default)]
struct FakeState {
    /// Updates not yet confirmed by an offset.
    updates: VecDeque<Value>,
    next_update_id: i64,
    next_message_id: i64,
    next_thread_id: i64,
    requests: Vec<Request>,
    failures: Vec<Failure>,
    /// Requests to hold back until their gate opens (see [`FakeTelegram::hold_next`]).
    holds: Vec<(String, i64, Arc<GateState>)>,
    /// Profiles set with [`FakeTelegram::set_user`].
    users: std::collections::HashMap<i64, Value>,
    /// The webhook set with `setWebhook`: URL and secret token (empty when none was given).
    webhook: Option<(String, String)>,
    /// Forum topics deleted with [`FakeTelegram::delete_topic`]: (chat, thread).
    deleted_topics: std::collections::HashSet<(i64, i64)>,
    /// Private chats whose user blocked the bot ([`FakeTelegram::block`]).
    blocked: std::collections::HashSet<i64>,
}

struct Inner {
    state: Mutex<FakeState>,
    new_update: Notify,
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The fake Telegram Bot API server. Dropping it stops the server.
pub struct FakeTelegram {
    inner: Arc<Inner>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    /// Starts the server on 127.0.0.1 with a free port.
    pub async fn start() -> FakeTelegram {
        let inner = Arc::new(Inner {
            state: Mutex::new(FakeState {
                next_update_id: 1000,
                next_message_id: 1,
                next_thread_id: 500,
                ..FakeState::default()
            }),
            new_update: Notify::new(),
        });
        let app = Router::new()
            .route("/{bot}/{method}", post(handle).get(handle_get))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Telegram server");
        let addr = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            inner,
            addr,
            server,
        }
    }

    /// The API base URL to give the client (`Bot::set_api_url`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The token the fake accepts.
    pub fn token(&self) -> String {
        TOKEN.to_owned()
    }

    // ---- updates -------------------------------------------------------------------------

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

    fn next_message_id(&self) -> i64 {
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

    fn user_json(&self, user_id: i64) -> Value {
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

    // ---- webhook -------------------------------------------------------------------------

    /// The URL registered with `setWebhook` (`None` before, or after `deleteWebhook`).
    pub fn webhook_url(&self) -> Option<String> {
        self.inner
            .lock()
            .webhook
            .as_ref()
            .map(|(url, _)| url.clone())
    }

    /// The `secret_token` registered with `setWebhook` (empty when none was given).
    pub fn webhook_secret(&self) -> Option<String> {
        self.inner
            .lock()
            .webhook
            .as_ref()
            .map(|(_, secret)| secret.clone())
    }

    /// Waits (up to [`WAIT`]) until a webhook is registered; returns its URL.
    pub async fn wait_for_webhook(&self) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(url) = self.webhook_url() {
                return url;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "no webhook registered within {WAIT:?}; requests:\n{}",
                    self.dump(0)
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Delivers `update` the way Telegram does: POSTs it as JSON to the registered webhook
    /// URL with the registered secret in the `X-Telegram-Bot-Api-Secret-Token` header.
    /// Returns the HTTP status of the answer. Panics when no webhook is registered or the
    /// endpoint cannot be reached (see [`FakeTelegram::try_deliver_webhook`]).
    pub async fn deliver_webhook(&self, update: Value) -> u16 {
        let secret = self.webhook_secret().filter(|s| !s.is_empty());
        self.deliver_webhook_with_secret(update, secret.as_deref())
            .await
    }

    /// Like [`FakeTelegram::deliver_webhook`] with the header set to `secret` (left out when
    /// `None`), e.g. a wrong one.
    pub async fn deliver_webhook_with_secret(&self, update: Value, secret: Option<&str>) -> u16 {
        match self.try_deliver_webhook(&update, secret).await {
            Ok(status) => status,
            Err(e) => panic!("webhook delivery failed: {e}"),
        }
    }

    /// POSTs `update` to the registered webhook URL with `secret` as the secret header (left
    /// out when `None`). The HTTP status, or why no answer came (no webhook registered,
    /// connection refused, ...).
    pub async fn try_deliver_webhook(
        &self,
        update: &Value,
        secret: Option<&str>,
    ) -> Result<u16, String> {
        let url = self
            .webhook_url()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| "no webhook registered".to_owned())?;
        let mut req = reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            .timeout(WAIT)
            .body(update.to_string());
        if let Some(s) = secret {
            req = req.header("x-telegram-bot-api-secret-token", s);
        }
        let resp = req.send().await.map_err(|e| format!("POST {url}: {e}"))?;
        Ok(resp.status().as_u16())
    }

    // ---- failures ------------------------------------------------------------------------

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

    /// Holds back the next call of `method` for `chat_id` (a slow Telegram): the call is
    /// neither answered nor recorded until the returned [`Gate`] is opened (or dropped, or
    /// [`WAIT`] three times over has passed).
    pub fn hold_next(&self, method: &str, chat_id: i64) -> Gate {
        let state = Arc::new(GateState::default());
        self.inner
            .lock()
            .holds
            .push((method.to_owned(), chat_id, state.clone()));
        Gate { state }
    }

    // ---- assertions ----------------------------------------------------------------------

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.inner.lock().requests.clone()
    }

    /// How many requests were received so far (a mark for [`FakeTelegram::wait_for_since`]).
    pub fn mark(&self) -> usize {
        self.inner.lock().requests.len()
    }

    /// Requests other than `getUpdates`, `getMe` and the webhook calls (what the bot did).
    pub fn actions(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| {
                ![
                    "getUpdates",
                    "getMe",
                    "getWebhookInfo",
                    "deleteWebhook",
                    "setWebhook",
                ]
                .iter()
                .any(|m| r.is(m))
            })
            .collect()
    }

    /// Requests matching `pred`.
    pub fn matching(&self, pred: impl Fn(&Request) -> bool) -> Vec<Request> {
        self.requests().into_iter().filter(|r| pred(r)).collect()
    }

    /// Waits (up to [`WAIT`]) for a request matching `pred`, among all requests so far and
    /// to come. Panics with the requests seen when none arrives in time.
    pub async fn wait_for(&self, pred: impl Fn(&Request) -> bool) -> Request {
        self.wait_for_since(0, pred).await
    }

    /// Like [`FakeTelegram::wait_for`], among the requests from index `since` on (see
    /// [`FakeTelegram::mark`]).
    pub async fn wait_for_since(&self, since: usize, pred: impl Fn(&Request) -> bool) -> Request {
        match self.try_wait_for_since(since, WAIT, pred).await {
            Some(r) => r,
            None => panic!(
                "no matching Telegram request within {WAIT:?}; requests since #{since}:\n{}",
                self.dump(since)
            ),
        }
    }

    /// Waits up to `timeout` for a request matching `pred` from index `since` on.
    pub async fn try_wait_for_since(
        &self,
        since: usize,
        timeout: Duration,
        pred: impl Fn(&Request) -> bool,
    ) -> Option<Request> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let st = self.inner.lock();
                if let Some(r) = st.requests.iter().skip(since).find(|r| pred(r)) {
                    return Some(r.clone());
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits (up to [`WAIT`]) until every queued update has been confirmed by a `getUpdates`
    /// offset, i.e. the client processed them all.
    pub async fn wait_until_confirmed(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if self.inner.lock().updates.is_empty() {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "updates not confirmed within {WAIT:?}: {:?}",
                    self.pending_update_ids()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The requests from index `since` on, one per line, for failure messages.
    pub fn dump(&self, since: usize) -> String {
        self.requests()
            .iter()
            .enumerate()
            .skip(since)
            .filter(|(_, r)| !r.is("getUpdates"))
            .map(|(i, r)| {
                format!(
                    "#{i} {}{} {}",
                    r.method,
                    if r.ok { "" } else { " (failed)" },
                    r.body
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The default profile of a user: `User<id> Test`, username `user<id>`, language `en`.
fn default_user_json(user_id: i64) -> Value {
    json!({
        "id": user_id,
        "is_bot": false,
        "first_name": format!("User{user_id}"),
        "last_name": "Test",
        "username": format!("user{user_id}"),
        "language_code": "en",
    })
}

fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Frontdesk", "username": BOT_USERNAME})
}

/// A chat object: positive ids are private chats, negative ones forum supergroups.
fn chat_json(chat_id: i64) -> Value {
    if chat_id > 0 {
        json!({"id": chat_id, "type": "private", "first_name": format!("User{chat_id}")})
    } else {
        json!({"id": chat_id, "type": "supergroup", "title": format!("Group {chat_id}"), "is_forum": true})
    }
}

/// The shared state of a [`Gate`].
#[derive(Default)]
struct GateState {
    reached: std::sync::atomic::AtomicBool,
    opened: std::sync::atomic::AtomicBool,
    open: Notify,
}

impl GateState {
    fn is_open(&self) -> bool {
        self.opened.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A request held back by [`FakeTelegram::hold_next`]. Dropping the gate opens it.
pub struct Gate {
    state: Arc<GateState>,
}

impl Gate {
    /// Whether the held request has arrived (and is waiting).
    pub fn is_reached(&self) -> bool {
        self.state.reached.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits (up to [`WAIT`]) until the held request has arrived. Panics when it does not.
    pub async fn reached(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.is_reached() {
            if tokio::time::Instant::now() >= deadline {
                panic!("the held request did not arrive within {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Lets the held request through (it is recorded and answered now).
    pub fn open(&self) {
        self.state
            .opened
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.state.open.notify_waiters();
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.open();
    }
}

/// Waits while a gate set for this request is closed.
async fn pass_gate(inner: &Inner, method: &str, params: &Value) {
    let chat = params.get("chat_id").and_then(as_i64);
    let gate = {
        let mut st = inner.lock();
        let pos = st
            .holds
            .iter()
            .position(|(m, c, _)| m.eq_ignore_ascii_case(method) && Some(*c) == chat);
        pos.map(|i| st.holds.remove(i).2)
    };
    let Some(gate) = gate else { return };
    gate.reached
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + WAIT * 3;
    loop {
        let opened = gate.open.notified();
        tokio::pin!(opened);
        opened.as_mut().enable();
        if gate.is_open() {
            return;
        }
        tokio::select! {
            () = &mut opened => {}
            () = tokio::time::sleep_until(deadline) => return,
        }
    }
}

// ---- the server ----------------------------------------------------------------------------

async fn handle_get(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
) -> Response {
    serve(inner, bot, method, Value::Object(Map::new())).await
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let params = if content_type.starts_with("multipart/form-data") {
        parse_multipart(&content_type, &body)
    } else if body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Object(Map::new()))
    };
    serve(inner, bot, method, params).await
}

fn error(code: u16, description: &str, retry_after: Option<u32>) -> Response {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(s) = retry_after {
        body["parameters"] = json!({"retry_after": s});
    }
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(body)).into_response()
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

async fn serve(inner: Arc<Inner>, bot: String, method: String, params: Value) -> Response {
    if bot != format!("bot{TOKEN}") {
        return error(401, "Unauthorized", None);
    }
    pass_gate(&inner, &method, &params).await;

    // Record, and take an injected failure if one is queued for this method.
    let (index, failure) = {
        let mut st = inner.lock();
        let pos = st
            .failures
            .iter()
            .position(|f| f.method.eq_ignore_ascii_case(&method));
        let f = pos.map(|i| st.failures.remove(i));
        st.requests.push(Request {
            method: method.clone(),
            body: params.clone(),
            ok: f.is_none(),
            result: Value::Null,
        });
        (st.requests.len() - 1, f)
    };
    if let Some(f) = failure {
        let desc = match (f.code, f.retry_after) {
            (429, Some(s)) => format!("Too Many Requests: retry after {s}"),
            (429, None) => "Too Many Requests".to_owned(),
            (code, _) => format!("Bad Request: injected failure {code}"),
        };
        return error(f.code, &desc, f.retry_after);
    }

    match dispatch(&inner, &method, &params).await {
        Ok(result) => {
            if let Some(r) = inner.lock().requests.get_mut(index) {
                r.result = result.clone();
            }
            ok(result)
        }
        Err((code, desc)) => {
            if let Some(r) = inner.lock().requests.get_mut(index) {
                r.ok = false;
            }
            error(code, &desc, None)
        }
    }
}

async fn dispatch(inner: &Inner, method: &str, params: &Value) -> Result<Value, (u16, String)> {
    let lower = method.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "sendmessage"
            | "sendphoto"
            | "senddocument"
            | "closeforumtopic"
            | "reopenforumtopic"
            | "editforumtopic"
    ) {
        let chat = params.get("chat_id").and_then(as_i64).unwrap_or(0);
        let thread = params.get("message_thread_id").and_then(as_i64);
        let st = inner.lock();
        if let Some(t) = thread
            && st.deleted_topics.contains(&(chat, t))
        {
            return Err((400, "Bad Request: message thread not found".into()));
        }
        if st.blocked.contains(&chat) {
            return Err((403, "Forbidden: bot was blocked by the user".into()));
        }
    }
    Ok(match lower.as_str() {
        "getme" => json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Frontdesk", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": true,
            "supports_inline_queries": false, "has_main_web_app": false
        }),
        "getwebhookinfo" => {
            let url = inner
                .lock()
                .webhook
                .as_ref()
                .map(|(url, _)| url.clone())
                .unwrap_or_default();
            json!({"url": url, "has_custom_certificate": false, "pending_update_count": 0})
        }
        "setwebhook" => {
            let url = params.get("url").and_then(Value::as_str).unwrap_or("");
            let secret = params
                .get("secret_token")
                .and_then(Value::as_str)
                .unwrap_or("");
            inner.lock().webhook = (!url.is_empty()).then(|| (url.to_owned(), secret.to_owned()));
            json!(true)
        }
        "deletewebhook" => {
            inner.lock().webhook = None;
            json!(true)
        }
        "setmycommands" => json!(true),
        "getupdates" => {
            if inner.lock().webhook.is_some() {
                return Err((
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first".into(),
                ));
            }
            get_updates(inner, params).await
        }
        "sendmessage" => sent_message(inner, params, |m| {
            m.insert(
                "text".into(),
                params.get("text").cloned().unwrap_or(json!("")),
            );
        }),
        "sendphoto" => {
            let file_id = params
                .get("photo")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            sent_message(inner, params, |m| {
                m.insert(
                    "photo".into(),
                    json!([{"file_id": file_id, "file_unique_id": format!("u-{file_id}"), "width": 800, "height": 600}]),
                );
                if let Some(c) = params.get("caption") {
                    m.insert("caption".into(), c.clone());
                }
            })
        }
        "senddocument" => {
            let file_id = params
                .get("document")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            sent_message(inner, params, |m| {
                m.insert(
                    "document".into(),
                    json!({"file_id": file_id, "file_unique_id": format!("u-{file_id}")}),
                );
                if let Some(c) = params.get("caption") {
                    m.insert("caption".into(), c.clone());
                }
            })
        }
        "editmessagereplymarkup" | "editmessagetext" => {
            let chat_id = params.get("chat_id").and_then(as_i64).unwrap_or(0);
            let message_id = params.get("message_id").and_then(as_i64).unwrap_or(0);
            let mut m = Map::new();
            m.insert("message_id".into(), json!(message_id));
            m.insert("date".into(), json!(now_secs()));
            m.insert("edit_date".into(), json!(now_secs()));
            m.insert("chat".into(), chat_json(chat_id));
            m.insert("from".into(), bot_user());
            m.insert(
                "text".into(),
                params.get("text").cloned().unwrap_or(json!("…")),
            );
            if let Some(rm) = params.get("reply_markup") {
                m.insert("reply_markup".into(), rm.clone());
            }
            Value::Object(m)
        }
        "answercallbackquery"
        | "closeforumtopic"
        | "reopenforumtopic"
        | "editforumtopic"
        | "deletemessage" => json!(true),
        "createforumtopic" => {
            let chat_id = params.get("chat_id").and_then(as_i64).unwrap_or(0);
            if chat_id >= 0 {
                return Err((400, "Bad Request: the chat is not a forum".into()));
            }
            let id = {
                let mut st = inner.lock();
                let id = st.next_thread_id;
                st.next_thread_id += 1;
                id
            };
            json!({
                "message_thread_id": id,
                "name": params.get("name").cloned().unwrap_or(json!("")),
                "icon_color": 7_322_096,
            })
        }
        _ => return Err((404, "Not Found: method not found".into())),
    })
}

/// The message the bot sent, as Telegram returns it.
fn sent_message(
    inner: &Inner,
    params: &Value,
    fill: impl FnOnce(&mut Map<String, Value>),
) -> Value {
    let chat_id = params.get("chat_id").and_then(as_i64).unwrap_or(0);
    let id = {
        let mut st = inner.lock();
        let id = st.next_message_id;
        st.next_message_id += 1;
        id
    };
    let mut m = Map::new();
    m.insert("message_id".into(), json!(id));
    m.insert("date".into(), json!(now_secs()));
    m.insert("chat".into(), chat_json(chat_id));
    m.insert("from".into(), bot_user());
    if let Some(t) = params.get("message_thread_id").and_then(as_i64) {
        m.insert("message_thread_id".into(), json!(t));
        m.insert("is_topic_message".into(), json!(true));
    }
    if let Some(rm) = params.get("reply_markup") {
        m.insert("reply_markup".into(), rm.clone());
    }
    fill(&mut m);
    Value::Object(m)
}

async fn get_updates(inner: &Inner, params: &Value) -> Value {
    let offset = params.get("offset").and_then(as_i64);
    let timeout = params.get("timeout").and_then(as_i64).unwrap_or(0).max(0) as u64;
    let limit = params
        .get("limit")
        .and_then(as_i64)
        .filter(|l| (1..=100).contains(l))
        .unwrap_or(100) as usize;
    // Empty answers wait for the timeout (at least ~100 ms, so clients do not spin).
    let wait = Duration::from_secs(timeout).max(Duration::from_millis(100));
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let notified = inner.new_update.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut st = inner.lock();
            if let Some(o) = offset {
                st.updates
                    .retain(|u| u.get("update_id").and_then(Value::as_i64).unwrap_or(0) >= o);
            }
            if !st.updates.is_empty() {
                let batch: Vec<Value> = st.updates.iter().take(limit).cloned().collect();
                return Value::Array(batch);
            }
        }
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep_until(deadline) => return json!([]),
        }
    }
}

/// Parses a `multipart/form-data` body of text fields (teloxide sends file ids as text) into
/// a JSON object. Numbers and JSON objects/arrays are decoded; `text`, `caption` and file
/// fields stay strings.
fn parse_multipart(content_type: &str, body: &[u8]) -> Value {
    let mut out = Map::new();
    let Some(boundary) = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
    else {
        return Value::Object(out);
    };
    let boundary = boundary.trim_matches('"');
    let text = String::from_utf8_lossy(body);
    let delim = format!("--{boundary}");
    for part in text.split(delim.as_str()) {
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        if part.starts_with("--") || part.trim().is_empty() {
            continue;
        }
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let Some(name) = head
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("name="))
            .map(|n| n.trim_matches('"').to_owned())
        else {
            continue;
        };
        let keep_string = matches!(
            name.as_str(),
            "text" | "caption" | "photo" | "document" | "name" | "parse_mode" | "file_name"
        );
        let v = if keep_string {
            Value::String(value.to_owned())
        } else if let Ok(n) = value.parse::<i64>() {
            json!(n)
        } else if value == "true" || value == "false" {
            json!(value == "true")
        } else if value.starts_with('{') || value.starts_with('[') {
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()))
        } else {
            Value::String(value.to_owned())
        };
        out.insert(name, v);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_fields() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n-100\r\n--XX\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nAgAC123\r\n--XX\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n5\r\n--XX\r\nContent-Disposition: form-data; name=\"reply_markup\"\r\n\r\n{\"inline_keyboard\":[]}\r\n--XX--\r\n";
        let v = parse_multipart("multipart/form-data; boundary=XX", body.as_bytes());
        assert_eq!(v["chat_id"], json!(-100));
        assert_eq!(v["photo"], json!("AgAC123"));
        assert_eq!(v["caption"], json!("5"));
        assert_eq!(v["reply_markup"], json!({"inline_keyboard": []}));
    }
}

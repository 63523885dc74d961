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
//! Telegram Business is faked as well: business accounts connecting the bot, customers
//! writing to them, and Telegram's checks of sends with `business_connection_id`
//! ([`FakeTelegram::business_connect`] and the methods after it).
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
use axum::routing::post;
use serde_json::Value;
use tokio::sync::Notify;

mod assertions;
mod business;
mod failures;
mod gate;
mod json;
mod multipart;
mod server;
mod updates;
mod webhook;

pub use assertions::Request;
pub use gate::Gate;

use gate::GateState;
use server::{handle, handle_get};

/// The bot token the fake accepts.
pub const TOKEN: &str = "123456:TEST-frontdesk-token";
/// The fake bot's user id.
pub const BOT_ID: i64 = 4242;
/// The fake bot's username.
pub const BOT_USERNAME: &str = "frontdesk_test_bot";
/// How long the `wait_for` helpers wait before panicking.
pub const WAIT: Duration = Duration::from_secs(10);

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
    /// Business connections by id ([`FakeTelegram::business_connect`]).
    business: std::collections::HashMap<String, business::Connection>,
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
}

//! Fake Discord REST API and gateway on 127.0.0.1, for testing the real serenity client offline.
//!
//! [`FakeDiscord::start`] binds two loopback ports: an axum server answering the REST API under
//! `/api/v10` (point serenity at it with `HttpBuilder::proxy(fake.api_url())` and
//! `ratelimiter_disabled(true)`), and a websocket gateway whose address `GET /gateway` returns.
//! The gateway says HELLO, answers IDENTIFY with READY, RESUME with RESUMED, acknowledges
//! heartbeats, and pushes the events a test [`dispatch`](FakeDiscord::dispatch)es.
//!
//! Every REST request is recorded ([`Recorded`]) for assertions; [`FakeDiscord::wait_for`]
//! waits (with a timeout, so a test never hangs) until one matches.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod events;
mod gateway;
mod json;
mod limits;
mod rest;

pub use json::user_json;
pub use limits::BOT_ROLE_ID;

use gateway::{Session, gateway_connection};
use rest::rest_handler;

/// The bot's own user id (and application id) on the fake server.
pub const BOT_ID: u64 = 900;
/// The id of the one guild the fake server knows.
pub const GUILD_ID: u64 = 800;
/// How long the waiting helpers wait before they panic.
pub const WAIT: Duration = Duration::from_secs(10);

/// A timestamp in Discord's format (the value does not matter to the tests).
const TIMESTAMP: &str = "2026-11-25T13:00:00.000000+00:00";

/// One REST request the fake server received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `POST`, `PATCH`, `PUT`, `DELETE`.
    pub method: String,
    /// The path below `/api/v10`, for example `/channels/123/messages`.
    pub path: String,
    /// The JSON body (`Value::Null` when there was none or it was not JSON).
    pub body: Value,
    /// The id of the object the request created (message, thread, DM channel), if any.
    pub created_id: Option<String>,
    /// When it arrived.
    pub at: std::time::Instant,
    /// Whether it was answered 429 (a staged rate limit, see [`FakeDiscord::rate_limit_next`]).
    pub limited: bool,
    /// Whether it came while a 429 it was subject to was still running.
    pub early: bool,
    /// The files uploaded with it (`multipart/form-data`: the `files[n]` parts; the body is
    /// then the `payload_json` part).
    pub files: Vec<RecordedFile>,
}

/// A file uploaded with a request, as the fake received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedFile {
    /// The form field: `files[0]`, `files[1]`, ...
    pub field: String,
    /// The `filename` of the part.
    pub file_name: String,
    /// Its `Content-Type`, if given.
    pub content_type: Option<String>,
    /// Its bytes.
    pub content: Vec<u8>,
}

impl RecordedFile {
    /// The content as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.content).into_owned()
    }
}

impl Recorded {
    /// Whether this is a `POST /channels/{channel}/messages`.
    pub fn is_message_to(&self, channel: u64) -> bool {
        self.method == "POST" && self.path == format!("/channels/{channel}/messages")
    }

    /// The message content, for message posts.
    pub fn content(&self) -> &str {
        self.body
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The `custom_id`s of the buttons in the body's components, in order.
    pub fn button_ids(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(rows) = self.body.get("components").and_then(Value::as_array) {
            for row in rows {
                if let Some(items) = row.get("components").and_then(Value::as_array) {
                    for b in items {
                        if let Some(id) = b.get("custom_id").and_then(Value::as_str) {
                            out.push(id.to_owned());
                        }
                    }
                }
            }
        }
        out
    }
}

#[derive(Default)]
struct ChannelState {
    name: String,
    kind: u64,
    parent: Option<u64>,
    archived: bool,
    locked: bool,
}

struct Inner {
    api_addr: SocketAddr,
    ws_addr: SocketAddr,
    next_id: AtomicU64,
    seq: AtomicU64,
    requests: Mutex<Vec<Recorded>>,
    channels: Mutex<HashMap<u64, ChannelState>>,
    dm_channels: Mutex<HashMap<u64, u64>>,
    /// Interaction token -> (id, content) of the message its response created.
    originals: Mutex<HashMap<String, (u64, String)>>,
    /// Interaction token -> the channel it was used in.
    interaction_channels: Mutex<HashMap<String, u64>>,
    session: Mutex<Option<Session>>,
    /// Bumped at every READY or RESUMED sent: dispatch waits for a session.
    sessions: watch::Sender<u64>,
    identifies: AtomicU64,
    resumes: AtomicU64,
    fail: Mutex<Option<(String, u16)>>,
    /// Staged and running 429s.
    limits: Mutex<Vec<limits::Limit>>,
    /// Role id -> permissions (`GUILD_ID` is `@everyone`).
    roles: Mutex<HashMap<u64, u64>>,
    /// Channel id -> permission overwrites.
    overwrites: Mutex<HashMap<u64, Vec<Value>>>,
    /// Guild members listed by `GET /guilds/{id}/members`.
    members: Mutex<Vec<Value>>,
}

impl Inner {
    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::SeqCst)
    }
}

/// The fake Discord server. Dropping it stops both listeners.
pub struct FakeDiscord {
    inner: Arc<Inner>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl FakeDiscord {
    /// Starts the REST server and the gateway on two free loopback ports.
    pub async fn start() -> FakeDiscord {
        let api = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Discord API");
        let ws = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Discord gateway");
        let (sessions, _) = watch::channel(0);
        let inner = Arc::new(Inner {
            api_addr: api.local_addr().expect("api address"),
            ws_addr: ws.local_addr().expect("gateway address"),
            next_id: AtomicU64::new(10_000),
            seq: AtomicU64::new(0),
            requests: Mutex::new(Vec::new()),
            channels: Mutex::new(HashMap::new()),
            dm_channels: Mutex::new(HashMap::new()),
            originals: Mutex::new(HashMap::new()),
            interaction_channels: Mutex::new(HashMap::new()),
            session: Mutex::new(None),
            sessions,
            identifies: AtomicU64::new(0),
            resumes: AtomicU64::new(0),
            fail: Mutex::new(None),
            limits: Mutex::new(Vec::new()),
            roles: Mutex::new(HashMap::from([
                (GUILD_ID, limits::EVERYONE_DEFAULT),
                (limits::BOT_ROLE_ID, limits::BOT_ROLE_DEFAULT),
            ])),
            overwrites: Mutex::new(HashMap::new()),
            members: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .fallback(rest_handler)
            .with_state(inner.clone());
        let rest = tokio::spawn(async move {
            let _ = axum::serve(api, app).await;
        });
        let gw_inner = inner.clone();
        let gateway = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = ws.accept().await else {
                    continue;
                };
                let inner = gw_inner.clone();
                tokio::spawn(async move { gateway_connection(stream, inner).await });
            }
        });
        FakeDiscord {
            inner,
            tasks: vec![rest, gateway],
        }
    }

    /// The base URL to give serenity's `HttpBuilder::proxy`: `http://127.0.0.1:PORT`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.inner.api_addr)
    }

    /// The gateway URL `GET /gateway` returns.
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/ws", self.inner.ws_addr)
    }

    /// A fresh snowflake id.
    pub fn next_id(&self) -> u64 {
        self.inner.id()
    }

    /// How many IDENTIFYs the gateway received.
    pub fn identify_count(&self) -> u64 {
        self.inner.identifies.load(Ordering::SeqCst)
    }

    /// How many RESUMEs the gateway received.
    pub fn resume_count(&self) -> u64 {
        self.inner.resumes.load(Ordering::SeqCst)
    }

    /// Makes every REST request whose path contains `path_part` fail with `status` (until
    /// [`FakeDiscord::clear_failure`]).
    pub fn fail_requests(&self, path_part: &str, status: u16) {
        *self.inner.fail.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((path_part.to_owned(), status));
    }

    /// Stops failing requests.
    pub fn clear_failure(&self) {
        *self.inner.fail.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Every REST request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Requests matching `pred`.
    pub fn matching(&self, pred: impl Fn(&Recorded) -> bool) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| pred(r)).collect()
    }

    /// Waits (at most [`WAIT`]) until a request matching `pred` was recorded and returns the
    /// first one; panics with the requests seen on timeout.
    pub async fn wait_for(&self, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        self.wait_for_nth(0, pred).await
    }

    /// Waits until at least `n + 1` requests match `pred` and returns the `n`-th (0-based).
    pub async fn wait_for_nth(&self, n: usize, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found = self.matching(&pred);
            if let Some(r) = found.get(n) {
                return r.clone();
            }
            if tokio::time::Instant::now() >= deadline {
                let seen: Vec<String> = self
                    .requests()
                    .iter()
                    .map(|r| format!("{} {} {}", r.method, r.path, r.body))
                    .collect();
                panic!(
                    "timed out waiting for a matching request (#{n}); requests seen:\n{}",
                    seen.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the `n`-th (0-based) message posted to `channel`.
    pub async fn wait_message(&self, channel: u64, n: usize) -> Recorded {
        self.wait_for_nth(n, |r| r.is_message_to(channel)).await
    }

    /// Messages posted to `channel` so far.
    pub fn messages_to(&self, channel: u64) -> Vec<Recorded> {
        self.matching(|r| r.is_message_to(channel))
    }

    /// Whether the thread `id` is archived / locked now (`None` for an unknown channel).
    pub fn thread_state(&self, id: u64) -> Option<(bool, bool)> {
        self.inner
            .channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .map(|c| (c.archived, c.locked))
    }
}

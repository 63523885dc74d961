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
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;

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

/// A command for the gateway connection task.
enum GwCmd {
    /// Send this text frame.
    Frame(String),
    /// Drop the TCP connection without a close handshake.
    Kill,
}

/// The identified gateway session of the connected client.
struct Session {
    tx: mpsc::UnboundedSender<GwCmd>,
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
}

impl Inner {
    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::SeqCst)
    }

    fn channel_json(&self, id: u64) -> Value {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        let c = channels.get(&id);
        let kind = c.map_or(0, |c| c.kind);
        let mut v = json!({
            "id": id.to_string(),
            "type": kind,
            "guild_id": GUILD_ID.to_string(),
            "name": c.map_or_else(|| format!("channel-{id}"), |c| c.name.clone()),
            "position": 0,
            "permission_overwrites": [],
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
fn bot_user() -> Value {
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
fn message_json(id: u64, channel_id: u64, author: Value, content: &str) -> Value {
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

    /// Waits (at most [`WAIT`]) until a client has identified or resumed and the session is
    /// live.
    pub async fn wait_connected(&self) {
        let mut rx = self.inner.sessions.subscribe();
        let live = || {
            self.inner
                .session
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some()
        };
        let wait = async {
            while !live() {
                if rx.changed().await.is_err() {
                    return;
                }
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .expect("no gateway client connected in time");
    }

    /// Pushes a dispatch event (`t` = `event`, `d` = `data`) to the connected client, waiting for
    /// one to be connected first.
    pub async fn dispatch(&self, event: &str, data: Value) {
        self.wait_connected().await;
        let seq = self.inner.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let frame = json!({"op": 0, "s": seq, "t": event, "d": data}).to_string();
        let session = self.inner.session.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = session.as_ref() {
            let _ = s.tx.send(GwCmd::Frame(frame));
        }
    }

    /// Asks the client to reconnect (opcode 7): it drops the connection and resumes on a new
    /// one. Later [`dispatch`](FakeDiscord::dispatch)es wait for the new session.
    pub async fn disconnect(&self) {
        self.end_session(GwCmd::Frame(json!({"op": 7, "d": null}).to_string()));
    }

    /// Drops the client's connection abruptly (no close frame), as a network failure would;
    /// the client reconnects and resumes. Later dispatches wait for the new session.
    pub async fn kill_connection(&self) {
        self.end_session(GwCmd::Kill);
    }

    /// Forgets the current gateway session and sends it `last` (a reconnect request or a
    /// kill), so later dispatches wait for the next session.
    fn end_session(&self, last: GwCmd) {
        let old = self
            .inner
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(s) = old {
            let _ = s.tx.send(last);
        }
    }

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

    fn remember_interaction(&self, id: u64, channel_id: u64) {
        self.inner
            .interaction_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(format!("token-{id}"), channel_id);
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

async fn gateway_connection(stream: TcpStream, inner: Arc<Inner>) {
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<GwCmd>();
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41_250}}).to_string();
    if sink.send(WsMessage::Text(hello)).await.is_err() {
        return;
    }
    let mut mine = false;
    loop {
        tokio::select! {
            incoming = source.next() => {
                let text = match incoming {
                    Some(Ok(WsMessage::Text(t))) => t,
                    Some(Ok(WsMessage::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                    Some(Ok(WsMessage::Ping(p))) => {
                        let _ = sink.send(WsMessage::Pong(p)).await;
                        continue;
                    }
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                match v["op"].as_u64() {
                    Some(1) => {
                        let ack = json!({"op": 11}).to_string();
                        if sink.send(WsMessage::Text(ack)).await.is_err() {
                            break;
                        }
                    }
                    Some(2) | Some(6) => {
                        let seq = inner.seq.fetch_add(1, Ordering::SeqCst) + 1;
                        let frame = if v["op"] == 2 {
                            inner.identifies.fetch_add(1, Ordering::SeqCst);
                            json!({"op": 0, "s": seq, "t": "READY", "d": {
                                "v": 10,
                                "user": bot_user(),
                                "guilds": [],
                                "session_id": format!("session-{}", inner.id()),
                                "resume_gateway_url": format!("ws://{}/ws", inner.ws_addr),
                                "application": {"id": BOT_ID.to_string(), "flags": 0},
                            }})
                        } else {
                            inner.resumes.fetch_add(1, Ordering::SeqCst);
                            json!({"op": 0, "s": seq, "t": "RESUMED", "d": {}})
                        };
                        if sink.send(WsMessage::Text(frame.to_string())).await.is_err() {
                            break;
                        }
                        *inner.session.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(Session { tx: tx.clone() });
                        mine = true;
                        inner.sessions.send_modify(|n| *n += 1);
                    }
                    _ => {}
                }
            }
            cmd = rx.recv() => {
                match cmd {
                    Some(GwCmd::Frame(f)) => {
                        if sink.send(WsMessage::Text(f)).await.is_err() {
                            break;
                        }
                    }
                    // Dropping both halves closes the socket without a close frame.
                    Some(GwCmd::Kill) | None => break,
                }
            }
        }
    }
    if mine {
        let mut session = inner.session.lock().unwrap_or_else(|p| p.into_inner());
        if session.as_ref().is_some_and(|s| s.tx.same_channel(&tx)) {
            *session = None;
        }
    }
}

fn json_response(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

async fn rest_handler(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let full = uri.path().to_owned();
    let path = full
        .strip_prefix("/api/v10")
        .or_else(|| full.strip_prefix("/api/v9"))
        .unwrap_or(&full)
        .to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let fail = inner.fail.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut record = Recorded {
        method: method.as_str().to_owned(),
        path: path.clone(),
        body: body.clone(),
        created_id: None,
    };
    if let Some((part, status)) = fail
        && path.contains(&part)
    {
        inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return json_response(
            status,
            json!({"message": "injected failure", "code": 50001}),
        );
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (response, created) = route(&inner, &method, &segs, &body);
    record.created_id = created;
    inner
        .requests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(record);
    response
}

fn route(
    inner: &Inner,
    method: &Method,
    segs: &[&str],
    body: &Value,
) -> (Response, Option<String>) {
    let ok = |v: Value| json_response(StatusCode::OK, v);
    let no_content = || StatusCode::NO_CONTENT.into_response();
    let m = method.as_str();
    match (m, segs) {
        ("GET", ["gateway"]) => (
            ok(json!({"url": format!("ws://{}/ws", inner.ws_addr)})),
            None,
        ),
        ("GET", ["gateway", "bot"]) => (
            ok(json!({
                "url": format!("ws://{}/ws", inner.ws_addr),
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
            })),
            None,
        ),
        ("GET", ["users", "@me"]) => (ok(bot_user()), None),
        ("GET", ["oauth2", "applications", "@me"]) => (
            ok(json!({
                "id": BOT_ID.to_string(),
                "name": "frontdesk",
                "icon": null,
                "description": "",
                "bot_public": false,
                "bot_require_code_grant": false,
                "owner": user_json(1),
                "verify_key": "",
                "flags": 0,
                "redirect_uris": [],
            })),
            None,
        ),
        ("POST", ["users", "@me", "channels"]) => {
            let user: u64 = body["recipient_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| body["recipient_id"].as_u64())
                .unwrap_or(1);
            let id = {
                let mut dms = inner.dm_channels.lock().unwrap_or_else(|p| p.into_inner());
                *dms.entry(user).or_insert_with(|| inner.id())
            };
            (
                ok(
                    json!({"id": id.to_string(), "type": 1, "recipients": [user_json(user)], "last_message_id": null}),
                ),
                Some(id.to_string()),
            )
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            let archived = inner
                .channels
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&channel)
                .is_some_and(|c| c.archived);
            if archived {
                // As Discord: a message cannot be sent to an archived thread.
                return (
                    json_response(
                        StatusCode::BAD_REQUEST,
                        json!({"message": "Thread is archived", "code": 50083}),
                    ),
                    None,
                );
            }
            let id = inner.id();
            let content = body["content"].as_str().unwrap_or("");
            (
                ok(message_json(id, channel, bot_user(), content)),
                Some(id.to_string()),
            )
        }
        ("PATCH", ["channels", channel, "messages", mid]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            let id: u64 = mid.parse().unwrap_or(0);
            let content = body["content"].as_str().unwrap_or("");
            (ok(message_json(id, channel, bot_user(), content)), None)
        }
        ("POST", ["channels", parent, "threads"]) => {
            let parent: u64 = parent.parse().unwrap_or(0);
            let id = inner.id();
            inner
                .channels
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(
                    id,
                    ChannelState {
                        name: body["name"].as_str().unwrap_or("thread").to_owned(),
                        kind: body["type"].as_u64().unwrap_or(12),
                        parent: Some(parent),
                        archived: false,
                        locked: false,
                    },
                );
            (ok(inner.channel_json(id)), Some(id.to_string()))
        }
        ("PATCH", ["channels", channel]) => {
            let id: u64 = channel.parse().unwrap_or(0);
            {
                let mut channels = inner.channels.lock().unwrap_or_else(|p| p.into_inner());
                let c = channels.entry(id).or_default();
                if let Some(n) = body["name"].as_str() {
                    c.name = n.to_owned();
                }
                if let Some(a) = body["archived"].as_bool() {
                    c.archived = a;
                }
                if let Some(l) = body["locked"].as_bool() {
                    c.locked = l;
                }
            }
            (ok(inner.channel_json(id)), None)
        }
        ("GET", ["channels", channel]) => {
            let id: u64 = channel.parse().unwrap_or(0);
            (ok(inner.channel_json(id)), None)
        }
        ("PUT" | "DELETE", ["channels", _, "thread-members", _]) => (no_content(), None),
        ("POST", ["interactions", _, token, "callback"]) => {
            // A response with a message (type 4) becomes the interaction's original message.
            if body["type"] == 4 {
                let id = inner.id();
                let content = body["data"]["content"].as_str().unwrap_or("").to_owned();
                inner
                    .originals
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert((*token).to_owned(), (id, content));
                (no_content(), Some(id.to_string()))
            } else {
                (no_content(), None)
            }
        }
        ("GET", ["webhooks", _, token, "messages", "@original"]) => {
            let found = inner
                .originals
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(*token)
                .cloned();
            match found {
                Some((id, content)) => {
                    let channel = inner
                        .interaction_channels
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(*token)
                        .copied()
                        .unwrap_or(1);
                    (ok(message_json(id, channel, bot_user(), &content)), None)
                }
                None => (
                    json_response(
                        StatusCode::NOT_FOUND,
                        json!({"message": "Unknown Webhook", "code": 10015}),
                    ),
                    None,
                ),
            }
        }
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => (ok(json!([])), None),
        ("GET", ["applications", _, "commands"])
        | ("GET", ["applications", _, "guilds", _, "commands"]) => (ok(json!([])), None),
        _ => (
            json_response(
                StatusCode::NOT_FOUND,
                json!({"message": "404: Not Found", "code": 0}),
            ),
            None,
        ),
    }
}

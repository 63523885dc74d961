//! The gateway side of [`FakeDiscord`]: the websocket session (HELLO, IDENTIFY/READY,
//! RESUME/RESUMED, heartbeats), dispatching events to it, and dropping it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::json::bot_user;
use super::{BOT_ID, FakeDiscord, Inner, WAIT};

/// A command for the gateway connection task.
enum GwCmd {
    /// Send this text frame.
    Frame(String),
    /// Drop the TCP connection without a close handshake.
    Kill,
}

/// The identified gateway session of the connected client.
pub(super) struct Session {
    tx: mpsc::UnboundedSender<GwCmd>,
}

impl FakeDiscord {
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
}

pub(super) async fn gateway_connection(stream: TcpStream, inner: Arc<Inner>) {
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

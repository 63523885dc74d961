//! Webhook mode: Telegram posts updates to an HTTP endpoint the adapter serves, and the
//! hardened HTTP server it runs on ([`serve_http`], also used for the bot's `/metrics`).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use frontdesk_core::Engine;
use frontdesk_core::StopSignal;
use teloxide::RequestError;
use teloxide::payloads::{SetWebhook, SetWebhookSetters};
use teloxide::prelude::*;
use teloxide::types::Update;
use tokio::sync::oneshot;
use tracing::{debug, info, warn};

use crate::{MAX_BACKOFF, PollContext, TelegramAdapter, TelegramError, WebhookConfig};

/// The header Telegram puts the `secret_token` in.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// How long requests in progress may run on after `stop`.
const DRAIN: Duration = Duration::from_secs(10);

/// The checked webhook settings.
pub(crate) struct Webhook {
    /// The `setWebhook` call without the secret (it holds the parsed URL).
    payload: SetWebhook,
    /// The path served (the URL's path).
    path: String,
    listen: std::net::SocketAddr,
    secret: String,
    /// A socket bound already, served instead of binding `listen`.
    listener: std::sync::Mutex<Option<std::net::TcpListener>>,
    limits: HttpLimits,
}

impl Webhook {
    /// Checks the settings: a usable http(s) URL and a secret Telegram accepts.
    pub(crate) fn new(cfg: &WebhookConfig) -> Result<Webhook, TelegramError> {
        let raw = cfg.url.trim();
        let payload = SetWebhook::new(
            raw.parse()
                .map_err(|e| TelegramError::Config(format!("webhook url {raw:?}: {e}")))?,
        );
        match payload.url.scheme() {
            "https" => {}
            "http" => warn!(
                url = raw,
                "the webhook URL is not HTTPS: Telegram will refuse it"
            ),
            other => {
                return Err(TelegramError::Config(format!(
                    "webhook url {raw:?}: scheme {other:?} is not https"
                )));
            }
        }
        if payload.url.host_str().is_none_or(str::is_empty) {
            return Err(TelegramError::Config(format!(
                "webhook url {raw:?} has no host"
            )));
        }
        let secret = cfg.secret.clone();
        let valid = (1..=256).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(TelegramError::Config(
                "webhook secret: 1 to 256 characters among A-Z, a-z, 0-9, _ and - are required"
                    .into(),
            ));
        }
        let path = match payload.url.path() {
            "" => "/".to_owned(),
            p => p.to_owned(),
        };
        Ok(Webhook {
            payload,
            path,
            listen: cfg.listen,
            secret,
            listener: std::sync::Mutex::new(None),
            limits: HttpLimits::default(),
        })
    }
}

/// What the request handler needs.
struct Shared {
    adapter: TelegramAdapter,
    engine: Arc<Engine>,
    ctx: PollContext,
    path: String,
    secret: String,
}

impl TelegramAdapter {
    /// Webhook mode: serve on this socket, bound already, instead of binding
    /// [`WebhookConfig::listen`](crate::WebhookConfig::listen) (e.g. bound to port 0 by a
    /// test, or handed over by a service manager). Fails outside webhook mode.
    pub fn with_webhook_listener(
        self,
        listener: std::net::TcpListener,
    ) -> Result<TelegramAdapter, TelegramError> {
        let wh = self.webhook_mode()?;
        listener
            .set_nonblocking(true)
            .map_err(TelegramError::Server)?;
        *wh.listener.lock().unwrap_or_else(|p| p.into_inner()) = Some(listener);
        Ok(self)
    }

    /// Webhook mode: the limits of the endpoint (default [`HttpLimits::default`]). Fails
    /// outside webhook mode.
    pub fn with_webhook_limits(
        mut self,
        limits: HttpLimits,
    ) -> Result<TelegramAdapter, TelegramError> {
        self.webhook_mode()?;
        if let Some(wh) = self.webhook.as_mut() {
            wh.limits = limits;
        }
        Ok(self)
    }

    fn webhook_mode(&self) -> Result<&Webhook, TelegramError> {
        self.webhook
            .as_ref()
            .ok_or_else(|| TelegramError::Config("not in webhook mode".into()))
    }

    /// Webhook mode: serves the endpoint and registers it with Telegram until `stop`.
    pub(crate) async fn serve_webhook(
        &self,
        wh: &Webhook,
        engine: Arc<Engine>,
        mut stop: StopSignal,
    ) -> Result<(), TelegramError> {
        let bound = wh.listener.lock().unwrap_or_else(|p| p.into_inner()).take();
        let listener = match bound {
            Some(l) => tokio::net::TcpListener::from_std(l),
            None => tokio::net::TcpListener::bind(wh.listen).await,
        }
        .map_err(TelegramError::Server)?;
        let Some(bot_name) = self.hello(&mut stop, "serving the webhook").await? else {
            return Ok(());
        };
        let ctx = PollContext {
            desk: self.desk_chat(&engine),
            bot_name,
        };
        let shared = Arc::new(Shared {
            adapter: self.handler(),
            engine,
            ctx,
            path: wh.path.clone(),
            secret: wh.secret.clone(),
        });
        let app = Router::new().fallback(on_request).with_state(shared);
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
        let server = serve_http(
            listener,
            app,
            wh.limits,
            async move {
                let _ = shutdown_rx.await;
            },
            DRAIN,
        );
        tokio::pin!(server);

        let outcome = tokio::select! {
            r = &mut server => {
                let e = r.err().unwrap_or_else(|| std::io::Error::other("the server stopped"));
                return Err(TelegramError::Server(e));
            }
            r = self.register_and_wait(wh, &mut stop) => r,
        };
        // Stop accepting; let the requests in progress finish (Telegram retries the others).
        let _ = shutdown.send(());
        if let Err(e) = server.await {
            warn!(error = %e, "the Telegram webhook server failed while stopping");
        }
        info!("Telegram webhook server stopped (the webhook stays set)");
        outcome
    }

    /// Calls `setWebhook` (retrying network failures), then waits for `stop`.
    async fn register_and_wait(
        &self,
        wh: &Webhook,
        stop: &mut StopSignal,
    ) -> Result<(), TelegramError> {
        let mut backoff = Duration::from_secs(1);
        loop {
            let req = self
                .bot
                .set_webhook(wh.payload.url.clone())
                .secret_token(wh.secret.clone())
                .allowed_updates(crate::ALLOWED_UPDATES)
                .drop_pending_updates(false);
            let res = tokio::select! {
                biased;
                () = &mut *stop => return Ok(()),
                r = req.send() => r,
            };
            let wait = match res {
                Ok(_) => break,
                Err(e @ RequestError::Api(_)) => return Err(TelegramError::Api(e)),
                Err(RequestError::RetryAfter(s)) => s.duration(),
                Err(e) => {
                    warn!(error = %e, wait_secs = backoff.as_secs(), "setWebhook failed");
                    let w = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    w
                }
            };
            tokio::select! {
                biased;
                () = &mut *stop => return Ok(()),
                () = tokio::time::sleep(wait) => {}
            }
        }
        info!(
            url = %wh.payload.url,
            listen = %wh.listen,
            "Telegram webhook set; serving"
        );
        (&mut *stop).await;
        Ok(())
    }
}

/// One request to the webhook server.
async fn on_request(
    State(sh): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if uri.path() != sh.path {
        return StatusCode::NOT_FOUND;
    }
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED;
    }
    let authorised = headers
        .get(SECRET_HEADER)
        .is_some_and(|v| same(v.as_bytes(), sh.secret.as_bytes()));
    if !authorised {
        warn!("Telegram webhook request without the right secret: refused");
        return StatusCode::UNAUTHORIZED;
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(e) => {
            warn!(error = %e, "Telegram webhook request is not an update: refused");
            return StatusCode::BAD_REQUEST;
        }
    };
    let id = update.id.0;
    debug!(update = id, "Telegram webhook update");
    // Handled in its own task: a dropped connection must not cut the handling short.
    let task = tokio::spawn({
        let sh = sh.clone();
        async move { sh.adapter.process(&sh.engine, update, &sh.ctx).await }
    });
    match task.await {
        Ok(true) => StatusCode::OK,
        Ok(false) => StatusCode::INTERNAL_SERVER_ERROR,
        Err(e) => {
            warn!(update = id, error = %e, "handling a webhook update panicked");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Compares two secrets in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Limits of an HTTP endpoint open to the network, so that slow, idle or too many clients
/// cannot hold it (or the process's file descriptors) and the rest of the bot carries on.
/// Measured with `cargo run -p frontdesk-tests --example http_flood`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// The time a client has to send a request's headers; also how long a kept-alive
    /// connection may stay idle before the next request. The connection is closed after it.
    pub header_timeout: Duration,
    /// The time a client has to send a request's whole body: after it the answer is 408 and
    /// the connection is closed.
    pub body_timeout: Duration,
    /// The longest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Connections open at once at most. At the limit a new connection takes the place of
    /// the oldest one that is not in a request (idle, or still sending its headers), which
    /// is closed; when every connection is in a request, the new one is answered 503.
    pub max_connections: usize,
    /// Requests handled at once at most. Another one is answered 503 at once (load
    /// shedding) instead of queueing.
    pub max_in_flight: usize,
}

impl Default for HttpLimits {
    /// 10 s for the headers and for the body, 1 MiB bodies, 256 connections, 64 requests in
    /// flight (Telegram opens up to 40 webhook connections).
    fn default() -> Self {
        HttpLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_body_bytes: 1 << 20,
            max_connections: 256,
            max_in_flight: 64,
        }
    }
}

/// The answer to a connection over [`HttpLimits::max_connections`] while every connection
/// is in a request.
const BUSY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\
    retry-after: 1\r\ncontent-length: 5\r\nconnection: close\r\n\r\nbusy\n";

/// Serves `app` (HTTP/1.1) on `listener` within `limits` until `shutdown` resolves, then
/// stops accepting and gives the connections in progress up to `drain` to finish.
///
/// Returns an error only when the listener fails for good; a failed `accept` (e.g. no file
/// descriptor left) is logged and retried after a pause.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: impl std::future::Future<Output = ()> + Send,
    drain: Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    use std::sync::atomic::AtomicUsize;
    use tokio::sync::{Semaphore, watch};

    // `with_state(())` turns every handler into its route once (not on every request).
    let app: Router = app
        .layer(axum::middleware::from_fn_with_state(limits, read_body))
        .with_state(());
    // One in-flight limit for the whole server; a request over it is shed with 503.
    let service = tower::ServiceBuilder::new()
        .map_request(|r: axum::http::Request<hyper::body::Incoming>| r.map(axum::body::Body::new))
        .layer(axum::error_handling::HandleErrorLayer::new(overloaded))
        .load_shed()
        .concurrency_limit(limits.max_in_flight.max(1))
        .service(app);
    let service = TowerToHyperService::new(service);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let open = Arc::new(Semaphore::new(max));
    // Refused connections read for a moment before closing (see `refuse_busy`), a few at once.
    let lingering = Arc::new(Semaphore::new((max / 4).max(8)));
    let conns = Arc::new(std::sync::Mutex::new(OpenConns::default()));
    let (closing_tx, closing) = watch::channel(false);
    tokio::pin!(shutdown);
    let mut shed = 0u64;
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    warn!(error = %e, "accepting an HTTP connection failed; retrying in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let permit = match open.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            // Full: make room by closing the oldest connection that is not in a request
            // (idle, or still sending its headers); it lets go of its slot at once.
            Err(_) if lock(&conns).evict_oldest_idle() => {
                tokio::time::timeout(Duration::from_millis(100), open.clone().acquire_owned())
                    .await
                    .ok()
                    .and_then(Result::ok)
            }
            Err(_) => None,
        };
        let Some(permit) = permit else {
            shed += 1;
            if shed.is_power_of_two() {
                warn!(
                    %peer,
                    limit = max,
                    shed,
                    "every HTTP connection is in a request: answered 503"
                );
            }
            match lingering.clone().try_acquire_owned() {
                Ok(slot) => {
                    tokio::spawn(async move {
                        refuse_busy(stream).await;
                        drop(slot);
                    });
                }
                Err(_) => {
                    // Never waits: the socket buffer of a new connection is empty.
                    let _ = stream.try_write(BUSY_RESPONSE);
                }
            }
            continue;
        };
        let requests = Arc::new(AtomicUsize::new(0));
        let (evict_tx, mut evict_rx) = oneshot::channel::<()>();
        let id = lock(&conns).insert(requests.clone(), evict_tx);
        let counted = {
            let service = service.clone();
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                // The client's address, for handlers that limit per client (`ConnectInfo`).
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                let guard = InRequest::new(requests.clone());
                let response = hyper::service::Service::call(&service, req);
                async move {
                    let r = response.await;
                    drop(guard);
                    r
                }
            })
        };
        let conn = http.serve_connection(TokioIo::new(stream), counted);
        let mut closing = closing.clone();
        let conns = conns.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            let (mut told, mut evict_seen) = (false, false);
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            debug!(%peer, error = %e, "HTTP connection ended with an error");
                        }
                        break;
                    }
                    _ = closing.wait_for(|c| *c), if !told => {
                        told = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    r = &mut evict_rx, if !evict_seen => {
                        evict_seen = true;
                        if r.is_ok() {
                            debug!(%peer, "idle HTTP connection closed to make room");
                            break;
                        }
                    }
                }
            }
            lock(&conns).conns.remove(&id);
            drop(permit);
        });
    }
    drop(listener);
    let _ = closing_tx.send(true);
    // Every connection holds a permit until it ends: all permits back = all closed.
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    if tokio::time::timeout(drain, open.acquire_many(all))
        .await
        .is_err()
    {
        warn!("HTTP connections still open after {drain:?}: dropped");
    }
    Ok(())
}

/// The open connections of [`serve_http`], oldest first.
#[derive(Default)]
struct OpenConns {
    next: u64,
    conns: std::collections::BTreeMap<u64, OpenConn>,
}

/// One open connection: its requests in progress, and how to close it to make room.
struct OpenConn {
    requests: Arc<std::sync::atomic::AtomicUsize>,
    evict: Option<oneshot::Sender<()>>,
}

impl OpenConns {
    fn insert(
        &mut self,
        requests: Arc<std::sync::atomic::AtomicUsize>,
        evict: oneshot::Sender<()>,
    ) -> u64 {
        let id = self.next;
        self.next += 1;
        self.conns.insert(
            id,
            OpenConn {
                requests,
                evict: Some(evict),
            },
        );
        id
    }

    /// Tells the oldest connection that is not in a request to close; `false` when every
    /// connection is in a request.
    fn evict_oldest_idle(&mut self) -> bool {
        for c in self.conns.values_mut() {
            if c.requests.load(std::sync::atomic::Ordering::SeqCst) == 0
                && let Some(tx) = c.evict.take()
                && tx.send(()).is_ok()
            {
                return true;
            }
        }
        false
    }
}

fn lock(m: &std::sync::Mutex<OpenConns>) -> std::sync::MutexGuard<'_, OpenConns> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Counts a request in progress on its connection while it lives.
struct InRequest(Arc<std::sync::atomic::AtomicUsize>);

impl InRequest {
    fn new(n: Arc<std::sync::atomic::AtomicUsize>) -> InRequest {
        n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InRequest(n)
    }
}

impl Drop for InRequest {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Answers a connection over [`HttpLimits::max_connections`] with 503: after the request's
/// head (or 250 ms, or 8 KiB), so that an HTTP client reads it as the answer to its request,
/// then closes after reading what else came for at most 250 ms (closing with input unread
/// would reset the connection and could destroy the answer before the client reads it).
async fn refuse_busy(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let wait = Duration::from_millis(250);
    let mut head = Vec::with_capacity(1024);
    let _ = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 1024];
        while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let linger = async {
        stream.write_all(BUSY_RESPONSE).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(wait, linger).await;
}

/// The answer to a request shed because [`HttpLimits::max_in_flight`] are in progress.
async fn overloaded(_: tower::BoxError) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "1")],
        "busy\n",
    )
        .into_response()
}

/// Reads the request body within [`HttpLimits::body_timeout`] and
/// [`HttpLimits::max_body_bytes`] before the handler runs: a body cut short gets 408, a body
/// too long 413, and the connection is closed.
async fn read_body(
    State(limits): State<HttpLimits>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, body) = req.into_parts();
    let read = axum::body::to_bytes(body, limits.max_body_bytes);
    let refuse = |status: StatusCode, text: &'static str| {
        (status, [(axum::http::header::CONNECTION, "close")], text).into_response()
    };
    match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(bytes)) => {
            next.run(axum::extract::Request::from_parts(parts, bytes.into()))
                .await
        }
        Ok(Err(e)) => {
            use std::error::Error as StdError;
            let mut cause: Option<&(dyn StdError + 'static)> = e.source();
            let mut too_long = false;
            while let Some(c) = cause {
                too_long |= c.is::<http_body_util::LengthLimitError>();
                cause = c.source();
            }
            if too_long {
                refuse(StatusCode::PAYLOAD_TOO_LARGE, "request body too long\n")
            } else {
                refuse(StatusCode::BAD_REQUEST, "request body unreadable\n")
            }
        }
        Err(_) => {
            debug!(path = %parts.uri.path(), "request body not received in time");
            refuse(
                StatusCode::REQUEST_TIMEOUT,
                "request body not received in time\n",
            )
        }
    }
}

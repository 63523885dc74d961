//! Webhook mode: Telegram posts updates to an HTTP endpoint the adapter serves.

use std::future::IntoFuture;
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
use teloxide::types::{AllowedUpdate, Update};
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
    /// Webhook mode: serves the endpoint and registers it with Telegram until `stop`.
    pub(crate) async fn serve_webhook(
        &self,
        wh: &Webhook,
        engine: Arc<Engine>,
        mut stop: StopSignal,
    ) -> Result<(), TelegramError> {
        let listener = tokio::net::TcpListener::bind(wh.listen)
            .await
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
        let server = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown_rx.await;
            })
            .into_future();
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
        match tokio::time::timeout(DRAIN, server).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => warn!(error = %e, "the Telegram webhook server failed while stopping"),
            Err(_) => warn!("Telegram webhook requests still running after {DRAIN:?}: dropped"),
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
                .allowed_updates([
                    AllowedUpdate::Message,
                    AllowedUpdate::CallbackQuery,
                    AllowedUpdate::MyChatMember,
                ])
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

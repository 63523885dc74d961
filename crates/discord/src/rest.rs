//! The adapter's REST calls and its one rate-limit layer.
//!
//! Requests are built by serenity ([`Request::build`]: the route's URL, the token, the user
//! agent) and sent here, in production and in tests alike, so the 429 path the tests
//! exercise is the one production takes (serenity's own ratelimiter cannot use the test
//! proxy, and with it off serenity drops a 429's `retry_after`). The layer:
//!
//! - waits before a request while its route's bucket is exhausted (the
//!   `X-RateLimit-Remaining: 0` / `X-RateLimit-Reset-After` of the last answer on that route)
//!   or while a global limit is in force;
//! - on a 429, reads `retry_after` (the body's, else the `Retry-After` header) and whether it
//!   is global (`global` in the body, `X-RateLimit-Global`, `X-RateLimit-Scope: global`):
//!   a global one holds back every request, a route one that route's; then retries. Up to
//!   [`MAX_RETRIES`] retries of at most [`MAX_INLINE_WAIT`] each are waited out here; a
//!   longer wait, or a limit that persists, is returned as [`RestError::RateLimited`] for
//!   the outbox to retry durably.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use frontdesk_core::ChannelError;
use serde_json::Value;
use serenity::http::{LightMethod, RatelimitingBucket, Request, Route};
use tokio::time::Instant;
use tracing::{debug, warn};

/// How many 429s of one request are waited out here.
pub(crate) const MAX_RETRIES: u32 = 3;
/// The longest 429 wait spent here rather than in the outbox.
pub(crate) const MAX_INLINE_WAIT: Duration = Duration::from_secs(10);

/// A failed REST call.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RestError {
    /// Discord answered with an error status.
    #[error("HTTP {status} ({code}: {message})")]
    Status {
        /// The HTTP status.
        status: u16,
        /// Discord's JSON error code (0 when the body had none).
        code: i64,
        /// Discord's message.
        message: String,
    },
    /// Still rate limited after the waits spent here.
    #[error("rate limited: retry after {0:?}")]
    RateLimited(Duration),
    /// The request could not be built or sent, or the answer not read.
    #[error("{0}")]
    Transport(String),
}

impl RestError {
    /// Discord's JSON error code, if Discord answered with one.
    pub(crate) fn code(&self) -> Option<i64> {
        match self {
            RestError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Discord's error code for a channel (a ticket thread, a DM) that no longer exists.
const UNKNOWN_CHANNEL: i64 = 10003;
/// Discord's error code for a user who cannot be messaged (DMs closed, bot blocked).
const CANNOT_MESSAGE_USER: i64 = 50007;
/// Discord's error code for a user that no longer exists.
const UNKNOWN_USER: i64 = 10013;

impl From<RestError> for ChannelError {
    /// What the outbox does next: a 429 is waited out, an unknown channel is a room gone (or an
    /// unreachable customer), a user who cannot be messaged is unreachable, another 4xx is a
    /// refusal, anything else is retried.
    fn from(e: RestError) -> ChannelError {
        let text = e.to_string();
        match e {
            RestError::RateLimited(wait) => ChannelError::RateLimited {
                retry_after_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            },
            RestError::Status { code, status, .. } => match (status, code) {
                (_, UNKNOWN_CHANNEL) => ChannelError::RoomGone(text),
                (_, CANNOT_MESSAGE_USER | UNKNOWN_USER) => ChannelError::Unreachable(text),
                (400..=499, _) => ChannelError::Refused(text),
                _ => ChannelError::Unavailable(text),
            },
            RestError::Transport(_) => ChannelError::Unavailable(text),
        }
    }
}

/// What a 429 answer said.
#[derive(Debug, PartialEq)]
pub(crate) struct Limited {
    /// How long to wait.
    pub(crate) retry_after: Duration,
    /// Whether every request must wait (else only the route's).
    pub(crate) global: bool,
}

/// Reads a 429: the body's `retry_after` (seconds, fractional) and `global`, else the
/// headers.
pub(crate) fn limited(headers: &reqwest::header::HeaderMap, body: &Value) -> Limited {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let secs = body
        .get("retry_after")
        .and_then(Value::as_f64)
        .or_else(|| header("retry-after").and_then(|s| s.trim().parse::<f64>().ok()))
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(1.0);
    let global = body.get("global").and_then(Value::as_bool) == Some(true)
        || header("x-ratelimit-global").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || header("x-ratelimit-scope") == Some("global");
    Limited {
        retry_after: Duration::from_secs_f64(secs.min(86_400.0)),
        global,
    }
}

/// The wait the headers of a successful answer ask for before the route's next request
/// (`X-RateLimit-Remaining: 0`), if any.
fn exhausted(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let remaining: f64 = header("x-ratelimit-remaining")?.trim().parse().ok()?;
    if remaining > 0.0 {
        return None;
    }
    let after: f64 = header("x-ratelimit-reset-after")?.trim().parse().ok()?;
    (after.is_finite() && after > 0.0).then(|| Duration::from_secs_f64(after.min(3600.0)))
}

/// A request's body.
enum Payload {
    /// JSON.
    Json(Vec<u8>),
    /// `multipart/form-data` (files).
    Form {
        /// `multipart/form-data; boundary=…`.
        content_type: String,
        /// The encoded parts.
        body: Vec<u8>,
    },
}

/// Sends the adapter's REST requests through the rate-limit layer.
pub(crate) struct Rest {
    client: reqwest::Client,
    token: String,
    /// The test server replacing `https://discord.com`.
    proxy: Option<String>,
    /// Until when each route's bucket, and everything (`None`), must wait.
    until: Mutex<HashMap<Option<RatelimitingBucket>, Instant>>,
}

impl Rest {
    /// A layer sending with `token` (with or without the `Bot ` prefix) to Discord, or to
    /// `proxy` instead of `https://discord.com`.
    pub(crate) fn new(token: &str, proxy: Option<&str>) -> Rest {
        let token = token.trim();
        let token = if token.starts_with("Bot ") {
            token.to_owned()
        } else {
            format!("Bot {token}")
        };
        Rest {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            token,
            proxy: proxy.map(|p| p.trim_end_matches('/').to_owned()),
            until: Mutex::new(HashMap::new()),
        }
    }

    /// The wait still due for `bucket` (or a global limit), if any.
    fn due(&self, bucket: RatelimitingBucket) -> Option<Duration> {
        let now = Instant::now();
        let until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        [until.get(&None), until.get(&Some(bucket))]
            .into_iter()
            .flatten()
            .filter(|t| **t > now)
            .max()
            .map(|t| *t - now)
    }

    fn hold(&self, bucket: Option<RatelimitingBucket>, wait: Duration) {
        let t = Instant::now() + wait;
        let mut until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        let e = until.entry(bucket).or_insert(t);
        if *e < t {
            *e = t;
        }
    }

    /// Sends `method route` with `body` (JSON), honouring the rate limits; returns the answer's
    /// JSON (`Null` for 204).
    pub(crate) async fn call(
        &self,
        method: LightMethod,
        route: Route<'_>,
        body: Option<&Value>,
    ) -> Result<Value, RestError> {
        let body = body.map(|b| Payload::Json(serde_json::to_vec(b).unwrap_or_default()));
        self.send(method, route, body, None).await
    }

    /// Like [`Rest::call`], with a `multipart/form-data` body (`content_type` with its
    /// boundary, and the bytes): a message with files.
    pub(crate) async fn call_form(
        &self,
        method: LightMethod,
        route: Route<'_>,
        content_type: String,
        body: Vec<u8>,
    ) -> Result<Value, RestError> {
        let payload = Payload::Form { content_type, body };
        self.send(method, route, Some(payload), None).await
    }

    /// Like [`Rest::call`], with query parameters and no body.
    pub(crate) async fn call_with_params(
        &self,
        method: LightMethod,
        route: Route<'_>,
        params: Vec<(&'static str, String)>,
    ) -> Result<Value, RestError> {
        self.send(method, route, None, Some(params)).await
    }

    async fn send(
        &self,
        method: LightMethod,
        route: Route<'_>,
        payload: Option<Payload>,
        params: Option<Vec<(&'static str, String)>>,
    ) -> Result<Value, RestError> {
        let bucket = route.ratelimiting_bucket();
        let bytes = match &payload {
            Some(Payload::Json(b)) => Some(b.clone()),
            _ => None,
        };
        let mut retries = 0;
        loop {
            if let Some(wait) = self.due(bucket) {
                debug!(route = %route.path(), wait_ms = wait.as_millis() as u64, "discord: waiting for the rate limit");
                tokio::time::sleep(wait).await;
            }
            let req = Request::new(route, method)
                .body(bytes.clone())
                .params(params.clone());
            let mut built = req
                .build(&self.client, &self.token, self.proxy.as_deref())
                .map_err(|e| RestError::Transport(e.to_string()))?
                .build()
                .map_err(|e| RestError::Transport(e.to_string()))?;
            if let Some(Payload::Form { content_type, body }) = &payload {
                use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
                let ct = HeaderValue::from_str(content_type)
                    .map_err(|e| RestError::Transport(e.to_string()))?;
                let headers = built.headers_mut();
                headers.insert(CONTENT_TYPE, ct);
                headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
                *built.body_mut() = Some(reqwest::Body::from(body.clone()));
            }
            let resp = self
                .client
                .execute(built)
                .await
                .map_err(|e| RestError::Transport(e.to_string()))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let text = resp
                .text()
                .await
                .map_err(|e| RestError::Transport(e.to_string()))?;
            let json: Value = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::Null)
            };
            if let Some(wait) = exhausted(&headers) {
                self.hold(Some(bucket), wait);
            }
            if status == 429 {
                let l = limited(&headers, &json);
                self.hold((!l.global).then_some(bucket), l.retry_after);
                if retries >= MAX_RETRIES || l.retry_after > MAX_INLINE_WAIT {
                    warn!(route = %route.path(), global = l.global, retry_after_ms = l.retry_after.as_millis() as u64, "discord: rate limited: left to the outbox");
                    return Err(RestError::RateLimited(l.retry_after));
                }
                retries += 1;
                warn!(route = %route.path(), global = l.global, retry_after_ms = l.retry_after.as_millis() as u64, retries, "discord: rate limited (429): waiting to retry");
                continue;
            }
            if (200..300).contains(&status) {
                return Ok(json);
            }
            return Err(RestError::Status {
                status,
                code: json.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: json
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};
    use serde_json::json;

    #[test]
    fn a_429_is_read_from_the_body_or_the_headers() {
        let none = HeaderMap::new();
        assert_eq!(
            limited(&none, &json!({"retry_after": 0.25, "global": false})),
            Limited {
                retry_after: Duration::from_millis(250),
                global: false
            }
        );
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("2"));
        h.insert("x-ratelimit-global", HeaderValue::from_static("true"));
        assert_eq!(
            limited(&h, &Value::Null),
            Limited {
                retry_after: Duration::from_secs(2),
                global: true
            }
        );
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-scope", HeaderValue::from_static("global"));
        assert!(limited(&h, &json!({"retry_after": 1})).global);
    }

    #[test]
    fn a_global_limit_holds_every_route_a_route_limit_only_its_own() {
        use serenity::all::ChannelId;
        let rest = Rest::new("t", None);
        let a = Route::ChannelMessages {
            channel_id: ChannelId::new(1),
        }
        .ratelimiting_bucket();
        let b = Route::ChannelMessages {
            channel_id: ChannelId::new(2),
        }
        .ratelimiting_bucket();
        rest.hold(Some(a), Duration::from_secs(5));
        assert!(rest.due(a).is_some());
        assert!(rest.due(b).is_none());
        rest.hold(None, Duration::from_secs(5));
        assert!(rest.due(b).is_some());
    }

    #[test]
    fn an_exhausted_bucket_asks_for_its_reset() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset-after", HeaderValue::from_static("1.5"));
        assert_eq!(exhausted(&h), Some(Duration::from_millis(1500)));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("3"));
        assert_eq!(exhausted(&h), None);
    }

    #[test]
    fn errors_decide_what_the_outbox_does() {
        let status = |status, code| RestError::Status {
            status,
            code,
            message: String::new(),
        };
        assert!(matches!(
            ChannelError::from(RestError::RateLimited(Duration::from_millis(1500))),
            ChannelError::RateLimited {
                retry_after_ms: 1500
            }
        ));
        assert!(matches!(
            ChannelError::from(status(404, UNKNOWN_CHANNEL)),
            ChannelError::RoomGone(_)
        ));
        assert!(matches!(
            ChannelError::from(status(403, CANNOT_MESSAGE_USER)),
            ChannelError::Unreachable(_)
        ));
        assert!(matches!(
            ChannelError::from(status(403, 50013)),
            ChannelError::Refused(_)
        ));
        assert!(matches!(
            ChannelError::from(status(502, 0)),
            ChannelError::Unavailable(_)
        ));
    }
}

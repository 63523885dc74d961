//! Access: who may see the dashboard and how they prove it.
//!
//! - the token of `FRONTDESK_DASHBOARD_TOKEN`, and per-agent tokens made with
//!   [`new_agent_token`] (`frontdesk dashboard token add NAME`), kept only as a salted SHA-256
//!   of their secret and looked up by their public id;
//! - a sign-in page whose form carries a CSRF token (double-submitted: a cookie of the sign-in
//!   page and a hidden field, compared in constant time) and that sets a session cookie
//!   (`Secure`, `HttpOnly`, `SameSite=Strict`); sessions live in this process;
//! - `Authorization: Bearer TOKEN` on any request, for scripts;
//! - failed attempts limited per client address and in all ([`Limiter`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, header};
use frontdesk_core::Timestamp;
use frontdesk_core::ports::{DashboardToken, DashboardTokenStore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tracing::warn;

use crate::DashboardError;

/// The session cookie.
pub(crate) const SESSION_COOKIE: &str = "fd_session";
/// The sign-in page's CSRF cookie.
pub(crate) const LOGIN_CSRF_COOKIE: &str = "fd_login_csrf";
/// What every agent token starts with.
const PREFIX: &str = "fdd";
/// Shortest `FRONTDESK_DASHBOARD_TOKEN` accepted.
pub const MIN_ENV_TOKEN_LEN: usize = 16;

/// Who a request is from.
#[derive(Clone, Debug)]
pub(crate) struct Who {
    /// The agent's name (or `admin` for the environment's token).
    pub(crate) name: String,
    /// The CSRF token of their session's forms (none for a bearer token: no forms).
    pub(crate) csrf: Option<String>,
}

/// A token just made: the token to hand over once, and what is stored of it.
#[derive(Clone, Debug)]
pub struct NewToken {
    /// The whole token (`fdd_<id>_<secret>`): shown once, never stored.
    pub token: String,
    /// What the Store keeps.
    pub stored: DashboardToken,
}

/// `n` bytes from the operating system's CSPRNG, hex.
pub(crate) fn random_hex(n: usize) -> Result<String, DashboardError> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).map_err(|e| DashboardError::Random(e.to_string()))?;
    Ok(hex::encode(buf))
}

fn digest(salt: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

/// Makes a per-agent token for `name`: a 64-bit public id and a 256-bit secret from the
/// operating system's CSPRNG, the secret kept as SHA-256 with a 128-bit random salt.
pub fn new_agent_token(name: &str, now: Timestamp) -> Result<NewToken, DashboardError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(DashboardError::BadName(
            "a name of 1 to 100 characters, without control characters".into(),
        ));
    }
    let id = random_hex(8)?;
    let secret = random_hex(32)?;
    let salt = random_hex(16)?;
    Ok(NewToken {
        token: format!("{PREFIX}_{id}_{secret}"),
        stored: DashboardToken {
            hash: digest(&salt, &secret),
            id,
            name: name.to_owned(),
            salt,
            created_at: now,
        },
    })
}

/// Checks a `FRONTDESK_DASHBOARD_TOKEN` value: long enough, no spaces or control characters.
pub fn check_env_token(token: &str) -> Result<(), DashboardError> {
    if token.chars().count() < MIN_ENV_TOKEN_LEN {
        return Err(DashboardError::Config {
            key: "FRONTDESK_DASHBOARD_TOKEN".into(),
            reason: format!(
                "at least {MIN_ENV_TOKEN_LEN} characters (make one with `frontdesk dashboard token add NAME` or `openssl rand -hex 32`)"
            ),
        });
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(DashboardError::Config {
            key: "FRONTDESK_DASHBOARD_TOKEN".into(),
            reason: "no spaces or control characters".into(),
        });
    }
    Ok(())
}

/// Failed sign-in attempts, limited per client address and in all: each count lasts a window
/// (a minute) from its first failure.
pub(crate) struct Limiter {
    per_client: u32,
    overall: u32,
    window: Duration,
    clients: HashMap<Option<IpAddr>, (Instant, u32)>,
    all: (Instant, u32),
}

impl Limiter {
    pub(crate) fn new(per_client: u32, overall: u32, window: Duration) -> Limiter {
        Limiter {
            per_client,
            overall,
            window,
            clients: HashMap::new(),
            all: (Instant::now(), 0),
        }
    }

    fn fresh(&self, slot: (Instant, u32), now: Instant) -> u32 {
        if now.duration_since(slot.0) >= self.window {
            0
        } else {
            slot.1
        }
    }

    /// Whether `client` may try now; when not, how long until it may.
    pub(crate) fn check(&self, client: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let wait = |slot: (Instant, u32)| self.window.saturating_sub(now.duration_since(slot.0));
        if let Some(&slot) = self.clients.get(&client)
            && self.fresh(slot, now) >= self.per_client
        {
            return Err(wait(slot));
        }
        if self.fresh(self.all, now) >= self.overall {
            return Err(wait(self.all));
        }
        Ok(())
    }

    /// Counts a failed attempt of `client`.
    pub(crate) fn failed(&mut self, client: Option<IpAddr>) {
        let now = Instant::now();
        if self.clients.len() > 10_000 {
            let window = self.window;
            self.clients.retain(|_, s| now.duration_since(s.0) < window);
        }
        let c = self.fresh(self.clients.get(&client).copied().unwrap_or((now, 0)), now);
        let start = if c == 0 { now } else { self.clients[&client].0 };
        self.clients.insert(client, (start, c + 1));
        let a = self.fresh(self.all, now);
        self.all = (if a == 0 { now } else { self.all.0 }, a + 1);
    }
}

struct Session {
    name: String,
    csrf: String,
    expires: Instant,
}

/// Sign-in state of the process: the environment's token, the sessions, the limiter.
pub(crate) struct Auth {
    env_token: Option<String>,
    ttl: Duration,
    sessions: Mutex<HashMap<String, Session>>,
    pub(crate) limiter: Mutex<Limiter>,
}

/// Most sessions kept at once (the oldest go first).
const MAX_SESSIONS: usize = 10_000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Equal in constant time (for strings of equal length; lengths are not secret).
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

impl Auth {
    pub(crate) fn new(env_token: Option<String>, ttl: Duration, limiter: Limiter) -> Auth {
        Auth {
            env_token,
            ttl,
            sessions: Mutex::new(HashMap::new()),
            limiter: Mutex::new(limiter),
        }
    }

    /// The name behind a presented token, when it is valid.
    pub(crate) async fn token_owner(
        &self,
        store: &dyn DashboardTokenStore,
        presented: &str,
    ) -> Option<String> {
        let presented = presented.trim();
        if let Some(env) = &self.env_token {
            // Compared as digests: constant time whatever the lengths.
            let a = Sha256::digest(env.as_bytes());
            let b = Sha256::digest(presented.as_bytes());
            if bool::from(a.ct_eq(&b)) {
                return Some("admin".into());
            }
        }
        let rest = presented.strip_prefix(PREFIX)?.strip_prefix('_')?;
        let (id, secret) = rest.split_once('_')?;
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        match store.dashboard_token(id).await {
            Ok(Some(t)) if same(&digest(&t.salt, secret), &t.hash) => Some(t.name),
            Ok(_) => None,
            Err(e) => {
                warn!(error = %e, "dashboard token not read");
                None
            }
        }
    }

    /// Opens a session for `name`; its id (the cookie's value).
    pub(crate) fn open_session(&self, name: String) -> Result<String, DashboardError> {
        let id = random_hex(32)?;
        let csrf = random_hex(32)?;
        let now = Instant::now();
        let mut s = lock(&self.sessions);
        if s.len() >= MAX_SESSIONS {
            s.retain(|_, v| v.expires > now);
            if s.len() >= MAX_SESSIONS
                && let Some(oldest) = s
                    .iter()
                    .min_by_key(|(_, v)| v.expires)
                    .map(|(k, _)| k.clone())
            {
                s.remove(&oldest);
            }
        }
        s.insert(
            id.clone(),
            Session {
                name,
                csrf,
                expires: now + self.ttl,
            },
        );
        Ok(id)
    }

    /// Who holds the session `id`, while it lasts.
    pub(crate) fn session(&self, id: &str) -> Option<Who> {
        let mut s = lock(&self.sessions);
        match s.get(id) {
            Some(v) if v.expires > Instant::now() => Some(Who {
                name: v.name.clone(),
                csrf: Some(v.csrf.clone()),
            }),
            Some(_) => {
                s.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends a session.
    pub(crate) fn close_session(&self, id: &str) {
        lock(&self.sessions).remove(id);
    }

    /// How long a session lasts.
    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: `Secure`, `HttpOnly`, `SameSite=Strict`, for `path`, lasting `max_age`
/// (0: deletes it).
pub(crate) fn set_cookie(name: &str, value: &str, path: &str, max_age: Duration) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={}; Secure; HttpOnly; SameSite=Strict",
        max_age.as_secs()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The bearer token of the request, if it has one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// The client's address, when the server recorded it.
pub(crate) fn client(ext: &axum::http::Extensions) -> Option<IpAddr> {
    ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_tokens_are_random_and_only_their_hash_is_kept() {
        let a = new_agent_token("alice", Timestamp(1)).unwrap();
        let b = new_agent_token("alice", Timestamp(1)).unwrap();
        assert_ne!(a.token, b.token);
        assert_ne!(a.stored.salt, b.stored.salt);
        assert!(a.token.starts_with("fdd_"));
        assert_eq!(a.token.len(), 4 + 16 + 1 + 64);
        let secret = a.token.rsplit('_').next().unwrap();
        assert!(!a.stored.hash.contains(secret) && a.stored.hash != secret);
        assert_eq!(a.stored.hash, digest(&a.stored.salt, secret));
        assert!(new_agent_token(" ", Timestamp(1)).is_err());
        assert!(new_agent_token("a\x1bb", Timestamp(1)).is_err());
    }

    #[test]
    fn short_or_spaced_environment_tokens_are_refused_with_the_key() {
        let e = check_env_token("short").unwrap_err().to_string();
        assert!(
            e.contains("FRONTDESK_DASHBOARD_TOKEN") && e.contains("16"),
            "{e}"
        );
        assert!(check_env_token("0123456789abcdef 0").is_err());
        assert!(check_env_token("0123456789abcdef").is_ok());
    }

    #[test]
    fn the_limiter_stops_a_client_then_everyone() {
        let ip = |n: u8| Some(IpAddr::from([10, 0, 0, n]));
        let mut l = Limiter::new(3, 5, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.check(ip(1)).is_ok());
            l.failed(ip(1));
        }
        let wait = l.check(ip(1)).unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(l.check(ip(2)).is_ok(), "another client is not stopped");
        l.failed(ip(2));
        l.failed(ip(3));
        assert!(
            l.check(ip(4)).is_err(),
            "five failures in all stop everyone"
        );
        let mut short = Limiter::new(1, 100, Duration::from_millis(1));
        short.failed(ip(1));
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.check(ip(1)).is_ok(), "the window passes");
    }

    #[test]
    fn cookies_and_bearer_tokens_are_read() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; fd_session=xyz"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, "fd_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&h, "fd"), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer  tok "),
        );
        assert_eq!(bearer(&h), Some("tok"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic tok"));
        assert_eq!(bearer(&h), None);
        let c = set_cookie("fd_session", "v", "/", Duration::from_secs(60));
        let c = c.to_str().unwrap();
        for want in [
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
            "Max-Age=60",
            "Path=/",
        ] {
            assert!(c.contains(want), "{c}");
        }
    }
}

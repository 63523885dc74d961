//! Rate limits and the bot's rights in [`FakeDiscord`]: 429 answers the way Discord gives
//! them (per route, or global), the bot lacking *Manage Threads*, and guild members.
//!
//! A staged 429 ([`FakeDiscord::rate_limit_next`]) answers the next request whose path
//! contains the given part with status 429, the body `{"message", "retry_after", "global"}`
//! and the headers `Retry-After`, `X-RateLimit-Scope` (and `X-RateLimit-Global` when
//! global). Until `retry_after` has passed, every further request on that path (every
//! request at all, when global) is refused with 429 as well, and counted
//! ([`FakeDiscord::early_requests`]): a client that does not wait is caught.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{BOT_ID, FakeDiscord, GUILD_ID, Inner, user_json};

/// A staged or running rate limit.
#[derive(Clone, Debug)]
pub(super) struct Limit {
    /// The path part it applies to (ignored when global).
    part: String,
    retry_after: Duration,
    global: bool,
    /// When it ends, once it was answered the first time.
    until: Option<Instant>,
}

impl FakeDiscord {
    /// The next request whose path contains `path_part` is answered 429 with `retry_after`
    /// (route-scoped, or `global`); see the module docs.
    pub fn rate_limit_next(&self, path_part: &str, retry_after: Duration, global: bool) {
        self.inner
            .limits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Limit {
                part: path_part.to_owned(),
                retry_after,
                global,
                until: None,
            });
    }

    /// How many requests arrived while a 429 they were subject to was still running.
    pub fn early_requests(&self) -> usize {
        self.requests().iter().filter(|r| r.early).count()
    }

    /// Takes *Manage Threads* away from the bot's role (`false`) or gives it back: without
    /// it, locking a thread or unarchiving a locked one is refused with 403 (code 50013), as
    /// Discord does (the fake looks at the role only, not at overwrites, for this).
    pub fn set_manage_threads(&self, yes: bool) {
        let mut roles = self.inner.roles.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = roles.get_mut(&BOT_ROLE_ID) {
            if yes {
                *p |= MANAGE_THREADS;
            } else {
                *p &= !MANAGE_THREADS;
            }
        }
    }

    /// Sets the permissions (a bit set, as Discord defines them) of a role: `GUILD_ID` is
    /// `@everyone`, [`BOT_ROLE_ID`] the bot's own role. By default `@everyone` may view, send,
    /// read history, create threads and send in them, and the bot's role adds Manage Threads
    /// and Mention Everyone.
    pub fn set_role_permissions(&self, role: u64, permissions: u64) {
        self.inner
            .roles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(role, permissions);
    }

    /// Sets the permission overwrites of a channel (`[{"id", "type": 0 role | 1 member,
    /// "allow", "deny"}]`, as `GET /channels/{id}` returns them).
    pub fn set_overwrites(&self, channel: u64, overwrites: Vec<Value>) {
        self.inner
            .overwrites
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(channel, overwrites);
    }

    /// Adds a guild member with `roles` (listed by `GET /guilds/{id}/members`).
    pub fn add_guild_member(&self, user: u64, roles: &[u64]) {
        let roles: Vec<String> = roles.iter().map(u64::to_string).collect();
        self.inner
            .members
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(json!({
                "user": user_json(user),
                "roles": roles,
                "joined_at": super::TIMESTAMP,
                "deaf": false,
                "mute": false,
                "flags": 0,
            }));
    }
}

/// The 429 answer for `path`, if a rate limit applies to it now; `early` tells whether the
/// request came while that limit was already running.
pub(super) fn check(inner: &Inner, path: &str) -> Option<(Response, bool)> {
    let now = Instant::now();
    let mut limits = inner.limits.lock().unwrap_or_else(|p| p.into_inner());
    limits.retain(|l| l.until.is_none_or(|u| u > now));
    let i = limits
        .iter()
        .position(|l| l.until.is_some() && (l.global || path.contains(&l.part)))
        .or_else(|| {
            limits
                .iter()
                .position(|l| l.until.is_none() && path.contains(&l.part))
        })?;
    let l = &mut limits[i];
    let early = l.until.is_some();
    let until = *l.until.get_or_insert(now + l.retry_after);
    let left = until.saturating_duration_since(now);
    Some((too_many(left, l.global), early))
}

fn too_many(retry_after: Duration, global: bool) -> Response {
    let secs = retry_after.as_secs_f64();
    let mut headers = HeaderMap::new();
    let h = |s: String| HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static("1"));
    headers.insert("retry-after", h(format!("{}", secs.ceil() as u64)));
    headers.insert(
        "x-ratelimit-scope",
        HeaderValue::from_static(if global { "global" } else { "user" }),
    );
    if global {
        headers.insert("x-ratelimit-global", HeaderValue::from_static("true"));
    }
    let body =
        json!({"message": "You are being rate limited.", "retry_after": secs, "global": global});
    (StatusCode::TOO_MANY_REQUESTS, headers, axum::Json(body)).into_response()
}

/// The bot's role.
pub const BOT_ROLE_ID: u64 = 901;
/// `MANAGE_THREADS`.
const MANAGE_THREADS: u64 = 1 << 34;
/// What `@everyone` may do by default: view, send, read history, create public and private
/// threads, send in threads.
pub(super) const EVERYONE_DEFAULT: u64 =
    (1 << 10) | (1 << 11) | (1 << 16) | (1 << 35) | (1 << 36) | (1 << 38);
/// What the bot's role adds by default: Manage Threads, Mention Everyone.
pub(super) const BOT_ROLE_DEFAULT: u64 = MANAGE_THREADS | (1 << 17);

/// Whether the bot's role has *Manage Threads*.
pub(super) fn manage_threads(inner: &Inner) -> bool {
    inner
        .roles
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&BOT_ROLE_ID)
        .is_some_and(|p| p & MANAGE_THREADS != 0)
}

/// `GET /guilds/{id}`: the guild with its roles.
pub(super) fn guild(inner: &Inner) -> Value {
    let roles: Vec<Value> = inner
        .roles
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(id, p)| {
            json!({
                "id": id.to_string(),
                "name": if *id == GUILD_ID { "@everyone".to_owned() } else { format!("role {id}") },
                "permissions": p.to_string(),
                "position": 0,
                "color": 0,
                "hoist": false,
                "managed": *id == BOT_ROLE_ID,
                "mentionable": false,
                "flags": 0,
            })
        })
        .collect();
    json!({
        "id": GUILD_ID.to_string(),
        "name": "Fake guild",
        "owner_id": "1",
        "roles": roles,
    })
}

/// `GET /guilds/{id}/members/{user}`: the bot has its role; others as added.
pub(super) fn member(inner: &Inner, user: u64) -> Value {
    if user == BOT_ID {
        return json!({
            "user": super::json::bot_user(),
            "roles": [BOT_ROLE_ID.to_string()],
            "joined_at": super::TIMESTAMP,
            "deaf": false,
            "mute": false,
            "flags": 0,
        });
    }
    let id = user.to_string();
    inner
        .members
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|m| m["user"]["id"].as_str() == Some(id.as_str()))
        .cloned()
        .unwrap_or(Value::Null)
}

/// The overwrites of a channel.
pub(super) fn overwrites(inner: &Inner, channel: u64) -> Value {
    Value::Array(
        inner
            .overwrites
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&channel)
            .cloned()
            .unwrap_or_default(),
    )
}

/// The guild's members.
pub(super) fn members(inner: &Inner) -> Value {
    Value::Array(
        inner
            .members
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
    )
}

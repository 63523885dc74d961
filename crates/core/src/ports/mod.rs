//! The ports: what the Engine needs from the outside world.
//!
//! - [`Store`]: persistence (SQLite/PostgreSQL in `frontdesk-store`, in memory for tests),
//!   split into role traits, with units of work;
//! - [`Channel`]: one per platform, renders and sends messages, opens ticket rooms;
//! - [`Clock`]: the time, so SLA timers and metrics are tested without sleeping.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use crate::types::*;

mod dashboard;
mod followups;
mod privacy;
mod report;
mod store;
pub use dashboard::*;
pub use followups::*;
pub use privacy::*;
pub use report::*;
pub use store::*;

/// An error of a [`Channel`]. The variant decides what the outbox dispatcher does next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The platform refused the request for good (bad request, missing rights): not retried;
    /// recorded on the ticket and told to the agents.
    #[error("platform refused: {0}")]
    Refused(String),
    /// The platform could not be reached or failed; retried with backoff.
    #[error("platform unavailable: {0}")]
    Unavailable(String),
    /// Too many requests: retried after the platform's `retry_after`.
    #[error("rate limited: retry after {retry_after_ms} ms")]
    RateLimited {
        /// How long the platform asked to wait.
        retry_after_ms: u64,
    },
    /// The ticket room (forum topic, thread) no longer exists: the ticket gets a new room.
    #[error("room gone: {0}")]
    RoomGone(String),
    /// The recipient cannot be reached any more (blocked the bot, left, deleted the account):
    /// not retried; the agents are told.
    #[error("recipient unreachable: {0}")]
    Unreachable(String),
    /// No channel is configured for the platform.
    #[error("no channel for platform {0}")]
    NoChannel(Platform),
}

impl ChannelError {
    /// Whether a later attempt may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ChannelError::Unavailable(_) | ChannelError::RateLimited { .. }
        )
    }
}

/// A message a platform accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// The platform's id of the sent message, if it has one.
    pub message_id: Option<String>,
}

/// Outbound port: one implementation per platform.
#[async_trait]
pub trait Channel: Send + Sync {
    /// The platform this channel serves.
    fn platform(&self) -> Platform;
    /// Sends a message.
    async fn send(&self, to: &Endpoint, msg: &OutMessage) -> Result<Sent, ChannelError>;
    /// Opens a ticket room (a thread or forum topic) in the desk; returns its endpoint.
    async fn open_room(&self, desk: &Endpoint, title: &str) -> Result<Endpoint, ChannelError>;
    /// Renames a room.
    async fn rename_room(&self, _room: &Endpoint, _title: &str) -> Result<(), ChannelError> {
        Ok(())
    }
    /// Closes (archives) a room.
    async fn close_room(&self, _room: &Endpoint) -> Result<(), ChannelError> {
        Ok(())
    }
    /// Reopens a closed room.
    async fn reopen_room(&self, _room: &Endpoint) -> Result<(), ChannelError> {
        Ok(())
    }
}

/// Routes outbound calls to the channel of each platform, so a customer on one platform can be
/// served from a desk on another.
#[derive(Clone, Default)]
pub struct Router {
    channels: HashMap<Platform, Arc<dyn Channel>>,
}

impl Router {
    /// An empty router.
    pub fn new() -> Router {
        Router::default()
    }

    /// Adds (or replaces) the channel of its platform.
    pub fn with(mut self, channel: Arc<dyn Channel>) -> Router {
        self.channels.insert(channel.platform(), channel);
        self
    }

    /// The channel of a platform.
    pub fn get(&self, platform: &Platform) -> Result<&Arc<dyn Channel>, ChannelError> {
        self.channels
            .get(platform)
            .ok_or_else(|| ChannelError::NoChannel(platform.clone()))
    }
}

/// Time port.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp(ms)
    }
}

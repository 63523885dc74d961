//! Telegram Business: customers who write to a company's own Telegram account, answered by the
//! bot on that account's behalf through a *business connection*.
//!
//! - A `business_connection` update (connected, disabled, rights changed) is recorded in the
//!   Store as the cursor `telegram.business.<connection id>` (JSON: the account, whether the
//!   connection is enabled, whether the bot may reply), so every replica's outbox dispatcher
//!   sees the latest state, and in memory.
//! - A business message from a customer becomes an [`Inbound`](frontdesk_core::Inbound) from
//!   the customer's chat whose [`Endpoint`] carries the connection:
//!   `thread_id = "business:<connection id>"` (a private chat has no thread of its own, and the
//!   connection is the way into the chat). Every message the Engine sends there goes with
//!   `business_connection_id`.
//! - Before sending through a connection the channel reads its state (the Store record; when
//!   there is none, `getBusinessConnection`, then recorded): a disabled connection, or one
//!   without the right to reply, sends nothing and the message fails as
//!   [`ChannelError::Unreachable`], which the outbox records on the ticket and tells the agents.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use frontdesk_core::{ChannelError, Endpoint, Platform, Store, StoreError};
use serde::{Deserialize, Serialize};
use teloxide::types::{BusinessConnection, BusinessConnectionId, Message, MessageKind};
use tracing::info;

/// The prefix of the Store cursors that record business connections.
pub const CURSOR_PREFIX: &str = "telegram.business.";
/// The prefix of an [`Endpoint::thread_id`] that names a business connection.
const THREAD_PREFIX: &str = "business:";

/// What Frontdesk keeps of a business connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ConnectionState {
    /// The business account's user id.
    pub(crate) account: u64,
    /// Whether the connection is alive.
    pub(crate) enabled: bool,
    /// Whether the bot may send messages on the account's behalf.
    pub(crate) can_reply: bool,
    /// When the connection was established (unix seconds): the record of a newer
    /// connection is not overwritten by an update about an older one.
    pub(crate) date: i64,
}

impl ConnectionState {
    pub(crate) fn of(c: &BusinessConnection) -> ConnectionState {
        ConnectionState {
            account: c.user.id.0,
            enabled: c.is_enabled,
            can_reply: c.rights.as_ref().is_some_and(|r| r.can_reply),
            date: c.date.timestamp(),
        }
    }

    /// Why nothing may be sent through this connection, if so.
    pub(crate) fn refusal(&self) -> Option<&'static str> {
        if !self.enabled {
            Some("the business connection is disabled")
        } else if !self.can_reply {
            Some("the business connection has no right to reply")
        } else {
            None
        }
    }
}

/// The business connections the adapter knows, shared by the receiving side and the channel.
#[derive(Default)]
pub(crate) struct Connections {
    /// The Store, once known (set by [`crate::TelegramAdapter::with_store`] or at `run`).
    store: OnceLock<Arc<dyn Store>>,
    /// The last state seen per connection id (used when no Store is set).
    seen: Mutex<HashMap<String, ConnectionState>>,
}

impl Connections {
    pub(crate) fn new() -> Arc<Connections> {
        Arc::new(Connections::default())
    }

    /// Uses `store` for the records (the first one given is kept).
    pub(crate) fn set_store(&self, store: Arc<dyn Store>) {
        let _ = self.store.set(store);
    }

    fn remember(&self, id: &str, state: &ConnectionState) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_owned(), state.clone());
    }

    /// Records a connection's new state (Store first, then memory). An update about a
    /// connection established before the one recorded changes nothing; updates of one
    /// connection are handled in the order Telegram sent them.
    pub(crate) async fn record(&self, id: &str, state: &ConnectionState) -> Result<(), StoreError> {
        let key = format!("{CURSOR_PREFIX}{id}");
        let previous = match self.store.get() {
            Some(store) => store
                .cursor(&key)
                .await?
                .and_then(|s| serde_json::from_str::<ConnectionState>(&s).ok()),
            None => self
                .seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(id)
                .cloned(),
        };
        if previous.is_some_and(|old| old.date > state.date) {
            info!(
                connection = id,
                "update about an older Telegram business connection: ignored"
            );
            return Ok(());
        }
        if let Some(store) = self.store.get() {
            let json = serde_json::to_string(state).unwrap_or_default();
            store.set_cursor(&key, &json).await?;
        }
        self.remember(id, state);
        info!(
            connection = id,
            account = state.account,
            enabled = state.enabled,
            can_reply = state.can_reply,
            "Telegram business connection recorded"
        );
        Ok(())
    }

    /// The recorded state of a connection: the Store's record (or, without a Store, the
    /// last one seen). `Ok(None)` when nothing is recorded.
    pub(crate) async fn recorded(&self, id: &str) -> Result<Option<ConnectionState>, ChannelError> {
        if let Some(store) = self.store.get() {
            let key = format!("{CURSOR_PREFIX}{id}");
            let raw = store.cursor(&key).await.map_err(|e| {
                ChannelError::Unavailable(format!("reading business connection {id}: {e}"))
            })?;
            return Ok(raw.and_then(|s| serde_json::from_str(&s).ok()));
        }
        Ok(self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned())
    }
}

/// The endpoint of a customer's chat with a business account, reached through `connection`.
pub(crate) fn endpoint(chat: i64, connection: &BusinessConnectionId) -> Endpoint {
    Endpoint {
        platform: Platform::telegram(),
        chat_id: chat.to_string(),
        thread_id: Some(format!("{THREAD_PREFIX}{}", connection.0)),
    }
}

/// The business connection a message was received from (or sent through), if any.
pub(crate) fn connection_of_message(msg: &Message) -> Option<&BusinessConnectionId> {
    match &msg.kind {
        MessageKind::Common(c) => c.business_connection_id.as_ref(),
        _ => None,
    }
}

/// The business connection an endpoint is reached through, if any.
pub(crate) fn connection_of(e: &Endpoint) -> Option<BusinessConnectionId> {
    e.thread_id
        .as_deref()
        .and_then(|t| t.strip_prefix(THREAD_PREFIX))
        .filter(|id| !id.is_empty())
        .map(|id| BusinessConnectionId(id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_round_trip() {
        let id = BusinessConnectionId("AbC-123".into());
        let e = endpoint(55, &id);
        assert_eq!(e.chat_id, "55");
        assert_eq!(connection_of(&e), Some(id));
        assert_eq!(
            connection_of(&Endpoint::chat(Platform::telegram(), "55")),
            None
        );
        let topic = Endpoint {
            thread_id: Some("33".into()),
            ..Endpoint::chat(Platform::telegram(), "-100")
        };
        assert_eq!(connection_of(&topic), None);
    }

    #[test]
    fn refusals() {
        let s = |enabled, can_reply| ConnectionState {
            account: 1,
            enabled,
            can_reply,
            date: 0,
        };
        assert_eq!(s(true, true).refusal(), None);
        assert!(s(false, true).refusal().unwrap().contains("disabled"));
        assert!(s(true, false).refusal().unwrap().contains("right to reply"));
    }
}

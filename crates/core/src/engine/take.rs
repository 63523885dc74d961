//! [`Engine::take`]: how every adapter hands an update over, so that nothing accepted is
//! dropped: a few attempts, then the dead letters.

use std::time::Duration;

use tracing::{error, warn};

use super::{Engine, EngineError, Handled};
use crate::types::Inbound;

/// How often an update is handed to [`Engine::handle`] before it is kept as a dead letter.
pub const HANDLE_ATTEMPTS: u32 = 3;

impl Engine {
    /// Hands an update to [`Engine::handle`], retrying a failure after 0.5 s and 1 s (the
    /// adapter's `pause`, e.g. `tokio::time::sleep`: the core has no timer), then keeps it
    /// with [`Engine::dead_letter`] and tells the customer their message reached us.
    ///
    /// `Ok(Some(_))`: handled; `Ok(None)`: kept as a dead letter. An error means even the
    /// dead letter failed (the database is down): the update is not done, and must not be
    /// acknowledged to the platform.
    pub async fn take(
        &self,
        msg: &Inbound,
        pause: impl AsyncFn(Duration),
    ) -> Result<Option<Handled>, EngineError> {
        let mut last = String::new();
        for attempt in 1..=HANDLE_ATTEMPTS {
            match self.handle(msg.clone()).await {
                Ok(handled) => return Ok(Some(handled)),
                Err(e) => {
                    warn!(id = %msg.platform_msg_id, attempt, error = %e, "handling failed");
                    last = e.to_string();
                    if attempt < HANDLE_ATTEMPTS {
                        pause(Duration::from_millis(500 << (attempt - 1))).await;
                    }
                }
            }
        }
        match self.dead_letter(msg, &last).await {
            Ok(_) => Ok(None),
            Err(e) => {
                error!(id = %msg.platform_msg_id, error = %e, "update neither handled nor kept");
                Err(e)
            }
        }
    }
}

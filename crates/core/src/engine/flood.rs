//! The flood limit: past `conversation.flood_messages_per_minute`, a customer's messages are
//! recorded but neither answered nor relayed, and the customer is told once per burst.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::types::Timestamp;

/// Per-customer message times inside the last minute.
#[derive(Default)]
pub(super) struct FloodGuard {
    recent: Mutex<HashMap<String, VecDeque<i64>>>,
}

/// What the flood limit says about one more message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Flood {
    Ok,
    /// Over the limit, first time in this burst: tell the customer.
    Warn,
    /// Over the limit, already told.
    Quiet,
}

impl FloodGuard {
    pub(super) fn check(&self, key: &str, now: Timestamp, limit: usize) -> Flood {
        if limit == 0 {
            return Flood::Ok;
        }
        let mut map = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 4096 {
            map.retain(|_, q| q.back().is_some_and(|t| now.millis() - t < 60_000));
        }
        let q = map.entry(key.to_owned()).or_default();
        while q.front().is_some_and(|t| now.millis() - t >= 60_000) {
            q.pop_front();
        }
        q.push_back(now.millis());
        match q.len().cmp(&(limit + 1)) {
            std::cmp::Ordering::Less => Flood::Ok,
            std::cmp::Ordering::Equal => Flood::Warn,
            std::cmp::Ordering::Greater => Flood::Quiet,
        }
    }
}

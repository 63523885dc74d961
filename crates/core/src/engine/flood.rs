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
    /// Whether one more message sent at `at` would be within the limit (counts nothing).
    pub(super) fn allows(&self, key: &str, at: Timestamp, limit: usize) -> bool {
        if limit == 0 {
            return true;
        }
        let t = at.millis();
        let map = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).map_or(0, |q| in_minute(q, t)) < limit
    }

    /// Counts a message sent at `at` (not necessarily after the ones before: a backlog is
    /// handed over in order, retries are not) against the messages of the minute before it.
    pub(super) fn check(&self, key: &str, at: Timestamp, limit: usize) -> Flood {
        if limit == 0 {
            return Flood::Ok;
        }
        let t = at.millis();
        let mut map = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 4096 {
            map.retain(|_, q| q.back().is_some_and(|last| t - last < 60_000));
        }
        let q = map.entry(key.to_owned()).or_default();
        // Kept sorted; what is a minute older than the latest can no longer count.
        let pos = q.partition_point(|&x| x <= t);
        q.insert(pos, t);
        let latest = *q.back().unwrap_or(&t);
        while q.front().is_some_and(|&x| latest - x >= 60_000) {
            q.pop_front();
        }
        match in_minute(q, t).cmp(&(limit + 1)) {
            std::cmp::Ordering::Less => Flood::Ok,
            std::cmp::Ordering::Equal => Flood::Warn,
            std::cmp::Ordering::Greater => Flood::Quiet,
        }
    }
}

/// How many of `q`'s messages were sent in the minute up to `t` (inclusive).
fn in_minute(q: &VecDeque<i64>, t: i64) -> usize {
    q.iter().filter(|&&x| x <= t && t - x < 60_000).count()
}

#[cfg(test)]
mod tests {
    use super::{Flood, FloodGuard};
    use crate::types::Timestamp;

    #[test]
    fn counts_by_the_time_a_message_was_sent() {
        let g = FloodGuard::default();
        // 25 messages sent a minute apart, handed over at once after a restart: no flood.
        for i in 0..25 {
            assert_eq!(
                g.check("a", Timestamp(i * 60_000), 20),
                Flood::Ok,
                "message {i}"
            );
        }
        // 22 sent within one minute: the 21st is told to slow down, the 22nd is quiet.
        let got: Vec<Flood> = (0..22)
            .map(|i| g.check("b", Timestamp(1_000_000 + i * 100), 20))
            .collect();
        assert!(got[..20].iter().all(|f| *f == Flood::Ok));
        assert!(!g.allows("b", Timestamp(1_000_000 + 2_000), 20));
        assert!(g.allows("a", Timestamp(25 * 60_000), 20));
        assert_eq!(got[20], Flood::Warn);
        assert_eq!(got[21], Flood::Quiet);
        // A minute after the burst, messages are answered again.
        assert_eq!(g.check("b", Timestamp(1_000_000 + 62_200), 20), Flood::Ok);
    }

    #[test]
    fn an_older_message_counts_in_its_own_minute() {
        let g = FloodGuard::default();
        assert_eq!(g.check("a", Timestamp(120_000), 1), Flood::Ok);
        // Sent long before the one above: alone in its minute.
        assert_eq!(g.check("a", Timestamp(30_000), 1), Flood::Ok);
        assert_eq!(g.check("a", Timestamp(120_500), 1), Flood::Warn);
    }
}

//! Client-side rate limiting of Bot API requests, ahead of Telegram's flood limits.
//!
//! Telegram allows a bot about 30 messages per second overall, about 1 message per second in
//! one private chat (short bursts are tolerated) and at most 20 messages per minute in one
//! group or supergroup — in the desk forum group every ticket topic shares that one limit.
//!
//! [`Limiter`] enforces all three before a request leaves:
//!
//! - every chat has its own token bucket (private chats, positive ids: [`PRIVATE`], a burst of
//!   3 refilled at 1 per second; groups, supergroups and channels, negative ids: [`GROUP`], a
//!   burst of 20 refilled at 1 per 3 seconds). A request waits for its own chat's token
//!   *before* it queues for the global slot, so a backlog in one chat never delays another.
//! - every request (chat-bound or not) then takes the next global slot: [`GLOBAL_SPACING`]
//!   apart, about 30 per second.
//!
//! The buckets are kept as "theoretical arrival times" (GCRA): one instant per chat, which is
//! equal to "full bucket" once it lies in the past. Such buckets are dropped (sweeps at most
//! every [`SWEEP_EVERY`], and whenever the map has doubled since the last sweep), so memory
//! stays proportional to the chats written to in the last minute or so.
//!
//! A 429 that gets through anyway (another process on the same token, Telegram's own
//! judgement) is handled by the caller, who calls [`Limiter::hold`]: every request waits out
//! `retry_after` (as teloxide's `Throttle` does), and the offending chat restarts with an
//! empty bucket.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Spacing between any two requests: Telegram allows about 30 messages per second overall.
pub(crate) const GLOBAL_SPACING: Duration = Duration::from_millis(34);
/// A private chat: about 1 message per second, bursts of 3 tolerated.
pub(crate) const PRIVATE: Bucket = Bucket {
    burst: 3,
    every: Duration::from_secs(1),
};
/// A group, supergroup or channel: at most 20 messages per minute.
pub(crate) const GROUP: Bucket = Bucket {
    burst: 20,
    every: Duration::from_secs(3),
};
/// Longest time between two sweeps of idle buckets.
pub(crate) const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Chats tracked before the size-triggered sweep starts to matter.
const SWEEP_MIN_LEN: usize = 64;

/// A token bucket: `burst` tokens, one added every `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bucket {
    /// Requests that may go at once from a full bucket (at least 1).
    pub(crate) burst: u32,
    /// Time to earn one token back.
    pub(crate) every: Duration,
}

impl Bucket {
    /// How far ahead of now a chat's theoretical arrival time may be while a request still
    /// goes at once: `(burst - 1) * every`.
    fn tolerance(self) -> Duration {
        self.every.saturating_mul(self.burst.max(1) - 1)
    }
}

/// The limits a [`Limiter`] enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Spacing between any two requests.
    pub(crate) global: Duration,
    /// The bucket of each private chat (positive chat id).
    pub(crate) private: Bucket,
    /// The bucket of each group, supergroup or channel (negative chat id).
    pub(crate) group: Bucket,
}

impl Default for Limits {
    /// Telegram's documented limits.
    fn default() -> Self {
        Limits {
            global: GLOBAL_SPACING,
            private: PRIVATE,
            group: GROUP,
        }
    }
}

impl Limits {
    /// The bucket of `chat`: negative ids are groups, supergroups and channels.
    fn bucket(&self, chat: i64) -> Bucket {
        if chat < 0 { self.group } else { self.private }
    }
}

/// The shared state, behind a (never awaited-across) mutex.
#[derive(Debug)]
struct State {
    /// When the next request may start.
    next_global: Instant,
    /// Per chat, its theoretical arrival time: the bucket is full once this is in the past
    /// (such entries are equivalent to absent ones and are swept away).
    chats: HashMap<i64, Instant>,
    /// When the last sweep of idle buckets ran.
    last_sweep: Instant,
    /// The map size that triggers the next sweep.
    sweep_at_len: usize,
}

/// The rate limiter of one bot: per-chat token buckets and a global spacing.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: Limits,
    state: Mutex<State>,
}

impl Limiter {
    /// A limiter enforcing `limits`.
    pub(crate) fn new(limits: Limits) -> Limiter {
        let now = Instant::now();
        Limiter {
            limits,
            state: Mutex::new(State {
                next_global: now,
                chats: HashMap::new(),
                last_sweep: now,
                sweep_at_len: SWEEP_MIN_LEN,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The critical sections cannot panic half-way; a poisoned lock still holds sane data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until a request may go. A message to `chat` first waits for a token of that
    /// chat's bucket (without holding anyone else up), then for the global slot; `None` (a
    /// request that sends no message) only takes the global slot.
    ///
    /// The slot is reserved when this is called: dropping the future wastes it, which only
    /// ever errs on the side of sending less.
    pub(crate) async fn acquire(&self, chat: Option<i64>) {
        if let Some(chat) = chat {
            let at = self.reserve_chat(chat);
            tokio::time::sleep_until(at).await;
        }
        let at = self.reserve_global();
        tokio::time::sleep_until(at).await;
    }

    /// Reserves the next token of `chat`'s bucket; returns when it is available.
    fn reserve_chat(&self, chat: i64) -> Instant {
        let bucket = self.limits.bucket(chat);
        let now = Instant::now();
        let mut st = self.state();
        let tat = st.chats.get(&chat).copied().unwrap_or(now).max(now);
        let at = now
            + tat
                .saturating_duration_since(now)
                .saturating_sub(bucket.tolerance());
        st.chats.insert(chat, tat.max(at) + bucket.every);
        st.sweep(now);
        at
    }

    /// Reserves the next global slot; returns when it starts.
    fn reserve_global(&self) -> Instant {
        let now = Instant::now();
        let mut st = self.state();
        let at = st.next_global.max(now);
        st.next_global = at + self.limits.global;
        at
    }

    /// Telegram answered 429 (`retry_after` = `wait`): no request starts before `wait` has
    /// passed, and `chat` (if the refused request was a message to one) restarts with an
    /// empty bucket then.
    pub(crate) fn hold(&self, chat: Option<i64>, wait: Duration) {
        let now = Instant::now();
        let until = now + wait;
        let mut st = self.state();
        if st.next_global < until {
            st.next_global = until;
        }
        if let Some(chat) = chat {
            let empty_at = until + self.limits.bucket(chat).tolerance();
            let tat = st.chats.entry(chat).or_insert(empty_at);
            if *tat < empty_at {
                *tat = empty_at;
            }
        }
    }

    /// How many chats' buckets are kept (tests).
    #[cfg(test)]
    fn tracked_chats(&self) -> usize {
        self.state().chats.len()
    }
}

impl State {
    /// Drops the buckets that are full again, when the map has doubled since the last sweep
    /// or [`SWEEP_EVERY`] has passed.
    fn sweep(&mut self, now: Instant) {
        if self.chats.len() < self.sweep_at_len && now < self.last_sweep + SWEEP_EVERY {
            return;
        }
        self.chats.retain(|_, tat| *tat > now);
        self.last_sweep = now;
        self.sweep_at_len = (self.chats.len() * 2).max(SWEEP_MIN_LEN);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const ANN: i64 = 1001;
    const BOB: i64 = 1002;
    const DESK: i64 = -1_001_234;

    /// Sends `n` requests to `chat` one after another; returns when each went, relative to
    /// the start.
    async fn send_n(l: &Limiter, chat: i64, n: usize) -> Vec<Duration> {
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..n {
            l.acquire(Some(chat)).await;
            at.push(start.elapsed());
        }
        at
    }

    fn ms(d: Duration) -> u128 {
        d.as_millis()
    }

    #[tokio::test(start_paused = true)]
    async fn a_private_chat_gets_a_burst_of_three_then_one_per_second() {
        let l = Limiter::new(Limits::default());
        let at = send_n(&l, ANN, 5).await;
        let at: Vec<u128> = at.into_iter().map(ms).collect();
        // The burst only waits for the global spacing.
        assert!(at[2] < 200, "{at:?}");
        // Then one per second: 5 sends take at least 2 s.
        assert!(at[3] >= 1000 && at[3] < 1100, "{at:?}");
        assert!(at[4] >= 2000 && at[4] < 2100, "{at:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_group_gets_twenty_a_minute() {
        let l = Limiter::new(Limits::default());
        let at: Vec<u128> = send_n(&l, DESK, 25).await.into_iter().map(ms).collect();
        // The first 20 only wait for the global spacing (~34 ms each).
        assert!(at[19] < 1000, "{at:?}");
        // Then one every 3 s: 25 sends take at least 15 s.
        assert!(at[20] >= 3000 && at[20] < 3100, "{at:?}");
        assert!(at[24] >= 15_000 && at[24] < 15_100, "{at:?}");
        // 30 s later the bucket holds only 10 tokens: it refills at 1 per 3 s.
        tokio::time::sleep(Duration::from_secs(30)).await;
        let more: Vec<u128> = send_n(&l, DESK, 11).await.into_iter().map(ms).collect();
        assert!(more[9] < 1000, "{more:?}");
        assert!(more[10] >= 1500, "{more:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_backlog_in_one_chat_does_not_delay_another() {
        let l = Arc::new(Limiter::new(Limits::default()));
        let start = Instant::now();
        // Twenty-five messages queued for the desk group and ten for Ann...
        let mut tasks = Vec::new();
        for chat in std::iter::repeat_n(DESK, 25).chain(std::iter::repeat_n(ANN, 10)) {
            let l = l.clone();
            tasks.push(tokio::spawn(async move {
                l.acquire(Some(chat)).await;
                start.elapsed()
            }));
        }
        // ...let them all reserve their slots.
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
        // Bob is not held up by them beyond the global spacing of the bursts already due
        // (20 + 3 requests, ~34 ms apart).
        l.acquire(Some(BOB)).await;
        let bob = start.elapsed();
        assert!(bob < Duration::from_secs(1), "{bob:?}");
        // A request without a chat neither.
        let before = Instant::now();
        l.acquire(None).await;
        assert!(before.elapsed() < Duration::from_millis(100));
        let mut done = Vec::new();
        for t in tasks {
            done.push(t.await.unwrap());
        }
        done.sort();
        assert!(done[34] >= Duration::from_secs(15), "{done:?}");
        assert!(done[34] < Duration::from_secs(16), "{done:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_global_spacing_holds_across_chats() {
        let l = Limiter::new(Limits::default());
        let start = Instant::now();
        for chat in 1..=31 {
            l.acquire(Some(chat)).await;
        }
        let took = start.elapsed();
        assert!(took >= GLOBAL_SPACING * 30, "{took:?}");
        assert!(took < GLOBAL_SPACING * 31, "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_stops_everyone_and_empties_the_chat_bucket() {
        let l = Limiter::new(Limits::default());
        let start = Instant::now();
        l.acquire(Some(ANN)).await;
        l.hold(Some(ANN), Duration::from_secs(5));
        l.acquire(Some(BOB)).await;
        assert!(start.elapsed() >= Duration::from_secs(5));
        // Ann restarts with an empty bucket: one token when the wait is over, the next a
        // second later.
        l.acquire(Some(ANN)).await;
        assert!(start.elapsed() >= Duration::from_secs(5));
        l.acquire(Some(ANN)).await;
        let second = start.elapsed();
        assert!(second >= Duration::from_secs(6), "{second:?}");
        assert!(second < Duration::from_millis(6100), "{second:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn idle_buckets_are_evicted() {
        let l = Limiter::new(Limits::default());
        for chat in 1..=1000 {
            l.acquire(Some(chat)).await;
        }
        l.acquire(Some(DESK)).await;
        // The size-triggered sweeps keep the map within twice the busy chats (a private
        // bucket is full again 1 s after its one message).
        assert!(l.tracked_chats() < 200, "{}", l.tracked_chats());
        // A minute later everything is idle: the next request sweeps it all away.
        tokio::time::sleep(SWEEP_EVERY + Duration::from_secs(1)).await;
        l.acquire(Some(BOB)).await;
        assert_eq!(l.tracked_chats(), 1);
        // An evicted bucket is a full one: a burst goes at once again.
        let at: Vec<u128> = send_n(&l, DESK, 20).await.into_iter().map(ms).collect();
        assert!(at[19] < 1000, "{at:?}");
    }

    #[test]
    fn chat_kinds() {
        let l = Limits::default();
        assert_eq!(l.bucket(ANN), PRIVATE);
        assert_eq!(l.bucket(DESK), GROUP);
        assert_eq!(PRIVATE.tolerance(), Duration::from_secs(2));
        assert_eq!(GROUP.tolerance(), Duration::from_secs(57));
    }
}

//! Holding a request back until the test lets it through (a slow Telegram): [`Gate`].

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Notify;

use super::{FakeTelegram, Inner, WAIT, as_i64};

impl FakeTelegram {
    /// Holds back the next call of `method` for `chat_id` (a slow Telegram): the call is
    /// neither answered nor recorded until the returned [`Gate`] is opened (or dropped, or
    /// [`WAIT`] three times over has passed).
    pub fn hold_next(&self, method: &str, chat_id: i64) -> Gate {
        let state = Arc::new(GateState::default());
        self.inner
            .lock()
            .holds
            .push((method.to_owned(), chat_id, state.clone()));
        Gate { state }
    }
}

/// The shared state of a [`Gate`].
#[derive(Default)]
pub(super) struct GateState {
    reached: std::sync::atomic::AtomicBool,
    opened: std::sync::atomic::AtomicBool,
    open: Notify,
}

impl GateState {
    fn is_open(&self) -> bool {
        self.opened.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A request held back by [`FakeTelegram::hold_next`]. Dropping the gate opens it.
pub struct Gate {
    state: Arc<GateState>,
}

impl Gate {
    /// Whether the held request has arrived (and is waiting).
    pub fn is_reached(&self) -> bool {
        self.state.reached.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits (up to [`WAIT`]) until the held request has arrived. Panics when it does not.
    pub async fn reached(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.is_reached() {
            if tokio::time::Instant::now() >= deadline {
                panic!("the held request did not arrive within {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Lets the held request through (it is recorded and answered now).
    pub fn open(&self) {
        self.state
            .opened
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.state.open.notify_waiters();
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.open();
    }
}

/// Waits while a gate set for this request is closed.
pub(super) async fn pass_gate(inner: &Inner, method: &str, params: &Value) {
    let chat = params.get("chat_id").and_then(as_i64);
    let gate = {
        let mut st = inner.lock();
        let pos = st
            .holds
            .iter()
            .position(|(m, c, _)| m.eq_ignore_ascii_case(method) && Some(*c) == chat);
        pos.map(|i| st.holds.remove(i).2)
    };
    let Some(gate) = gate else { return };
    gate.reached
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + WAIT * 3;
    loop {
        let opened = gate.open.notified();
        tokio::pin!(opened);
        opened.as_mut().enable();
        if gate.is_open() {
            return;
        }
        tokio::select! {
            () = &mut opened => {}
            () = tokio::time::sleep_until(deadline) => return,
        }
    }
}

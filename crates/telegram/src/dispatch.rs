//! Polling mode's dispatcher: updates handled concurrently across chats, in order within one.
//!
//! Every update goes to the queue of its chat (the chat of the message, or of the message a
//! button belongs to; updates without a chat share one queue). Each queue is served by its own
//! task, one update after the other in arrival order; a task whose queue runs empty removes
//! the queue and ends, so only chats with work pending cost anything. At most
//! [`MAX_QUEUED`] updates are queued or being handled at once: when that many are, the
//! polling loop waits for a free place.
//!
//! The offset only moves past handled updates. The dispatcher tracks the updates handed out
//! and not yet done; the offset is the lowest of them (or, with none left, one past the last
//! handed out). It is stored in the Store (cursor [`OFFSET_CURSOR`]) whenever it advances,
//! and only then is it given to `getUpdates`, which confirms the updates below it to
//! Telegram: an update still being handled is neither confirmed to Telegram nor passed by the
//! stored offset, so after a crash it comes again (a redelivery of an update already handled
//! changes nothing: the idempotency keys) and nothing is skipped.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use frontdesk_core::Engine;
use teloxide::types::Update;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tracing::{debug, warn};

use crate::{OFFSET_CURSOR, PollContext, TelegramAdapter};

/// Most updates queued or being handled at once, over all chats.
pub(crate) const MAX_QUEUED: usize = 256;

/// The queue an update goes to: its chat, or `None` for updates without one.
type Key = Option<i64>;

/// One queued update, holding its place among the [`MAX_QUEUED`].
struct Job {
    update: Update,
    _place: OwnedSemaphorePermit,
}

/// Which updates were handed out and which are done.
#[derive(Debug, Default)]
struct Progress {
    /// Update ids handed to a queue and not yet handled.
    unfinished: BTreeSet<u32>,
    /// The highest update id handed to a queue.
    highest: Option<u32>,
    /// The offset last stored (or read at start): what `getUpdates` is asked from.
    released: Option<i32>,
}

impl Progress {
    /// The offset that passes exactly the handled updates: the lowest unfinished update, or
    /// one past the last handed out.
    fn watermark(&self) -> Option<i32> {
        match (self.unfinished.first(), self.highest) {
            (Some(&first), _) => Some(offset_of(first)),
            (None, Some(h)) => Some(offset_of(h).saturating_add(1)),
            (None, None) => self.released,
        }
    }
}

/// An update id as a `getUpdates` offset.
fn offset_of(id: u32) -> i32 {
    i32::try_from(id).unwrap_or(i32::MAX)
}

/// What the chat tasks share.
struct Shared {
    adapter: TelegramAdapter,
    engine: Arc<Engine>,
    ctx: PollContext,
    /// The queue of every chat with work pending; a chat's task is alive while its entry is.
    queues: Mutex<HashMap<Key, VecDeque<Job>>>,
    places: Arc<Semaphore>,
    progress: Mutex<Progress>,
    /// Serialises the offset writes, so the stored offset never goes back.
    writing: tokio::sync::Mutex<()>,
    /// Signalled whenever an update is done.
    done: Notify,
    /// Set when the dispatcher gave up waiting at stop: tasks take no further update and
    /// the offset is no longer stored.
    closed: std::sync::atomic::AtomicBool,
}

/// Polling mode's dispatcher (see [the module docs](self)).
pub(crate) struct Dispatcher {
    shared: Arc<Shared>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The critical sections cannot panic half-way; a poisoned lock still holds sane data.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Dispatcher {
    /// A dispatcher handing updates to `engine` through `adapter`, starting at the stored
    /// `offset`.
    pub(crate) fn new(
        adapter: TelegramAdapter,
        engine: Arc<Engine>,
        ctx: PollContext,
        offset: Option<i32>,
    ) -> Dispatcher {
        Dispatcher {
            shared: Arc::new(Shared {
                adapter,
                engine,
                ctx,
                queues: Mutex::new(HashMap::new()),
                places: Arc::new(Semaphore::new(MAX_QUEUED)),
                progress: Mutex::new(Progress {
                    released: offset,
                    ..Progress::default()
                }),
                writing: tokio::sync::Mutex::new(()),
                done: Notify::new(),
                closed: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// The offset to ask `getUpdates` from: the last one stored.
    pub(crate) fn offset(&self) -> Option<i32> {
        lock(&self.shared.progress).released
    }

    /// Whether `update` was not handed out yet (`getUpdates` offers the updates still being
    /// handled again, as they are not confirmed).
    pub(crate) fn is_new(&self, update: &Update) -> bool {
        let id = update.id.0;
        let p = lock(&self.shared.progress);
        p.highest.is_none_or(|h| id > h) && p.released.is_none_or(|o| i64::from(id) >= i64::from(o))
    }

    /// Queues `update` behind the earlier updates of its chat, waiting while
    /// [`MAX_QUEUED`] updates are pending. Cancel-safe: an update whose call was cancelled
    /// was not queued.
    pub(crate) async fn dispatch(&self, update: Update) {
        let place = self
            .shared
            .places
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let id = update.id.0;
        let key: Key = update.chat().map(|c| c.id.0);
        {
            let mut p = lock(&self.shared.progress);
            p.unfinished.insert(id);
            p.highest = Some(p.highest.map_or(id, |h| h.max(id)));
        }
        let job = Job {
            update,
            _place: place,
        };
        let start = {
            let mut queues = lock(&self.shared.queues);
            match queues.get_mut(&key) {
                Some(queue) => {
                    queue.push_back(job);
                    false
                }
                None => {
                    queues.insert(key, VecDeque::from([job]));
                    true
                }
            }
        };
        if start {
            tokio::spawn(serve(self.shared.clone(), key));
        }
    }

    /// Waits until an update is done (possibly one done before the call).
    pub(crate) async fn one_done(&self) {
        self.shared.done.notified().await;
    }

    /// Stop: waits (at most `grace`) for the queued updates to be handled, stores the final
    /// offset and tells the chat tasks to take no further update.
    pub(crate) async fn finish(&self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let left = lock(&self.shared.progress).unfinished.len();
            if left == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, self.one_done())
                .await
                .is_err()
            {
                warn!(
                    unfinished = left,
                    "Telegram updates still being handled at stop: they come again after a restart"
                );
                break;
            }
        }
        store_offset(&self.shared).await;
        self.shared
            .closed
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A chat's task: handles its queue in order, ends (removing the queue) once it is empty.
async fn serve(sh: Arc<Shared>, key: Key) {
    loop {
        let job = {
            let mut queues = lock(&sh.queues);
            let next = if sh.closed.load(std::sync::atomic::Ordering::SeqCst) {
                None
            } else {
                queues.get_mut(&key).and_then(VecDeque::pop_front)
            };
            match next {
                Some(job) => job,
                None => {
                    queues.remove(&key);
                    return;
                }
            }
        };
        let Job { update, _place } = job;
        let id = update.id.0;
        // Until it is done: a database outage holds this chat's updates (and the offset) back,
        // never loses them. In a task of its own: a panic must not stall the chat.
        let mut wait = Duration::from_millis(500);
        loop {
            let handled = tokio::spawn({
                let (sh, update) = (sh.clone(), update.clone());
                async move { sh.adapter.process(&sh.engine, update, &sh.ctx).await }
            })
            .await;
            match handled {
                Ok(true) => break,
                Ok(false) if !sh.closed.load(std::sync::atomic::Ordering::SeqCst) => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(30));
                }
                Ok(false) => {
                    // Stopping: left unfinished, so the offset stays below it and it comes
                    // again after the restart.
                    drop(_place);
                    sh.done.notify_one();
                    return;
                }
                Err(e) => {
                    warn!(update = id, error = %e, "handling a Telegram update panicked; update skipped");
                    break;
                }
            }
        }
        drop(_place);
        lock(&sh.progress).unfinished.remove(&id);
        store_offset(&sh).await;
        sh.done.notify_one();
    }
}

/// Stores the offset if it advanced (not fatal when the Store fails: a replay after a restart
/// changes nothing). Either way the new offset is then given to `getUpdates`.
async fn store_offset(sh: &Shared) {
    let _writing = sh.writing.lock().await;
    if sh.closed.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let (mark, released) = {
        let p = lock(&sh.progress);
        (p.watermark(), p.released)
    };
    let Some(next) = mark else { return };
    if released.is_some_and(|r| r >= next) {
        return;
    }
    if let Err(e) = sh
        .engine
        .store()
        .set_cursor(OFFSET_CURSOR, &next.to_string())
        .await
    {
        warn!(error = %e, "could not store the Telegram offset");
    } else {
        debug!(offset = next, "Telegram offset stored");
    }
    lock(&sh.progress).released = Some(next);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watermark_is_the_lowest_unfinished_update() {
        let mut p = Progress {
            released: Some(10),
            ..Progress::default()
        };
        assert_eq!(p.watermark(), Some(10));
        p.unfinished.extend([10, 11, 12]);
        p.highest = Some(12);
        assert_eq!(p.watermark(), Some(10));
        p.unfinished.remove(&11);
        p.unfinished.remove(&12);
        assert_eq!(p.watermark(), Some(10), "12 is done, 10 is not");
        p.unfinished.remove(&10);
        assert_eq!(p.watermark(), Some(13));
    }
}

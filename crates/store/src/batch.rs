//! SQLite's write gate and group commit.
//!
//! SQLite has one writer at a time, and each statement is a round trip to the connection's
//! worker thread, so a unit of work's `BEGIN` and `COMMIT` cost as much as its writes. Units
//! that want to write while another holds the gate therefore share its transaction: a unit
//! that commits while others wait leaves the transaction open for the next one, and the last
//! unit of the group (nobody waiting, or the group full or old) commits it for all. Every unit
//! returns from its commit only once the group's `COMMIT` succeeded; if any unit of the group
//! fails after writing, the whole group rolls back and every unit in it reports an error, so
//! its update is handled afresh, as after any failed commit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};
use tracing::warn;

/// At most this many units share one transaction.
const GROUP_UNITS: usize = 64;
/// A group is committed once its transaction is this old, even if more units wait.
const GROUP_AGE: Duration = Duration::from_millis(5);

/// The write gate of one SQLite database in this process, and the open group.
pub(crate) struct Writer {
    group: Arc<Mutex<Group>>,
    /// How many want the gate: a committing unit leaves the group open only for them.
    waiting: AtomicUsize,
    max_units: usize,
    max_age: Duration,
}

impl Default for Writer {
    fn default() -> Self {
        Writer::with_limits(GROUP_UNITS, GROUP_AGE)
    }
}

/// The transaction shared by a group of units, and the units waiting for its commit.
#[derive(Default)]
pub(crate) struct Group {
    tx: Option<Transaction<'static, Any>>,
    members: Vec<oneshot::Sender<Result<(), String>>>,
    opened: Option<Instant>,
}

/// Holding the write gate. Dropped by a unit that wrote without committing, it rolls the
/// group back (its writes cannot be told from the others'); otherwise an open group is
/// committed for the units waiting on it.
pub(crate) struct Seat {
    guard: Option<OwnedMutexGuard<Group>>,
    /// Set once a unit's statements ran in the group's transaction.
    pub(crate) wrote: bool,
}

/// Counts a task as waiting for the gate until it has it or its wait is cancelled.
struct Waiting<'a> {
    writer: &'a Writer,
    entered: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.writer.waiting.fetch_sub(1, Ordering::SeqCst);
        if self.entered {
            return;
        }
        // A cancelled wait: a unit may have left its group open for this task. If the gate
        // is free, nobody else will come for the group: commit it.
        if let Ok(guard) = self.writer.group.clone().try_lock_owned() {
            drop(Seat {
                guard: Some(guard),
                wrote: false,
            });
        }
    }
}

impl Writer {
    /// A gate whose groups hold at most `max_units` units and are committed once `max_age` old.
    pub(crate) fn with_limits(max_units: usize, max_age: Duration) -> Writer {
        Writer {
            group: Arc::default(),
            waiting: AtomicUsize::new(0),
            max_units,
            max_age,
        }
    }

    /// How many tasks wait for the gate now.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Waits for the write gate.
    pub(crate) async fn enter(&self) -> Seat {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut waiting = Waiting {
            writer: self,
            entered: false,
        };
        let guard = self.group.clone().lock_owned().await;
        waiting.entered = true;
        drop(waiting);
        Seat {
            guard: Some(guard),
            wrote: false,
        }
    }

    /// Waits for the write gate with no group open: for statements outside a unit of work,
    /// which commit on their own.
    pub(crate) async fn enter_alone(&self) -> Result<Seat, sqlx::Error> {
        let mut seat = self.enter().await;
        seat.group().flush().await?;
        Ok(seat)
    }

    /// Commits a unit: leaves the group open for the units waiting for the gate, or commits
    /// it; returns once the group's commit is known.
    pub(crate) async fn commit(&self, mut seat: Seat) -> Result<(), String> {
        let (done, result) = oneshot::channel();
        {
            let group = seat.group();
            group.members.push(done);
            let company = self.waiting.load(Ordering::SeqCst) > 0
                && group.members.len() < self.max_units
                && group.opened.is_some_and(|t| t.elapsed() < self.max_age);
            if !company {
                // The outcome reaches every member, this unit included.
                let _ = group.flush().await;
            }
        }
        // Passed on to the next unit as it is (open, if it still is), not through `Drop`.
        drop(seat.guard.take());
        if self.waiting.load(Ordering::SeqCst) == 0
            && let Ok(guard) = self.group.clone().try_lock_owned()
        {
            // The one it was left open for gave up waiting: commit it (see `Seat`'s drop).
            drop(Seat {
                guard: Some(guard),
                wrote: false,
            });
        }
        match result.await {
            Ok(r) => r,
            Err(_) => Err("the group of this unit was dropped before it committed".to_owned()),
        }
    }
}

impl Seat {
    fn group(&mut self) -> &mut Group {
        self.guard
            .as_mut()
            .expect("a seat holds the gate until dropped")
    }

    /// Opens the group's transaction if none is open.
    pub(crate) async fn open(&mut self, pool: &AnyPool) -> Result<(), sqlx::Error> {
        let group = self.group();
        if group.tx.is_none() {
            group.tx = Some(pool.begin_with("BEGIN IMMEDIATE").await?);
            group.opened = Some(Instant::now());
        }
        Ok(())
    }

    /// Whether a group's transaction is open (units wait for its commit).
    pub(crate) fn in_group(&self) -> bool {
        self.guard.as_ref().is_some_and(|g| g.tx.is_some())
    }

    /// The group's connection (after [`Seat::open`]).
    pub(crate) fn conn(&self) -> &AnyConnection {
        let group = self
            .guard
            .as_ref()
            .expect("a seat holds the gate until dropped");
        group
            .tx
            .as_deref()
            .expect("the group's transaction is open")
    }

    /// The group's connection, for statements (after [`Seat::open`]).
    pub(crate) fn conn_mut(&mut self) -> &mut AnyConnection {
        self.wrote = true;
        self.group()
            .tx
            .as_deref_mut()
            .expect("the group's transaction is open")
    }
}

impl Group {
    /// Commits the open transaction and tells the units of the group.
    async fn flush(&mut self) -> Result<(), sqlx::Error> {
        self.opened = None;
        let members = std::mem::take(&mut self.members);
        let result = match self.tx.take() {
            Some(tx) => tx.commit().await,
            None => Ok(()),
        };
        let outcome = result.as_ref().map(|_| ()).map_err(|e| e.to_string());
        for m in members {
            let _ = m.send(outcome.clone());
        }
        result
    }

    /// Rolls the open transaction back and tells the units of the group.
    fn abandon(&mut self) {
        self.opened = None;
        // Dropping an open sqlx transaction rolls it back.
        drop(self.tx.take());
        for m in self.members.drain(..) {
            let _ = m.send(Err(
                "rolled back: a unit of work in the same group failed".to_owned()
            ));
        }
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        if self.wrote {
            warn!("a unit of work was dropped after writing: its group is rolled back");
            guard.abandon();
            return;
        }
        if guard.tx.is_none() && guard.members.is_empty() {
            return;
        }
        // Units wait on the open group and this holder wrote nothing of its own: commit it
        // for them.
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    let _ = guard.flush().await;
                });
            }
            Err(_) => guard.abandon(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use frontdesk_core::{ScheduleStore, Store};

    use super::Writer;
    use crate::SqlStore;

    /// A SQLite store whose groups never close by age (the tests decide who waits when).
    async fn store(dir: &tempfile::TempDir) -> SqlStore {
        let url = format!("sqlite://{}", dir.path().join("groups.db").display());
        let mut store = SqlStore::connect(&url).await.expect("sqlite");
        store.writer = Arc::new(Writer::with_limits(64, Duration::from_secs(600)));
        store
    }

    /// Waits until `n` tasks wait for the gate (a condition, not a timed sleep).
    async fn until_waiting(store: &SqlStore, n: usize) {
        while store.writer.waiting() < n {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn units_that_wait_for_the_gate_share_one_commit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = store(&dir).await;
        let a = store.begin("a").await.expect("begin a");
        a.set_cursor("a", "1").await.expect("a writes");
        let (wrote, b_wrote) = tokio::sync::oneshot::channel();
        let (go, b_go) = tokio::sync::oneshot::channel::<()>();
        let s = store.clone();
        let b = tokio::spawn(async move {
            let b = s.begin("b").await.expect("begin b");
            b.set_cursor("b", "1").await.expect("b writes");
            let _ = wrote.send(());
            let _ = b_go.await;
            b.commit().await
        });
        until_waiting(&store, 1).await;
        // B waits for the gate: A leaves the group open for it and returns with B's commit.
        let a_commit = tokio::spawn(a.commit());
        b_wrote.await.expect("b wrote in a's group");
        // A's write is not committed yet: it waits in the group for B's commit.
        assert_eq!(store.cursor("a").await.unwrap(), None);
        go.send(()).expect("b waits");
        b.await.expect("b").expect("b commits");
        a_commit.await.expect("a").expect("a commits with b");
        assert_eq!(store.cursor("a").await.unwrap().as_deref(), Some("1"));
        assert_eq!(store.cursor("b").await.unwrap().as_deref(), Some("1"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_unit_dropped_after_writing_rolls_its_group_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = store(&dir).await;
        let a = store.begin("a").await.expect("begin a");
        a.set_cursor("a", "1").await.expect("a writes");
        let (wrote, b_wrote) = tokio::sync::oneshot::channel();
        let (fail, b_fails) = tokio::sync::oneshot::channel::<()>();
        let s = store.clone();
        let b = tokio::spawn(async move {
            let b = s.begin("b").await.expect("begin b");
            b.set_cursor("b", "1").await.expect("b writes");
            let _ = wrote.send(());
            let _ = b_fails.await;
            drop(b); // a failure after writing: no commit
        });
        until_waiting(&store, 1).await;
        let a_commit = tokio::spawn(a.commit());
        b_wrote.await.expect("b wrote in a's group");
        fail.send(()).expect("b waits");
        b.await.expect("b");
        let err = a_commit
            .await
            .expect("a")
            .expect_err("a's group was rolled back");
        assert!(err.to_string().contains("rolled back"), "{err}");
        assert_eq!(store.cursor("a").await.unwrap(), None);
        assert_eq!(store.cursor("b").await.unwrap(), None);
        // The gate is free and the next unit commits on its own.
        let c = store.begin("c").await.expect("begin c");
        c.set_cursor("c", "1").await.expect("c writes");
        c.commit().await.expect("c commits");
        assert_eq!(store.cursor("c").await.unwrap().as_deref(), Some("1"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_concurrent_units_all_commit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("many.db").display());
        let store = SqlStore::connect(&url).await.expect("sqlite");
        let mut set = tokio::task::JoinSet::new();
        for i in 0..200 {
            let s = store.clone();
            set.spawn(async move {
                let u = s.begin(&format!("k{i}")).await?;
                u.set_cursor(&format!("c{i}"), &i.to_string()).await?;
                u.commit().await
            });
        }
        while let Some(r) = set.join_next().await {
            r.expect("task").expect("commit");
        }
        for i in 0..200 {
            let got = store.cursor(&format!("c{i}")).await.unwrap();
            assert_eq!(got, Some(i.to_string()));
        }
    }
}

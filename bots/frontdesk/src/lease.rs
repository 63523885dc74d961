//! Single-replica jobs: run a job only while this replica holds a lease in the Store.
//!
//! Several `frontdesk` processes may share one database; some work must run in exactly one of
//! them (Telegram allows one `getUpdates` poller per bot). [`run_exclusive`] takes the lease,
//! renews it every third of its time to live, and runs the job while it holds it. If the
//! holder dies, its lease expires and another replica takes over; if a renewal fails or finds
//! the lease taken, the job is stopped (its `stop` future resolves) before anyone else can
//! start, because the job's own deadline is shorter than the lease.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tracing::{info, warn};

use frontdesk_core::{Clock, StopSignal, Store};

/// Runs `job` whenever this replica (`holder`) holds the lease `name`, until `shutdown`
/// resolves. The job gets a [`StopSignal`] it must honour; when the job returns on its own it
/// is started again (after a pause) as long as the lease is held.
pub(crate) async fn run_exclusive<J, F>(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    name: &str,
    holder: &str,
    ttl: Duration,
    mut job: J,
    shutdown: impl Future<Output = ()> + Send,
) where
    J: FnMut(StopSignal) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    let renew_every = ttl / 3;
    tokio::pin!(shutdown);
    loop {
        // Wait until we hold the lease (or shutdown).
        let held = match store.acquire_lease(name, holder, ttl_ms, clock.now()).await {
            Ok(h) => h,
            Err(e) => {
                warn!(lease = name, error = %e, "lease check failed");
                false
            }
        };
        if !held {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(renew_every) => continue,
            }
        }
        info!(lease = name, holder, "lease taken: starting the job");
        let (stop_tx, stop_rx) = watch::channel(false);
        let stop: StopSignal = Box::pin(async move {
            let mut rx = stop_rx;
            let _ = rx.wait_for(|s| *s).await;
        });
        let task = tokio::spawn(job(stop));
        tokio::pin!(task);
        loop {
            tokio::select! {
                () = &mut shutdown => {
                    let _ = stop_tx.send(true);
                    let _ = (&mut task).await;
                    let _ = store.release_lease(name, holder).await;
                    return;
                }
                _ = &mut task => {
                    // The job ended by itself (error, connection lost): restart it while we
                    // still hold the lease, after a pause.
                    break;
                }
                () = tokio::time::sleep(renew_every) => {
                    match store.acquire_lease(name, holder, ttl_ms, clock.now()).await {
                        Ok(true) => {}
                        Ok(false) => {
                            warn!(lease = name, holder, "lease lost: stopping the job");
                            let _ = stop_tx.send(true);
                            let _ = (&mut task).await;
                            break;
                        }
                        Err(e) => {
                            // Cannot prove we still hold it: stop before it may expire.
                            warn!(lease = name, error = %e, "lease renewal failed: stopping the job");
                            let _ = stop_tx.send(true);
                            let _ = (&mut task).await;
                            break;
                        }
                    }
                }
            }
        }
        tokio::select! {
            () = &mut shutdown => {
                let _ = store.release_lease(name, holder).await;
                return;
            }
            () = tokio::time::sleep(renew_every) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use frontdesk_core::Timestamp;
    use frontdesk_core::testing::MemoryStore;

    /// A clock driven by tokio's (paused) time.
    struct TokioClock(tokio::time::Instant);
    impl Clock for TokioClock {
        fn now(&self) -> Timestamp {
            Timestamp(1_000_000 + self.0.elapsed().as_millis() as i64)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn one_replica_runs_the_job_and_another_takes_over_when_it_dies() {
        let store: Arc<dyn Store> = MemoryStore::new();
        let clock: Arc<dyn Clock> = Arc::new(TokioClock(tokio::time::Instant::now()));
        let running = Arc::new(AtomicUsize::new(0));
        let max_running = Arc::new(AtomicUsize::new(0));
        let started_by = Arc::new(std::sync::Mutex::new(Vec::<&'static str>::new()));

        let replica = |holder: &'static str| {
            let (store, clock) = (store.clone(), clock.clone());
            let (running, max_running, started_by) =
                (running.clone(), max_running.clone(), started_by.clone());
            tokio::spawn(async move {
                run_exclusive(
                    store,
                    clock,
                    "telegram.poll",
                    holder,
                    Duration::from_secs(30),
                    move |stop| {
                        let (running, max_running) = (running.clone(), max_running.clone());
                        started_by.lock().unwrap().push(holder);
                        async move {
                            let n = running.fetch_add(1, Ordering::SeqCst) + 1;
                            max_running.fetch_max(n, Ordering::SeqCst);
                            stop.await;
                            running.fetch_sub(1, Ordering::SeqCst);
                        }
                    },
                    std::future::pending::<()>(),
                )
                .await;
            })
        };
        let a = replica("a");
        tokio::time::sleep(Duration::from_secs(1)).await;
        let b = replica("b");
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert_eq!(
            *started_by.lock().unwrap(),
            vec!["a"],
            "only the holder runs"
        );
        assert_eq!(running.load(Ordering::SeqCst), 1);

        // Replica a dies: no more renewals. b takes over once the lease expires.
        // (Dropping its loop also stops its job, as the process's death would.)
        a.abort();
        let _ = a.await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(*started_by.lock().unwrap(), vec!["a", "b"]);
        assert_eq!(running.load(Ordering::SeqCst), 1);
        assert_eq!(max_running.load(Ordering::SeqCst), 1, "never two at once");
        b.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_stops_the_job_and_frees_the_lease() {
        let store: Arc<dyn Store> = MemoryStore::new();
        let clock: Arc<dyn Clock> = Arc::new(TokioClock(tokio::time::Instant::now()));
        let stopped = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let s2 = stopped.clone();
        let h = tokio::spawn(run_exclusive(
            store.clone(),
            clock.clone(),
            "job",
            "a",
            Duration::from_secs(30),
            move |stop| {
                let s = s2.clone();
                async move {
                    stop.await;
                    s.fetch_add(1, Ordering::SeqCst);
                }
            },
            async move {
                let _ = rx.await;
            },
        ));
        tokio::time::sleep(Duration::from_secs(5)).await;
        tx.send(()).unwrap();
        h.await.unwrap();
        assert_eq!(stopped.load(Ordering::SeqCst), 1);
        // Freed at once: another holder gets it without waiting for expiry.
        assert!(
            store
                .acquire_lease("job", "b", 30_000, clock.now())
                .await
                .unwrap()
        );
    }
}

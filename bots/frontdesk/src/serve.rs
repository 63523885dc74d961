//! Background work of a running bot: the Engine's periodic tick, knowledge-base hot reload
//! (keeping the last good KB when an edit breaks it), and shutdown on Ctrl-C / SIGTERM.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use frontdesk_core::Engine;
use frontdesk_kb::Kb;
use tokio::task::JoinHandle;
use tracing::{error, info};

/// Calls `Engine::tick` every `every` (first-response reminders, then the due outbox).
pub(crate) fn spawn_ticker(engine: Arc<Engine>, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match engine.tick().await {
                Ok(r) if r.reminders > 0 => {
                    info!(reminders = r.reminders, delivered = r.delivered, "tick");
                }
                Ok(_) => {}
                Err(e) => error!(error = %e, "tick failed"),
            }
        }
    })
}

/// Delivers the outbox every `every`: what could not be sent right after its update (a 429, a
/// platform outage, a restart in between), in order per chat. Several replicas may run it.
pub(crate) fn spawn_dispatcher(engine: Arc<Engine>, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match engine.dispatch_due().await {
                Ok(r) if r.delivered + r.failed > 0 => {
                    info!(
                        delivered = r.delivered,
                        retried = r.retried,
                        failed = r.failed,
                        "outbox delivered"
                    );
                }
                Ok(_) => {}
                Err(e) => error!(error = %e, "outbox dispatch failed; retrying"),
            }
        }
    })
}

/// What identifies the state of a knowledge-base directory: every file's path, size and
/// modification time.
pub(crate) fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, u64, SystemTime)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                walk(&p, out);
            } else {
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                out.push((p, meta.len(), modified));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// Reloads the knowledge base when its files change. A broken edit is logged with file and
/// line, and the bot keeps answering from the last good KB.
pub(crate) fn spawn_kb_reload(
    engine: Arc<Engine>,
    dir: PathBuf,
    every: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = fingerprint(&dir);
        let mut interval = tokio::time::interval(every);
        interval.tick().await;
        loop {
            interval.tick().await;
            let now = fingerprint(&dir);
            if now == seen {
                continue;
            }
            seen = now;
            let d = dir.clone();
            match tokio::task::spawn_blocking(move || Kb::load_dir(&d)).await {
                Ok(Ok(kb)) => {
                    info!(entries = kb.entries().len(), "knowledge base reloaded");
                    engine.set_kb(kb);
                }
                Ok(Err(e)) => {
                    error!("knowledge base not reloaded, still using the last good one:\n{e}");
                }
                Err(e) => error!(error = %e, "knowledge base reload panicked"),
            }
        }
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_sees_edits_additions_and_removals() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        let f = dir.path().join("en/a.md");
        std::fs::write(&f, "one").unwrap();
        let a = fingerprint(dir.path());
        assert_eq!(a.len(), 1);
        std::fs::write(&f, "one two").unwrap();
        let b = fingerprint(dir.path());
        assert_ne!(a, b, "size changed");
        std::fs::write(dir.path().join("en/b.md"), "x").unwrap();
        let c = fingerprint(dir.path());
        assert_eq!(c.len(), 2);
        std::fs::remove_file(&f).unwrap();
        assert_eq!(fingerprint(dir.path()).len(), 1);
        assert_eq!(fingerprint(&dir.path().join("missing")), vec![]);
    }
}

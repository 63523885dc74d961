//! Background work of a running bot: the Engine's periodic tick, knowledge-base hot reload
//! (keeping the last good KB when an edit breaks it), and shutdown on Ctrl-C / SIGTERM.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use frontdesk_core::Engine;
use frontdesk_kb::{Kb, Limits};
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
/// modification time (links are listed, not followed; at most as deep and as many files as
/// the loader reads, so a wrong `kb.dir` such as `/` is not walked whole every few seconds).
pub(crate) fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<(PathBuf, u64, SystemTime)>, max: usize) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            if out.len() >= max {
                return;
            }
            let p = e.path();
            // `DirEntry::metadata` does not follow symbolic links.
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                if depth < Limits::default().max_depth {
                    walk(&p, depth + 1, out, max);
                }
            } else {
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                out.push((p, meta.len(), modified));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, 0, &mut out, 2 * Limits::default().max_files);
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
    spawn_kb_reload_observed(engine, dir, every, None)
}

/// [`spawn_kb_reload`], telling `observer` the outcome of every reload it tries (the entries
/// loaded, or why the last good KB was kept).
pub(crate) fn spawn_kb_reload_observed(
    engine: Arc<Engine>,
    dir: PathBuf,
    every: Duration,
    observer: Option<tokio::sync::mpsc::UnboundedSender<Result<usize, String>>>,
) -> JoinHandle<()> {
    let mut seen = fingerprint(&dir);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.tick().await;
        loop {
            interval.tick().await;
            let now = fingerprint(&dir);
            if now == seen {
                continue;
            }
            seen = now;
            let outcome = reload_kb(&engine, &dir).await;
            if let Some(o) = &observer {
                let _ = o.send(outcome);
            }
        }
    })
}

/// Loads the knowledge base in `dir` and gives it to the Engine; on any problem the Engine
/// keeps the one it has, and the problems are logged and returned.
pub(crate) async fn reload_kb(engine: &Engine, dir: &Path) -> Result<usize, String> {
    let d = dir.to_path_buf();
    match tokio::task::spawn_blocking(move || Kb::load_dir(&d)).await {
        Ok(Ok(kb)) => {
            let n = kb.entries().len();
            info!(entries = n, "knowledge base reloaded");
            engine.set_kb(kb);
            Ok(n)
        }
        Ok(Err(e)) => {
            error!("knowledge base not reloaded, still using the last good one:\n{e}");
            Err(e.to_string())
        }
        Err(e) => {
            error!(error = %e, "knowledge base reload panicked");
            Err(e.to_string())
        }
    }
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bad_reload_keeps_the_last_good_kb() {
        use frontdesk_core::Router;
        let db = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", db.path().join("t.db").display());
        let store = Arc::new(frontdesk_store::SqlStore::connect(&url).await.unwrap());
        let engine = frontdesk_testkit::test_engine("terminal", "desk", store, Router::new());
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let task = spawn_kb_reload_observed(
            engine.clone(),
            dir.path().to_path_buf(),
            Duration::from_millis(20),
            Some(tx),
        );
        let next = async |rx: &mut tokio::sync::mpsc::UnboundedReceiver<_>| {
            tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .expect("a reload within 30 s")
                .expect("the reload task runs")
        };
        std::fs::write(
            dir.path().join("en/a.md"),
            "## only-entry\n? where is my order\n\nIn My account.\n",
        )
        .unwrap();
        assert_eq!(next(&mut rx).await, Ok(1));
        let good = engine.kb();
        assert!(good.entry("en", "only-entry").is_some());
        // A link loop (which used to make the reload run for ever, eating memory) and a
        // broken file: refused with their reasons, and the last good KB stays.
        #[cfg(unix)]
        std::os::unix::fs::symlink("..", dir.path().join("en/l1")).unwrap();
        std::fs::write(dir.path().join("en/b.md"), "## \n? x\n\ny\n").unwrap();
        // The two edits may be seen by two reloads: wait for the one that sees both.
        loop {
            let err = next(&mut rx).await.expect_err("a broken KB is refused");
            assert!(Arc::ptr_eq(&good, &engine.kb()), "the KB was replaced");
            if err.contains("b.md:1: `## ` without an entry id")
                && (cfg!(not(unix)) || err.contains("l1:0: the directory"))
            {
                break;
            }
        }
        // Fixed again: reloaded.
        std::fs::remove_file(dir.path().join("en/b.md")).unwrap();
        #[cfg(unix)]
        std::fs::remove_file(dir.path().join("en/l1")).unwrap();
        while next(&mut rx).await != Ok(1) {}
        assert!(!Arc::ptr_eq(&good, &engine.kb()));
        task.abort();
    }
}

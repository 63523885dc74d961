//! Measures `frontdesk run`'s HTTP endpoint (`/metrics`, `/healthz`) under hostile clients,
//! the figures of issue 12: slow-header connections, a body cut short, and an idle flood of
//! 1,000 connections against a process limited to 1,024 file descriptors (while the
//! knowledge base is edited, to see whether its hot reload still works).
//!
//! ```text
//! cargo build -p frontdesk && cargo run -p frontdesk-tests --example http_flood
//! ```
//!
//! `FRONTDESK_BIN=path/to/frontdesk` measures another build; `FLOOD_PORT=N` makes the child
//! listen on a fixed port (for builds that do not log the port they bound); `FLOOD_IDLE=N`
//! opens N idle connections instead of 1,000.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use frontdesk_testkit::telegram::FakeTelegram;
use frontdesk_tests::{frontdesk, workspace_root};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SLOW: usize = 300;
/// Idle connections (`FLOOD_IDLE` overrides).
fn idle_count() -> usize {
    std::env::var("FLOOD_IDLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}
/// How long a connection is watched before it counts as held.
const CAP: Duration = Duration::from_secs(70);

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// `frontdesk run` under `ulimit -n 1024`, logging to `log`.
fn start(dir: &Path, tg: &FakeTelegram, log: &Path) -> Child {
    let base = frontdesk(dir);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -n 1024 && exec \"$0\" run")
        .arg(base.get_program())
        .current_dir(dir)
        .env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let port = std::env::var("FLOOD_PORT").unwrap_or_else(|_| "0".into());
    let out = std::fs::File::create(log).unwrap();
    cmd.env("TELOXIDE_TOKEN", tg.token())
        .env("TELOXIDE_API_URL", tg.url())
        .env("FRONTDESK_DESK_PLATFORM", "telegram")
        .env("FRONTDESK_DESK_CHAT_ID", "-1001234")
        .env("FRONTDESK_METRICS_LISTEN", format!("127.0.0.1:{port}"))
        .env("FRONTDESK_KB_DIR", dir.join("faq"))
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::from(out.try_clone().unwrap()))
        .stderr(Stdio::from(out));
    cmd.spawn().expect("spawn frontdesk run")
}

/// The endpoint's address: the fixed port, or the one the child logged.
async fn endpoint(log: &Path) -> SocketAddr {
    if let Ok(p) = std::env::var("FLOOD_PORT") {
        let addr: SocketAddr = format!("127.0.0.1:{p}").parse().unwrap();
        while TcpStream::connect(addr).await.is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        return addr;
    }
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(a) = text
            .lines()
            .filter(|l| l.contains("serving /metrics and /healthz"))
            .find_map(|l| {
                let rest = l.split_once("addr=")?.1;
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '\x1b')
                    .unwrap_or(rest.len());
                rest[..end].parse().ok()
            })
        {
            return a;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no address:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (up to `cap`) until the server closes `s`; what it sent and when it closed.
async fn until_closed(
    mut s: TcpStream,
    started: Instant,
    cap: Duration,
) -> (String, Option<Duration>) {
    let mut out = Vec::new();
    let closed = match tokio::time::timeout(cap, s.read_to_end(&mut out)).await {
        Ok(_) => Some(started.elapsed()),
        Err(_) => None,
    };
    (String::from_utf8_lossy(&out).into_owned(), closed)
}

/// A `GET /healthz` on a new connection: status (0 = none) and how long it took.
async fn healthz(addr: SocketAddr) -> (u16, Duration) {
    let t = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(15), async {
        let mut s = TcpStream::connect(addr).await?;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&out).into_owned())
    })
    .await;
    let status = match r {
        Ok(Ok(text)) => text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0),
        _ => 0,
    };
    (status, t.elapsed())
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

fn summary(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "none".into();
    }
    times.sort();
    format!(
        "min {:.1} s, median {:.1} s, max {:.1} s",
        times[0].as_secs_f64(),
        times[times.len() / 2].as_secs_f64(),
        times[times.len() - 1].as_secs_f64()
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&workspace_root().join("faq"), &dir.path().join("faq"));
    let tg = FakeTelegram::start().await;
    let log = dir.path().join("run.log");
    let mut child = start(dir.path(), &tg, &log);
    let pid = child.id();
    let addr = endpoint(&log).await;
    println!(
        "frontdesk run (pid {pid}, ulimit -n 1024) serving on {addr}; {} fds at rest",
        fds(pid)
    );

    // 1. Slow headers.
    let t = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..SLOW {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(tokio::spawn(until_closed(s, t, CAP)));
    }
    let mut closed = Vec::new();
    let mut refused = Vec::new();
    let mut held = 0;
    for h in slow {
        match h.await.unwrap() {
            (text, Some(d)) if text.starts_with("HTTP/1.1 503") => refused.push(d),
            (_, Some(d)) => closed.push(d),
            (_, None) => held += 1,
        }
    }
    println!(
        "{SLOW} slow-header connections: {} answered 503 (over the connection limit; {}), \
         {} closed by the server ({}), {held} still open after {CAP:?}",
        refused.len(),
        summary(&mut refused),
        closed.len(),
        summary(&mut closed)
    );

    // 2. A body cut short.
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        .await
        .unwrap();
    let (text, closed) = until_closed(s, t, CAP).await;
    println!(
        "body cut short: {} after {}",
        text.lines().next().unwrap_or("(no answer)"),
        closed.map_or(format!("still open after {CAP:?}"), |d| format!(
            "{:.1} s, closed",
            d.as_secs_f64()
        ))
    );

    // 3. An idle flood, with a KB edit in the middle of it.
    let t = Instant::now();
    let mut idle = Vec::new();
    let mut connect_failed = 0;
    let idle_n = idle_count();
    for _ in 0..idle_n {
        match tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => idle.push(s),
            _ => connect_failed += 1,
        }
    }
    let opened = t.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let peak = fds(pid);
    let during = healthz(addr).await;
    let kb_file = dir.path().join("faq/en/general.md");
    let mut kb = std::fs::read_to_string(&kb_file).unwrap();
    kb.push('\n');
    std::fs::write(&kb_file, kb).unwrap();
    // The reload polls every 3 s.
    let edited = Instant::now();
    let reload = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let after = text.lines().rev().take(50).collect::<Vec<_>>();
        if after.iter().any(|l| l.contains("knowledge base reloaded")) {
            break "reloaded".to_owned();
        }
        if let Some(l) = after
            .iter()
            .find(|l| l.contains("not reloaded") || l.contains("Too many open files"))
        {
            break format!("not reloaded; the log says: {}", l.trim());
        }
        if edited.elapsed() > Duration::from_secs(12) {
            break "no reload within 12 s".to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // What became of each idle connection: answered 503, closed to make room, still open.
    let (mut shed, mut closed, mut open) = (0, 0, 0);
    let readers: Vec<_> = idle
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                let mut buf = [0u8; 64];
                match tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 && buf.starts_with(b"HTTP/1.1 503") => 0,
                    Ok(_) => 1,
                    Err(_) => 2,
                }
            })
        })
        .collect();
    for r in readers {
        match r.await.unwrap() {
            0 => shed += 1,
            1 => closed += 1,
            _ => open += 1,
        }
    }
    println!(
        "{idle_n} idle connections opened in {:.1} s ({connect_failed} connects failed): \
         {shed} answered 503, {closed} closed by the server, {open} held; the process had \
         {peak} fds open",
        opened.as_secs_f64()
    );
    println!(
        "  /healthz during the flood: {} in {:.0} ms (0 = no answer); KB edited during the flood: {reload}",
        during.0,
        during.1.as_secs_f64() * 1000.0
    );
    let after = Instant::now();
    let back = loop {
        let (s, d) = healthz(addr).await;
        if s == 200 || after.elapsed() > Duration::from_secs(30) {
            break (s, d);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "  after the flood: /healthz {} ({:.0} ms) {:.1} s after the idle clients left; {} fds",
        back.0,
        back.1.as_secs_f64() * 1000.0,
        after.elapsed().as_secs_f64(),
        fds(pid)
    );
    let _ = child.kill();
    let _ = child.wait();
}

//! Throughput of the Engine on each backend: escalations per second (a new customer asks for a
//! person: ticket number, transcript, room, summary) and customer messages per second (a bot
//! answer from the sample knowledge base, and a message relayed inside an open ticket).
//!
//! `cargo bench -p frontdesk-store --bench engine_throughput` — SQLite always (a file in a
//! temporary directory), PostgreSQL when `FRONTDESK_TEST_POSTGRES_URL` names a server.
//! `FRONTDESK_BENCH_N` sets the number of customers (default 1000), `FRONTDESK_BENCH_POOL` the
//! pool size (default: the Store's);
//! `FRONTDESK_BENCH_TRACE=1 RUST_LOG=sqlx::query=debug` logs every statement with its time.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use frontdesk_core::testing::RecordingChannel;
use frontdesk_core::*;
use frontdesk_kb::Kb;
use frontdesk_store::SqlStore;
use tokio::task::JoinSet;

fn party(i: usize, prefix: &str) -> Party {
    Party {
        platform: Platform::terminal(),
        user_id: format!("{prefix}{i}"),
        display_name: format!("Customer {i}"),
        locale: None,
        role: Role::Customer,
    }
}

fn inbound(i: usize, prefix: &str, seq: usize, text: &str) -> Inbound {
    Inbound {
        platform_msg_id: format!("{prefix}{i}-{seq}"),
        from: party(i, prefix),
        at: Endpoint::chat(Platform::terminal(), format!("{prefix}{i}")),
        content: Content::Text(text.to_owned()),
        sent_at: None,
    }
}

/// Runs `n` jobs with at most `in_flight` at once; returns the rate per second.
async fn rate<F, Fut>(n: usize, in_flight: usize, job: F) -> f64
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let mut set = JoinSet::new();
    for i in 0..n {
        if set.len() >= in_flight {
            set.join_next().await.expect("a job").expect("job ok");
        }
        set.spawn(job(i));
    }
    while let Some(r) = set.join_next().await {
        r.expect("job ok");
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn bench_backend(name: &str, url: &str, kb_dir: &Path, n: usize) {
    let opts = frontdesk_store::StoreOptions {
        max_connections: std::env::var("FRONTDESK_BENCH_POOL")
            .ok()
            .and_then(|v| v.parse().ok()),
        ..Default::default()
    };
    let store = SqlStore::connect_with(url, opts).await.expect("connect");
    let channel = RecordingChannel::new(Platform::terminal());
    let kb = Kb::load_dir(kb_dir).expect("sample knowledge base");
    let engine = Arc::new(
        Engine::new(
            EngineConfig::default(),
            Arc::new(store),
            Router::new().with(channel.clone()),
            Arc::new(SystemClock),
            kb,
        )
        .expect("engine"),
    );
    for in_flight in [1, 32] {
        let prefix = format!("e{in_flight}-");
        let e = engine.clone();
        let p = prefix.clone();
        let escalations = rate(n, in_flight, move |i| {
            let e = e.clone();
            let msg = inbound(i, &p, 0, "/human");
            async move {
                e.handle(msg).await.expect("escalation");
            }
        })
        .await;
        let e = engine.clone();
        let p = prefix.clone();
        let relayed = rate(n * 3, in_flight, move |k| {
            let e = e.clone();
            let msg = inbound(k % n, &p, 1 + k / n, "Any news about my parcel?");
            async move {
                e.handle(msg).await.expect("relay");
            }
        })
        .await;
        let e = engine.clone();
        let p = format!("q{in_flight}-");
        let questions = [
            "Where is my order?",
            "kur mano užsakymas",
            "kus on minu tellimus",
            "how do i return an item",
            "I forgot my password",
        ];
        let answered = rate(n, in_flight, move |i| {
            let e = e.clone();
            let msg = inbound(i, &p, 0, questions[i % questions.len()]);
            async move {
                e.handle(msg).await.expect("answer");
            }
        })
        .await;
        println!(
            "{name:<10} in flight {in_flight:>2}: {escalations:>8.0} escalations/s  {relayed:>8.0} relayed messages/s  {answered:>8.0} answered questions/s"
        );
        channel.clear();
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    if std::env::var_os("FRONTDESK_BENCH_TRACE").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run small then.
    let benching = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("FRONTDESK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 1000 } else { 20 });
    let kb_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq");
    println!("Engine throughput, {n} customers per run (RecordingChannel, system clock)");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    bench_backend("sqlite", &url, &kb_dir, n).await;
    match frontdesk_store::testing::fresh_postgres_database().await {
        Some(url) => bench_backend("postgres", &url, &kb_dir, n).await,
        None => println!("postgres   skipped (set FRONTDESK_TEST_POSTGRES_URL)"),
    }
}

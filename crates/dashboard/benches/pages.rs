//! Server time of the dashboard's pages over a big history: seeds `DASHBOARD_BENCH_TICKETS`
//! tickets (default 100,000, over a year; see `frontdesk_store::testing::seed`) into a SQLite
//! file, then times, in process (routing, Store reads, rendering), the queue's first page, a
//! later page, a filtered page, a text search, and ticket pages. Prints the best and the
//! median of `DASHBOARD_BENCH_RUNS` runs (default 5) per page.
//!
//! `cargo bench -p frontdesk-dashboard --bench pages`

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use frontdesk_core::Timestamp;
use frontdesk_core::ports::*;
use frontdesk_core::report::DAY_MS;
use frontdesk_core::testing::ManualClock;
use frontdesk_dashboard::{KbView, Options, router};
use frontdesk_kb::Kb;
use frontdesk_kb::decide::Thresholds;
use frontdesk_store::SqlStore;
use frontdesk_store::testing::seed::{SeedSpec, seed};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// 2025-01-01 00:00 UTC.
const START: i64 = 1_735_689_600_000;
const TOKEN: &str = "bench-token-0123456789abcdef";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let n = env("DASHBOARD_BENCH_TICKETS", 100_000);
    let runs = env("DASHBOARD_BENCH_RUNS", 5).max(1);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Arc::new(SqlStore::connect(&url).await.unwrap());
    let t = Instant::now();
    let seeded = seed(
        &store,
        &SeedSpec {
            tickets: n,
            start: START,
            span_ms: 365 * DAY_MS,
            seed: 1,
        },
    )
    .await
    .unwrap();
    let open = store.queue(&QueueQuery::default()).await.unwrap().total;
    println!(
        "seeded {} tickets ({} open), {} messages in {:.1} s",
        seeded.tickets,
        open,
        seeded.messages,
        t.elapsed().as_secs_f64()
    );
    let kb = Arc::new(Kb::load_dir(std::path::Path::new("../../faq")).unwrap());
    let app = router(
        store.clone(),
        KbView::new(move || kb.clone(), Thresholds::default(), None),
        ManualClock::new(Timestamp(START + 366 * DAY_MS)),
        Options {
            env_token: Some(TOKEN.into()),
            ..Options::default()
        },
    )
    .unwrap();
    let some_open = store
        .queue(&QueueQuery {
            limit: 3,
            offset: open / 2,
            ..QueueQuery::default()
        })
        .await
        .unwrap();
    let mut pages = vec![
        ("queue, first page".to_owned(), "/".to_owned()),
        ("queue, page 40".into(), "/?page=40".into()),
        (
            "queue, desk + waiting for an agent".into(),
            "/?desk=billing&waiting=agent".into(),
        ),
        ("queue, search in messages".into(), "/?q=parcel".into()),
        ("queue, search, no match".into(), "/?q=zzzz-nothing".into()),
    ];
    for i in &some_open.items {
        pages.push((
            format!("ticket {} (open)", i.ticket.id.0),
            format!("/ticket/{}", i.ticket.id.0),
        ));
    }
    pages.push(("ticket 1 (closed)".into(), "/ticket/1".into()));
    println!("{:<40} {:>10} {:>10}", "page", "best ms", "median ms");
    for (name, path) in pages {
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..runs {
            let req = Request::get(&path)
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap();
            let t = Instant::now();
            let r = app.clone().oneshot(req).await.unwrap();
            let status = r.status();
            let body = r.into_body().collect().await.unwrap().to_bytes();
            times.push(t.elapsed());
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(!body.is_empty());
        }
        times.sort();
        println!(
            "{:<40} {:>10.1} {:>10.1}",
            name,
            times[0].as_secs_f64() * 1e3,
            times[times.len() / 2].as_secs_f64() * 1e3
        );
    }
}

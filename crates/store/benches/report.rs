//! The report at scale: seeds a synthetic year of a busy desk (see
//! `frontdesk_store::testing::seed`) through the real schema, then times the year report, a
//! one-month report (June) and, for small sizes, the old path (`load` + `compute`), and the
//! peak RSS of this process while reporting.
//!
//! `cargo bench -p frontdesk-store --bench report` — sizes from `REPORT_BENCH_SIZES`
//! (comma-separated ticket counts, default `10000`), backends from `REPORT_BENCH_BACKENDS`
//! (`sqlite,postgres` by default; PostgreSQL needs `FRONTDESK_TEST_POSTGRES_URL`).
//! With `REPORT_BENCH_DIR`, SQLite files `report-N.db` there and PostgreSQL databases
//! `frontdesk_bench_report_N` are kept and reused (so 1M tickets are seeded once); without
//! it, every run seeds afresh. `REPORT_BENCH_OLD_MAX` (default 10000): the largest size the
//! old whole-history path is timed at. `REPORT_BENCH_RUNS` (default 3): runs per report (best
//! and worst are printed). `REPORT_BENCH_BREAKDOWN=1`: seconds per reporting query too. The
//! peak RSS is only the report's when the database was reused (seeding allocates).

use std::time::Instant;

use frontdesk_core::report::{self, DAY_MS, ReportRange};
use frontdesk_core::*;
use frontdesk_store::SqlStore;
use frontdesk_store::testing::seed::{SeedSpec, seed};

/// 2025-01-01 00:00 UTC.
const YEAR_START: i64 = 1_735_689_600_000;
/// 2025-06-01 and 2025-07-01 00:00 UTC.
const JUNE: (i64, i64) = (1_748_736_000_000, 1_751_328_000_000);

fn vm(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak RSS (Linux: `5` to `clear_refs`), so the next peak is the report's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// The URL of the store for `n` tickets, and whether it must be seeded.
async fn open(backend: &str, n: usize, keep: Option<&str>) -> Option<(String, bool)> {
    match backend {
        "sqlite" => {
            let dir = match keep {
                Some(d) => std::path::PathBuf::from(d),
                None => {
                    std::env::temp_dir().join(format!("frontdesk-report-{}", std::process::id()))
                }
            };
            std::fs::create_dir_all(&dir).ok()?;
            let file = dir.join(format!("report-{n}.db"));
            let fresh = keep.is_none() || !file.exists();
            if fresh {
                let _ = std::fs::remove_file(&file);
            }
            Some((format!("sqlite://{}", file.display()), fresh))
        }
        _ => {
            let admin = frontdesk_store::testing::postgres_admin_url()?;
            if keep.is_none() {
                return Some((
                    frontdesk_store::testing::fresh_postgres_database().await?,
                    true,
                ));
            }
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin).await.expect("admin connect");
            let name = format!("frontdesk_bench_report_{n}");
            let exists = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT 1 FROM pg_database WHERE datname = '{name}'"
            )))
            .fetch_optional(&pool)
            .await
            .expect("pg_database")
            .is_some();
            if !exists {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&pool)
                    .await
                    .expect("create database");
            }
            pool.close().await;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            Some((format!("{base}/{name}"), !exists))
        }
    }
}

/// Times `f` `REPORT_BENCH_RUNS` times (default 3); returns (best, worst) seconds and the
/// last result.
async fn time3<T, F, Fut>(mut f: F) -> (f64, f64, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let (mut best, mut worst, mut last) = (f64::MAX, 0f64, None);
    let runs: usize = env("REPORT_BENCH_RUNS", "3").parse().unwrap_or(3);
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let r = f().await;
        let s = t.elapsed().as_secs_f64();
        best = best.min(s);
        worst = worst.max(s);
        last = Some(r);
    }
    (best, worst, last.expect("ran"))
}

async fn bench(backend: &str, n: usize, keep: Option<&str>, old_max: usize) {
    let Some((url, fresh)) = open(backend, n, keep).await else {
        eprintln!("{backend}: skipped (no server)");
        return;
    };
    let store = SqlStore::connect(&url).await.expect("connect");
    let mut seeded = String::from("reused");
    if fresh {
        let t = Instant::now();
        let s = seed(
            &store,
            &SeedSpec {
                tickets: n,
                start: YEAR_START,
                span_ms: 365 * DAY_MS,
                seed: 2025,
            },
        )
        .await
        .expect("seed");
        seeded = format!(
            "{:.0} s ({} messages, {} events, {} bot replies, {} surveys)",
            t.elapsed().as_secs_f64(),
            s.messages,
            s.events,
            s.bot_replies,
            s.surveys
        );
    }
    let year = ReportRange {
        since: Some(Timestamp(YEAR_START)),
        until: Some(Timestamp(YEAR_START + 365 * DAY_MS)),
        desk: None,
    };
    let month = ReportRange {
        since: Some(Timestamp(JUNE.0)),
        until: Some(Timestamp(JUNE.1)),
        desk: None,
    };
    let before = vm("VmRSS:");
    reset_peak();
    let (yb, yw, r) = time3(|| report::from_store(&store, &year)).await;
    let r = r.expect("year report");
    let (mb, mw, m) = time3(|| report::from_store(&store, &month)).await;
    let m = m.expect("month report");
    let peak = vm("VmHWM:");
    println!(
        "{backend:8} {n:>8} tickets | year {yb:.3}–{yw:.3} s | June {mb:.3}–{mw:.3} s | \
         RSS before {} MB, peak while reporting {} MB | seeded: {seeded}",
        before / 1024,
        peak / 1024
    );
    println!(
        "         check: year {} tickets, {} questions, {} days; June {} tickets",
        r.tickets_opened,
        r.questions,
        r.days.len(),
        m.tickets_opened
    );
    if std::env::var("REPORT_BENCH_BREAKDOWN").is_ok() {
        breakdown(&store, &year, "year").await;
        breakdown(&store, &month, "June").await;
    }
    if n <= old_max {
        reset_peak();
        let t = Instant::now();
        let data = report::load(&store, &year).await.expect("load");
        let old = report::compute(&data, &year);
        println!(
            "         old path (load + compute) year: {:.3} s, peak RSS {} MB; equal: {}",
            t.elapsed().as_secs_f64(),
            vm("VmHWM:") / 1024,
            old == r
        );
    }
    store.close().await;
}

/// Seconds per reporting query of a range (`REPORT_BENCH_BREAKDOWN=1`).
async fn breakdown(store: &SqlStore, range: &ReportRange, name: &str) {
    use frontdesk_core::report::{FRT_BOUNDS, Measure};
    let mut line = format!("         breakdown, {name}:");
    macro_rules! t {
        ($name:expr, $e:expr) => {{
            let t = Instant::now();
            $e.await.unwrap_or_else(|e| panic!("{}: {e}", $name));
            line.push_str(&format!(" {} {:.3}", $name, t.elapsed().as_secs_f64()));
        }};
    }
    t!("totals", store.report_totals(range));
    for m in [
        Measure::FirstResponse,
        Measure::Resolution,
        Measure::AgentSpan,
        Measure::Handling,
    ] {
        t!(format!("{m:?}"), store.report_durations(range, m));
    }
    t!(
        "histogram",
        store.report_histogram(range, Measure::FirstResponse, FRT_BOUNDS)
    );
    t!("bot", store.report_bot(range));
    t!("days", store.report_days(range));
    t!("agents", store.report_agents(range));
    t!("gaps", store.report_gaps(range));
    t!("entries", store.report_entries(range));
    println!("{line}");
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = env("REPORT_BENCH_SIZES", "10000")
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let backends = env("REPORT_BENCH_BACKENDS", "sqlite,postgres");
    let keep = std::env::var("REPORT_BENCH_DIR").ok();
    let old_max: usize = env("REPORT_BENCH_OLD_MAX", "10000")
        .parse()
        .unwrap_or(10_000);
    for n in sizes {
        for b in backends.split(',').map(str::trim) {
            bench(b, n, keep.as_deref(), old_max).await;
        }
    }
}

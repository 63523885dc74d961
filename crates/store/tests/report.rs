//! The reporting role in SQL gives the same report as the pure definition
//! (`report::compute` over everything `report::load` reads), on one seeded history, on SQLite
//! and PostgreSQL (when `FRONTDESK_TEST_POSTGRES_URL` names a server; required when `CI=true`).

use frontdesk_core::report::{self, DAY_MS, Report, ReportRange};
use frontdesk_core::*;
use frontdesk_store::SqlStore;
use frontdesk_store::testing::seed::{SeedSpec, seed};

/// 2026-01-05 00:00 UTC.
const START: i64 = 1_767_571_200_000;

fn ranges() -> Vec<ReportRange> {
    let day = |d: i64| Some(Timestamp(START + d * DAY_MS));
    vec![
        ReportRange::default(),
        ReportRange {
            since: day(10),
            until: day(40),
            desk: None,
        },
        ReportRange {
            since: day(20),
            until: day(27),
            desk: Some("billing".into()),
        },
        ReportRange {
            since: day(0),
            until: None,
            desk: Some("sales".into()),
        },
        // Nothing in it.
        ReportRange {
            since: day(400),
            until: day(401),
            desk: None,
        },
    ]
}

async fn both_paths_agree(store: SqlStore) {
    let seeded = seed(
        &store,
        &SeedSpec {
            tickets: 900,
            start: START,
            span_ms: 60 * DAY_MS,
            seed: 13,
        },
    )
    .await
    .expect("seed");
    assert_eq!(seeded.tickets, 900);
    for range in ranges() {
        let pure: Report = report::compute(&report::load(&store, &range).await.unwrap(), &range);
        let sql = report::from_store(&store, &range).await.unwrap();
        assert_eq!(sql, pure, "range {range:?}");
        if range == ReportRange::default() {
            // The history exercises every figure.
            assert_eq!(pure.tickets_opened, 900);
            assert!(pure.reopened > 10, "{}", pure.reopened);
            assert!(pure.awaiting_first_response > 5);
            assert!(pure.one_touch_resolution < pure.single_agent_resolution);
            assert!(pure.nps.answered > 50 && pure.ces.answered > 50);
            assert!(pure.bot_confirmed_rate.unwrap() > 0.0);
            assert!(pure.bot_assumed_rate.unwrap() > 0.0);
            assert!(pure.handling.count > 500 && pure.agent_span.count > 500);
            assert_eq!(pure.agents.len(), 12);
            assert!(!pure.gaps.is_empty() && !pure.worst_entries.is_empty());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_report_equals_the_definition() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    both_paths_agree(SqlStore::connect(&url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_report_equals_the_definition() {
    let Some(url) = frontdesk_store::testing::fresh_postgres_database().await else {
        return;
    };
    both_paths_agree(SqlStore::connect(&url).await.unwrap()).await;
}

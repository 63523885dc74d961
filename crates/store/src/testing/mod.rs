//! Test support (feature `testing`): fresh PostgreSQL databases for tests and benchmarks.

use std::sync::atomic::{AtomicU32, Ordering};

/// The admin URL of the test PostgreSQL server, from `FRONTDESK_TEST_POSTGRES_URL`. Without it
/// PostgreSQL tests are skipped with a message on standard error, except under `CI=true`,
/// where a missing server is an error (the panic names the variable).
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("FRONTDESK_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but FRONTDESK_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run in CI"
            );
            eprintln!(
                "PostgreSQL skipped: set FRONTDESK_TEST_POSTGRES_URL \
                 (e.g. postgres://postgres@127.0.0.1:5432/postgres)"
            );
            None
        }
    }
}

/// Creates an empty database named `frontdesk_test_*` on the test server and returns its URL;
/// `None` when no server is configured (see [`postgres_admin_url`]).
pub async fn fresh_postgres_database() -> Option<String> {
    let admin_url = postgres_admin_url()?;
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "frontdesk_test_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&admin_url)
        .await
        .expect("connect to the PostgreSQL admin database");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create a test database");
    admin.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    Some(format!("{base}/{name}"))
}

pub mod seed;

#![doc = include_str!("../README.md")]

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Once};
use std::time::Duration;

use async_trait::async_trait;
use frontdesk_core::*;
use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Transaction};
use tokio::sync::{Mutex, MutexGuard, OwnedMutexGuard};
use tracing::info;

mod customers;
mod feedback;
mod messages;
mod outbox;
mod report;
mod rows;
mod schedule;
mod tickets;
mod work;

#[cfg(feature = "testing")]
pub mod testing;

use rows::*;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// The database behind a [`SqlStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (WAL mode, foreign keys on, busy timeout).
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// Options of [`SqlStore::connect_with`].
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Pool size.
    pub max_connections: u32,
    /// How long SQLite waits for a lock held by another connection or process.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            busy_timeout: Duration::from_secs(10),
        }
    }
}

/// The Store port on SQLite or PostgreSQL, chosen by URL.
///
/// A unit of work ([`Store::begin`]) is a `SqlStore` bound to one transaction: on PostgreSQL a
/// transaction holding an advisory lock on its key (units of one customer run one at a time
/// across replicas, others in parallel); on SQLite a `BEGIN IMMEDIATE` transaction, which
/// takes the database's single write lock at once, so units never deadlock on a lock upgrade
/// (in one process they queue on an async gate instead of polling the busy timeout).
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: one writer at a time in this process.
    gate: Arc<Mutex<()>>,
    /// Set when this value is a unit of work.
    unit: Option<Arc<SqlUnit>>,
}

/// The transaction of a unit of work, and the gate it holds (SQLite).
struct SqlUnit {
    tx: Mutex<Option<Transaction<'static, Any>>>,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .field("unit", &self.unit.is_some())
            .finish()
    }
}

/// Turns a database setting into a sqlx URL: a bare path means a SQLite file, created if missing.
pub fn database_url(setting: &str) -> String {
    let s = setting.trim();
    if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        return s.to_owned();
    }
    if s == "sqlite::memory:" || s.starts_with("sqlite::memory:") {
        return s.to_owned();
    }
    let url = if s.starts_with("sqlite:") {
        s.to_owned()
    } else {
        format!("sqlite://{s}")
    };
    if url.contains('?') {
        url
    } else {
        format!("{url}?mode=rwc")
    }
}

fn backend_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(db.message().to_owned())
        }
        _ => StoreError::Backend(Box::new(e)),
    }
}

trait Sql<T> {
    fn sql(self) -> StoreResult<T>;
}

impl<T> Sql<T> for Result<T, sqlx::Error> {
    fn sql(self) -> StoreResult<T> {
        self.map_err(backend_err)
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

macro_rules! sql {
    ($($part:expr),+ $(,)?) => {
        sqlx::AssertSqlSafe(format!($($part),+))
    };
}
pub(crate) use sql;

/// A value bound to a dynamically built query.
enum Bind<'a> {
    I(i64),
    S(&'a str),
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

impl Bind<'_> {
    fn bind<'q>(&self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        match self {
            Bind::I(i) => q.bind(*i),
            Bind::S(s) => q.bind(s.to_string()),
        }
    }
}

/// A connection to run statements on: from the pool (on SQLite with the write gate held, so
/// writers queue here instead of sleeping in SQLite's busy handler), or the unit of work's
/// transaction.
enum Conn<'a> {
    Pool {
        conn: PoolConnection<Any>,
        _gate: Option<MutexGuard<'a, ()>>,
    },
    Unit(MutexGuard<'a, Option<Transaction<'static, Any>>>),
}

impl Deref for Conn<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pool { conn, .. } => conn,
            Conn::Unit(g) => g.as_deref().expect("unit of work used after commit"),
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pool { conn, .. } => conn,
            Conn::Unit(g) => g.as_deref_mut().expect("unit of work used after commit"),
        }
    }
}

/// Statements that must take effect together: a transaction of their own on a pool
/// connection; inside a unit of work, the unit's transaction (which commits them with the
/// rest of the unit).
enum Atomic<'c> {
    Own(Transaction<'c, Any>),
    InUnit(&'c mut AnyConnection),
}

impl Deref for Atomic<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Atomic::Own(t) => t,
            Atomic::InUnit(c) => c,
        }
    }
}

impl DerefMut for Atomic<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Atomic::Own(t) => t,
            Atomic::InUnit(c) => c,
        }
    }
}

impl Atomic<'_> {
    async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Atomic::Own(t) => t.commit().await,
            Atomic::InUnit(_) => Ok(()),
        }
    }
}

impl<'a> Conn<'a> {
    async fn atomic(&mut self) -> StoreResult<Atomic<'_>> {
        Ok(match self {
            Conn::Pool { conn, .. } => Atomic::Own(conn.begin().await.sql()?),
            Conn::Unit(g) => {
                Atomic::InUnit(g.as_deref_mut().expect("unit of work used after commit"))
            }
        })
    }
}

impl SqlStore {
    /// Connects with default options and applies the migrations of the backend.
    pub async fn connect(url: &str) -> StoreResult<SqlStore> {
        SqlStore::connect_with(url, StoreOptions::default()).await
    }

    /// Connects and applies the migrations of the backend. `url` is `sqlite://file.db`,
    /// `sqlite::memory:`, `postgres://…`, or a bare file path (SQLite).
    pub async fn connect_with(url: &str, opts: StoreOptions) -> StoreResult<SqlStore> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let url = database_url(url);
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let memory = url.starts_with("sqlite::memory:");
        // No ping before every acquire (sqlx's default): it doubles the round trips of every
        // statement; a connection that died is noticed on use, and the Engine's callers retry.
        let mut pool = AnyPoolOptions::new()
            .max_connections(if memory { 1 } else { opts.max_connections })
            .test_before_acquire(false);
        if memory {
            pool = pool
                .idle_timeout(None)
                .max_lifetime(None)
                .min_connections(1);
        }
        if backend == Backend::Sqlite {
            let busy_ms = opts.busy_timeout.as_millis();
            pool = pool.after_connect(move |conn, _meta| {
                Box::pin(async move {
                    let pragmas = format!(
                        "PRAGMA busy_timeout = {busy_ms}; PRAGMA journal_mode = WAL; \
                         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect(&url).await.sql()?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        info!(?backend, "store ready");
        Ok(SqlStore {
            pool,
            backend,
            gate: Arc::default(),
            unit: None,
        })
    }

    /// A connection for the next statements (the unit's transaction inside a unit of work).
    async fn conn(&self) -> StoreResult<Conn<'_>> {
        match &self.unit {
            Some(u) => {
                let g = u.tx.lock().await;
                if g.is_none() {
                    return Err(StoreError::Conflict(
                        "unit of work used after commit".into(),
                    ));
                }
                Ok(Conn::Unit(g))
            }
            None => {
                // The gate first, then the connection: the order `begin` takes them in too.
                let gate = match self.backend {
                    Backend::Sqlite => Some(self.gate.lock().await),
                    Backend::Postgres => None,
                };
                Ok(Conn::Pool {
                    conn: self.pool.acquire().await.sql()?,
                    _gate: gate,
                })
            }
        }
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for queries the port does not cover (reports).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn fetch_ticket(&self, where_: &str, bind: &[Bind<'_>]) -> StoreResult<Option<Ticket>> {
        let q = sql!("SELECT {TICKET_COLS} FROM tickets WHERE {where_}");
        let mut query = sqlx::query(q);
        for b in bind {
            query = b.bind(query);
        }
        match query.fetch_optional(&mut *self.conn().await?).await.sql()? {
            Some(r) => Ok(Some(ticket_from_row(&r)?)),
            None => Ok(None),
        }
    }

    async fn event_on<'c, E>(
        exec: E,
        id: TicketId,
        kind: EventKind,
        actor: Option<&Agent>,
        detail: &str,
        now: Timestamp,
    ) -> StoreResult<()>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, kind, actor_id, actor_name, detail, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.0)
        .bind(kind.as_str())
        .bind(actor.map(|a| a.id.clone()))
        .bind(actor.map(|a| a.name.clone()))
        .bind(detail)
        .bind(now.0)
        .execute(exec)
        .await
        .sql()?;
        Ok(())
    }

    /// Runs `update` on one ticket and, when it changed the row, records `kind` on the
    /// ticket's timeline in the same transaction. Returns whether it changed the row: of two
    /// writers racing on the same condition, exactly one sees `true`.
    async fn update_with_event<'q>(
        &self,
        update: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
        id: TicketId,
        kind: EventKind,
        actor: Option<&Agent>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        let done = update.execute(&mut *tx).await.sql()?.rows_affected() == 1;
        if done {
            SqlStore::event_on(&mut *tx, id, kind, actor, "", now).await?;
        }
        tx.commit().await.sql()?;
        Ok(done)
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn begin(&self, key: &str) -> StoreResult<Box<dyn UnitOfWork>> {
        if self.unit.is_some() {
            return Err(StoreError::Conflict(
                "a unit of work inside a unit of work".into(),
            ));
        }
        let (tx, gate) = match self.backend {
            Backend::Sqlite => {
                let gate = self.gate.clone().lock_owned().await;
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await.sql()?;
                (tx, Some(gate))
            }
            Backend::Postgres => {
                let mut tx = self.pool.begin().await.sql()?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind(key)
                    .execute(&mut *tx)
                    .await
                    .sql()?;
                (tx, None)
            }
        };
        Ok(Box::new(SqlStore {
            pool: self.pool.clone(),
            backend: self.backend,
            gate: self.gate.clone(),
            unit: Some(Arc::new(SqlUnit {
                tx: Mutex::new(Some(tx)),
                _gate: gate,
            })),
        }))
    }
}

#[async_trait]
impl UnitOfWork for SqlStore {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        let Some(unit) = &self.unit else {
            return Err(StoreError::Conflict("commit outside a unit of work".into()));
        };
        let tx = unit.tx.lock().await.take();
        match tx {
            Some(tx) => tx.commit().await.sql(),
            None => Err(StoreError::Conflict("unit of work committed twice".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_urls() {
        assert_eq!(
            database_url("frontdesk.db"),
            "sqlite://frontdesk.db?mode=rwc"
        );
        assert_eq!(database_url("sqlite://x.db"), "sqlite://x.db?mode=rwc");
        assert_eq!(
            database_url("sqlite://x.db?mode=ro"),
            "sqlite://x.db?mode=ro"
        );
        assert_eq!(database_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(database_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}

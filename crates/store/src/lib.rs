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
use tokio::sync::{Mutex, MutexGuard};
use tracing::info;

mod batch;
mod customers;
mod feedback;
mod followups;
mod keys;
mod marks;
mod messages;
mod outbox;
mod privacy;
mod queue;
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
    /// Pool size; `None`: 8 on SQLite (readers beside its one writer), 16 on PostgreSQL (a
    /// unit of work holds a connection from its `BEGIN` to its `COMMIT`, so the pool bounds
    /// how many customers' updates are handled at once; more measured slower on 2 cores).
    pub max_connections: Option<u32>,
    /// How long SQLite waits for a lock held by another connection or process.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: None,
            busy_timeout: Duration::from_secs(10),
        }
    }
}

/// The Store port on SQLite or PostgreSQL, chosen by URL.
///
/// A unit of work ([`Store::begin`]) is a `SqlStore` bound to one transaction, and units of
/// one key (a customer) run one at a time while others run side by side:
/// - PostgreSQL: a transaction holding an advisory lock on its key, taken in the same round
///   trip as `BEGIN` (serialises the key across replicas);
/// - SQLite: a lock on the key in this process; the unit reads outside a transaction, on any
///   pooled connection, until its first write, which begins a `BEGIN IMMEDIATE` transaction
///   (the database's single write lock, taken at once so units never deadlock on a lock
///   upgrade; in one process writers queue on an async gate instead of polling the busy
///   timeout). The write lock is thus held only from a unit's first write to its commit.
///   Each read before the first write sees the latest committed data, as in PostgreSQL's READ
///   COMMITTED; SQLite serves one bot process (several replicas need PostgreSQL).
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: one writer at a time in this process, units grouped in its transactions.
    writer: Arc<batch::Writer>,
    /// SQLite: one unit per key at a time in this process.
    keys: keys::KeyLocks,
    /// PostgreSQL: delivery marks written together.
    marks: Arc<marks::Combiner>,
    /// Set when this value is a unit of work.
    unit: Option<Arc<SqlUnit>>,
}

/// The transaction of a unit of work and the locks it holds.
struct SqlUnit {
    tx: Mutex<UnitTx>,
    _key: Option<keys::KeyGuard>,
}

/// Where a unit of work stands.
enum UnitTx {
    /// SQLite before the unit's first write: no transaction yet; reads run on this pooled
    /// connection (taken at the first read).
    NotYet(Option<PoolConnection<Any>>),
    /// PostgreSQL: the unit's own transaction.
    Own(Transaction<'static, Any>),
    /// SQLite: the write gate and the group transaction the unit writes in.
    Group(batch::Seat),
    /// Committed.
    Done,
}

impl UnitTx {
    fn conn_ref(&self) -> &AnyConnection {
        match self {
            UnitTx::Own(tx) => tx,
            UnitTx::Group(seat) => seat.conn(),
            UnitTx::NotYet(Some(c)) => c,
            _ => unreachable!("a unit's connection is taken only once it has one"),
        }
    }

    fn conn(&mut self) -> &mut AnyConnection {
        match self {
            UnitTx::Own(tx) => tx,
            UnitTx::Group(seat) => seat.conn_mut(),
            UnitTx::NotYet(Some(c)) => c,
            _ => unreachable!("a unit's connection is taken only once it has one"),
        }
    }
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
        _gate: Option<batch::Seat>,
    },
    Unit(MutexGuard<'a, UnitTx>),
}

impl Deref for Conn<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pool { conn, .. } => conn,
            Conn::Unit(g) => g.conn_ref(),
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pool { conn, .. } => conn,
            Conn::Unit(g) => g.conn(),
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
            Conn::Unit(g) => Atomic::InUnit(g.conn()),
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
            .max_connections(match (memory, backend, opts.max_connections) {
                (true, _, _) => 1,
                (false, _, Some(n)) => n,
                (false, Backend::Sqlite, None) => 8,
                (false, Backend::Postgres, None) => 16,
            })
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
        report::facts::rebuild_if_pending(&mut *pool.acquire().await.sql()?).await?;
        info!(?backend, "store ready");
        Ok(SqlStore {
            pool,
            backend,
            writer: Arc::default(),
            keys: keys::KeyLocks::default(),
            marks: Arc::default(),
            unit: None,
        })
    }

    /// A connection for statements that write (the unit's transaction inside a unit of work,
    /// begun here on SQLite at the unit's first write).
    async fn conn(&self) -> StoreResult<Conn<'_>> {
        match &self.unit {
            Some(u) => {
                let mut g = u.tx.lock().await;
                match &mut *g {
                    UnitTx::Own(_) | UnitTx::Group(_) => {}
                    UnitTx::NotYet(reading) => {
                        // Never wait for the gate holding a pooled connection: the writer
                        // may need one from the pool to begin its transaction.
                        drop(reading.take());
                        let mut seat = self.writer.enter().await;
                        seat.open(&self.pool).await.sql()?;
                        *g = UnitTx::Group(seat);
                    }
                    UnitTx::Done => return Err(used_after_commit()),
                }
                Ok(Conn::Unit(g))
            }
            None => {
                // The gate first, then the connection: the order units take them in too.
                let gate = match self.backend {
                    Backend::Sqlite => Some(self.writer.enter_alone().await.sql()?),
                    Backend::Postgres => None,
                };
                Ok(Conn::Pool {
                    conn: self.pool.acquire().await.sql()?,
                    _gate: gate,
                })
            }
        }
    }

    /// A connection for statements that only read: the unit's transaction once it is open,
    /// else any pooled connection (no write gate: SQLite readers run beside the writer).
    async fn read(&self) -> StoreResult<Conn<'_>> {
        if let Some(u) = &self.unit {
            let mut g = u.tx.lock().await;
            match &mut *g {
                UnitTx::Own(_) | UnitTx::Group(_) | UnitTx::NotYet(Some(_)) => {}
                UnitTx::NotYet(reading) => *reading = Some(self.pool.acquire().await.sql()?),
                UnitTx::Done => return Err(used_after_commit()),
            }
            return Ok(Conn::Unit(g));
        }
        Ok(Conn::Pool {
            conn: self.pool.acquire().await.sql()?,
            _gate: None,
        })
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
        match query.fetch_optional(&mut *self.read().await?).await.sql()? {
            Some(r) => Ok(Some(ticket_from_row(&r)?)),
            None => Ok(None),
        }
    }

    /// Records an event on a ticket's timeline and updates the ticket's report facts, on
    /// `conn` (a transaction: both or neither).
    async fn event_on(
        conn: &mut AnyConnection,
        id: TicketId,
        kind: EventKind,
        actor: Option<&Agent>,
        detail: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
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
        .execute(&mut *conn)
        .await
        .sql()?;
        report::facts::on_event(conn, id, kind, actor, now).await
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
            SqlStore::event_on(&mut tx, id, kind, actor, "", now).await?;
        }
        tx.commit().await.sql()?;
        Ok(done)
    }
}

fn used_after_commit() -> StoreError {
    StoreError::Conflict("unit of work used after commit".into())
}

/// The advisory-lock key of a unit on PostgreSQL: FNV-1a of the key, the same in every
/// replica (computed here so that `BEGIN` and the lock take one round trip).
fn advisory_key(key: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

#[async_trait]
impl Store for SqlStore {
    async fn begin(&self, key: &str) -> StoreResult<Box<dyn UnitOfWork>> {
        if self.unit.is_some() {
            return Err(StoreError::Conflict(
                "a unit of work inside a unit of work".into(),
            ));
        }
        let (tx, key) = match self.backend {
            Backend::Sqlite => (UnitTx::NotYet(None), Some(self.keys.lock(key).await)),
            Backend::Postgres => {
                let begin = sql!("BEGIN; SELECT pg_advisory_xact_lock({})", advisory_key(key));
                (UnitTx::Own(self.pool.begin_with(begin).await.sql()?), None)
            }
        };
        Ok(Box::new(SqlStore {
            pool: self.pool.clone(),
            backend: self.backend,
            writer: self.writer.clone(),
            keys: self.keys.clone(),
            marks: self.marks.clone(),
            unit: Some(Arc::new(SqlUnit {
                tx: Mutex::new(tx),
                _key: key,
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
        let mut g = unit.tx.lock().await;
        match std::mem::replace(&mut *g, UnitTx::Done) {
            UnitTx::Own(tx) => tx.commit().await.sql(),
            UnitTx::Group(seat) => self
                .writer
                .commit(seat)
                .await
                .map_err(|e| StoreError::Backend(e.into())),
            // Nothing was written: nothing to commit.
            UnitTx::NotYet(_) => Ok(()),
            UnitTx::Done => Err(StoreError::Conflict("unit of work committed twice".into())),
        }
    }

    async fn open_customer_ticket(&self, t: &NewTicket) -> StoreResult<OpenedTicket> {
        self.open(t, true).await
    }

    async fn customer_with_ticket(
        &self,
        platform: &Platform,
        user_id: &str,
    ) -> StoreResult<(Option<Customer>, Option<Ticket>)> {
        // One statement: a join on the ticket the customer's state names.
        self.read_customer_with_ticket(platform, user_id).await
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

#![doc = include_str!("../README.md")]

use std::sync::Once;
use std::time::Duration;

use async_trait::async_trait;
use frontdesk_core::*;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use tracing::{debug, info};

#[cfg(feature = "testing")]
pub mod testing;

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
#[derive(Clone, Debug)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
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

fn thread_col(t: &Option<String>) -> &str {
    t.as_deref().unwrap_or("")
}

fn thread_opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

const TICKET_COLS: &str = "id, desk, number, customer_id, cust_platform, cust_chat, cust_thread, \
    customer_name, subject, status, priority, tags, assignee_id, assignee_name, lang, \
    room_platform, room_chat, room_thread, customer_in_room, bot_tried, opened_at, \
    first_response_at, closed_at, reopen_count, reminders_sent";

fn ticket_from_row(r: &AnyRow) -> StoreResult<Ticket> {
    let status: String = r.try_get("status").sql()?;
    let priority: String = r.try_get("priority").sql()?;
    let tags: String = r.try_get("tags").sql()?;
    let assignee_id: Option<String> = r.try_get("assignee_id").sql()?;
    let assignee_name: Option<String> = r.try_get("assignee_name").sql()?;
    let room_platform: Option<String> = r.try_get("room_platform").sql()?;
    let room_chat: Option<String> = r.try_get("room_chat").sql()?;
    let room_thread: String = r.try_get("room_thread").sql()?;
    Ok(Ticket {
        id: TicketId(r.try_get("id").sql()?),
        desk: r.try_get("desk").sql()?,
        number: r.try_get("number").sql()?,
        customer: CustomerId(r.try_get("customer_id").sql()?),
        customer_endpoint: Endpoint {
            platform: Platform(r.try_get("cust_platform").sql()?),
            chat_id: r.try_get("cust_chat").sql()?,
            thread_id: thread_opt(r.try_get("cust_thread").sql()?),
        },
        customer_name: r.try_get("customer_name").sql()?,
        subject: r.try_get("subject").sql()?,
        status: TicketStatus::parse(&status).ok_or_else(|| corrupt(format!("status {status}")))?,
        priority: Priority::parse(&priority)
            .ok_or_else(|| corrupt(format!("priority {priority}")))?,
        tags: serde_json::from_str(&tags).map_err(corrupt)?,
        assignee: match (assignee_id, assignee_name) {
            (Some(id), name) => Some(Agent {
                name: name.unwrap_or_else(|| id.clone()),
                id,
            }),
            _ => None,
        },
        lang: r.try_get("lang").sql()?,
        room: match (room_platform, room_chat) {
            (Some(p), Some(c)) => Some(Endpoint {
                platform: Platform(p),
                chat_id: c,
                thread_id: thread_opt(room_thread),
            }),
            _ => None,
        },
        customer_in_room: r.try_get::<i64, _>("customer_in_room").sql()? != 0,
        bot_tried: r.try_get("bot_tried").sql()?,
        opened_at: Timestamp(r.try_get("opened_at").sql()?),
        first_response_at: r
            .try_get::<Option<i64>, _>("first_response_at")
            .sql()?
            .map(Timestamp),
        closed_at: r
            .try_get::<Option<i64>, _>("closed_at")
            .sql()?
            .map(Timestamp),
        reopen_count: r.try_get("reopen_count").sql()?,
        reminders_sent: r.try_get("reminders_sent").sql()?,
    })
}

const CUSTOMER_COLS: &str =
    "id, platform, user_id, display_name, ep_chat, ep_thread, lang, state, created_at";

fn customer_from_row(r: &AnyRow) -> StoreResult<Customer> {
    let platform = Platform(r.try_get("platform").sql()?);
    let state: String = r.try_get("state").sql()?;
    Ok(Customer {
        id: CustomerId(r.try_get("id").sql()?),
        user_id: r.try_get("user_id").sql()?,
        display_name: r.try_get("display_name").sql()?,
        endpoint: Endpoint {
            platform: platform.clone(),
            chat_id: r.try_get("ep_chat").sql()?,
            thread_id: thread_opt(r.try_get("ep_thread").sql()?),
        },
        platform,
        lang: r.try_get("lang").sql()?,
        state: serde_json::from_str(&state).map_err(corrupt)?,
        created_at: Timestamp(r.try_get("created_at").sql()?),
    })
}

const MESSAGE_COLS: &str =
    "id, customer_id, ticket_id, author, author_id, author_name, body, attachments, at";

fn message_from_row(r: &AnyRow) -> StoreResult<Message> {
    let author: String = r.try_get("author").sql()?;
    let attachments: String = r.try_get("attachments").sql()?;
    Ok(Message {
        id: MessageId(r.try_get("id").sql()?),
        customer: CustomerId(r.try_get("customer_id").sql()?),
        ticket: r
            .try_get::<Option<i64>, _>("ticket_id")
            .sql()?
            .map(TicketId),
        author: AuthorKind::parse(&author).ok_or_else(|| corrupt(format!("author {author}")))?,
        author_id: r.try_get("author_id").sql()?,
        author_name: r.try_get("author_name").sql()?,
        body: r.try_get("body").sql()?,
        attachments: serde_json::from_str(&attachments).map_err(corrupt)?,
        at: Timestamp(r.try_get("at").sql()?),
    })
}

const REPLY_COLS: &str =
    "id, customer_id, question, outcome, entry_id, lang, confidence, at, feedback, feedback_at";

fn reply_from_row(r: &AnyRow) -> StoreResult<BotReply> {
    let outcome: String = r.try_get("outcome").sql()?;
    let feedback: Option<String> = r.try_get("feedback").sql()?;
    Ok(BotReply {
        id: r.try_get("id").sql()?,
        customer: CustomerId(r.try_get("customer_id").sql()?),
        question: r.try_get("question").sql()?,
        outcome: ReplyOutcome::parse(&outcome)
            .ok_or_else(|| corrupt(format!("outcome {outcome}")))?,
        entry_id: r.try_get("entry_id").sql()?,
        lang: r.try_get("lang").sql()?,
        confidence: r.try_get::<f64, _>("confidence").sql()? as f32,
        at: Timestamp(r.try_get("at").sql()?),
        feedback: match feedback {
            Some(f) => Some(Feedback::parse(&f).ok_or_else(|| corrupt(format!("feedback {f}")))?),
            None => None,
        },
        feedback_at: r
            .try_get::<Option<i64>, _>("feedback_at")
            .sql()?
            .map(Timestamp),
    })
}

macro_rules! sql {
    ($($part:expr),+ $(,)?) => {
        sqlx::AssertSqlSafe(format!($($part),+))
    };
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
        let mut pool =
            AnyPoolOptions::new().max_connections(if memory { 1 } else { opts.max_connections });
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
        Ok(SqlStore { pool, backend })
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
        match query.fetch_optional(&self.pool).await.sql()? {
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
        let mut tx = self.pool.begin().await.sql()?;
        let done = update.execute(&mut *tx).await.sql()?.rows_affected() == 1;
        if done {
            SqlStore::event_on(&mut *tx, id, kind, actor, "", now).await?;
        }
        tx.commit().await.sql()?;
        Ok(done)
    }
}

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

#[async_trait]
impl Store for SqlStore {
    async fn upsert_customer(
        &self,
        party: &Party,
        endpoint: &Endpoint,
        now: Timestamp,
    ) -> StoreResult<Customer> {
        let q = sql!(
            "INSERT INTO customers (platform, user_id, display_name, ep_chat, ep_thread, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (platform, user_id) DO UPDATE SET display_name = excluded.display_name, \
             ep_chat = excluded.ep_chat, ep_thread = excluded.ep_thread \
             RETURNING {CUSTOMER_COLS}"
        );
        let row = sqlx::query(q)
            .bind(party.platform.as_str())
            .bind(party.user_id.as_str())
            .bind(party.display_name.as_str())
            .bind(endpoint.chat_id.as_str())
            .bind(thread_col(&endpoint.thread_id))
            .bind(now.0)
            .fetch_one(&self.pool)
            .await
            .sql()?;
        customer_from_row(&row)
    }

    async fn customer(&self, id: CustomerId) -> StoreResult<Option<Customer>> {
        let q = sql!("SELECT {CUSTOMER_COLS} FROM customers WHERE id = $1");
        match sqlx::query(q)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .sql()?
        {
            Some(r) => Ok(Some(customer_from_row(&r)?)),
            None => Ok(None),
        }
    }

    async fn set_customer_state(
        &self,
        id: CustomerId,
        state: &ConversationState,
    ) -> StoreResult<()> {
        let json = serde_json::to_string(state).map_err(corrupt)?;
        let r = sqlx::query("UPDATE customers SET state = $1 WHERE id = $2")
            .bind(json)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .sql()?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("customer {}", id.0)));
        }
        Ok(())
    }

    async fn set_customer_lang(&self, id: CustomerId, lang: &str) -> StoreResult<()> {
        sqlx::query("UPDATE customers SET lang = $1 WHERE id = $2")
            .bind(lang)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .sql()?;
        Ok(())
    }

    async fn record_message(&self, m: &NewMessage) -> StoreResult<Option<MessageId>> {
        let attachments = serde_json::to_string(&m.attachments).map_err(corrupt)?;
        let (platform, pid) = match &m.platform_msg {
            Some((p, id)) => (Some(p.as_str().to_owned()), Some(id.clone())),
            None => (None, None),
        };
        let row = sqlx::query(
            "INSERT INTO messages (customer_id, ticket_id, author, author_id, author_name, body, \
             attachments, platform, platform_msg_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (platform, platform_msg_id) DO NOTHING RETURNING id",
        )
        .bind(m.customer.0)
        .bind(m.ticket.map(|t| t.0))
        .bind(m.author.as_str())
        .bind(m.author_id.clone())
        .bind(m.author_name.as_str())
        .bind(m.body.as_str())
        .bind(attachments)
        .bind(platform)
        .bind(pid)
        .bind(m.at.0)
        .fetch_optional(&self.pool)
        .await
        .sql()?;
        match row {
            Some(r) => Ok(Some(MessageId(r.try_get("id").sql()?))),
            None => {
                debug!("duplicate platform message ignored");
                Ok(None)
            }
        }
    }

    async fn ticket_messages(&self, ticket: TicketId) -> StoreResult<Vec<Message>> {
        let q = sql!("SELECT {MESSAGE_COLS} FROM messages WHERE ticket_id = $1 ORDER BY id");
        let rows = sqlx::query(q)
            .bind(ticket.0)
            .fetch_all(&self.pool)
            .await
            .sql()?;
        rows.iter().map(message_from_row).collect()
    }

    async fn customer_messages(
        &self,
        customer: CustomerId,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        let q = sql!(
            "SELECT {MESSAGE_COLS} FROM messages WHERE customer_id = $1 ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(q)
            .bind(customer.0)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .sql()?;
        let mut out: Vec<Message> = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?;
        out.reverse();
        Ok(out)
    }

    async fn open_ticket(&self, t: &NewTicket) -> StoreResult<Ticket> {
        let mut tx = self.pool.begin().await.sql()?;
        // The first statement writes, so SQLite takes the write lock at once (no upgrade
        // deadlock); PostgreSQL locks the desk row until commit: numbers have no gaps.
        sqlx::query(
            "INSERT INTO desks (name, next_number) VALUES ($1, 1) ON CONFLICT (name) DO NOTHING",
        )
        .bind(t.desk.as_str())
        .execute(&mut *tx)
        .await
        .sql()?;
        let number: i64 = sqlx::query(
            "UPDATE desks SET next_number = next_number + 1 WHERE name = $1 RETURNING next_number - 1 AS number",
        )
        .bind(t.desk.as_str())
        .fetch_one(&mut *tx)
        .await
        .sql()?
        .try_get("number")
        .sql()?;
        let q = sql!(
            "INSERT INTO tickets (desk, number, customer_id, cust_platform, cust_chat, cust_thread, \
             customer_name, subject, status, priority, lang, bot_tried, opened_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11, $12) RETURNING {TICKET_COLS}"
        );
        let row = sqlx::query(q)
            .bind(t.desk.as_str())
            .bind(number)
            .bind(t.customer.0)
            .bind(t.customer_endpoint.platform.as_str())
            .bind(t.customer_endpoint.chat_id.as_str())
            .bind(thread_col(&t.customer_endpoint.thread_id))
            .bind(t.customer_name.as_str())
            .bind(t.subject.as_str())
            .bind(t.priority.as_str())
            .bind(t.lang.as_str())
            .bind(t.bot_tried.as_str())
            .bind(t.opened_at.0)
            .fetch_one(&mut *tx)
            .await
            .sql()?;
        let ticket = ticket_from_row(&row)?;
        sqlx::query(
            "UPDATE messages SET ticket_id = $1 WHERE customer_id = $2 AND ticket_id IS NULL AND at >= $3",
        )
        .bind(ticket.id.0)
        .bind(t.customer.0)
        .bind(t.transcript_since.0)
        .execute(&mut *tx)
        .await
        .sql()?;
        SqlStore::event_on(
            &mut *tx,
            ticket.id,
            EventKind::Opened,
            None,
            "",
            t.opened_at,
        )
        .await?;
        tx.commit().await.sql()?;
        Ok(ticket)
    }

    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.fetch_ticket("id = $1", &[Bind::I(id.0)]).await
    }

    async fn ticket_by_number(&self, desk: &str, number: i64) -> StoreResult<Option<Ticket>> {
        self.fetch_ticket(
            "desk = $1 AND number = $2",
            &[Bind::S(desk), Bind::I(number)],
        )
        .await
    }

    async fn ticket_by_room(&self, room: &Endpoint) -> StoreResult<Option<Ticket>> {
        self.fetch_ticket(
            "room_platform = $1 AND room_chat = $2 AND room_thread = $3",
            &[
                Bind::S(room.platform.as_str()),
                Bind::S(&room.chat_id),
                Bind::S(thread_col(&room.thread_id)),
            ],
        )
        .await
    }

    async fn list_tickets(&self, f: &TicketFilter) -> StoreResult<Vec<Ticket>> {
        let mut conds = vec!["1 = 1".to_owned()];
        let mut binds = Vec::new();
        if let Some(d) = &f.desk {
            binds.push(Bind::S(d));
            conds.push(format!("desk = ${}", binds.len()));
        }
        if let Some(s) = f.status {
            binds.push(Bind::S(s.as_str()));
            conds.push(format!("status = ${}", binds.len()));
        }
        if let Some(c) = f.customer {
            binds.push(Bind::I(c.0));
            conds.push(format!("customer_id = ${}", binds.len()));
        }
        let limit = if f.limit > 0 {
            format!(" LIMIT {}", f.limit)
        } else {
            String::new()
        };
        let q = sql!(
            "SELECT {TICKET_COLS} FROM tickets WHERE {} ORDER BY id DESC{limit}",
            conds.join(" AND ")
        );
        let mut query = sqlx::query(q);
        for b in &binds {
            query = b.bind(query);
        }
        let rows = query.fetch_all(&self.pool).await.sql()?;
        rows.iter().map(ticket_from_row).collect()
    }

    async fn set_ticket_room(
        &self,
        id: TicketId,
        room: &Endpoint,
        customer_in_room: bool,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE tickets SET room_platform = $1, room_chat = $2, room_thread = $3, \
             customer_in_room = $4 WHERE id = $5",
        )
        .bind(room.platform.as_str())
        .bind(room.chat_id.as_str())
        .bind(thread_col(&room.thread_id))
        .bind(i64::from(customer_in_room))
        .bind(id.0)
        .execute(&self.pool)
        .await
        .sql()?;
        Ok(())
    }

    async fn tickets_without_room(&self, desk: &str) -> StoreResult<Vec<Ticket>> {
        let q = sql!(
            "SELECT {TICKET_COLS} FROM tickets WHERE desk = $1 AND status = 'open' \
             AND room_chat IS NULL ORDER BY id"
        );
        let rows = sqlx::query(q)
            .bind(desk)
            .fetch_all(&self.pool)
            .await
            .sql()?;
        rows.iter().map(ticket_from_row).collect()
    }

    async fn claim_ticket(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome> {
        // One UPDATE decides: of two agents at once exactly one matches `assignee_id IS NULL`.
        let update = sqlx::query(
            "UPDATE tickets SET assignee_id = $1, assignee_name = $2 \
             WHERE id = $3 AND status = 'open' AND assignee_id IS NULL",
        )
        .bind(agent.id.as_str())
        .bind(agent.name.as_str())
        .bind(id.0);
        if self
            .update_with_event(update, id, EventKind::Claimed, Some(agent), now)
            .await?
        {
            return Ok(ClaimOutcome::Claimed);
        }
        let t = self
            .ticket(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("ticket {}", id.0)))?;
        Ok(match (t.status, t.assignee) {
            (TicketStatus::Closed, _) => ClaimOutcome::Closed,
            (_, Some(a)) if a.id == agent.id => ClaimOutcome::AlreadyYours,
            (_, Some(a)) => ClaimOutcome::TakenBy(a),
            (_, None) => return Err(StoreError::Conflict("claim raced with unclaim".into())),
        })
    }

    async fn unclaim_ticket(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let update = sqlx::query(
            "UPDATE tickets SET assignee_id = NULL, assignee_name = NULL WHERE id = $1 AND assignee_id = $2",
        )
        .bind(id.0)
        .bind(agent.id.as_str());
        self.update_with_event(update, id, EventKind::Unclaimed, Some(agent), now)
            .await
    }

    async fn record_agent_reply(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.sql()?;
        let found = sqlx::query(
            "UPDATE tickets SET first_response_at = COALESCE(first_response_at, $1) WHERE id = $2",
        )
        .bind(now.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .sql()?
        .rows_affected();
        if found == 0 {
            return Err(StoreError::NotFound(format!("ticket {}", id.0)));
        }
        let assigned = sqlx::query(
            "UPDATE tickets SET assignee_id = $1, assignee_name = $2 WHERE id = $3 AND assignee_id IS NULL",
        )
        .bind(agent.id.as_str())
        .bind(agent.name.as_str())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .sql()?
        .rows_affected()
            == 1;
        if assigned {
            SqlStore::event_on(
                &mut *tx,
                id,
                EventKind::Claimed,
                Some(agent),
                "by replying",
                now,
            )
            .await?;
        }
        SqlStore::event_on(&mut *tx, id, EventKind::Replied, Some(agent), "", now).await?;
        tx.commit().await.sql()?;
        Ok(())
    }

    async fn close_ticket(
        &self,
        id: TicketId,
        actor: Option<&Agent>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let update = sqlx::query(
            "UPDATE tickets SET status = 'closed', closed_at = $1 WHERE id = $2 AND status = 'open'",
        )
        .bind(now.0)
        .bind(id.0);
        self.update_with_event(update, id, EventKind::Closed, actor, now)
            .await
    }

    async fn reopen_ticket(
        &self,
        id: TicketId,
        actor: Option<&Agent>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let update = sqlx::query(
            "UPDATE tickets SET status = 'open', reopen_count = reopen_count + 1 \
             WHERE id = $1 AND status = 'closed'",
        )
        .bind(id.0);
        self.update_with_event(update, id, EventKind::Reopened, actor, now)
            .await
    }

    async fn set_priority(
        &self,
        id: TicketId,
        priority: Priority,
        actor: &Agent,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.sql()?;
        sqlx::query("UPDATE tickets SET priority = $1 WHERE id = $2")
            .bind(priority.as_str())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .sql()?;
        SqlStore::event_on(
            &mut *tx,
            id,
            EventKind::Priority,
            Some(actor),
            priority.as_str(),
            now,
        )
        .await?;
        tx.commit().await.sql()?;
        Ok(())
    }

    async fn add_tags(
        &self,
        id: TicketId,
        tags: &[String],
        actor: &Agent,
        now: Timestamp,
    ) -> StoreResult<Vec<String>> {
        let mut tx = self.pool.begin().await.sql()?;
        // Write first (a no-op touch) so SQLite takes the write lock before the read.
        sqlx::query("UPDATE tickets SET tags = tags WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .sql()?;
        let current: String = sqlx::query("SELECT tags FROM tickets WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .sql()?
            .ok_or_else(|| StoreError::NotFound(format!("ticket {}", id.0)))?
            .try_get("tags")
            .sql()?;
        let mut all: std::collections::BTreeSet<String> =
            serde_json::from_str(&current).map_err(corrupt)?;
        all.extend(tags.iter().cloned());
        let all: Vec<String> = all.into_iter().collect();
        sqlx::query("UPDATE tickets SET tags = $1 WHERE id = $2")
            .bind(serde_json::to_string(&all).map_err(corrupt)?)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .sql()?;
        SqlStore::event_on(
            &mut *tx,
            id,
            EventKind::Tagged,
            Some(actor),
            &tags.join(","),
            now,
        )
        .await?;
        tx.commit().await.sql()?;
        Ok(all)
    }

    async fn add_event(
        &self,
        id: TicketId,
        kind: EventKind,
        actor: Option<&Agent>,
        detail: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        SqlStore::event_on(&self.pool, id, kind, actor, detail, now).await
    }

    async fn ticket_events(&self, id: TicketId) -> StoreResult<Vec<TicketEvent>> {
        let rows = sqlx::query(
            "SELECT ticket_id, kind, actor_id, actor_name, detail, at FROM ticket_events \
             WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .sql()?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind").sql()?;
                Ok(TicketEvent {
                    ticket: TicketId(r.try_get("ticket_id").sql()?),
                    kind: EventKind::parse(&kind)
                        .ok_or_else(|| corrupt(format!("event {kind}")))?,
                    actor_id: r.try_get("actor_id").sql()?,
                    actor_name: r.try_get("actor_name").sql()?,
                    detail: r.try_get("detail").sql()?,
                    at: Timestamp(r.try_get("at").sql()?),
                })
            })
            .collect()
    }

    async fn take_due_reminders(
        &self,
        desk: &str,
        now: Timestamp,
        target_ms: i64,
        max_level: i64,
    ) -> StoreResult<Vec<(Ticket, i64)>> {
        let mut out = Vec::new();
        // Highest level first, so a ticket found late gets the level it is at, once. Each
        // UPDATE … RETURNING hands a row to exactly one caller: a concurrent replica's UPDATE
        // waits for the row lock, then sees `reminders_sent` raised and skips it.
        for level in (1..=max_level).rev() {
            let q = sql!(
                "UPDATE tickets SET reminders_sent = $1 WHERE desk = $2 AND status = 'open' \
                 AND first_response_at IS NULL AND reminders_sent < $1 AND opened_at <= $3 \
                 RETURNING {TICKET_COLS}"
            );
            let rows = sqlx::query(q)
                .bind(level)
                .bind(desk)
                .bind(now.0 - level * target_ms)
                .fetch_all(&self.pool)
                .await
                .sql()?;
            for r in &rows {
                out.push((ticket_from_row(r)?, level));
            }
        }
        out.sort_by_key(|(t, _)| t.id);
        Ok(out)
    }

    async fn record_bot_reply(&self, r: &NewBotReply) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO bot_replies (customer_id, question, outcome, entry_id, lang, confidence, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(r.customer.0)
        .bind(r.question.as_str())
        .bind(r.outcome.as_str())
        .bind(r.entry_id.clone())
        .bind(r.lang.clone())
        .bind(f64::from(r.confidence))
        .bind(r.at.0)
        .fetch_one(&self.pool)
        .await
        .sql()?;
        row.try_get("id").sql()
    }

    async fn bot_reply(&self, id: i64) -> StoreResult<Option<BotReply>> {
        let q = sql!("SELECT {REPLY_COLS} FROM bot_replies WHERE id = $1");
        match sqlx::query(q)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .sql()?
        {
            Some(r) => Ok(Some(reply_from_row(&r)?)),
            None => Ok(None),
        }
    }

    async fn set_bot_reply_feedback(
        &self,
        id: i64,
        customer: CustomerId,
        feedback: Feedback,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE bot_replies SET feedback = $1, feedback_at = $2 \
             WHERE id = $3 AND customer_id = $4 AND feedback IS NULL",
        )
        .bind(feedback.as_str())
        .bind(now.0)
        .bind(id)
        .bind(customer.0)
        .execute(&self.pool)
        .await
        .sql()?;
        Ok(r.rows_affected() == 1)
    }

    async fn bot_replies_since(&self, since: Timestamp) -> StoreResult<Vec<BotReply>> {
        let q = sql!("SELECT {REPLY_COLS} FROM bot_replies WHERE at >= $1 ORDER BY id");
        let rows = sqlx::query(q)
            .bind(since.0)
            .fetch_all(&self.pool)
            .await
            .sql()?;
        rows.iter().map(reply_from_row).collect()
    }

    async fn survey_offered(&self, ticket: TicketId, now: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO surveys (ticket_id, asked_at) VALUES ($1, $2) \
             ON CONFLICT (ticket_id) DO UPDATE SET asked_at = excluded.asked_at",
        )
        .bind(ticket.0)
        .bind(now.0)
        .execute(&self.pool)
        .await
        .sql()?;
        Ok(())
    }

    async fn survey_score(
        &self,
        ticket: TicketId,
        score: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let r = sqlx::query("UPDATE surveys SET score = $1, answered_at = $2 WHERE ticket_id = $3")
            .bind(score)
            .bind(now.0)
            .bind(ticket.0)
            .execute(&self.pool)
            .await
            .sql()?;
        Ok(r.rows_affected() == 1)
    }

    async fn survey_comment(&self, ticket: TicketId, comment: &str) -> StoreResult<()> {
        sqlx::query("UPDATE surveys SET comment = $1 WHERE ticket_id = $2")
            .bind(comment)
            .bind(ticket.0)
            .execute(&self.pool)
            .await
            .sql()?;
        Ok(())
    }

    async fn survey(&self, ticket: TicketId) -> StoreResult<Option<Survey>> {
        let row = sqlx::query(
            "SELECT ticket_id, asked_at, score, comment, answered_at FROM surveys WHERE ticket_id = $1",
        )
        .bind(ticket.0)
        .fetch_optional(&self.pool)
        .await
        .sql()?;
        match row {
            Some(r) => Ok(Some(Survey {
                ticket: TicketId(r.try_get("ticket_id").sql()?),
                asked_at: Timestamp(r.try_get("asked_at").sql()?),
                score: r.try_get("score").sql()?,
                comment: r.try_get("comment").sql()?,
                answered_at: r
                    .try_get::<Option<i64>, _>("answered_at")
                    .sql()?
                    .map(Timestamp),
            })),
            None => Ok(None),
        }
    }

    async fn cursor(&self, name: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM cursors WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .sql()?;
        match row {
            Some(r) => Ok(Some(r.try_get("value").sql()?)),
            None => Ok(None),
        }
    }

    async fn set_cursor(&self, name: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO cursors (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.pool)
        .await
        .sql()?;
        Ok(())
    }

    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        // One statement: insert, or take over when expired or ours. A row comes back only when
        // `holder` holds the lease afterwards; concurrent callers serialise on the row.
        let row = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at < $4 \
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(now.0 + ttl_ms)
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await
        .sql()?;
        Ok(row.is_some())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await
            .sql()?;
        Ok(())
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

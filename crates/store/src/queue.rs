//! The dashboard's roles: the queue of open tickets (filtered, searched, sorted by how long the
//! customer has waited, paged, in one statement) and the sign-in tokens.

use async_trait::async_trait;
use frontdesk_core::*;
use sqlx::Row;

use crate::rows::*;
use crate::{Backend, Bind, Sql, SqlStore, sql};

/// `s` as a LIKE pattern that finds it anywhere (`\` escapes `%`, `_` and itself).
fn contains_pattern(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The filters of `q` on `tickets` as SQL, with the values they bind (from `$1` on).
fn filters(q: &QueueQuery, backend: Backend, binds: &mut Vec<String>) -> String {
    let mut w = String::from("status = 'open'");
    let mut add = |w: &mut String, clause: &str, v: String| {
        binds.push(v);
        let n = binds.len();
        w.push_str(" AND ");
        w.push_str(&clause.replace("$?", &format!("${n}")));
    };
    if let Some(d) = &q.desk {
        add(&mut w, "desk = $?", d.clone());
    }
    if let Some(p) = &q.platform {
        add(&mut w, "cust_platform = $?", p.as_str().to_owned());
    }
    if let Some(p) = q.priority {
        add(&mut w, "priority = $?", p.as_str().to_owned());
    }
    if let Some(t) = &q.tag {
        // Tags are a JSON array: the tag as a JSON string, exactly.
        let json = serde_json::to_string(t).unwrap_or_default();
        let f = match backend {
            Backend::Sqlite => "instr(tags, $?) > 0",
            Backend::Postgres => "strpos(tags, $?) > 0",
        };
        add(&mut w, f, json);
    }
    match &q.assignee {
        Some(AssigneeFilter::Unassigned) => w.push_str(" AND assignee_id IS NULL"),
        Some(AssigneeFilter::Agent(id)) => add(&mut w, "assignee_id = $?", id.clone()),
        None => {}
    }
    if let Some(s) = q.search.as_deref().filter(|s| !s.is_empty()) {
        // SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's ILIKE of every letter.
        let like = match backend {
            Backend::Sqlite => "LIKE",
            Backend::Postgres => "ILIKE",
        };
        add(
            &mut w,
            &format!(
                "(subject {like} $? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m \
                 WHERE m.ticket_id = tickets.id AND m.body {like} $? ESCAPE '\\'))"
            ),
            contains_pattern(s),
        );
    }
    w
}

#[async_trait]
impl QueueStore for SqlStore {
    async fn queue(&self, q: &QueueQuery) -> StoreResult<QueuePage> {
        let mut binds = Vec::new();
        let where_ = filters(q, self.backend(), &mut binds);
        let waiting = match q.waiting_for {
            Some(WaitingFor::Agent) => "WHERE agent_wait IS NOT NULL",
            Some(WaitingFor::Customer) => "WHERE agent_wait IS NULL",
            None => "",
        };
        let n = binds.len();
        // `agent_wait`: since when an agent is awaited (NULL when the customer is).
        let body = format!(
            "WITH base AS (SELECT {TICKET_COLS}, \
               (SELECT MAX(m.at) FROM messages m WHERE m.ticket_id = tickets.id \
                AND m.author = 'agent') AS last_agent \
             FROM tickets WHERE {where_}), \
             waits AS (SELECT base.*, CASE WHEN last_agent IS NULL THEN opened_at ELSE \
               (SELECT MIN(m.at) FROM messages m WHERE m.ticket_id = base.id \
                AND m.author = 'customer' AND m.at > base.last_agent) END AS agent_wait \
             FROM base) "
        );
        let page = sql!(
            "{body} SELECT waits.*, COUNT(*) OVER () AS total_rows FROM waits {waiting} \
             ORDER BY CASE WHEN agent_wait IS NULL THEN 1 ELSE 0 END, \
             COALESCE(agent_wait, last_agent), id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let limit = i64::try_from(q.page_size()).unwrap_or(i64::MAX);
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let mut conn = self.read().await?;
        let mut query = sqlx::query(page);
        for b in &binds {
            query = Bind::S(b).bind(query);
        }
        let rows = query
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await
            .sql()?;
        let mut total = 0;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            total = r.try_get::<i64, _>("total_rows").sql()?.max(0) as usize;
            let ticket = ticket_from_row(r)?;
            let agent_wait: Option<i64> = r.try_get("agent_wait").sql()?;
            let last_agent: Option<i64> = r.try_get("last_agent").sql()?;
            let (waiting_for, since) = match (agent_wait, last_agent) {
                (Some(a), _) => (WaitingFor::Agent, a),
                (None, Some(l)) => (WaitingFor::Customer, l),
                (None, None) => (WaitingFor::Agent, ticket.opened_at.0),
            };
            items.push(QueueItem {
                ticket,
                waiting_for,
                waiting_since: Timestamp(since),
            });
        }
        if rows.is_empty() && q.offset > 0 {
            // Past the last page: the count alone.
            let count = sql!("{body} SELECT COUNT(*) AS total_rows FROM waits {waiting}");
            let mut query = sqlx::query(count);
            for b in &binds {
                query = Bind::S(b).bind(query);
            }
            let r = query.fetch_one(&mut *conn).await.sql()?;
            total = r.try_get::<i64, _>("total_rows").sql()?.max(0) as usize;
        }
        Ok(QueuePage { items, total })
    }
}

#[async_trait]
impl DashboardTokenStore for SqlStore {
    async fn add_dashboard_token(&self, t: &DashboardToken) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO dashboard_tokens (id, name, salt, hash, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(t.id.as_str())
        .bind(t.name.as_str())
        .bind(t.salt.as_str())
        .bind(t.hash.as_str())
        .bind(t.created_at.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(())
    }

    async fn dashboard_token(&self, id: &str) -> StoreResult<Option<DashboardToken>> {
        let row = sqlx::query(
            "SELECT id, name, salt, hash, created_at FROM dashboard_tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.read().await?)
        .await
        .sql()?;
        row.map(|r| {
            Ok(DashboardToken {
                id: r.try_get("id").sql()?,
                name: r.try_get("name").sql()?,
                salt: r.try_get("salt").sql()?,
                hash: r.try_get("hash").sql()?,
                created_at: Timestamp(r.try_get("created_at").sql()?),
            })
        })
        .transpose()
    }
}

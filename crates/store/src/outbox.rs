//! The outbox: rows claimed by one dispatcher at a time with a guarded `UPDATE … RETURNING`
//! (of several replicas racing for a row exactly one matches the unclaimed condition, on
//! PostgreSQL because the loser re-checks the row after the winner's commit, on SQLite because
//! writers are serialised), only the first pending row of each queue at a time.

use async_trait::async_trait;
use frontdesk_core::outbox::*;
use frontdesk_core::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Backend, Sql, SqlStore, corrupt, sql};

/// What a row carries, as stored in its `body` column.
fn body_of(row: &NewOutbound) -> StoreResult<String> {
    let v = serde_json::json!({ "dest": row.dest, "delivery": row.delivery });
    serde_json::to_string(&v).map_err(corrupt)
}

fn row_of(r: &AnyRow) -> StoreResult<NewOutbound> {
    let body: String = r.try_get("body").sql()?;
    let mut v: serde_json::Value = serde_json::from_str(&body).map_err(corrupt)?;
    let dest: Destination = serde_json::from_value(v["dest"].take()).map_err(corrupt)?;
    let delivery: Delivery = serde_json::from_value(v["delivery"].take()).map_err(corrupt)?;
    Ok(NewOutbound {
        queue: r.try_get("queue").sql()?,
        platform: Platform(r.try_get("platform").sql()?),
        dest,
        delivery,
        ticket: r
            .try_get::<Option<i64>, _>("ticket_id")
            .sql()?
            .map(TicketId),
        created_at: Timestamp(r.try_get("created_at").sql()?),
    })
}

/// Rows marked delivered by one statement at most.
const DELIVERED_BATCH: usize = 256;

const OUT_COLS: &str = "id, queue, platform, body, ticket_id, created_at, attempts";

/// Marks rows delivered; returns, per row, whether rows of its queue wait behind it.
pub(crate) async fn delivered_on(
    conn: &mut AnyConnection,
    rows: &[(OutboxId, Option<String>)],
    now: Timestamp,
) -> StoreResult<Vec<bool>> {
    let mut behind = std::collections::HashMap::new();
    for chunk in rows.chunks(DELIVERED_BATCH) {
        // $1 the time, then the pairs (id, message id): $2, $3, $4, $5, ...
        let whens: Vec<String> = (0..chunk.len())
            .map(|i| format!("WHEN ${} THEN ${}", 2 + 2 * i, 3 + 2 * i))
            .collect();
        let ids: Vec<String> = (0..chunk.len())
            .map(|i| format!("${}", 2 + 2 * i))
            .collect();
        let q = sql!(
            "UPDATE outbox SET status = 1, done_at = $1, claimed_by = NULL, \
                 claimed_until = NULL, platform_msg_id = CASE id {} END \
                 WHERE id IN ({}) \
                 RETURNING id, (SELECT COUNT(*) FROM outbox b WHERE b.queue = outbox.queue \
                     AND b.status = 0 AND b.id <> outbox.id) AS behind",
            whens.join(" "),
            ids.join(", ")
        );
        let mut query = sqlx::query(q).bind(now.0);
        for (id, msg) in chunk {
            query = query.bind(id.0).bind(msg.clone());
        }
        for r in query.fetch_all(&mut *conn).await.sql()? {
            let id: i64 = r.try_get("id").sql()?;
            behind.insert(id, r.try_get::<i64, _>("behind").sql()? > 0);
        }
    }
    Ok(rows
        .iter()
        .map(|(id, _)| behind.get(&id.0).copied().unwrap_or(false))
        .collect())
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn enqueue(
        &self,
        row: &NewOutbound,
        claim: Option<(&str, Timestamp)>,
    ) -> StoreResult<(OutboxId, bool)> {
        let Some((holder, until)) = claim else {
            let r = sqlx::query(
                "INSERT INTO outbox (queue, platform, body, ticket_id, created_at, next_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(row.queue.as_str())
            .bind(row.platform.as_str())
            .bind(body_of(row)?)
            .bind(row.ticket.map(|t| t.0))
            .bind(row.created_at.0)
            .fetch_one(&mut *self.conn().await?)
            .await
            .sql()?;
            return Ok((OutboxId(r.try_get("id").sql()?), false));
        };
        // Claimed at once unless another pending row of the queue is ahead of it.
        let r = sqlx::query(
            "WITH ahead AS (SELECT COUNT(*) AS n FROM outbox WHERE queue = $1 AND status = 0 \
                 AND (claimed_by IS NULL OR claimed_by <> $6 OR claimed_until <> $7)) \
             INSERT INTO outbox (queue, platform, body, ticket_id, created_at, next_at, \
                 claimed_by, claimed_until) \
             SELECT $1, $2, $3, $4, $5, $5, \
                 CASE WHEN ahead.n = 0 THEN $6 END, CASE WHEN ahead.n = 0 THEN $7 END \
             FROM ahead RETURNING id, claimed_by",
        )
        .bind(row.queue.as_str())
        .bind(row.platform.as_str())
        .bind(body_of(row)?)
        .bind(row.ticket.map(|t| t.0))
        .bind(row.created_at.0)
        .bind(holder)
        .bind(until.0)
        .fetch_one(&mut *self.conn().await?)
        .await
        .sql()?;
        let claimed: Option<String> = r.try_get("claimed_by").sql()?;
        Ok((OutboxId(r.try_get("id").sql()?), claimed.is_some()))
    }

    async fn claim_due(
        &self,
        holder: &str,
        now: Timestamp,
        claim_ms: i64,
        limit: usize,
        queues: Option<&[String]>,
    ) -> StoreResult<Vec<Outbound>> {
        if queues.is_some_and(<[String]>::is_empty) {
            return Ok(Vec::new());
        }
        let filter = match queues {
            Some(q) => {
                let marks: Vec<String> = (0..q.len()).map(|i| format!("${}", i + 5)).collect();
                format!("AND queue IN ({})", marks.join(", "))
            }
            None => String::new(),
        };
        let q = sql!(
            "UPDATE outbox SET claimed_by = $1, claimed_until = $2 \
             WHERE id IN (SELECT o.id FROM \
                 (SELECT MIN(id) AS id FROM outbox WHERE status = 0 {filter} GROUP BY queue) h \
                 JOIN outbox o ON o.id = h.id \
                 WHERE o.next_at <= $3 AND (o.claimed_until IS NULL OR o.claimed_until < $3) \
                 ORDER BY o.id LIMIT $4) \
             AND status = 0 AND next_at <= $3 \
             AND (claimed_until IS NULL OR claimed_until < $3) \
             RETURNING {OUT_COLS}"
        );
        let mut query = sqlx::query(q)
            .bind(holder)
            .bind(now.0.saturating_add(claim_ms))
            .bind(now.0)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        for queue in queues.unwrap_or_default() {
            query = query.bind(queue.as_str());
        }
        let rows = query.fetch_all(&mut *self.conn().await?).await.sql()?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(Outbound {
                    id: OutboxId(r.try_get("id").sql()?),
                    row: row_of(r)?,
                    attempts: r.try_get("attempts").sql()?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by_key(|o| o.id);
        Ok(out)
    }

    async fn outbox_delivered(
        &self,
        rows: &[(OutboxId, Option<String>)],
        now: Timestamp,
    ) -> StoreResult<Vec<bool>> {
        if self.unit.is_some() {
            return delivered_on(&mut *self.conn().await?, rows, now).await;
        }
        if self.backend == Backend::Postgres {
            return self.marks.delivered(&self.pool, rows, now).await;
        }
        // SQLite, outside a unit: join the group of units writing now (one commit for all),
        // or, with none open, write on its own.
        let mut seat = self.writer.enter().await;
        if seat.in_group() {
            let behind = delivered_on(seat.conn_mut(), rows, now).await?;
            self.writer
                .commit(seat)
                .await
                .map_err(|e| StoreError::Backend(e.into()))?;
            return Ok(behind);
        }
        let mut conn = self.pool.acquire().await.sql()?;
        let behind = delivered_on(&mut conn, rows, now).await;
        drop(seat);
        behind
    }

    async fn outbox_retry(
        &self,
        id: OutboxId,
        next_at: Timestamp,
        error: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + CASE WHEN $1 IS NULL THEN 0 ELSE 1 END, \
             next_at = $2, error = COALESCE($1, error), \
             claimed_by = NULL, claimed_until = NULL WHERE id = $3 AND status = 0",
        )
        .bind(error)
        .bind(next_at.0)
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(())
    }

    async fn outbox_failed(&self, id: OutboxId, error: &str, now: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = 2, attempts = attempts + 1, error = $1, done_at = $2, \
             claimed_by = NULL, claimed_until = NULL WHERE id = $3",
        )
        .bind(error)
        .bind(now.0)
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(())
    }

    async fn outbox_depth(&self) -> StoreResult<Vec<OutboxDepth>> {
        let rows = sqlx::query(
            "SELECT platform, COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox \
             WHERE status = 0 GROUP BY platform ORDER BY platform",
        )
        .fetch_all(&mut *self.read().await?)
        .await
        .sql()?;
        rows.iter()
            .map(|r| {
                Ok(OutboxDepth {
                    platform: Platform(r.try_get("platform").sql()?),
                    pending: r.try_get("pending").sql()?,
                    oldest: r.try_get::<Option<i64>, _>("oldest").sql()?.map(Timestamp),
                })
            })
            .collect()
    }

    async fn ticket_outbox(&self, ticket: TicketId) -> StoreResult<Vec<OutboxEntry>> {
        let q = sql!(
            "SELECT {OUT_COLS}, status, error FROM outbox \
             WHERE ticket_id = $1 AND status <> 1 ORDER BY id"
        );
        let rows = sqlx::query(q)
            .bind(ticket.0)
            .fetch_all(&mut *self.read().await?)
            .await
            .sql()?;
        rows.iter()
            .map(|r| {
                let code: i64 = r.try_get("status").sql()?;
                Ok(OutboxEntry {
                    id: OutboxId(r.try_get("id").sql()?),
                    row: row_of(r)?,
                    status: OutboxStatus::from_code(code)
                        .ok_or_else(|| corrupt(format!("outbox status {code}")))?,
                    attempts: r.try_get("attempts").sql()?,
                    error: r.try_get("error").sql()?,
                })
            })
            .collect()
    }

    async fn prune_delivered(&self, before: Timestamp) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM outbox WHERE status = 1 AND done_at < $1")
            .bind(before.0)
            .execute(&mut *self.conn().await?)
            .await
            .sql()?;
        Ok(r.rows_affected())
    }
}

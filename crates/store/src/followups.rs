//! Follow-ups: what an open ticket waits for, in the ticket columns of migration 0007, and
//! the guarded takes (one `UPDATE … RETURNING` each, so one caller gets each item).

use async_trait::async_trait;
use frontdesk_core::*;

use crate::rows::*;
use crate::{Sql, SqlStore, sql};

/// The ticket waits on the customer since an agent reply at or before `$2`, after its latest
/// close (`$1` is the desk).
const SILENT: &str = "desk = $1 AND status = 'open' AND last_agent_at IS NOT NULL \
     AND last_agent_at <= $2 AND customer_waiting_since IS NULL \
     AND (closed_at IS NULL OR last_agent_at > closed_at)";

/// Runs a per-level guarded update (`$1` level, `$2` desk, `$3` the level's instant) for each
/// level, highest first; each ticket comes back once, with the highest level it reached.
pub(crate) async fn take_levels(
    store: &SqlStore,
    q: &str,
    desk: &str,
    due: &[(i64, Timestamp)],
) -> StoreResult<Vec<(Ticket, i64)>> {
    let mut due = due.to_vec();
    due.sort_by_key(|(level, _)| std::cmp::Reverse(*level));
    let mut out = Vec::new();
    for (level, by) in due {
        let rows = sqlx::query(sqlx::AssertSqlSafe(q.to_owned()))
            .bind(level)
            .bind(desk)
            .bind(by.0)
            .fetch_all(&mut *store.conn().await?)
            .await
            .sql()?;
        for r in &rows {
            out.push((ticket_from_row(r)?, level));
        }
    }
    out.sort_by_key(|(t, _)| t.id);
    Ok(out)
}

#[async_trait]
impl FollowUpStore for SqlStore {
    async fn record_customer_reply(&self, id: TicketId, now: Timestamp) -> StoreResult<()> {
        sqlx::query(
            "UPDATE tickets SET customer_waiting_since = $1, next_reminders_sent = 0 \
             WHERE id = $2 AND (customer_waiting_since IS NULL \
               OR (closed_at IS NOT NULL AND customer_waiting_since <= closed_at))",
        )
        .bind(now.0)
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(())
    }

    async fn take_due_next_reminders(
        &self,
        desk: &str,
        due: &[(i64, Timestamp)],
    ) -> StoreResult<Vec<(Ticket, i64)>> {
        let q = format!(
            "UPDATE tickets SET next_reminders_sent = $1 WHERE desk = $2 AND status = 'open' \
             AND first_response_at IS NOT NULL AND customer_waiting_since IS NOT NULL \
             AND customer_waiting_since <= $3 AND next_reminders_sent < $1 \
             AND (closed_at IS NULL OR customer_waiting_since > closed_at) \
             RETURNING {TICKET_COLS}"
        );
        take_levels(self, &q, desk, due).await
    }

    async fn take_due_nudges(&self, desk: &str, replied_by: Timestamp) -> StoreResult<Vec<Ticket>> {
        let q = sql!(
            "UPDATE tickets SET followup_level = 1 WHERE {SILENT} AND followup_level < 1 \
             RETURNING {TICKET_COLS}"
        );
        let rows = sqlx::query(q)
            .bind(desk)
            .bind(replied_by.0)
            .fetch_all(&mut *self.conn().await?)
            .await
            .sql()?;
        let mut out = rows
            .iter()
            .map(ticket_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by_key(|t| t.id);
        Ok(out)
    }

    async fn take_due_auto_closes(
        &self,
        desk: &str,
        replied_by: Timestamp,
        now: Timestamp,
        detail: &str,
    ) -> StoreResult<Vec<Ticket>> {
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        let q = sql!(
            "UPDATE tickets SET status = 'closed', closed_at = $3, followup_level = 2 \
             WHERE {SILENT} AND followup_level < 2 RETURNING {TICKET_COLS}"
        );
        let rows = sqlx::query(q)
            .bind(desk)
            .bind(replied_by.0)
            .bind(now.0)
            .fetch_all(&mut *tx)
            .await
            .sql()?;
        let mut out = rows
            .iter()
            .map(ticket_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by_key(|t| t.id);
        for t in &out {
            sqlx::query(
                "INSERT INTO ticket_events (ticket_id, kind, actor_id, actor_name, detail, at) \
                 VALUES ($1, $2, NULL, $3, $4, $5)",
            )
            .bind(t.id.0)
            .bind(EventKind::Closed.as_str())
            .bind(AUTO_CLOSE_ACTOR)
            .bind(detail)
            .bind(now.0)
            .execute(&mut *tx)
            .await
            .sql()?;
        }
        tx.commit().await.sql()?;
        Ok(out)
    }
}

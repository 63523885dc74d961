//! What agents do to a ticket, each guarded change with its timeline event.

use async_trait::async_trait;
use frontdesk_core::*;
use sqlx::Row;

use crate::{Sql, SqlStore, corrupt};

#[async_trait]
impl TicketWorkStore for SqlStore {
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

    async fn set_business_first_response(&self, id: TicketId, ms: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE tickets SET first_response_business_ms = $1 \
             WHERE id = $2 AND first_response_business_ms IS NULL",
        )
        .bind(ms)
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(())
    }

    async fn record_agent_reply(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        let found = sqlx::query(
            "UPDATE tickets SET first_response_at = COALESCE(first_response_at, $1), \
             last_agent_at = $1, customer_waiting_since = NULL, followup_level = 0 WHERE id = $2",
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
                &mut tx,
                id,
                EventKind::Claimed,
                Some(agent),
                "by replying",
                now,
            )
            .await?;
        }
        SqlStore::event_on(&mut tx, id, EventKind::Replied, Some(agent), "", now).await?;
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
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        sqlx::query("UPDATE tickets SET priority = $1 WHERE id = $2")
            .bind(priority.as_str())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .sql()?;
        SqlStore::event_on(
            &mut tx,
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
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
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
            &mut tx,
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
}

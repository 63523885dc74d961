//! Work shared by replicas: adapter cursors, leases and due reminders.

use async_trait::async_trait;
use frontdesk_core::*;
use sqlx::Row;

use crate::rows::*;
use crate::{Sql, SqlStore};

#[async_trait]
impl ScheduleStore for SqlStore {
    async fn cursor(&self, name: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM cursors WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.read().await?)
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
        .execute(&mut *self.conn().await?)
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
        .fetch_optional(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(row.is_some())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&mut *self.conn().await?)
            .await
            .sql()?;
        Ok(())
    }

    async fn take_due_reminders(
        &self,
        desk: &str,
        due: &[(i64, Timestamp)],
    ) -> StoreResult<Vec<(Ticket, i64)>> {
        // Highest level first, so a ticket found late gets the level it is at, once. Each
        // UPDATE … RETURNING hands a row to exactly one caller: a concurrent replica's UPDATE
        // waits for the row lock, then sees `reminders_sent` raised and skips it.
        let q = format!(
            "UPDATE tickets SET reminders_sent = $1 WHERE desk = $2 AND status = 'open' \
             AND first_response_at IS NULL AND reminders_sent < $1 AND opened_at <= $3 \
             RETURNING {TICKET_COLS}"
        );
        crate::followups::take_levels(self, &q, desk, due).await
    }
}

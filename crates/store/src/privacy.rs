//! Blocks on customers, erasure of a customer's data, and the retention policy.

use async_trait::async_trait;
use frontdesk_core::outbox::NewOutbound;
use frontdesk_core::*;
use sqlx::Row;

use crate::rows::*;
use crate::{Sql, SqlStore, sql};

#[async_trait]
impl BlockStore for SqlStore {
    async fn set_block(
        &self,
        id: CustomerId,
        block: Option<(&str, &str)>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let r =
            match block {
                Some((reason, by)) => sqlx::query(
                    "UPDATE customers SET blocked_at = $1, blocked_reason = $2, blocked_by = $3, \
                     block_told = 0 WHERE id = $4 AND blocked_at IS NULL",
                )
                .bind(now.0)
                .bind(reason)
                .bind(by)
                .bind(id.0)
                .execute(&mut *self.conn().await?)
                .await,
                None => {
                    sqlx::query(
                        "UPDATE customers SET blocked_at = NULL, blocked_reason = NULL, \
                     blocked_by = NULL, block_told = 0 WHERE id = $1 AND blocked_at IS NOT NULL",
                    )
                    .bind(id.0)
                    .execute(&mut *self.conn().await?)
                    .await
                }
            }
            .sql()?;
        Ok(r.rows_affected() > 0)
    }

    async fn mark_block_told(&self, id: CustomerId) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE customers SET block_told = 1 \
             WHERE id = $1 AND blocked_at IS NOT NULL AND block_told = 0",
        )
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(r.rows_affected() > 0)
    }

    async fn blocked_customers(&self) -> StoreResult<Vec<Customer>> {
        let q = sql!(
            "SELECT {CUSTOMER_COLS} FROM customers WHERE blocked_at IS NOT NULL \
             ORDER BY blocked_at DESC, id DESC"
        );
        let rows = sqlx::query(q)
            .fetch_all(&mut *self.read().await?)
            .await
            .sql()?;
        rows.iter().map(customer_from_row).collect()
    }
}

/// Event kinds whose detail carries no customer data (kept by an erasure).
const KEPT_DETAIL: &str = "('priority', 'reminder', 'erased')";

impl SqlStore {
    /// Blanks the transcript of the tickets whose id satisfies `is` (`= $1`, `IN (…$1…)`):
    /// the messages' bodies and files, the subjects, survey comments and event details.
    async fn erase_tickets(&self, is: &str, bind: i64) -> StoreResult<u64> {
        let q = sql!("UPDATE messages SET body = '', attachments = '[]' WHERE ticket_id {is}");
        let n = sqlx::query(q)
            .bind(bind)
            .execute(&mut *self.conn().await?)
            .await
            .sql()?
            .rows_affected();
        let statements = [
            format!("UPDATE tickets SET subject = '' WHERE id {is}"),
            format!(
                "UPDATE surveys SET comment = '' WHERE comment IS NOT NULL \
                 AND ticket_id {is}"
            ),
            format!(
                "UPDATE ticket_events SET detail = '' WHERE kind NOT IN {KEPT_DETAIL} \
                 AND ticket_id {is}"
            ),
        ];
        for s in statements {
            sqlx::query(sqlx::AssertSqlSafe(s))
                .bind(bind)
                .execute(&mut *self.conn().await?)
                .await
                .sql()?;
        }
        Ok(n)
    }
}

#[async_trait]
impl PrivacyStore for SqlStore {
    async fn customer_by_user(
        &self,
        platform: &Platform,
        user_id: &str,
    ) -> StoreResult<Option<Customer>> {
        let q = sql!(
            "SELECT {CUSTOMER_COLS} FROM customers WHERE platform = $1 AND user_id = $2 \
             AND erased_at IS NULL"
        );
        match sqlx::query(q)
            .bind(platform.as_str())
            .bind(user_id)
            .fetch_optional(&mut *self.read().await?)
            .await
            .sql()?
        {
            Some(r) => Ok(Some(customer_from_row(&r)?)),
            None => Ok(None),
        }
    }

    async fn erase_customer(&self, id: CustomerId, now: Timestamp) -> StoreResult<Erasure> {
        // The guard: one erasure per customer, the first write of the unit.
        let q = sql!(
            "UPDATE customers SET erased_at = $1 WHERE id = $2 AND erased_at IS NULL \
             RETURNING {CUSTOMER_COLS}"
        );
        let Some(row) = sqlx::query(q)
            .bind(now.0)
            .bind(id.0)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .sql()?
        else {
            return match self.customer(id).await? {
                Some(_) => Ok(Erasure::default()),
                None => Err(StoreError::NotFound(format!("customer {}", id.0))),
            };
        };
        let c = customer_from_row(&row)?;
        let mut out = Erasure::default();
        let mine = "IN (SELECT id FROM tickets WHERE customer_id = $1)";

        // The chats the customer wrote from that no other customer shares: their queues.
        let rows = sqlx::query(
            "SELECT DISTINCT cust_platform, cust_chat FROM tickets WHERE customer_id = $1",
        )
        .bind(id.0)
        .fetch_all(&mut *self.conn().await?)
        .await
        .sql()?;
        let mut chats = vec![(c.platform.to_string(), c.endpoint.chat_id.clone())];
        for r in &rows {
            chats.push((r.try_get(0).sql()?, r.try_get(1).sql()?));
        }
        chats.sort();
        chats.dedup();
        let mut queues = Vec::new();
        for (platform, chat) in chats {
            let shared = sqlx::query(
                "SELECT 1 FROM customers WHERE platform = $1 AND ep_chat = $2 AND id <> $3 LIMIT 1",
            )
            .bind(platform.as_str())
            .bind(chat.as_str())
            .bind(id.0)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .sql()?;
            if shared.is_none() {
                let ep = Endpoint::chat(Platform(platform), chat);
                queues.push(NewOutbound::queue_of(&Destination::Endpoint(ep)));
            }
        }

        out.comments = sqlx::query(sql!(
            "SELECT COUNT(*) FROM surveys WHERE comment IS NOT NULL AND ticket_id {mine}"
        ))
        .bind(id.0)
        .fetch_one(&mut *self.conn().await?)
        .await
        .sql()?
        .try_get::<i64, _>(0)
        .sql()? as u64;
        self.erase_tickets(mine, id.0).await?;
        let erased = frontdesk_core::ERASED_NAME;
        out.tickets = sqlx::query(
            "UPDATE tickets SET customer_name = $1, cust_chat = '', cust_thread = '', \
             transcript_erased_at = $2 WHERE customer_id = $3",
        )
        .bind(erased)
        .bind(now.0)
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?
        .rows_affected();
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, kind, detail, at) \
             SELECT id, 'erased', 'customer', $1 FROM tickets WHERE customer_id = $2",
        )
        .bind(now.0)
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        out.messages = sqlx::query(
            "UPDATE messages SET body = '', attachments = '[]', platform_msg_id = NULL, \
             author_name = CASE WHEN author = 'customer' THEN $1 ELSE author_name END, \
             author_id = CASE WHEN author = 'customer' THEN NULL ELSE author_id END \
             WHERE customer_id = $2",
        )
        .bind(erased)
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?
        .rows_affected();
        out.bot_replies = sqlx::query(
            "UPDATE bot_replies SET question = '', question_key = '' WHERE customer_id = $1",
        )
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?
        .rows_affected();
        out.outbox = sqlx::query(sql!("DELETE FROM outbox WHERE ticket_id {mine}"))
            .bind(id.0)
            .execute(&mut *self.conn().await?)
            .await
            .sql()?
            .rows_affected();
        for q in &queues {
            out.outbox += sqlx::query("DELETE FROM outbox WHERE queue = $1")
                .bind(q.as_str())
                .execute(&mut *self.conn().await?)
                .await
                .sql()?
                .rows_affected();
        }
        // Dead letters keep the raw update: the customer's are found by its sender.
        let rows = sqlx::query("SELECT id, raw FROM dead_letters WHERE platform = $1")
            .bind(c.platform.as_str())
            .fetch_all(&mut *self.conn().await?)
            .await
            .sql()?;
        for r in &rows {
            let raw: String = r.try_get("raw").sql()?;
            let theirs =
                serde_json::from_str::<Inbound>(&raw).is_ok_and(|m| m.from.user_id == c.user_id);
            if theirs {
                let dl: i64 = r.try_get("id").sql()?;
                sqlx::query("DELETE FROM dead_letters WHERE id = $1")
                    .bind(dl)
                    .execute(&mut *self.conn().await?)
                    .await
                    .sql()?;
                out.dead_letters += 1;
            }
        }
        sqlx::query(
            "UPDATE customers SET user_id = $1, display_name = $2, ep_chat = '', ep_thread = '', \
             state = '{\"state\":\"idle\"}', blocked_at = NULL, blocked_reason = NULL, \
             blocked_by = NULL, block_told = 0 WHERE id = $3",
        )
        .bind(format!("erased:{}", id.0))
        .bind(erased)
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(out)
    }

    async fn erase_closed_transcripts(
        &self,
        closed_before: Timestamp,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<TicketId>> {
        // The guarded UPDATE hands each ticket to one caller: a concurrent replica waits for
        // the row lock, then sees `transcript_erased_at` set and skips it.
        let rows = sqlx::query(
            "UPDATE tickets SET transcript_erased_at = $1 WHERE transcript_erased_at IS NULL \
             AND id IN (SELECT id FROM tickets WHERE status = 'closed' AND closed_at < $2 \
             AND transcript_erased_at IS NULL ORDER BY id LIMIT $3) RETURNING id",
        )
        .bind(now.0)
        .bind(closed_before.0)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *self.conn().await?)
        .await
        .sql()?;
        let mut ids = Vec::with_capacity(rows.len());
        for r in &rows {
            ids.push(TicketId(r.try_get("id").sql()?));
        }
        ids.sort();
        for t in &ids {
            self.erase_tickets("= $1", t.0).await?;
            sqlx::query("DELETE FROM outbox WHERE ticket_id = $1")
                .bind(t.0)
                .execute(&mut *self.conn().await?)
                .await
                .sql()?;
            self.add_event(*t, EventKind::Erased, None, "retention", now)
                .await?;
        }
        Ok(ids)
    }
}

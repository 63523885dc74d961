//! The transcript, and the updates that could not be handled (dead letters).

use async_trait::async_trait;
use frontdesk_core::outbox::DeadLetter;
use frontdesk_core::*;
use sqlx::Row;
use tracing::debug;

use crate::rows::*;
use crate::{Backend, Sql, SqlStore, corrupt, sql};

#[async_trait]
impl MessageStore for SqlStore {
    async fn record_message(&self, m: &NewMessage) -> StoreResult<Option<MessageId>> {
        let attachments = serde_json::to_string(&m.attachments).map_err(corrupt)?;
        let (platform, pid) = match &m.platform_msg {
            Some((p, id)) => (Some(p.as_str().to_owned()), Some(id.clone())),
            None => (None, None),
        };
        const INSERT: &str = "INSERT INTO messages (customer_id, ticket_id, author, author_id, \
             author_name, body, attachments, platform, platform_msg_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (platform, platform_msg_id) DO NOTHING RETURNING id";
        // On PostgreSQL the ticket's report facts are updated by the same statement, a round
        // trip fewer per message; SQLite runs in process and cannot modify data in a `WITH`.
        let facts = match (self.backend, m.ticket) {
            (Backend::Postgres, Some(_)) => crate::report::facts::message_facts(m.author, "$10"),
            _ => None,
        };
        let q = match &facts {
            Some(set) => format!(
                "WITH m AS ({INSERT}), \
                 f AS (UPDATE tickets SET {set} WHERE id = $2 AND EXISTS (SELECT 1 FROM m)) \
                 SELECT id FROM m"
            ),
            None => INSERT.to_owned(),
        };
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        let row = sqlx::query(sql!("{q}"))
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
            .fetch_optional(&mut *tx)
            .await
            .sql()?;
        match row {
            Some(r) => {
                let id = MessageId(r.try_get("id").sql()?);
                if let (None, Some(t)) = (&facts, m.ticket) {
                    crate::report::facts::on_message(&mut tx, t, m.author, m.at).await?;
                }
                tx.commit().await.sql()?;
                Ok(Some(id))
            }
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
            .fetch_all(&mut *self.read().await?)
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
            .fetch_all(&mut *self.read().await?)
            .await
            .sql()?;
        let mut out: Vec<Message> = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?;
        out.reverse();
        Ok(out)
    }

    async fn record_dead_letter(
        &self,
        inbound: &Inbound,
        error: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let raw = serde_json::to_string(inbound).map_err(corrupt)?;
        let row = sqlx::query(
            "INSERT INTO dead_letters (platform, platform_msg_id, raw, error, at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (platform, platform_msg_id) DO NOTHING RETURNING id",
        )
        .bind(inbound.from.platform.as_str())
        .bind(inbound.platform_msg_id.as_str())
        .bind(raw)
        .bind(error)
        .bind(now.0)
        .fetch_optional(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(row.is_some())
    }

    async fn dead_letters(&self, limit: usize) -> StoreResult<Vec<DeadLetter>> {
        let rows = sqlx::query(
            "SELECT id, platform, platform_msg_id, raw, error, at FROM dead_letters \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *self.read().await?)
        .await
        .sql()?;
        rows.iter()
            .map(|r| {
                Ok(DeadLetter {
                    id: r.try_get("id").sql()?,
                    platform: Platform(r.try_get("platform").sql()?),
                    platform_msg_id: r.try_get("platform_msg_id").sql()?,
                    raw: r.try_get("raw").sql()?,
                    error: r.try_get("error").sql()?,
                    at: Timestamp(r.try_get("at").sql()?),
                })
            })
            .collect()
    }
}

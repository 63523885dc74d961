//! Customers: who writes to the bot, their language and conversation state.

use std::sync::LazyLock;

use async_trait::async_trait;
use frontdesk_core::*;
use sqlx::Row;

use crate::rows::*;
use crate::{Backend, Sql, SqlStore, corrupt, sql};

#[async_trait]
impl CustomerStore for SqlStore {
    async fn upsert_customer(
        &self,
        party: &Party,
        endpoint: &Endpoint,
        now: Timestamp,
    ) -> StoreResult<Customer> {
        // Always a write: the Engine reads a known customer with `customer_by_user` first and
        // upserts only a new or changed one (a write takes SQLite's write lock for the rest
        // of the unit).
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
            .fetch_one(&mut *self.conn().await?)
            .await
            .sql()?;
        customer_from_row(&row)
    }

    async fn customer(&self, id: CustomerId) -> StoreResult<Option<Customer>> {
        let q = sql!("SELECT {CUSTOMER_COLS} FROM customers WHERE id = $1");
        match sqlx::query(q)
            .bind(id.0)
            .fetch_optional(&mut *self.read().await?)
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
            .execute(&mut *self.conn().await?)
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
            .execute(&mut *self.conn().await?)
            .await
            .sql()?;
        Ok(())
    }
}

impl SqlStore {
    /// The customer `user_id` of `platform`, when known (not erased, as `customer_by_user`),
    /// with the ticket their conversation state names, in one statement.
    pub(crate) async fn read_customer_with_ticket(
        &self,
        platform: &Platform,
        user_id: &str,
    ) -> StoreResult<(Option<Customer>, Option<Ticket>)> {
        static QUERIES: LazyLock<[String; 2]> = LazyLock::new(|| {
            let cols = |list: &str, f: &dyn Fn(&str) -> String| {
                list.split(',')
                    .map(|c| f(c.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let customer = cols(CUSTOMER_COLS, &|c| format!("c.{c}"));
            let ticket = cols(TICKET_COLS, &|c| format!("t.{c} AS t_{c}"));
            [
                "CAST(c.state AS jsonb) ->> 'ticket'",
                "json_extract(c.state, '$.ticket')",
            ]
            .map(|id| {
                format!(
                    "SELECT {customer}, {ticket} FROM customers c \
                         LEFT JOIN tickets t ON t.id = CAST({id} AS BIGINT) \
                         WHERE c.platform = $1 AND c.user_id = $2 AND c.erased_at IS NULL"
                )
            })
        });
        let q = match self.backend {
            Backend::Postgres => &QUERIES[0],
            Backend::Sqlite => &QUERIES[1],
        };
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(q.as_str()))
            .bind(platform.as_str())
            .bind(user_id)
            .fetch_optional(&mut *self.read().await?)
            .await
            .sql()?
        else {
            return Ok((None, None));
        };
        let ticket = match row.try_get::<Option<i64>, _>("t_id").sql()? {
            Some(_) => Some(ticket_from_row_as(&row, "t_")?),
            None => None,
        };
        Ok((Some(customer_from_row(&row)?), ticket))
    }
}

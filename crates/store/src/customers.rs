//! Customers: who writes to the bot, their language and conversation state.

use async_trait::async_trait;
use frontdesk_core::*;

use crate::rows::*;
use crate::{Sql, SqlStore, corrupt, sql};

#[async_trait]
impl CustomerStore for SqlStore {
    async fn upsert_customer(
        &self,
        party: &Party,
        endpoint: &Endpoint,
        now: Timestamp,
    ) -> StoreResult<Customer> {
        // Always a write: the Engine reads a known customer with `known_customer` first and
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

    async fn known_customer(
        &self,
        platform: &Platform,
        user_id: &str,
    ) -> StoreResult<Option<Customer>> {
        let q = sql!("SELECT {CUSTOMER_COLS} FROM customers WHERE platform = $1 AND user_id = $2");
        sqlx::query(q)
            .bind(platform.as_str())
            .bind(user_id)
            .fetch_optional(&mut *self.read().await?)
            .await
            .sql()?
            .map(|row| customer_from_row(&row))
            .transpose()
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

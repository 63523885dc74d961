//! PostgreSQL units of work: a transaction on one pooled connection, begun together with the
//! unit's advisory lock and, for a customer's update, with the reads of that customer and of
//! the ticket their conversation state names, all in one round trip.
//!
//! sqlx sends one statement with parameters per round trip, so the first round trip is a
//! simple-protocol string of several statements. Its only values are the advisory key (an
//! integer) and the customer's platform and user id, written as escaped string literals
//! ([`literal`]); an id with a NUL byte, which PostgreSQL refuses in text anyway, is never
//! written this way. Each statement after the lock reads with a snapshot taken after the
//! lock was granted, so the unit sees what the previous unit of its key committed.
//!
//! The transaction ends with `COMMIT`; a unit dropped before it (an error, a duplicate update,
//! a cancelled task) sends `ROLLBACK` before its connection goes back to the pool, or closes
//! the connection when it cannot.

use frontdesk_core::*;
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Row};

use crate::rows::{CUSTOMER_COLS, TICKET_COLS, customer_from_row, thread_col, ticket_from_row};
use crate::{Sql, advisory_key};

/// What [`PgTx::begin_customer`] began and read.
pub(crate) struct Begun {
    /// The transaction (always set when returned).
    pub(crate) tx: Option<PgTx>,
    /// The customer, when known.
    pub(crate) customer: Option<Customer>,
    /// The ticket the customer's state names.
    pub(crate) ticket: Option<Ticket>,
    /// The ticket whose room the update was written in.
    pub(crate) room: Option<Ticket>,
}

/// An open PostgreSQL transaction of a unit of work.
pub(crate) struct PgTx {
    /// `None` once committed.
    conn: Option<PoolConnection<Any>>,
}

/// A string as a PostgreSQL escape-string literal (`E'…'`, backslashes and quotes escaped),
/// the same whatever `standard_conforming_strings` says; `None` for a string with a NUL byte.
pub(crate) fn literal(s: &str) -> Option<String> {
    if s.contains('\0') {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 4);
    out.push_str("E'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Some(out)
}

impl PgTx {
    /// Begins a transaction holding the advisory lock of `key`.
    pub(crate) async fn begin(pool: &AnyPool, key: &str) -> StoreResult<PgTx> {
        let mut tx = PgTx {
            conn: Some(pool.acquire().await.sql()?),
        };
        let q = format!("BEGIN; SELECT pg_advisory_xact_lock({})", advisory_key(key));
        sqlx::raw_sql(sqlx::AssertSqlSafe(q))
            .execute(tx.conn())
            .await
            .sql()?;
        Ok(tx)
    }

    /// Begins a transaction holding the advisory lock of `key` and reads, in the same round
    /// trip, the customer `user_id` of `platform`, the ticket their state names and the ticket
    /// whose room is `at`. `None` when a value cannot be written as a literal (the caller then
    /// reads them one by one).
    pub(crate) async fn begin_customer(
        pool: &AnyPool,
        key: &str,
        platform: &Platform,
        user_id: &str,
        at: &Endpoint,
    ) -> StoreResult<Option<Begun>> {
        let values = [
            platform.as_str(),
            user_id,
            at.platform.as_str(),
            &at.chat_id,
            thread_col(&at.thread_id),
        ]
        .map(literal);
        let [Some(p), Some(u), Some(rp), Some(rc), Some(rt)] = values else {
            return Ok(None);
        };
        let mut tx = PgTx {
            conn: Some(pool.acquire().await.sql()?),
        };
        let whose = format!("platform = {p} AND user_id = {u}");
        let q = format!(
            "BEGIN; SELECT pg_advisory_xact_lock({key}); \
             SELECT {CUSTOMER_COLS} FROM customers WHERE {whose}; \
             SELECT 'state' AS found_by, {TICKET_COLS} FROM tickets WHERE id = \
               (SELECT (state::jsonb ->> 'ticket')::bigint FROM customers WHERE {whose}); \
             SELECT 'room' AS found_by, {TICKET_COLS} FROM tickets \
               WHERE room_platform = {rp} AND room_chat = {rc} AND room_thread = {rt} LIMIT 1",
            key = advisory_key(key)
        );
        let rows: Vec<AnyRow> = sqlx::raw_sql(sqlx::AssertSqlSafe(q))
            .fetch_all(tx.conn())
            .await
            .sql()?;
        let mut begun = Begun {
            tx: None,
            customer: None,
            ticket: None,
            room: None,
        };
        for row in &rows {
            // The rows of the statements, told apart by their columns.
            if row.try_column("user_id").is_ok() {
                begun.customer = Some(customer_from_row(row)?);
            } else if let Ok(by) = row.try_get::<String, _>("found_by") {
                let t = Some(ticket_from_row(row)?);
                match by.as_str() {
                    "state" => begun.ticket = t,
                    _ => begun.room = t,
                }
            }
        }
        begun.tx = Some(tx);
        Ok(Some(begun))
    }

    /// The transaction's connection.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        self.conn
            .as_mut()
            .expect("an open transaction has its connection")
    }

    /// The transaction's connection, shared.
    pub(crate) fn conn_ref(&self) -> &AnyConnection {
        self.conn
            .as_ref()
            .expect("an open transaction has its connection")
    }

    /// Commits. On an error PostgreSQL has rolled the transaction back, or the connection is
    /// gone; either way the connection is rolled back or closed when dropped.
    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        sqlx::raw_sql("COMMIT").execute(self.conn()).await.sql()?;
        // Back to the pool as it is: no transaction open.
        self.conn.take();
        Ok(())
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.is_err() {
                        conn.close_on_drop();
                    }
                });
            }
            Err(_) => conn.close_on_drop(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn literals_escape_quotes_and_backslashes_and_refuse_nul() {
        assert_eq!(literal("123").as_deref(), Some("E'123'"));
        assert_eq!(literal("").as_deref(), Some("E''"));
        assert_eq!(
            literal(r"a'b\c").as_deref(),
            Some(r"E'a''b\\c'"),
            "quote doubled, backslash escaped"
        );
        assert_eq!(
            literal(r"\'; DROP TABLE customers; --").as_deref(),
            Some(r"E'\\''; DROP TABLE customers; --'")
        );
        assert_eq!(literal("ą🙂").as_deref(), Some("E'ą🙂'"));
        assert_eq!(literal("a\0b"), None);
    }
}

//! Tickets: opening (numbered per desk), finding, rooms and the timeline.

use async_trait::async_trait;
use frontdesk_core::*;
use sqlx::Row;

use crate::rows::*;
use crate::{Backend, Bind, Sql, SqlStore, corrupt, sql};

#[async_trait]
impl TicketStore for SqlStore {
    async fn open_ticket(&self, t: &NewTicket) -> StoreResult<Ticket> {
        Ok(self.open(t, false).await?.ticket)
    }

    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.fetch_ticket("id = $1", &[Bind::I(id.0)]).await
    }

    async fn ticket_by_number(&self, desk: &str, number: i64) -> StoreResult<Option<Ticket>> {
        self.fetch_ticket(
            "desk = $1 AND number = $2",
            &[Bind::S(desk), Bind::I(number)],
        )
        .await
    }

    async fn ticket_by_room(&self, room: &Endpoint) -> StoreResult<Option<Ticket>> {
        self.fetch_ticket(
            "room_platform = $1 AND room_chat = $2 AND room_thread = $3",
            &[
                Bind::S(room.platform.as_str()),
                Bind::S(&room.chat_id),
                Bind::S(thread_col(&room.thread_id)),
            ],
        )
        .await
    }

    async fn list_tickets(&self, f: &TicketFilter) -> StoreResult<Vec<Ticket>> {
        let mut conds = vec!["1 = 1".to_owned()];
        let mut binds = Vec::new();
        if let Some(d) = &f.desk {
            binds.push(Bind::S(d));
            conds.push(format!("desk = ${}", binds.len()));
        }
        if let Some(s) = f.status {
            binds.push(Bind::S(s.as_str()));
            conds.push(format!("status = ${}", binds.len()));
        }
        if let Some(c) = f.customer {
            binds.push(Bind::I(c.0));
            conds.push(format!("customer_id = ${}", binds.len()));
        }
        let limit = if f.limit > 0 {
            format!(" LIMIT {}", f.limit)
        } else {
            String::new()
        };
        let q = sql!(
            "SELECT {TICKET_COLS} FROM tickets WHERE {} ORDER BY id DESC{limit}",
            conds.join(" AND ")
        );
        let mut query = sqlx::query(q);
        for b in &binds {
            query = b.bind(query);
        }
        let rows = query.fetch_all(&mut *self.read().await?).await.sql()?;
        rows.iter().map(ticket_from_row).collect()
    }

    async fn set_ticket_room(
        &self,
        id: TicketId,
        room: Option<&Endpoint>,
        customer_in_room: bool,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE tickets SET room_platform = $1, room_chat = $2, room_thread = $3, \
             customer_in_room = $4 WHERE id = $5",
        )
        .bind(room.map(|r| r.platform.as_str().to_owned()))
        .bind(room.map(|r| r.chat_id.clone()))
        .bind(room.map_or("", |r| thread_col(&r.thread_id)).to_owned())
        .bind(i64::from(customer_in_room))
        .bind(id.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(())
    }

    async fn add_event(
        &self,
        id: TicketId,
        kind: EventKind,
        actor: Option<&Agent>,
        detail: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        SqlStore::event_on(&mut tx, id, kind, actor, detail, now).await?;
        tx.commit().await.sql()
    }

    async fn ticket_events(&self, id: TicketId) -> StoreResult<Vec<TicketEvent>> {
        let rows = sqlx::query(
            "SELECT ticket_id, kind, actor_id, actor_name, detail, at FROM ticket_events \
             WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&mut *self.read().await?)
        .await
        .sql()?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind").sql()?;
                Ok(TicketEvent {
                    ticket: TicketId(r.try_get("ticket_id").sql()?),
                    kind: EventKind::parse(&kind)
                        .ok_or_else(|| corrupt(format!("event {kind}")))?,
                    actor_id: r.try_get("actor_id").sql()?,
                    actor_name: r.try_get("actor_name").sql()?,
                    detail: r.try_get("detail").sql()?,
                    at: Timestamp(r.try_get("at").sql()?),
                })
            })
            .collect()
    }
}

impl SqlStore {
    /// Opens ticket `t` ([`TicketStore::open_ticket`]) with the messages it takes over; when
    /// `escalating`, also puts its customer in it ([`UnitOfWork::open_customer_ticket`]).
    pub(crate) async fn open(&self, t: &NewTicket, escalating: bool) -> StoreResult<OpenedTicket> {
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        // The ticket is written under a stand-in number (minus the customer's id: unique, as a
        // customer's units run one at a time) and numbered last, so the desk's row, which
        // makes numbers gapless (its lock is held until commit), is locked as briefly as the
        // rest of the unit allows. The first statement writes, so SQLite takes the write lock
        // at once (no upgrade deadlock).
        let q = sql!(
            "INSERT INTO tickets (desk, number, customer_id, cust_platform, cust_chat, cust_thread, \
             customer_name, subject, status, priority, lang, bot_tried, opened_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11, $12) RETURNING id"
        );
        let id = TicketId(
            sqlx::query(q)
                .bind(t.desk.as_str())
                .bind(-t.customer.0)
                .bind(t.customer.0)
                .bind(t.customer_endpoint.platform.as_str())
                .bind(t.customer_endpoint.chat_id.as_str())
                .bind(thread_col(&t.customer_endpoint.thread_id))
                .bind(t.customer_name.as_str())
                .bind(t.subject.as_str())
                .bind(t.priority.as_str())
                .bind(t.lang.as_str())
                .bind(t.bot_tried.as_str())
                .bind(t.opened_at.0)
                .fetch_one(&mut *tx)
                .await
                .sql()?
                .try_get("id")
                .sql()?,
        );
        let q = sql!(
            "UPDATE messages SET ticket_id = $1 \
             WHERE customer_id = $2 AND ticket_id IS NULL AND at >= $3 RETURNING {MESSAGE_COLS}"
        );
        let mut transcript = sqlx::query(q)
            .bind(id.0)
            .bind(t.customer.0)
            .bind(t.transcript_since.0)
            .fetch_all(&mut *tx)
            .await
            .sql()?
            .iter()
            .map(message_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        transcript.sort_by_key(|m| m.id);
        if escalating {
            let state = ConversationState::InTicket { ticket: id };
            let json = serde_json::to_string(&state).map_err(corrupt)?;
            sqlx::query("UPDATE customers SET state = $1 WHERE id = $2")
                .bind(json)
                .bind(t.customer.0)
                .execute(&mut *tx)
                .await
                .sql()?;
        }
        crate::report::facts::on_open(&mut tx, id, t.customer, t.opened_at).await?;
        SqlStore::event_on(&mut tx, id, EventKind::Opened, None, "", t.opened_at).await?;
        // The desk's next number (the desk is created at its first ticket), given to the
        // ticket: in one statement on PostgreSQL; SQLite cannot modify data in a `WITH`.
        const NEXT: &str = "INSERT INTO desks (name, next_number) VALUES ($1, 2) \
             ON CONFLICT (name) DO UPDATE SET next_number = desks.next_number + 1 \
             RETURNING next_number - 1 AS number";
        let row = match self.backend {
            Backend::Postgres => {
                let q = format!(
                    "WITH n AS ({NEXT}) UPDATE tickets SET number = (SELECT number FROM n) \
                     WHERE id = $2 RETURNING {TICKET_COLS}"
                );
                sqlx::query(sql!("{q}"))
                    .bind(t.desk.as_str())
                    .bind(id.0)
                    .fetch_one(&mut *tx)
                    .await
                    .sql()?
            }
            Backend::Sqlite => {
                let number: i64 = sqlx::query(NEXT)
                    .bind(t.desk.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .sql()?
                    .try_get("number")
                    .sql()?;
                sqlx::query(sql!(
                    "UPDATE tickets SET number = $1 WHERE id = $2 RETURNING {TICKET_COLS}"
                ))
                .bind(number)
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await
                .sql()?
            }
        };
        let ticket = ticket_from_row(&row)?;
        tx.commit().await.sql()?;
        Ok(OpenedTicket { ticket, transcript })
    }
}

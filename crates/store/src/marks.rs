//! Delivery marks on PostgreSQL, combined: the dispatchers of a busy bot record a delivery
//! every few hundred microseconds, each an `UPDATE` of its own outbox row. Marks that arrive
//! while one is being written wait for it and are then written together, in one statement
//! by one of them (flat combining: no timer, no background task; a lone mark is written at
//! once, and under load a round trip serves every mark that queued behind it).
//!
//! A mark's `done_at` is the latest `now` of the marks written together: they are recorded by
//! the same statement, so that is when each of them was recorded.
//!
//! Marks are written on a connection of their own that commits without waiting for the WAL
//! flush (`synchronous_commit = off`): a mark costs no disk wait, and only a crash of
//! PostgreSQL itself (not of the bot) within about half a second of a mark can lose it — the
//! row is then sent again after the restart, the same repeat as a bot killed between the
//! platform's accept and the mark. Everything else commits durably.

use std::sync::Mutex;

use frontdesk_core::outbox::OutboxId;
use frontdesk_core::*;
use sqlx::{AnyConnection, AnyPool};
use tokio::sync::oneshot;

use crate::Sql;

/// What a caller of [`Combiner::delivered`] waits for: whether a row has pending rows behind
/// it in its queue, per row.
type Answer = StoreResult<Vec<bool>>;

/// A mark waiting to be written.
struct Waiting {
    rows: Vec<(OutboxId, Option<String>)>,
    now: Timestamp,
    reply: oneshot::Sender<Answer>,
}

/// The marks waiting, and the turn to write them with the connection they are written on
/// (opened at the first mark, again after an error).
#[derive(Default)]
pub(crate) struct Combiner {
    waiting: Mutex<Vec<Waiting>>,
    turn: tokio::sync::Mutex<Option<AnyConnection>>,
}

impl Combiner {
    /// Marks `rows` delivered at `now`, written together with the marks of other callers
    /// waiting at the same time.
    pub(crate) async fn delivered(
        &self,
        pool: &AnyPool,
        rows: &[(OutboxId, Option<String>)],
        now: Timestamp,
    ) -> Answer {
        let (reply, answer) = oneshot::channel();
        self.lock().push(Waiting {
            rows: rows.to_vec(),
            now,
            reply,
        });
        {
            // Whoever holds the turn writes every mark waiting when it starts; ours may be
            // among them, written by the one before us.
            let mut turn = self.turn.lock().await;
            let batch = std::mem::take(&mut *self.lock());
            if !batch.is_empty() {
                write(pool, &mut turn, batch).await;
            }
        }
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Conflict(
                "a combined delivery mark was dropped unwritten".into(),
            ))
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The marks' own connection: taken out of the pool, set not to wait for the WAL flush.
async fn mark_connection(pool: &AnyPool) -> StoreResult<AnyConnection> {
    let mut conn = pool.acquire().await.sql()?.detach();
    sqlx::raw_sql("SET synchronous_commit = off")
        .execute(&mut conn)
        .await
        .sql()?;
    Ok(conn)
}

/// Writes `batch` in one statement per 256 rows on `conn` (opened first when there is none;
/// dropped after an error) and answers each caller; an error is every caller's.
async fn write(pool: &AnyPool, conn: &mut Option<AnyConnection>, batch: Vec<Waiting>) {
    let rows: Vec<(OutboxId, Option<String>)> =
        batch.iter().flat_map(|w| w.rows.iter().cloned()).collect();
    let now = batch.iter().map(|w| w.now).max().unwrap_or(Timestamp(0));
    if conn.is_none() {
        match mark_connection(pool).await {
            Ok(c) => *conn = Some(c),
            Err(e) => return answer(batch, &Err(e)),
        }
    }
    let c = conn.as_mut().expect("opened above");
    let result = crate::outbox::delivered_on(c, &rows, now).await;
    if result.is_err() {
        *conn = None;
    }
    answer(batch, &result);
}

/// Answers each caller of `batch` with its part of `result`.
fn answer(batch: Vec<Waiting>, result: &StoreResult<Vec<bool>>) {
    let mut at = 0;
    for w in batch {
        let n = w.rows.len();
        let answer = match result {
            Ok(behind) => Ok(behind[at..at + n].to_vec()),
            Err(e) => Err(StoreError::Backend(e.to_string().into())),
        };
        at += n;
        // A caller that went away (its task cancelled) needs no answer.
        let _ = w.reply.send(answer);
    }
}

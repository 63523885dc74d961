//! Delivery marks on PostgreSQL, combined: the dispatchers of a busy bot record a delivery
//! every few hundred microseconds, each an `UPDATE` of its own outbox row. Marks that arrive
//! while one is being written wait for it and are then written together, in one statement
//! by one of them (flat combining: no timer, no background task; a lone mark is written at
//! once, and under load a round trip serves every mark that queued behind it).
//!
//! A mark's `done_at` is the latest `now` of the marks written together: they are recorded by
//! the same statement, so that is when each of them was recorded.

use std::sync::Mutex;

use frontdesk_core::outbox::OutboxId;
use frontdesk_core::*;
use sqlx::AnyPool;
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

/// The marks waiting, and the turn to write them.
#[derive(Default)]
pub(crate) struct Combiner {
    waiting: Mutex<Vec<Waiting>>,
    turn: tokio::sync::Mutex<()>,
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
            let _turn = self.turn.lock().await;
            let batch = std::mem::take(&mut *self.lock());
            if !batch.is_empty() {
                write(pool, batch).await;
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

/// Writes `batch` in one statement per 256 rows and answers
/// each caller; an error is every caller's.
async fn write(pool: &AnyPool, batch: Vec<Waiting>) {
    let rows: Vec<(OutboxId, Option<String>)> =
        batch.iter().flat_map(|w| w.rows.iter().cloned()).collect();
    let now = batch.iter().map(|w| w.now).max().unwrap_or(Timestamp(0));
    let result = match pool.acquire().await.sql() {
        Ok(mut conn) => crate::outbox::delivered_on(&mut conn, &rows, now).await,
        Err(e) => Err(e),
    };
    let mut at = 0;
    for w in batch {
        let n = w.rows.len();
        let answer = match &result {
            Ok(behind) => Ok(behind[at..at + n].to_vec()),
            Err(e) => Err(StoreError::Backend(e.to_string().into())),
        };
        at += n;
        // A caller that went away (its task cancelled) needs no answer.
        let _ = w.reply.send(answer);
    }
}

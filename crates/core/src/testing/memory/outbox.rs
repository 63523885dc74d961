//! The outbox of the [`MemoryStore`]: rows, claims per queue, deliveries.

use std::collections::BTreeSet;

use async_trait::async_trait;

use super::*;

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn enqueue(
        &self,
        row: &NewOutbound,
        claim: Option<(&str, Timestamp)>,
    ) -> StoreResult<(OutboxId, bool)> {
        self.with(|s| {
            s.next_outbox_id += 1;
            let id = OutboxId(s.next_outbox_id);
            let claim = claim.filter(|(holder, until)| {
                !s.outbox.iter().any(|r| {
                    r.row.queue == row.queue
                        && r.status == OutboxStatus::Pending
                        && r.claim != Some(((*holder).to_owned(), until.millis()))
                })
            });
            let claimed = claim.is_some();
            s.outbox.push(OutRow {
                id,
                row: row.clone(),
                status: OutboxStatus::Pending,
                attempts: 0,
                next_at: row.created_at.millis(),
                claim: claim.map(|(h, u)| (h.to_owned(), u.millis())),
                error: None,
                platform_msg_id: None,
                done_at: None,
            });
            Ok((id, claimed))
        })
        .await
    }

    async fn claim_due(
        &self,
        holder: &str,
        now: Timestamp,
        claim_ms: i64,
        limit: usize,
        queues: Option<&[String]>,
    ) -> StoreResult<Vec<Outbound>> {
        self.with(|s| {
            let mut seen: BTreeSet<String> = BTreeSet::new();
            let mut out = Vec::new();
            for r in s.outbox.iter_mut() {
                if out.len() >= limit {
                    break;
                }
                if r.status != OutboxStatus::Pending || !seen.insert(r.row.queue.clone()) {
                    continue;
                }
                if queues.is_some_and(|q| !q.contains(&r.row.queue)) {
                    continue;
                }
                let claimed = r
                    .claim
                    .as_ref()
                    .is_some_and(|(_, until)| *until >= now.millis());
                if claimed || r.next_at > now.millis() {
                    continue;
                }
                r.claim = Some((holder.to_owned(), now.millis() + claim_ms));
                out.push(Outbound {
                    id: r.id,
                    row: r.row.clone(),
                    attempts: r.attempts,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn outbox_delivered(
        &self,
        rows: &[(OutboxId, Option<String>)],
        now: Timestamp,
    ) -> StoreResult<Vec<bool>> {
        self.with(|s| {
            let mut queues = Vec::new();
            for (id, platform_msg_id) in rows {
                let r = s.row_mut(*id)?;
                r.status = OutboxStatus::Delivered;
                r.done_at = Some(now.millis());
                r.claim = None;
                r.platform_msg_id = platform_msg_id.clone();
                queues.push(r.row.queue.clone());
            }
            Ok(queues
                .iter()
                .map(|q| {
                    s.outbox
                        .iter()
                        .any(|o| o.row.queue == *q && o.status == OutboxStatus::Pending)
                })
                .collect())
        })
        .await
    }

    async fn outbox_retry(
        &self,
        id: OutboxId,
        next_at: Timestamp,
        error: Option<&str>,
    ) -> StoreResult<()> {
        self.with(|s| {
            let r = s.row_mut(id)?;
            if let Some(e) = error {
                r.attempts += 1;
                r.error = Some(e.to_owned());
            }
            r.next_at = next_at.millis();
            r.claim = None;
            Ok(())
        })
        .await
    }

    async fn outbox_failed(&self, id: OutboxId, error: &str, _now: Timestamp) -> StoreResult<()> {
        self.with(|s| {
            let r = s.row_mut(id)?;
            r.status = OutboxStatus::Failed;
            r.attempts += 1;
            r.claim = None;
            r.error = Some(error.to_owned());
            Ok(())
        })
        .await
    }

    async fn outbox_depth(&self) -> StoreResult<Vec<OutboxDepth>> {
        self.with(|s| {
            let mut by: std::collections::BTreeMap<Platform, (i64, i64)> = Default::default();
            for r in s
                .outbox
                .iter()
                .filter(|r| r.status == OutboxStatus::Pending)
            {
                let e = by
                    .entry(r.row.platform.clone())
                    .or_insert((0, r.row.created_at.millis()));
                e.0 += 1;
                e.1 = e.1.min(r.row.created_at.millis());
            }
            Ok(by
                .into_iter()
                .map(|(platform, (pending, oldest))| OutboxDepth {
                    platform,
                    pending,
                    oldest: Some(Timestamp(oldest)),
                })
                .collect())
        })
        .await
    }

    async fn ticket_outbox(&self, ticket: TicketId) -> StoreResult<Vec<OutboxEntry>> {
        self.with(|s| {
            Ok(s.outbox
                .iter()
                .filter(|r| r.row.ticket == Some(ticket) && r.status != OutboxStatus::Delivered)
                .map(|r| OutboxEntry {
                    id: r.id,
                    row: r.row.clone(),
                    status: r.status,
                    attempts: r.attempts,
                    error: r.error.clone(),
                })
                .collect())
        })
        .await
    }

    async fn prune_delivered(&self, before: Timestamp) -> StoreResult<u64> {
        self.with(|s| {
            let n = s.outbox.len();
            s.outbox.retain(|r| {
                !(r.status == OutboxStatus::Delivered
                    && r.done_at.is_some_and(|d| d < before.millis()))
            });
            Ok((n - s.outbox.len()) as u64)
        })
        .await
    }
}

//! Follow-ups in the [`MemoryStore`]: the same rules as the SQL stores' ticket columns
//! `last_agent_at`, `customer_waiting_since`, `followup_level`, `next_reminders_sent`.

use async_trait::async_trait;

use super::*;

/// What a ticket waits for.
#[derive(Clone, Debug, Default)]
pub(super) struct Follow {
    /// The latest agent reply.
    last_agent_at: Option<Timestamp>,
    /// Since when the customer waits on the agents (their first message after the latest
    /// agent reply); `None`: not waiting.
    waiting_since: Option<Timestamp>,
    /// 0: nothing sent since the latest agent reply; 1: the customer was reminded; 2: closed.
    level: i64,
    /// Next-response reminders sent since the customer began waiting.
    next_sent: i64,
}

impl Follow {
    pub(super) fn agent_replied(&mut self, now: Timestamp) {
        self.last_agent_at = Some(now);
        self.waiting_since = None;
        self.level = 0;
    }

    /// Waits on the customer since an agent reply at or before `by`, after the latest close.
    fn silent_since(&self, t: &Ticket, by: Timestamp) -> bool {
        self.waiting_since.is_none()
            && self
                .last_agent_at
                .is_some_and(|a| a <= by && t.closed_at.is_none_or(|c| a > c))
    }
}

#[async_trait]
impl FollowUpStore for MemoryStore {
    async fn record_customer_reply(&self, id: TicketId, now: Timestamp) -> StoreResult<()> {
        self.with(|s| {
            let closed_at = s.ticket_mut(id)?.closed_at;
            let f = s.follow.entry(id).or_default();
            let stale = f
                .waiting_since
                .is_none_or(|w| closed_at.is_some_and(|c| w <= c));
            if stale {
                f.waiting_since = Some(now);
                f.next_sent = 0;
                s.ticket_mut(id)?.customer_waiting_since = Some(now);
            }
            Ok(())
        })
        .await
    }

    async fn take_due_next_reminders(
        &self,
        desk: &str,
        due: &[(i64, Timestamp)],
    ) -> StoreResult<Vec<(Ticket, i64)>> {
        self.with(|s| {
            let mut out = Vec::new();
            for t in s.tickets.iter() {
                if t.desk != desk || t.status != TicketStatus::Open || t.first_response_at.is_none()
                {
                    continue;
                }
                let Some(f) = s.follow.get_mut(&t.id) else {
                    continue;
                };
                let Some(w) = f
                    .waiting_since
                    .filter(|w| t.closed_at.is_none_or(|c| *w > c))
                else {
                    continue;
                };
                let level = due.iter().filter(|(_, by)| w <= *by).map(|(l, _)| *l).max();
                if let Some(level) = level.filter(|l| *l > f.next_sent) {
                    f.next_sent = level;
                    out.push((t.clone(), level));
                }
            }
            Ok(out)
        })
        .await
    }

    async fn take_due_nudges(&self, desk: &str, replied_by: Timestamp) -> StoreResult<Vec<Ticket>> {
        self.with(|s| {
            let mut out = Vec::new();
            for t in s.tickets.iter() {
                if t.desk != desk || t.status != TicketStatus::Open {
                    continue;
                }
                let Some(f) = s.follow.get_mut(&t.id) else {
                    continue;
                };
                if f.level < 1 && f.silent_since(t, replied_by) {
                    f.level = 1;
                    out.push(t.clone());
                }
            }
            Ok(out)
        })
        .await
    }

    async fn take_due_auto_closes(
        &self,
        desk: &str,
        replied_by: Timestamp,
        now: Timestamp,
        detail: &str,
    ) -> StoreResult<Vec<Ticket>> {
        self.with(|s| {
            let mut out = Vec::new();
            for t in s.tickets.iter_mut() {
                if t.desk != desk || t.status != TicketStatus::Open {
                    continue;
                }
                let Some(f) = s.follow.get_mut(&t.id) else {
                    continue;
                };
                if f.level < 2 && f.silent_since(t, replied_by) {
                    f.level = 2;
                    t.status = TicketStatus::Closed;
                    t.closed_at = Some(now);
                    out.push(t.clone());
                }
            }
            for t in &out {
                s.events.push(TicketEvent {
                    ticket: t.id,
                    kind: EventKind::Closed,
                    actor_id: None,
                    actor_name: Some(AUTO_CLOSE_ACTOR.to_owned()),
                    detail: detail.to_owned(),
                    at: now,
                });
            }
            Ok(out)
        })
        .await
    }
}

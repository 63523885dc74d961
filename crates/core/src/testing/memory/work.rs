//! What agents do to a ticket, in the [`MemoryStore`].

use async_trait::async_trait;

use super::*;

#[async_trait]
impl TicketWorkStore for MemoryStore {
    async fn claim_ticket(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.status == TicketStatus::Closed {
                return Ok(ClaimOutcome::Closed);
            }
            match &t.assignee {
                Some(a) if a.id == agent.id => Ok(ClaimOutcome::AlreadyYours),
                Some(a) => Ok(ClaimOutcome::TakenBy(a.clone())),
                None => {
                    t.assignee = Some(agent.clone());
                    s.event(id, EventKind::Claimed, Some(agent), "", now);
                    Ok(ClaimOutcome::Claimed)
                }
            }
        })
        .await
    }

    async fn unclaim_ticket(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.assignee.as_ref().is_some_and(|a| a.id == agent.id) {
                t.assignee = None;
                s.event(id, EventKind::Unclaimed, Some(agent), "", now);
                Ok(true)
            } else {
                Ok(false)
            }
        })
        .await
    }

    async fn set_business_first_response(&self, id: TicketId, ms: i64) -> StoreResult<()> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            t.first_response_business_ms.get_or_insert(ms);
            Ok(())
        })
        .await
    }

    async fn record_agent_reply(
        &self,
        id: TicketId,
        agent: &Agent,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.first_response_at.is_none() {
                t.first_response_at = Some(now);
            }
            let claim = t.assignee.is_none();
            if claim {
                t.assignee = Some(agent.clone());
            }
            if claim {
                s.event(id, EventKind::Claimed, Some(agent), "by replying", now);
            }
            s.event(id, EventKind::Replied, Some(agent), "", now);
            s.follow.entry(id).or_default().agent_replied(now);
            s.ticket_mut(id)?.customer_waiting_since = None;
            Ok(())
        })
        .await
    }

    async fn close_ticket(
        &self,
        id: TicketId,
        actor: Option<&Agent>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.status == TicketStatus::Closed {
                return Ok(false);
            }
            t.status = TicketStatus::Closed;
            t.closed_at = Some(now);
            s.event(id, EventKind::Closed, actor, "", now);
            Ok(true)
        })
        .await
    }

    async fn reopen_ticket(
        &self,
        id: TicketId,
        actor: Option<&Agent>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            if t.status == TicketStatus::Open {
                return Ok(false);
            }
            t.status = TicketStatus::Open;
            t.reopen_count += 1;
            s.event(id, EventKind::Reopened, actor, "", now);
            Ok(true)
        })
        .await
    }

    async fn set_priority(
        &self,
        id: TicketId,
        p: Priority,
        actor: &Agent,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.with(|s| {
            s.ticket_mut(id)?.priority = p;
            s.event(id, EventKind::Priority, Some(actor), p.as_str(), now);
            Ok(())
        })
        .await
    }

    async fn add_tags(
        &self,
        id: TicketId,
        tags: &[String],
        actor: &Agent,
        now: Timestamp,
    ) -> StoreResult<Vec<String>> {
        self.with(|s| {
            let t = s.ticket_mut(id)?;
            let mut set: BTreeSet<String> = t.tags.iter().cloned().collect();
            set.extend(tags.iter().cloned());
            t.tags = set.into_iter().collect();
            let all = t.tags.clone();
            s.event(id, EventKind::Tagged, Some(actor), &tags.join(","), now);
            Ok(all)
        })
        .await
    }
}

//! The dashboard's roles in memory: the queue of open tickets and the sign-in tokens.

use async_trait::async_trait;

use super::{Inner, MemoryStore};
use crate::ports::*;
use crate::types::*;

/// Whose turn it is on `t` and since when (see [`QueueItem`]).
fn waiting(g: &Inner, t: &Ticket) -> (WaitingFor, Timestamp) {
    let mine = || g.messages.iter().filter(|m| m.ticket == Some(t.id));
    let last_agent = mine()
        .filter(|m| m.author == AuthorKind::Agent)
        .map(|m| m.at)
        .max();
    match last_agent {
        None => (WaitingFor::Agent, t.opened_at),
        Some(a) => match mine()
            .filter(|m| m.author == AuthorKind::Customer && m.at > a)
            .map(|m| m.at)
            .min()
        {
            Some(c) => (WaitingFor::Agent, c),
            None => (WaitingFor::Customer, a),
        },
    }
}

fn matches(g: &Inner, t: &Ticket, q: &QueueQuery) -> bool {
    if t.status != TicketStatus::Open
        || q.desk.as_ref().is_some_and(|d| *d != t.desk)
        || q.platform
            .as_ref()
            .is_some_and(|p| *p != t.customer_endpoint.platform)
        || q.priority.is_some_and(|p| p != t.priority)
        || q.tag.as_ref().is_some_and(|tag| !t.tags.contains(tag))
    {
        return false;
    }
    match &q.assignee {
        Some(AssigneeFilter::Unassigned) if t.assignee.is_some() => return false,
        Some(AssigneeFilter::Agent(id)) if t.assignee.as_ref().map(|a| &a.id) != Some(id) => {
            return false;
        }
        _ => {}
    }
    if let Some(s) = q.search.as_deref().filter(|s| !s.is_empty()) {
        let s = s.to_ascii_lowercase();
        let hit = |text: &str| text.to_ascii_lowercase().contains(&s);
        if !hit(&t.subject)
            && !g
                .messages
                .iter()
                .any(|m| m.ticket == Some(t.id) && hit(&m.body))
        {
            return false;
        }
    }
    true
}

#[async_trait]
impl QueueStore for MemoryStore {
    async fn queue(&self, q: &QueueQuery) -> StoreResult<QueuePage> {
        self.with(|g| {
            let mut items: Vec<QueueItem> = g
                .tickets
                .iter()
                .filter(|t| matches(g, t, q))
                .map(|t| {
                    let (waiting_for, waiting_since) = waiting(g, t);
                    QueueItem {
                        ticket: t.clone(),
                        waiting_for,
                        waiting_since,
                    }
                })
                .filter(|i| q.waiting_for.is_none_or(|w| w == i.waiting_for))
                .collect();
            items.sort_by_key(|i| {
                (
                    i.waiting_for == WaitingFor::Customer,
                    i.waiting_since,
                    i.ticket.id,
                )
            });
            let total = items.len();
            let items = items
                .into_iter()
                .skip(q.offset)
                .take(q.page_size())
                .collect();
            Ok(QueuePage { items, total })
        })
        .await
    }
}

#[async_trait]
impl DashboardTokenStore for MemoryStore {
    async fn add_dashboard_token(&self, token: &DashboardToken) -> StoreResult<()> {
        self.with(|g| {
            if g.dashboard_tokens.iter().any(|t| t.id == token.id) {
                return Err(StoreError::Conflict(format!(
                    "dashboard token {} exists",
                    token.id
                )));
            }
            g.dashboard_tokens.push(token.clone());
            Ok(())
        })
        .await
    }

    async fn dashboard_token(&self, id: &str) -> StoreResult<Option<DashboardToken>> {
        self.with(|g| Ok(g.dashboard_tokens.iter().find(|t| t.id == id).cloned()))
            .await
    }
}

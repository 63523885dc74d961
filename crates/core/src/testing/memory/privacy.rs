//! Blocks, erasure and retention in memory, with the SQL stores' semantics.

use async_trait::async_trait;

use super::{Inner, MemoryStore, not_found};
use crate::outbox::NewOutbound;
use crate::ports::*;
use crate::types::*;

#[async_trait]
impl BlockStore for MemoryStore {
    async fn set_block(
        &self,
        id: CustomerId,
        block: Option<(&str, &str)>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.with(|s| {
            let c = s
                .customers
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(|| not_found("customer"))?;
            match (block, &c.blocked) {
                (Some(_), Some(_)) | (None, None) => Ok(false),
                (Some((reason, by)), None) => {
                    c.blocked = Some(Block {
                        reason: reason.to_owned(),
                        by: by.to_owned(),
                        at: now,
                        told: false,
                    });
                    Ok(true)
                }
                (None, Some(_)) => {
                    c.blocked = None;
                    Ok(true)
                }
            }
        })
        .await
    }

    async fn mark_block_told(&self, id: CustomerId) -> StoreResult<bool> {
        self.with(|s| {
            let c = s
                .customers
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(|| not_found("customer"))?;
            match &mut c.blocked {
                Some(b) if !b.told => {
                    b.told = true;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
        .await
    }

    async fn blocked_customers(&self) -> StoreResult<Vec<Customer>> {
        self.with(|s| {
            let mut out: Vec<Customer> = s
                .customers
                .iter()
                .filter(|c| c.blocked.is_some())
                .cloned()
                .collect();
            out.sort_by_key(|c| {
                (
                    std::cmp::Reverse(c.blocked.as_ref().map_or(0, |b| b.at.millis())),
                    std::cmp::Reverse(c.id),
                )
            });
            Ok(out)
        })
        .await
    }
}

impl Inner {
    /// Blanks the transcript of a ticket (see [`PrivacyStore::erase_closed_transcripts`]).
    fn erase_transcript(&mut self, id: TicketId, customer_author_too: bool) -> u64 {
        let mut n = 0;
        for m in self.messages.iter_mut().filter(|m| m.ticket == Some(id)) {
            m.body.clear();
            m.attachments.clear();
            if customer_author_too && m.author == AuthorKind::Customer {
                m.author_name = ERASED_NAME.to_owned();
                m.author_id = None;
            }
            n += 1;
        }
        if let Some(t) = self.tickets.iter_mut().find(|t| t.id == id) {
            t.subject.clear();
        }
        for sv in self.surveys.iter_mut().filter(|sv| sv.ticket == id) {
            if let Some(c) = &mut sv.comment {
                c.clear();
            }
        }
        for e in self.events.iter_mut().filter(|e| e.ticket == id) {
            if !matches!(e.kind, EventKind::Priority | EventKind::Reminder) {
                e.detail.clear();
            }
        }
        self.outbox.retain(|r| r.row.ticket != Some(id));
        n
    }
}

#[async_trait]
impl PrivacyStore for MemoryStore {
    async fn customer_by_user(
        &self,
        platform: &Platform,
        user_id: &str,
    ) -> StoreResult<Option<Customer>> {
        self.with(|s| {
            Ok(s.customers
                .iter()
                .find(|c| &c.platform == platform && c.user_id == user_id)
                .cloned())
        })
        .await
    }

    async fn erase_customer(&self, id: CustomerId, now: Timestamp) -> StoreResult<Erasure> {
        self.with(|s| {
            let c = s
                .customers
                .iter()
                .find(|c| c.id == id)
                .cloned()
                .ok_or_else(|| not_found("customer"))?;
            if !s.erased_customers.insert(id) {
                return Ok(Erasure::default());
            }
            let mut out = Erasure::default();
            // The chats only this customer writes from: their outbox queues go too.
            let mut chats = vec![c.endpoint.clone()];
            chats.extend(
                s.tickets
                    .iter()
                    .filter(|t| t.customer == id)
                    .map(|t| t.customer_endpoint.clone()),
            );
            let private: Vec<String> = chats
                .iter()
                .filter(|e| {
                    !s.customers.iter().any(|o| {
                        o.id != id && o.platform == e.platform && o.endpoint.chat_id == e.chat_id
                    })
                })
                .map(|e| {
                    NewOutbound::queue_of(&crate::outbox::Destination::Endpoint(Endpoint::chat(
                        e.platform.clone(),
                        e.chat_id.clone(),
                    )))
                })
                .collect();
            let tickets: Vec<TicketId> = s
                .tickets
                .iter()
                .filter(|t| t.customer == id)
                .map(|t| t.id)
                .collect();
            for t in &tickets {
                s.erase_transcript(*t, true);
            }
            for t in s.tickets.iter_mut().filter(|t| t.customer == id) {
                t.customer_name = ERASED_NAME.to_owned();
                t.customer_endpoint.chat_id.clear();
                t.customer_endpoint.thread_id = None;
                s.erased_transcripts.insert(t.id);
                out.tickets += 1;
            }
            for t in &tickets {
                s.event(*t, EventKind::Erased, None, "customer", now);
            }
            for m in s.messages.iter_mut().filter(|m| m.customer == id) {
                m.body.clear();
                m.attachments.clear();
                if m.author == AuthorKind::Customer {
                    m.author_name = ERASED_NAME.to_owned();
                    m.author_id = None;
                }
                out.messages += 1;
            }
            for r in s.replies.iter_mut().filter(|r| r.customer == id) {
                r.question.clear();
                out.bot_replies += 1;
            }
            out.comments = s
                .surveys
                .iter()
                .filter(|sv| tickets.contains(&sv.ticket) && sv.comment.is_some())
                .count() as u64;
            let before = s.outbox.len();
            s.outbox.retain(|r| {
                !private.contains(&r.row.queue) && !tickets.iter().any(|t| r.row.ticket == Some(*t))
            });
            out.outbox = (before - s.outbox.len()) as u64;
            let before = s.dead.len();
            let mine = |raw: &str| {
                serde_json::from_str::<Inbound>(raw)
                    .is_ok_and(|m| m.from.platform == c.platform && m.from.user_id == c.user_id)
            };
            s.dead.retain(|d| !mine(&d.raw));
            out.dead_letters = (before - s.dead.len()) as u64;
            if let Some(c) = s.customers.iter_mut().find(|c| c.id == id) {
                c.user_id = format!("erased:{}", id.0);
                c.display_name = ERASED_NAME.to_owned();
                c.endpoint.chat_id.clear();
                c.endpoint.thread_id = None;
                c.state = ConversationState::Idle;
                c.blocked = None;
            }
            Ok(out)
        })
        .await
    }

    async fn erase_closed_transcripts(
        &self,
        closed_before: Timestamp,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<TicketId>> {
        self.with(|s| {
            let due: Vec<TicketId> = s
                .tickets
                .iter()
                .filter(|t| {
                    t.status == TicketStatus::Closed
                        && t.closed_at
                            .is_some_and(|c| c.millis() < closed_before.millis())
                        && !s.erased_transcripts.contains(&t.id)
                })
                .map(|t| t.id)
                .take(limit)
                .collect();
            for t in &due {
                s.erased_transcripts.insert(*t);
                s.erase_transcript(*t, false);
                s.event(*t, EventKind::Erased, None, "retention", now);
            }
            Ok(due)
        })
        .await
    }
}

//! Role traits for blocking customers and for their privacy (erasure, retention).

use async_trait::async_trait;

use super::StoreResult;
use crate::types::*;

/// Blocks on customers: a blocked customer's messages are recorded, not answered or relayed.
#[async_trait]
pub trait BlockStore: Send + Sync {
    /// Blocks the customer (`Some((reason, by))`) or lifts the block (`None`). A new block is
    /// not yet told to the customer. Returns false, changing nothing, when the customer was
    /// already blocked (blocking) or not blocked (unblocking).
    async fn set_block(
        &self,
        id: CustomerId,
        block: Option<(&str, &str)>,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Records that a blocked customer was told so. True only the first time for a block.
    async fn mark_block_told(&self, id: CustomerId) -> StoreResult<bool>;
    /// The blocked customers, most recently blocked first.
    async fn blocked_customers(&self) -> StoreResult<Vec<Customer>>;
}

/// Finding a customer by their platform id, erasing their data, and the retention policy.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// The customer with this platform identity (not an erased one): a read, never a write.
    async fn customer_by_user(
        &self,
        platform: &Platform,
        user_id: &str,
    ) -> StoreResult<Option<Customer>>;
    /// Erases a customer for good: their name, platform id and chat; the bodies, attachments
    /// and author names of every message of their conversations (agents' replies included);
    /// their tickets' subjects and customer names; the question texts of their bot replies;
    /// their survey comments; every outbox row of their tickets and of their private chat;
    /// their dead letters; the platform message ids of their messages (a Telegram id names
    /// the chat, so a replay of an erased update is handled afresh, as a new customer's). Times, counts, scores, verdicts and outcomes stay, so reports keep
    /// their figures. The customer row stays, anonymous (a later message from the same person
    /// starts a new customer). Erasing an erased customer changes nothing.
    async fn erase_customer(&self, id: CustomerId, now: Timestamp) -> StoreResult<Erasure>;
    /// The retention policy: takes up to `limit` tickets closed before `closed_before` whose
    /// transcript is not erased yet, and erases it (message bodies, attachments, customer
    /// author names, the subject, the survey comment, the ticket's outbox rows), recording
    /// an `erased` event. Each ticket is taken by exactly one caller, also across replicas.
    async fn erase_closed_transcripts(
        &self,
        closed_before: Timestamp,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<TicketId>>;
}

//! Blocking and erasure: what the Store keeps about a block and what an erasure did.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// A customer's block: their messages are recorded but neither answered nor relayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Why (as the agent typed it; may be empty).
    pub reason: String,
    /// Who blocked them (an agent's name, or `cli`).
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// Whether the customer has been told they are blocked (they are told once).
    pub told: bool,
}

/// What [`crate::ports::PrivacyStore::erase_customer`] removed or anonymised, in rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    /// Messages whose body, attachments and author were removed.
    pub messages: u64,
    /// Tickets whose customer name, chat and subject were removed.
    pub tickets: u64,
    /// Bot replies whose question text was removed.
    pub bot_replies: u64,
    /// Survey comments removed.
    pub comments: u64,
    /// Outbox rows deleted (pending, delivered or failed).
    pub outbox: u64,
    /// Dead letters of the customer deleted.
    pub dead_letters: u64,
}

/// The name an erased customer is shown by.
pub const ERASED_NAME: &str = "(erased)";

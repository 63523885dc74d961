//! [`FollowUpStore`]: what an open ticket waits for (the agents or the customer), and the
//! guarded takes that hand each follow-up to exactly one caller across replicas.

use async_trait::async_trait;

use super::StoreResult;
use crate::types::*;

/// The actor name of the `closed` event of a ticket that closed itself because the customer
/// was silent. The event has no actor id, so reports never count it as an agent's close.
pub const AUTO_CLOSE_ACTOR: &str = "auto-close";

/// Follow-ups on open tickets. A ticket **waits on the agents** from the first customer
/// message after the latest agent reply (or after its latest close), and **waits on the
/// customer** from an agent reply (recorded by
/// [`super::TicketWorkStore::record_agent_reply`], which also re-arms the silence follow-ups)
/// until the customer writes. Tickets whose waiting began before their latest close count
/// only once it begins again. Every `take_*` method is a guarded update: each item is
/// returned to exactly one caller, also across replicas sharing one database.
#[async_trait]
pub trait FollowUpStore: Send + Sync {
    /// Records that the customer wrote in ticket `id`: the ticket waits on the agents from
    /// `now`, unless it already did since an earlier message (then nothing changes).
    async fn record_customer_reply(&self, id: TicketId, now: Timestamp) -> StoreResult<()>;
    /// Takes the next-response reminders that are due: open tickets with a first response
    /// that wait on the agents since at or before the instant given for a level, for a level
    /// above the next-response reminders already sent since they began waiting. `due` lists
    /// `(level, waiting_since_at_or_before)`. Each (ticket, level) is returned once; a ticket
    /// due for several levels gets the highest only.
    async fn take_due_next_reminders(
        &self,
        desk: &str,
        due: &[(i64, Timestamp)],
    ) -> StoreResult<Vec<(Ticket, i64)>>;
    /// Takes the open tickets that wait on the customer since an agent reply at or before
    /// `replied_by` and whose customer was not reminded since that reply.
    async fn take_due_nudges(&self, desk: &str, replied_by: Timestamp) -> StoreResult<Vec<Ticket>>;
    /// Closes the open tickets that wait on the customer since an agent reply at or before
    /// `replied_by`, each with a `closed` event by [`AUTO_CLOSE_ACTOR`] (no actor id) carrying
    /// `detail`, and returns them as closed.
    async fn take_due_auto_closes(
        &self,
        desk: &str,
        replied_by: Timestamp,
        now: Timestamp,
        detail: &str,
    ) -> StoreResult<Vec<Ticket>>;
}

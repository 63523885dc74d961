//! A customer blocked or unblocked the bot (Telegram's `my_chat_member` update in a private
//! chat): recorded in the transcript and on the open ticket, and told to the agents, who would
//! otherwise wait for an answer that cannot come.

use tracing::info;

use super::unit::Unit;
use super::{Engine, EngineError, Handled, customer_key};
use crate::texts::Text;
use crate::types::*;

impl Engine {
    /// Records that the customer behind `from` blocked (`reachable = false`) or unblocked the
    /// bot in `at`. `update_id` is the platform's id of the update (replays change nothing).
    pub async fn set_reachable(
        &self,
        update_id: &str,
        from: &Party,
        at: &Endpoint,
        reachable: bool,
    ) -> Result<Handled, EngineError> {
        let now = self.clock.now();
        let mut u = Unit::begin(self, &customer_key(&from.platform, &from.user_id), now).await?;
        let handled = u.reachability(update_id, from, at, reachable).await?;
        if handled == Handled::Done {
            u.commit().await?;
        }
        Ok(handled)
    }
}

impl Unit<'_> {
    async fn reachability(
        &mut self,
        update_id: &str,
        from: &Party,
        at: &Endpoint,
        reachable: bool,
    ) -> Result<Handled, EngineError> {
        let customer = self.tx.upsert_customer(from, at, self.now).await?;
        let ticket = match customer.state {
            ConversationState::InTicket { ticket } => self.tx.ticket(ticket).await?,
            _ => None,
        };
        let what = if reachable {
            "[unblocked the bot]"
        } else {
            "[blocked the bot]"
        };
        let recorded = self
            .tx
            .record_message(&NewMessage {
                customer: customer.id,
                ticket: ticket.as_ref().map(|t| t.id),
                author: AuthorKind::System,
                author_id: Some(from.user_id.clone()),
                author_name: from.display_name.clone(),
                body: what.to_owned(),
                attachments: Vec::new(),
                platform_msg: Some((from.platform.clone(), update_id.to_owned())),
                at: self.now,
            })
            .await?;
        if recorded.is_none() {
            return Ok(Handled::Duplicate);
        }
        info!(customer = customer.id.0, reachable, "customer {what}");
        let Some(t) = ticket else {
            return Ok(Handled::Done);
        };
        let number = t.number.to_string();
        let (kind, key) = if reachable {
            (EventKind::Reachable, Text::CustomerUnblocked)
        } else {
            (EventKind::Unreachable, Text::CustomerBlocked)
        };
        let text = self.e.desk_text(key, &[("number", &number)]);
        self.tx.add_event(t.id, kind, None, what, self.now).await?;
        self.notice(&t, &text, false).await?;
        Ok(Handled::Done)
    }
}

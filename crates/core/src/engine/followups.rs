//! Follow-ups, decided on the Engine's tick in one unit of work per tick:
//!
//! - **automatic close**: a customer silent for `followups.close_after_hours` after an agent
//!   reply has the ticket closed for them, through the same path as an agent's `/close` (the
//!   survey, the room note, the room closed); the `closed` event's actor is
//!   [`AUTO_CLOSE_ACTOR`] without an id, so the report never counts it as an agent's close;
//! - **one gentle reminder** to a customer silent for `followups.remind_after_hours`;
//! - **first-response reminders** at each multiple of `sla.first_response_minutes`, and
//!   **next-response reminders** at each multiple of `sla.next_response_minutes` after a
//!   customer's message to a ticket the agents had answered: both count business time only
//!   when `[desk.hours]` is set.
//!
//! Each is taken by a guarded update in the Store (one replica gets it), and everything it
//! sends goes through the outbox in the same unit.

use super::unit::Unit;
use super::{Engine, EngineError, TickReport};
use crate::ports::AUTO_CLOSE_ACTOR;
use crate::texts::Text;
use crate::types::*;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;

impl Engine {
    /// The follow-ups of one tick, in one unit of work (nothing when all are off).
    pub(super) async fn follow_up(&self, now: Timestamp) -> Result<TickReport, EngineError> {
        let (sla, f) = (&self.cfg.sla, &self.cfg.followups);
        let first = sla.first_response_minutes > 0 && sla.reminders > 0;
        let next = sla.next_response_minutes > 0 && sla.reminders > 0;
        let mut report = TickReport::default();
        if !first && !next && f.remind_after_hours == 0 && f.close_after_hours == 0 {
            return Ok(report);
        }
        let mut u = Unit::begin(self, &format!("reminders:{}", self.cfg.desk.name), now).await?;
        if f.close_after_hours > 0 {
            report.auto_closed = u.auto_close().await?;
        }
        if f.remind_after_hours > 0 {
            report.nudges = u.nudge().await?;
        }
        if first {
            report.reminders = u.first_response_reminders().await?;
        }
        if next {
            report.next_reminders = u.next_response_reminders().await?;
        }
        u.commit().await?;
        Ok(report)
    }

    /// For each reminder level, the latest instant from which `level × target` of business
    /// time has passed by `now`.
    fn due_levels(&self, now: Timestamp, target_minutes: i64) -> Vec<(i64, Timestamp)> {
        (1..=self.cfg.sla.reminders)
            .filter_map(|level| {
                let by = self
                    .hours
                    .business_start(now, level * target_minutes * MINUTE)?;
                Some((level, by))
            })
            .collect()
    }
}

impl Unit<'_> {
    /// Closes the tickets whose customer stayed silent too long.
    async fn auto_close(&mut self) -> Result<usize, EngineError> {
        let h = self.e.cfg.followups.close_after_hours;
        let detail = format!("no reply from the customer for {h} h");
        let closed = self
            .tx
            .take_due_auto_closes(
                &self.e.cfg.desk.name,
                self.now.plus_millis(-h * HOUR),
                self.now,
                &detail,
            )
            .await?;
        for t in &closed {
            let Some(c) = self.tx.customer(t.customer).await? else {
                continue;
            };
            tracing::info!(ticket = t.number, actor = AUTO_CLOSE_ACTOR, "closed");
            let (number, hours) = (t.number.to_string(), h.to_string());
            let note = self.e.desk_text(
                Text::ClosedAutomatically,
                &[("number", &number), ("hours", &hours)],
            );
            self.after_close(t, &c, Text::TicketAutoClosedSurvey, &note)
                .await?;
        }
        Ok(closed.len())
    }

    /// Reminds, once, the customers who stayed silent since an agent reply.
    async fn nudge(&mut self) -> Result<usize, EngineError> {
        let h = self.e.cfg.followups.remind_after_hours;
        let taken = self
            .tx
            .take_due_nudges(&self.e.cfg.desk.name, self.now.plus_millis(-h * HOUR))
            .await?;
        for t in &taken {
            let Some(c) = self.tx.customer(t.customer).await? else {
                continue;
            };
            let (number, hours) = (t.number.to_string(), h.to_string());
            let body = self
                .e
                .texts
                .fill(&t.lang, Text::FollowupReminder, &[("number", &number)]);
            let target = Customer {
                endpoint: t.customer_endpoint.clone(),
                ..c
            };
            let msg = OutMessage::markdown(MessageKind::Bot, body.clone());
            self.send_to_customer(&target, Some(t.id), msg, &body)
                .await?;
            self.tx
                .add_event(
                    t.id,
                    EventKind::Reminder,
                    None,
                    "customer follow-up",
                    self.now,
                )
                .await?;
            let note = self.e.desk_text(
                Text::FollowupSent,
                &[("number", &number), ("hours", &hours)],
            );
            self.notice(t, &note, false).await?;
        }
        Ok(taken.len())
    }

    /// First-response reminders: the agents are reminded of tickets nobody answered yet.
    async fn first_response_reminders(&mut self) -> Result<usize, EngineError> {
        let target = self.e.cfg.sla.first_response_minutes;
        let due = self.e.due_levels(self.now, target);
        let taken = self
            .tx
            .take_due_reminders(&self.e.cfg.desk.name, &due)
            .await?;
        for (t, level) in &taken {
            let waited = self.e.hours.business_ms(t.opened_at, self.now) / MINUTE;
            let key = if *level <= 1 {
                Text::ReminderFirst
            } else {
                Text::ReminderAgain
            };
            self.remind(t, *level, key, waited, target, "level").await?;
        }
        Ok(taken.len())
    }

    /// Next-response reminders: a customer wrote again and waits on the agents.
    async fn next_response_reminders(&mut self) -> Result<usize, EngineError> {
        let target = self.e.cfg.sla.next_response_minutes;
        let due = self.e.due_levels(self.now, target);
        let taken = self
            .tx
            .take_due_next_reminders(&self.e.cfg.desk.name, &due)
            .await?;
        for (t, level) in &taken {
            self.remind(
                t,
                *level,
                Text::ReminderNext,
                level * target,
                target,
                "next response level",
            )
            .await?;
        }
        Ok(taken.len())
    }

    /// Records a reminder event and posts the reminder in the room (pinging from level 2).
    async fn remind(
        &mut self,
        t: &Ticket,
        level: i64,
        key: Text,
        waited: i64,
        target: i64,
        what: &str,
    ) -> Result<(), EngineError> {
        let (number, waited, target) =
            (t.number.to_string(), waited.to_string(), target.to_string());
        let text = self.e.desk_text(
            key,
            &[
                ("number", &number),
                ("waited", &waited),
                ("target", &target),
            ],
        );
        self.tx
            .add_event(
                t.id,
                EventKind::Reminder,
                None,
                &format!("{what} {level}"),
                self.now,
            )
            .await?;
        self.notice(t, &text, level >= 2).await
    }
}

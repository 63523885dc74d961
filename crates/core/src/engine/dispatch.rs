//! Delivering the outbox: in order per queue, concurrently across queues, each row by one
//! dispatcher at a time (claimed in the Store, also across replicas), and an explicit outcome
//! for every failure:
//!
//! | the platform says | what happens |
//! |---|---|
//! | 429 `retry_after` | the row waits exactly that long, then is sent again |
//! | unreachable, 5xx | retried with backoff (1 s doubling to 5 min) until `outbox.retry_horizon_minutes`, then given up and the agents told |
//! | the room is gone | the ticket gets a new room with a fresh summary and a notice; the row is delivered there |
//! | the customer blocked the bot | the row is given up, the ticket marked unreachable, the agents told plainly |
//! | any other refusal | the row is given up, recorded on the ticket, the agents told |
//!
//! A queue's next row waits until its first is delivered or given up, so a customer never sees
//! their messages out of order and a room never gets a message before its summary.

use futures_util::future::join_all;
use tracing::{error, info, warn};

use super::{Engine, EngineError};
use crate::outbox::*;
use crate::ports::ChannelError;
use crate::texts::Text;
use crate::types::*;

/// Rows claimed at once by one dispatch round.
const CLAIM_BATCH: usize = 64;
/// The first retry after a passing failure; it doubles per attempt up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: i64 = 1_000;
/// The longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 300_000;

/// What [`Engine::dispatch_due`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Rows the platforms accepted.
    pub delivered: usize,
    /// Rows put back for a later attempt.
    pub retried: usize,
    /// Rows given up.
    pub failed: usize,
}

impl DispatchReport {
    fn add(&mut self, other: DispatchReport) {
        self.delivered += other.delivered;
        self.retried += other.retried;
        self.failed += other.failed;
    }
}

/// How one attempt ended.
enum Outcome {
    /// Delivered; whether rows of its queue wait behind it.
    Delivered(bool),
    Retry,
    /// Given up; the agents were told in this room queue (if any).
    Failed(Option<String>),
}

impl Engine {
    /// Delivers every outbox row that is due, until none is: the heads of all queues
    /// concurrently, each queue in order. Call it after a restart and periodically (the
    /// `frontdesk run` dispatcher does); several replicas may call it at once.
    pub async fn dispatch_due(&self) -> Result<DispatchReport, EngineError> {
        self.dispatch(None).await
    }

    /// Delivers what a unit of work just wrote: the rows it wrote already claimed, in order
    /// per queue (a queue stops at a row that must wait, and its later rows are released to
    /// the dispatcher), then whatever else is due in the queues it wrote to.
    pub(super) async fn deliver_after_unit(
        &self,
        claimed: Vec<Outbound>,
        hints: &[Ticket],
        mut queues: Vec<String>,
    ) -> Result<DispatchReport, EngineError> {
        let mut by_queue: Vec<(String, Vec<Outbound>)> = Vec::new();
        for o in claimed {
            match by_queue.iter_mut().find(|(q, _)| *q == o.row.queue) {
                Some((_, rows)) => rows.push(o),
                None => by_queue.push((o.row.queue.clone(), vec![o])),
            }
        }

        let mut report = DispatchReport::default();
        let runs = join_all(
            by_queue
                .into_iter()
                .map(|(_, rows)| self.deliver_in_order(rows, hints)),
        );
        for r in runs.await {
            let (round, notices) = r?;
            report.add(round);
            for q in notices {
                if !queues.contains(&q) {
                    queues.push(q);
                }
            }
        }
        if !queues.is_empty() {
            report.add(self.dispatch(Some(&queues)).await?);
        }
        Ok(report)
    }

    /// Delivers one queue's claimed rows in order; stops at the first that must wait and
    /// releases the rest. Returns the report and the queues to look at again: a room that
    /// got a notice, a queue where rows of another unit wait behind.
    async fn deliver_in_order(
        &self,
        rows: Vec<Outbound>,
        hints: &[Ticket],
    ) -> Result<(DispatchReport, Vec<String>), EngineError> {
        let mut report = DispatchReport::default();
        let mut notices = Vec::new();
        let mut rows = rows.into_iter();
        while let Some(o) = rows.next() {
            let queue = o.row.queue.clone();
            let hint = o
                .row
                .ticket
                .and_then(|id| hints.iter().find(|t| t.id == id).cloned());
            match self.deliver(o, hint).await? {
                Outcome::Delivered(behind) => {
                    report.delivered += 1;
                    if behind {
                        notices.push(queue);
                    }
                }
                Outcome::Failed(n) => {
                    report.failed += 1;
                    notices.extend(n);
                }
                Outcome::Retry => {
                    report.retried += 1;
                    let now = self.clock.now();
                    for later in rows.by_ref() {
                        self.store.outbox_retry(later.id, now, None).await?;
                    }
                }
            }
        }
        Ok((report, notices))
    }

    async fn dispatch(&self, queues: Option<&[String]>) -> Result<DispatchReport, EngineError> {
        let mut report = DispatchReport::default();
        let claim_ms = self.cfg.outbox.claim_seconds * 1000;
        let mut queues: Option<Vec<String>> = queues.map(<[String]>::to_vec);
        loop {
            let now = self.clock.now();
            let rows = self
                .store
                .claim_due(&self.holder, now, claim_ms, CLAIM_BATCH, queues.as_deref())
                .await?;
            if rows.is_empty() {
                return Ok(report);
            }
            let mut round = DispatchReport::default();
            for outcome in join_all(rows.into_iter().map(|r| self.deliver(r, None))).await {
                match outcome? {
                    Outcome::Delivered(_) => round.delivered += 1,
                    Outcome::Retry => round.retried += 1,
                    Outcome::Failed(notice) => {
                        round.failed += 1;
                        // Deliver the notice to the agents in this same call.
                        if let (Some(q), Some(n)) = (queues.as_mut(), notice)
                            && !q.contains(&n)
                        {
                            q.push(n);
                        }
                    }
                }
            }
            report.add(round);
            if round.delivered + round.failed == 0 {
                // Everything claimed waits for a later attempt.
                return Ok(report);
            }
        }
    }

    /// One attempt at one claimed row. `hint` is the row's ticket as its unit of work saw it
    /// (saves reading it again; a room that changed since is noticed and the current one
    /// used); without it the ticket is read when the row needs it.
    async fn deliver(&self, o: Outbound, hint: Option<Ticket>) -> Result<Outcome, EngineError> {
        let mut reopened = false;
        let mut ticket = hint;
        loop {
            let to = match &o.row.dest {
                Destination::Endpoint(e) => e.clone(),
                Destination::Room(id) => {
                    if ticket.as_ref().is_none_or(|t| t.room.is_none()) {
                        ticket = self.store.ticket(*id).await?;
                    }
                    let Some(t) = ticket.clone() else {
                        return self.give_up(&o, None, "the ticket no longer exists").await;
                    };
                    match (&t.room, &o.row.delivery) {
                        (Some(room), _) => room.clone(),
                        // Nothing to close or reopen before the room exists.
                        (None, Delivery::CloseRoom | Delivery::ReopenRoom) => {
                            return self.delivered(&o, None).await;
                        }
                        (None, Delivery::Send(_)) => match self.open_room(&t).await {
                            Ok(room) => {
                                ticket = self.store.ticket(t.id).await?;
                                room
                            }
                            Err(e) => return self.room_not_opened(&o, &t, e).await,
                        },
                    }
                }
            };
            if let (Delivery::Send(m), Some(t), Destination::Room(_)) =
                (&o.row.delivery, &ticket, &o.row.dest)
                && matches!(m.kind, MessageKind::CustomerRelay { .. })
                && t.customer_in_room
            {
                // The customer shares the room: they see their own message there.
                return self.delivered(&o, None).await;
            }
            let result = match self.router.get(&to.platform) {
                Err(e) => Err(e),
                Ok(ch) => match &o.row.delivery {
                    Delivery::Send(m) => ch.send(&to, m).await.map(|s| s.message_id),
                    Delivery::CloseRoom => ch.close_room(&to).await.map(|()| None),
                    Delivery::ReopenRoom => ch.reopen_room(&to).await.map(|()| None),
                },
            };
            let err = match result {
                Ok(id) => return self.delivered(&o, id.as_deref()).await,
                Err(e) => e,
            };
            // What went wrong is judged against the ticket as it is now.
            if let Some(id) = o.row.ticket {
                ticket = self.store.ticket(id).await?;
            }
            let Destination::Room(_) = &o.row.dest else {
                return self.on_error(&o, ticket.as_ref(), err).await;
            };
            let ChannelError::RoomGone(why) = err else {
                return self.on_error(&o, ticket.as_ref(), err).await;
            };
            let Some(t) = ticket.clone() else {
                return self.on_error(&o, None, ChannelError::RoomGone(why)).await;
            };
            if t.room.as_ref() != Some(&to) {
                // The room was replaced since this row's unit saw it: try the current one.
                continue;
            }
            if !matches!(o.row.delivery, Delivery::Send(_)) {
                // Nothing to close or reopen in a room that is gone: forget it; the next
                // message to the ticket opens a new one.
                self.store.set_ticket_room(t.id, None, false).await?;
                let now = self.clock.now();
                self.store
                    .add_event(t.id, EventKind::RoomLost, None, &why, now)
                    .await?;
                return self.delivered(&o, None).await;
            }
            if reopened {
                return self
                    .on_error(&o, Some(&t), ChannelError::RoomGone(why))
                    .await;
            }
            match self.replace_room(&t, &o, &why).await {
                Ok(()) => {
                    reopened = true;
                    ticket = self.store.ticket(t.id).await?;
                }
                Err(e) => return self.on_error(&o, Some(&t), e).await,
            }
        }
    }

    /// Records a delivery: [`Outcome::Delivered`], saying whether rows of the queue wait
    /// behind this one (written meanwhile by another unit of work).
    async fn delivered(
        &self,
        o: &Outbound,
        platform_msg_id: Option<&str>,
    ) -> Result<Outcome, EngineError> {
        let behind = self.record_delivery(o.id, platform_msg_id).await?;
        Ok(Outcome::Delivered(behind))
    }

    /// Opens a ticket's room in the desk and records it.
    async fn open_room(&self, t: &Ticket) -> Result<Endpoint, ChannelError> {
        let desk = self.cfg.desk.endpoint();
        let channel = self.router.get(&desk.platform)?;
        let room = channel.open_room(&desk, &self.room_title(t)).await?;
        // A customer on the desk's own chat platform who writes in the desk's chat would
        // share the room; customers in DMs never do.
        let customer_in_room = room == t.customer_endpoint;
        if let Err(e) = self
            .store
            .set_ticket_room(t.id, Some(&room), customer_in_room)
            .await
        {
            // The room exists but is not recorded: the next attempt opens another one. Say so.
            error!(ticket = t.number, error = %e, "room opened but not recorded");
            return Err(ChannelError::Unavailable(format!(
                "room opened but not recorded: {e}"
            )));
        }
        info!(ticket = t.number, room = %room, "room opened");
        Ok(room)
    }

    /// A room that could not be opened. The desk is the team's own, so a refusal there (the
    /// bot lost its admin rights, topics were switched off) is a misconfiguration to fix, not
    /// a reason to drop the ticket: it is recorded on the ticket once and retried like a
    /// network error, until the retry horizon.
    async fn room_not_opened(
        &self,
        o: &Outbound,
        t: &Ticket,
        e: ChannelError,
    ) -> Result<Outcome, EngineError> {
        if e.is_transient() {
            return self.on_error(o, Some(t), e).await;
        }
        error!(ticket = t.number, error = %e, "the ticket's room could not be opened");
        if o.attempts == 0 {
            self.metrics.send_failure(&o.row.platform);
            self.store
                .add_event(
                    t.id,
                    EventKind::SendFailed,
                    None,
                    &format!("open room: {e}"),
                    self.clock.now(),
                )
                .await?;
        }
        self.on_error(
            o,
            Some(t),
            ChannelError::Unavailable(format!("open room: {e}")),
        )
        .await
    }

    /// The platform lost the ticket's room: open a new one with a fresh summary and say what
    /// happened, so the row being delivered (and every later one) lands there.
    async fn replace_room(&self, t: &Ticket, o: &Outbound, why: &str) -> Result<(), ChannelError> {
        warn!(ticket = t.number, %why, "the ticket's room is gone: opening a new one");
        let now = self.clock.now();
        let store_err = |e: crate::ports::StoreError| ChannelError::Unavailable(e.to_string());
        self.store
            .set_ticket_room(t.id, None, false)
            .await
            .map_err(store_err)?;
        self.store
            .add_event(t.id, EventKind::RoomLost, None, why, now)
            .await
            .map_err(store_err)?;
        let room = self.open_room(t).await?;
        let channel = self.router.get(&room.platform)?;
        let is_summary =
            matches!(&o.row.delivery, Delivery::Send(m) if m.kind == MessageKind::Summary);
        if !is_summary {
            let t = self
                .store
                .ticket(t.id)
                .await
                .map_err(store_err)?
                .unwrap_or_else(|| t.clone());
            let summary = self
                .room_summary(self.store.as_ref(), &t)
                .await
                .map_err(|e| ChannelError::Unavailable(e.to_string()))?;
            channel.send(&room, &summary).await?;
        }
        let number = t.number.to_string();
        let mut notice = OutMessage::plain(
            MessageKind::Notice,
            self.desk_text(Text::RoomReplaced, &[("number", &number)]),
        );
        notice.mention_agents = true;
        channel.send(&room, &notice).await?;
        Ok(())
    }

    /// What a failed attempt leads to.
    async fn on_error(
        &self,
        o: &Outbound,
        ticket: Option<&Ticket>,
        e: ChannelError,
    ) -> Result<Outcome, EngineError> {
        let now = self.clock.now();
        let err = e.to_string();
        match e {
            ChannelError::RateLimited { retry_after_ms } => {
                let wait = i64::try_from(retry_after_ms).unwrap_or(i64::MAX).max(100);
                self.store
                    .outbox_retry(o.id, now.plus_millis(wait), Some(&err))
                    .await?;
                Ok(Outcome::Retry)
            }
            ChannelError::Unavailable(_) => {
                let horizon = self.cfg.outbox.retry_horizon_minutes * 60_000;
                if now.millis() - o.row.created_at.millis() >= horizon {
                    let why = format!("still failing after the retry horizon: {err}");
                    return self.give_up(o, ticket, &why).await;
                }
                let shift = o.attempts.clamp(0, 20) as u32;
                let wait = FIRST_BACKOFF_MS
                    .saturating_mul(1i64 << shift)
                    .min(MAX_BACKOFF_MS);
                self.store
                    .outbox_retry(o.id, now.plus_millis(wait), Some(&err))
                    .await?;
                Ok(Outcome::Retry)
            }
            ChannelError::Unreachable(_) | ChannelError::RoomGone(_)
                if matches!(o.row.dest, Destination::Endpoint(_)) =>
            {
                self.store.outbox_failed(o.id, &err, now).await?;
                self.metrics.send_failure(&o.row.platform);
                warn!(row = o.id.0, error = %err, "recipient unreachable: given up");
                let Some(t) = ticket else {
                    return Ok(Outcome::Failed(None));
                };
                {
                    self.store
                        .add_event(t.id, EventKind::Unreachable, None, &err, now)
                        .await?;
                    let (number, platform) = (t.number.to_string(), o.row.platform.to_string());
                    let preview = o.row.delivery.preview(120);
                    let text = self.desk_text(
                        Text::CustomerUnreachable,
                        &[
                            ("number", &number),
                            ("platform", &platform),
                            ("preview", &preview),
                        ],
                    );
                    self.notify_room(t, &text).await
                }
            }
            _ => self.give_up(o, ticket, &err).await,
        }
    }

    /// Gives a row up for good: recorded on the row and the ticket, logged, counted, and told
    /// to the agents when it was meant for the customer.
    async fn give_up(
        &self,
        o: &Outbound,
        ticket: Option<&Ticket>,
        why: &str,
    ) -> Result<Outcome, EngineError> {
        let now = self.clock.now();
        self.store.outbox_failed(o.id, why, now).await?;
        self.metrics.send_failure(&o.row.platform);
        match ticket {
            Some(t) => {
                error!(ticket = t.number, desk = %t.desk, row = o.id.0, error = %why, "delivery given up");
                let what = match &o.row.dest {
                    Destination::Room(_) => "send to the room",
                    Destination::Endpoint(_) => "send to the customer",
                };
                self.store
                    .add_event(
                        t.id,
                        EventKind::SendFailed,
                        None,
                        &format!("{what}: {why}"),
                        now,
                    )
                    .await?;
                if matches!(o.row.dest, Destination::Endpoint(_)) {
                    let (number, preview) = (t.number.to_string(), o.row.delivery.preview(120));
                    let text = self.desk_text(
                        Text::NotDelivered,
                        &[("number", &number), ("reason", why), ("preview", &preview)],
                    );
                    return self.notify_room(t, &text).await;
                }
            }
            None => error!(row = o.id.0, error = %why, "delivery given up"),
        }
        Ok(Outcome::Failed(None))
    }

    /// Writes a notice for a ticket's room to the outbox (delivered in the room's order).
    async fn notify_room(&self, t: &Ticket, text: &str) -> Result<Outcome, EngineError> {
        let dest = Destination::Room(t.id);
        let queue = NewOutbound::queue_of(&dest);
        let row = NewOutbound {
            queue: queue.clone(),
            platform: self.cfg.desk.endpoint().platform,
            dest,
            delivery: Delivery::Send(OutMessage::plain(MessageKind::Notice, text)),
            ticket: Some(t.id),
            created_at: self.clock.now(),
        };
        self.store.enqueue(&row, None).await?;
        Ok(Outcome::Failed(Some(queue)))
    }
}

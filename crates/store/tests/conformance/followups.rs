//! Follow-ups: what an open ticket waits for, next-response reminders, reminders to silent
//! customers and automatic closes, each handed to exactly one caller.

use std::sync::Arc;

use frontdesk_core::*;

use super::{T0, agent, customer, new_ticket};

const MIN: i64 = 60_000;

/// The reminder levels due at `now` for a calendar-time target (what the Engine computes
/// when no support hours are set).
pub(crate) fn levels(now: Timestamp, target: i64, max: i64) -> Vec<(i64, Timestamp)> {
    (1..=max)
        .map(|l| (l, now.plus_millis(-l * target)))
        .collect()
}

fn ids(v: &[(Ticket, i64)]) -> Vec<(TicketId, i64)> {
    v.iter().map(|(t, l)| (t.id, *l)).collect()
}

fn at(min: i64) -> Timestamp {
    T0.plus_millis(min * MIN)
}

pub(crate) async fn waiting_follows_agent_and_customer_replies(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let t = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    // Before any agent reply, the first-response reminders are in charge.
    s.record_customer_reply(t.id, at(0)).await.unwrap();
    assert!(
        s.take_due_next_reminders("eu", &[(1, at(999))])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.take_due_nudges("eu", at(999)).await.unwrap().is_empty());

    s.record_agent_reply(t.id, &agent("ann"), at(1))
        .await
        .unwrap();
    assert!(
        s.take_due_nudges("eu", at(1).plus_millis(-1))
            .await
            .unwrap()
            .is_empty()
    );
    let nudged = s.take_due_nudges("eu", at(1)).await.unwrap();
    assert_eq!(nudged.iter().map(|t| t.id).collect::<Vec<_>>(), vec![t.id]);
    assert!(
        s.take_due_nudges("eu", at(999)).await.unwrap().is_empty(),
        "once"
    );

    // The customer writes twice: the ticket waits on the agents since the first message.
    let waiting = async |s: &Arc<dyn Store>| {
        let t = s.ticket(t.id).await.unwrap().unwrap();
        (t.customer_waiting_since, t.customer_starts_waiting())
    };
    assert_eq!(waiting(&s).await, (None, true));
    s.record_customer_reply(t.id, at(10)).await.unwrap();
    s.record_customer_reply(t.id, at(20)).await.unwrap();
    assert_eq!(waiting(&s).await, (Some(at(10)), false), "since the first");
    assert!(
        s.take_due_next_reminders("eu", &[(1, at(10).plus_millis(-1))])
            .await
            .unwrap()
            .is_empty()
    );
    let due = s
        .take_due_next_reminders("eu", &[(1, at(10))])
        .await
        .unwrap();
    assert_eq!(ids(&due), vec![(t.id, 1)]);
    // A waiting customer is not silent.
    assert!(
        s.take_due_auto_closes("eu", at(999), at(999), "x")
            .await
            .unwrap()
            .is_empty()
    );

    // The next agent reply: the ticket waits on the customer again, follow-ups re-armed.
    s.record_agent_reply(t.id, &agent("ann"), at(30))
        .await
        .unwrap();
    assert_eq!(waiting(&s).await, (None, true));
    assert!(
        s.take_due_next_reminders("eu", &[(1, at(999))])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.take_due_nudges("eu", at(29)).await.unwrap().is_empty());
    let nudged = s.take_due_nudges("eu", at(30)).await.unwrap();
    assert_eq!(nudged.len(), 1);
}

pub(crate) async fn next_response_reminders_are_handed_out_once_per_level(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let target = 15 * MIN;
    let t1 = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    let t2 = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    let other_desk = s.open_ticket(&new_ticket(&c, "us", T0)).await.unwrap();
    for t in [&t1, &t2, &other_desk] {
        s.record_agent_reply(t.id, &agent("ann"), at(1))
            .await
            .unwrap();
    }
    s.record_customer_reply(t1.id, at(2)).await.unwrap();
    s.record_customer_reply(t2.id, at(12)).await.unwrap();
    s.record_customer_reply(other_desk.id, at(2)).await.unwrap();

    let take = |now: Timestamp| {
        let s = s.clone();
        async move {
            ids(&s
                .take_due_next_reminders("eu", &levels(now, target, 2))
                .await
                .unwrap())
        }
    };
    assert!(take(at(16)).await.is_empty());
    assert_eq!(take(at(17)).await, vec![(t1.id, 1)]);
    assert!(take(at(17)).await.is_empty(), "not twice");
    // Late: t1 reaches level 2 and t2 jumps straight to it.
    assert_eq!(take(at(60)).await, vec![(t1.id, 2), (t2.id, 2)]);
    assert!(take(at(600)).await.is_empty(), "at most two");

    // Answered, then a new message: the levels start again.
    s.record_agent_reply(t1.id, &agent("ann"), at(601))
        .await
        .unwrap();
    s.record_customer_reply(t1.id, at(602)).await.unwrap();
    assert_eq!(take(at(617)).await, vec![(t1.id, 1)]);
}

pub(crate) async fn silent_customers_are_reminded_then_closed_once(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let t = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    let other_desk = s.open_ticket(&new_ticket(&c, "us", T0)).await.unwrap();
    let no_reply = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    s.record_agent_reply(t.id, &agent("ann"), at(0))
        .await
        .unwrap();
    s.record_agent_reply(other_desk.id, &agent("ann"), at(0))
        .await
        .unwrap();

    assert_eq!(s.take_due_nudges("eu", at(0)).await.unwrap().len(), 1);
    assert!(
        s.take_due_auto_closes("eu", at(0).plus_millis(-1), at(100), "x")
            .await
            .unwrap()
            .is_empty()
    );
    let closed = s
        .take_due_auto_closes("eu", at(0), at(100), "no reply from the customer for 48 h")
        .await
        .unwrap();
    assert_eq!(closed.iter().map(|t| t.id).collect::<Vec<_>>(), vec![t.id]);
    assert_eq!(closed[0].status, TicketStatus::Closed);
    assert_eq!(closed[0].closed_at, Some(at(100)));
    let stored = s.ticket(t.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.closed_at),
        (TicketStatus::Closed, Some(at(100)))
    );
    let e = s.ticket_events(t.id).await.unwrap().pop().unwrap();
    assert_eq!(e.kind, EventKind::Closed);
    assert_eq!(e.actor_id, None, "never counted as an agent's close");
    assert_eq!(e.actor_name.as_deref(), Some(AUTO_CLOSE_ACTOR));
    assert_eq!(e.detail, "no reply from the customer for 48 h");
    assert!(
        s.take_due_auto_closes("eu", at(999), at(999), "x")
            .await
            .unwrap()
            .is_empty(),
        "once"
    );
    assert_eq!(
        s.ticket(no_reply.id).await.unwrap().unwrap().status,
        TicketStatus::Open
    );
    assert_eq!(
        s.ticket(other_desk.id).await.unwrap().unwrap().status,
        TicketStatus::Open
    );

    // Reopened (by the customer): the silence before the close no longer counts...
    assert!(s.reopen_ticket(t.id, None, at(200)).await.unwrap());
    assert!(
        s.take_due_auto_closes("eu", at(999), at(999), "x")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.take_due_nudges("eu", at(999)).await.unwrap().is_empty());
    // ...their message makes the ticket wait on the agents...
    s.record_customer_reply(t.id, at(200)).await.unwrap();
    let due = s
        .take_due_next_reminders("eu", &[(1, at(300))])
        .await
        .unwrap();
    assert_eq!(ids(&due), vec![(t.id, 1)]);
    // ...and the next agent reply starts the silence anew.
    s.record_agent_reply(t.id, &agent("ann"), at(300))
        .await
        .unwrap();
    assert_eq!(
        s.take_due_auto_closes("eu", at(300), at(400), "x")
            .await
            .unwrap()
            .len(),
        1
    );
}

pub(crate) async fn concurrent_follow_up_takers_get_each_once(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let mut silent = Vec::new();
    let mut waiting = Vec::new();
    for i in 0..16 {
        let t = s.open_ticket(&new_ticket(&c, "race", T0)).await.unwrap();
        s.record_agent_reply(t.id, &agent("ann"), at(0))
            .await
            .unwrap();
        if i % 2 == 0 {
            silent.push(t.id);
        } else {
            s.record_customer_reply(t.id, at(1)).await.unwrap();
            waiting.push(t.id);
        }
    }
    let mut handles = Vec::new();
    for _ in 0..6 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            let nudged = s.take_due_nudges("race", at(10)).await.unwrap();
            let next = s
                .take_due_next_reminders("race", &levels(at(100), 15 * MIN, 2))
                .await
                .unwrap();
            let closed = s
                .take_due_auto_closes("race", at(10), at(100), "auto")
                .await
                .unwrap();
            (nudged, next, closed)
        }));
    }
    let (mut nudged, mut next, mut closed) = (Vec::new(), Vec::new(), Vec::new());
    for h in handles {
        let (n, x, c) = h.await.unwrap();
        nudged.extend(n.into_iter().map(|t| t.id));
        next.extend(x.into_iter().map(|(t, l)| (t.id, l)));
        closed.extend(c.into_iter().map(|t| t.id));
    }
    nudged.sort();
    next.sort();
    closed.sort();
    assert_eq!(nudged, silent, "each customer reminded once");
    assert_eq!(closed, silent, "each silent ticket closed once");
    assert_eq!(next, waiting.iter().map(|id| (*id, 2)).collect::<Vec<_>>());
    for id in &silent {
        let closes = s
            .ticket_events(*id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == EventKind::Closed)
            .count();
        assert_eq!(closes, 1);
    }
}

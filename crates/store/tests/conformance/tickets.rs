//! Opening tickets: numbers per desk without gaps or duplicates, the transcript a ticket
//! takes over, and what an escalation does in one call.

use std::sync::Arc;

use frontdesk_core::*;

use super::{T0, customer, dm, msg, new_ticket};

pub(crate) async fn an_escalation_opens_the_ticket_moves_the_customer_and_returns_the_transcript(
    s: Arc<dyn Store>,
) {
    let c = customer(s.as_ref(), "1").await;
    let other = customer(s.as_ref(), "2").await;
    for (who, body, id, at) in [
        (&c, "old question", "a", T0.plus_millis(-2 * 3_600_000)),
        (&c, "first", "b", T0.plus_millis(-60_000)),
        (&other, "not theirs", "c", T0.plus_millis(-30_000)),
        (&c, "second", "d", T0.plus_millis(-1_000)),
    ] {
        s.record_message(&msg(who, None, body, Some(id), at))
            .await
            .unwrap();
    }
    s.open_ticket(&new_ticket(&other, "eu", T0)).await.unwrap();
    let u = s.begin("customer:1").await.unwrap();
    let opened = u
        .open_customer_ticket(&new_ticket(&c, "eu", T0))
        .await
        .unwrap();
    u.commit().await.unwrap();
    let t = opened.ticket;
    assert_eq!(t.number, 2);
    assert_eq!(
        opened
            .transcript
            .iter()
            .map(|m| m.body.as_str())
            .collect::<Vec<_>>(),
        vec!["first", "second"],
        "the recent messages, oldest first"
    );
    assert_eq!(opened.transcript, s.ticket_messages(t.id).await.unwrap());
    assert_eq!(s.ticket(t.id).await.unwrap().unwrap(), t);
    assert_eq!(
        s.customer(c.id).await.unwrap().unwrap().state,
        ConversationState::InTicket { ticket: t.id }
    );
    assert_eq!(
        s.customer(other.id).await.unwrap().unwrap().state,
        ConversationState::Idle,
        "open_ticket alone leaves the conversation as it is"
    );
    // A unit that opens and is dropped leaves no ticket and no number taken.
    let u = s.begin("customer:1").await.unwrap();
    u.open_customer_ticket(&new_ticket(&c, "eu", T0))
        .await
        .unwrap();
    drop(u);
    let t3 = s.open_ticket(&new_ticket(&other, "eu", T0)).await.unwrap();
    assert_eq!(t3.number, 3);
}

pub(crate) async fn tickets_number_per_desk_and_take_the_recent_transcript(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let old = T0.plus_millis(-2 * 3_600_000);
    s.record_message(&msg(&c, None, "old question", Some("a"), old))
        .await
        .unwrap();
    s.record_message(&msg(
        &c,
        None,
        "recent question",
        Some("b"),
        T0.plus_millis(-60_000),
    ))
    .await
    .unwrap();
    let t1 = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    let t2 = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    let u1 = s.open_ticket(&new_ticket(&c, "us", T0)).await.unwrap();
    assert_eq!((t1.number, t2.number, u1.number), (1, 2, 1));
    assert_eq!(t1.status, TicketStatus::Open);
    assert_eq!(t1.priority, Priority::Normal);
    assert_eq!(t1.customer_endpoint, dm("1"));
    assert_eq!(t1.lang, "lt");
    assert_eq!(t1.bot_tried, "order-status");
    assert!(t1.room.is_none() && t1.assignee.is_none() && t1.tags.is_empty());
    let tr = s.ticket_messages(t1.id).await.unwrap();
    assert_eq!(
        tr.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        vec!["recent question"]
    );
    assert!(
        s.ticket_messages(t2.id).await.unwrap().is_empty(),
        "messages join one ticket only"
    );
    assert_eq!(
        s.ticket_by_number("eu", 2).await.unwrap().unwrap().id,
        t2.id
    );
    assert!(s.ticket_by_number("eu", 3).await.unwrap().is_none());
    assert_eq!(s.ticket(t1.id).await.unwrap().unwrap(), t1);
    let events = s.ticket_events(t1.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Opened);
}

pub(crate) async fn concurrent_escalations_get_unique_consecutive_numbers(s: Arc<dyn Store>) {
    let mut handles = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            // Every fourth opening is the same customer's: a customer may hold several.
            let user = if i % 4 == 0 {
                "same".into()
            } else {
                format!("c{i}")
            };
            let c = customer(s.as_ref(), &user).await;
            s.open_ticket(&new_ticket(&c, "eu", T0))
                .await
                .unwrap()
                .number
        }));
    }
    let mut numbers = Vec::new();
    for h in handles {
        numbers.push(h.await.unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=40).collect::<Vec<i64>>());
}

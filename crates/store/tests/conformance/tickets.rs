//! Opening tickets: what an escalation does in one call.

use std::sync::Arc;

use frontdesk_core::*;

use super::{T0, customer, msg, new_ticket};

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

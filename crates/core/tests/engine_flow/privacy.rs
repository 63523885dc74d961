//! Blocking (`/block`, `/unblock`), erasure (`/forget` and requests in the customer's words,
//! confirmed with a button; `/erase` by an agent) and the retention policy on the tick.

use std::sync::Arc;

use frontdesk_core::testing::MemoryStore;
use frontdesk_core::texts::{Text, builtin};
use frontdesk_core::*;

use crate::common::T0;
use crate::harness::*;

fn text(lang: &str, t: Text) -> &'static str {
    builtin(lang, t).unwrap()
}

fn relays(h: &Harness, room: &Endpoint) -> usize {
    h.to_room(room)
        .iter()
        .filter(|m| matches!(m.kind, MessageKind::CustomerRelay { .. }))
        .count()
}

async fn customer_of(h: &Harness, user: &str) -> Option<Customer> {
    h.store
        .customer_by_user(&Platform::terminal(), user)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_blocked_customer_is_recorded_not_answered_or_relayed_and_told_once() {
    let h = harness();
    let room = h.open_ticket("b").await;
    let relayed = relays(&h, &room);
    h.agent("Alice", &room, "/block spam and insults").await;
    let notice = h.to_room(&room).pop().unwrap();
    assert!(notice.text.contains("Alice blocked") && notice.text.contains("spam and insults"));
    let t = h.ticket(1).await;
    let events = h.store.ticket_events(t.id).await.unwrap();
    let blocked = events
        .iter()
        .find(|e| e.kind == EventKind::Blocked)
        .unwrap();
    assert_eq!(
        (blocked.detail.as_str(), blocked.actor_name.as_deref()),
        ("spam and insults", Some("Alice"))
    );
    // A second /block says so and changes nothing.
    h.agent("Bob", &room, "/block").await;
    assert!(
        h.to_room(&room)
            .pop()
            .unwrap()
            .text
            .contains("blocked already")
    );

    let before = h.to_customer("b").len();
    for q in ["hello??", "Where is my order?", "/human", "answer me"] {
        assert_eq!(h.say("b", q).await, Handled::Done);
    }
    let told: Vec<OutMessage> = h.to_customer("b")[before..].to_vec();
    assert_eq!(told.len(), 1, "told once: {told:?}");
    assert_eq!(told[0].text, text("en", Text::Blocked));
    assert_eq!(relays(&h, &room), relayed, "nothing relayed");
    // Everything was recorded in the ticket's transcript.
    let bodies: Vec<String> = h
        .store
        .ticket_messages(t.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert!(bodies.iter().any(|b| b == "answer me"), "{bodies:?}");

    h.agent("Alice", &room, "/unblock").await;
    assert!(h.to_room(&room).pop().unwrap().text.contains("unblocked"));
    h.say("b", "are you there?").await;
    assert_eq!(relays(&h, &room), relayed + 1);
    let events = h.store.ticket_events(t.id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventKind::Unblocked)
            .count(),
        1
    );
    h.agent("Alice", &room, "/unblock").await;
    assert!(h.to_room(&room).pop().unwrap().text.contains("not blocked"));
}

#[tokio::test]
async fn a_customer_blocked_outside_a_ticket_gets_no_answers_and_a_new_block_is_told_again() {
    let h = harness();
    h.say("c", "hi").await;
    let c = customer_of(&h, "c").await.unwrap();
    // As `frontdesk customers block` does.
    h.store
        .set_block(c.id, Some(("", "cli")), T0)
        .await
        .unwrap();
    h.say("c", "Where is my order?").await;
    h.say("c", "Where is my order?").await;
    let msgs = h.to_customer("c");
    assert!(msgs.iter().all(|m| m.kind != MessageKind::Answer));
    assert_eq!(msgs.last().unwrap().text, text("en", Text::Blocked));
    assert_eq!(
        msgs.iter()
            .filter(|m| m.text == text("en", Text::Blocked))
            .count(),
        1
    );
    assert!(
        h.channel.rooms().is_empty(),
        "no ticket for a blocked customer"
    );
    h.store.set_block(c.id, None, T0).await.unwrap();
    h.store
        .set_block(c.id, Some(("", "cli")), T0)
        .await
        .unwrap();
    h.say("c", "hello").await;
    assert_eq!(h.last_to_customer("c").text, text("en", Text::Blocked));
    // The flood guard still counts a blocked customer's messages.
    for i in 0..25 {
        h.say("c", &format!("spam {i}")).await;
    }
    assert_eq!(
        h.to_customer("c")
            .iter()
            .filter(|m| m.text == text("en", Text::SlowDown))
            .count(),
        1
    );
}

#[tokio::test]
async fn forget_asks_to_confirm_and_the_button_erases_everything() {
    let h = harness();
    let room = h.open_ticket("zq").await;
    h.say("zq", "My card number is QXJ4471").await;
    h.agent("Alice", &room, "Hello Customer zq, about QXJ4471")
        .await;

    h.say("zq", "/forget").await;
    let ask = h.last_to_customer("zq");
    assert_eq!(ask.text, text("en", Text::ForgetConfirm));
    assert_eq!(payloads(&ask), vec!["forget", "keepdata"]);
    assert_eq!(ask.buttons[0].label, text("en", Text::ButtonForget));
    // "Keep my data" erases nothing.
    h.press("zq", "keepdata").await;
    assert_eq!(h.last_to_customer("zq").text, text("en", Text::ForgetKept));
    let c = customer_of(&h, "zq").await.expect("still there");
    let t = h.ticket(1).await;
    assert_eq!(t.status, TicketStatus::Open);

    h.say("zq", "/forget").await;
    h.press("zq", "forget").await;
    assert_eq!(h.last_to_customer("zq").text, text("en", Text::Forgotten));
    assert!(customer_of(&h, "zq").await.is_none());
    let t = h.ticket(1).await;
    assert_eq!(t.status, TicketStatus::Closed);
    assert_eq!(
        (t.customer_name.as_str(), t.subject.as_str()),
        (ERASED_NAME, "")
    );
    let notice = h.to_room(&room).pop().unwrap();
    assert!(
        notice.text.contains("erased at their request"),
        "{}",
        notice.text
    );
    assert!(
        h.channel
            .calls()
            .iter()
            .any(|c| matches!(c, frontdesk_core::testing::Call::Close(..)))
    );
    // No trace of the name or the words in what the Store gives back.
    let mut all = format!("{:?}", h.store.customer(c.id).await.unwrap());
    all += &format!("{:?}", h.store.ticket_messages(t.id).await.unwrap());
    all += &format!("{:?}", h.store.customer_messages(c.id, 1000).await.unwrap());
    all += &format!(
        "{:?}",
        h.store.bot_replies_since(Timestamp(0)).await.unwrap()
    );
    all += &format!("{:?}", h.store.ticket_outbox(t.id).await.unwrap());
    all += &format!("{:?}", h.store.ticket_events(t.id).await.unwrap());
    all += &format!(
        "{:?}",
        h.store
            .list_tickets(&TicketFilter::default())
            .await
            .unwrap()
    );
    for needle in ["QXJ4471", "Customer zq", "dm-zq", "Where is my order"] {
        assert!(!all.contains(needle), "{needle} left in {all}");
    }
    // The report's figures stay: the ticket's times and its first response.
    assert!(t.first_response_at.is_some() && t.closed_at.is_some());
    // Writing again starts afresh, as a new customer.
    h.say("zq", "hello").await;
    let again = customer_of(&h, "zq").await.unwrap();
    assert_ne!(again.id, c.id);
    assert_eq!(again.state, ConversationState::Idle);
}

#[tokio::test]
async fn a_request_to_erase_in_the_customers_words_asks_to_confirm_in_their_language() {
    let h = harness();
    for (user, said, lang) in [
        ("e1", "please erase my personal data", "en"),
        ("e2", "Prašau ištrinti mano duomenis", "lt"),
        ("e3", "Palun kustutage minu andmed", "et"),
    ] {
        h.say(user, said).await;
        let m = h.last_to_customer(user);
        assert_eq!(m.text, text(lang, Text::ForgetConfirm), "{said}");
        assert_eq!(payloads(&m), vec!["forget", "keepdata"], "{said}");
        assert_eq!(m.buttons[1].label, text(lang, Text::ButtonKeep));
    }
    // A question about deleting an account is a question, not a request to erase.
    h.say("e4", "How do I delete my account?").await;
    assert_ne!(
        h.last_to_customer("e4").text,
        text("en", Text::ForgetConfirm)
    );
}

#[tokio::test]
async fn a_blocked_customer_may_still_have_their_data_erased() {
    let h = harness();
    let room = h.open_ticket("bf").await;
    h.agent("Alice", &room, "/block").await;
    h.say("bf", "/forget").await;
    assert_eq!(
        h.last_to_customer("bf").text,
        text("en", Text::ForgetConfirm)
    );
    h.press("bf", "forget").await;
    assert_eq!(h.last_to_customer("bf").text, text("en", Text::Forgotten));
    assert!(customer_of(&h, "bf").await.is_none());
    assert!(h.store.blocked_customers().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_agent_erases_with_slash_erase() {
    let h = harness();
    let room = h.open_ticket("ae").await;
    h.say("ae", "my address is 12 QXJ Street").await;
    h.agent("Alice", &room, "/erase").await;
    let notice = h.to_room(&room).pop().unwrap();
    assert!(notice.text.contains("Alice erased"), "{}", notice.text);
    assert_eq!(h.last_to_customer("ae").text, text("en", Text::Forgotten));
    let t = h.ticket(1).await;
    assert_eq!(t.status, TicketStatus::Closed);
    let msgs = h.store.ticket_messages(t.id).await.unwrap();
    assert!(!msgs.is_empty() && msgs.iter().all(|m| m.body.is_empty()));
    assert!(customer_of(&h, "ae").await.is_none());
    let events = h.store.ticket_events(t.id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventKind::Erased)
            .count(),
        1
    );
}

#[tokio::test]
async fn retention_erases_transcripts_of_tickets_closed_longer_ago_once_across_replicas() {
    let mut cfg = config();
    cfg.retention.days = 30;
    let store = MemoryStore::new();
    let h = harness_with(cfg.clone(), store.clone());
    let room = h.open_ticket("r").await;
    h.agent("Alice", &room, "Your parcel left today.").await;
    h.agent("Alice", &room, "/close").await;
    let t = h.ticket(1).await;
    let bodies = |msgs: Vec<Message>| msgs.into_iter().filter(|m| !m.body.is_empty()).count();
    h.clock.advance_minutes(29 * 24 * 60);
    assert_eq!(h.engine.tick().await.unwrap().erased, 0);
    assert!(bodies(store.ticket_messages(t.id).await.unwrap()) > 2);
    h.clock.advance_minutes(2 * 24 * 60);
    // A second replica on the same Store ticks at the same time.
    let other = harness_with(cfg, store.clone());
    other
        .clock
        .advance_millis(h.clock.now().millis() - T0.millis());
    let (a, b) = tokio::join!(h.engine.tick(), other.engine.tick());
    assert_eq!(a.unwrap().erased + b.unwrap().erased, 1);
    assert_eq!(bodies(store.ticket_messages(t.id).await.unwrap()), 0);
    assert_eq!(h.engine.tick().await.unwrap().erased, 0);
    let events = store.ticket_events(t.id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventKind::Erased && e.detail == "retention")
            .count(),
        1
    );
    let t2 = h.ticket(1).await;
    assert_eq!(
        (t2.opened_at, t2.closed_at, t2.first_response_at),
        (t.opened_at, t.closed_at, t.first_response_at)
    );
    let _: Arc<MemoryStore> = store;
}

#[tokio::test]
async fn a_negative_retention_is_refused_with_the_key() {
    let mut cfg = config();
    cfg.retention.days = -1;
    let err = Engine::new(
        cfg,
        MemoryStore::new(),
        Router::new(),
        frontdesk_core::testing::ManualClock::new(T0),
        kb(),
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("retention.days"), "{err}");
}

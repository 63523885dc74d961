//! Engine flow tests: every branch of the conversation and ticket flow, with the in-memory
//! Store, a recording Channel and a manual clock.

use frontdesk_core::testing::{Call, CountingRecorder, MemoryStore};
use frontdesk_core::*;

#[path = "../common/mod.rs"]
mod common;
mod followups;
mod harness;
mod privacy;
mod survey;
mod transcript;

use common::T0;
use harness::*;

#[tokio::test]
async fn confident_answer_with_solved_and_human_buttons() {
    let h = harness();
    assert_eq!(h.say("a", "where is my order").await, Handled::Done);
    let m = h.last_to_customer("a");
    assert_eq!(m.kind, MessageKind::Answer);
    assert_eq!(m.markup, Markup::Markdown);
    assert!(m.text.contains("My account → Orders"));
    let p = payloads(&m);
    assert!(p[0].starts_with("solved:"), "{p:?}");
    assert!(p[1].starts_with("unsolved:"), "{p:?}");
    let ConversationState::Answered { reply } = h.state("a").await else {
        panic!("expected Answered");
    };
    let r = h.store.bot_reply(reply).await.unwrap().unwrap();
    assert_eq!(r.outcome, ReplyOutcome::Answered);
    assert_eq!(r.entry_id.as_deref(), Some("order-status"));
    assert!(r.confidence >= 0.5 && r.confidence <= 1.0);

    // "Solved" records the feedback and thanks the customer.
    h.press("a", p[0]).await;
    let r = h.store.bot_reply(reply).await.unwrap().unwrap();
    assert_eq!(r.feedback, Some(Feedback::Solved));
    assert_eq!(
        h.last_to_customer("a").text,
        texts::builtin("en", texts::Text::GladToHelp).unwrap()
    );
    assert_eq!(h.state("a").await, ConversationState::Idle);
    assert!(
        h.channel.rooms().is_empty(),
        "no ticket for a solved question"
    );
}

#[tokio::test]
async fn typo_and_missing_diacritics_still_answer_in_the_customers_language() {
    let h = harness();
    h.say("lt1", "kur mano uzsakymas").await;
    let m = h.last_to_customer("lt1");
    assert_eq!(m.kind, MessageKind::Answer);
    assert!(m.text.contains("Mano paskyra → Užsakymai"), "{}", m.text);
    // The buttons are in Lithuanian.
    assert_eq!(
        m.buttons[0].label,
        texts::builtin("lt", texts::Text::ButtonSolved).unwrap()
    );

    h.say("et1", "kus on minu tellimus").await;
    assert!(h.last_to_customer("et1").text.contains("Minu konto"));
}

#[tokio::test]
async fn unsure_offers_did_you_mean_choices_that_answer_when_pressed() {
    let mut cfg = config();
    cfg.matching.answer_threshold = 0.999;
    cfg.matching.suggest_threshold = 0.01;
    let h = harness_with(cfg, MemoryStore::new());
    h.say("b", "track order parcel").await;
    let m = h.last_to_customer("b");
    assert_eq!(
        m.text,
        texts::builtin("en", texts::Text::DidYouMean).unwrap()
    );
    let p = payloads(&m);
    assert!(p.len() >= 2 && p.len() <= 4, "{p:?}");
    assert_eq!(*p.last().unwrap(), "human");
    assert!(p[0].starts_with("kb:"), "{p:?}");
    let ids: Vec<&str> = p[..p.len() - 1].to_vec();
    let mut dedup = ids.clone();
    dedup.dedup();
    assert_eq!(ids, dedup, "choices are distinct entries");

    h.press("b", "kb:en:order-status").await;
    let m = h.last_to_customer("b");
    assert_eq!(m.kind, MessageKind::Answer);
    assert!(m.text.contains("Track your order"));
    assert!(matches!(
        h.state("b").await,
        ConversationState::Answered { .. }
    ));
}

#[tokio::test]
async fn nothing_close_escalates_with_ticket_number_room_and_summary() {
    let h = harness();
    h.say("c", "My parcel number is 4471").await;
    h.say("c", "quantum chromodynamics lecture timetable").await;
    let msgs = h.to_customer("c");
    let n = msgs.len();
    assert_eq!(
        msgs[n - 2].text,
        texts::builtin("en", texts::Text::NoAnswer).unwrap()
    );
    assert!(msgs[n - 1].text.contains("#1"), "{}", msgs[n - 1].text);

    let rooms = h.channel.rooms();
    assert_eq!(rooms.len(), 1);
    assert!(
        rooms[0].0.starts_with("#1 · quantum chromodynamics"),
        "{}",
        rooms[0].0
    );
    let summary = &h.to_room(&rooms[0].1)[0];
    assert_eq!(summary.kind, MessageKind::Summary);
    assert!(summary.mention_agents);
    assert_eq!(summary.markup, Markup::Plain);
    assert!(summary.text.contains("Customer c"));
    assert!(
        summary.text.contains("quantum chromodynamics"),
        "transcript in summary"
    );
    assert!(summary.text.contains("4471"), "earlier messages in summary");

    let t = h.ticket(1).await;
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.room.as_ref(), Some(&rooms[0].1));
    let transcript = h.store.ticket_messages(t.id).await.unwrap();
    assert!(
        transcript
            .iter()
            .any(|m| m.body == "My parcel number is 4471")
    );
    assert_eq!(
        h.state("c").await,
        ConversationState::InTicket { ticket: t.id }
    );
    let r = h.store.bot_replies_since(T0).await.unwrap();
    assert_eq!(r.last().unwrap().outcome, ReplyOutcome::Escalated);
}

#[tokio::test]
async fn handoff_phrases_in_every_language_and_slash_human() {
    let h = harness();
    h.say("e1", "I want to talk to a person please").await;
    h.say("e2", "Noriu kalbėti su žmogumi").await;
    h.say("e3", "Soovin rääkida inimesega").await;
    h.say("e4", "/human").await;
    assert_eq!(h.channel.rooms().len(), 4);
    for (i, user) in ["e1", "e2", "e3", "e4"].into_iter().enumerate() {
        let t = h.ticket(i as i64 + 1).await;
        assert!(
            matches!(h.state(user).await, ConversationState::InTicket { ticket } if ticket == t.id)
        );
    }
    // Acknowledged in the customer's language.
    let lt = h.last_to_customer("e2").text;
    assert!(lt.contains("užklausą #2"), "{lt}");
    let et = h.last_to_customer("e3").text;
    assert!(et.contains("pöördumise #3"), "{et}");
    assert_eq!(h.ticket(2).await.lang, "lt");
}

#[tokio::test]
async fn requests_for_a_person_in_the_customers_own_words_and_configured_extras() {
    let mut cfg = config();
    cfg.conversation
        .handoff_phrases
        .insert("en".into(), vec!["summon the concierge".into()]);
    let h = harness_with(cfg, MemoryStore::new());
    // Built-in phrasings, matched fuzzily: short, typo, other language, with a topic.
    for (user, text) in [
        ("h1", "agent"),
        ("h2", "get me a humna pls"),
        ("h3", "palun klienditeenindajat"),
        ("h4", "I want to talk to a person about my refund"),
        ("h5", "Summon the concierge!"),
    ] {
        h.say(user, text).await;
        assert!(
            matches!(h.state(user).await, ConversationState::InTicket { .. }),
            "{text}"
        );
    }
    assert_eq!(h.channel.rooms().len(), 5);
    let t = h.ticket(1).await;
    assert_eq!(t.bot_tried, "asked for a person");
    // A question that only mentions a person is a question: the KB answers it.
    h.say("q", "Where is my order? The courier person said it left")
        .await;
    assert!(
        matches!(h.state("q").await, ConversationState::Answered { .. }),
        "{:?}",
        h.last_to_customer("q")
    );
    assert_eq!(h.channel.rooms().len(), 5);
}

#[tokio::test]
async fn not_solved_after_an_answer_escalates_and_records_feedback() {
    let h = harness();
    h.say("f", "How do I return an item?").await;
    let ConversationState::Answered { reply } = h.state("f").await else {
        panic!("answered first");
    };
    h.say("f", "that didn't help").await;
    assert_eq!(
        h.store.bot_reply(reply).await.unwrap().unwrap().feedback,
        Some(Feedback::NotSolved)
    );
    let t = h.ticket(1).await;
    assert_eq!(t.subject, "How do I return an item?");
    assert!(t.bot_tried.contains("return-policy"), "{}", t.bot_tried);

    // The "Talk to a person" button under an answer does the same.
    h.say("g", "I forgot my password").await;
    let m = h.last_to_customer("g");
    h.press("g", m.buttons[1].payload.as_str()).await;
    assert_eq!(h.channel.rooms().len(), 2);
}

#[tokio::test]
async fn relay_both_ways_notes_stay_internal_and_first_response_is_recorded() {
    let h = harness();
    let room = h.open_ticket("h").await;
    h.clock.advance_minutes(3);
    h.say("h", "It was order 1234, <b>urgent</b> @everyone")
        .await;
    let relayed = h.to_room(&room).pop().unwrap();
    assert_eq!(
        relayed.kind,
        MessageKind::CustomerRelay {
            customer: "Customer h".into()
        }
    );
    assert_eq!(
        relayed.markup,
        Markup::Plain,
        "customer text is never markup"
    );
    assert!(!relayed.mention_agents);
    assert_eq!(relayed.text, "It was order 1234, <b>urgent</b> @everyone");

    h.clock.advance_minutes(2);
    let before = h.to_customer("h").len();
    h.agent("Alice", &room, "/note customer sounds upset").await;
    assert_eq!(h.to_customer("h").len(), before, "notes are not relayed");

    h.agent("Alice", &room, "Hi! Your parcel leaves today.")
        .await;
    let m = h.last_to_customer("h");
    assert_eq!(m.text, "Hi! Your parcel leaves today.");
    assert_eq!(
        m.kind,
        MessageKind::AgentReply {
            agent: "Alice (support)".into()
        }
    );
    let t = h.ticket(1).await;
    assert_eq!(t.first_response_at, Some(T0.plus_millis(5 * 60_000)));
    assert_eq!(
        t.assignee.as_ref().map(|a| a.name.as_str()),
        Some("Alice"),
        "replying claims"
    );

    let msgs = h.store.ticket_messages(t.id).await.unwrap();
    let note = msgs.iter().find(|m| m.author == AuthorKind::Note).unwrap();
    assert_eq!(note.body, "customer sounds upset");
    assert!(
        msgs.iter()
            .any(|m| m.author == AuthorKind::Agent && m.body.contains("leaves today"))
    );
    let kinds: Vec<EventKind> = h
        .store
        .ticket_events(t.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&EventKind::Note));
    assert!(kinds.contains(&EventKind::Replied));
}

#[tokio::test]
async fn claims_have_one_owner_and_non_agents_cannot_act() {
    let h = harness();
    let room = h.open_ticket("i").await;
    h.agent("Alice", &room, "/claim").await;
    assert!(
        h.to_room(&room)
            .last()
            .unwrap()
            .text
            .contains("Alice claimed ticket #1")
    );
    assert!(
        h.last_to_customer("i").text.contains("Alice"),
        "customer told who handles it"
    );
    h.agent("Bob", &room, "/claim").await;
    assert!(
        h.to_room(&room)
            .last()
            .unwrap()
            .text
            .contains("already claimed by Alice")
    );
    assert_eq!(h.ticket(1).await.assignee.unwrap().name, "Alice");

    // A stranger in the room can do nothing.
    assert_eq!(
        h.agent_as("Mallory", Role::Customer, &room, "/close").await,
        Handled::Ignored
    );
    assert_eq!(h.ticket(1).await.status, TicketStatus::Open);

    h.agent("Alice", &room, "/unclaim").await;
    h.agent("Bob", &room, "/claim").await;
    assert_eq!(h.ticket(1).await.assignee.unwrap().name, "Bob");
}

#[tokio::test]
async fn snippets_kb_priority_tags_and_transcript() {
    let h = harness();
    let room = h.open_ticket("j").await;
    h.agent("Alice", &room, "/snippet thanks").await;
    assert_eq!(h.last_to_customer("j").text, "Thanks for waiting!");
    h.agent("Alice", &room, "/snippet nope").await;
    assert!(h.to_room(&room).last().unwrap().text.contains("thanks"));
    h.agent("Alice", &room, "/kb return-policy").await;
    assert_eq!(
        h.last_to_customer("j").text,
        "You can return items within 30 days."
    );
    h.agent("Alice", &room, "/priority urgent").await;
    h.agent("Alice", &room, "/tag vip, Delivery").await;
    let t = h.ticket(1).await;
    assert_eq!(t.priority, Priority::Urgent);
    assert_eq!(t.tags, vec!["delivery".to_owned(), "vip".to_owned()]);
    h.agent("Alice", &room, "/priority whenever").await;
    assert!(
        h.to_room(&room)
            .last()
            .unwrap()
            .text
            .starts_with("Usage: /priority")
    );
    h.agent("Alice", &room, "/transcript").await;
    let tr = h.to_room(&room).last().unwrap().text.clone();
    assert!(
        tr.contains("Where is my order?") && tr.contains("Thanks for waiting!"),
        "{tr}"
    );
}

#[tokio::test]
async fn close_survey_rating_and_comment() {
    let h = harness();
    let recorded = CountingRecorder::install(&h.engine);
    let room = h.open_ticket("k").await;
    h.agent("Alice", &room, "Fixed it for you.").await;
    h.clock.advance_minutes(10);
    h.agent("Alice", &room, "/close").await;
    let t = h.ticket(1).await;
    assert_eq!(t.status, TicketStatus::Closed);
    assert_eq!(t.closed_at, Some(T0.plus_millis(10 * 60_000)));
    let survey = h.last_to_customer("k");
    assert!(survey.text.contains("#1"));
    assert_eq!(
        payloads(&survey),
        vec!["rate:1:1", "rate:1:2", "rate:1:3", "rate:1:4", "rate:1:5"]
    );
    assert!(h.channel.calls().contains(&Call::Close(room.clone())));
    assert!(matches!(
        h.state("k").await,
        ConversationState::Closed { .. }
    ));

    h.press("k", "rate:1:4").await;
    h.say("k", "Quick and friendly").await;
    let s = h.store.survey(t.id).await.unwrap().unwrap();
    assert_eq!(s.score, Some(4));
    assert_eq!(s.comment.as_deref(), Some("Quick and friendly"));
    assert_eq!(h.state("k").await, ConversationState::Idle);
    assert!(h.to_room(&room).iter().any(|m| m.text.contains("4/5")));

    // Another customer cannot rate this ticket.
    h.say("x", "hello").await;
    h.press("x", "rate:1:1").await;
    assert_eq!(h.store.survey(t.id).await.unwrap().unwrap().score, Some(4));

    // The live metrics saw the ticket, the agent's reply and the one rating.
    let m = recorded.tally();
    assert_eq!(m.escalations, 1, "{m:?}");
    assert_eq!(m.agent_messages, 2, "{m:?}");
    assert_eq!(m.survey_scores, [4], "{m:?}");
    assert_eq!(m.first_responses.len(), 1, "{m:?}");
}

#[tokio::test]
async fn typed_score_and_reopen_window() {
    let h = harness();
    let room = h.open_ticket("l").await;
    h.agent("Alice", &room, "/close").await;
    // A typed digit answers the survey.
    h.say("l", "5").await;
    assert_eq!(
        h.store
            .survey(h.ticket(1).await.id)
            .await
            .unwrap()
            .unwrap()
            .score,
        Some(5)
    );
    h.press("l", "nocomment:1").await;
    assert_eq!(h.state("l").await, ConversationState::Idle);

    // Within the window, a message after close reopens the ticket.
    let room2 = h.open_ticket("m").await;
    h.agent("Alice", &room2, "/close").await;
    h.clock.advance_minutes(60);
    h.say("m", "Actually it still doesn't work").await;
    let t = h.ticket(2).await;
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.reopen_count, 1);
    assert!(h.last_to_customer("m").text.contains("#2"));
    assert!(
        h.to_room(&room2)
            .last()
            .unwrap()
            .text
            .contains("still doesn't work")
    );
    assert!(h.channel.calls().contains(&Call::Reopen(room2.clone())));

    // After the window, the customer starts afresh.
    h.agent("Alice", &room2, "/close").await;
    h.clock.advance_minutes(73 * 60);
    h.say("m", "Where is my order?").await;
    assert_eq!(h.ticket(2).await.status, TicketStatus::Closed);
    assert_eq!(h.last_to_customer("m").kind, MessageKind::Answer);
}

#[tokio::test]
async fn duplicate_updates_change_nothing() {
    let h = harness();
    let recorded = CountingRecorder::install(&h.engine);
    h.customer_with_id("n", Content::Text("Where is my order?".into()), "same")
        .await;
    let sent = h.channel.calls().len();
    let replies = h.store.bot_replies_since(T0).await.unwrap().len();
    assert_eq!(
        h.customer_with_id("n", Content::Text("Where is my order?".into()), "same")
            .await,
        Handled::Duplicate
    );
    assert_eq!(h.channel.calls().len(), sent);
    assert_eq!(h.store.bot_replies_since(T0).await.unwrap().len(), replies);
    // A replay is not counted as a message either.
    assert_eq!(recorded.tally().customer_messages, 1);

    // A replayed agent command changes nothing either.
    let room = h.open_ticket("n").await;
    let agent_msg = |id: &str| Inbound {
        platform_msg_id: id.into(),
        from: Party {
            platform: Platform::terminal(),
            user_id: "agent-a".into(),
            display_name: "A".into(),
            locale: None,
            role: Role::Agent,
        },
        at: room.clone(),
        content: Content::Text("Reply once".into()),
        sent_at: None,
    };
    assert_eq!(
        h.engine.handle(agent_msg("r1")).await.unwrap(),
        Handled::Done
    );
    assert_eq!(
        h.engine.handle(agent_msg("r1")).await.unwrap(),
        Handled::Duplicate
    );
    let replies: Vec<_> = h
        .to_customer("n")
        .into_iter()
        .filter(|m| m.text == "Reply once")
        .collect();
    assert_eq!(replies.len(), 1);
}

#[tokio::test]
async fn restart_keeps_the_ticket_going() {
    let store = MemoryStore::new();
    let room;
    {
        let h = harness_with(config(), store.clone());
        room = h.open_ticket("o").await;
    }
    // A new Engine (a restarted process) on the same Store: the customer is still in the
    // ticket and the room still routes to it.
    let h = harness_with(config(), store.clone());
    h.say("o", "Any news?").await;
    assert_eq!(h.to_room(&room).last().unwrap().text, "Any news?");
    h.agent("Alice", &room, "Yes, shipped.").await;
    assert_eq!(h.last_to_customer("o").text, "Yes, shipped.");
    assert!(h.channel.rooms().is_empty(), "no second room");
}

#[tokio::test]
async fn first_response_reminders_once_per_level() {
    let h = harness();
    let room = h.open_ticket("p").await;
    h.clock.advance_minutes(14);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 0);
    h.clock.advance_minutes(1);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 1);
    let r1 = h.to_room(&room).pop().unwrap();
    assert!(
        r1.text.contains("15 min") && !r1.mention_agents,
        "{}",
        r1.text
    );
    assert_eq!(h.engine.tick().await.unwrap().reminders, 0, "not twice");
    h.clock.advance_minutes(15);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 1);
    let r2 = h.to_room(&room).pop().unwrap();
    assert!(r2.mention_agents, "second reminder pings the agents");
    h.clock.advance_minutes(60);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 0, "at most two");

    // A replied ticket gets none.
    let room2 = h.open_ticket("q").await;
    h.agent("Alice", &room2, "On it").await;
    h.clock.advance_minutes(40);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 0);
}

#[tokio::test]
async fn while_the_platform_is_down_everything_waits_in_the_outbox_in_order() {
    let h = harness();
    h.channel.set_failing(true);
    h.say("r", "/human").await;
    let t = h.ticket(1).await;
    assert!(t.room.is_none());
    // The customer's later messages are kept in the ticket meanwhile.
    h.say("r", "hello?").await;
    assert!(h.channel.calls().is_empty());
    let pending = h.store.ticket_outbox(t.id).await.unwrap();
    assert!(pending.len() >= 3, "{pending:?}");
    assert!(pending.iter().all(|p| p.status == OutboxStatus::Pending));
    h.channel.set_failing(false);
    // Not before the backoff has passed.
    assert_eq!(h.engine.tick().await.unwrap().delivered, 0);
    h.clock.advance_millis(1_000);
    assert!(h.engine.tick().await.unwrap().delivered >= 3);
    let room = h.room(0);
    let in_room = h.to_room(&room);
    assert_eq!(in_room[0].kind, MessageKind::Summary);
    assert!(in_room.iter().any(|m| m.text == "hello?"), "{in_room:?}");
    assert_eq!(h.ticket(1).await.room, Some(room));
    assert!(h.last_to_customer("r").text.contains("#1"));
    assert!(h.store.ticket_outbox(t.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_open_ticket_is_not_opened_twice_and_numbers_are_sequential() {
    let h = harness();
    h.open_ticket("s").await;
    h.say("s", "/human").await;
    assert_eq!(h.channel.rooms().len(), 1);
    assert!(h.last_to_customer("s").text.contains("#1"));
    h.open_ticket("t").await;
    h.open_ticket("u").await;
    let numbers: Vec<i64> = h
        .store
        .list_tickets(&TicketFilter::default())
        .await
        .unwrap()
        .iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(numbers, vec![3, 2, 1]);
}

#[tokio::test]
async fn agent_messages_on_a_closed_ticket_are_kept_not_sent() {
    let h = harness();
    let room = h.open_ticket("v").await;
    h.agent("Alice", &room, "/close").await;
    let before = h.to_customer("v").len();
    h.agent("Alice", &room, "one more thing").await;
    assert_eq!(h.to_customer("v").len(), before);
    assert!(h.to_room(&room).last().unwrap().text.contains("/reopen"));
    h.agent("Alice", &room, "/reopen").await;
    assert_eq!(h.ticket(1).await.status, TicketStatus::Open);
    h.agent("Alice", &room, "one more thing").await;
    assert_eq!(h.last_to_customer("v").text, "one more thing");
}

#[tokio::test]
async fn files_without_text_ask_for_words() {
    let h = harness();
    let files = vec![Attachment {
        platform: Platform::terminal(),
        kind: AttachmentKind::Photo,
        file_ref: "f1".into(),
        file_name: Some("screenshot.png".into()),
    }];
    h.customer(
        "w",
        Content::Files {
            files: files.clone(),
            caption: None,
        },
    )
    .await;
    let m = h.last_to_customer("w");
    assert_eq!(
        m.text,
        texts::builtin("en", texts::Text::DescribeInWords).unwrap()
    );
    assert_eq!(payloads(&m), vec!["human"]);
    // In a ticket, files are relayed.
    let room = h.open_ticket("w").await;
    h.customer(
        "w",
        Content::Files {
            files: files.clone(),
            caption: Some("see this".into()),
        },
    )
    .await;
    let relayed = h.to_room(&room).pop().unwrap();
    assert_eq!(relayed.attachments, files);
    assert_eq!(relayed.text, "see this");
}

#[tokio::test]
async fn a_flood_is_recorded_but_not_answered_and_the_customer_is_told_once() {
    let h = harness();
    for i in 0..30 {
        h.say("flood", &format!("Where is my order? {i}")).await;
    }
    let msgs = h.to_customer("flood");
    let answers = msgs
        .iter()
        .filter(|m| m.kind == MessageKind::Answer)
        .count();
    assert_eq!(answers, 20, "the first 20 are answered");
    let slow = texts::builtin("en", texts::Text::SlowDown).unwrap();
    assert_eq!(msgs.iter().filter(|m| m.text == slow).count(), 1);
    // Everything was recorded.
    let c = h
        .store
        .upsert_customer(
            &Party {
                platform: Platform::terminal(),
                user_id: "flood".into(),
                display_name: "x".into(),
                locale: None,
                role: Role::Customer,
            },
            &customer_ep("flood"),
            T0,
        )
        .await
        .unwrap();
    let recorded = h.store.customer_messages(c.id, 1000).await.unwrap();
    assert_eq!(
        recorded
            .iter()
            .filter(|m| m.author == AuthorKind::Customer)
            .count(),
        30
    );
    // A minute later the customer is answered again.
    h.clock.advance_minutes(1);
    h.say("flood", "Where is my order?").await;
    assert_eq!(h.last_to_customer("flood").kind, MessageKind::Answer);
}

#[tokio::test]
async fn a_backlog_sent_while_the_bot_was_down_is_answered_not_taken_for_a_flood() {
    let h = harness();
    // 25 questions sent a minute apart while the bot was down, handed over at once.
    h.clock.advance_minutes(30);
    for i in 0..25 {
        let sent = Timestamp(T0.millis() + i * 60_000);
        let text = Content::Text(format!("Where is my order? {i}"));
        h.customer_sent("backlog", text, &format!("b{i}"), Some(sent))
            .await;
    }
    let msgs = h.to_customer("backlog");
    let answers = msgs.iter().filter(|m| m.kind == MessageKind::Answer);
    assert_eq!(answers.count(), 25);
    let slow = texts::builtin("en", texts::Text::SlowDown).unwrap();
    assert!(msgs.iter().all(|m| m.text != slow));
}

#[tokio::test]
async fn greetings_and_thanks_do_not_open_tickets() {
    let h = harness();
    for (user, text) in [
        ("g1", "Hello!"),
        ("g2", "Labas"),
        ("g3", "Tere"),
        ("g4", "hi there"),
    ] {
        h.say(user, text).await;
        let m = h.last_to_customer(user);
        assert!(
            m.text.starts_with(
                texts::builtin("en", texts::Text::Welcome)
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
            ) || texts::BUILTIN_LANGUAGES
                .iter()
                .any(|l| m.text == texts::builtin(l, texts::Text::Welcome).unwrap()),
            "{user}: {}",
            m.text
        );
    }
    assert_eq!(
        h.last_to_customer("g2").text,
        texts::builtin("lt", texts::Text::Welcome).unwrap()
    );
    h.say("g5", "Where is my order?").await;
    h.say("g5", "thanks!").await;
    assert_eq!(
        h.last_to_customer("g5").text,
        texts::builtin("en", texts::Text::GladToHelp).unwrap()
    );
    h.say("g6", "Ačiū").await;
    assert_eq!(
        h.last_to_customer("g6").text,
        texts::builtin("lt", texts::Text::GladToHelp).unwrap()
    );
    assert!(h.channel.rooms().is_empty(), "no tickets");
}

//! The Telegram adapter end to end: the real teloxide client against the fake Bot API of
//! `frontdesk-testkit`, with the real Engine, the in-memory Store and the sample FAQ.

use frontdesk_testkit::{stop_signal, test_engine};
use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::ports::*;
use frontdesk_core::testing::MemoryStore;
use frontdesk_core::{AuthorKind, Engine, Router, TicketFilter, TicketId, TicketStatus};
use frontdesk_telegram::{OFFSET_CURSOR, TelegramAdapter, TelegramConfig, TelegramError};
use frontdesk_testkit::telegram::{BOT_USERNAME, FakeTelegram, Request};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod business;
mod delivery;
mod transcript;

/// The desk: a forum supergroup.
const DESK: i64 = -1_001_234;
/// Customers' user ids (= their private chat ids).
const ANN: i64 = 1001;
const BOB: i64 = 1002;
/// An agent in the desk group.
const AGENT: i64 = 77;

/// A running adapter (and its Engine) on a store.
struct Bot {
    engine: Arc<Engine>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), TelegramError>>,
}

impl Bot {
    fn start(tg: &FakeTelegram, store: Arc<MemoryStore>) -> Bot {
        let adapter = TelegramAdapter::new(TelegramConfig {
            token: tg.token(),
            api_url: Some(tg.url()),
            desk_chat_id: Some(DESK),
            agent_mention: Some("@support_team".into()),
            poll_timeout_secs: 1,
            webhook: None,
        })
        .expect("adapter builds");
        let engine = test_engine(
            "telegram",
            DESK,
            store,
            Router::new().with(adapter.channel()),
        );
        let (tx, stop) = stop_signal();
        let e = engine.clone();
        let task = tokio::spawn(async move { adapter.run(e, stop).await });
        Bot {
            engine,
            stop: Some(tx),
            task,
        }
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let r = tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("the adapter stops within 10 s")
            .expect("the adapter task does not panic");
        r.expect("the adapter ends without error");
    }
}

fn send_to(chat: i64) -> impl Fn(&Request) -> bool {
    move |r| r.is("sendMessage") && r.ok && r.chat_id() == Some(chat)
}

fn text_has(r: &Request, s: &str) -> bool {
    r.text().is_some_and(|t| t.contains(s))
}

fn ticket_of_payloads(payloads: &[String]) -> TicketId {
    let p = payloads
        .iter()
        .find(|p| p.starts_with("rate:"))
        .expect("survey buttons");
    TicketId(p.split(':').nth(1).unwrap().parse().unwrap())
}

/// Sends `text` as a customer and escalates it with the answer's "Talk to a person" button (or
/// directly, when the bot escalated by itself). Returns the forum topic id and the update
/// that carried the question.
async fn open_ticket(tg: &FakeTelegram, user: i64, text: &str) -> (i64, serde_json::Value) {
    let mark = tg.mark();
    let update = tg.customer_text(user, text);
    let first = tg.wait_for_since(mark, send_to(user)).await;
    let payloads = first.button_payloads();
    if let Some(human) = payloads
        .iter()
        .find(|p| p.starts_with("unsolved:") || *p == "human")
    {
        tg.press_button(user, first.sent_message_id().unwrap(), human);
    }
    let topic = tg
        .wait_for_since(mark, |r| r.is("createForumTopic") && r.ok)
        .await;
    (topic.result["message_thread_id"].as_i64().unwrap(), update)
}

/// Waits for the ticket summary the bot posts in topic `thread`.
async fn summary_in(tg: &FakeTelegram, thread: i64) -> Request {
    tg.wait_for(|r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "New ticket")
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_customer_and_agent() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    tg.set_user(ANN, "Ann", Some("Lee"), Some("en"));
    let bot = Bot::start(&tg, store.clone());

    // A question answered from the KB, with buttons, rendered as HTML.
    tg.customer_text(ANN, "How do I reset my password?");
    let answer = tg.wait_for(send_to(ANN)).await;
    assert_eq!(answer.parse_mode(), Some("HTML"));
    assert!(text_has(&answer, "<b>Forgot password?</b>"), "{answer:?}");
    assert!(text_has(&answer, "<a href=\"https://"), "{answer:?}");
    let payloads = answer.button_payloads();
    assert!(
        payloads.iter().any(|p| p.starts_with("solved:")),
        "{payloads:?}"
    );
    let human = payloads
        .iter()
        .find(|p| p.starts_with("unsolved:"))
        .expect("a 'Talk to a person' button")
        .clone();

    // "Talk to a person": the press is answered, the keyboard removed, a topic opened.
    let answer_id = answer.sent_message_id().unwrap();
    let mark = tg.mark();
    tg.press_button(ANN, answer_id, &human);
    tg.wait_for_since(mark, |r| r.is("answerCallbackQuery"))
        .await;
    let edit = tg
        .wait_for_since(mark, |r| r.is("editMessageReplyMarkup"))
        .await;
    assert_eq!(edit.chat_id(), Some(ANN));
    assert_eq!(edit.message_id(), Some(answer_id));
    assert!(edit.button_payloads().is_empty());
    let topic = tg
        .wait_for_since(mark, |r| r.is("createForumTopic") && r.ok)
        .await;
    assert_eq!(topic.chat_id(), Some(DESK));
    let name = topic.str_param("name").unwrap();
    assert!(name.starts_with("#1 · "), "{name}");
    let thread = topic.result["message_thread_id"].as_i64().unwrap();
    let summary = tg
        .wait_for_since(mark, |r| {
            r.is("sendMessage") && r.chat_id() == Some(DESK) && text_has(r, "New ticket #1")
        })
        .await;
    assert_eq!(summary.thread_id(), Some(thread));
    assert!(text_has(&summary, "@support_team"), "{summary:?}");
    let told = tg
        .wait_for_since(mark, |r| send_to(ANN)(r) && text_has(r, "#1"))
        .await;
    assert!(told.button_payloads().is_empty());

    // An agent claims with the summary's button: the customer hears who took it.
    let claim = summary
        .button_payloads()
        .into_iter()
        .find(|p| p.starts_with("claim:"))
        .expect("a Claim button on the summary");
    let mark = tg.mark();
    tg.press_button_in(
        DESK,
        Some(thread),
        AGENT,
        summary.sent_message_id().unwrap(),
        &claim,
    );
    tg.wait_for_since(mark, |r| {
        send_to(ANN)(r) && text_has(r, &format!("User{AGENT} Test"))
    })
    .await;
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "claimed ticket #1")
    })
    .await;

    // The agent replies in the topic: the customer receives it with the agent's name.
    let mark = tg.mark();
    tg.agent_text_in_topic(DESK, thread, AGENT, "Hello, I can help with that <3");
    let reply = tg
        .wait_for_since(mark, |r| send_to(ANN)(r) && text_has(r, "I can help"))
        .await;
    let text = reply.text().unwrap();
    assert!(
        text.contains(&format!("<b>User{AGENT} Test (support)</b>")),
        "{text}"
    );
    assert!(text.contains("with that &lt;3"), "{text}");

    // A note stays internal; a customer photo is relayed by file id into the topic.
    let mark = tg.mark();
    tg.agent_text_in_topic(DESK, thread, AGENT, "/note internal: customer seems upset");
    tg.customer_photo(ANN, "PHOTO-FILE-1", Some("my screen"));
    let photo = tg.wait_for_since(mark, |r| r.is("sendPhoto") && r.ok).await;
    assert_eq!(photo.chat_id(), Some(DESK));
    assert_eq!(photo.thread_id(), Some(thread));
    assert_eq!(photo.str_param("photo"), Some("PHOTO-FILE-1"));
    assert!(
        text_has(&photo, "💬 <b>Ann Lee</b>\nmy screen"),
        "{photo:?}"
    );
    assert!(
        tg.actions()
            .iter()
            .all(|r| !text_has(r, "customer seems upset")),
        "the note was relayed:\n{}",
        tg.dump(0)
    );

    // An agent's document reaches the customer by file id, captioned with the agent's name.
    let mark = tg.mark();
    tg.agent_document_in_topic(
        DESK,
        thread,
        AGENT,
        "DOC-FILE-1",
        "guide.pdf",
        Some("the guide"),
    );
    let doc = tg
        .wait_for_since(mark, |r| r.is("sendDocument") && r.ok)
        .await;
    assert_eq!(doc.chat_id(), Some(ANN));
    assert_eq!(doc.str_param("document"), Some("DOC-FILE-1"));
    assert!(text_has(&doc, "(support)</b>\nthe guide"), "{doc:?}");

    // The agent closes (a command picked from the menu carries the bot's name): the topic is
    // closed and the customer gets the survey.
    let mark = tg.mark();
    tg.agent_text_in_topic(DESK, thread, AGENT, &format!("/close@{BOT_USERNAME}"));
    let survey = tg
        .wait_for_since(mark, |r| {
            send_to(ANN)(r) && r.button_payloads().iter().any(|p| p.starts_with("rate:"))
        })
        .await;
    let payloads = survey.button_payloads();
    assert_eq!(payloads.len(), 5, "{payloads:?}");
    let ticket = ticket_of_payloads(&payloads);
    let closed = tg.wait_for_since(mark, |r| r.is("closeForumTopic")).await;
    assert_eq!(closed.chat_id(), Some(DESK));
    assert_eq!(closed.thread_id(), Some(thread));

    // Five stars: stored, thanked, and the desk is told.
    let mark = tg.mark();
    let five = payloads.iter().find(|p| p.ends_with(":5")).unwrap().clone();
    tg.press_button(ANN, survey.sent_message_id().unwrap(), &five);
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "5/5")
    })
    .await;
    let survey_row = store.survey(ticket).await.unwrap().expect("a survey row");
    assert_eq!(survey_row.score, Some(5));
    let t = store.ticket(ticket).await.unwrap().unwrap();
    assert_eq!(t.status, TicketStatus::Closed);
    let transcript = store.ticket_messages(ticket).await.unwrap();
    assert!(
        transcript
            .iter()
            .any(|m| m.author == AuthorKind::Note && m.body.contains("customer seems upset"))
    );
    assert!(
        transcript
            .iter()
            .any(|m| m.attachments.iter().any(|a| a.file_ref == "PHOTO-FILE-1"))
    );

    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_update_changes_nothing() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    // Queued before the bot polls: the same update twice (a retried delivery) and the same
    // message again under a new update id (a lost acknowledgement).
    let first = tg.customer_text(ANN, "How do I reset my password?");
    tg.push_update(first.clone());
    tg.redeliver(&first);
    let bot = Bot::start(&tg, store.clone());
    tg.wait_until_confirmed().await;
    // A later message proves the earlier ones were all handled.
    tg.customer_text(ANN, "thanks");
    tg.wait_for(|r| send_to(ANN)(r) && r.button_payloads().is_empty())
        .await;
    tg.wait_until_confirmed().await;
    let answers: Vec<Request> = tg.matching(|r| send_to(ANN)(r) && text_has(r, "Forgot password"));
    assert_eq!(answers.len(), 1, "one answer only:\n{}", tg.dump(0));
    let customer = store
        .upsert_customer(
            &frontdesk_core::Party {
                platform: frontdesk_core::Platform::telegram(),
                user_id: ANN.to_string(),
                display_name: format!("User{ANN} Test"),
                locale: None,
                role: frontdesk_core::Role::Customer,
            },
            &frontdesk_core::Endpoint::chat(frontdesk_core::Platform::telegram(), ANN.to_string()),
            frontdesk_core::Timestamp(0),
        )
        .await
        .unwrap();
    let msgs = store.customer_messages(customer.id, 50).await.unwrap();
    let from_customer = msgs
        .iter()
        .filter(|m| m.author == AuthorKind::Customer)
        .count();
    assert_eq!(from_customer, 2, "{msgs:#?}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_limit_is_waited_out_and_the_message_arrives() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    tg.fail_next("sendMessage", 429, Some(1));
    tg.customer_text(ANN, "How do I reset my password?");
    let sent = tg
        .wait_for(|r| send_to(ANN)(r) && text_has(r, "Forgot password"))
        .await;
    assert!(sent.ok);
    let calls = tg.matching(|r| r.is("sendMessage"));
    assert!(!calls[0].ok, "the first try was refused with 429");
    assert!(calls[1].ok);
    assert_eq!(calls[0].body, calls[1].body, "the same message was retried");
    assert_eq!(
        tg.matching(|r| send_to(ANN)(r) && text_has(r, "Forgot password"))
            .len(),
        1
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_ticket_resumes_from_the_stored_offset() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    let (thread, question) = open_ticket(&tg, ANN, "I want to talk to a person").await;
    summary_in(&tg, thread).await;
    tg.wait_until_confirmed().await;
    bot.stop().await;

    let offset: i64 = store
        .cursor(OFFSET_CURSOR)
        .await
        .unwrap()
        .expect("an offset was stored")
        .parse()
        .unwrap();
    let actions_before = tg.actions().len();

    // As after a crash before Telegram saw the acknowledgement: the old update is offered
    // again. The stored offset confirms it away before it is handed out.
    tg.push_update(question.clone());

    // While the bot is down, the agent answers and the customer writes.
    let agent = tg.agent_text_in_topic(DESK, thread, AGENT, "Back online, how can I help?");
    let customer = tg.customer_text(ANN, "My order never arrived");
    assert_eq!(
        agent["update_id"].as_i64(),
        Some(offset),
        "no update skipped"
    );

    let mark = tg.mark();
    let bot = Bot::start(&tg, store.clone());
    let poll = tg.wait_for_since(mark, |r| r.is("getUpdates")).await;
    assert_eq!(
        poll.body["offset"].as_i64(),
        Some(offset),
        "resumes at the stored offset"
    );
    tg.wait_for_since(mark, |r| send_to(ANN)(r) && text_has(r, "Back online"))
        .await;
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "never arrived")
    })
    .await;
    tg.wait_until_confirmed().await;
    let new_offset: i64 = store
        .cursor(OFFSET_CURSOR)
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        Some(new_offset),
        customer["update_id"].as_i64().map(|i| i + 1)
    );

    // Nothing from before the restart was replayed: exactly the two new effects (plus nothing).
    let after: Vec<Request> = tg.actions().into_iter().skip(actions_before).collect();
    assert_eq!(
        after.len(),
        2,
        "only the two relays after the restart:\n{}",
        tg.dump(0)
    );
    assert_eq!(tg.matching(|r| r.is("createForumTopic")).len(), 1);

    // The ticket is intact.
    let tickets = store.list_tickets(&TicketFilter::default()).await.unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].status, TicketStatus::Open);
    assert_eq!(
        tickets[0].room.as_ref().and_then(|r| r.thread_id.clone()),
        Some(thread.to_string())
    );
    let transcript = store.ticket_messages(tickets[0].id).await.unwrap();
    assert!(transcript.iter().any(|m| m.body.contains("Back online")));
    assert!(transcript.iter().any(|m| m.body.contains("never arrived")));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_markup_arrives_escaped() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    let evil = "<b>x</b> @everyone [a](http://evil) cc @ruta_admin";
    // What Telegram shows: the same text, but `@` and the name are not adjacent, so no
    // mention entity is made and nobody is notified.
    let shown = "&lt;b&gt;x&lt;/b&gt; @\u{200B}everyone [a](http://evil) cc @\u{200B}ruta_admin";

    // Markup in the question that opens the ticket: escaped in the summary.
    let (thread, _) = open_ticket(&tg, ANN, &format!("talk to a person {evil}")).await;
    let summary = summary_in(&tg, thread).await;
    assert_eq!(summary.parse_mode(), Some("HTML"));
    let text = summary.text().unwrap();
    assert!(text.contains(shown), "{text}");
    assert!(
        !text.contains("@ruta_admin") && !text.contains("@everyone"),
        "{text}"
    );
    // The configured agent mention still pings.
    assert!(text.contains("@support_team"), "{text}");
    assert!(
        !text.contains("<b>x</b>") && !text.contains("<a "),
        "{text}"
    );

    // And in a message relayed while the ticket is open.
    let mark = tg.mark();
    tg.customer_text(ANN, evil);
    let relay = tg
        .wait_for_since(mark, |r| {
            r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "ruta_admin")
        })
        .await;
    assert_eq!(relay.parse_mode(), Some("HTML"));
    let text = relay.text().unwrap();
    assert!(text.ends_with(&format!("\n{shown}")), "{text}");
    assert!(!text.contains("@ruta_admin"), "{text}");
    assert!(!text.contains("<a ") && !text.contains("<b>x"), "{text}");
    assert_eq!(relay.body["link_preview_options"]["is_disabled"], true);

    // A message from a group that is not the desk is ignored.
    let mark = tg.mark();
    tg.group_text(-999, AGENT, "hello from elsewhere");
    tg.wait_until_confirmed().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        tg.requests().iter().skip(mark).all(|r| r.is("getUpdates")),
        "{}",
        tg.dump(mark)
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_message_after_close_reopens_the_topic() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    let (thread, _) = open_ticket(&tg, ANN, "I want to talk to a person").await;
    let mark = tg.mark();
    tg.agent_text_in_topic(DESK, thread, AGENT, "/close");
    tg.wait_for_since(mark, |r| r.is("closeForumTopic")).await;

    let mark = tg.mark();
    tg.customer_text(ANN, "It broke again");
    let reopened = tg.wait_for_since(mark, |r| r.is("reopenForumTopic")).await;
    assert_eq!(reopened.chat_id(), Some(DESK));
    assert_eq!(reopened.thread_id(), Some(thread));
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "It broke again")
    })
    .await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_topic_is_reported_and_opened_by_the_next_tick() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    tg.fail_next("createForumTopic", 400, None);
    tg.customer_text(ANN, "I want to talk to a person");
    tg.wait_for(|r| r.is("createForumTopic") && !r.ok).await;
    tg.wait_until_confirmed().await;
    let tickets = store.list_tickets(&TicketFilter::default()).await.unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].room, None);
    let events = store.ticket_events(tickets[0].id).await.unwrap();
    assert!(
        events.iter().any(|e| e.detail.contains("open room")),
        "the failure is recorded with the ticket: {events:?}"
    );

    // The outbox retries after its backoff (1 s): tick until it has delivered the summary.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while bot.engine.tick().await.unwrap().delivered == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the room was never opened"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let topic = tg.wait_for(|r| r.is("createForumTopic") && r.ok).await;
    let thread = topic.result["message_thread_id"].as_i64().unwrap();
    summary_in(&tg, thread).await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_desk_does_not_hold_up_other_customers() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    let (thread, _) = open_ticket(&tg, ANN, "I want to talk to a person").await;
    summary_in(&tg, thread).await;
    tg.wait_until_confirmed().await;
    let relayed = |s: &'static str| {
        move |r: &Request| {
            r.is("sendMessage") && r.ok && r.thread_id() == Some(thread) && text_has(r, s)
        }
    };

    // Telegram is slow to take the next message to the desk: Ann's relay hangs.
    let gate = tg.hold_next("sendMessage", DESK);
    let first = tg.customer_text(ANN, "My order never arrived");
    gate.reached().await;
    // Ann writes again: queued behind her first message.
    let second = tg.customer_text(ANN, "It was order 42");

    // Meanwhile Bob's question is answered.
    let mark = tg.mark();
    let question = tg.customer_text(BOB, "How do I reset my password?");
    tg.wait_for_since(mark, |r| send_to(BOB)(r) && text_has(r, "Forgot password"))
        .await;
    assert!(
        tg.matching(|r| r.is("sendMessage") && r.thread_id() == Some(thread))
            .iter()
            .all(|r| !text_has(r, "never arrived") && !text_has(r, "order 42")),
        "Ann's relays went out before Bob's answer:\n{}",
        tg.dump(0)
    );
    // Ann's first update is still being handled: neither confirmed nor passed by the offset.
    let first_id = first["update_id"].as_i64().unwrap();
    assert!(
        tg.pending_update_ids().contains(&first_id),
        "an unfinished update was confirmed to Telegram"
    );
    let stored: i64 = store
        .cursor(OFFSET_CURSOR)
        .await
        .unwrap()
        .expect("an offset was stored")
        .parse()
        .unwrap();
    assert!(stored <= first_id, "the offset passed an unfinished update");

    // Telegram takes the message: both of Ann's relays arrive, in order.
    gate.open();
    let a = tg.wait_for(relayed("never arrived")).await;
    let b = tg.wait_for(relayed("order 42")).await;
    let index = |r: &Request| {
        tg.requests()
            .iter()
            .position(|x| x.is("sendMessage") && x.result == r.result)
            .unwrap()
    };
    assert!(
        index(&a) < index(&b),
        "Ann's messages were relayed out of order"
    );
    tg.wait_until_confirmed().await;
    bot.stop().await;

    // Each exactly once, and the stored offset is past all three updates.
    assert_eq!(
        tg.matching(relayed("never arrived")).len(),
        1,
        "{}",
        tg.dump(0)
    );
    assert_eq!(tg.matching(relayed("order 42")).len(), 1, "{}", tg.dump(0));
    assert_eq!(
        tg.matching(|r| send_to(BOB)(r) && text_has(r, "Forgot password"))
            .len(),
        1,
        "{}",
        tg.dump(0)
    );
    let stored: i64 = store
        .cursor(OFFSET_CURSOR)
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let last = [&first, &second, &question]
        .iter()
        .map(|u| u["update_id"].as_i64().unwrap())
        .max()
        .unwrap();
    assert_eq!(stored, last + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_waits_for_the_queued_updates_and_stores_the_offset() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    tg.customer_text(ANN, "hello");
    tg.wait_for(send_to(ANN)).await;
    tg.wait_until_confirmed().await;

    // A customer's answer hangs at Telegram when the adapter is told to stop.
    let gate = tg.hold_next("sendMessage", BOB);
    let question = tg.customer_text(BOB, "How do I reset my password?");
    gate.reached().await;
    let opener = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        gate.open();
    });
    bot.stop().await;
    opener.await.unwrap();

    // The update was finished before `run` returned, and the offset stored past it.
    assert_eq!(
        tg.matching(|r| send_to(BOB)(r) && text_has(r, "Forgot password"))
            .len(),
        1
    );
    let stored: i64 = store
        .cursor(OFFSET_CURSOR)
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(Some(stored), question["update_id"].as_i64().map(|i| i + 1));
}

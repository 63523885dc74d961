//! Telegram Business: customers writing to a business account connected to the bot are served
//! like private-chat customers, every reply going through the connection; connection updates
//! are recorded and a revoked connection (or a lost right to reply) sends nothing.

use super::*;
use frontdesk_core::{Endpoint, MessageKind, OutMessage, Platform};
use frontdesk_telegram::BUSINESS_CURSOR_PREFIX;

/// The business connection and its account.
const CONN: &str = "biz-conn-1";
const ACCOUNT: i64 = 900;
/// A customer of the business account.
const CAROL: i64 = 1003;

/// A send to Carol's chat with the business account.
fn to_carol(r: &Request) -> bool {
    (r.is("sendMessage") || r.is("sendPhoto") || r.is("sendDocument")) && r.chat_id() == Some(CAROL)
}

/// Waits (up to 10 s) until the Store's record of the connection satisfies `pred`.
async fn wait_recorded(store: &MemoryStore, pred: impl Fn(&serde_json::Value) -> bool) {
    let key = format!("{BUSINESS_CURSOR_PREFIX}{CONN}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(raw) = store.cursor(&key).await.unwrap() {
            let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
            if pred(&v) {
                return;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "business connection not recorded as expected: {:?}",
            store.cursor(&key).await
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Carol asks for a person through the business account; returns the ticket's topic.
async fn open_business_ticket(tg: &FakeTelegram) -> i64 {
    let mark = tg.mark();
    tg.business_text(CONN, CAROL, "I want to talk to a person");
    let topic = tg
        .wait_for_since(mark, |r| r.is("createForumTopic") && r.ok)
        .await;
    tg.wait_for_since(mark, |r| to_carol(r) && r.ok && text_has(r, "#1"))
        .await;
    topic.result["message_thread_id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_customer_is_served_through_the_connection() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    tg.set_user(CAROL, "Carol", Some("King"), Some("en"));
    let bot = Bot::start(&tg, store.clone());
    tg.business_connect(CONN, ACCOUNT, true);
    wait_recorded(&store, |v| v["enabled"] == true && v["can_reply"] == true).await;

    // A question answered from the KB, through the connection, with buttons.
    tg.business_text(CONN, CAROL, "How do I reset my password?");
    let answer = tg
        .wait_for(|r| to_carol(r) && r.ok && text_has(r, "Forgot password"))
        .await;
    assert_eq!(answer.business_connection_id(), Some(CONN));
    assert_eq!(answer.thread_id(), None);
    let human = answer
        .button_payloads()
        .into_iter()
        .find(|p| p.starts_with("unsolved:"))
        .expect("a 'Talk to a person' button");

    // "Talk to a person": the keyboard is removed through the connection, a topic opens.
    let mark = tg.mark();
    tg.business_press_button(CONN, CAROL, answer.sent_message_id().unwrap(), &human);
    let edit = tg
        .wait_for_since(mark, |r| r.is("editMessageReplyMarkup"))
        .await;
    assert_eq!(edit.business_connection_id(), Some(CONN));
    let topic = tg
        .wait_for_since(mark, |r| r.is("createForumTopic") && r.ok)
        .await;
    assert_eq!(topic.chat_id(), Some(DESK));
    let thread = topic.result["message_thread_id"].as_i64().unwrap();
    tg.wait_for_since(mark, |r| to_carol(r) && r.ok && text_has(r, "#1"))
        .await;

    // Relay both ways: Carol's message reaches the topic, the agent's reply reaches Carol.
    let mark = tg.mark();
    tg.business_text(CONN, CAROL, "My order is 4711");
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "4711")
    })
    .await;
    tg.agent_text_in_topic(DESK, thread, AGENT, "Found it, it ships today");
    let reply = tg
        .wait_for_since(mark, |r| to_carol(r) && r.ok && text_has(r, "ships today"))
        .await;
    assert_eq!(reply.business_connection_id(), Some(CONN));

    // The account's owner writing in the chat is not relayed as the customer.
    tg.business_owner_text(CONN, CAROL, "OWNER-TYPED-THIS");
    tg.wait_until_confirmed().await;

    // Close: the survey goes through the connection, the rating is recorded.
    let mark = tg.mark();
    tg.agent_text_in_topic(DESK, thread, AGENT, "/close");
    let survey = tg
        .wait_for_since(mark, |r| {
            to_carol(r) && r.button_payloads().iter().any(|p| p.starts_with("rate:"))
        })
        .await;
    assert_eq!(survey.business_connection_id(), Some(CONN));
    let payloads = survey.button_payloads();
    let ticket = ticket_of_payloads(&payloads);
    let four = payloads.iter().find(|p| p.ends_with(":4")).unwrap().clone();
    let mark = tg.mark();
    tg.business_press_button(CONN, CAROL, survey.sent_message_id().unwrap(), &four);
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "4/5")
    })
    .await;
    assert_eq!(store.survey(ticket).await.unwrap().unwrap().score, Some(4));

    // Every message to Carol went through the connection; the owner's text went nowhere.
    let sends: Vec<Request> = tg.matching(to_carol);
    assert_eq!(
        sends.len(),
        4,
        "answer, ticket opened, reply, survey:\n{}",
        tg.dump(0)
    );
    for s in &sends {
        assert_eq!(s.business_connection_id(), Some(CONN), "{s:?}");
    }
    assert!(
        tg.actions()
            .iter()
            .all(|r| !text_has(r, "OWNER-TYPED-THIS")),
        "{}",
        tg.dump(0)
    );
    let transcript = store.ticket_messages(ticket).await.unwrap();
    assert!(
        transcript
            .iter()
            .all(|m| !m.body.contains("OWNER-TYPED-THIS"))
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_connection_sends_nothing_and_the_desk_is_told() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    tg.business_connect(CONN, ACCOUNT, true);
    wait_recorded(&store, |v| v["enabled"] == true).await;
    let thread = open_business_ticket(&tg).await;
    tg.wait_until_confirmed().await;

    // The account takes the right to reply away: the agent's reply is not sent.
    tg.business_rights(CONN, false);
    wait_recorded(&store, |v| v["can_reply"] == false).await;
    let mark = tg.mark();
    tg.agent_text_in_topic(DESK, thread, AGENT, "FIRST-UNSENT reply");
    let notice = tg
        .wait_for_since(mark, |r| {
            r.is("sendMessage")
                && r.ok
                && r.thread_id() == Some(thread)
                && text_has(r, "cannot be reached")
        })
        .await;
    assert!(text_has(&notice, "FIRST-UNSENT"), "{notice:?}");

    // The account disconnects the bot: still nothing goes through the connection.
    tg.business_rights(CONN, true);
    tg.business_disconnect(CONN);
    wait_recorded(&store, |v| v["enabled"] == false).await;
    let second = tg.mark();
    tg.agent_text_in_topic(DESK, thread, AGENT, "SECOND-UNSENT reply");
    tg.wait_for_since(second, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "SECOND-UNSENT")
    })
    .await;
    let through: Vec<Request> = tg
        .requests()
        .into_iter()
        .skip(mark)
        .filter(|r| r.business_connection_id().is_some() || to_carol(r))
        .collect();
    assert!(through.is_empty(), "sent anyway: {through:?}");

    // Recorded on the ticket, twice.
    let t = &store.list_tickets(&TicketFilter::default()).await.unwrap()[0];
    let unreachable = store
        .ticket_events(t.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == frontdesk_core::EventKind::Unreachable)
        .count();
    assert_eq!(unreachable, 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_record_the_channel_asks_telegram_for_the_connection() {
    let tg = FakeTelegram::start().await;
    // The connection update is queued but never polled (another replica took it).
    tg.business_connect(CONN, ACCOUNT, true);
    let store = MemoryStore::new();
    let adapter = TelegramAdapter::new(TelegramConfig {
        token: tg.token(),
        api_url: Some(tg.url()),
        desk_chat_id: Some(DESK),
        ..TelegramConfig::default()
    })
    .unwrap()
    .with_store(store.clone());
    let channel = adapter.channel();
    let carol = Endpoint {
        thread_id: Some(format!("business:{CONN}")),
        ..Endpoint::chat(Platform::telegram(), CAROL.to_string())
    };
    let msg = OutMessage::plain(MessageKind::Bot, "hello from the business");
    channel.send(&carol, &msg).await.expect("sent");
    let sent = tg.wait_for(|r| to_carol(r) && r.ok).await;
    assert_eq!(sent.business_connection_id(), Some(CONN));
    assert_eq!(tg.matching(|r| r.is("getBusinessConnection")).len(), 1);
    // Asked once, then recorded.
    channel.send(&carol, &msg).await.expect("sent again");
    assert_eq!(tg.matching(|r| r.is("getBusinessConnection")).len(), 1);
    let key = format!("{BUSINESS_CURSOR_PREFIX}{CONN}");
    assert!(store.cursor(&key).await.unwrap().is_some());

    // A connection Telegram does not know sends nothing and is unreachable.
    let unknown = Endpoint {
        thread_id: Some("business:nope".into()),
        ..carol.clone()
    };
    let mark = tg.mark();
    let err = channel.send(&unknown, &msg).await.unwrap_err();
    assert!(
        matches!(err, frontdesk_core::ChannelError::Unreachable(_)),
        "{err:?}"
    );
    assert!(tg.requests().iter().skip(mark).all(|r| !to_carol(r)));

    // Disabled on Telegram's side while recorded as enabled: Telegram's 403 is unreachable.
    tg.business_disconnect_silently(CONN);
    let err = channel.send(&carol, &msg).await.unwrap_err();
    assert!(
        matches!(err, frontdesk_core::ChannelError::Unreachable(_)),
        "{err:?}"
    );
}

//! Delivery failures: a deleted topic, a customer who blocked the bot, a persisting flood
//! limit, a text too long for one message, blocks and unblocks.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_topic_gets_a_new_one_with_the_summary_and_the_message() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    let (old, _) = open_ticket(&tg, ANN, "I want to talk to a person").await;
    tg.wait_until_confirmed().await;
    tg.delete_topic(DESK, old);
    let mark = tg.mark();
    tg.customer_text(ANN, "Hello? Anyone there?");
    // The refusal, then a new topic with a fresh summary, the notice and the message.
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && !r.ok && r.thread_id() == Some(old)
    })
    .await;
    let topic = tg
        .wait_for_since(mark, |r| r.is("createForumTopic") && r.ok)
        .await;
    let new = topic.result["message_thread_id"].as_i64().unwrap();
    assert_ne!(new, old);
    let relay = tg
        .wait_for_since(mark, |r| {
            r.is("sendMessage")
                && r.ok
                && r.thread_id() == Some(new)
                && text_has(r, "💬")
                && text_has(r, "Anyone there?")
        })
        .await;
    let in_new: Vec<Request> = tg
        .requests()
        .into_iter()
        .skip(mark)
        .filter(|r| r.is("sendMessage") && r.ok && r.thread_id() == Some(new))
        .collect();
    assert!(in_new.len() >= 3, "{}", tg.dump(mark));
    assert!(text_has(&in_new[0], "New ticket #1"), "{:?}", in_new[0]);
    assert!(text_has(&in_new[1], "was deleted"), "{:?}", in_new[1]);
    assert_eq!(in_new[2].text(), relay.text());
    let t = &store.list_tickets(&TicketFilter::default()).await.unwrap()[0];
    assert_eq!(
        t.room.as_ref().and_then(|r| r.thread_id.clone()),
        Some(new.to_string())
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_who_blocked_the_bot_is_reported_to_the_agents_plainly() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    let (thread, _) = open_ticket(&tg, ANN, "I want to talk to a person").await;
    tg.wait_until_confirmed().await;
    tg.block(ANN);
    let mark = tg.mark();
    tg.agent_text_in_topic(DESK, thread, AGENT, "Could you send the order number?");
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && !r.ok && r.chat_id() == Some(ANN)
    })
    .await;
    let notice = tg
        .wait_for_since(mark, |r| {
            r.is("sendMessage")
                && r.ok
                && r.thread_id() == Some(thread)
                && text_has(r, "cannot be reached")
        })
        .await;
    assert!(!text_has(&notice, "try again"), "{notice:?}");
    // Tried once: a block is not retried.
    let tries = tg
        .requests()
        .iter()
        .skip(mark)
        .filter(|r| r.is("sendMessage") && r.chat_id() == Some(ANN))
        .count();
    assert_eq!(tries, 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persisting_429_is_left_to_the_outbox_and_sent_once_later() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    // Longer than the channel waits by itself: the outbox keeps the message.
    tg.fail_next("sendMessage", 429, Some(6));
    tg.customer_text(ANN, "How do I reset my password?");
    tg.wait_for(|r| r.is("sendMessage") && !r.ok).await;
    tg.wait_until_confirmed().await;
    assert!(tg.matching(send_to(ANN)).is_empty());
    // The outbox sends it once the wait is over (the test plays the dispatcher's tick).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while bot.engine.tick().await.unwrap().delivered == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(tg.matching(send_to(ANN)).len(), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_of_2048_emoji_goes_out_in_pieces_telegram_accepts() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    let (thread, _) = open_ticket(&tg, ANN, "I want to talk to a person").await;
    let mark = tg.mark();
    let emoji = "😀".repeat(2048);
    tg.agent_text_in_topic(DESK, thread, AGENT, &emoji);
    let mut seen = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen < 2048 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {seen} emoji arrived"
        );
        seen = tg
            .requests()
            .iter()
            .skip(mark)
            .filter(|r| r.is("sendMessage") && r.chat_id() == Some(ANN))
            .map(|r| {
                let t = r.text().unwrap_or("");
                assert!(
                    t.encode_utf16().count() <= 4096,
                    "{} UTF-16 units",
                    t.encode_utf16().count()
                );
                t.matches('😀').count()
            })
            .sum();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, 2048);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_and_unblocks_are_recorded_and_told_in_the_topic() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    let (thread, _) = open_ticket(&tg, ANN, "I want to talk to a person").await;
    let mark = tg.mark();
    tg.customer_blocks(ANN, true);
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "blocked the bot")
    })
    .await;
    let mark = tg.mark();
    tg.customer_blocks(ANN, false);
    tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "unblocked the bot")
    })
    .await;
    tg.wait_until_confirmed().await;
    let t = &store.list_tickets(&TicketFilter::default()).await.unwrap()[0];
    let kinds: Vec<_> = store
        .ticket_events(t.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        kinds.contains(&frontdesk_core::EventKind::Unreachable),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&frontdesk_core::EventKind::Reachable),
        "{kinds:?}"
    );
    let transcript: Vec<String> = store
        .ticket_messages(t.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert!(
        transcript.contains(&"[blocked the bot]".to_owned()),
        "{transcript:?}"
    );
    bot.stop().await;
}

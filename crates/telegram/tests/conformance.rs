//! The Telegram adapter passes the adapter conformance suite of `frontdesk-testkit`: the real
//! teloxide client against the fake Bot API, the real Engine with the in-memory Store and the
//! sample FAQ, the desk a forum supergroup.

use frontdesk_testkit::{stop_signal, test_engine};
use std::time::Duration;

use frontdesk_core::Router;
use frontdesk_core::testing::MemoryStore;
use frontdesk_telegram::{TelegramAdapter, TelegramConfig};
use frontdesk_testkit::conformance::{TelegramPlatform, run_all};
use frontdesk_testkit::telegram::FakeTelegram;

/// The desk: a forum supergroup.
const DESK: i64 = -1_001_234;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_adapter_conforms() {
    let fake = FakeTelegram::start().await;
    let adapter = TelegramAdapter::new(TelegramConfig {
        token: fake.token(),
        api_url: Some(fake.url()),
        desk_chat_id: Some(DESK),
        agent_mention: Some("@support_team".into()),
        poll_timeout_secs: 1,
        webhook: None,
    })
    .expect("adapter builds");
    let engine = test_engine(
        "telegram",
        DESK,
        MemoryStore::new(),
        Router::new().with(adapter.channel()),
    );
    let (tx, stop) = stop_signal();
    let e = engine.clone();
    let task = tokio::spawn(async move { adapter.run(e, stop).await });

    let platform = TelegramPlatform::new(fake, DESK);
    run_all(&platform, engine).await;

    let _ = tx.send(());
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the adapter stops within 10 s")
        .expect("the adapter task does not panic")
        .expect("the adapter ends without error");
}

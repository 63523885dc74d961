//! The Discord adapter passes the adapter conformance suite of `frontdesk-testkit`: the real
//! serenity client against the fake Discord REST API and gateway, the real Engine with the
//! in-memory Store and the sample FAQ, the desk a staff channel with a private thread per
//! ticket.

use frontdesk_testkit::{stop_signal, test_engine};

use frontdesk_core::Router;
use frontdesk_core::testing::MemoryStore;
use frontdesk_discord::{DiscordAdapter, DiscordConfig};
use frontdesk_testkit::conformance::{DiscordPlatform, run_all};
use frontdesk_testkit::discord::{FakeDiscord, WAIT};

/// The staff channel: the desk, a private thread per ticket.
const STAFF: u64 = 500;
/// The channel where customers may ask in public.
const SUPPORT: u64 = 501;
/// The role that makes a member an agent.
const AGENT_ROLE: u64 = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_adapter_conforms() {
    let fake = FakeDiscord::start().await;
    let adapter = DiscordAdapter::new(DiscordConfig {
        token: "test-token".into(),
        api_url: Some(fake.api_url()),
        staff_channel_id: Some(STAFF),
        support_channel_id: Some(SUPPORT),
        agent_role_id: Some(AGENT_ROLE),
        guild_id: None,
        thread: Default::default(),
    })
    .expect("adapter builds");
    let engine = test_engine(
        "discord",
        STAFF,
        MemoryStore::new(),
        Router::new().with(adapter.channel()),
    );
    let (tx, stop) = stop_signal();
    let e = engine.clone();
    let task = tokio::spawn(async move { adapter.run(e, stop).await });
    fake.wait_connected().await;

    let platform = DiscordPlatform::new(fake, STAFF, AGENT_ROLE);
    run_all(&platform, engine).await;

    let _ = tx.send(());
    let r = tokio::time::timeout(WAIT, task)
        .await
        .expect("the adapter stops in time")
        .expect("the adapter task did not panic");
    assert!(r.is_ok(), "run ended with {r:?}");
}

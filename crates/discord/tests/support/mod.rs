//! The running adapter the Discord tests drive: the real serenity client against the fake
//! Discord, the real Engine with the in-memory Store, and a clean shutdown.

use std::sync::Arc;

use frontdesk_core::Router;
use frontdesk_core::testing::MemoryStore;
use frontdesk_discord::{DiscordAdapter, DiscordConfig, DiscordError};
use frontdesk_testkit::discord::{FakeDiscord, WAIT};
use frontdesk_testkit::{stop_signal, test_engine};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The adapter running against `fake`, with the desk in `staff`.
pub(crate) struct Harness {
    pub(crate) fake: FakeDiscord,
    pub(crate) store: Arc<MemoryStore>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), DiscordError>>>,
}

impl Harness {
    /// Starts the adapter with `config` (whose desk is channel `staff`) and waits until it
    /// is connected to the gateway.
    pub(crate) async fn start(fake: FakeDiscord, config: DiscordConfig, staff: u64) -> Harness {
        let adapter = DiscordAdapter::new(config).expect("adapter");
        let store = MemoryStore::new();
        let engine = test_engine(
            "discord",
            staff,
            store.clone(),
            Router::new().with(adapter.channel()),
        );
        let (tx, stop) = stop_signal();
        let task = tokio::spawn(async move { adapter.run(engine, stop).await });
        fake.wait_connected().await;
        Harness {
            fake,
            store,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the adapter and checks that its run ended cleanly.
    pub(crate) async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let r = tokio::time::timeout(WAIT, task)
                .await
                .expect("the adapter stops in time")
                .expect("the adapter task did not panic");
            assert!(r.is_ok(), "run ended with {r:?}");
        }
    }
}

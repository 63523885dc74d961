//! Test kit for Frontdesk adapters: fake platform servers on 127.0.0.1 that the real teloxide
//! and serenity clients talk to, helpers to script customers and agents, the adapter
//! conformance suite, and the set-up every adapter test shares (an Engine on the sample
//! knowledge base, a stop signal for `run`).

use std::sync::Arc;

use frontdesk_core::StopSignal;
use frontdesk_core::{DeskConfig, Engine, EngineConfig, Router, Store, SystemClock};
use frontdesk_kb::Kb;
use tokio::sync::oneshot;

pub mod conformance;
pub mod discord;
pub mod multipart;
pub mod telegram;

/// The sample knowledge base shipped in the workspace's `faq/`.
pub fn sample_kb() -> Kb {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq");
    Kb::load_dir(&dir).expect("the sample FAQ loads")
}

/// An Engine for adapter tests: the default configuration with the desk `support` on
/// `platform` in `chat_id`, the sample knowledge base and the system clock.
pub fn test_engine(
    platform: &str,
    chat_id: impl ToString,
    store: Arc<dyn Store>,
    router: Router,
) -> Arc<Engine> {
    let cfg = EngineConfig {
        desk: DeskConfig {
            name: "support".into(),
            platform: platform.into(),
            chat_id: chat_id.to_string(),
            ..DeskConfig::default()
        },
        ..EngineConfig::default()
    };
    Arc::new(
        Engine::new(cfg, store, router, Arc::new(SystemClock), sample_kb())
            .expect("the Engine builds"),
    )
}

/// A stop signal for an adapter's `run`, and the sender that fires it (dropping the sender
/// fires it too).
pub fn stop_signal() -> (oneshot::Sender<()>, StopSignal) {
    let (tx, rx) = oneshot::channel::<()>();
    let stop: StopSignal = Box::pin(async move {
        let _ = rx.await;
    });
    (tx, stop)
}

#![doc = include_str!("../README.md")]

pub mod config;
pub mod engine;
pub mod fold;
pub mod lease;
pub mod metrics;
pub mod ports;
pub mod report;
pub mod texts;
pub mod types;

#[cfg(feature = "testing")]
mod counting;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::{ConversationConfig, DeskConfig, EngineConfig, MatchingConfig, SlaConfig};
pub use engine::{AgentCommand, Engine, EngineError, Handled, TickReport, transcript_line};
pub use lease::run_exclusive;
pub use ports::{
    Channel, ChannelError, Clock, Router, Sent, Store, StoreError, StoreResult, SystemClock,
};
pub use types::*;

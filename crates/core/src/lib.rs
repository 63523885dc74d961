#![doc = include_str!("../README.md")]

pub mod config;
pub mod engine;
pub mod fold;
pub mod hours;
pub mod metrics;
pub mod outbox;
pub mod ports;
pub mod report;
pub mod split;
pub mod stop;
pub mod texts;
pub mod transcript;
pub mod types;
pub mod visible;

#[cfg(feature = "testing")]
mod counting;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::{
    ConversationConfig, DeskConfig, EngineConfig, FollowupsConfig, MatchingConfig, OutboxConfig,
    RetentionConfig, SlaConfig, SurveyConfig, TranscriptConfig,
};
pub use engine::{
    AgentCommand, DispatchReport, Engine, EngineError, HANDLE_ATTEMPTS, Handled, TickReport,
    transcript_line, transcript_line_in,
};
pub use hours::{HoursConfig, HoursError, SupportHours};
pub use outbox::{Delivery, Destination, OutboxDepth, OutboxEntry, OutboxStatus};
pub use ports::*;
pub use stop::StopSignal;
pub use types::*;

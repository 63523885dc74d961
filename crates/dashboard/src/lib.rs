#![doc = include_str!("../README.md")]

mod auth;
mod kb;
mod layout;
mod queue;
pub mod report_html;
mod reports;
mod router;
mod style;
pub mod text;
mod ticket;

#[cfg(feature = "testing")]
pub mod testing;

pub use auth::{MIN_ENV_TOKEN_LEN, NewToken, check_env_token, new_agent_token};
pub use router::{DashboardStore, KbView, Options, router};

/// An error of the dashboard's set-up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DashboardError {
    /// A setting is refused.
    #[error("{key}: {reason}")]
    Config {
        /// The setting.
        key: String,
        /// Why.
        reason: String,
    },
    /// A token's name is refused.
    #[error("token name: {0}")]
    BadName(String),
    /// The operating system's random source failed.
    #[error("random source: {0}")]
    Random(String),
}

//! Test kit for Frontdesk adapters: fake platform servers on 127.0.0.1 that the real teloxide
//! and serenity clients talk to, and helpers to script customers and agents.

pub mod conformance;
pub mod discord;
pub mod telegram;

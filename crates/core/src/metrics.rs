//! What the Engine records about its work as it goes: messages, bot replies, tickets, first
//! responses, survey scores and failed sends.
//!
//! The Engine calls [`Metrics`]; `Metrics` hands every event to a [`Recorder`]. The core has
//! no exposition format: `frontdesk run` installs a recorder that keeps Prometheus metrics
//! and serves them at `/metrics`, tests install a counting one
//! (`testing::CountingRecorder`, feature `testing`), and an Engine without one records
//! nothing. Counters count since the process started (Prometheus computes rates); the exact
//! figures over any period come from the Store (see [`crate::report`]).

use std::fmt;
use std::sync::{Arc, RwLock};

use crate::types::{Platform, ReplyOutcome};

/// Receives the Engine's events. Implementations must be cheap and must not block: they are
/// called while a message is being handled.
pub trait Recorder: Send + Sync + fmt::Debug {
    /// A customer message (text or files; button presses are not messages) was handled.
    fn customer_message(&self);
    /// An agent message in a ticket room was handled.
    fn agent_message(&self);
    /// The bot replied to a question.
    fn bot_reply(&self, outcome: ReplyOutcome);
    /// A ticket was opened.
    fn escalation(&self);
    /// A ticket got its first agent reply after `seconds`.
    fn first_response(&self, seconds: f64);
    /// A survey was answered with `score` (1-5).
    fn survey_score(&self, score: i64);
    /// A send to `platform` failed.
    fn send_failure(&self, platform: &Platform);
    /// An update from `platform` could not be handled and was kept as a dead letter.
    fn dead_letter(&self, _platform: &Platform) {}
}

/// A recorder that drops every event (an Engine nobody watches).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoRecorder;

impl Recorder for NoRecorder {
    fn customer_message(&self) {}
    fn agent_message(&self) {}
    fn bot_reply(&self, _: ReplyOutcome) {}
    fn escalation(&self) {}
    fn first_response(&self, _: f64) {}
    fn survey_score(&self, _: i64) {}
    fn send_failure(&self, _: &Platform) {}
}

/// The Engine's metrics: forwards every event to the installed [`Recorder`]
/// ([`NoRecorder`] until one is installed).
pub struct Metrics {
    recorder: RwLock<Arc<dyn Recorder>>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new(Arc::new(NoRecorder))
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("recorder", &self.recorder())
            .finish()
    }
}

impl Metrics {
    /// Metrics recorded by `recorder`.
    pub fn new(recorder: Arc<dyn Recorder>) -> Metrics {
        Metrics {
            recorder: RwLock::new(recorder),
        }
    }

    /// Sends the events from now on to `recorder` (install it before the Engine starts
    /// handling messages: earlier events went to the previous recorder).
    pub fn set_recorder(&self, recorder: Arc<dyn Recorder>) {
        *self.recorder.write().unwrap_or_else(|p| p.into_inner()) = recorder;
    }

    /// The recorder in use.
    pub fn recorder(&self) -> Arc<dyn Recorder> {
        self.recorder
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn with(&self, f: impl FnOnce(&dyn Recorder)) {
        f(self
            .recorder
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref());
    }

    /// A customer message (text or files; button presses are not messages) was handled.
    pub fn customer_message(&self) {
        self.with(|r| r.customer_message());
    }

    /// An agent message in a ticket room was handled.
    pub fn agent_message(&self) {
        self.with(|r| r.agent_message());
    }

    /// The bot replied to a question.
    pub fn bot_reply(&self, outcome: ReplyOutcome) {
        self.with(|r| r.bot_reply(outcome));
    }

    /// A ticket was opened.
    pub fn escalation(&self) {
        self.with(|r| r.escalation());
    }

    /// A ticket got its first agent reply after `seconds`.
    pub fn first_response(&self, seconds: f64) {
        self.with(|r| r.first_response(seconds));
    }

    /// A survey was answered.
    pub fn survey_score(&self, score: i64) {
        self.with(|r| r.survey_score(score));
    }

    /// A send to `platform` failed.
    pub fn send_failure(&self, platform: &Platform) {
        self.with(|r| r.send_failure(platform));
    }

    /// See [`Recorder::dead_letter`].
    pub fn dead_letter(&self, platform: &Platform) {
        self.with(|r| r.dead_letter(platform));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct Log(Mutex<Vec<String>>);

    impl Log {
        fn push(&self, s: String) {
            self.0.lock().unwrap().push(s);
        }
    }

    impl Recorder for Log {
        fn customer_message(&self) {
            self.push("customer".into());
        }
        fn agent_message(&self) {
            self.push("agent".into());
        }
        fn bot_reply(&self, o: ReplyOutcome) {
            self.push(format!("reply {}", o.as_str()));
        }
        fn escalation(&self) {
            self.push("escalation".into());
        }
        fn first_response(&self, s: f64) {
            self.push(format!("first {s}"));
        }
        fn survey_score(&self, s: i64) {
            self.push(format!("score {s}"));
        }
        fn send_failure(&self, p: &Platform) {
            self.push(format!("failure {p}"));
        }
    }

    #[test]
    fn every_event_reaches_the_installed_recorder_and_none_before() {
        let m = Metrics::default();
        m.customer_message();
        let log = Arc::new(Log::default());
        m.set_recorder(log.clone());
        m.customer_message();
        m.agent_message();
        m.bot_reply(ReplyOutcome::Suggested);
        m.escalation();
        m.first_response(120.5);
        m.survey_score(4);
        m.send_failure(&Platform::telegram());
        assert_eq!(
            *log.0.lock().unwrap(),
            [
                "customer",
                "agent",
                "reply suggested",
                "escalation",
                "first 120.5",
                "score 4",
                "failure telegram"
            ]
        );
    }
}

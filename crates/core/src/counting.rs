//! [`CountingRecorder`]: the Engine's metrics counted in memory, for tests (feature
//! `testing`; re-exported from [`crate::testing`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::types::{Platform, ReplyOutcome};

/// A [`crate::metrics::Recorder`] that counts every event, for tests of what the Engine
/// records. Install it with [`CountingRecorder::install`].
#[derive(Debug, Default)]
pub struct CountingRecorder {
    tally: Mutex<Tally>,
}

/// What a [`CountingRecorder`] counted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    /// Customer messages handled.
    pub customer_messages: u64,
    /// Agent messages handled.
    pub agent_messages: u64,
    /// Bot replies, by outcome.
    pub replies: HashMap<ReplyOutcome, u64>,
    /// Tickets opened.
    pub escalations: u64,
    /// First-response times, seconds, in the order recorded.
    pub first_responses: Vec<f64>,
    /// Survey scores, in the order recorded.
    pub survey_scores: Vec<i64>,
    /// Failed sends, by platform.
    pub send_failures: HashMap<String, u64>,
}

impl CountingRecorder {
    /// A new recorder installed on `engine`'s metrics.
    pub fn install(engine: &crate::Engine) -> Arc<CountingRecorder> {
        let r = Arc::new(CountingRecorder::default());
        engine.metrics().set_recorder(r.clone());
        r
    }

    /// What was counted so far.
    pub fn tally(&self) -> Tally {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl crate::metrics::Recorder for CountingRecorder {
    fn customer_message(&self) {
        self.lock().customer_messages += 1;
    }
    fn agent_message(&self) {
        self.lock().agent_messages += 1;
    }
    fn bot_reply(&self, outcome: ReplyOutcome) {
        *self.lock().replies.entry(outcome).or_default() += 1;
    }
    fn escalation(&self) {
        self.lock().escalations += 1;
    }
    fn first_response(&self, seconds: f64) {
        self.lock().first_responses.push(seconds);
    }
    fn survey_score(&self, score: i64) {
        self.lock().survey_scores.push(score);
    }
    fn send_failure(&self, platform: &Platform) {
        *self
            .lock()
            .send_failures
            .entry(platform.as_str().to_owned())
            .or_default() += 1;
    }
}

//! Live counters and histograms of one running Engine, in the Prometheus text format.
//!
//! The Engine updates [`Metrics`] as it works; `frontdesk run` serves [`Metrics::render`] at
//! `/metrics`. Counters count since the process started (Prometheus computes rates); the exact
//! figures over any period come from the Store (see [`crate::report`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::types::{Platform, ReplyOutcome};

/// A histogram with fixed upper bounds.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    sum_milli: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_milli: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// Records one observation.
    pub fn observe(&self, v: f64) {
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            if v <= *b {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_milli
            .fetch_add((v.max(0.0) * 1000.0).round() as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{b}\"}} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let n = self.count();
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {n}");
        let sum = self.sum_milli.load(Ordering::Relaxed) as f64 / 1000.0;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {n}");
    }
}

/// First-response buckets, seconds: 1, 5, 15, 30 minutes, 1, 2, 4, 8, 24 hours.
const FIRST_RESPONSE_BOUNDS: &[f64] = &[
    60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0,
];
/// Survey score buckets.
const SCORE_BOUNDS: &[f64] = &[1.0, 2.0, 3.0, 4.0, 5.0];

/// The Engine's live metrics.
#[derive(Debug)]
pub struct Metrics {
    customer_messages: AtomicU64,
    agent_messages: AtomicU64,
    replies: [AtomicU64; 3],
    escalations: AtomicU64,
    first_response: Histogram,
    survey_scores: Histogram,
    send_failures: Mutex<BTreeMap<String, u64>>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            customer_messages: AtomicU64::new(0),
            agent_messages: AtomicU64::new(0),
            replies: Default::default(),
            escalations: AtomicU64::new(0),
            first_response: Histogram::new(FIRST_RESPONSE_BOUNDS),
            survey_scores: Histogram::new(SCORE_BOUNDS),
            send_failures: Mutex::new(BTreeMap::new()),
        }
    }
}

fn outcome_index(o: ReplyOutcome) -> usize {
    match o {
        ReplyOutcome::Answered => 0,
        ReplyOutcome::Suggested => 1,
        ReplyOutcome::Escalated => 2,
    }
}

impl Metrics {
    /// A customer message (text or files; button presses are not messages) was handled.
    pub fn customer_message(&self) {
        self.customer_messages.fetch_add(1, Ordering::Relaxed);
    }

    /// An agent message in a ticket room was handled.
    pub fn agent_message(&self) {
        self.agent_messages.fetch_add(1, Ordering::Relaxed);
    }

    /// The bot replied to a question.
    pub fn bot_reply(&self, outcome: ReplyOutcome) {
        self.replies[outcome_index(outcome)].fetch_add(1, Ordering::Relaxed);
    }

    /// The bot replies so far with this outcome.
    pub fn bot_replies(&self, outcome: ReplyOutcome) -> u64 {
        self.replies[outcome_index(outcome)].load(Ordering::Relaxed)
    }

    /// A ticket was opened.
    pub fn escalation(&self) {
        self.escalations.fetch_add(1, Ordering::Relaxed);
    }

    /// A ticket got its first agent reply after `seconds`.
    pub fn first_response(&self, seconds: f64) {
        self.first_response.observe(seconds);
    }

    /// A survey was answered.
    pub fn survey_score(&self, score: i64) {
        self.survey_scores.observe(score as f64);
    }

    /// A send to `platform` failed.
    pub fn send_failure(&self, platform: &Platform) {
        let mut m = self.send_failures.lock().unwrap_or_else(|p| p.into_inner());
        *m.entry(platform.as_str().to_owned()).or_default() += 1;
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        };
        let _ = writeln!(
            out,
            "# HELP frontdesk_messages_total Messages handled, by author.\n\
             # TYPE frontdesk_messages_total counter\n\
             frontdesk_messages_total{{author=\"customer\"}} {}\n\
             frontdesk_messages_total{{author=\"agent\"}} {}",
            self.customer_messages.load(Ordering::Relaxed),
            self.agent_messages.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP frontdesk_bot_replies_total Customer questions the bot handled, by outcome.\n\
             # TYPE frontdesk_bot_replies_total counter"
        );
        for o in [
            ReplyOutcome::Answered,
            ReplyOutcome::Suggested,
            ReplyOutcome::Escalated,
        ] {
            let _ = writeln!(
                out,
                "frontdesk_bot_replies_total{{outcome=\"{}\"}} {}",
                o.as_str(),
                self.bot_replies(o)
            );
        }
        counter(
            &mut out,
            "frontdesk_escalations_total",
            "Tickets opened.",
            self.escalations.load(Ordering::Relaxed),
        );
        self.first_response.render(
            &mut out,
            "frontdesk_first_response_seconds",
            "Time from a ticket's opening to its first agent reply.",
        );
        self.survey_scores.render(
            &mut out,
            "frontdesk_survey_score",
            "Satisfaction survey scores (1-5).",
        );
        let _ = writeln!(
            out,
            "# HELP frontdesk_send_failures_total Sends an adapter could not deliver, by platform.\n\
             # TYPE frontdesk_send_failures_total counter"
        );
        let failures = self
            .send_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        for (p, n) in failures {
            let p = p.replace(['\\', '"', '\n'], "_");
            let _ = writeln!(out, "frontdesk_send_failures_total{{platform=\"{p}\"}} {n}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.customer_message();
        m.customer_message();
        m.agent_message();
        m.bot_reply(ReplyOutcome::Answered);
        m.escalation();
        m.first_response(120.0);
        m.first_response(4000.0);
        m.survey_score(4);
        m.send_failure(&Platform::telegram());
        let t = m.render();
        for line in [
            "frontdesk_messages_total{author=\"customer\"} 2",
            "frontdesk_messages_total{author=\"agent\"} 1",
            "frontdesk_bot_replies_total{outcome=\"answered\"} 1",
            "frontdesk_bot_replies_total{outcome=\"escalated\"} 0",
            "frontdesk_escalations_total 1",
            "frontdesk_first_response_seconds_bucket{le=\"60\"} 0",
            "frontdesk_first_response_seconds_bucket{le=\"300\"} 1",
            "frontdesk_first_response_seconds_bucket{le=\"7200\"} 2",
            "frontdesk_first_response_seconds_bucket{le=\"+Inf\"} 2",
            "frontdesk_first_response_seconds_sum 4120",
            "frontdesk_first_response_seconds_count 2",
            "frontdesk_survey_score_bucket{le=\"3\"} 0",
            "frontdesk_survey_score_bucket{le=\"4\"} 1",
            "frontdesk_send_failures_total{platform=\"telegram\"} 1",
        ] {
            assert!(t.lines().any(|l| l == line), "missing `{line}` in\n{t}");
        }
        // Every sample line is "name{labels} value" or "name value".
        for l in t.lines().filter(|l| !l.starts_with('#')) {
            let v = l.rsplit(' ').next().unwrap();
            assert!(v.parse::<f64>().is_ok(), "{l}");
        }
    }
}

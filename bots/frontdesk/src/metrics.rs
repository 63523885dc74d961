//! The Prometheus metrics of a running bot, kept with `prometheus-client` and served at
//! `/metrics` in the Prometheus text format (version 0.0.4).
//!
//! [`PromMetrics`] is the Engine's [`Recorder`]: install it with
//! `engine.metrics().set_recorder(...)`. Label values are escaped by the library. To add a
//! metric, add a field, register it in [`PromMetrics::new`] and update it where its value
//! changes; a gauge per platform, for example:
//!
//! ```text
//! let outbox_depth = Family::<PlatformLabel, Gauge>::default();
//! registry.register("frontdesk_outbox_depth", "Messages waiting to be sent, by platform",
//!     outbox_depth.clone());
//! // later, e.g. from the periodic tick:
//! outbox_depth.get_or_create(&PlatformLabel { platform: p.as_str().to_owned() }).set(n);
//! ```

use std::fmt;

use frontdesk_core::metrics::Recorder;
use frontdesk_core::{OutboxDepth, Platform, ReplyOutcome, Timestamp};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`PromMetrics::render`].
pub(crate) const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// First-response buckets, seconds: 1, 5, 15, 30 minutes, 1, 2, 4, 8, 24 hours.
const FIRST_RESPONSE_BOUNDS: [f64; 9] = [
    60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0,
];
/// Survey score buckets.
const SCORE_BOUNDS: [f64; 5] = [1.0, 2.0, 3.0, 4.0, 5.0];

/// `author="customer"` or `author="agent"`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AuthorLabel {
    author: &'static str,
}

/// `outcome="answered"` etc.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

/// `platform="telegram"` etc.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlatformLabel {
    platform: String,
}

/// The bot's metrics and the registry they are exposed from.
pub(crate) struct PromMetrics {
    registry: Registry,
    messages: Family<AuthorLabel, Counter>,
    replies: Family<OutcomeLabel, Counter>,
    escalations: Counter,
    first_response: Histogram,
    survey_scores: Histogram,
    send_failures: Family<PlatformLabel, Counter>,
    dead_letters: Family<PlatformLabel, Counter>,
    outbox_depth: Family<PlatformLabel, Gauge>,
    outbox_oldest: Family<PlatformLabel, Gauge>,
    /// Platforms the outbox gauges were ever set for (kept at 0 once drained).
    outbox_platforms: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl fmt::Debug for PromMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromMetrics").finish_non_exhaustive()
    }
}

impl Default for PromMetrics {
    fn default() -> Self {
        PromMetrics::new()
    }
}

impl PromMetrics {
    /// Every metric registered, the series known in advance at 0.
    pub(crate) fn new() -> PromMetrics {
        let mut registry = Registry::default();
        // Counter names are registered without `_total`: the encoder appends it. Help texts
        // without the final period: the registry appends it.
        let messages = Family::<AuthorLabel, Counter>::default();
        registry.register(
            "frontdesk_messages",
            "Messages handled, by author",
            messages.clone(),
        );
        let replies = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "frontdesk_bot_replies",
            "Customer questions the bot handled, by outcome",
            replies.clone(),
        );
        let escalations = Counter::default();
        registry.register(
            "frontdesk_escalations",
            "Tickets opened",
            escalations.clone(),
        );
        let first_response = Histogram::new(FIRST_RESPONSE_BOUNDS);
        registry.register(
            "frontdesk_first_response_seconds",
            "Time from a ticket's opening to its first agent reply",
            first_response.clone(),
        );
        let survey_scores = Histogram::new(SCORE_BOUNDS);
        registry.register(
            "frontdesk_survey_score",
            "Satisfaction survey scores (1-5)",
            survey_scores.clone(),
        );
        let send_failures = Family::<PlatformLabel, Counter>::default();
        registry.register(
            "frontdesk_send_failures",
            "Sends an adapter could not deliver, by platform",
            send_failures.clone(),
        );
        let dead_letters = Family::<PlatformLabel, Counter>::default();
        registry.register(
            "frontdesk_dead_letters",
            "Updates that could not be handled and were kept with their error, by platform",
            dead_letters.clone(),
        );
        let outbox_depth = Family::<PlatformLabel, Gauge>::default();
        registry.register(
            "frontdesk_outbox_depth",
            "Messages in the outbox waiting to be delivered, by platform",
            outbox_depth.clone(),
        );
        let outbox_oldest = Family::<PlatformLabel, Gauge>::default();
        registry.register(
            "frontdesk_outbox_oldest_seconds",
            "Age of the oldest message waiting in the outbox, by platform (0 when none waits)",
            outbox_oldest.clone(),
        );
        for author in ["customer", "agent"] {
            let _ = messages.get_or_create(&AuthorLabel { author });
        }
        for o in [
            ReplyOutcome::Answered,
            ReplyOutcome::Suggested,
            ReplyOutcome::Escalated,
        ] {
            let _ = replies.get_or_create(&OutcomeLabel {
                outcome: o.as_str(),
            });
        }
        PromMetrics {
            registry,
            messages,
            replies,
            escalations,
            first_response,
            survey_scores,
            send_failures,
            dead_letters,
            outbox_depth,
            outbox_oldest,
            outbox_platforms: Default::default(),
        }
    }

    /// Sets the outbox gauges from the Store's figures (read at every scrape); a platform
    /// seen before and absent now is set to 0.
    pub(crate) fn set_outbox(&self, depth: &[OutboxDepth], now: Timestamp) {
        let mut seen = self
            .outbox_platforms
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        seen.extend(depth.iter().map(|d| d.platform.as_str().to_owned()));
        for platform in seen.iter() {
            let d = depth.iter().find(|d| d.platform.as_str() == platform);
            let label = PlatformLabel {
                platform: platform.clone(),
            };
            self.outbox_depth
                .get_or_create(&label)
                .set(d.map_or(0, |d| d.pending));
            let age = d
                .and_then(|d| d.oldest)
                .map_or(0, |o| (now.millis() - o.millis()).max(0) / 1000);
            self.outbox_oldest.get_or_create(&label).set(age);
        }
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

impl Recorder for PromMetrics {
    fn customer_message(&self) {
        self.messages
            .get_or_create(&AuthorLabel { author: "customer" })
            .inc();
    }

    fn agent_message(&self) {
        self.messages
            .get_or_create(&AuthorLabel { author: "agent" })
            .inc();
    }

    fn bot_reply(&self, outcome: ReplyOutcome) {
        self.replies
            .get_or_create(&OutcomeLabel {
                outcome: outcome.as_str(),
            })
            .inc();
    }

    fn escalation(&self) {
        self.escalations.inc();
    }

    fn first_response(&self, seconds: f64) {
        self.first_response.observe(seconds.max(0.0));
    }

    fn survey_score(&self, score: i64) {
        self.survey_scores.observe(score as f64);
    }

    fn dead_letter(&self, platform: &Platform) {
        self.dead_letters
            .get_or_create(&PlatformLabel {
                platform: platform.as_str().to_owned(),
            })
            .inc();
    }

    fn send_failure(&self, platform: &Platform) {
        self.send_failures
            .get_or_create(&PlatformLabel {
                platform: platform.as_str().to_owned(),
            })
            .inc();
    }
}

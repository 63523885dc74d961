//! The HTTP endpoint of a running bot: `/metrics` (Prometheus text format, the outbox gauges
//! read from the database at each scrape) and `/healthz` (200 when the database answers within
//! 5 s and no message has waited in the outbox longer than `metrics.degraded_after_seconds`;
//! 503 with the reason otherwise), served within
//! [`HttpLimits`](frontdesk_telegram::HttpLimits) (read timeouts, a connection limit, load
//! shedding) by [`frontdesk_telegram::serve_http`].

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use frontdesk_core::Engine;
use frontdesk_core::ports::*;
use tracing::warn;

use crate::metrics::{CONTENT_TYPE, PromMetrics};

/// How long `/healthz` waits for the database.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);

/// What the handlers share.
#[derive(Clone)]
struct Shared {
    engine: Arc<Engine>,
    metrics: Arc<PromMetrics>,
    degraded_after: Duration,
}

/// The routes, sharing the Engine and its Prometheus metrics. `/healthz` reports degraded
/// once a message has waited in the outbox longer than `degraded_after`.
pub(crate) fn router(
    engine: Arc<Engine>,
    metrics: Arc<PromMetrics>,
    degraded_after: Duration,
) -> Router {
    Router::new()
        .route("/metrics", get(metrics_page))
        .route("/healthz", get(healthz))
        .with_state(Shared {
            engine,
            metrics,
            degraded_after,
        })
}

async fn metrics_page(State(sh): State<Shared>) -> impl IntoResponse {
    match tokio::time::timeout(HEALTH_TIMEOUT, sh.engine.store().outbox_depth()).await {
        Ok(Ok(depth)) => sh.metrics.set_outbox(&depth, SystemClock.now()),
        Ok(Err(e)) => warn!(error = %e, "outbox depth not read for /metrics"),
        Err(_) => warn!("outbox depth not read for /metrics: the database did not answer"),
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], sh.metrics.render())
}

async fn healthz(State(sh): State<Shared>) -> impl IntoResponse {
    let depth = match tokio::time::timeout(HEALTH_TIMEOUT, sh.engine.store().outbox_depth()).await {
        Ok(Ok(depth)) => depth,
        Ok(Err(e)) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("database unavailable: {e}\n"),
            );
        }
        Err(_) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("database did not answer within {HEALTH_TIMEOUT:?}\n"),
            );
        }
    };
    let now = SystemClock.now();
    let limit = i64::try_from(sh.degraded_after.as_millis()).unwrap_or(i64::MAX);
    let late: Vec<String> = depth
        .iter()
        .filter_map(|d| {
            let age = now.millis() - d.oldest?.millis();
            (age > limit).then(|| {
                format!(
                    "{} message(s) waiting for {}, the oldest for {} s",
                    d.pending,
                    d.platform,
                    age / 1000
                )
            })
        })
        .collect();
    if late.is_empty() {
        (StatusCode::OK, "ok\n".to_owned())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "degraded: {} (longer than {} s)\n",
                late.join("; "),
                sh.degraded_after.as_secs()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use frontdesk_core::testing::MemoryStore;
    use frontdesk_core::{Platform, ReplyOutcome};
    use prometheus_parse::{Scrape, Value};

    use super::*;

    /// Serves the routes on a loopback port; the address and the stop sender.
    async fn serve(
        engine: Arc<Engine>,
        metrics: Arc<PromMetrics>,
    ) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
        serve_with(engine, metrics, Duration::from_secs(300)).await
    }

    async fn serve_with(
        engine: Arc<Engine>,
        metrics: Arc<PromMetrics>,
        degraded_after: Duration,
    ) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(frontdesk_telegram::serve_http(
            listener,
            router(engine, metrics, degraded_after),
            frontdesk_telegram::HttpLimits::default(),
            async move {
                let _ = rx.await;
            },
            Duration::from_secs(1),
        ));
        (addr, tx)
    }

    fn label_key(s: &prometheus_parse::Sample) -> String {
        let labels: BTreeMap<_, _> = s.labels.iter().collect();
        format!("{}{labels:?}", s.metric)
    }

    #[tokio::test]
    async fn a_scrape_of_metrics_parses_and_has_every_series_with_labels_escaped() {
        let engine = frontdesk_testkit::test_engine(
            "terminal",
            "desk",
            MemoryStore::new(),
            frontdesk_core::Router::new(),
        );
        let prom = Arc::new(PromMetrics::new());
        engine.metrics().set_recorder(prom.clone());
        // Through the Engine-facing API, as the Engine records.
        let m = engine.metrics();
        m.customer_message();
        m.customer_message();
        m.agent_message();
        m.bot_reply(ReplyOutcome::Answered);
        m.bot_reply(ReplyOutcome::Suggested);
        m.escalation();
        m.first_response(120.0);
        m.first_response(4000.0);
        m.survey_score(4);
        for p in [
            "telegram",
            "lt/et",
            "Support \"EU\"",
            "Support _EU_",
            "a\\b\nc",
        ] {
            m.send_failure(&Platform(p.into()));
        }

        let (addr, _stop) = serve(engine.clone(), prom).await;
        let res = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let body = res.text().await.unwrap();
        let scrape = Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).unwrap();

        // The help texts of every family, unchanged.
        for (name, help) in [
            ("frontdesk_messages_total", "Messages handled, by author."),
            (
                "frontdesk_bot_replies_total",
                "Customer questions the bot handled, by outcome.",
            ),
            ("frontdesk_escalations_total", "Tickets opened."),
            (
                "frontdesk_first_response_seconds",
                "Time from a ticket's opening to its first agent reply.",
            ),
            (
                "frontdesk_survey_score",
                "Satisfaction survey scores (1-5).",
            ),
            (
                "frontdesk_send_failures_total",
                "Sends an adapter could not deliver, by platform.",
            ),
        ] {
            assert_eq!(
                scrape.docs.get(name).map(String::as_str),
                Some(help),
                "{body}"
            );
        }
        for (name, kind) in [
            ("frontdesk_messages_total", "counter"),
            ("frontdesk_bot_replies_total", "counter"),
            ("frontdesk_escalations_total", "counter"),
            ("frontdesk_first_response_seconds", "histogram"),
            ("frontdesk_survey_score", "histogram"),
            ("frontdesk_send_failures_total", "counter"),
        ] {
            let line = format!("# TYPE {name} {kind}");
            assert!(body.lines().any(|l| l == line), "no `{line}` in\n{body}");
        }

        // Every series, with its value: nothing more, nothing less.
        let mut series = BTreeMap::new();
        for s in &scrape.samples {
            let v = match &s.value {
                Value::Counter(v) | Value::Untyped(v) | Value::Gauge(v) => vec![(f64::NAN, *v)],
                Value::Histogram(h) => h.iter().map(|b| (b.less_than, b.count)).collect(),
                Value::Summary(_) => panic!("no summaries: {s:?}"),
            };
            assert!(
                series.insert(label_key(s), v).is_none(),
                "a series twice: {s:?}\n{body}"
            );
        }
        let counter = |v: f64| vec![(f64::NAN, v)];
        let buckets = |bounds: &[f64], counts: &[f64]| {
            bounds
                .iter()
                .copied()
                .chain([f64::INFINITY])
                .zip(counts.iter().copied())
                .collect::<Vec<_>>()
        };
        let mut want = BTreeMap::new();
        let mut put = |name: &str, labels: &[(&str, &str)], v: Vec<(f64, f64)>| {
            let labels: BTreeMap<String, String> = labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let labels: BTreeMap<&String, &String> = labels.iter().collect();
            want.insert(format!("{name}{labels:?}"), v);
        };
        put(
            "frontdesk_messages_total",
            &[("author", "customer")],
            counter(2.0),
        );
        put(
            "frontdesk_messages_total",
            &[("author", "agent")],
            counter(1.0),
        );
        for (o, n) in [("answered", 1.0), ("suggested", 1.0), ("escalated", 0.0)] {
            put("frontdesk_bot_replies_total", &[("outcome", o)], counter(n));
        }
        put("frontdesk_escalations_total", &[], counter(1.0));
        put(
            "frontdesk_first_response_seconds",
            &[],
            buckets(
                &[
                    60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0,
                ],
                &[0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0],
            ),
        );
        put("frontdesk_first_response_seconds_sum", &[], counter(4120.0));
        put("frontdesk_first_response_seconds_count", &[], counter(2.0));
        put(
            "frontdesk_survey_score",
            &[],
            buckets(&[1.0, 2.0, 3.0, 4.0, 5.0], &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
        );
        put("frontdesk_survey_score_sum", &[], counter(4.0));
        put("frontdesk_survey_score_count", &[], counter(1.0));
        // The parser does not unescape label values: the escaped forms are checked below.
        for p in ["telegram", "lt/et", "Support _EU_"] {
            put(
                "frontdesk_send_failures_total",
                &[("platform", p)],
                counter(1.0),
            );
        }
        let plain: BTreeMap<_, _> = series
            .iter()
            .filter(|(k, _)| !k.contains('\\'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let fmt = |m: &BTreeMap<String, Vec<(f64, f64)>>| format!("{m:#?}");
        assert_eq!(fmt(&plain), fmt(&want), "{body}");

        // Label values escaped as the exposition format requires: `\"`, `\\`, `\n`; a
        // platform never reported under another's name.
        for line in [
            r#"frontdesk_send_failures_total{platform="Support \"EU\""} 1"#,
            r#"frontdesk_send_failures_total{platform="Support _EU_"} 1"#,
            r#"frontdesk_send_failures_total{platform="a\\b\nc"} 1"#,
            r#"frontdesk_send_failures_total{platform="lt/et"} 1"#,
        ] {
            assert!(body.lines().any(|l| l == line), "no `{line}` in\n{body}");
        }
        assert_eq!(
            body.lines()
                .filter(|l| l.starts_with("frontdesk_send_failures_total{"))
                .count(),
            5,
            "{body}"
        );

        let health = reqwest::get(format!("http://{addr}/healthz"))
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(health.text().await.unwrap(), "ok\n");
    }

    #[tokio::test]
    async fn the_outbox_shows_in_metrics_and_a_stuck_one_degrades_healthz() {
        use frontdesk_core::testing::RecordingChannel;
        use frontdesk_core::{Content, Endpoint, Inbound, Party, Role};
        let channel = RecordingChannel::new(Platform::terminal());
        channel.set_failing(true);
        let engine = frontdesk_testkit::test_engine(
            "terminal",
            "desk",
            MemoryStore::new(),
            frontdesk_core::Router::new().with(channel.clone()),
        );
        let prom = Arc::new(PromMetrics::new());
        engine.metrics().set_recorder(prom.clone());
        let msg = Inbound {
            platform_msg_id: "u1".into(),
            from: Party {
                platform: Platform::terminal(),
                user_id: "ann".into(),
                display_name: "Ann".into(),
                locale: None,
                role: Role::Customer,
            },
            at: Endpoint::chat(Platform::terminal(), "dm-ann"),
            content: Content::Text("Where is my order?".into()),
            sent_at: None,
        };
        // The platform is down: the answer waits in the outbox.
        engine.handle(msg.clone()).await.unwrap();
        // An update kept as a dead letter is counted.
        let mut dead = msg.clone();
        dead.platform_msg_id = "u2".into();
        assert!(engine.dead_letter(&dead, "a bug").await.unwrap());
        let (addr, _stop) = serve_with(engine.clone(), prom, Duration::ZERO).await;
        let body = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let scrape = Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).unwrap();
        let value = |name: &str| {
            scrape
                .samples
                .iter()
                .find(|s| s.metric == name && s.labels.get("platform") == Some("terminal"))
                .map(|s| match s.value {
                    Value::Gauge(v) | Value::Counter(v) | Value::Untyped(v) => v,
                    _ => f64::NAN,
                })
        };
        // The answer and the "we got your message" of the dead letter.
        assert_eq!(value("frontdesk_outbox_depth"), Some(2.0), "{body}");
        assert!(value("frontdesk_outbox_oldest_seconds").is_some(), "{body}");
        assert_eq!(value("frontdesk_dead_letters_total"), Some(1.0), "{body}");
        let health = reqwest::get(format!("http://{addr}/healthz"))
            .await
            .unwrap();
        assert_eq!(health.status(), 503);
        let text = health.text().await.unwrap();
        assert!(
            text.starts_with("degraded: 2 message(s) waiting for terminal"),
            "{text}"
        );
    }
}

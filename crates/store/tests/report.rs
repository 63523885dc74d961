//! The reporting role in SQL gives the same report as the pure definition
//! (`report::compute` over everything `report::load` reads), on one seeded history, on SQLite
//! and PostgreSQL (when `FRONTDESK_TEST_POSTGRES_URL` names a server; required when `CI=true`).

use frontdesk_core::report::{self, DAY_MS, Report, ReportRange};
use frontdesk_core::*;
use frontdesk_store::SqlStore;
use frontdesk_store::testing::seed::{SeedSpec, seed};

/// 2026-01-05 00:00 UTC.
const START: i64 = 1_767_571_200_000;

fn ranges() -> Vec<ReportRange> {
    let day = |d: i64| Some(Timestamp(START + d * DAY_MS));
    vec![
        ReportRange::default(),
        ReportRange {
            since: day(10),
            until: day(40),
            desk: None,
        },
        ReportRange {
            since: day(20),
            until: day(27),
            desk: Some("billing".into()),
        },
        ReportRange {
            since: day(0),
            until: None,
            desk: Some("sales".into()),
        },
        // Ends in the middle of days (read from the replies), whole days between.
        ReportRange {
            since: Some(Timestamp(START + 10 * DAY_MS + DAY_MS / 2 + 17)),
            until: Some(Timestamp(START + 40 * DAY_MS + DAY_MS / 3)),
            desk: None,
        },
        // Nothing in it.
        ReportRange {
            since: day(400),
            until: day(401),
            desk: None,
        },
    ]
}

async fn both_paths_agree(store: SqlStore) {
    let seeded = seed(
        &store,
        &SeedSpec {
            tickets: 900,
            start: START,
            span_ms: 60 * DAY_MS,
            seed: 13,
        },
    )
    .await
    .expect("seed");
    assert_eq!(seeded.tickets, 900);
    for range in ranges() {
        let pure: Report = report::compute(&report::load(&store, &range).await.unwrap(), &range);
        let sql = report::from_store(&store, &range).await.unwrap();
        assert_eq!(sql, pure, "range {range:?}");
        if range == ReportRange::default() {
            // The history exercises every figure.
            assert_eq!(pure.tickets_opened, 900);
            assert!(pure.reopened > 10, "{}", pure.reopened);
            assert!(pure.awaiting_first_response > 5);
            assert!(pure.one_touch_resolution.unwrap() > 5.0);
            assert!(pure.one_touch_resolution < pure.single_agent_resolution);
            assert!(pure.nps.answered > 50 && pure.ces.answered > 50);
            assert!(pure.bot_confirmed_rate.unwrap() > 0.0);
            assert!(pure.bot_assumed_rate.unwrap() > 0.0);
            assert!(pure.handling.count > 500 && pure.agent_span.count > 500);
            assert_eq!(pure.agents.len(), 12);
            assert!(!pure.gaps.is_empty() && !pure.worst_entries.is_empty());
        }
    }
}

/// A small history written through the Store's own API (the write paths the Engine uses):
/// handovers between agents, a reopen, surveys with NPS and CES, bot verdicts.
async fn written_through_the_api(store: &SqlStore) {
    let min = |m: i64| Timestamp(START + m * 60_000);
    let agents = [
        Agent {
            id: "telegram:1".into(),
            name: "Alice".into(),
        },
        Agent {
            id: "telegram:2".into(),
            name: "Bob".into(),
        },
    ];
    for i in 0..12i64 {
        let base = i * 600;
        let party = Party {
            platform: Platform::telegram(),
            user_id: format!("u{}", i % 5),
            display_name: format!("C{i}"),
            locale: None,
            role: Role::Customer,
        };
        let ep = Endpoint::chat(Platform::telegram(), format!("u{}", i % 5));
        let c = store.upsert_customer(&party, &ep, min(base)).await.unwrap();
        let verdict = [Some(Feedback::Solved), Some(Feedback::NotSolved), None][i as usize % 3];
        let r = store
            .record_bot_reply(&NewBotReply {
                customer: c.id,
                question: ["Where is my parcel?", "refund", "where is my parcel"][i as usize % 3]
                    .into(),
                outcome: ReplyOutcome::Answered,
                entry_id: Some(format!("e{}", i % 4)),
                lang: Some("en".into()),
                confidence: 0.7,
                at: min(base),
            })
            .await
            .unwrap();
        if let Some(v) = verdict {
            store
                .set_bot_reply_feedback(r, c.id, v, min(base + 1))
                .await
                .unwrap();
        }
        if i % 4 == 3 {
            continue; // deflected: no ticket
        }
        let say = |ticket, author, at| NewMessage {
            customer: c.id,
            ticket: Some(ticket),
            author,
            author_id: None,
            author_name: "x".into(),
            body: "text".into(),
            attachments: vec![],
            platform_msg: None,
            at,
        };
        let t = store
            .open_ticket(&NewTicket {
                desk: ["support", "billing"][i as usize % 2].into(),
                customer: c.id,
                customer_endpoint: ep.clone(),
                customer_name: c.display_name.clone(),
                subject: "s".into(),
                lang: "en".into(),
                priority: Priority::Normal,
                bot_tried: String::new(),
                opened_at: min(base + 2),
                transcript_since: min(base),
            })
            .await
            .unwrap();
        store
            .record_message(&say(t.id, AuthorKind::Customer, min(base + 2)))
            .await
            .unwrap();
        if i % 6 == 5 {
            continue; // awaiting a first response
        }
        let a = &agents[i as usize % 2];
        if i % 2 == 0 {
            store.claim_ticket(t.id, a, min(base + 3)).await.unwrap();
        }
        for k in 0..(1 + i % 3) {
            let at = min(base + 5 + 7 * k);
            store.record_agent_reply(t.id, a, at).await.unwrap();
            if k == 0 && i % 2 == 1 {
                // In business hours, set once: the second value is not taken.
                let ms = 60_000 * (i + 1);
                store.set_business_first_response(t.id, ms).await.unwrap();
                store.set_business_first_response(t.id, 1).await.unwrap();
                let kept = store.ticket(t.id).await.unwrap().unwrap();
                assert_eq!(kept.first_response_business_ms, Some(ms));
            }
            store
                .record_message(&say(t.id, AuthorKind::Agent, at))
                .await
                .unwrap();
            store
                .record_message(&say(t.id, AuthorKind::Customer, min(base + 8 + 7 * k)))
                .await
                .unwrap();
        }
        store
            .close_ticket(t.id, Some(a), min(base + 40))
            .await
            .unwrap();
        store.survey_offered(t.id, min(base + 40)).await.unwrap();
        if i % 5 == 1 {
            // Reopened; the other agent answers and closes.
            let b = &agents[(i as usize + 1) % 2];
            store
                .reopen_ticket(t.id, None, min(base + 100))
                .await
                .unwrap();
            store
                .record_agent_reply(t.id, b, min(base + 120))
                .await
                .unwrap();
            store
                .close_ticket(t.id, Some(b), min(base + 130))
                .await
                .unwrap();
            store.survey_offered(t.id, min(base + 130)).await.unwrap();
        }
        if i % 3 != 2 {
            store
                .survey_score(t.id, 1 + i % 5, min(base + 141))
                .await
                .unwrap();
            store
                .survey_answer(t.id, SurveyQuestion::Nps, i % 11)
                .await
                .unwrap();
            store
                .survey_answer(t.id, SurveyQuestion::Ces, 1 + i % 7)
                .await
                .unwrap();
        }
    }
    let range = ReportRange::default();
    let pure = report::compute(&report::load(store, &range).await.unwrap(), &range);
    assert_eq!(report::from_store(store, &range).await.unwrap(), pure);
    assert!(pure.tickets_closed > 0 && pure.reopened > 0 && pure.nps.answered > 0);
    assert!(pure.handling.count > 0 && pure.bot_confirmed_rate > Some(0.0));
    assert!(pure.first_response_business.count > 0);
    let billing = ReportRange {
        desk: Some("billing".into()),
        ..ReportRange::default()
    };
    let pure = report::compute(&report::load(store, &billing).await.unwrap(), &billing);
    assert_eq!(report::from_store(store, &billing).await.unwrap(), pure);

    // The facts kept by each write are the facts built from the timelines and transcripts.
    let kept = facts(store).await;
    assert!(kept.iter().any(|f| f.contains("multi 1")), "{kept:?}");
    assert!(
        kept.iter().any(|f| f.contains("next ticket Some")),
        "{kept:?}"
    );
    store.rebuild_report_facts().await.unwrap();
    assert_eq!(facts(store).await, kept);
}

/// Every ticket's report facts, one line per ticket.
async fn facts(store: &SqlStore) -> Vec<String> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT id, agent_replies, first_agent, multi_agent, first_replier, first_reply_at, \
         acted, span_ms, span_start, handling_ms, last_msg_at, surveyed, survey_score, survey_nps, \
         survey_ces FROM tickets ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let replies = sqlx::query("SELECT id, next_ticket_at FROM bot_replies ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let replies = replies.iter().map(|r| {
        let id: i64 = r.try_get("id").unwrap();
        let next: Option<i64> = r.try_get("next_ticket_at").unwrap();
        format!("reply {id} next ticket {next:?}")
    });
    let agents = sqlx::query(
        "SELECT ticket_id, actor_id, desk, opened_at, touched, replies, closes, named_at, name \
         FROM ticket_agents ORDER BY ticket_id, actor_id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let agents = agents.iter().map(|r| {
        let i = |c: &str| r.try_get::<Option<i64>, _>(c).unwrap();
        let s = |c: &str| r.try_get::<Option<String>, _>(c).unwrap();
        format!(
            "agent #{:?} {:?} {:?} opened {:?} touched {:?} replies {:?} closes {:?} \
             named {:?} {:?}",
            i("ticket_id"),
            s("actor_id"),
            s("desk"),
            i("opened_at"),
            i("touched"),
            i("replies"),
            i("closes"),
            i("named_at"),
            s("name"),
        )
    });
    rows.iter()
        .map(|r| {
            let i = |c: &str| r.try_get::<Option<i64>, _>(c).unwrap();
            let s = |c: &str| r.try_get::<Option<String>, _>(c).unwrap();
            format!(
                "#{:?} replies {:?} first {:?} multi {} replier {:?} at {:?} acted {:?} \
                 span {:?} start {:?} handling {:?} last {:?} survey {:?} {:?} {:?} {:?}",
                i("id"),
                i("agent_replies"),
                s("first_agent"),
                i("multi_agent").unwrap_or(-1),
                s("first_replier"),
                i("first_reply_at"),
                i("acted"),
                i("span_ms"),
                i("span_start"),
                i("handling_ms"),
                i("last_msg_at"),
                i("surveyed"),
                i("survey_score"),
                i("survey_nps"),
                i("survey_ces"),
            )
        })
        .chain(replies)
        .chain(agents)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_report_of_a_history_written_through_the_api_equals_the_definition() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("api.db").display());
    let store = SqlStore::connect(&url).await.unwrap();
    written_through_the_api(&store).await;
    // The per-day ticket counts the triggers kept are the ones the migration builds from the
    // tickets (its last statement) on a database that already has them.
    let kept = day_totals(&store).await;
    assert!(
        kept.iter()
            .any(|r| r.contains("closed 1") || r.contains("closed 2")),
        "{kept:?}"
    );
    let migration = include_str!("../../../migrations/sqlite/0013_report_totals.sql");
    let fill = &migration[migration.rfind("END;").unwrap() + 4..];
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DELETE FROM ticket_totals; {fill}"
    )))
    .execute(store.pool())
    .await
    .unwrap();
    assert_eq!(day_totals(&store).await, kept);
}

/// The rows of `ticket_totals` (SQLite), one line each.
async fn day_totals(store: &SqlStore) -> Vec<String> {
    use sqlx::Row;
    let rows = sqlx::query("SELECT * FROM ticket_totals ORDER BY day, desk")
        .fetch_all(store.pool())
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let mut line = format!(
                "{} {}",
                r.try_get::<i64, _>("day").unwrap(),
                r.try_get::<String, _>("desk").unwrap()
            );
            for col in [
                "opened",
                "closed",
                "awaiting",
                "reopened",
                "single",
                "one_touch",
                "offered",
            ]
            .into_iter()
            .map(str::to_owned)
            .chain((1..=5).map(|v| format!("csat_{v}")))
            .chain((0..=10).map(|v| format!("nps_{v}")))
            .chain((1..=7).map(|v| format!("ces_{v}")))
            {
                line.push_str(&format!(
                    " {col} {}",
                    r.try_get::<i64, _>(col.as_str()).unwrap()
                ));
            }
            line
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_report_of_a_history_written_through_the_api_equals_the_definition() {
    let Some(url) = frontdesk_store::testing::fresh_postgres_database().await else {
        return;
    };
    written_through_the_api(&SqlStore::connect(&url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_report_equals_the_definition() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    both_paths_agree(SqlStore::connect(&url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_report_equals_the_definition() {
    let Some(url) = frontdesk_store::testing::fresh_postgres_database().await else {
        return;
    };
    both_paths_agree(SqlStore::connect(&url).await.unwrap()).await;
}

/// A reply late on a day, the customer's ticket just after midnight: a range ending at that
/// midnight counts the reply as deflected (the ticket is after the range), a longer one as
/// escalated — also when the range's whole days are read from the per-day counts.
async fn ticket_just_after_midnight(store: &SqlStore) {
    let party = Party {
        platform: Platform::telegram(),
        user_id: "late".into(),
        display_name: "Late".into(),
        locale: None,
        role: Role::Customer,
    };
    let ep = Endpoint::chat(Platform::telegram(), "late");
    let at = |day: i64, min: i64| Timestamp(START + day * DAY_MS + min * 60_000);
    let c = store.upsert_customer(&party, &ep, at(0, 0)).await.unwrap();
    for day in [1, 5, 9] {
        store
            .record_bot_reply(&NewBotReply {
                customer: c.id,
                question: "where is my parcel".into(),
                outcome: ReplyOutcome::Answered,
                entry_id: Some("parcel".into()),
                lang: Some("en".into()),
                confidence: 0.8,
                at: at(day, 23 * 60 + 50),
            })
            .await
            .unwrap();
    }
    store
        .open_ticket(&NewTicket {
            desk: "support".into(),
            customer: c.id,
            customer_endpoint: ep.clone(),
            customer_name: "Late".into(),
            subject: "parcel".into(),
            lang: "en".into(),
            priority: Priority::Normal,
            bot_tried: String::new(),
            opened_at: at(10, 10),
            transcript_since: at(9, 0),
        })
        .await
        .unwrap();
    for (until, escalated) in [(10, 0.0), (11, 1.0 / 3.0), (12, 1.0 / 3.0)] {
        let range = ReportRange {
            since: Some(at(0, 0)),
            until: Some(at(until, 0)),
            desk: None,
        };
        let pure = report::compute(&report::load(store, &range).await.unwrap(), &range);
        assert_eq!(report::from_store(store, &range).await.unwrap(), pure);
        let rate = pure.escalation_rate.expect("questions in range");
        assert!(
            (rate - 100.0 * escalated).abs() < 1e-9,
            "until day {until}: {rate}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_ticket_after_the_range_does_not_escalate_a_reply_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("late.db").display());
    ticket_just_after_midnight(&SqlStore::connect(&url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_ticket_after_the_range_does_not_escalate_a_reply_in_it() {
    let Some(url) = frontdesk_store::testing::fresh_postgres_database().await else {
        return;
    };
    ticket_just_after_midnight(&SqlStore::connect(&url).await.unwrap()).await;
}

//! Erasure is final: after `PrivacyStore::erase_customer`, no trace of the customer's name,
//! platform id, chat or words remains in any column of any table; another customer's data
//! stays; and the report keeps its figures. On SQLite and PostgreSQL (when
//! `FRONTDESK_TEST_POSTGRES_URL` names a server; required when `CI=true`).

use frontdesk_core::outbox::NewOutbound;
use frontdesk_core::report::{self, DAY_MS, ReportRange};
use frontdesk_core::*;
use frontdesk_store::SqlStore;
use frontdesk_store::testing::seed::{SeedSpec, seed};
use sqlx::Row;

const T0: Timestamp = Timestamp(1_764_000_000_000);
/// Distinctive strings of the customer to erase: name, platform id (also the chat id), words.
const NAME: &str = "Zyxwvut Quixote";
const USER: &str = "uid991177";
const WORDS: &str = "QXJ4471";
/// The other customer's, which must stay.
const KEEP: &str = "KEEPME123";

fn party(user: &str, name: &str) -> Party {
    Party {
        platform: Platform::telegram(),
        user_id: user.into(),
        display_name: name.into(),
        locale: None,
        role: Role::Customer,
    }
}

fn outbound(to: &Endpoint, ticket: Option<TicketId>, text: &str) -> NewOutbound {
    let dest = Destination::Endpoint(to.clone());
    NewOutbound {
        queue: NewOutbound::queue_of(&dest),
        platform: Platform::telegram(),
        dest,
        delivery: Delivery::Send(OutMessage::plain(MessageKind::Bot, text)),
        ticket,
        created_at: T0,
    }
}

/// Everything a customer leaves behind, written through the Store API.
async fn history(s: &SqlStore, user: &str, name: &str, words: &str) -> Customer {
    let ep = Endpoint::chat(Platform::telegram(), user);
    let c = s
        .upsert_customer(&party(user, name), &ep, T0)
        .await
        .unwrap();
    let file = Attachment {
        platform: Platform::telegram(),
        kind: AttachmentKind::Document,
        file_ref: format!("file-{words}"),
        file_name: Some(format!("passport-{words}.pdf")),
    };
    let mut m = NewMessage {
        customer: c.id,
        ticket: None,
        author: AuthorKind::Customer,
        author_id: Some(user.into()),
        author_name: name.into(),
        body: format!("my card is {words}"),
        attachments: vec![file],
        platform_msg: Some((Platform::telegram(), format!("{user}-1"))),
        at: T0,
    };
    s.record_message(&m).await.unwrap();
    s.record_bot_reply(&NewBotReply {
        customer: c.id,
        question: format!("where is order {words}"),
        outcome: ReplyOutcome::Escalated,
        entry_id: None,
        lang: Some("en".into()),
        confidence: 0.1,
        at: T0,
    })
    .await
    .unwrap();
    let t = s
        .open_ticket(&NewTicket {
            desk: "support".into(),
            customer: c.id,
            customer_endpoint: ep.clone(),
            customer_name: name.into(),
            subject: format!("order {words}"),
            lang: "en".into(),
            priority: Priority::Normal,
            bot_tried: "tried".into(),
            opened_at: T0,
            transcript_since: T0.plus_millis(-60_000),
        })
        .await
        .unwrap();
    let agent = Agent {
        id: "a1".into(),
        name: "Alice".into(),
    };
    m.ticket = Some(t.id);
    m.attachments.clear();
    m.author = AuthorKind::Agent;
    m.author_id = Some("a1".into());
    m.author_name = "Alice".into();
    m.body = format!("Hello {name}, about {words}");
    m.platform_msg = None;
    s.record_message(&m).await.unwrap();
    s.record_agent_reply(t.id, &agent, T0.plus_millis(60_000))
        .await
        .unwrap();
    s.set_block(c.id, Some((&format!("abusive {words}"), "Alice")), T0)
        .await
        .unwrap();
    s.add_event(
        t.id,
        EventKind::Blocked,
        Some(&agent),
        &format!("abusive {words}"),
        T0,
    )
    .await
    .unwrap();
    s.close_ticket(t.id, Some(&agent), T0.plus_millis(120_000))
        .await
        .unwrap();
    s.survey_offered(t.id, T0.plus_millis(120_000))
        .await
        .unwrap();
    s.survey_score(t.id, 4, T0.plus_millis(130_000))
        .await
        .unwrap();
    s.survey_comment(t.id, &format!("thanks {name} {words}"))
        .await
        .unwrap();
    // Outbox rows: one delivered, one failed, one pending to the chat; one to the room.
    let (a, _) = s
        .enqueue(
            &outbound(&ep, Some(t.id), &format!("delivered {words}")),
            None,
        )
        .await
        .unwrap();
    s.outbox_delivered(&[(a, Some("9".into()))], T0)
        .await
        .unwrap();
    let (b, _) = s
        .enqueue(&outbound(&ep, None, &format!("failed {words}")), None)
        .await
        .unwrap();
    s.outbox_failed(b, "refused", T0).await.unwrap();
    s.enqueue(&outbound(&ep, None, &format!("pending {words}")), None)
        .await
        .unwrap();
    let room = Endpoint::chat(Platform::telegram(), "desk");
    s.enqueue(
        &NewOutbound {
            dest: Destination::Room(t.id),
            queue: format!("room:{}", t.id.0),
            ..outbound(&room, Some(t.id), &format!("{name}: {words}"))
        },
        None,
    )
    .await
    .unwrap();
    let inbound = Inbound {
        platform_msg_id: format!("{user}-dead"),
        from: party(user, name),
        at: ep,
        content: Content::Text(format!("broken {words}")),
        sent_at: None,
    };
    s.record_dead_letter(&inbound, &format!("bad update {words}"), T0)
        .await
        .unwrap();
    s.customer(c.id).await.unwrap().unwrap()
}

/// `(table.column, rows)` of every column of every table holding `needle`.
async fn traces(s: &SqlStore, needle: &str) -> Vec<(String, i64)> {
    let pool = s.pool();
    let columns: Vec<(String, String)> = match s.backend() {
        frontdesk_store::Backend::Sqlite => {
            let tables = sqlx::query(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let mut out = Vec::new();
            for t in tables {
                let t: String = t.try_get(0).unwrap();
                let cols = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{t}')"
                )))
                .fetch_all(pool)
                .await
                .unwrap();
                for c in cols {
                    out.push((t.clone(), c.try_get::<String, _>(0).unwrap()));
                }
            }
            out
        }
        _ => sqlx::query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect(),
    };
    assert!(
        columns.len() > 60,
        "every column of every table: {columns:?}"
    );
    let mut out = Vec::new();
    for (t, c) in columns {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {t} WHERE CAST({c} AS TEXT) LIKE $1"
        )))
        .bind(format!("%{needle}%"))
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        if n > 0 {
            out.push((format!("{t}.{c}"), n));
        }
    }
    out
}

async fn erasure_leaves_no_trace(s: SqlStore) {
    let gone = history(&s, USER, NAME, WORDS).await;
    let kept = history(&s, "uid5550", "Other Person", KEEP).await;
    for needle in [NAME, USER, WORDS] {
        assert!(!traces(&s, needle).await.is_empty(), "{needle} written");
    }
    let kept_before = traces(&s, KEEP).await;

    let u = s.begin("erase").await.unwrap();
    let erased = u
        .erase_customer(gone.id, T0.plus_millis(DAY_MS))
        .await
        .unwrap();
    u.commit().await.unwrap();
    assert_eq!(
        erased,
        Erasure {
            messages: 2,
            tickets: 1,
            bot_replies: 1,
            comments: 1,
            outbox: 4,
            dead_letters: 1,
        }
    );
    for needle in [NAME, USER, WORDS] {
        assert_eq!(traces(&s, needle).await, Vec::new(), "traces of {needle}");
    }
    // The other customer's data is untouched.
    assert_eq!(traces(&s, KEEP).await, kept_before);
    assert!(
        s.customer_by_user(&Platform::telegram(), USER)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        s.customer_by_user(&Platform::telegram(), "uid5550")
            .await
            .unwrap()
            .map(|c| c.id),
        Some(kept.id)
    );
    // The anonymous figures stay: the ticket's times, its survey score, the bot reply.
    let t = &s
        .list_tickets(&TicketFilter {
            customer: Some(gone.id),
            ..TicketFilter::default()
        })
        .await
        .unwrap()[0];
    assert_eq!(t.customer_name, ERASED_NAME);
    assert_eq!((t.opened_at, t.closed_at.is_some()), (T0, true));
    assert_eq!(t.first_response_at, Some(T0.plus_millis(60_000)));
    assert_eq!(s.survey(t.id).await.unwrap().unwrap().score, Some(4));
    assert_eq!(s.ticket_messages(t.id).await.unwrap().len(), 2);
    let events = s.ticket_events(t.id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventKind::Erased)
            .count(),
        1
    );
    // Final and idempotent: erasing again changes nothing.
    assert_eq!(
        s.erase_customer(gone.id, T0.plus_millis(2 * DAY_MS))
            .await
            .unwrap(),
        Erasure::default()
    );
    // The same person writing again is a new customer.
    let again = s
        .upsert_customer(
            &party(USER, NAME),
            &Endpoint::chat(Platform::telegram(), USER),
            T0,
        )
        .await
        .unwrap();
    assert_ne!(again.id, gone.id);
}

/// A seeded history's report, with the erasure of a fifth of its customers: every figure
/// stays; only the gap wordings (question texts) may change.
async fn report_is_unchanged_by_erasure(s: SqlStore) {
    let start = 1_767_571_200_000;
    seed(
        &s,
        &SeedSpec {
            tickets: 300,
            start,
            span_ms: 30 * DAY_MS,
            seed: 5,
        },
    )
    .await
    .unwrap();
    let ranges = [
        ReportRange::default(),
        ReportRange {
            since: Some(Timestamp(start + 5 * DAY_MS)),
            until: Some(Timestamp(start + 20 * DAY_MS)),
            desk: Some("billing".into()),
        },
    ];
    let without_texts = |mut r: report::Report| {
        r.gaps.clear();
        r
    };
    let mut before = Vec::new();
    for r in &ranges {
        before.push(report::from_store(&s, r).await.unwrap());
    }
    assert!(before[0].tickets_opened == 300 && before[0].csat.answered > 20);
    let customers = s.list_tickets(&TicketFilter::default()).await.unwrap();
    let mut ids: Vec<CustomerId> = customers.iter().map(|t| t.customer).collect();
    ids.sort();
    ids.dedup();
    let erase = ids.len() / 5;
    assert!(erase > 5);
    for id in ids.iter().step_by(5) {
        let u = s.begin("erase").await.unwrap();
        u.erase_customer(*id, Timestamp(start + 40 * DAY_MS))
            .await
            .unwrap();
        u.commit().await.unwrap();
    }
    for (r, b) in ranges.iter().zip(before) {
        let after = report::from_store(&s, r).await.unwrap();
        let pure = report::compute(&report::load(&s, r).await.unwrap(), r);
        assert_eq!(
            without_texts(after.clone()),
            without_texts(b),
            "range {r:?}"
        );
        assert_eq!(after, pure, "the SQL report still equals the definition");
    }
}

async fn sqlite() -> (SqlStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("e.db").display());
    (SqlStore::connect(&url).await.unwrap(), dir)
}

async fn postgres() -> Option<SqlStore> {
    let url = frontdesk_store::testing::fresh_postgres_database().await?;
    Some(SqlStore::connect(&url).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_erasure_leaves_no_trace_in_any_column() {
    let (s, _dir) = sqlite().await;
    erasure_leaves_no_trace(s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_erasure_leaves_no_trace_in_any_column() {
    if let Some(s) = postgres().await {
        erasure_leaves_no_trace(s).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_report_is_unchanged_by_erasure() {
    let (s, _dir) = sqlite().await;
    report_is_unchanged_by_erasure(s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_report_is_unchanged_by_erasure() {
    if let Some(s) = postgres().await {
        report_is_unchanged_by_erasure(s).await;
    }
}

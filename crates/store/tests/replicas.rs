//! Several replicas on one database: two Engines, each with its own connection pool and
//! channel, share a PostgreSQL database (or a SQLite file). 500 customers escalate at once,
//! agents on both replicas claim every ticket at once, and both replicas tick the reminders.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use frontdesk_core::testing::{ManualClock, RecordingChannel};
use frontdesk_core::*;
use frontdesk_kb::{Entry, Kb};
use frontdesk_store::SqlStore;

const T0: Timestamp = Timestamp(1_764_000_000_000);
const CUSTOMERS: usize = 500;

fn kb() -> Kb {
    Kb::from_entries(vec![Entry {
        id: "order-status".into(),
        lang: "en".into(),
        questions: vec!["Where is my order?".into()],
        answer: "In My account.".into(),
        tags: vec![],
        follow_ups: vec![],
        source: None,
    }])
    .unwrap()
}

struct Replica {
    engine: Arc<Engine>,
    channel: Arc<RecordingChannel>,
}

async fn replica(url: &str, clock: Arc<ManualClock>) -> Replica {
    let store = SqlStore::connect(url).await.expect("connect");
    let channel = RecordingChannel::new(Platform::terminal());
    let engine = Engine::new(
        EngineConfig::default(),
        Arc::new(store),
        Router::new().with(channel.clone()),
        clock,
        kb(),
    )
    .unwrap();
    Replica {
        engine: Arc::new(engine),
        channel,
    }
}

fn customer(i: usize) -> Party {
    Party {
        platform: Platform::terminal(),
        user_id: format!("c{i}"),
        display_name: format!("Customer {i}"),
        locale: None,
        role: Role::Customer,
    }
}

fn agent(name: &str) -> Party {
    Party {
        platform: Platform::terminal(),
        user_id: name.into(),
        display_name: name.into(),
        locale: None,
        role: Role::Agent,
    }
}

async fn two_replicas_on_one_database(url: &str) {
    let clock = ManualClock::new(T0);
    let a = replica(url, clock.clone()).await;
    let b = replica(url, clock.clone()).await;
    let replicas = [&a, &b];

    // 500 customers escalate at once, half through each replica.
    let mut handles = Vec::new();
    for i in 0..CUSTOMERS {
        let engine = replicas[i % 2].engine.clone();
        handles.push(tokio::spawn(async move {
            engine
                .handle(Inbound {
                    platform_msg_id: format!("m{i}"),
                    from: customer(i),
                    at: Endpoint::chat(Platform::terminal(), format!("dm{i}")),
                    content: Content::Text("/human".into()),
                    sent_at: None,
                })
                .await
                .unwrap()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), Handled::Done);
    }

    let store = a.engine.store().clone();
    let tickets = store.list_tickets(&TicketFilter::default()).await.unwrap();
    assert_eq!(
        tickets.len(),
        CUSTOMERS,
        "one ticket per customer, none lost"
    );
    let numbers: BTreeSet<i64> = tickets.iter().map(|t| t.number).collect();
    assert_eq!(
        numbers,
        (1..=CUSTOMERS as i64).collect(),
        "unique, consecutive numbers"
    );
    // Every customer was told their own number, once.
    let mut told = BTreeMap::new();
    for r in replicas {
        for call in r.channel.calls() {
            if let testing::Call::Send(to, m) = call
                && to.chat_id.starts_with("dm")
            {
                *told.entry(to.chat_id.clone()).or_insert(0) += 1;
                assert!(m.text.contains('#'), "{}", m.text);
            }
        }
    }
    assert_eq!(told.len(), CUSTOMERS);
    assert!(told.values().all(|n| *n == 1));
    for t in &tickets {
        assert!(t.room.is_some(), "room of #{} opened", t.number);
        let msgs = store.ticket_messages(t.id).await.unwrap();
        assert!(msgs.iter().any(|m| m.body == "/human"), "transcript kept");
    }

    // Two agents on different replicas claim every ticket at once.
    let mut handles = Vec::new();
    for (k, t) in tickets.iter().enumerate() {
        for (j, name) in ["ann", "bob"].into_iter().enumerate() {
            let engine = replicas[j].engine.clone();
            let room = t.room.clone().unwrap();
            handles.push(tokio::spawn(async move {
                engine
                    .handle(Inbound {
                        platform_msg_id: format!("claim-{k}-{name}"),
                        from: agent(name),
                        at: room,
                        content: Content::Text("/claim".into()),
                        sent_at: None,
                    })
                    .await
                    .unwrap()
            }));
        }
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), Handled::Done);
    }
    for t in &tickets {
        let events = store.ticket_events(t.id).await.unwrap();
        let claims = events
            .iter()
            .filter(|e| e.kind == EventKind::Claimed)
            .count();
        assert_eq!(claims, 1, "one winner for #{}", t.number);
        let room = t.room.clone().unwrap();
        let notices: Vec<String> = replicas
            .iter()
            .flat_map(|r| r.channel.sent_to(&room))
            .map(|m| m.text)
            .collect();
        assert_eq!(
            notices
                .iter()
                .filter(|n| n.contains("claimed ticket"))
                .count(),
            1
        );
        assert_eq!(
            notices
                .iter()
                .filter(|n| n.contains("already claimed by"))
                .count(),
            1,
            "the loser is told: {notices:?}"
        );
    }

    // Both replicas tick at once: each reminder is sent by exactly one of them.
    let reminders = |r: &Replica| {
        r.channel
            .calls()
            .into_iter()
            .filter(|c| matches!(c, testing::Call::Send(_, m) if m.text.starts_with('⏰')))
            .count()
    };
    for level in 1..=2 {
        clock.advance_minutes(15);
        let (ra, rb) = tokio::join!(a.engine.tick(), b.engine.tick());
        let sent = ra.unwrap().reminders + rb.unwrap().reminders;
        assert_eq!(sent, CUSTOMERS, "level {level}: every reminder once");
        let (ra, rb) = tokio::join!(a.engine.tick(), b.engine.tick());
        assert_eq!(ra.unwrap().reminders + rb.unwrap().reminders, 0);
    }
    assert_eq!(reminders(&a) + reminders(&b), 2 * CUSTOMERS);
    for t in &tickets {
        let events = store.ticket_events(t.id).await.unwrap();
        let n = events
            .iter()
            .filter(|e| e.kind == EventKind::Reminder)
            .count();
        assert_eq!(n, 2, "#{}", t.number);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_postgres() {
    if let Some(url) = frontdesk_store::testing::fresh_postgres_database().await {
        two_replicas_on_one_database(&url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("replicas.db").display());
    two_replicas_on_one_database(&url).await;
}

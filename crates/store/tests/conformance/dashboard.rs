//! The conformance cases of the dashboard's roles (the queue of open tickets, sign-in tokens),
//! run against the in-memory store, SQLite and PostgreSQL like the rest of the suite.

use std::sync::Arc;

use frontdesk_core::testing::MemoryStore;
use frontdesk_core::*;
use frontdesk_store::SqlStore;

use super::*;

/// What the dashboard needs of a Store.
pub(crate) trait Dash: Store + QueueStore + DashboardTokenStore {}
impl<T: Store + QueueStore + DashboardTokenStore + ?Sized> Dash for T {}

/// A backend under test; keeps its temporary directory alive.
pub(crate) struct DashBackend {
    pub(crate) store: Arc<dyn Dash>,
    _dir: Option<tempfile::TempDir>,
}

pub(crate) async fn dash_memory() -> Option<DashBackend> {
    Some(DashBackend {
        store: MemoryStore::new(),
        _dir: None,
    })
}

pub(crate) async fn dash_sqlite() -> Option<DashBackend> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = SqlStore::connect(&url).await.expect("sqlite store");
    Some(DashBackend {
        store: Arc::new(store),
        _dir: Some(dir),
    })
}

pub(crate) async fn dash_postgres() -> Option<DashBackend> {
    let url = frontdesk_store::testing::fresh_postgres_database().await?;
    let store = SqlStore::connect(&url).await.expect("postgres store");
    Some(DashBackend {
        store: Arc::new(store),
        _dir: None,
    })
}

macro_rules! dashboard_conformance {
    ($($name:ident),+ $(,)?) => {
        mod dashboard_memory {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { if let Some(b) = super::dash_memory().await { super::$name(b.store.clone()).await; } } )+
        }
        mod dashboard_sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { if let Some(b) = super::dash_sqlite().await { super::$name(b.store.clone()).await; } } )+
        }
        mod dashboard_postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { if let Some(b) = super::dash_postgres().await { super::$name(b.store.clone()).await; } } )+
        }
    };
}

dashboard_conformance!(
    queue_sorts_by_customer_wait_filters_searches_and_pages,
    dashboard_tokens_are_kept_once_and_found_by_id,
);

fn at(min: i64) -> Timestamp {
    T0.plus_millis(min * 60_000)
}

async fn say(s: &dyn Dash, c: &Customer, t: TicketId, author: AuthorKind, body: &str, min: i64) {
    let mut m = msg(c, Some(t), body, None, at(min));
    m.author = author;
    if author != AuthorKind::Customer {
        m.author_id = Some("discord:bob".into());
        m.author_name = "bob".into();
    }
    s.record_message(&m).await.unwrap();
}

fn numbers(p: &QueuePage) -> Vec<i64> {
    p.items.iter().map(|i| i.ticket.number).collect()
}

async fn page(s: &dyn Dash, q: QueueQuery) -> QueuePage {
    s.queue(&q).await.unwrap()
}

pub(crate) async fn queue_sorts_by_customer_wait_filters_searches_and_pages(s: Arc<dyn Dash>) {
    let s = &*s;
    let bob = agent("bob");
    let alice = agent("alice");
    // #1: nobody answered since it opened at minute 1 (a note is no answer).
    let a = customer(s, "a").await;
    let t1 = s
        .open_ticket(&new_ticket(&a, "support", at(1)))
        .await
        .unwrap();
    say(s, &a, t1.id, AuthorKind::Customer, "it costs 1000 euro", 1).await;
    say(s, &a, t1.id, AuthorKind::Note, "checking", 9).await;
    // #2: opened at 0, answered at 5, the customer wrote again at 7 and 8.
    let b = customer(s, "b").await;
    let t2 = s
        .open_ticket(&new_ticket(&b, "support", at(0)))
        .await
        .unwrap();
    say(s, &b, t2.id, AuthorKind::Agent, "On its way", 5).await;
    s.record_agent_reply(t2.id, &bob, at(5)).await.unwrap();
    say(s, &b, t2.id, AuthorKind::Customer, "the PARCEL is lost", 7).await;
    say(s, &b, t2.id, AuthorKind::Customer, "hello?", 8).await;
    // #3: answered at 3; the customer's turn.
    let c = customer(s, "c").await;
    let t3 = s
        .open_ticket(&new_ticket(&c, "support", at(2)))
        .await
        .unwrap();
    say(s, &c, t3.id, AuthorKind::Customer, "where?", 2).await;
    say(s, &c, t3.id, AuthorKind::Agent, "Here", 3).await;
    s.record_agent_reply(t3.id, &bob, at(3)).await.unwrap();
    // #4: closed, never listed.
    let d = customer(s, "d").await;
    let t4 = s
        .open_ticket(&new_ticket(&d, "support", at(4)))
        .await
        .unwrap();
    s.close_ticket(t4.id, Some(&bob), at(4)).await.unwrap();
    // #5: a Discord customer, high priority, tagged, claimed by alice, opened at 6.
    let e = s
        .upsert_customer(
            &Party {
                platform: Platform::discord(),
                user_id: "e".into(),
                display_name: "Eve".into(),
                locale: None,
                role: Role::Customer,
            },
            &Endpoint::chat(Platform::discord(), "dm-e"),
            T0,
        )
        .await
        .unwrap();
    let mut nt = new_ticket(&e, "support", at(6));
    nt.subject = "Refund 50% <b>now</b>".into();
    let t5 = s.open_ticket(&nt).await.unwrap();
    s.set_priority(t5.id, Priority::High, &alice, at(6))
        .await
        .unwrap();
    s.add_tags(t5.id, &["vip".into()], &alice, at(6))
        .await
        .unwrap();
    s.claim_ticket(t5.id, &alice, at(6)).await.unwrap();
    // Another desk.
    let f = customer(s, "f").await;
    let t6 = s
        .open_ticket(&new_ticket(&f, "sales", at(10)))
        .await
        .unwrap();

    let all = page(s, QueueQuery::default()).await;
    assert_eq!(
        numbers(&all),
        vec![t1.number, t5.number, t2.number, t6.number, t3.number]
    );
    assert_eq!(all.total, 5);
    let w: Vec<(WaitingFor, Timestamp)> = all
        .items
        .iter()
        .map(|i| (i.waiting_for, i.waiting_since))
        .collect();
    assert_eq!(
        w,
        vec![
            (WaitingFor::Agent, at(1)),
            (WaitingFor::Agent, at(6)),
            (WaitingFor::Agent, at(7)),
            (WaitingFor::Agent, at(10)),
            (WaitingFor::Customer, at(3)),
        ]
    );
    let five = &all.items[1].ticket;
    assert_eq!(five.id, t5.id);
    assert_eq!(five.tags, vec!["vip".to_string()]);
    assert_eq!(
        five.assignee.as_ref().map(|a| a.id.as_str()),
        Some("discord:alice")
    );

    let q = |f: fn(&mut QueueQuery)| {
        let mut q = QueueQuery {
            desk: Some("support".into()),
            ..QueueQuery::default()
        };
        f(&mut q);
        q
    };
    let support = page(s, q(|_| {})).await;
    assert_eq!(
        numbers(&support),
        vec![t1.number, t5.number, t2.number, t3.number]
    );
    let cases: Vec<(QueueQuery, Vec<i64>)> = vec![
        (
            q(|q| q.waiting_for = Some(WaitingFor::Customer)),
            vec![t3.number],
        ),
        (
            q(|q| q.waiting_for = Some(WaitingFor::Agent)),
            vec![t1.number, t5.number, t2.number],
        ),
        (q(|q| q.priority = Some(Priority::High)), vec![t5.number]),
        (q(|q| q.priority = Some(Priority::Urgent)), vec![]),
        (q(|q| q.tag = Some("vip".into())), vec![t5.number]),
        (q(|q| q.tag = Some("vi".into())), vec![]),
        (
            q(|q| q.platform = Some(Platform::discord())),
            vec![t5.number],
        ),
        (
            q(|q| q.assignee = Some(AssigneeFilter::Unassigned)),
            vec![t1.number],
        ),
        (
            q(|q| q.assignee = Some(AssigneeFilter::Agent("discord:alice".into()))),
            vec![t5.number],
        ),
        (
            q(|q| q.assignee = Some(AssigneeFilter::Agent("discord:bob".into()))),
            vec![t2.number, t3.number],
        ),
        // Subjects and messages, ASCII case ignored.
        (q(|q| q.search = Some("refund".into())), vec![t5.number]),
        (
            q(|q| q.search = Some("parcel".into())),
            vec![t1.number, t2.number, t3.number],
        ),
        (q(|q| q.search = Some("parcel is".into())), vec![t2.number]),
        (q(|q| q.search = Some("on its WAY".into())), vec![t2.number]),
        // `%` and `_` are plain characters.
        (q(|q| q.search = Some("50%".into())), vec![t5.number]),
        (q(|q| q.search = Some("100%".into())), vec![]),
        (q(|q| q.search = Some("1_00".into())), vec![]),
        (q(|q| q.search = Some("<b>".into())), vec![t5.number]),
        // Filters together.
        (
            q(|q| {
                q.waiting_for = Some(WaitingFor::Agent);
                q.search = Some("hello".into());
                q.assignee = Some(AssigneeFilter::Agent("discord:bob".into()));
            }),
            vec![t2.number],
        ),
    ];
    for (query, want) in cases {
        let p = page(s, query.clone()).await;
        assert_eq!(numbers(&p), want, "{query:?}");
        assert_eq!(p.total, want.len(), "{query:?}");
    }
    // Pages.
    let p1 = page(s, q(|q| q.limit = 2)).await;
    assert_eq!((numbers(&p1), p1.total), (vec![t1.number, t5.number], 4));
    let p2 = page(
        s,
        q(|q| {
            q.limit = 2;
            q.offset = 2;
        }),
    )
    .await;
    assert_eq!((numbers(&p2), p2.total), (vec![t2.number, t3.number], 4));
    let past = page(
        s,
        q(|q| {
            q.limit = 2;
            q.offset = 10;
        }),
    )
    .await;
    assert_eq!((numbers(&past), past.total), (vec![], 4));
    // Reopened tickets are back in the queue; closing takes one out.
    s.close_ticket(t1.id, Some(&bob), at(20)).await.unwrap();
    s.reopen_ticket(t4.id, None, at(21)).await.unwrap();
    let after = page(s, q(|_| {})).await;
    assert_eq!(
        numbers(&after),
        vec![t4.number, t5.number, t2.number, t3.number]
    );
}

pub(crate) async fn dashboard_tokens_are_kept_once_and_found_by_id(s: Arc<dyn Dash>) {
    let t = DashboardToken {
        id: "abcd1234".into(),
        name: "alice".into(),
        salt: "00ff".into(),
        hash: "beef".into(),
        created_at: T0,
    };
    assert_eq!(s.dashboard_token("abcd1234").await.unwrap(), None);
    s.add_dashboard_token(&t).await.unwrap();
    assert_eq!(
        s.dashboard_token("abcd1234").await.unwrap(),
        Some(t.clone())
    );
    let again = DashboardToken {
        name: "mallory".into(),
        ..t.clone()
    };
    assert!(matches!(
        s.add_dashboard_token(&again).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.dashboard_token("abcd1234").await.unwrap(), Some(t));
    assert_eq!(s.dashboard_token("ABCD1234").await.unwrap(), None);
}

//! SQLite specifics: the file survives a restart, runs in WAL mode, and two stores (two
//! processes) can share it.

use std::sync::Arc;

use frontdesk_core::*;
use frontdesk_store::{Backend, SqlStore};
use sqlx::Row;

const T0: Timestamp = Timestamp(1_764_000_000_000);

fn party(user: &str) -> Party {
    Party {
        platform: Platform::terminal(),
        user_id: user.into(),
        display_name: user.into(),
        locale: None,
        role: Role::Customer,
    }
}

fn ticket_for(c: &Customer) -> NewTicket {
    NewTicket {
        desk: "support".into(),
        customer: c.id,
        customer_endpoint: c.endpoint.clone(),
        customer_name: c.display_name.clone(),
        subject: "s".into(),
        lang: "en".into(),
        priority: Priority::High,
        bot_tried: String::new(),
        opened_at: T0,
        transcript_since: T0,
    }
}

#[tokio::test]
async fn reopening_the_file_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    // A bare path is a SQLite file, created when missing.
    let path = dir.path().join("fd.db");
    let url = path.display().to_string();
    let ep = Endpoint::chat(Platform::terminal(), "c");
    let (tid, cid) = {
        let s = SqlStore::connect(&url).await.unwrap();
        assert_eq!(s.backend(), Backend::Sqlite);
        let c = s.upsert_customer(&party("u"), &ep, T0).await.unwrap();
        let t = s.open_ticket(&ticket_for(&c)).await.unwrap();
        s.set_customer_state(c.id, &ConversationState::InTicket { ticket: t.id })
            .await
            .unwrap();
        s.record_message(&NewMessage {
            customer: c.id,
            ticket: Some(t.id),
            author: AuthorKind::Customer,
            author_id: None,
            author_name: "u".into(),
            body: "still there?".into(),
            attachments: vec![],
            platform_msg: Some((Platform::terminal(), "m1".into())),
            at: T0,
        })
        .await
        .unwrap();
        s.set_cursor("x", "1").await.unwrap();
        s.close().await;
        (t.id, c.id)
    };
    assert!(path.exists());
    let s = SqlStore::connect(&url).await.unwrap();
    let c = s.customer(cid).await.unwrap().unwrap();
    assert_eq!(c.state, ConversationState::InTicket { ticket: tid });
    let t = s.ticket(tid).await.unwrap().unwrap();
    assert_eq!(t.priority, Priority::High);
    assert_eq!(
        s.ticket_messages(tid).await.unwrap()[0].body,
        "still there?"
    );
    assert_eq!(s.cursor("x").await.unwrap().as_deref(), Some("1"));
    // Migrations are not applied twice and numbering continues.
    let c2 = s.upsert_customer(&party("v"), &ep, T0).await.unwrap();
    assert_eq!(s.open_ticket(&ticket_for(&c2)).await.unwrap().number, 2);
}

#[tokio::test]
async fn wal_mode_and_foreign_keys_are_on() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqlStore::connect(&format!("sqlite://{}", dir.path().join("w.db").display()))
        .await
        .unwrap();
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(s.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(s.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(fk, 1);
    // A message pointing at a missing customer is refused, not stored half-way.
    let err = s
        .record_message(&NewMessage {
            customer: CustomerId(12345),
            ticket: None,
            author: AuthorKind::Customer,
            author_id: None,
            author_name: "x".into(),
            body: "x".into(),
            attachments: vec![],
            platform_msg: None,
            at: T0,
        })
        .await;
    assert!(err.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_number_tickets_without_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shared.db").display());
    let a = Arc::new(SqlStore::connect(&url).await.unwrap());
    let b = Arc::new(SqlStore::connect(&url).await.unwrap());
    let mut handles = Vec::new();
    for i in 0..60 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        handles.push(tokio::spawn(async move {
            let ep = Endpoint::chat(Platform::terminal(), format!("c{i}"));
            let c = s
                .upsert_customer(&party(&format!("u{i}")), &ep, T0)
                .await
                .unwrap();
            s.open_ticket(&ticket_for(&c)).await.unwrap().number
        }));
    }
    let mut numbers = Vec::new();
    for h in handles {
        numbers.push(h.await.unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=60).collect::<Vec<i64>>());
}

//! The conformance cases of units of work, the outbox, dead letters and stored text.

use std::sync::Arc;

use frontdesk_core::outbox::NewOutbound;
use frontdesk_core::*;

use super::*;

pub(crate) fn outbound(
    queue: &str,
    ticket: Option<TicketId>,
    text: &str,
    at: Timestamp,
) -> NewOutbound {
    let to = Endpoint::chat(Platform::telegram(), queue);
    NewOutbound {
        queue: queue.to_owned(),
        platform: Platform::telegram(),
        dest: Destination::Endpoint(to),
        delivery: Delivery::Send(OutMessage::plain(MessageKind::Bot, text)),
        ticket,
        created_at: at,
    }
}

pub(crate) fn text_of(o: &frontdesk_core::outbox::Outbound) -> String {
    match &o.row.delivery {
        Delivery::Send(m) => m.text.clone(),
        other => format!("{other:?}"),
    }
}

pub(crate) async fn a_unit_of_work_commits_everything_or_nothing(s: Arc<dyn Store>) {
    let party = Party {
        platform: Platform::telegram(),
        user_id: "u1".into(),
        display_name: "Ann".into(),
        locale: None,
        role: Role::Customer,
    };
    let at = Endpoint::chat(Platform::telegram(), "u1");
    // Rolled back: dropped without commit.
    {
        let u = s.begin("customer:u1").await.unwrap();
        let c = u.upsert_customer(&party, &at, T0).await.unwrap();
        u.set_customer_lang(c.id, "lt").await.unwrap();
        u.enqueue(&outbound("u1", None, "never", T0), None)
            .await
            .unwrap();
        // The unit sees its own writes.
        assert_eq!(
            u.customer(c.id).await.unwrap().unwrap().lang.as_deref(),
            Some("lt")
        );
    }
    assert!(
        s.claim_due("d", T0, 1000, 10, None)
            .await
            .unwrap()
            .is_empty()
    );
    let c = s.upsert_customer(&party, &at, T0).await.unwrap();
    assert_eq!(c.lang, None, "the rolled-back unit left nothing");
    // Committed: everything at once.
    let u = s.begin("customer:u1").await.unwrap();
    u.set_customer_lang(c.id, "et").await.unwrap();
    let t = u.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    u.enqueue(&outbound("u1", Some(t.id), "hello", T0), None)
        .await
        .unwrap();
    u.commit().await.unwrap();
    assert_eq!(
        s.customer(c.id).await.unwrap().unwrap().lang.as_deref(),
        Some("et")
    );
    assert_eq!(s.ticket(t.id).await.unwrap().unwrap().number, 1);
    let rows = s.claim_due("d", T0, 1000, 10, None).await.unwrap();
    assert_eq!(rows.iter().map(text_of).collect::<Vec<_>>(), ["hello"]);
}

pub(crate) async fn units_of_one_key_run_one_at_a_time(s: Arc<dyn Store>) {
    let party = Party {
        platform: Platform::telegram(),
        user_id: "u2".into(),
        display_name: "Bo".into(),
        locale: None,
        role: Role::Customer,
    };
    let at = Endpoint::chat(Platform::telegram(), "u2");
    let c = s.upsert_customer(&party, &at, T0).await.unwrap();
    // 20 units each read the language, append a letter and write it back: with units of one
    // key serialised, no update is lost.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let u = s.begin("customer:u2").await.unwrap();
            let cur = u
                .customer(c.id)
                .await
                .unwrap()
                .unwrap()
                .lang
                .unwrap_or_default();
            tokio::task::yield_now().await;
            let letter = char::from(b'a' + i as u8);
            u.set_customer_lang(c.id, &format!("{cur}{letter}"))
                .await
                .unwrap();
            u.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let lang = s.customer(c.id).await.unwrap().unwrap().lang.unwrap();
    assert_eq!(lang.len(), 20, "{lang}");
}

pub(crate) async fn customer_units_read_after_the_previous_unit_committed(s: Arc<dyn Store>) {
    // Quotes, backslashes and SQL in the id: it is read, never run.
    let user = r"o'brien\'; DROP TABLE customers; --";
    let party = Party {
        platform: Platform::telegram(),
        user_id: user.into(),
        display_name: "O'Brien".into(),
        locale: None,
        role: Role::Customer,
    };
    let key = format!("customer:{user}");
    let tg = Platform::telegram();
    let at = Endpoint::chat(Platform::telegram(), "o");
    let begun = s.begin_customer(&key, &tg, user, &at).await.unwrap();
    assert_eq!(
        (begun.read.customer, begun.read.ticket, begun.read.room),
        (None, None, None),
        "not known yet"
    );
    drop(begun.tx);
    let c = s.upsert_customer(&party, &at, T0).await.unwrap();
    let t = s
        .open_ticket(&super::new_ticket(&c, "eu", T0))
        .await
        .unwrap();
    s.set_customer_state(c.id, &ConversationState::InTicket { ticket: t.id })
        .await
        .unwrap();
    // 20 units each take the language the unit read when it began, append a letter and write
    // it back; every third is dropped instead of committed. No update is lost: each unit read
    // after the previous one of the key ended.
    let mut tasks = Vec::new();
    for i in 0..20u8 {
        let (s, key, at) = (s.clone(), key.clone(), at.clone());
        tasks.push(tokio::spawn(async move {
            let u = s
                .begin_customer(&key, &Platform::telegram(), user, &at)
                .await
                .unwrap();
            let read = u.read.customer.expect("known");
            assert!(u.read.room.is_none(), "the customer's own chat is no room");
            assert_eq!(u.read.ticket.as_ref().map(|t| t.id), read.state.ticket());
            let cur = read.lang.unwrap_or_default();
            tokio::task::yield_now().await;
            let letter = if i % 3 == 2 {
                'x'
            } else {
                char::from(b'a' + i)
            };
            u.tx.set_customer_lang(read.id, &format!("{cur}{letter}"))
                .await
                .unwrap();
            if i % 3 == 2 {
                drop(u.tx);
            } else {
                u.tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let lang = s.customer(c.id).await.unwrap().unwrap().lang.unwrap();
    assert_eq!(lang.len(), 14, "{lang}");
    assert!(!lang.contains('x'), "{lang}");
    // Written in the ticket's room (an endpoint with quotes and backslashes too).
    let room = Endpoint {
        platform: Platform::discord(),
        chat_id: r"desk\'room".into(),
        thread_id: Some("7'".into()),
    };
    s.set_ticket_room(t.id, Some(&room), false).await.unwrap();
    let u = s.begin_customer(&key, &tg, user, &room).await.unwrap();
    assert_eq!(u.read.customer.map(|c| c.id), Some(c.id));
    assert_eq!(
        u.read.ticket.map(|t| (t.id, t.number)),
        Some((t.id, t.number))
    );
    assert_eq!(
        u.read.room.map(|r| (r.id, r.room)),
        Some((t.id, Some(room)))
    );
}

pub(crate) async fn outbox_delivers_each_queue_in_order_one_claim_at_a_time(s: Arc<dyn Store>) {
    for (q, text) in [
        ("a", "a1"),
        ("b", "b1"),
        ("a", "a2"),
        ("a", "a3"),
        ("b", "b2"),
    ] {
        s.enqueue(&outbound(q, None, text, T0), None).await.unwrap();
    }
    // Only the first row of each queue is handed out.
    let first = s.claim_due("d1", T0, 10_000, 10, None).await.unwrap();
    assert_eq!(first.iter().map(text_of).collect::<Vec<_>>(), ["a1", "b1"]);
    // While they are in flight, nothing more of those queues.
    assert!(
        s.claim_due("d2", T0, 10_000, 10, None)
            .await
            .unwrap()
            .is_empty()
    );
    s.outbox_delivered(&[(first[0].id, Some("m1".to_owned()))], T0)
        .await
        .unwrap();
    let next = s.claim_due("d2", T0, 10_000, 10, None).await.unwrap();
    assert_eq!(next.iter().map(text_of).collect::<Vec<_>>(), ["a2"]);
    // A filter by queue.
    s.outbox_delivered(&[(first[1].id, None)], T0)
        .await
        .unwrap();
    let only_b = s
        .claim_due("d3", T0, 10_000, 10, Some(&["b".to_owned()]))
        .await
        .unwrap();
    assert_eq!(only_b.iter().map(text_of).collect::<Vec<_>>(), ["b2"]);
    // A holder that died: its claim expires and another takes the row over.
    let later = T0.plus_millis(10_001);
    let taken = s.claim_due("d4", later, 10_000, 10, None).await.unwrap();
    assert_eq!(taken.iter().map(text_of).collect::<Vec<_>>(), ["a2", "b2"]);
}

pub(crate) async fn outbox_rows_are_claimed_by_one_dispatcher(s: Arc<dyn Store>) {
    for i in 0..40 {
        s.enqueue(
            &outbound(&format!("q{i}"), None, &format!("m{i}"), T0),
            None,
        )
        .await
        .unwrap();
    }
    let mut tasks = Vec::new();
    for d in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let rows = s
                    .claim_due(&format!("d{d}"), T0, 60_000, 3, None)
                    .await
                    .unwrap();
                if rows.is_empty() {
                    return got;
                }
                got.extend(rows.into_iter().map(|r| r.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40), "every row claimed exactly once");
}

pub(crate) async fn outbox_retry_failure_depth_and_ticket_view(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "5").await;
    let t = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    let (a, _) = s
        .enqueue(&outbound("x", Some(t.id), "x1", T0), None)
        .await
        .unwrap();
    s.enqueue(&outbound("x", Some(t.id), "x2", T0.plus_millis(5)), None)
        .await
        .unwrap();
    let mut discord = outbound("y", None, "y1", T0.plus_millis(7));
    discord.platform = Platform::discord();
    s.enqueue(&discord, None).await.unwrap();
    let depth = s.outbox_depth().await.unwrap();
    assert_eq!(depth.len(), 2);
    assert_eq!(
        (depth[0].platform.as_str(), depth[0].pending),
        ("discord", 1)
    );
    assert_eq!(
        (depth[1].platform.as_str(), depth[1].pending),
        ("telegram", 2)
    );
    assert_eq!(depth[1].oldest, Some(T0));
    // A retry waits for its time and keeps the queue's order.
    let rows = s
        .claim_due("d", T0, 60_000, 10, Some(&["x".to_owned()]))
        .await
        .unwrap();
    assert_eq!(rows[0].id, a);
    s.outbox_retry(a, T0.plus_millis(1_000), Some("429"))
        .await
        .unwrap();
    assert!(
        s.claim_due(
            "d",
            T0.plus_millis(999),
            60_000,
            10,
            Some(&["x".to_owned()])
        )
        .await
        .unwrap()
        .is_empty()
    );
    let again = s
        .claim_due(
            "d",
            T0.plus_millis(1_000),
            60_000,
            10,
            Some(&["x".to_owned()]),
        )
        .await
        .unwrap();
    assert_eq!((again[0].id, again[0].attempts), (a, 1));
    s.outbox_failed(a, "blocked", T0.plus_millis(1_000))
        .await
        .unwrap();
    let view = s.ticket_outbox(t.id).await.unwrap();
    assert_eq!(view.len(), 2);
    assert_eq!(view[0].status, OutboxStatus::Failed);
    assert_eq!(view[0].error.as_deref(), Some("blocked"));
    assert_eq!(view[0].attempts, 2);
    assert_eq!(view[1].status, OutboxStatus::Pending);
    // The failed row no longer holds the queue back.
    let next = s
        .claim_due(
            "d",
            T0.plus_millis(1_000),
            60_000,
            10,
            Some(&["x".to_owned()]),
        )
        .await
        .unwrap();
    assert_eq!(next.iter().map(text_of).collect::<Vec<_>>(), ["x2"]);
    s.outbox_delivered(&[(next[0].id, Some("77".to_owned()))], T0)
        .await
        .unwrap();
    assert_eq!(s.ticket_outbox(t.id).await.unwrap().len(), 1);
}

pub(crate) async fn rows_are_claimed_at_enqueue_unless_one_is_ahead(s: Arc<dyn Store>) {
    let until = T0.plus_millis(30_000);
    // A unit writes two rows of one queue with its claim: both are its own.
    let u = s.begin("k").await.unwrap();
    let (a, a_claimed) = u
        .enqueue(&outbound("q", None, "a", T0), Some(("me", until)))
        .await
        .unwrap();
    let (b, b_claimed) = u
        .enqueue(&outbound("q", None, "b", T0), Some(("me", until)))
        .await
        .unwrap();
    u.commit().await.unwrap();
    assert!(a_claimed && b_claimed);
    // Nobody else can take them while the claim lasts.
    assert!(
        s.claim_due("other", T0, 1000, 10, None)
            .await
            .unwrap()
            .is_empty()
    );
    // A later unit's row queues behind them: not claimed.
    let (c, c_claimed) = s
        .enqueue(
            &outbound("q", None, "c", T0),
            Some(("me", T0.plus_millis(31_000))),
        )
        .await
        .unwrap();
    assert!(!c_claimed);
    s.outbox_delivered(&[(a, None)], T0).await.unwrap();
    // Released without an attempt (it waited behind one that must wait).
    s.outbox_retry(b, T0, None).await.unwrap();
    let next = s.claim_due("other", T0, 1000, 10, None).await.unwrap();
    assert_eq!((next[0].id, next[0].attempts), (b, 0));
    s.outbox_delivered(&[(b, None)], T0).await.unwrap();
    let next = s.claim_due("other", T0, 1000, 10, None).await.unwrap();
    assert_eq!(next[0].id, c);
}

pub(crate) async fn deliveries_are_recorded_in_groups(s: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for (q, text) in [("g1", "a"), ("g2", "b"), ("g1", "c")] {
        ids.push(
            s.enqueue(&outbound(q, None, text, T0), None)
                .await
                .unwrap()
                .0,
        );
    }
    let heads = s.claim_due("d", T0, 10_000, 10, None).await.unwrap();
    assert_eq!(heads.len(), 2);
    let rows: Vec<_> = heads
        .iter()
        .map(|h| (h.id, Some(format!("m{}", h.id.0))))
        .collect();
    // g1 has "c" behind its head, g2 nothing.
    let behind = s.outbox_delivered(&rows, T0).await.unwrap();
    let by_id: std::collections::HashMap<_, _> = heads.iter().map(|h| h.id).zip(behind).collect();
    assert!(by_id[&ids[0]]);
    assert!(!by_id[&ids[1]]);
    let next = s.claim_due("d", T0, 10_000, 10, None).await.unwrap();
    assert_eq!(next.iter().map(text_of).collect::<Vec<_>>(), ["c"]);
    assert!(s.outbox_delivered(&[], T0).await.unwrap().is_empty());
}

pub(crate) async fn concurrent_deliveries_are_each_recorded(s: Arc<dyn Store>) {
    // 40 queues, the even ones with a second row; their heads are marked delivered by 40
    // callers at once (on PostgreSQL written together), each told whether its queue has a
    // row behind.
    for q in 0..40 {
        let texts: &[&str] = if q % 2 == 0 {
            &["head", "next"]
        } else {
            &["head"]
        };
        for text in texts {
            s.enqueue(&outbound(&format!("q{q}"), None, text, T0), None)
                .await
                .unwrap();
        }
    }
    let heads = s.claim_due("d", T0, 10_000, 100, None).await.unwrap();
    assert_eq!(heads.len(), 40);
    let marks = heads.iter().map(|h| {
        let s = s.clone();
        let (id, queue) = (h.id, h.row.queue.clone());
        async move {
            let behind = s
                .outbox_delivered(&[(id, Some(format!("m{}", id.0)))], T0)
                .await;
            (queue, behind)
        }
    });
    for (queue, behind) in futures_util::future::join_all(marks).await {
        let even = queue.trim_start_matches('q').parse::<u32>().unwrap() % 2 == 0;
        assert_eq!(behind.unwrap(), [even], "{queue}");
    }
    let next = s.claim_due("d", T0, 10_000, 100, None).await.unwrap();
    assert_eq!(next.len(), 20);
    assert!(next.iter().all(|o| text_of(o) == "next"));
    let rows: Vec<_> = next.iter().map(|o| (o.id, None)).collect();
    assert_eq!(
        s.outbox_delivered(&rows, T0).await.unwrap(),
        vec![false; 20]
    );
    assert!(
        s.claim_due("d", T0, 10_000, 100, None)
            .await
            .unwrap()
            .is_empty()
    );
}

pub(crate) async fn dead_letters_are_kept_once(s: Arc<dyn Store>) {
    let msg = Inbound {
        platform_msg_id: "upd-9".into(),
        from: Party {
            platform: Platform::telegram(),
            user_id: "7".into(),
            display_name: "Eve".into(),
            locale: None,
            role: Role::Customer,
        },
        at: Endpoint::chat(Platform::telegram(), "7"),
        content: Content::Text("hi".into()),
        sent_at: None,
    };
    assert!(s.record_dead_letter(&msg, "boom", T0).await.unwrap());
    assert!(!s.record_dead_letter(&msg, "boom again", T0).await.unwrap());
    let dead = s.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].error, "boom");
    let back: Inbound = serde_json::from_str(&dead[0].raw).unwrap();
    assert_eq!(back, msg);
}

pub(crate) async fn nul_bytes_are_stored_alike(s: Arc<dyn Store>) {
    // PostgreSQL refuses NUL in text: the Engine cleans every update first, identically on
    // every backend.
    let msg = Inbound {
        platform_msg_id: "n\0".into(),
        from: Party {
            platform: Platform::telegram(),
            user_id: "8".into(),
            display_name: "N\0ul".into(),
            locale: None,
            role: Role::Customer,
        },
        at: Endpoint::chat(Platform::telegram(), "8"),
        content: Content::Text("a\0b".into()),
        sent_at: None,
    }
    .sanitized();
    let c = s.upsert_customer(&msg.from, &msg.at, T0).await.unwrap();
    assert_eq!(c.display_name, "N\u{FFFD}ul");
    let Content::Text(body) = &msg.content else {
        unreachable!()
    };
    s.record_message(&NewMessage {
        customer: c.id,
        ticket: None,
        author: AuthorKind::Customer,
        author_id: Some(c.user_id.clone()),
        author_name: c.display_name.clone(),
        body: body.clone(),
        attachments: Vec::new(),
        platform_msg: Some((Platform::telegram(), msg.platform_msg_id.clone())),
        at: T0,
    })
    .await
    .unwrap()
    .unwrap();
    let got = s.customer_messages(c.id, 5).await.unwrap();
    assert_eq!(got[0].body, "a\u{FFFD}b");
}

pub(crate) async fn outbox_rows_carry_uploaded_files(s: Arc<dyn Store>) {
    let mut row = outbound("files", None, "📎 transcript", T0);
    let file = OutFile {
        name: "ticket-support-1.html".into(),
        mime: "text/html; charset=utf-8".into(),
        content: "<p>Ā \u{1b}</p>\0\u{ff}".as_bytes().to_vec(),
    };
    row.delivery = Delivery::Send(
        OutMessage::plain(MessageKind::Notice, "📎 transcript").with_file(file.clone()),
    );
    s.enqueue(&row, None).await.unwrap();
    let taken = s.claim_due("d", T0, 10_000, 10, None).await.unwrap();
    assert_eq!(taken.len(), 1);
    let Delivery::Send(m) = &taken[0].row.delivery else {
        panic!("a send");
    };
    assert_eq!(m.files, vec![file], "the file comes back byte for byte");
}

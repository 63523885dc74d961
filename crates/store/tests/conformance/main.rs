//! The Store conformance suite, written once and run against every backend: the in-memory
//! store of `frontdesk-core`, SQLite (a fresh file per test) and PostgreSQL (a fresh database per
//! test, when `FRONTDESK_TEST_POSTGRES_URL` names a server; required when `CI=true`).

use std::sync::Arc;

use frontdesk_core::testing::MemoryStore;
use frontdesk_core::*;
use frontdesk_store::SqlStore;

mod dashboard;
mod followups;
mod privacy;
mod tickets;
mod units;
use followups::*;
use privacy::*;
use tickets::*;
use units::*;

const T0: Timestamp = Timestamp(1_764_000_000_000);

/// A backend under test; keeps its temporary directory or database alive.
struct Backend {
    store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
}

async fn memory() -> Option<Backend> {
    Some(Backend {
        store: MemoryStore::new(),
        _dir: None,
    })
}

async fn sqlite() -> Option<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = SqlStore::connect(&url).await.expect("sqlite store");
    Some(Backend {
        store: Arc::new(store),
        _dir: Some(dir),
    })
}

async fn postgres() -> Option<Backend> {
    let url = frontdesk_store::testing::fresh_postgres_database().await?;
    let store = SqlStore::connect(&url).await.expect("postgres store");
    Some(Backend {
        store: Arc::new(store),
        _dir: None,
    })
}

macro_rules! conformance {
    ($($name:ident),+ $(,)?) => {
        mod memory_backend {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { if let Some(b) = super::memory().await { super::$name(b.store.clone()).await; } } )+
        }
        mod sqlite_backend {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { if let Some(b) = super::sqlite().await { super::$name(b.store.clone()).await; } } )+
        }
        mod postgres_backend {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { if let Some(b) = super::postgres().await { super::$name(b.store.clone()).await; } } )+
        }
    };
}

conformance!(
    customers_are_upserted_with_state_and_language,
    replayed_platform_messages_are_recorded_once,
    tickets_number_per_desk_and_take_the_recent_transcript,
    an_escalation_opens_the_ticket_moves_the_customer_and_returns_the_transcript,
    rooms_route_to_their_ticket,
    claims_have_one_winner,
    concurrent_claims_have_one_winner,
    concurrent_escalations_get_unique_consecutive_numbers,
    agent_reply_sets_first_response_once_and_assigns,
    close_and_reopen_are_idempotent,
    priority_tags_and_events,
    reminders_are_handed_out_once_per_level,
    waiting_follows_agent_and_customer_replies,
    next_response_reminders_are_handed_out_once_per_level,
    silent_customers_are_reminded_then_closed_once,
    concurrent_follow_up_takers_get_each_once,
    bot_reply_feedback_is_set_once_by_its_customer,
    surveys,
    cursors,
    ticket_listing_filters,
    leases_have_one_holder_and_expire,
    a_unit_of_work_commits_everything_or_nothing,
    units_of_one_key_run_one_at_a_time,
    customer_units_read_after_the_previous_unit_committed,
    outbox_delivers_each_queue_in_order_one_claim_at_a_time,
    outbox_rows_are_claimed_by_one_dispatcher,
    outbox_retry_failure_depth_and_ticket_view,
    dead_letters_are_kept_once,
    deliveries_are_recorded_in_groups,
    concurrent_deliveries_are_each_recorded,
    rows_are_claimed_at_enqueue_unless_one_is_ahead,
    nul_bytes_are_stored_alike,
    blocks_are_set_once_told_once_and_listed,
    erasure_anonymises_and_keeps_the_figures,
    retention_takes_each_closed_ticket_once,
    outbox_rows_carry_uploaded_files,
);

fn party(user: &str) -> Party {
    Party {
        platform: Platform::telegram(),
        user_id: user.into(),
        display_name: format!("User {user}"),
        locale: Some("lt".into()),
        role: Role::Customer,
    }
}

fn dm(user: &str) -> Endpoint {
    Endpoint::chat(Platform::telegram(), format!("chat-{user}"))
}

fn agent(name: &str) -> Agent {
    Agent {
        id: format!("discord:{name}"),
        name: name.into(),
    }
}

async fn customer(s: &dyn Store, user: &str) -> Customer {
    s.upsert_customer(&party(user), &dm(user), T0)
        .await
        .unwrap()
}

fn new_ticket(c: &Customer, desk: &str, at: Timestamp) -> NewTicket {
    NewTicket {
        desk: desk.into(),
        customer: c.id,
        customer_endpoint: c.endpoint.clone(),
        customer_name: c.display_name.clone(),
        subject: "Where is my parcel?".into(),
        lang: "lt".into(),
        priority: Priority::Normal,
        bot_tried: "order-status".into(),
        opened_at: at,
        transcript_since: at.plus_millis(-3_600_000),
    }
}

fn msg(
    c: &Customer,
    ticket: Option<TicketId>,
    body: &str,
    pid: Option<&str>,
    at: Timestamp,
) -> NewMessage {
    NewMessage {
        customer: c.id,
        ticket,
        author: AuthorKind::Customer,
        author_id: Some(c.user_id.clone()),
        author_name: c.display_name.clone(),
        body: body.into(),
        attachments: Vec::new(),
        platform_msg: pid.map(|p| (Platform::telegram(), p.to_owned())),
        at,
    }
}

async fn customers_are_upserted_with_state_and_language(s: Arc<dyn Store>) {
    let tg = Platform::telegram();
    assert_eq!(s.customer_by_user(&tg, "1").await.unwrap(), None);
    assert_eq!(s.customer_by_user(&tg, "1").await.unwrap(), None, "a read");
    let c = customer(s.as_ref(), "1").await;
    assert_eq!(
        s.customer_by_user(&tg, "1").await.unwrap().as_ref(),
        Some(&c)
    );
    assert!(c.is_unchanged(&party("1"), &dm("1")));
    assert!(!c.is_unchanged(&party("1"), &dm("2")));
    assert_eq!(
        s.customer_by_user(&Platform::discord(), "1").await.unwrap(),
        None
    );
    assert_eq!(c.state, ConversationState::Idle);
    assert_eq!(c.lang, None);
    assert_eq!(c.endpoint, dm("1"));
    s.set_customer_lang(c.id, "lt").await.unwrap();
    let st = ConversationState::Closed {
        ticket: TicketId(7),
        at: T0,
    };
    s.set_customer_state(c.id, &st).await.unwrap();
    // Same platform user, new name and chat: same customer, updated.
    let mut p = party("1");
    p.display_name = "Renamed".into();
    let ep = Endpoint {
        thread_id: Some("5".into()),
        ..dm("1")
    };
    let again = s.upsert_customer(&p, &ep, T0.plus_millis(5)).await.unwrap();
    assert_eq!(again.id, c.id);
    assert_eq!(again.display_name, "Renamed");
    assert_eq!(again.endpoint, ep);
    assert_eq!(again.lang.as_deref(), Some("lt"));
    assert_eq!(again.state, st);
    assert_eq!(again.created_at, T0);
    assert!(again.is_unchanged(&p, &ep));
    assert_eq!(s.customer_by_user(&tg, "1").await.unwrap(), Some(again));
    let other = customer(s.as_ref(), "2").await;
    assert_ne!(other.id, c.id);
    assert_eq!(
        s.customer(c.id).await.unwrap().unwrap().display_name,
        "Renamed"
    );
    assert!(s.customer(CustomerId(999_999)).await.unwrap().is_none());
}

async fn replayed_platform_messages_are_recorded_once(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let first = s
        .record_message(&msg(&c, None, "hi", Some("u-1"), T0))
        .await
        .unwrap();
    assert!(first.is_some());
    assert_eq!(
        s.record_message(&msg(&c, None, "hi", Some("u-1"), T0))
            .await
            .unwrap(),
        None
    );
    // Same id on another platform is another message; no id never collides.
    let mut other = msg(&c, None, "hi", None, T0);
    other.platform_msg = Some((Platform::discord(), "u-1".into()));
    assert!(s.record_message(&other).await.unwrap().is_some());
    assert!(
        s.record_message(&msg(&c, None, "bot", None, T0))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        s.record_message(&msg(&c, None, "bot", None, T0))
            .await
            .unwrap()
            .is_some()
    );
    let all = s.customer_messages(c.id, 10).await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].body, "hi");
    let last2 = s.customer_messages(c.id, 2).await.unwrap();
    assert_eq!(last2.len(), 2);
    assert_eq!(last2[1].id, all[3].id, "latest messages, oldest first");
    // Attachments round-trip.
    let mut with_file = msg(&c, None, "photo", Some("u-2"), T0);
    with_file.attachments = vec![Attachment {
        platform: Platform::telegram(),
        kind: AttachmentKind::Photo,
        file_ref: "AgAD".into(),
        file_name: Some("a.jpg".into()),
    }];
    s.record_message(&with_file).await.unwrap();
    let got = s.customer_messages(c.id, 1).await.unwrap();
    assert_eq!(got[0].attachments, with_file.attachments);
}

async fn rooms_route_to_their_ticket(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let t1 = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    let t2 = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    assert!(s.ticket(t1.id).await.unwrap().unwrap().room.is_none());
    let topic = Endpoint {
        platform: Platform::telegram(),
        chat_id: "-100".into(),
        thread_id: Some("42".into()),
    };
    let thread = Endpoint::chat(Platform::discord(), "9001");
    s.set_ticket_room(t1.id, Some(&topic), false).await.unwrap();
    s.set_ticket_room(t2.id, Some(&thread), true).await.unwrap();
    assert_eq!(s.ticket_by_room(&topic).await.unwrap().unwrap().id, t1.id);
    let got = s.ticket_by_room(&thread).await.unwrap().unwrap();
    assert_eq!(got.id, t2.id);
    assert!(got.customer_in_room);
    assert_eq!(got.room, Some(thread.clone()));
    let general = Endpoint {
        thread_id: None,
        ..topic.clone()
    };
    assert!(s.ticket_by_room(&general).await.unwrap().is_none());
    // A room the platform lost is forgotten: nothing routes to it any more.
    s.set_ticket_room(t1.id, None, false).await.unwrap();
    assert!(s.ticket_by_room(&topic).await.unwrap().is_none());
    assert!(s.ticket(t1.id).await.unwrap().unwrap().room.is_none());
}

async fn claims_have_one_winner(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let t = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    assert_eq!(
        s.claim_ticket(t.id, &agent("ann"), T0).await.unwrap(),
        ClaimOutcome::Claimed
    );
    assert_eq!(
        s.claim_ticket(t.id, &agent("ann"), T0).await.unwrap(),
        ClaimOutcome::AlreadyYours
    );
    assert_eq!(
        s.claim_ticket(t.id, &agent("bob"), T0).await.unwrap(),
        ClaimOutcome::TakenBy(agent("ann"))
    );
    assert!(!s.unclaim_ticket(t.id, &agent("bob"), T0).await.unwrap());
    assert!(s.unclaim_ticket(t.id, &agent("ann"), T0).await.unwrap());
    assert_eq!(
        s.claim_ticket(t.id, &agent("bob"), T0).await.unwrap(),
        ClaimOutcome::Claimed
    );
    assert_eq!(
        s.ticket(t.id).await.unwrap().unwrap().assignee,
        Some(agent("bob"))
    );
    s.close_ticket(t.id, None, T0).await.unwrap();
    assert_eq!(
        s.claim_ticket(t.id, &agent("cy"), T0).await.unwrap(),
        ClaimOutcome::Closed
    );
}

async fn concurrent_claims_have_one_winner(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    for _ in 0..5 {
        let t = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
        let mut handles = Vec::new();
        for i in 0..8 {
            let s = s.clone();
            handles.push(tokio::spawn(async move {
                s.claim_ticket(t.id, &agent(&format!("a{i}")), T0)
                    .await
                    .unwrap()
            }));
        }
        let mut winners = 0;
        for h in handles {
            match h.await.unwrap() {
                ClaimOutcome::Claimed => winners += 1,
                ClaimOutcome::TakenBy(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(winners, 1);
        let claimed = s
            .ticket_events(t.id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.kind == EventKind::Claimed)
            .count();
        assert_eq!(claimed, 1);
    }
}

async fn agent_reply_sets_first_response_once_and_assigns(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let t = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    s.record_agent_reply(t.id, &agent("ann"), T0.plus_millis(90_000))
        .await
        .unwrap();
    s.record_agent_reply(t.id, &agent("bob"), T0.plus_millis(200_000))
        .await
        .unwrap();
    let got = s.ticket(t.id).await.unwrap().unwrap();
    assert_eq!(got.first_response_at, Some(T0.plus_millis(90_000)));
    assert_eq!(
        got.assignee,
        Some(agent("ann")),
        "the first replier holds it"
    );
    let kinds: Vec<EventKind> = s
        .ticket_events(t.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Opened,
            EventKind::Claimed,
            EventKind::Replied,
            EventKind::Replied
        ]
    );
    assert!(
        s.record_agent_reply(TicketId(999_999), &agent("x"), T0)
            .await
            .is_err()
    );
}

async fn close_and_reopen_are_idempotent(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let t = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    assert!(!s.reopen_ticket(t.id, None, T0).await.unwrap());
    assert!(
        s.close_ticket(t.id, Some(&agent("ann")), T0.plus_millis(10))
            .await
            .unwrap()
    );
    assert!(
        !s.close_ticket(t.id, Some(&agent("ann")), T0.plus_millis(20))
            .await
            .unwrap()
    );
    let closed = s.ticket(t.id).await.unwrap().unwrap();
    assert_eq!(closed.status, TicketStatus::Closed);
    assert_eq!(closed.closed_at, Some(T0.plus_millis(10)));
    assert!(
        s.reopen_ticket(t.id, None, T0.plus_millis(30))
            .await
            .unwrap()
    );
    assert!(
        s.close_ticket(t.id, None, T0.plus_millis(40))
            .await
            .unwrap()
    );
    let again = s.ticket(t.id).await.unwrap().unwrap();
    assert_eq!(again.reopen_count, 1);
    assert_eq!(again.closed_at, Some(T0.plus_millis(40)));
    let events = s.ticket_events(t.id).await.unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Opened,
            EventKind::Closed,
            EventKind::Reopened,
            EventKind::Closed
        ]
    );
    assert_eq!(events[1].actor_name.as_deref(), Some("ann"));
    assert_eq!(events[2].actor_id, None);
}

async fn priority_tags_and_events(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let t = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    s.set_priority(t.id, Priority::Urgent, &agent("ann"), T0)
        .await
        .unwrap();
    let tags = s
        .add_tags(t.id, &["vip".into(), "billing".into()], &agent("ann"), T0)
        .await
        .unwrap();
    assert_eq!(tags, vec!["billing".to_owned(), "vip".to_owned()]);
    let tags = s
        .add_tags(t.id, &["vip".into(), "eu".into()], &agent("ann"), T0)
        .await
        .unwrap();
    assert_eq!(
        tags,
        vec!["billing".to_owned(), "eu".to_owned(), "vip".to_owned()]
    );
    s.add_event(t.id, EventKind::SendFailed, None, "send to x: refused", T0)
        .await
        .unwrap();
    let got = s.ticket(t.id).await.unwrap().unwrap();
    assert_eq!(got.priority, Priority::Urgent);
    assert_eq!(got.tags.len(), 3);
    let events = s.ticket_events(t.id).await.unwrap();
    assert_eq!(events[1].kind, EventKind::Priority);
    assert_eq!(events[1].detail, "urgent");
    assert_eq!(events.last().unwrap().detail, "send to x: refused");
}

async fn reminders_are_handed_out_once_per_level(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let target = 15 * 60_000;
    let t1 = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    let t2 = s
        .open_ticket(&new_ticket(&c, "eu", T0.plus_millis(10 * 60_000)))
        .await
        .unwrap();
    let replied = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    s.record_agent_reply(replied.id, &agent("ann"), T0)
        .await
        .unwrap();
    let other_desk = s.open_ticket(&new_ticket(&c, "us", T0)).await.unwrap();
    let _ = other_desk;

    assert!(
        s.take_due_reminders("eu", &levels(T0.plus_millis(target - 1), target, 2))
            .await
            .unwrap()
            .is_empty()
    );
    let due = s
        .take_due_reminders("eu", &levels(T0.plus_millis(target), target, 2))
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|(t, l)| (t.id, *l)).collect::<Vec<_>>(),
        vec![(t1.id, 1)]
    );
    assert!(
        s.take_due_reminders("eu", &levels(T0.plus_millis(target), target, 2))
            .await
            .unwrap()
            .is_empty()
    );
    // Late: t1 reaches level 2, t2 jumps straight to level 2 as well.
    let due = s
        .take_due_reminders("eu", &levels(T0.plus_millis(50 * 60_000), target, 2))
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|(t, l)| (t.id, *l)).collect::<Vec<_>>(),
        vec![(t1.id, 2), (t2.id, 2)]
    );
    assert!(
        s.take_due_reminders("eu", &levels(T0.plus_millis(500 * 60_000), target, 2))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.ticket(t1.id).await.unwrap().unwrap().reminders_sent, 2);

    // Concurrent takers: each reminder goes to exactly one.
    let mut tickets = Vec::new();
    for _ in 0..10 {
        tickets.push(s.open_ticket(&new_ticket(&c, "race", T0)).await.unwrap().id);
    }
    let mut handles = Vec::new();
    for _ in 0..6 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.take_due_reminders("race", &levels(T0.plus_millis(target), target, 2))
                .await
                .unwrap()
        }));
    }
    let mut got: Vec<TicketId> = Vec::new();
    for h in handles {
        got.extend(h.await.unwrap().into_iter().map(|(t, _)| t.id));
    }
    got.sort();
    assert_eq!(got, tickets);
}

async fn bot_reply_feedback_is_set_once_by_its_customer(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let other = customer(s.as_ref(), "2").await;
    let id = s
        .record_bot_reply(&NewBotReply {
            customer: c.id,
            question: "kur siunta".into(),
            outcome: ReplyOutcome::Answered,
            entry_id: Some("order-status".into()),
            lang: Some("lt".into()),
            confidence: 0.75,
            at: T0,
        })
        .await
        .unwrap();
    assert!(
        !s.set_bot_reply_feedback(id, other.id, Feedback::NotSolved, T0)
            .await
            .unwrap()
    );
    assert!(
        s.set_bot_reply_feedback(id, c.id, Feedback::Solved, T0.plus_millis(5))
            .await
            .unwrap()
    );
    assert!(
        !s.set_bot_reply_feedback(id, c.id, Feedback::NotSolved, T0.plus_millis(6))
            .await
            .unwrap()
    );
    let r = s.bot_reply(id).await.unwrap().unwrap();
    assert_eq!(r.feedback, Some(Feedback::Solved));
    assert_eq!(r.feedback_at, Some(T0.plus_millis(5)));
    assert!((r.confidence - 0.75).abs() < 1e-6);
    assert_eq!(r.outcome, ReplyOutcome::Answered);
    assert_eq!(s.bot_replies_since(T0).await.unwrap().len(), 1);
    assert!(
        s.bot_replies_since(T0.plus_millis(1))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.bot_reply(BotReplyId(id.0 + 1000))
            .await
            .unwrap()
            .is_none()
    );
}

async fn surveys(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "1").await;
    let t = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    assert!(
        !s.survey_score(t.id, 3, T0).await.unwrap(),
        "not offered yet"
    );
    s.survey_offered(t.id, T0).await.unwrap();
    assert_eq!(s.survey(t.id).await.unwrap().unwrap().score, None);
    assert!(s.survey_score(t.id, 4, T0.plus_millis(1)).await.unwrap());
    s.survey_comment(t.id, "quick, thanks").await.unwrap();
    s.survey_offered(t.id, T0.plus_millis(2)).await.unwrap();
    let v = s.survey(t.id).await.unwrap().unwrap();
    assert_eq!(v.asked_at, T0.plus_millis(2));
    assert_eq!(v.score, Some(4));
    assert_eq!(v.comment.as_deref(), Some("quick, thanks"));
    assert_eq!(v.answered_at, Some(T0.plus_millis(1)));
    assert_eq!((v.nps, v.ces), (None, None));
    // The optional questions: on their scales only.
    use SurveyQuestion::{Ces, Nps};
    assert!(s.survey_answer(t.id, Nps, 0).await.unwrap());
    assert!(s.survey_answer(t.id, Nps, 10).await.unwrap());
    assert!(!s.survey_answer(t.id, Nps, 11).await.unwrap());
    assert!(!s.survey_answer(t.id, Ces, 0).await.unwrap());
    assert!(s.survey_answer(t.id, Ces, 7).await.unwrap());
    let v = s.survey(t.id).await.unwrap().unwrap();
    assert_eq!((v.nps, v.ces, v.score), (Some(10), Some(7), Some(4)));
    let other = s.open_ticket(&new_ticket(&c, "eu", T0)).await.unwrap();
    assert!(
        !s.survey_answer(other.id, Nps, 5).await.unwrap(),
        "no survey offered"
    );
}

async fn cursors(s: Arc<dyn Store>) {
    assert_eq!(s.cursor("telegram.offset").await.unwrap(), None);
    s.set_cursor("telegram.offset", "41").await.unwrap();
    s.set_cursor("telegram.offset", "42").await.unwrap();
    assert_eq!(
        s.cursor("telegram.offset").await.unwrap().as_deref(),
        Some("42")
    );
}

async fn ticket_listing_filters(s: Arc<dyn Store>) {
    let a = customer(s.as_ref(), "a").await;
    let b = customer(s.as_ref(), "b").await;
    let t1 = s.open_ticket(&new_ticket(&a, "eu", T0)).await.unwrap();
    let t2 = s.open_ticket(&new_ticket(&b, "eu", T0)).await.unwrap();
    let t3 = s.open_ticket(&new_ticket(&a, "us", T0)).await.unwrap();
    s.close_ticket(t1.id, None, T0).await.unwrap();
    let ids = |v: Vec<Ticket>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.list_tickets(&TicketFilter::default()).await.unwrap()),
        vec![t3.id, t2.id, t1.id]
    );
    let eu_open = TicketFilter {
        desk: Some("eu".into()),
        status: Some(TicketStatus::Open),
        ..Default::default()
    };
    assert_eq!(ids(s.list_tickets(&eu_open).await.unwrap()), vec![t2.id]);
    let of_a = TicketFilter {
        customer: Some(a.id),
        limit: 1,
        ..Default::default()
    };
    assert_eq!(ids(s.list_tickets(&of_a).await.unwrap()), vec![t3.id]);
}

async fn leases_have_one_holder_and_expire(s: Arc<dyn Store>) {
    let ttl = 30_000;
    assert!(
        s.acquire_lease("telegram.poll", "a", ttl, T0)
            .await
            .unwrap()
    );
    assert!(
        !s.acquire_lease("telegram.poll", "b", ttl, T0.plus_millis(1))
            .await
            .unwrap()
    );
    // The holder renews.
    assert!(
        s.acquire_lease("telegram.poll", "a", ttl, T0.plus_millis(20_000))
            .await
            .unwrap()
    );
    assert!(
        !s.acquire_lease("telegram.poll", "b", ttl, T0.plus_millis(40_000))
            .await
            .unwrap()
    );
    // The holder dies (stops renewing): after expiry another replica takes over.
    assert!(
        s.acquire_lease("telegram.poll", "b", ttl, T0.plus_millis(50_001))
            .await
            .unwrap()
    );
    assert!(
        !s.acquire_lease("telegram.poll", "a", ttl, T0.plus_millis(50_002))
            .await
            .unwrap()
    );
    // Release frees it at once; releasing someone else's lease does nothing.
    s.release_lease("telegram.poll", "a").await.unwrap();
    assert!(
        !s.acquire_lease("telegram.poll", "c", ttl, T0.plus_millis(50_003))
            .await
            .unwrap()
    );
    s.release_lease("telegram.poll", "b").await.unwrap();
    assert!(
        s.acquire_lease("telegram.poll", "c", ttl, T0.plus_millis(50_004))
            .await
            .unwrap()
    );
    // Concurrent contenders for a free lease: exactly one wins.
    let mut handles = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.acquire_lease("race", &format!("r{i}"), ttl, T0)
                .await
                .unwrap()
        }));
    }
    let mut winners = 0;
    for h in handles {
        winners += usize::from(h.await.unwrap());
    }
    assert_eq!(winners, 1);
}

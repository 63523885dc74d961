//! Support hours and follow-ups on the Engine's tick: the out-of-hours notice, reminders in
//! business time, next-response reminders, the reminder to a silent customer and the
//! automatic close. `T0` is Monday 2025-11-24 16:00 UTC, 18:00 in Vilnius (EET).

use frontdesk_core::testing::{Call, MemoryStore};
use frontdesk_core::*;

use crate::harness::*;

/// Monday to Friday 09:00–17:00 in Vilnius.
fn office(mut cfg: EngineConfig) -> EngineConfig {
    let day = vec!["09:00-17:00".to_owned()];
    cfg.desk.hours = HoursConfig {
        time_zone: "Europe/Vilnius".into(),
        mon: day.clone(),
        tue: day.clone(),
        wed: day.clone(),
        thu: day.clone(),
        fri: day,
        ..HoursConfig::default()
    };
    cfg
}

fn followups(remind: i64, close: i64) -> EngineConfig {
    let mut cfg = config();
    cfg.followups = FollowupsConfig {
        remind_after_hours: remind,
        close_after_hours: close,
    };
    cfg
}

#[tokio::test]
async fn escalating_outside_hours_says_when_the_team_is_back_in_local_time() {
    let h = harness_with(office(config()), MemoryStore::new());
    h.say("a", "/human").await;
    let m = h.last_to_customer("a");
    assert!(m.text.contains("#1"), "{}", m.text);
    assert!(
        m.text
            .contains("back on Tuesday 2025-11-25 09:00 (Europe/Vilnius)"),
        "{}",
        m.text
    );
    let t = h.ticket(1).await;
    assert_eq!(
        t.status,
        TicketStatus::Open,
        "the ticket is open all the same"
    );
    assert!(!h.channel.rooms().is_empty(), "and the room has it");

    // In the customer's language.
    h.say("b", "Kur mano užsakymas?").await;
    h.say("b", "/human").await;
    let m = h.last_to_customer("b");
    assert!(
        m.text.contains("#2")
            && m.text
                .contains("grįš antradienį 2025-11-25 09:00 (Europe/Vilnius)"),
        "{}",
        m.text
    );

    // Within hours: the usual text. Tuesday 10:00 in Vilnius.
    h.clock.advance_minutes(16 * 60);
    h.say("c", "/human").await;
    let m = h.last_to_customer("c");
    assert!(
        m.text.contains("An agent will reply right here"),
        "{}",
        m.text
    );
    assert!(!m.text.contains("back on"), "{}", m.text);
}

#[tokio::test]
async fn first_response_reminders_count_business_time_only() {
    let h = harness_with(office(config()), MemoryStore::new());
    let room = h.open_ticket("p").await;
    // Tuesday 08:00 local: 14 hours later, no business time yet.
    h.clock.advance_minutes(14 * 60);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 0);
    // 09:14: 14 business minutes.
    h.clock.advance_minutes(74);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 0);
    h.clock.advance_minutes(1);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 1);
    let r = h.to_room(&room).pop().unwrap();
    assert!(r.text.contains("waited 15 min"), "{}", r.text);
    assert!(!r.mention_agents);
    h.clock.advance_minutes(15);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 1);
    assert!(h.to_room(&room).pop().unwrap().mention_agents);
}

#[tokio::test]
async fn bad_hours_and_follow_ups_are_refused_at_start_with_the_key() {
    let build = |cfg: EngineConfig| {
        let store = MemoryStore::new();
        let channel = frontdesk_core::testing::RecordingChannel::new(Platform::terminal());
        let clock = frontdesk_core::testing::ManualClock::new(crate::common::T0);
        Engine::new(cfg, store, Router::new().with(channel), clock, kb())
            .err()
            .map(|e| e.to_string())
    };
    let mut cfg = office(config());
    cfg.desk.hours.time_zone = "Europe/Vilna".into();
    let e = build(cfg).expect("refused");
    assert!(
        e.contains("desk.hours.time_zone") && e.contains("unknown time zone \"Europe/Vilna\""),
        "{e}"
    );
    let mut cfg = office(config());
    cfg.desk.hours.wed = vec!["09:00-13:00".into(), "12:00-17:00".into()];
    let e = build(cfg).expect("refused");
    assert!(
        e.contains("desk.hours.wed") && e.contains("overlaps"),
        "{e}"
    );
    let e = build(followups(-1, 0)).expect("refused");
    assert!(
        e.contains("followups.remind_after_hours") && e.contains("negative"),
        "{e}"
    );
    let e = build(followups(48, 24)).expect("refused");
    assert!(
        e.contains("followups.remind_after_hours") && e.contains("shorter"),
        "{e}"
    );
    let mut cfg = config();
    cfg.sla.next_response_minutes = -5;
    assert!(
        build(cfg)
            .expect("refused")
            .contains("sla.next_response_minutes")
    );
    assert_eq!(build(office(followups(24, 72))), None);
}

#[tokio::test]
async fn a_silent_customer_is_reminded_once_then_the_ticket_closes_itself() {
    let h = harness_with(followups(24, 72), MemoryStore::new());
    let room = h.open_ticket("s").await;
    h.agent("Alice", &room, "Could you send the order number?")
        .await;
    let t = h.ticket(1).await;
    h.clock.advance_minutes(24 * 60 - 1);
    let r = h.engine.tick().await.unwrap();
    assert_eq!((r.nudges, r.auto_closed), (0, 0));
    h.clock.advance_minutes(1);
    assert_eq!(h.engine.tick().await.unwrap().nudges, 1);
    let m = h.last_to_customer("s");
    assert!(m.text.contains("checking in on ticket #1"), "{}", m.text);
    let note = h.to_room(&room).pop().unwrap();
    assert!(note.text.contains("24 h"), "{}", note.text);
    assert_eq!(h.engine.tick().await.unwrap().nudges, 0, "once");
    let before = h.to_customer("s").len();

    h.clock.advance_minutes(48 * 60);
    let r = h.engine.tick().await.unwrap();
    assert_eq!((r.nudges, r.auto_closed), (0, 1));
    assert_eq!(
        h.to_customer("s").len(),
        before + 1,
        "one message: notice and survey"
    );
    let m = h.last_to_customer("s");
    assert!(m.text.contains("ticket #1 is now closed"), "{}", m.text);
    assert_eq!(payloads(&m).len(), 5, "the rating buttons");
    let closed = h.ticket(1).await;
    assert_eq!(closed.status, TicketStatus::Closed);
    assert_eq!(
        h.state("s").await,
        ConversationState::Closed {
            ticket: t.id,
            at: closed.closed_at.unwrap()
        }
    );
    let e = h.store.ticket_events(t.id).await.unwrap();
    let close = e.iter().find(|e| e.kind == EventKind::Closed).unwrap();
    assert_eq!(close.actor_id, None);
    assert_eq!(close.actor_name.as_deref(), Some(AUTO_CLOSE_ACTOR));
    assert!(close.detail.contains("72 h"), "{}", close.detail);
    let note = h.to_room(&room).pop().unwrap();
    assert!(note.text.contains("closed automatically"), "{}", note.text);
    assert!(
        h.channel
            .calls()
            .iter()
            .any(|c| matches!(c, Call::Close(r) if *r == room)),
        "the room is closed as on /close"
    );
    assert_eq!(h.engine.tick().await.unwrap().auto_closed, 0, "once");
    // The survey is offered as after an agent's close.
    let survey = h.store.survey(t.id).await.unwrap().unwrap();
    assert_eq!(
        (survey.asked_at, survey.score),
        (closed.closed_at.unwrap(), None)
    );
    // And a later message within the reopen window reopens the ticket.
    h.say("s", "Actually, one more thing").await;
    assert_eq!(h.ticket(1).await.status, TicketStatus::Open);
    h.clock.advance_minutes(100 * 60);
    assert_eq!(
        h.engine.tick().await.unwrap().auto_closed,
        0,
        "waits on the agents now"
    );
}

#[tokio::test]
async fn a_customer_reply_stops_the_silence_follow_ups_until_the_next_agent_reply() {
    let h = harness_with(followups(24, 48), MemoryStore::new());
    let room = h.open_ticket("q").await;
    h.agent("Alice", &room, "Which order?").await;
    h.clock.advance_minutes(120);
    h.say("q", "Number 1234").await;
    h.clock.advance_minutes(100 * 60);
    let r = h.engine.tick().await.unwrap();
    assert_eq!((r.nudges, r.auto_closed), (0, 0));
    h.agent("Alice", &room, "Found it, it ships today.").await;
    h.clock.advance_minutes(24 * 60);
    assert_eq!(h.engine.tick().await.unwrap().nudges, 1);
}

#[tokio::test]
async fn next_response_reminders_after_a_customer_reply() {
    let mut cfg = config();
    cfg.sla.next_response_minutes = 30;
    let h = harness_with(cfg, MemoryStore::new());
    let room = h.open_ticket("n").await;
    h.agent("Alice", &room, "Hello, checking.").await;
    h.clock.advance_minutes(5);
    h.say("n", "Any news?").await;
    h.clock.advance_minutes(29);
    assert_eq!(h.engine.tick().await.unwrap().next_reminders, 0);
    h.say("n", "Hello??").await;
    h.clock.advance_minutes(1);
    assert_eq!(
        h.engine.tick().await.unwrap().next_reminders,
        1,
        "from the first message"
    );
    let r = h.to_room(&room).pop().unwrap();
    assert!(
        r.text.contains("at least 30 min") && !r.mention_agents,
        "{}",
        r.text
    );
    assert_eq!(
        h.engine.tick().await.unwrap().next_reminders,
        0,
        "not twice"
    );
    h.clock.advance_minutes(30);
    assert_eq!(h.engine.tick().await.unwrap().next_reminders, 1);
    assert!(
        h.to_room(&room).pop().unwrap().mention_agents,
        "the second pings"
    );
    h.clock.advance_minutes(120);
    assert_eq!(
        h.engine.tick().await.unwrap().next_reminders,
        0,
        "at most two"
    );
    // Answered: nothing is due until the customer writes again.
    h.agent("Alice", &room, "Shipped.").await;
    h.clock.advance_minutes(120);
    assert_eq!(h.engine.tick().await.unwrap().next_reminders, 0);
    h.say("n", "Thanks, and the invoice?").await;
    h.clock.advance_minutes(30);
    assert_eq!(h.engine.tick().await.unwrap().next_reminders, 1);
}

#[tokio::test]
async fn follow_ups_are_off_by_default() {
    let h = harness();
    let room = h.open_ticket("o").await;
    h.agent("Alice", &room, "Done?").await;
    h.say("o", "Not yet").await;
    h.agent("Alice", &room, "Now?").await;
    h.clock.advance_minutes(1000 * 60);
    let r = h.engine.tick().await.unwrap();
    assert_eq!((r.nudges, r.auto_closed, r.next_reminders), (0, 0, 0));
    assert_eq!(h.ticket(1).await.status, TicketStatus::Open);
}

#[tokio::test]
async fn the_report_counts_an_automatic_close_but_never_as_an_agents() {
    let h = harness_with(followups(0, 48), MemoryStore::new());
    let room = h.open_ticket("r").await;
    h.agent("Alice", &room, "Please check your e-mail.").await;
    h.clock.advance_minutes(48 * 60);
    assert_eq!(h.engine.tick().await.unwrap().auto_closed, 1);
    let range = report::ReportRange::default();
    let pure = report::compute(&report::load(&*h.store, &range).await.unwrap(), &range);
    let via_store = report::from_store(&*h.store, &range).await.unwrap();
    for r in [&pure, &via_store] {
        assert_eq!(r.tickets_closed, 1);
        assert_eq!(r.days.iter().map(|d| d.closed).sum::<usize>(), 1);
        let alice = r.agents.iter().find(|a| a.name == "Alice").unwrap();
        assert_eq!((alice.replies, alice.closed), (1, 0), "not Alice's close");
        assert_eq!(r.agents.len(), 1, "auto-close is no agent");
    }
}

#[tokio::test]
async fn the_first_response_is_also_measured_in_business_hours() {
    let h = harness_with(office(config()), MemoryStore::new());
    // Opened Monday 18:00 local, answered Tuesday 09:30: 15.5 h of calendar time, 30 business
    // minutes.
    let room = h.open_ticket("p").await;
    h.clock.advance_minutes(15 * 60 + 30);
    h.agent("Ann", &room, "Here is your answer").await;
    // A second reply does not change it.
    h.clock.advance_minutes(60);
    h.agent("Ann", &room, "Anything else?").await;
    let t = h.ticket(1).await;
    assert_eq!(t.first_response_business_ms, Some(30 * 60_000));
    let r = report::from_store(h.store.as_ref(), &report::ReportRange::default())
        .await
        .unwrap();
    assert_eq!(r.first_response.median_s, Some(15.5 * 3600.0));
    assert_eq!(r.first_response_business.count, 1);
    assert_eq!(r.first_response_business.median_s, Some(1800.0));
}

#[tokio::test]
async fn without_support_hours_there_is_no_business_time_figure() {
    let h = harness();
    let room = h.open_ticket("p").await;
    h.clock.advance_minutes(10);
    h.agent("Ann", &room, "Here").await;
    assert_eq!(h.ticket(1).await.first_response_business_ms, None);
    let r = report::from_store(h.store.as_ref(), &report::ReportRange::default())
        .await
        .unwrap();
    assert_eq!(r.first_response_business.count, 0);
    assert_eq!(r.first_response.count, 1);
}

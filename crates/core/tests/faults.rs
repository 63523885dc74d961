//! Fault injection: a Store that fails its N-th call and a Channel that answers 429, 5xx, 400,
//! 403 or "room gone" on demand drive every failure point of the flow. After recovery every
//! accepted customer message has exactly one answer and nothing is relayed twice; the one
//! documented exception (the platform accepted a send, then recording the delivery failed) is
//! asserted to repeat exactly that one message.

use std::collections::HashMap;
use std::sync::Arc;

use frontdesk_core::testing::{
    Call, Fault, FaultyStore, ManualClock, MemoryStore, RecordingChannel,
};
use frontdesk_core::*;
use frontdesk_kb::Kb;

mod common;
use common::{T0, entry};

const CLAIM_SECONDS: i64 = 2;

fn kb() -> Kb {
    let e = |id: &str, qs: &[&str], a: &str| entry(id, "en", qs, a);
    Kb::from_entries(vec![
        e(
            "order-status",
            &["Where is my order?", "How can I track my parcel?"],
            "Track your order under My account.",
        ),
        e(
            "returns",
            &["How do I return an item?", "Can I send a product back?"],
            "You can return items within 30 days.",
        ),
    ])
    .unwrap()
}

struct H {
    engine: Engine,
    faulty: Arc<FaultyStore>,
    store: Arc<MemoryStore>,
    channel: Arc<RecordingChannel>,
    clock: Arc<ManualClock>,
}

fn harness() -> H {
    let mut cfg = EngineConfig::default();
    cfg.matching.answer_threshold = 0.5;
    cfg.matching.suggest_threshold = 0.15;
    cfg.outbox.claim_seconds = CLAIM_SECONDS;
    cfg.outbox.retry_horizon_minutes = 10;
    let store = MemoryStore::new();
    let faulty = FaultyStore::new(store.clone());
    let channel = RecordingChannel::new(Platform::terminal());
    let clock = ManualClock::new(T0);
    let engine = Engine::new(
        cfg,
        faulty.clone(),
        Router::new().with(channel.clone()),
        clock.clone(),
        kb(),
    )
    .unwrap();
    H {
        engine,
        faulty,
        store,
        channel,
        clock,
    }
}

fn customer_ep() -> Endpoint {
    Endpoint::chat(Platform::terminal(), "dm-ann")
}

/// One update of the script: who sends what.
#[derive(Clone)]
enum Step {
    Customer(&'static str),
    Press(&'static str),
    Agent(&'static str),
}

fn inbound(step: &Step, id: usize, room: Option<&Endpoint>) -> Inbound {
    let (from, at, content) = match step {
        Step::Customer(t) => ("ann", customer_ep(), Content::Text((*t).into())),
        Step::Press(p) => ("ann", customer_ep(), Content::Button((*p).into())),
        Step::Agent(t) => (
            "agent-bo",
            room.expect("a room for the agent").clone(),
            Content::Text((*t).into()),
        ),
    };
    Inbound {
        platform_msg_id: format!("upd-{id}"),
        from: Party {
            platform: Platform::terminal(),
            user_id: from.into(),
            display_name: if from == "ann" {
                "Ann".into()
            } else {
                "Bo".into()
            },
            locale: None,
            role: if from == "ann" {
                Role::Customer
            } else {
                Role::Agent
            },
        },
        at,
        content,
        sent_at: None,
    }
}

/// A whole conversation: an answer, a handoff, a relay, an agent reply, a close and a rating.
fn script() -> Vec<Step> {
    vec![
        Step::Customer("Where is my order?"),
        Step::Customer("/human"),
        Step::Customer("It is order 42, please hurry"),
        Step::Agent("Hello Ann, it ships today."),
        Step::Customer("Thank you!! one more thing: the box"),
        Step::Agent("/close"),
        Step::Press("rate:1:5"),
    ]
}

/// What the platform received, per destination in the order it arrived there (the order
/// across destinations is free), with room ids replaced by their order of creation; and how
/// many rooms were opened and then never used (a room opened twice).
fn transcript(ch: &RecordingChannel) -> (Vec<String>, usize) {
    let calls = ch.calls();
    let used: std::collections::HashSet<Endpoint> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Send(to, _) | Call::Close(to) | Call::Reopen(to) => Some(to.clone()),
            _ => None,
        })
        .collect();
    let mut rooms: HashMap<String, usize> = HashMap::new();
    let mut orphans = 0;
    let mut out: Vec<(String, String)> = Vec::new();
    for c in calls {
        let mut name = |e: &Endpoint| match &e.thread_id {
            Some(t) => {
                let n = rooms.len();
                format!("room{}", rooms.entry(t.clone()).or_insert(n))
            }
            None => e.chat_id.clone(),
        };
        let (to, line) = match c {
            Call::OpenRoom(_, room) if !used.contains(&room) => {
                orphans += 1;
                continue;
            }
            Call::Send(to, m) => (name(&to), format!("{:?}: {}", m.kind, m.text)),
            Call::OpenRoom(title, room) => (name(&room), format!("open {title}")),
            Call::Close(room) => (name(&room), "close".to_owned()),
            Call::Reopen(room) => (name(&room), "reopen".to_owned()),
            Call::Rename(room, t) => (name(&room), format!("rename {t}")),
        };
        out.push((to, line));
    }
    // A stable sort by destination keeps each destination's own order.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    (
        out.into_iter()
            .map(|(to, l)| format!("{to} <- {l}"))
            .collect(),
        orphans,
    )
}

impl H {
    fn room(&self) -> Option<Endpoint> {
        self.channel.rooms().last().map(|r| r.1.clone())
    }

    /// Runs a step until the Engine takes it (a failed attempt is redelivered, as a platform
    /// does), then lets the dispatcher deliver what is due after the claims of a dead
    /// delivery expired.
    async fn run(&self, step: &Step, id: usize) {
        let msg = inbound(step, id, self.room().as_ref());
        let mut tries = 0;
        while self.engine.handle(msg.clone()).await.is_err() {
            tries += 1;
            assert!(tries < 5, "the update is never taken");
        }
        self.settle().await;
    }

    /// Delivers everything that can be delivered now and after the claim of a delivery that
    /// died half-way expired.
    async fn settle(&self) {
        for _ in 0..3 {
            while self.engine.dispatch_due().await.is_err() {}
            self.clock.advance_millis(CLAIM_SECONDS * 1000 + 1);
        }
    }
}

/// The store calls each step makes, in a run without faults.
async fn calls_per_step() -> (Vec<u64>, (Vec<String>, usize)) {
    let h = harness();
    let mut per_step = Vec::new();
    for (i, step) in script().iter().enumerate() {
        let before = h.faulty.calls();
        h.run(step, i).await;
        per_step.push(h.faulty.calls() - before);
    }
    (per_step, transcript(&h.channel))
}

#[tokio::test]
async fn every_store_failure_point_recovers_to_exactly_one_outcome() {
    let (per_step, expected) = calls_per_step().await;
    assert!(
        expected.0.iter().any(|l| l.contains("room0 <- open")),
        "{expected:#?}"
    );
    assert_eq!(expected.1, 0);
    let mut runs = 0;
    let mut repeated = 0;
    for (s, &calls) in per_step.iter().enumerate() {
        for n in 1..=calls {
            let h = harness();
            for (i, step) in script().iter().enumerate() {
                if i == s {
                    h.faulty.fail_call(n);
                }
                h.run(step, i).await;
            }
            let at = per_step[..s].iter().sum::<u64>() + n - 1;
            let failed_call = h.faulty.call_log().get(at as usize).copied();
            let (got, orphans) = transcript(&h.channel);
            runs += 1;
            // The windows where the platform did something twice: it accepted a send or opened
            // a room, then recording that failed. Exactly that one thing repeats.
            if orphans > 0 {
                assert_eq!(
                    (failed_call, orphans),
                    (Some("set_ticket_room"), 1),
                    "step {s}, call {n}: a room opened twice"
                );
                repeated += 1;
            }
            if got == expected.0 {
                continue;
            }
            assert_eq!(
                failed_call,
                Some("outbox_delivered"),
                "step {s}, call {n} ({failed_call:?}): outcome differs\n got {got:#?}\n expected {:#?}",
                expected.0
            );
            assert_eq!(
                got.len(),
                expected.0.len() + 1,
                "step {s}, call {n}: {got:#?}"
            );
            let dup = (1..got.len())
                .find(|&i| got[i] == got[i - 1])
                .expect("the repeated send follows its first");
            let mut dedup = got.clone();
            dedup.remove(dup);
            assert_eq!(
                dedup, expected.0,
                "step {s}, call {n}: only one repeated send"
            );
            repeated += 1;
        }
    }
    // Every call of every step was made to fail once.
    assert_eq!(runs as u64, per_step.iter().sum::<u64>());
    assert!(runs > 60, "{runs} failure points");
    eprintln!(
        "{runs} store failure points; {repeated} repeated one platform action (the documented window)"
    );
}

#[tokio::test]
async fn a_persisting_429_waits_for_retry_after_and_sends_once() {
    let h = harness();
    h.channel.fail_next(&[Fault::RateLimited(30_000)]);
    h.engine
        .handle(inbound(&Step::Customer("Where is my order?"), 1, None))
        .await
        .unwrap();
    assert!(h.channel.sent_to(&customer_ep()).is_empty());
    h.clock.advance_millis(29_000);
    assert_eq!(h.engine.dispatch_due().await.unwrap().delivered, 0);
    h.clock.advance_millis(1_000);
    assert_eq!(h.engine.dispatch_due().await.unwrap().delivered, 1);
    let sent = h.channel.sent_to(&customer_ep());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, MessageKind::Answer);
}

#[tokio::test]
async fn an_outage_past_the_horizon_is_given_up_and_told_to_the_agents() {
    let h = harness();
    for (i, s) in script()[..3].iter().enumerate() {
        h.run(s, i).await;
    }
    let room = h.room().unwrap();
    // The customer's chat is unreachable for good (5xx); the desk still works.
    h.channel.set_chat_down("dm-ann", true);
    let reply = inbound(&Step::Agent("Your refund is on its way"), 10, Some(&room));
    h.engine.handle(reply).await.unwrap();
    let ticket = h
        .store
        .ticket_by_number("support", 1)
        .await
        .unwrap()
        .unwrap();
    let mut waited = 0;
    while h
        .store
        .ticket_outbox(ticket.id)
        .await
        .unwrap()
        .iter()
        .any(|e| e.status == OutboxStatus::Pending)
    {
        h.clock.advance_millis(60_000);
        waited += 1;
        h.engine.dispatch_due().await.unwrap();
        assert!(waited < 30, "never given up");
    }
    assert!(
        waited >= 10,
        "given up only after the 10-minute horizon ({waited} min)"
    );
    let rows = h.store.ticket_outbox(ticket.id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, OutboxStatus::Failed);
    assert!(rows[0].attempts >= 5, "{rows:?}");
    let events = h.store.ticket_events(ticket.id).await.unwrap();
    assert!(events.iter().any(|e| e.kind == EventKind::SendFailed));
    let last = h.channel.sent_to(&room).pop().unwrap();
    assert!(
        last.text.contains("could not be delivered"),
        "{}",
        last.text
    );
    assert!(last.text.contains("Your refund is on its way"));
}

#[tokio::test]
async fn a_deleted_room_is_replaced_and_nothing_is_lost() {
    let h = harness();
    for (i, s) in script()[..2].iter().enumerate() {
        h.run(s, i).await;
    }
    let old = h.room().unwrap();
    h.channel.delete_room(&old);
    h.run(&Step::Customer("Are you there? order 42"), 5).await;
    let rooms = h.channel.rooms();
    assert_eq!(rooms.len(), 2, "a new room");
    let new = rooms[1].1.clone();
    let ticket = h
        .store
        .ticket_by_number("support", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.room.as_ref(), Some(&new));
    let in_new: Vec<OutMessage> = h.channel.sent_to(&new);
    assert_eq!(in_new[0].kind, MessageKind::Summary);
    assert!(in_new[1].text.contains("was deleted"), "{}", in_new[1].text);
    assert!(in_new[2].text.contains("Are you there? order 42"));
    assert_eq!(in_new.len(), 3);
    let events = h.store.ticket_events(ticket.id).await.unwrap();
    assert!(events.iter().any(|e| e.kind == EventKind::RoomLost));
    // The agents answer from the new room.
    h.run(&Step::Agent("Yes, here!"), 6).await;
    assert_eq!(
        h.channel.sent_to(&customer_ep()).last().unwrap().text,
        "Yes, here!"
    );
    assert!(h.store.ticket_outbox(ticket.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_customer_who_blocked_the_bot_is_marked_unreachable_once_tried() {
    let h = harness();
    for (i, s) in script()[..3].iter().enumerate() {
        h.run(s, i).await;
    }
    let room = h.room().unwrap();
    h.channel.block("dm-ann");
    let attempts_before = h.channel.calls().len();
    h.run(&Step::Agent("Can you confirm your address?"), 7)
        .await;
    let ticket = h
        .store
        .ticket_by_number("support", 1)
        .await
        .unwrap()
        .unwrap();
    let rows = h.store.ticket_outbox(ticket.id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, OutboxStatus::Failed);
    assert_eq!(rows[0].attempts, 1, "not retried");
    let notice = h.channel.sent_to(&room).pop().unwrap();
    assert!(notice.text.contains("cannot be reached"), "{}", notice.text);
    assert!(!notice.text.contains("try again"));
    let events = h.store.ticket_events(ticket.id).await.unwrap();
    assert!(events.iter().any(|e| e.kind == EventKind::Unreachable));
    // Nothing more was attempted than the one send and the notice.
    assert_eq!(h.channel.calls().len(), attempts_before + 1);
}

#[tokio::test]
async fn a_refused_message_is_recorded_and_told() {
    let h = harness();
    for (i, s) in script()[..3].iter().enumerate() {
        h.run(s, i).await;
    }
    let room = h.room().unwrap();
    h.channel.fail_next(&[Fault::Refused]);
    h.run(&Step::Agent("Here is the link"), 8).await;
    let notice = h.channel.sent_to(&room).pop().unwrap();
    assert!(
        notice.text.contains("could not be delivered"),
        "{}",
        notice.text
    );
    let ticket = h
        .store
        .ticket_by_number("support", 1)
        .await
        .unwrap()
        .unwrap();
    let events = h.store.ticket_events(ticket.id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == EventKind::SendFailed && e.detail.contains("bad request"))
    );
}

#[tokio::test]
async fn an_update_that_cannot_be_handled_is_kept_and_acknowledged() {
    let h = harness();
    let msg = inbound(&Step::Customer("Where is my order?"), 1, None);
    h.faulty.set_down(true);
    assert!(h.engine.handle(msg.clone()).await.is_err());
    // While the database is down even the dead letter fails: the adapter must not ack.
    assert!(h.engine.dead_letter(&msg, "database down").await.is_err());
    h.faulty.set_down(false);
    assert!(h.engine.dead_letter(&msg, "a bug").await.unwrap());
    assert!(
        !h.engine.dead_letter(&msg, "a bug").await.unwrap(),
        "kept once"
    );
    let dead = h.store.dead_letters(5).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].error, "a bug");
    let told = h.channel.sent_to(&customer_ep());
    assert_eq!(told.len(), 1);
    assert!(told[0].text.contains("saved"), "{}", told[0].text);
}

#[tokio::test]
async fn two_replicas_open_one_room_and_send_each_message_once() {
    let store = MemoryStore::new();
    let channel = RecordingChannel::new(Platform::terminal());
    let clock = ManualClock::new(T0);
    let mut cfg = EngineConfig::default();
    cfg.matching.answer_threshold = 0.5;
    let engine = || {
        Arc::new(
            Engine::new(
                cfg.clone(),
                store.clone(),
                Router::new().with(channel.clone()),
                clock.clone(),
                kb(),
            )
            .unwrap(),
        )
    };
    let (a, b) = (engine(), engine());
    // Replica A takes the updates but its inline delivery fails (the channel is down).
    channel.set_failing(true);
    for (i, s) in script()[..3].iter().enumerate() {
        a.handle(inbound(s, i, None)).await.unwrap();
    }
    channel.set_failing(false);
    clock.advance_millis(60_000);
    // Both replicas dispatch at once.
    let (ra, rb) = tokio::join!(a.dispatch_due(), b.dispatch_due());
    let delivered = ra.unwrap().delivered + rb.unwrap().delivered;
    assert_eq!(channel.rooms().len(), 1, "one room");
    let sends = channel
        .calls()
        .into_iter()
        .filter(|c| matches!(c, Call::Send(..)))
        .count();
    assert_eq!(sends, delivered);
    let mut texts: Vec<String> = channel
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Send(_, m) => Some(m.text),
            _ => None,
        })
        .collect();
    let n = texts.len();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), n, "no message sent twice");
}

#[tokio::test]
async fn nul_bytes_are_cleaned_before_anything_is_stored() {
    let h = harness();
    h.run(&Step::Customer("Where\0 is my order?"), 1).await;
    let c = h
        .store
        .list_tickets(&TicketFilter::default())
        .await
        .unwrap();
    assert!(c.is_empty());
    let party = inbound(&Step::Customer(""), 0, None).from;
    let cust = h
        .store
        .upsert_customer(&party, &customer_ep(), T0)
        .await
        .unwrap();
    let msgs = h.store.customer_messages(cust.id, 5).await.unwrap();
    assert_eq!(msgs[0].body, "Where\u{FFFD} is my order?");
}

#[tokio::test]
async fn take_retries_then_keeps_a_dead_letter_and_fails_only_when_that_fails() {
    let pauses = std::sync::Mutex::new(Vec::new());
    let pause = async |d: std::time::Duration| pauses.lock().unwrap().push(d);
    // One failed attempt, then handled once.
    let h = harness();
    let msg = inbound(&Step::Customer("Where is my order?"), 1, None);
    h.faulty.fail_call(1);
    assert_eq!(
        h.engine.take(&msg, pause).await.unwrap(),
        Some(Handled::Done)
    );
    assert_eq!(h.channel.sent_to(&customer_ep()).len(), 1);
    assert_eq!(
        *pauses.lock().unwrap(),
        [std::time::Duration::from_millis(500)]
    );
    // Every attempt fails: kept as a dead letter after 0.5 s and 1 s.
    pauses.lock().unwrap().clear();
    let h = harness();
    for n in 1..=HANDLE_ATTEMPTS as u64 {
        h.faulty.fail_call(n);
    }
    assert_eq!(h.engine.take(&msg, pause).await.unwrap(), None);
    assert_eq!(h.store.dead_letters(5).await.unwrap().len(), 1);
    assert_eq!(
        *pauses.lock().unwrap(),
        [500, 1000].map(std::time::Duration::from_millis)
    );
    // The database is down: not even the dead letter; the update is not done.
    let h = harness();
    h.faulty.set_down(true);
    assert!(h.engine.take(&msg, pause).await.is_err());
    h.faulty.set_down(false);
    assert!(h.store.dead_letters(5).await.unwrap().is_empty());
}

//! The support figures on a seeded history whose expected values were worked out by hand
//! (in the comments): a reopened ticket, a ticket with no agent reply, a survey offered but
//! not answered, a ticket opened before midnight and answered after it, a close of a ticket
//! opened before the range.

use std::collections::HashMap;

use frontdesk_core::report::{DAY_MS, ReportData, ReportRange, compute, day_of_date, load};
use frontdesk_core::testing::MemoryStore;
use frontdesk_core::*;

/// 2026-03-02 00:00 UTC in ms.
fn d0() -> i64 {
    day_of_date("2026-03-02").unwrap() * DAY_MS
}

/// `day` days after 2026-03-02 at `hh:mm` UTC.
fn at(day: i64, hh: i64, mm: i64) -> Timestamp {
    Timestamp(d0() + day * DAY_MS + (hh * 60 + mm) * 60_000)
}

fn agent(id: &str, name: &str) -> Agent {
    Agent {
        id: id.into(),
        name: name.into(),
    }
}

fn ev(t: i64, kind: EventKind, who: Option<&Agent>, at: Timestamp) -> TicketEvent {
    TicketEvent {
        ticket: TicketId(t),
        kind,
        actor_id: who.map(|a| a.id.clone()),
        actor_name: who.map(|a| a.name.clone()),
        detail: String::new(),
        at,
    }
}

#[allow(clippy::too_many_arguments)]
fn ticket(
    id: i64,
    customer: i64,
    opened: Timestamp,
    first: Option<Timestamp>,
    closed: Option<Timestamp>,
    reopens: i64,
    assignee: Option<&Agent>,
) -> Ticket {
    Ticket {
        id: TicketId(id),
        desk: "support".into(),
        number: id,
        customer: CustomerId(customer),
        customer_endpoint: Endpoint::chat(Platform::telegram(), customer.to_string()),
        customer_name: format!("c{customer}"),
        subject: "s".into(),
        status: if closed.is_some() {
            TicketStatus::Closed
        } else {
            TicketStatus::Open
        },
        priority: Priority::Normal,
        tags: vec![],
        assignee: assignee.cloned(),
        lang: "en".into(),
        room: None,
        customer_in_room: false,
        bot_tried: String::new(),
        opened_at: opened,
        first_response_at: first,
        first_response_business_ms: None,
        closed_at: closed,
        reopen_count: reopens,
        reminders_sent: 0,
        customer_waiting_since: None,
    }
}

fn msg(id: i64, t: i64, author: AuthorKind, at: Timestamp) -> Message {
    Message {
        id: MessageId(id),
        customer: CustomerId(t),
        ticket: Some(TicketId(t)),
        author,
        author_id: None,
        author_name: String::new(),
        body: "m".into(),
        attachments: vec![],
        at,
    }
}

fn reply(
    id: i64,
    customer: i64,
    q: &str,
    outcome: ReplyOutcome,
    entry: Option<&str>,
    feedback: Option<Feedback>,
    at: Timestamp,
) -> BotReply {
    BotReply {
        id: frontdesk_core::BotReplyId(id),
        customer: CustomerId(customer),
        question: q.into(),
        outcome,
        entry_id: entry.map(str::to_owned),
        lang: Some("en".into()),
        confidence: 0.5,
        at,
        feedback,
        feedback_at: feedback.map(|_| at),
    }
}

fn history() -> ReportData {
    let a = agent("telegram:1", "Alice");
    let b = agent("telegram:2", "Bob");
    let tickets = vec![
        // #1: claimed 09:05, reply 09:10 (FRT 600 s), closed 10:00 (resolution 3600 s,
        // handling 09:05–10:00 = 3300 s), one agent, score 5.
        ticket(
            1,
            1,
            at(0, 9, 0),
            Some(at(0, 9, 10)),
            Some(at(0, 10, 0)),
            0,
            Some(&a),
        ),
        // #2: opened 23:50, Bob replies 00:20 next day (FRT 1800 s), closes 00:30
        // (resolution 2400 s, handling 600 s); survey offered, never answered.
        ticket(
            2,
            2,
            at(0, 23, 50),
            Some(at(1, 0, 20)),
            Some(at(1, 0, 30)),
            0,
            Some(&b),
        ),
        // #3: reopened. Alice claims 10:01, replies 10:02 (FRT 120 s), closes 10:30; the
        // customer reopens 12:00, Bob replies 12:10 and closes 12:20. Resolution 8400 s,
        // handling 1740 + 600 = 2340 s; not first-contact resolved; score 2.
        ticket(
            3,
            3,
            at(1, 10, 0),
            Some(at(1, 10, 2)),
            Some(at(1, 12, 20)),
            1,
            Some(&a),
        ),
        // #4: open, nobody replied.
        ticket(4, 4, at(1, 15, 0), None, None, 0, None),
        // #5: opened before the range, closed by Alice on day 0 at 08:00.
        ticket(
            5,
            9,
            at(-5, 10, 0),
            Some(at(-5, 11, 0)),
            Some(at(0, 8, 0)),
            0,
            Some(&a),
        ),
    ];
    let mut events = HashMap::new();
    events.insert(
        TicketId(1),
        vec![
            ev(1, EventKind::Opened, None, at(0, 9, 0)),
            ev(1, EventKind::Claimed, Some(&a), at(0, 9, 5)),
            ev(1, EventKind::Replied, Some(&a), at(0, 9, 10)),
            ev(1, EventKind::Note, Some(&a), at(0, 9, 11)),
            ev(1, EventKind::Replied, Some(&a), at(0, 9, 23)),
            ev(1, EventKind::Replied, Some(&a), at(0, 9, 26)),
            ev(1, EventKind::Closed, Some(&a), at(0, 10, 0)),
        ],
    );
    events.insert(
        TicketId(2),
        vec![
            ev(2, EventKind::Opened, None, at(0, 23, 50)),
            ev(2, EventKind::Claimed, Some(&b), at(1, 0, 20)),
            ev(2, EventKind::Replied, Some(&b), at(1, 0, 20)),
            ev(2, EventKind::Closed, Some(&b), at(1, 0, 30)),
        ],
    );
    events.insert(
        TicketId(3),
        vec![
            ev(3, EventKind::Opened, None, at(1, 10, 0)),
            ev(3, EventKind::Claimed, Some(&a), at(1, 10, 1)),
            ev(3, EventKind::Replied, Some(&a), at(1, 10, 2)),
            ev(3, EventKind::Closed, Some(&a), at(1, 10, 30)),
            ev(3, EventKind::Reopened, None, at(1, 12, 0)),
            ev(3, EventKind::Replied, Some(&b), at(1, 12, 10)),
            ev(3, EventKind::Closed, Some(&b), at(1, 12, 20)),
        ],
    );
    events.insert(
        TicketId(4),
        vec![
            ev(4, EventKind::Opened, None, at(1, 15, 0)),
            ev(4, EventKind::Reminder, None, at(1, 15, 15)),
        ],
    );
    events.insert(
        TicketId(5),
        vec![
            ev(5, EventKind::Opened, None, at(-5, 10, 0)),
            ev(5, EventKind::Replied, Some(&a), at(-5, 11, 0)),
            ev(5, EventKind::Closed, Some(&a), at(0, 8, 0)),
        ],
    );
    // Handling time (each agent reply: the time since the message before it, at most 600 s):
    // #1 600 (09:00→09:10, exactly the cap) + 180 (09:20→09:23) + 180 (the follow-up
    // 09:23→09:26; the bot's 09:24 message does not count) = 960 s; #2 1800 s capped = 600 s;
    // #3 120 + 600 = 720 s (the note does not count).
    use AuthorKind::{Agent as A, Bot as B, Customer as C, Note as N};
    let messages = HashMap::from([
        (
            TicketId(1),
            vec![
                msg(1, 1, C, at(0, 9, 0)),
                msg(2, 1, A, at(0, 9, 10)),
                msg(3, 1, C, at(0, 9, 20)),
                msg(4, 1, A, at(0, 9, 23)),
                msg(5, 1, B, at(0, 9, 24)),
                msg(6, 1, A, at(0, 9, 26)),
            ],
        ),
        (
            TicketId(2),
            vec![msg(7, 2, C, at(0, 23, 50)), msg(8, 2, A, at(1, 0, 20))],
        ),
        (
            TicketId(3),
            vec![
                msg(9, 3, C, at(1, 10, 0)),
                msg(10, 3, A, at(1, 10, 2)),
                msg(11, 3, C, at(1, 12, 0)),
                msg(12, 3, N, at(1, 12, 5)),
                msg(13, 3, A, at(1, 12, 10)),
            ],
        ),
    ]);
    let survey = |t: i64, asked: Timestamp, score: Option<i64>, nps, ces| Survey {
        ticket: TicketId(t),
        asked_at: asked,
        score,
        comment: None,
        answered_at: score.map(|_| asked),
        nps,
        ces,
    };
    let surveys = HashMap::from([
        (
            TicketId(1),
            survey(1, at(0, 10, 0), Some(5), Some(10), Some(6)),
        ),
        (TicketId(2), survey(2, at(1, 0, 30), None, None, None)),
        (
            TicketId(3),
            survey(3, at(1, 12, 20), Some(2), Some(3), Some(2)),
        ),
        (
            TicketId(5),
            survey(5, at(0, 8, 0), Some(1), Some(9), Some(7)),
        ),
    ]);
    use Feedback::*;
    use ReplyOutcome::*;
    let bot_replies = vec![
        // Before the range: ignored.
        reply(
            7,
            8,
            "old question",
            Answered,
            Some("x"),
            Some(NotSolved),
            at(-1, 10, 0),
        ),
        // c1: answer marked not solved, ticket #1 five minutes later: escalated, a gap.
        reply(
            1,
            1,
            "Where is my parcel",
            Answered,
            Some("order-status"),
            Some(NotSolved),
            at(0, 8, 55),
        ),
        // c5: solved: deflected.
        reply(
            2,
            5,
            "how to return",
            Answered,
            Some("return-policy"),
            Some(Solved),
            at(0, 11, 0),
        ),
        // c6: no verdict, no ticket: deflected.
        reply(
            3,
            6,
            "delivery time",
            Answered,
            Some("delivery-time"),
            None,
            at(0, 12, 0),
        ),
        // c2: the bot escalated (ticket #2 at 23:50): a gap.
        reply(4, 2, "talk to human", Escalated, None, None, at(0, 23, 45)),
        // c3: no verdict but ticket #3 two minutes later: escalated, not deflected.
        reply(
            5,
            3,
            "Where is my parcel?",
            Answered,
            Some("order-status"),
            None,
            at(1, 9, 58),
        ),
        // c7: escalated by the bot (no ticket in this data): a gap, same folded text as #1.
        reply(
            6,
            7,
            "where is my parcel",
            Escalated,
            None,
            None,
            at(1, 13, 0),
        ),
        // c4: suggestions, then ticket #4 an hour later: escalated.
        reply(
            8,
            4,
            "payment failed",
            Suggested,
            Some("payment"),
            None,
            at(1, 14, 0),
        ),
    ];
    ReportData {
        tickets,
        events,
        messages,
        surveys,
        bot_replies,
    }
}

fn range() -> ReportRange {
    ReportRange {
        since: Some(at(0, 0, 0)),
        until: Some(at(2, 0, 0)),
        desk: None,
    }
}

#[test]
fn every_figure_matches_the_hand_computed_value() {
    let r = compute(&history(), &range());
    assert_eq!(r.tickets_opened, 4);
    assert_eq!(r.tickets_closed, 3);
    assert_eq!(r.awaiting_first_response, 1);
    assert_eq!(r.reopened, 1);
    // FRT 120, 600, 1800 s.
    assert_eq!(r.first_response.count, 3);
    assert_eq!(r.first_response.median_s, Some(600.0));
    assert_eq!(r.first_response.p90_s, Some(1800.0));
    assert_eq!(r.first_response.mean_s, Some(840.0));
    let bars: Vec<usize> = r.first_response_histogram.iter().map(|b| b.count).collect();
    // 2 min and 10 min and 30 min (the 30–60 min bar: bounds are exclusive).
    assert_eq!(bars, vec![1, 1, 0, 1, 0, 0, 0, 0, 0]);
    assert_eq!(r.first_response_histogram[3].label, "30–60 min");
    // Resolution 2400, 3600, 8400 s.
    assert_eq!(r.resolution.median_s, Some(3600.0));
    assert_eq!(r.resolution.p90_s, Some(8400.0));
    assert_eq!(r.resolution.mean_s, Some(4800.0));
    // Agent span 600, 2340, 3300 s.
    assert_eq!(r.agent_span.count, 3);
    assert_eq!(r.agent_span.median_s, Some(2340.0));
    assert_eq!(r.agent_span.mean_s, Some(2080.0));
    // Handling time 600, 720, 960 s.
    assert_eq!(r.handling.count, 3);
    assert_eq!(r.handling.median_s, Some(720.0));
    assert_eq!(r.handling.p90_s, Some(960.0));
    assert_eq!(r.handling.mean_s, Some(760.0));
    // #1 and #2 resolved by a single agent, #3 not (reopened).
    let sar = r.single_agent_resolution.unwrap();
    assert!((sar - 200.0 / 3.0).abs() < 1e-9, "{sar}");
    // One touch: only #2 (#1 had three agent replies, #3 was reopened).
    let otr = r.one_touch_resolution.unwrap();
    assert!((otr - 100.0 / 3.0).abs() < 1e-9, "{otr}");
    // Surveys of #1 (5), #2 (unanswered), #3 (2); #5 is outside the range.
    assert_eq!(r.csat.offered, 3);
    assert_eq!(r.csat.answered, 2);
    assert_eq!(r.csat.mean, Some(3.5));
    assert_eq!(r.csat.satisfied, Some(50.0));
    assert_eq!(r.csat.distribution, [0, 1, 0, 0, 1]);
    assert!((r.csat.response_rate.unwrap() - 200.0 / 3.0).abs() < 1e-9);
    // NPS 10 (promoter) and 3 (detractor): 50 % − 50 % = 0; #5's 9 is outside the range.
    assert_eq!(
        (
            r.nps.answered,
            r.nps.promoters,
            r.nps.passives,
            r.nps.detractors
        ),
        (2, 1, 0, 1)
    );
    assert_eq!(r.nps.score, Some(0.0));
    // CES 6 and 2: mean 4, one of two answers 5 or more.
    assert_eq!(
        (r.ces.answered, r.ces.mean, r.ces.easy),
        (2, Some(4.0), Some(50.0))
    );
    assert_eq!(r.ces.distribution, [0, 1, 0, 0, 0, 1, 0]);
    // Seven questions in range: deflected r2, r3; escalated r1, r4, r5, r6, r8.
    assert_eq!(r.questions, 7);
    assert_eq!(r.answered, 4);
    assert!((r.deflection_rate.unwrap() - 200.0 / 7.0).abs() < 1e-9);
    // Confirmed: r2 (solved); assumed: r3 (no verdict, no ticket within 24 h).
    assert!((r.bot_confirmed_rate.unwrap() - 100.0 / 7.0).abs() < 1e-9);
    assert!((r.bot_assumed_rate.unwrap() - 100.0 / 7.0).abs() < 1e-9);
    assert!((r.escalation_rate.unwrap() - 500.0 / 7.0).abs() < 1e-9);
    // Days: the close of #2 after midnight counts on day 1; #5's close on day 0.
    assert_eq!(r.days.len(), 2);
    let d = &r.days[0];
    assert_eq!(
        (
            d.date.as_str(),
            d.opened,
            d.closed,
            d.questions,
            d.deflected
        ),
        ("2026-03-02", 2, 2, 4, 2)
    );
    let d = &r.days[1];
    assert_eq!(
        (
            d.date.as_str(),
            d.opened,
            d.closed,
            d.questions,
            d.deflected
        ),
        ("2026-03-03", 2, 3, 3, 0)
    );
    // Agents (tickets opened in range only).
    assert_eq!(r.agents.len(), 2);
    let alice = &r.agents[0];
    assert_eq!(alice.name, "Alice");
    assert_eq!((alice.tickets, alice.replies, alice.closed), (2, 4, 2));
    assert_eq!(alice.first_response.median_s, Some(120.0));
    assert_eq!(alice.first_response.p90_s, Some(600.0));
    assert_eq!(alice.csat_mean, Some(3.5));
    let bob = &r.agents[1];
    assert_eq!((bob.tickets, bob.replies, bob.closed), (2, 2, 2));
    assert_eq!(bob.first_response.count, 1);
    assert_eq!(bob.first_response.median_s, Some(1800.0));
    assert_eq!(bob.csat_mean, None);
    // Knowledge-base gaps.
    assert_eq!(r.gaps.len(), 2);
    assert_eq!(
        (r.gaps[0].count, r.gaps[0].example.as_str()),
        (2, "Where is my parcel")
    );
    assert_eq!(
        (r.gaps[1].count, r.gaps[1].example.as_str()),
        (1, "talk to human")
    );
    assert_eq!(r.worst_entries.len(), 1);
    let w = &r.worst_entries[0];
    assert_eq!(
        (
            w.entry.as_str(),
            w.answered,
            w.solved,
            w.not_solved,
            w.not_solved_rate
        ),
        ("order-status", 2, 0, 1, 100.0)
    );
}

#[test]
fn an_empty_range_has_no_figures_rather_than_zeros() {
    let r = compute(
        &history(),
        &ReportRange {
            since: Some(at(10, 0, 0)),
            until: None,
            desk: None,
        },
    );
    assert_eq!(r.tickets_opened, 0);
    assert_eq!(r.first_response.median_s, None);
    assert_eq!(r.single_agent_resolution, None);
    assert_eq!(r.one_touch_resolution, None);
    assert_eq!(r.nps.score, None);
    assert_eq!(r.csat.mean, None);
    assert_eq!(r.deflection_rate, None);
    assert!(r.days.is_empty());
    // Another desk's figures are not mixed in.
    let r = compute(
        &history(),
        &ReportRange {
            desk: Some("sales".into()),
            ..range()
        },
    );
    assert_eq!(r.tickets_opened, 0);
}

#[tokio::test]
async fn load_reads_what_the_store_recorded() {
    let store = MemoryStore::new();
    let ep = Endpoint::chat(Platform::telegram(), "42");
    let party = Party {
        platform: Platform::telegram(),
        user_id: "42".into(),
        display_name: "Ann".into(),
        locale: None,
        role: Role::Customer,
    };
    let c = store
        .upsert_customer(&party, &ep, at(0, 8, 0))
        .await
        .unwrap();
    store
        .record_bot_reply(&NewBotReply {
            customer: c.id,
            question: "refund?".into(),
            outcome: ReplyOutcome::Escalated,
            entry_id: None,
            lang: Some("en".into()),
            confidence: 0.1,
            at: at(0, 8, 59),
        })
        .await
        .unwrap();
    let t = store
        .open_ticket(&NewTicket {
            desk: "support".into(),
            customer: c.id,
            customer_endpoint: ep.clone(),
            customer_name: "Ann".into(),
            subject: "refund?".into(),
            lang: "en".into(),
            priority: Priority::Normal,
            bot_tried: String::new(),
            opened_at: at(0, 9, 0),
            transcript_since: at(0, 8, 0),
        })
        .await
        .unwrap();
    let a = agent("telegram:7", "Alma");
    let say = |author, at| NewMessage {
        customer: c.id,
        ticket: Some(t.id),
        author,
        author_id: None,
        author_name: "x".into(),
        body: "hi".into(),
        attachments: vec![],
        platform_msg: None,
        at,
    };
    store
        .record_message(&say(AuthorKind::Customer, at(0, 9, 25)))
        .await
        .unwrap();
    store
        .record_agent_reply(t.id, &a, at(0, 9, 30))
        .await
        .unwrap();
    store
        .record_message(&say(AuthorKind::Agent, at(0, 9, 30)))
        .await
        .unwrap();
    store
        .close_ticket(t.id, Some(&a), at(0, 10, 0))
        .await
        .unwrap();
    store.survey_offered(t.id, at(0, 10, 0)).await.unwrap();
    store.survey_score(t.id, 4, at(0, 10, 1)).await.unwrap();
    assert!(
        store
            .survey_answer(t.id, SurveyQuestion::Nps, 9)
            .await
            .unwrap()
    );
    assert!(
        !store
            .survey_answer(t.id, SurveyQuestion::Ces, 8)
            .await
            .unwrap(),
        "off the 1–7 scale"
    );
    let data = load(&*store, &range()).await.unwrap();
    let r = compute(&data, &range());
    assert_eq!(r.tickets_opened, 1);
    assert_eq!(r.first_response.median_s, Some(1800.0));
    assert_eq!(r.resolution.median_s, Some(3600.0));
    assert_eq!(r.agent_span.median_s, Some(1800.0));
    assert_eq!(r.handling.median_s, Some(300.0));
    assert_eq!(r.single_agent_resolution, Some(100.0));
    assert_eq!(r.one_touch_resolution, Some(100.0));
    assert_eq!(r.nps.score, Some(100.0));
    // The aggregates the memory store's reporting role answers make the same report.
    let via_store = frontdesk_core::report::from_store(&*store, &range())
        .await
        .unwrap();
    assert_eq!(via_store, r);
    assert_eq!(r.csat.distribution, [0, 0, 0, 1, 0]);
    assert_eq!(r.escalation_rate, Some(100.0));
    assert_eq!(r.agents[0].name, "Alma");
}

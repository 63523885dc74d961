//! The definition of every figure, computed in memory from the whole [`ReportData`].

use std::collections::{BTreeMap, HashMap, HashSet};

use super::*;
use crate::fold::fold;

/// Computes the report over `range` from `data`.
pub fn compute(data: &ReportData, range: &ReportRange) -> Report {
    parts_of(data, range).assemble(range)
}

fn survey_totals(data: &ReportData, in_range: &[&Ticket]) -> SurveyTotals {
    let mut s = SurveyTotals::default();
    for t in in_range {
        if let Some(v) = data.surveys.get(&t.id) {
            s.offered += 1;
            if let Some(x) = v.score.filter(|x| (1..=5).contains(x)) {
                s.csat[(x - 1) as usize] += 1;
            }
            if let Some(x) = v.nps.filter(|x| (0..=10).contains(x)) {
                s.nps[x as usize] += 1;
            }
            if let Some(x) = v.ces.filter(|x| (1..=7).contains(x)) {
                s.ces[(x - 1) as usize] += 1;
            }
        }
    }
    s
}

/// Handling time of one ticket: per agent reply, the time since the message before it (by a
/// customer or an agent), clamped to `0..=HANDLING_CAP_MS`; `None` without an agent reply.
fn handling_of(msgs: &[Message]) -> Option<i64> {
    let mut prev: Option<i64> = None;
    let mut total = None;
    for m in msgs {
        match m.author {
            AuthorKind::Agent => {
                let add = prev.map_or(0, |p| (m.at.0 - p).clamp(0, HANDLING_CAP_MS));
                *total.get_or_insert(0) += add;
            }
            AuthorKind::Customer => {}
            _ => continue,
        }
        prev = Some(m.at.0);
    }
    total
}

/// The aggregates of the report over `range`, from `data`: the definition the
/// [`crate::ports::ReportStore`] implementations follow.
pub fn parts_of(data: &ReportData, range: &ReportRange) -> ReportParts {
    let empty = Vec::new();
    let events_of = |t: &Ticket| data.events.get(&t.id).unwrap_or(&empty);
    let in_range: Vec<&Ticket> = data
        .tickets
        .iter()
        .filter(|t| range.desk.as_ref().is_none_or(|d| &t.desk == d))
        .filter(|t| range.contains(t.opened_at))
        .collect();
    let closed: Vec<&Ticket> = in_range
        .iter()
        .copied()
        .filter(|t| t.status == TicketStatus::Closed)
        .collect();

    let frt: Vec<i64> = in_range
        .iter()
        .filter_map(|t| t.first_response_at.map(|f| f.0 - t.opened_at.0))
        .collect();
    let mut first_response_buckets = vec![0; FRT_BOUNDS.len() + 1];
    for v in &frt {
        first_response_buckets[bucket_of(FRT_BOUNDS, *v)] += 1;
    }
    let resolution = Durations::of(
        closed
            .iter()
            .filter_map(|t| t.closed_at.map(|c| c.0 - t.opened_at.0))
            .collect(),
    );

    // Agent span, resolution at first contact, one touch from the timelines; handling time
    // from the transcripts.
    let mut span = Vec::new();
    let mut handling = Vec::new();
    let (mut single_agent, mut one_touch) = (0, 0);
    for t in &closed {
        let mut start: Option<i64> = None;
        let mut total = 0i64;
        let mut acted = false;
        let mut replies = 0;
        let mut agents = HashSet::new();
        for e in events_of(t) {
            match e.kind {
                EventKind::Claimed | EventKind::Replied => {
                    start.get_or_insert(e.at.0);
                    acted = true;
                    replies += usize::from(e.kind == EventKind::Replied);
                }
                EventKind::Closed => {
                    if let Some(s) = start.take() {
                        total += e.at.0 - s;
                    }
                }
                EventKind::Reopened => start = None,
                _ => {}
            }
            if matches!(
                e.kind,
                EventKind::Claimed | EventKind::Replied | EventKind::Closed
            ) && let Some(a) = &e.actor_id
            {
                agents.insert(a.clone());
            }
        }
        if acted {
            span.push(total);
        }
        if t.reopen_count == 0 && agents.len() == 1 {
            single_agent += 1;
        }
        if t.reopen_count == 0 && replies <= 1 {
            one_touch += 1;
        }
        if let Some(h) = data.messages.get(&t.id).and_then(|m| handling_of(m)) {
            handling.push(h);
        }
    }

    let totals = TicketTotals {
        opened: in_range.len(),
        closed: closed.len(),
        awaiting_first_response: in_range
            .iter()
            .filter(|t| t.status == TicketStatus::Open && t.first_response_at.is_none())
            .count(),
        reopened: in_range.iter().filter(|t| t.reopen_count > 0).count(),
        single_agent,
        one_touch,
        surveys: survey_totals(data, &in_range),
    };

    // The bot: deflection and escalation, by question.
    let mut opened_by: HashMap<CustomerId, Vec<i64>> = HashMap::new();
    for t in &data.tickets {
        opened_by.entry(t.customer).or_default().push(t.opened_at.0);
    }
    let escalated_after = |r: &BotReply| {
        opened_by
            .get(&r.customer)
            .is_some_and(|v| v.iter().any(|o| *o >= r.at.0 && *o < r.at.0 + DAY_MS))
    };
    let mut days: BTreeMap<i64, Day> = BTreeMap::new();
    let mut bot_days: BTreeMap<i64, Day> = BTreeMap::new();
    let day = |days: &mut BTreeMap<i64, Day>, t: Timestamp| -> i64 {
        let d = t.0.div_euclid(DAY_MS);
        days.entry(d).or_insert_with(|| Day {
            date: date_of_day(d),
            ..Day::default()
        });
        d
    };
    let replies: Vec<&BotReply> = data
        .bot_replies
        .iter()
        .filter(|r| range.contains(r.at))
        .collect();
    let mut bot = BotTotals {
        questions: replies.len(),
        ..BotTotals::default()
    };
    let mut gaps: HashMap<String, Gap> = HashMap::new();
    let mut entries: BTreeMap<String, EntryFeedback> = BTreeMap::new();
    for r in &replies {
        let esc = r.outcome == ReplyOutcome::Escalated || escalated_after(r);
        let is_answer = r.outcome == ReplyOutcome::Answered;
        let confirmed = is_answer && r.feedback == Some(Feedback::Solved);
        let assumed = is_answer && r.feedback.is_none() && !esc;
        bot.answered += usize::from(is_answer);
        bot.confirmed += usize::from(confirmed);
        bot.assumed += usize::from(assumed);
        bot.escalated += usize::from(esc);
        let d = day(&mut bot_days, r.at);
        let dd = bot_days.get_mut(&d).expect("inserted");
        dd.questions += 1;
        dd.deflected += usize::from(confirmed || assumed);
        if r.outcome == ReplyOutcome::Escalated || r.feedback == Some(Feedback::NotSolved) {
            let key = fold(&r.question);
            if !key.is_empty() {
                gaps.entry(key)
                    .or_insert_with(|| Gap {
                        count: 0,
                        example: r.question.clone(),
                    })
                    .count += 1;
            }
        }
        if is_answer && let Some(id) = &r.entry_id {
            let e = entries.entry(id.clone()).or_insert_with(|| EntryFeedback {
                entry: id.clone(),
                answered: 0,
                solved: 0,
                not_solved: 0,
                not_solved_rate: 0.0,
            });
            e.answered += 1;
            match r.feedback {
                Some(Feedback::Solved) => e.solved += 1,
                Some(Feedback::NotSolved) => e.not_solved += 1,
                None => {}
            }
        }
    }

    // Per day: opened tickets and closes.
    for t in &in_range {
        let d = day(&mut days, t.opened_at);
        days.get_mut(&d).expect("inserted").opened += 1;
    }
    struct Acc {
        figures: AgentFigures,
        tickets: HashSet<TicketId>,
        frt: Vec<i64>,
        /// The time of the event the name was taken from.
        named_at: i64,
    }
    let mut agents: BTreeMap<String, Acc> = BTreeMap::new();
    for t in data
        .tickets
        .iter()
        .filter(|t| range.desk.as_ref().is_none_or(|d| &t.desk == d))
    {
        let mut first_reply_seen = false;
        for e in events_of(t) {
            if e.kind == EventKind::Closed && range.contains(e.at) {
                let d = day(&mut days, e.at);
                days.get_mut(&d).expect("inserted").closed += 1;
            }
            // Agent figures cover the tickets opened in the range.
            if !range.contains(t.opened_at) {
                continue;
            }
            let Some(id) = &e.actor_id else { continue };
            if !matches!(
                e.kind,
                EventKind::Claimed | EventKind::Replied | EventKind::Closed
            ) {
                continue;
            }
            let a = agents.entry(id.clone()).or_insert_with(|| Acc {
                figures: AgentFigures {
                    id: id.clone(),
                    ..AgentFigures::default()
                },
                tickets: HashSet::new(),
                frt: Vec::new(),
                named_at: i64::MIN,
            });
            if let Some(n) = &e.actor_name
                && e.at.0 >= a.named_at
            {
                a.figures.name = n.clone();
                a.named_at = e.at.0;
            }
            match e.kind {
                EventKind::Claimed => {
                    a.tickets.insert(t.id);
                }
                EventKind::Replied => {
                    a.tickets.insert(t.id);
                    a.figures.replies += 1;
                    if !first_reply_seen {
                        first_reply_seen = true;
                        a.frt.push(e.at.0 - t.opened_at.0);
                    }
                }
                _ => a.figures.closed += 1,
            }
        }
    }
    let agents = agents
        .into_values()
        .map(|acc| {
            let mut a = acc.figures;
            a.tickets = acc.tickets.len();
            a.first_response = Durations::of(acc.frt);
            let scores: Vec<i64> = in_range
                .iter()
                .filter(|t| t.assignee.as_ref().is_some_and(|x| x.id == a.id))
                .filter_map(|t| data.surveys.get(&t.id).and_then(|s| s.score))
                .collect();
            a.csat_mean = (!scores.is_empty())
                .then(|| scores.iter().sum::<i64>() as f64 / scores.len() as f64);
            a
        })
        .collect();

    bot.days = bot_days.into_values().collect();
    ReportParts {
        totals,
        first_response: Durations::of(frt),
        first_response_business: Durations::of(
            in_range
                .iter()
                .filter_map(|t| t.first_response_business_ms)
                .collect(),
        ),
        first_response_buckets,
        resolution,
        agent_span: Durations::of(span),
        handling: Durations::of(handling),
        bot,
        days: days.into_values().collect(),
        agents,
        gaps: gaps.into_values().collect(),
        entries: entries.into_values().collect(),
    }
}

//! Support metrics, computed exactly from what the Store recorded.
//!
//! [`load`] reads tickets, their timelines, surveys and bot replies from a [`Store`];
//! [`compute`] turns them into a [`Report`]. Every figure's definition is on its field and in
//! the top-level README ("Support metrics"). Times are Unix milliseconds; days are UTC days.
//!
//! Percentiles use the nearest-rank method: the p-th percentile of n sorted values is the
//! value at rank ⌈p·n⌉ (so the median of 1, 2, 3, 4 is 2).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::fold::fold;
use crate::ports::{Store, StoreResult};
use crate::types::*;

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// What a report covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportRange {
    /// From this time on (inclusive); `None`: from the beginning.
    pub since: Option<Timestamp>,
    /// Up to this time (exclusive); `None`: up to now.
    pub until: Option<Timestamp>,
    /// Only this desk's tickets; `None`: every desk.
    pub desk: Option<String>,
}

impl ReportRange {
    fn contains(&self, t: Timestamp) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }
}

/// Everything a report is computed from.
#[derive(Clone, Debug, Default)]
pub struct ReportData {
    /// Every ticket of the desk(s) opened before the end of the range.
    pub tickets: Vec<Ticket>,
    /// Each ticket's timeline, oldest first.
    pub events: HashMap<TicketId, Vec<TicketEvent>>,
    /// Each ticket's survey, if one was offered.
    pub surveys: HashMap<TicketId, Survey>,
    /// The bot's replies to customer questions from the start of the range on.
    pub bot_replies: Vec<BotReply>,
}

/// Reads what a report over `range` needs.
pub async fn load(store: &dyn Store, range: &ReportRange) -> StoreResult<ReportData> {
    let mut tickets = store
        .list_tickets(&TicketFilter {
            desk: range.desk.clone(),
            ..TicketFilter::default()
        })
        .await?;
    if let Some(u) = range.until {
        tickets.retain(|t| t.opened_at < u);
    }
    let mut events = HashMap::new();
    let mut surveys = HashMap::new();
    for t in &tickets {
        events.insert(t.id, store.ticket_events(t.id).await?);
        if let Some(s) = store.survey(t.id).await? {
            surveys.insert(t.id, s);
        }
    }
    let bot_replies = store
        .bot_replies_since(range.since.unwrap_or(Timestamp(i64::MIN)))
        .await?;
    Ok(ReportData {
        tickets,
        events,
        surveys,
        bot_replies,
    })
}

/// Median and 90th percentile of durations, in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Durations {
    /// How many durations.
    pub count: usize,
    /// Median (nearest rank), seconds.
    pub median_s: Option<f64>,
    /// 90th percentile (nearest rank), seconds.
    pub p90_s: Option<f64>,
    /// Mean, seconds.
    pub mean_s: Option<f64>,
}

impl Durations {
    fn of(mut ms: Vec<i64>) -> Durations {
        ms.sort_unstable();
        let n = ms.len();
        let rank = |p: f64| {
            (n > 0).then(|| ms[((p * n as f64).ceil() as usize).clamp(1, n) - 1] as f64 / 1e3)
        };
        Durations {
            count: n,
            median_s: rank(0.5),
            p90_s: rank(0.9),
            mean_s: (n > 0).then(|| ms.iter().sum::<i64>() as f64 / n as f64 / 1e3),
        }
    }
}

/// One bar of a distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// What the bar covers, e.g. `15–30 min`.
    pub label: String,
    /// How many values fell in it.
    pub count: usize,
}

/// Upper bounds (exclusive, ms) and labels of the first-response distribution.
const FRT_BUCKETS: &[(i64, &str)] = &[
    (5 * 60_000, "< 5 min"),
    (15 * 60_000, "5–15 min"),
    (30 * 60_000, "15–30 min"),
    (60 * 60_000, "30–60 min"),
    (2 * 3_600_000, "1–2 h"),
    (4 * 3_600_000, "2–4 h"),
    (8 * 3_600_000, "4–8 h"),
    (24 * 3_600_000, "8–24 h"),
    (i64::MAX, "≥ 24 h"),
];

fn histogram(values: &[i64]) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = FRT_BUCKETS
        .iter()
        .map(|(_, l)| Bucket {
            label: (*l).to_owned(),
            count: 0,
        })
        .collect();
    for v in values {
        let i = FRT_BUCKETS
            .iter()
            .position(|(b, _)| v < b)
            .unwrap_or(FRT_BUCKETS.len() - 1);
        out[i].count += 1;
    }
    out
}

/// Customer satisfaction.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Csat {
    /// Surveys offered (tickets closed at least once).
    pub offered: usize,
    /// Surveys answered with a score.
    pub answered: usize,
    /// answered / offered, percent.
    pub response_rate: Option<f64>,
    /// Mean score 1–5.
    pub mean: Option<f64>,
    /// Share of scores 4 or 5, percent (the usual "CSAT %").
    pub satisfied: Option<f64>,
    /// How many answers gave 1, 2, 3, 4, 5.
    pub distribution: [usize; 5],
}

/// One day's activity.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Day {
    /// The UTC date, `YYYY-MM-DD`.
    pub date: String,
    /// Tickets opened that day.
    pub opened: usize,
    /// Closes that day (a ticket closed twice counts twice).
    pub closed: usize,
    /// Customer questions the bot handled that day.
    pub questions: usize,
    /// Of those, deflected (see [`Report::deflection_rate`]).
    pub deflected: usize,
}

/// One agent's figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AgentFigures {
    /// `platform:user_id`.
    pub id: String,
    /// Latest display name.
    pub name: String,
    /// Distinct tickets the agent claimed or replied on.
    pub tickets: usize,
    /// Replies sent to customers.
    pub replies: usize,
    /// Closes.
    pub closed: usize,
    /// First-response times of the tickets where this agent replied first.
    pub first_response: Durations,
    /// Mean survey score of tickets assigned to the agent.
    pub csat_mean: Option<f64>,
}

/// A question the knowledge base did not settle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gap {
    /// How often it (folded alike) was asked and escalated or marked not solved.
    pub count: usize,
    /// One way it was written.
    pub example: String,
}

/// Feedback on one knowledge-base entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntryFeedback {
    /// The entry id.
    pub entry: String,
    /// Times the bot answered with it.
    pub answered: usize,
    /// "Solved" verdicts.
    pub solved: usize,
    /// "Not solved" verdicts.
    pub not_solved: usize,
    /// not_solved / (solved + not_solved), percent.
    pub not_solved_rate: f64,
}

/// The support figures over a range.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// Start of the range (ms), if bounded.
    pub since: Option<i64>,
    /// End of the range (ms, exclusive), if bounded.
    pub until: Option<i64>,
    /// Tickets opened in the range: the population of the ticket figures.
    pub tickets_opened: usize,
    /// Of those, closed now.
    pub tickets_closed: usize,
    /// Of those, open with no agent reply yet.
    pub awaiting_first_response: usize,
    /// Opening to the first agent reply, for tickets that got one.
    pub first_response: Durations,
    /// The same, as a distribution.
    pub first_response_histogram: Vec<Bucket>,
    /// Opening to the last close, for closed tickets.
    pub resolution: Durations,
    /// Average handling time: per closed ticket, the sum over its open periods of the time
    /// from the first agent action (claim or reply) in the period to the close ending it;
    /// averaged over closed tickets an agent acted on.
    pub handling: Durations,
    /// Closed tickets never reopened and handled by exactly one agent (the only one who
    /// claimed, replied or closed), percent of closed tickets.
    pub first_contact_resolution: Option<f64>,
    /// Tickets reopened at least once.
    pub reopened: usize,
    /// Satisfaction surveys of the tickets.
    pub csat: Csat,
    /// Customer questions the bot handled in the range.
    pub questions: usize,
    /// Of those, answered from the knowledge base.
    pub answered: usize,
    /// Answered questions marked solved, or not marked not solved and not followed by a
    /// ticket of the same customer within 24 h; percent of all questions.
    pub deflection_rate: Option<f64>,
    /// Questions followed by a ticket of the same customer within 24 h (including the
    /// ones the bot escalated itself), percent of all questions.
    pub escalation_rate: Option<f64>,
    /// Per UTC day.
    pub days: Vec<Day>,
    /// Per agent, by id.
    pub agents: Vec<AgentFigures>,
    /// The most frequent questions that escalated or were marked not solved.
    pub gaps: Vec<Gap>,
    /// The entries with the worst feedback.
    pub worst_entries: Vec<EntryFeedback>,
}

/// `YYYY-MM-DD` of a UTC day number (days since 1970-01-01).
pub fn date_of_day(day: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The UTC day number of a `YYYY-MM-DD` date, `None` when it is not one.
pub fn day_of_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // days_from_civil
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let day = era * 146_097 + doe - 719_468;
    (date_of_day(day) == format!("{y:04}-{m:02}-{d:02}")).then_some(day)
}

fn pct(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| 100.0 * n as f64 / d as f64)
}

/// Computes the report over `range` from `data`.
pub fn compute(data: &ReportData, range: &ReportRange) -> Report {
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
    let first_response_histogram = histogram(&frt);
    let first_response = Durations::of(frt);
    let resolution = Durations::of(
        closed
            .iter()
            .filter_map(|t| t.closed_at.map(|c| c.0 - t.opened_at.0))
            .collect(),
    );

    // Handling time and first-contact resolution from the timelines.
    let mut handling = Vec::new();
    let mut fcr = 0;
    for t in &closed {
        let mut start: Option<i64> = None;
        let mut total = 0i64;
        let mut acted = false;
        let mut agents = HashSet::new();
        for e in events_of(t) {
            match e.kind {
                EventKind::Claimed | EventKind::Replied => {
                    start.get_or_insert(e.at.0);
                    acted = true;
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
            handling.push(total);
        }
        if t.reopen_count == 0 && agents.len() == 1 {
            fcr += 1;
        }
    }

    // Satisfaction.
    let mut csat = Csat::default();
    let mut score_sum = 0i64;
    for t in &in_range {
        if let Some(s) = data.surveys.get(&t.id) {
            csat.offered += 1;
            if let Some(score) = s.score.filter(|x| (1..=5).contains(x)) {
                csat.answered += 1;
                score_sum += score;
                csat.distribution[(score - 1) as usize] += 1;
            }
        }
    }
    csat.response_rate = pct(csat.answered, csat.offered);
    csat.mean = (csat.answered > 0).then(|| score_sum as f64 / csat.answered as f64);
    csat.satisfied = pct(csat.distribution[3] + csat.distribution[4], csat.answered);

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
    let (mut answered, mut deflected, mut escalated) = (0, 0, 0);
    let mut gaps: HashMap<String, Gap> = HashMap::new();
    let mut entries: BTreeMap<String, EntryFeedback> = BTreeMap::new();
    for r in &replies {
        let esc = r.outcome == ReplyOutcome::Escalated || escalated_after(r);
        let is_answer = r.outcome == ReplyOutcome::Answered;
        let defl = is_answer
            && match r.feedback {
                Some(Feedback::Solved) => true,
                Some(Feedback::NotSolved) => false,
                None => !esc,
            };
        answered += usize::from(is_answer);
        deflected += usize::from(defl);
        escalated += usize::from(esc);
        let d = day(&mut days, r.at);
        let dd = days.get_mut(&d).expect("inserted");
        dd.questions += 1;
        dd.deflected += usize::from(defl);
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
    let mut gaps: Vec<Gap> = gaps.into_values().collect();
    gaps.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.example.cmp(&b.example))
    });
    gaps.truncate(10);
    let mut worst: Vec<EntryFeedback> = entries
        .into_values()
        .filter(|e| e.not_solved > 0)
        .map(|mut e| {
            e.not_solved_rate = 100.0 * e.not_solved as f64 / (e.solved + e.not_solved) as f64;
            e
        })
        .collect();
    worst.sort_by(|a, b| {
        b.not_solved_rate
            .total_cmp(&a.not_solved_rate)
            .then(b.not_solved.cmp(&a.not_solved))
            .then_with(|| a.entry.cmp(&b.entry))
    });
    worst.truncate(10);

    // Per day: opened tickets and closes.
    for t in &in_range {
        let d = day(&mut days, t.opened_at);
        days.get_mut(&d).expect("inserted").opened += 1;
    }
    let mut agents: BTreeMap<String, (AgentFigures, HashSet<TicketId>, Vec<i64>)> = BTreeMap::new();
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
            let a = agents.entry(id.clone()).or_insert_with(|| {
                (
                    AgentFigures {
                        id: id.clone(),
                        ..AgentFigures::default()
                    },
                    HashSet::new(),
                    Vec::new(),
                )
            });
            if let Some(n) = &e.actor_name {
                a.0.name = n.clone();
            }
            match e.kind {
                EventKind::Claimed => {
                    a.1.insert(t.id);
                }
                EventKind::Replied => {
                    a.1.insert(t.id);
                    a.0.replies += 1;
                    if !first_reply_seen {
                        first_reply_seen = true;
                        a.2.push(e.at.0 - t.opened_at.0);
                    }
                }
                _ => a.0.closed += 1,
            }
        }
    }
    let agents = agents
        .into_values()
        .map(|(mut a, tickets, frt)| {
            a.tickets = tickets.len();
            a.first_response = Durations::of(frt);
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

    Report {
        since: range.since.map(|t| t.0),
        until: range.until.map(|t| t.0),
        tickets_opened: in_range.len(),
        tickets_closed: closed.len(),
        awaiting_first_response: in_range
            .iter()
            .filter(|t| t.status == TicketStatus::Open && t.first_response_at.is_none())
            .count(),
        first_response,
        first_response_histogram,
        resolution,
        handling: Durations::of(handling),
        first_contact_resolution: pct(fcr, closed.len()),
        reopened: in_range.iter().filter(|t| t.reopen_count > 0).count(),
        csat,
        questions: replies.len(),
        answered,
        deflection_rate: pct(deflected, replies.len()),
        escalation_rate: pct(escalated, replies.len()),
        days: days.into_values().collect(),
        agents,
        gaps,
        worst_entries: worst,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(date_of_day(0), "1970-01-01");
        assert_eq!(date_of_day(-1), "1969-12-31");
        assert_eq!(day_of_date("2026-11-25"), Some(20_782));
        assert_eq!(date_of_day(20_782), "2026-11-25");
        assert_eq!(
            day_of_date("2024-02-29").map(date_of_day).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(day_of_date("2025-02-29"), None);
        assert_eq!(day_of_date("2025-13-01"), None);
        assert_eq!(day_of_date("yesterday"), None);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let d = Durations::of(vec![4000, 1000, 3000, 2000]);
        assert_eq!(d.median_s, Some(2.0));
        assert_eq!(d.p90_s, Some(4.0));
        assert_eq!(d.mean_s, Some(2.5));
        assert_eq!(Durations::of(vec![]).median_s, None);
        let ten = Durations::of((1..=10).map(|s| s * 1000).collect());
        assert_eq!((ten.median_s, ten.p90_s), (Some(5.0), Some(9.0)));
    }
}

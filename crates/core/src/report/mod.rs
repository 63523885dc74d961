//! Support metrics, computed exactly from what the Store recorded.
//!
//! Two paths give the same [`Report`]:
//! - the definition: [`load`] reads tickets, their timelines and transcripts, surveys and bot
//!   replies from a [`Store`], and [`compute`] turns them into a [`Report`] in memory;
//! - the scalable path: [`from_store`] asks a [`ReportStore`] for the aggregates (computed in
//!   SQL by `frontdesk_store::SqlStore`), so memory is bounded by the answer, not the history.
//!
//! Both assemble the figures with the same code from [`ReportParts`]; the store tests assert
//! that both paths give equal reports on one seeded history. Every figure's definition is on
//! its field and in the top-level README ("Support metrics"). Times are Unix milliseconds;
//! days are UTC days.
//!
//! Percentiles use the nearest-rank method: the p-th percentile of n sorted values is the
//! value at rank ⌈p·n/100⌉ (so the median of 1, 2, 3, 4 is 2), see [`nearest_rank`].

use std::collections::HashMap;

use serde::Serialize;

use crate::ports::{ReportStore, Store, StoreResult};
use crate::types::*;

mod compute;
pub(crate) mod dates;
mod parts;

pub use compute::{compute, parts_of};
pub use dates::{date_of_day, day_of_date};
pub use parts::*;

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// The cap on one agent reply's handling time (see [`Report::handling`]): 10 minutes.
pub const HANDLING_CAP_MS: i64 = 10 * 60_000;

/// What a report covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportRange {
    /// From this time on (inclusive); `None`: from the beginning.
    pub since: Option<Timestamp>,
    /// Up to this time (exclusive); `None`: no end.
    pub until: Option<Timestamp>,
    /// Only this desk's tickets; `None`: every desk.
    pub desk: Option<String>,
}

impl ReportRange {
    /// Whether `t` lies in the range.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }

    /// The start as milliseconds (`i64::MIN` when unbounded).
    pub fn since_ms(&self) -> i64 {
        self.since.map_or(i64::MIN, |t| t.0)
    }

    /// The end as milliseconds (`i64::MAX` when unbounded).
    pub fn until_ms(&self) -> i64 {
        self.until.map_or(i64::MAX, |t| t.0)
    }
}

/// Everything a report is computed from.
#[derive(Clone, Debug, Default)]
pub struct ReportData {
    /// Every ticket of the desk(s) opened before the end of the range.
    pub tickets: Vec<Ticket>,
    /// Each ticket's timeline, oldest first.
    pub events: HashMap<TicketId, Vec<TicketEvent>>,
    /// Each ticket's transcript, oldest first (for the handling time).
    pub messages: HashMap<TicketId, Vec<Message>>,
    /// Each ticket's survey, if one was offered.
    pub surveys: HashMap<TicketId, Survey>,
    /// The bot's replies to customer questions from the start of the range on.
    pub bot_replies: Vec<BotReply>,
}

/// Reads what a report over `range` needs, all of it (the reference path: it reads the whole
/// history; [`from_store`] is the one that scales).
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
    let mut messages = HashMap::new();
    let mut surveys = HashMap::new();
    for t in &tickets {
        events.insert(t.id, store.ticket_events(t.id).await?);
        messages.insert(t.id, store.ticket_messages(t.id).await?);
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
        messages,
        surveys,
        bot_replies,
    })
}

/// The report over `range` from the aggregates a [`ReportStore`] computes.
pub async fn from_store(store: &dyn ReportStore, range: &ReportRange) -> StoreResult<Report> {
    // The queries are independent: run side by side (a SQLite store reads on several
    // connections at once).
    let (totals, first_response, first_response_buckets, resolution, agent_span, handling) = futures_util::try_join!(
        store.report_totals(range),
        store.report_durations(range, Measure::FirstResponse),
        store.report_histogram(range, Measure::FirstResponse, FRT_BOUNDS),
        store.report_durations(range, Measure::Resolution),
        store.report_durations(range, Measure::AgentSpan),
        store.report_durations(range, Measure::Handling),
    )?;
    let (first_response_business, bot, days, agents, gaps, entries) = futures_util::try_join!(
        store.report_durations(range, Measure::FirstResponseBusiness),
        store.report_bot(range),
        store.report_days(range),
        store.report_agents(range),
        store.report_gaps(range),
        store.report_entries(range),
    )?;
    let parts = ReportParts {
        totals,
        first_response,
        first_response_business,
        first_response_buckets,
        resolution,
        agent_span,
        handling,
        bot,
        days,
        agents,
        gaps,
        entries,
    };
    Ok(parts.assemble(range))
}

/// The nearest rank (1-based) of the `pct`-th percentile of `n` sorted values:
/// ⌈pct·n/100⌉, at least 1. In SQL: `(pct * n + 99) / 100`.
pub fn nearest_rank(pct: i64, n: i64) -> i64 {
    ((pct * n + 99) / 100).max(1)
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
    /// The figures of a list of durations in milliseconds.
    pub fn of(mut ms: Vec<i64>) -> Durations {
        ms.sort_unstable();
        let n = ms.len() as i64;
        let at = |pct: i64| (n > 0).then(|| ms[(nearest_rank(pct, n) - 1) as usize]);
        Durations::from_parts(ms.len(), ms.iter().sum(), at(50), at(90))
    }

    /// The figures from a count, the sum and the median and 90th percentile values (ms), as a
    /// database computes them.
    pub fn from_parts(
        count: usize,
        sum_ms: i64,
        median_ms: Option<i64>,
        p90_ms: Option<i64>,
    ) -> Durations {
        let some = count > 0;
        Durations {
            count,
            median_s: median_ms.filter(|_| some).map(|v| v as f64 / 1e3),
            p90_s: p90_ms.filter(|_| some).map(|v| v as f64 / 1e3),
            mean_s: some.then(|| sum_ms as f64 / count as f64 / 1e3),
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

/// Upper bounds (exclusive, ms) of the first-response distribution's bars; the last bar has
/// no upper bound.
pub const FRT_BOUNDS: &[i64] = &[
    5 * 60_000,
    15 * 60_000,
    30 * 60_000,
    60 * 60_000,
    2 * 3_600_000,
    4 * 3_600_000,
    8 * 3_600_000,
    24 * 3_600_000,
];

/// Labels of the first-response bars ([`FRT_BOUNDS`] and the open last one).
const FRT_LABELS: &[&str] = &[
    "< 5 min",
    "5–15 min",
    "15–30 min",
    "30–60 min",
    "1–2 h",
    "2–4 h",
    "4–8 h",
    "8–24 h",
    "≥ 24 h",
];

/// Customer satisfaction (CSAT, 1–5).
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
    /// The headline CSAT: share of scores 4 or 5, percent.
    pub satisfied: Option<f64>,
    /// How many answers gave 1, 2, 3, 4, 5.
    pub distribution: [usize; 5],
}

/// Net Promoter Score (the optional 0–10 "would you recommend us" question).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Nps {
    /// Answers.
    pub answered: usize,
    /// Answers 9–10.
    pub promoters: usize,
    /// Answers 7–8.
    pub passives: usize,
    /// Answers 0–6.
    pub detractors: usize,
    /// % promoters − % detractors, from −100 to 100.
    pub score: Option<f64>,
    /// How many answers gave 0, 1, …, 10.
    pub distribution: [usize; 11],
}

/// Customer Effort Score (the optional 1–7 "it was easy to get my issue solved" question).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Ces {
    /// Answers.
    pub answered: usize,
    /// Mean answer 1–7.
    pub mean: Option<f64>,
    /// Share of answers 5–7 ("agree"), percent.
    pub easy: Option<f64>,
    /// How many answers gave 1, …, 7.
    pub distribution: [usize; 7],
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
    /// Of those, resolved by the bot (see [`Report::deflection_rate`]).
    pub deflected: usize,
}

/// One agent's figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AgentFigures {
    /// `platform:user_id`.
    pub id: String,
    /// The name on the agent's latest event.
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
    /// One way it was written (the first).
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

/// The support figures over a range. The README's "Support metrics" section gives each
/// definition with its source.
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
    /// Opening to the first agent reply, for tickets that got one (calendar time).
    pub first_response: Durations,
    /// The same in business hours (the desk's support hours), for the tickets answered while
    /// support hours were configured (`count` 0 without them).
    pub first_response_business: Durations,
    /// The same, as a distribution.
    pub first_response_histogram: Vec<Bucket>,
    /// Opening to the last close, for closed tickets.
    pub resolution: Durations,
    /// Handling time, an estimate of agent work time: per closed ticket, the sum over its
    /// agent replies of the time since the message before it in the transcript (the customer
    /// message it answers, or the agent's own previous reply), each capped at
    /// [`HANDLING_CAP_MS`]; over closed tickets with an agent reply.
    pub handling: Durations,
    /// Agent span (wall clock, not work time): per closed ticket, the sum over its open
    /// periods of the time from the first agent action (claim or reply) in the period to the
    /// close ending it; over closed tickets an agent acted on. Called "average handling
    /// time" before; in asynchronous chat it is mostly waiting.
    pub agent_span: Durations,
    /// Single-agent resolution: closed tickets never reopened and handled by exactly one
    /// agent (the only one who claimed, replied or closed), percent of closed tickets.
    pub single_agent_resolution: Option<f64>,
    /// One-touch resolution: closed tickets never reopened with at most one agent reply,
    /// percent of closed tickets.
    pub one_touch_resolution: Option<f64>,
    /// Tickets reopened at least once.
    pub reopened: usize,
    /// Satisfaction surveys of the tickets.
    pub csat: Csat,
    /// The optional NPS question of those surveys.
    pub nps: Nps,
    /// The optional CES question of those surveys.
    pub ces: Ces,
    /// Customer questions the bot handled in the range.
    pub questions: usize,
    /// Of those, answered from the knowledge base.
    pub answered: usize,
    /// Bot resolution, confirmed: answered questions the customer marked solved, percent of
    /// all questions.
    pub bot_confirmed_rate: Option<f64>,
    /// Bot resolution, assumed: answered questions with no verdict and no ticket of the same
    /// customer within 24 h, percent of all questions.
    pub bot_assumed_rate: Option<f64>,
    /// Bot resolution (deflection), confirmed + assumed, percent of all questions.
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

fn pct(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| 100.0 * n as f64 / d as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let d = Durations::of(vec![4000, 1000, 3000, 2000]);
        assert_eq!(d.median_s, Some(2.0));
        assert_eq!(d.p90_s, Some(4.0));
        assert_eq!(d.mean_s, Some(2.5));
        assert_eq!(Durations::of(vec![]).median_s, None);
        let ten = Durations::of((1..=10).map(|s| s * 1000).collect());
        assert_eq!((ten.median_s, ten.p90_s), (Some(5.0), Some(9.0)));
        assert_eq!(nearest_rank(90, 1), 1);
        assert_eq!(nearest_rank(50, 3), 2);
        assert_eq!(nearest_rank(90, 11), 10);
    }
}

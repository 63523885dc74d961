//! The aggregates a report is assembled from: what [`crate::ports::ReportStore`] answers and
//! what [`super::parts_of`] computes in memory, and the one assembly of both into a [`Report`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::*;

/// A duration measured per ticket (see the [`Report`] field of the same name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// [`Report::first_response`].
    FirstResponse,
    /// [`Report::first_response_business`].
    FirstResponseBusiness,
    /// [`Report::resolution`].
    Resolution,
    /// [`Report::agent_span`].
    AgentSpan,
    /// [`Report::handling`].
    Handling,
}

/// Answer counts of the satisfaction surveys of the tickets opened in a range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SurveyTotals {
    /// Surveys offered.
    pub offered: usize,
    /// CSAT answers 1..=5 (index 0 is a 1).
    pub csat: [usize; 5],
    /// NPS answers 0..=10.
    pub nps: [usize; 11],
    /// CES answers 1..=7 (index 0 is a 1).
    pub ces: [usize; 7],
}

/// Counts over the tickets opened in a range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TicketTotals {
    /// Tickets opened.
    pub opened: usize,
    /// Of those, closed now.
    pub closed: usize,
    /// Of those, open without an agent reply.
    pub awaiting_first_response: usize,
    /// Of those, reopened at least once.
    pub reopened: usize,
    /// Closed, never reopened, exactly one agent claimed, replied or closed.
    pub single_agent: usize,
    /// Closed, never reopened, at most one agent reply.
    pub one_touch: usize,
    /// Their surveys.
    pub surveys: SurveyTotals,
}

/// Counts over the bot's replies in a range.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BotTotals {
    /// Questions.
    pub questions: usize,
    /// Answered from the knowledge base.
    pub answered: usize,
    /// Answered and marked solved.
    pub confirmed: usize,
    /// Answered, no verdict, no ticket of the customer within 24 h.
    pub assumed: usize,
    /// Escalated by the bot or followed by a ticket of the customer within 24 h.
    pub escalated: usize,
    /// Per UTC day with questions, by date: only `questions` and `deflected` set.
    pub days: Vec<Day>,
}

/// Everything a [`Report`] is assembled from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportParts {
    /// Ticket counts and survey answers.
    pub totals: TicketTotals,
    /// [`Measure::FirstResponse`].
    pub first_response: Durations,
    /// [`Measure::FirstResponseBusiness`].
    pub first_response_business: Durations,
    /// First responses per [`FRT_BOUNDS`] bar.
    pub first_response_buckets: Vec<usize>,
    /// [`Measure::Resolution`].
    pub resolution: Durations,
    /// [`Measure::AgentSpan`].
    pub agent_span: Durations,
    /// [`Measure::Handling`].
    pub handling: Durations,
    /// The bot's questions.
    pub bot: BotTotals,
    /// Per day with tickets opened or closed, by date: only `opened` and `closed` set.
    pub days: Vec<Day>,
    /// Per agent, by id.
    pub agents: Vec<AgentFigures>,
    /// Every distinct (folded) gap question, in any order.
    pub gaps: Vec<Gap>,
    /// Every entry the bot answered with, in any order (`not_solved_rate` not yet set).
    pub entries: Vec<EntryFeedback>,
}

/// How many gaps and worst entries a report lists.
pub const TOP: usize = 10;

impl ReportParts {
    /// The report these aggregates make.
    pub fn assemble(self, range: &ReportRange) -> Report {
        let t = &self.totals;
        let s = &t.surveys;
        let answered: usize = s.csat.iter().sum();
        let score_sum: usize = s.csat.iter().enumerate().map(|(i, n)| (i + 1) * n).sum();
        let csat = Csat {
            offered: s.offered,
            answered,
            response_rate: pct(answered, s.offered),
            mean: (answered > 0).then(|| score_sum as f64 / answered as f64),
            satisfied: pct(s.csat[3] + s.csat[4], answered),
            distribution: s.csat,
        };
        let n: usize = s.nps.iter().sum();
        let promoters = s.nps[9] + s.nps[10];
        let detractors: usize = s.nps[..7].iter().sum();
        let nps = Nps {
            answered: n,
            promoters,
            passives: s.nps[7] + s.nps[8],
            detractors,
            score: (n > 0).then(|| {
                100.0 * promoters as f64 / n as f64 - 100.0 * detractors as f64 / n as f64
            }),
            distribution: s.nps,
        };
        let n: usize = s.ces.iter().sum();
        let ces_sum: usize = s.ces.iter().enumerate().map(|(i, c)| (i + 1) * c).sum();
        let ces = Ces {
            answered: n,
            mean: (n > 0).then(|| ces_sum as f64 / n as f64),
            easy: pct(s.ces[4..].iter().sum(), n),
            distribution: s.ces,
        };
        let first_response_histogram = FRT_LABELS
            .iter()
            .enumerate()
            .map(|(i, l)| Bucket {
                label: (*l).to_owned(),
                count: self.first_response_buckets.get(i).copied().unwrap_or(0),
            })
            .collect();
        let b = &self.bot;
        let mut days: BTreeMap<String, Day> = BTreeMap::new();
        for d in self.days.into_iter().chain(b.days.iter().cloned()) {
            let e = days.entry(d.date.clone()).or_insert_with(|| Day {
                date: d.date.clone(),
                ..Day::default()
            });
            e.opened += d.opened;
            e.closed += d.closed;
            e.questions += d.questions;
            e.deflected += d.deflected;
        }
        let mut gaps = self.gaps;
        gaps.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.example.cmp(&b.example))
        });
        gaps.truncate(TOP);
        let mut worst: Vec<EntryFeedback> = self
            .entries
            .into_iter()
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
        worst.truncate(TOP);
        Report {
            since: range.since.map(|t| t.0),
            until: range.until.map(|t| t.0),
            tickets_opened: t.opened,
            tickets_closed: t.closed,
            awaiting_first_response: t.awaiting_first_response,
            first_response: self.first_response,
            first_response_business: self.first_response_business,
            first_response_histogram,
            resolution: self.resolution,
            handling: self.handling,
            agent_span: self.agent_span,
            single_agent_resolution: pct(t.single_agent, t.closed),
            one_touch_resolution: pct(t.one_touch, t.closed),
            reopened: t.reopened,
            csat,
            nps,
            ces,
            questions: b.questions,
            answered: b.answered,
            bot_confirmed_rate: pct(b.confirmed, b.questions),
            bot_assumed_rate: pct(b.assumed, b.questions),
            deflection_rate: pct(b.confirmed + b.assumed, b.questions),
            escalation_rate: pct(b.escalated, b.questions),
            days: days.into_values().collect(),
            agents: self.agents,
            gaps,
            worst_entries: worst,
        }
    }
}

/// The index of the [`FRT_BOUNDS`]-style bar `v` falls in (`bounds.len()` for the last).
pub fn bucket_of(bounds: &[i64], v: i64) -> usize {
    bounds.iter().position(|b| v < *b).unwrap_or(bounds.len())
}

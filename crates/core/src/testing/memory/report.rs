//! The reporting role of the [`MemoryStore`]: the pure definition over what it holds.

use std::collections::HashMap;

use async_trait::async_trait;

use super::{Inner, MemoryStore};
use crate::ports::*;
use crate::report::*;

impl Inner {
    /// What [`crate::report::load`] would read for `range`.
    fn report_data(&self, range: &ReportRange) -> ReportData {
        let tickets: Vec<_> = self
            .tickets
            .iter()
            .rev()
            .filter(|t| range.desk.as_ref().is_none_or(|d| &t.desk == d))
            .filter(|t| range.until.is_none_or(|u| t.opened_at < u))
            .cloned()
            .collect();
        let mut events: HashMap<_, Vec<_>> = HashMap::new();
        for e in &self.events {
            events.entry(e.ticket).or_default().push(e.clone());
        }
        let mut messages: HashMap<_, Vec<_>> = HashMap::new();
        for m in &self.messages {
            if let Some(t) = m.ticket {
                messages.entry(t).or_default().push(m.clone());
            }
        }
        ReportData {
            tickets,
            events,
            messages,
            surveys: self.surveys.iter().map(|s| (s.ticket, s.clone())).collect(),
            bot_replies: self
                .replies
                .iter()
                .filter(|r| r.at.0 >= range.since_ms())
                .cloned()
                .collect(),
        }
    }
}

impl MemoryStore {
    async fn parts(&self, range: &ReportRange) -> StoreResult<ReportParts> {
        self.with(|s| Ok(parts_of(&s.report_data(range), range)))
            .await
    }
}

#[async_trait]
impl ReportStore for MemoryStore {
    async fn report_totals(&self, range: &ReportRange) -> StoreResult<TicketTotals> {
        Ok(self.parts(range).await?.totals)
    }

    async fn report_durations(&self, range: &ReportRange, m: Measure) -> StoreResult<Durations> {
        let p = self.parts(range).await?;
        Ok(match m {
            Measure::FirstResponse => p.first_response,
            Measure::FirstResponseBusiness => p.first_response_business,
            Measure::Resolution => p.resolution,
            Measure::AgentSpan => p.agent_span,
            Measure::Handling => p.handling,
        })
    }

    async fn report_histogram(
        &self,
        range: &ReportRange,
        m: Measure,
        bounds: &[i64],
    ) -> StoreResult<Vec<usize>> {
        if m != Measure::FirstResponse || bounds != FRT_BOUNDS {
            return Err(StoreError::Backend(
                "the memory store has only the first-response histogram".into(),
            ));
        }
        Ok(self.parts(range).await?.first_response_buckets)
    }

    async fn report_bot(&self, range: &ReportRange) -> StoreResult<BotTotals> {
        Ok(self.parts(range).await?.bot)
    }

    async fn report_days(&self, range: &ReportRange) -> StoreResult<Vec<Day>> {
        Ok(self.parts(range).await?.days)
    }

    async fn report_agents(&self, range: &ReportRange) -> StoreResult<Vec<AgentFigures>> {
        Ok(self.parts(range).await?.agents)
    }

    async fn report_gaps(&self, range: &ReportRange) -> StoreResult<Vec<Gap>> {
        Ok(self.parts(range).await?.gaps)
    }

    async fn report_entries(&self, range: &ReportRange) -> StoreResult<Vec<EntryFeedback>> {
        Ok(self.parts(range).await?.entries)
    }
}

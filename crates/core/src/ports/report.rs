//! The reporting role of a Store: aggregates over a range, computed where the data is.

use async_trait::async_trait;

use super::StoreResult;
use crate::report::*;

/// Reporting queries: each answer is bounded by the size of the answer (counts, a few
/// percentiles, one row per day, agent, entry or distinct gap question), not by the history,
/// and a range reads only the tickets and bot replies of that range (plus, for the
/// escalation check, the tickets opened within a day after it).
///
/// Every method has the definition of [`crate::report::parts_of`] (the pure path); the store
/// tests assert that [`crate::report::from_store`] gives the same [`Report`] as
/// [`crate::report::compute`] on one seeded history.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Ticket counts and survey answers of the tickets opened in `range`.
    async fn report_totals(&self, range: &ReportRange) -> StoreResult<TicketTotals>;
    /// Count, sum and nearest-rank median and 90th percentile of one per-ticket measure.
    async fn report_durations(&self, range: &ReportRange, m: Measure) -> StoreResult<Durations>;
    /// How many of a measure's values fall in each bar of `bounds` (exclusive upper bounds,
    /// ascending; one more bar for the rest).
    async fn report_histogram(
        &self,
        range: &ReportRange,
        m: Measure,
        bounds: &[i64],
    ) -> StoreResult<Vec<usize>>;
    /// Counts over the bot's replies in `range`.
    async fn report_bot(&self, range: &ReportRange) -> StoreResult<BotTotals>;
    /// Per UTC day with activity, by date.
    async fn report_days(&self, range: &ReportRange) -> StoreResult<Vec<Day>>;
    /// Per agent acting on the tickets opened in `range`, by id.
    async fn report_agents(&self, range: &ReportRange) -> StoreResult<Vec<AgentFigures>>;
    /// Every distinct folded question of the replies in `range` that the bot escalated or
    /// that was marked not solved, with its count and first wording.
    async fn report_gaps(&self, range: &ReportRange) -> StoreResult<Vec<Gap>>;
    /// Per knowledge-base entry the bot answered with in `range`: answers and verdicts.
    async fn report_entries(&self, range: &ReportRange) -> StoreResult<Vec<EntryFeedback>>;
}

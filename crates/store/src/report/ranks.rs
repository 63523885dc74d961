//! Exact nearest-rank percentiles on SQLite without sorting in SQL. A long range walks
//! indexes: each measure has a partial index ordered by its value (migration
//! `0005_ticket_facts.sql`), and the value of rank k is the k-th entry of that index inside
//! the range (`ORDER BY … LIMIT 1 OFFSET k-1` through `INDEXED BY`). Walking an index is
//! several times cheaper than SQLite's sorter, but the walk passes the entries outside the
//! range too; so a range holding less than an eighth of the tickets is read instead, in one
//! pass over the range index that carries every measure (`tickets_report`, migration
//! `0012_report_indexes.sql`), its values collected by `json_group_array` into one row (a
//! row per ticket through the driver costs more than the scan) and ranked here with
//! [`Durations::of`], the definition itself. PostgreSQL sorts (see [`super::queries`]).

use frontdesk_core::report::{DAY_MS, Durations, Measure, ReportRange, nearest_rank};
use std::collections::HashMap;

use frontdesk_core::*;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::queries::IN_RANGE;
use super::{count, ranged};

use crate::{Sql, SqlStore, sql};

/// A measure's index, its value per ticket (alias `t`) and the tickets that have one (the
/// index's own condition, so SQLite may use it).
pub(super) struct Shape {
    index: &'static str,
    value: &'static str,
    cond: &'static str,
}

/// The [`Shape`] of a measure.
pub(super) fn shape(m: Measure) -> Shape {
    match m {
        Measure::FirstResponse => Shape {
            index: "tickets_frt",
            value: "t.first_response_at - t.opened_at",
            cond: "t.first_response_at IS NOT NULL",
        },
        Measure::FirstResponseBusiness => Shape {
            index: "tickets_frt_business",
            value: "t.first_response_business_ms",
            cond: "t.first_response_business_ms IS NOT NULL",
        },
        Measure::Resolution => Shape {
            index: "tickets_resolution",
            value: "t.closed_at - t.opened_at",
            cond: "t.status = 'closed' AND t.closed_at IS NOT NULL",
        },
        Measure::AgentSpan => Shape {
            index: "tickets_span",
            value: "t.span_ms",
            cond: "t.status = 'closed' AND t.acted = 1",
        },
        Measure::Handling => Shape {
            index: "tickets_handling",
            value: "t.handling_ms",
            cond: "t.status = 'closed' AND t.handling_ms IS NOT NULL",
        },
    }
}

/// `SELECT ms FROM …`: one value of the measure per ticket in the range.
pub(super) fn values(m: Measure) -> String {
    let s = shape(m);
    format!(
        "SELECT {} AS ms FROM tickets t WHERE {IN_RANGE} AND {}",
        s.value, s.cond
    )
}

/// [`values`] on SQLite: of a short range from the range index, else from the measure's own
/// index (either read alone).
pub(super) fn indexed_values(m: Measure, short: bool) -> String {
    let s = shape(m);
    let index = if short { RANGE_INDEX } else { s.index };
    format!(
        "SELECT {} AS ms FROM tickets t INDEXED BY {index} WHERE {IN_RANGE} AND {}",
        s.value, s.cond
    )
}

/// The first-response time per agent who replied first (alias `t`), on its index.
const AGENT_INDEX: &str = "tickets_agent_frt";
const AGENT_VALUE: &str = "t.first_reply_at - t.opened_at";
const AGENT_COND: &str = "t.first_replier IS NOT NULL";

/// The range index that carries every measure.
const RANGE_INDEX: &str = "tickets_report";

/// Whether `n` values of a range are few enough to sort: less than an eighth of the tickets.
fn short(n: usize, tickets: i64) -> bool {
    (n as i64).saturating_mul(8) < tickets
}

/// A column holding a JSON array (of `json_group_array`), decoded.
fn json<T: serde::de::DeserializeOwned>(r: &AnyRow, col: &str) -> StoreResult<T> {
    let text: String = r.try_get(col).sql()?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("report values of `{col}`: {e}")))
}

impl SqlStore {
    /// The row of `json_group_array` columns `v0`, `v1`, … of `exprs` (each on alias `t`) over
    /// the tickets of the range that meet `cond`, in one pass over the range index.
    async fn range_arrays(
        &self,
        range: &ReportRange,
        exprs: &[&str],
        cond: &str,
    ) -> StoreResult<Option<AnyRow>> {
        let cols: Vec<String> = exprs
            .iter()
            .enumerate()
            .map(|(i, e)| format!("json_group_array({e}) AS v{i}"))
            .collect();
        let q = format!(
            "SELECT {} FROM tickets t INDEXED BY {RANGE_INDEX} WHERE {IN_RANGE} AND {cond}",
            cols.join(", ")
        );
        Ok(self.report_rows(q, range, true).await?.into_iter().next())
    }

    /// The value of nearest rank `k` (1-based) of `index`'s entries in the range, with the
    /// extra condition `and` on `$4` when given.
    async fn value_at(
        &self,
        range: &ReportRange,
        (index, value, cond): (&str, &str, &str),
        agent: Option<&str>,
        k: i64,
    ) -> StoreResult<Option<i64>> {
        let and = if agent.is_some() {
            " AND t.first_replier = $4"
        } else {
            ""
        };
        let q = format!(
            "SELECT {value} AS ms FROM tickets t INDEXED BY {index} \
             WHERE {IN_RANGE} AND {cond}{and} ORDER BY {value} LIMIT 1 OFFSET {}",
            (k - 1).max(0)
        );
        let mut q = ranged(sqlx::query(sql!("{q}")), range, true);
        if let Some(a) = agent {
            q = q.bind(a.to_owned());
        }
        let row = q
            .fetch_optional(&mut *self.report_conn().await?)
            .await
            .sql()?;
        row.map(|r| r.try_get("ms").sql()).transpose()
    }

    /// Count, sum, median and 90th percentile of `n` values summing to `total`.
    async fn ranked(
        &self,
        range: &ReportRange,
        shape: (&str, &str, &str),
        agent: Option<&str>,
        n: usize,
        total: i64,
    ) -> StoreResult<Durations> {
        if n == 0 {
            return Ok(Durations::default());
        }
        let p50 = self
            .value_at(range, shape, agent, nearest_rank(50, n as i64))
            .await?;
        let p90 = self
            .value_at(range, shape, agent, nearest_rank(90, n as i64))
            .await?;
        Ok(Durations::from_parts(n, total, p50, p90))
    }

    /// Whether the range holds less than an eighth of the tickets: its tickets from the
    /// per-day counts (whole days, so about), against the largest ticket id.
    pub(super) async fn is_short(&self, range: &ReportRange) -> StoreResult<bool> {
        let r = sqlx::query(
            "SELECT (SELECT CAST(COALESCE(SUM(opened), 0) AS BIGINT) FROM ticket_days \
               WHERE day >= $1 AND day <= $2) AS n, (SELECT MAX(id) FROM tickets) AS total",
        )
        .bind(range.since_ms().max(0).div_euclid(DAY_MS))
        .bind(range.until_ms().div_euclid(DAY_MS))
        .fetch_one(&mut *self.report_conn().await?)
        .await
        .sql()?;
        let n: i64 = r.try_get("n").sql()?;
        let total: Option<i64> = r.try_get("total").sql()?;
        Ok(short(n.max(0) as usize, total.unwrap_or(0)))
    }

    /// [`frontdesk_core::ReportStore::report_durations`] on SQLite.
    pub(super) async fn sqlite_durations(
        &self,
        range: &ReportRange,
        m: Measure,
    ) -> StoreResult<Durations> {
        let s = shape(m);
        if self.is_short(range).await? {
            let values: Vec<Option<i64>> =
                match self.range_arrays(range, &[s.value], s.cond).await? {
                    Some(r) => json(&r, "v0")?,
                    None => Vec::new(),
                };
            let values = values.into_iter().flatten().collect();
            return Ok(Durations::of(values));
        }
        let q = format!(
            "SELECT COUNT(*) AS cnt, CAST(COALESCE(SUM({}), 0) AS BIGINT) AS total \
             FROM tickets t INDEXED BY {} WHERE {IN_RANGE} AND {}",
            s.value, s.index, s.cond
        );
        let rows = self.report_rows(q, range, true).await?;
        let Some(r) = rows.first() else {
            return Ok(Durations::default());
        };
        let total: Option<i64> = r.try_get("total").sql()?;
        self.ranked(
            range,
            (s.index, s.value, s.cond),
            None,
            count(r, "cnt")?,
            total.unwrap_or(0),
        )
        .await
    }

    /// Per agent who replied first on tickets of the range: their first-response times, on
    /// SQLite.
    pub(super) async fn sqlite_agent_first_responses(
        &self,
        range: &ReportRange,
    ) -> StoreResult<Vec<(String, Durations)>> {
        let q = format!(
            "SELECT t.first_replier AS a, COUNT(*) AS cnt, CAST(SUM({AGENT_VALUE}) AS BIGINT) AS total \
             FROM tickets t INDEXED BY {AGENT_INDEX} WHERE {IN_RANGE} AND {AGENT_COND} \
             GROUP BY t.first_replier"
        );
        let mut out = Vec::new();
        if self.is_short(range).await? {
            let (agents, values): (Vec<String>, Vec<i64>) = match self
                .range_arrays(range, &["t.first_replier", AGENT_VALUE], AGENT_COND)
                .await?
            {
                Some(r) => (json(&r, "v0")?, json(&r, "v1")?),
                None => Default::default(),
            };
            let mut by_agent: HashMap<String, Vec<i64>> = HashMap::new();
            for (a, ms) in agents.into_iter().zip(values) {
                by_agent.entry(a).or_default().push(ms);
            }
            out.extend(by_agent.into_iter().map(|(a, v)| (a, Durations::of(v))));
            return Ok(out);
        }
        for r in self.report_rows(q, range, true).await? {
            let a: String = r.try_get("a").sql()?;
            let total: Option<i64> = r.try_get("total").sql()?;
            let d = self
                .ranked(
                    range,
                    (AGENT_INDEX, AGENT_VALUE, AGENT_COND),
                    Some(&a),
                    count(&r, "cnt")?,
                    total.unwrap_or(0),
                )
                .await?;
            out.push((a, d));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_eighth_of_the_tickets_or_more_walks_the_index() {
        assert!(super::short(124, 1000));
        assert!(!super::short(125, 1000));
        assert!(!super::short(0, 0));
    }
}

//! Figures from per-day counts on SQLite: the whole days of a range are read from `bot_days`
//! and `bot_gaps` (the bot's replies), `ticket_days` (opened and closed) and `ticket_totals`
//! (the ticket counts), kept by triggers (migrations `0005_ticket_facts.sql` and
//! `0013_report_totals.sql`), the partial days at its ends from the replies and tickets
//! themselves, so a year reads a few hundred rows per kind instead of every row.
//!
//! A reply escalated when a ticket of the customer was opened within a day after it *and
//! before the end of the range*; the per-day counts know only whether such a ticket exists, so
//! the last whole day before the end is read from the replies too.

use std::collections::BTreeMap;

use frontdesk_core::report::{DAY_MS, Gap, ReportRange};
use frontdesk_core::*;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::count;
use crate::{Sql, SqlStore, sql};

/// A half-open span `[from, to)`: of day numbers, or of Unix milliseconds.
type Span = (i64, i64);

/// The days read from the counts (`[first, end)`, by day number), and the time ranges read
/// from the replies.
fn split(range: &ReportRange) -> (Option<Span>, Vec<Span>) {
    let (since, until) = (range.since_ms(), range.until_ms());
    // Days are counted from 1970 (`at / 86400000`): earlier times are read from the replies.
    let from = since.max(0);
    let first = from.div_euclid(DAY_MS) + i64::from(from.rem_euclid(DAY_MS) != 0);
    // A reply of day d escalates only through a ticket before (d + 2) days: whole days end a
    // day before `until`.
    let end = until.div_euclid(DAY_MS) - 1;
    if first >= end {
        return (None, vec![(since, until)]);
    }
    let edges = [(since, first * DAY_MS), (end * DAY_MS, until)];
    (
        Some((first, end)),
        edges.into_iter().filter(|(a, b)| a < b).collect(),
    )
}

impl SqlStore {
    async fn rows(&self, q: &str, binds: &[i64]) -> StoreResult<Vec<AnyRow>> {
        let mut query = sqlx::query(sql!("{q}"));
        for b in binds {
            query = query.bind(*b);
        }
        query.fetch_all(&mut *self.report_conn().await?).await.sql()
    }

    /// Rows `(d, outcome, fb, esc, n)` of the bot's replies in the range, for every desk.
    pub(super) async fn sqlite_bot_rows(&self, range: &ReportRange) -> StoreResult<Vec<AnyRow>> {
        let (days, edges) = split(range);
        let mut rows = Vec::new();
        if let Some((first, end)) = days {
            rows.extend(
                self.rows(
                    "SELECT day AS d, outcome, feedback AS fb, escalated AS esc, \
                       CAST(SUM(n) AS BIGINT) AS n FROM bot_days \
                     WHERE day >= $1 AND day < $2 AND n > 0 \
                     GROUP BY day, outcome, feedback, escalated",
                    &[first, end],
                )
                .await?,
            );
        }
        for (lo, hi) in edges {
            rows.extend(
                self.rows(
                    "SELECT CAST(r.at / 86400000 AS BIGINT) AS d, r.outcome AS outcome, \
                       COALESCE(r.feedback, '') AS fb, \
                       CAST(CASE WHEN r.outcome = 'escalated' OR r.next_ticket_at < $3 \
                         THEN 1 ELSE 0 END AS BIGINT) AS esc, COUNT(*) AS n \
                     FROM bot_replies r WHERE r.at >= $1 AND r.at < $2 GROUP BY 1, 2, 3, 4",
                    &[lo, hi, range.until_ms()],
                )
                .await?,
            );
        }
        Ok(rows)
    }

    /// Rows of the ticket counts of the range (the columns of [`super::queries::totals`]): one
    /// for its whole days, one per partial day at its ends.
    pub(super) async fn sqlite_totals_rows(&self, range: &ReportRange) -> StoreResult<Vec<AnyRow>> {
        let (days, edges) = split(range);
        let desk = range.desk.clone().unwrap_or_default();
        let mut conn = self.report_conn().await?;
        let mut rows = Vec::new();
        let mut spans: Vec<(String, i64, i64)> = Vec::new();
        if let Some((first, end)) = days {
            spans.push((super::queries::day_totals(), first, end));
        }
        for (lo, hi) in edges {
            spans.push((super::queries::totals(), lo, hi));
        }
        for (q, lo, hi) in spans {
            let q = sqlx::query(sql!("{q}"))
                .bind(lo)
                .bind(hi)
                .bind(desk.clone());
            rows.extend(q.fetch_all(&mut *conn).await.sql()?);
        }
        Ok(rows)
    }

    /// Rows `(d, opened, closed)` of the tickets opened and closed per day in the range.
    pub(super) async fn sqlite_day_rows(
        &self,
        range: &ReportRange,
    ) -> StoreResult<Vec<(i64, usize, usize)>> {
        let (days, edges) = split(range);
        let desk = range.desk.clone().unwrap_or_default();
        let mut out = Vec::new();
        let query = |q: String, lo: i64, hi: i64| {
            sqlx::query(sql!("{q}"))
                .bind(lo)
                .bind(hi)
                .bind(desk.clone())
        };
        let mut conn = self.report_conn().await?;
        if let Some((first, end)) = days {
            let q = query(
                "SELECT day AS d, CAST(SUM(opened) AS BIGINT) AS opened, \
                   CAST(SUM(closed) AS BIGINT) AS closed FROM ticket_days \
                 WHERE day >= $1 AND day < $2 AND ($3 = '' OR desk = $3) GROUP BY day"
                    .to_owned(),
                first,
                end,
            );
            for r in q.fetch_all(&mut *conn).await.sql()? {
                out.push((
                    r.try_get("d").sql()?,
                    count(&r, "opened")?,
                    count(&r, "closed")?,
                ));
            }
        }
        for (lo, hi) in edges {
            for r in query(super::queries::opened_days(), lo, hi)
                .fetch_all(&mut *conn)
                .await
                .sql()?
            {
                out.push((r.try_get("d").sql()?, count(&r, "n")?, 0));
            }
            for r in query(super::queries::CLOSED_DAYS.to_owned(), lo, hi)
                .fetch_all(&mut *conn)
                .await
                .sql()?
            {
                out.push((r.try_get("d").sql()?, 0, count(&r, "n")?));
            }
        }
        Ok(out.into_iter().filter(|(_, o, c)| o + c > 0).collect())
    }

    /// Per entry answered with in the range: (answers, solved, not solved).
    pub(super) async fn sqlite_entries(
        &self,
        range: &ReportRange,
    ) -> StoreResult<BTreeMap<String, [usize; 3]>> {
        let (days, edges) = split(range);
        let mut parts = Vec::new();
        if let Some((first, end)) = days {
            parts.push(
                self.rows(
                    "SELECT entry_id, CAST(SUM(n) AS BIGINT) AS n, \
                       CAST(SUM(CASE WHEN feedback = 'solved' THEN n ELSE 0 END) AS BIGINT) AS solved, \
                       CAST(SUM(CASE WHEN feedback = 'not_solved' THEN n ELSE 0 END) AS BIGINT) \
                         AS not_solved \
                     FROM bot_days WHERE day >= $1 AND day < $2 AND outcome = 'answered' \
                       AND entry_id <> '' AND n > 0 GROUP BY entry_id",
                    &[first, end],
                )
                .await?,
            );
        }
        for (lo, hi) in edges {
            parts.push(self.rows(super::queries::ENTRIES, &[lo, hi]).await?);
        }
        let mut out: BTreeMap<String, [usize; 3]> = BTreeMap::new();
        for r in parts.iter().flatten() {
            let e = out.entry(r.try_get("entry_id").sql()?).or_default();
            e[0] += count(r, "n")?;
            e[1] += count(r, "solved")?;
            e[2] += count(r, "not_solved")?;
        }
        Ok(out)
    }

    /// Per folded gap question of the range: its count and its first wording.
    pub(super) async fn sqlite_gaps(&self, range: &ReportRange) -> StoreResult<Vec<Gap>> {
        let (days, edges) = split(range);
        let mut parts = Vec::new();
        if let Some((first, end)) = days {
            parts.push(
                self.rows(
                    "SELECT question_key AS k, CAST(SUM(n) AS BIGINT) AS n, MIN(first_id) AS first \
                     FROM bot_gaps WHERE day >= $1 AND day < $2 AND n > 0 GROUP BY question_key",
                    &[first, end],
                )
                .await?,
            );
        }
        for (lo, hi) in edges {
            parts.push(self.rows(super::queries::GAP_KEYS, &[lo, hi]).await?);
        }
        let mut keys: BTreeMap<String, (usize, i64)> = BTreeMap::new();
        for r in parts.iter().flatten() {
            let first: i64 = r.try_get("first").sql()?;
            let e = keys.entry(r.try_get("k").sql()?).or_insert((0, first));
            e.0 += count(r, "n")?;
            e.1 = e.1.min(first);
        }
        let mut gaps = Vec::with_capacity(keys.len());
        let firsts: Vec<(usize, i64)> = keys.into_values().collect();
        for chunk in firsts.chunks(500) {
            let ids: Vec<String> = chunk.iter().map(|(_, id)| id.to_string()).collect();
            let texts: BTreeMap<i64, String> = self
                .rows(
                    &format!(
                        "SELECT id, question FROM bot_replies WHERE id IN ({})",
                        ids.join(", ")
                    ),
                    &[],
                )
                .await?
                .iter()
                .map(|r| Ok((r.try_get("id").sql()?, r.try_get("question").sql()?)))
                .collect::<StoreResult<_>>()?;
            for (n, id) in chunk {
                if let Some(q) = texts.get(id) {
                    gaps.push(Gap {
                        count: *n,
                        example: q.clone(),
                    });
                }
            }
        }
        Ok(gaps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(since: i64, until: i64) -> ReportRange {
        ReportRange {
            since: Some(Timestamp(since)),
            until: Some(Timestamp(until)),
            desk: None,
        }
    }

    #[test]
    fn whole_days_end_a_day_before_the_range_and_the_ends_are_read_from_the_replies() {
        let d = DAY_MS;
        // 10 days from a midnight: days 100..108 counted, the last two days from replies.
        assert_eq!(
            split(&range(100 * d, 110 * d)),
            (Some((100, 109)), vec![(109 * d, 110 * d)])
        );
        // Starting mid-day: that day's rest from the replies.
        assert_eq!(
            split(&range(100 * d + 5, 110 * d + 7)),
            (
                Some((101, 109)),
                vec![(100 * d + 5, 101 * d), (109 * d, 110 * d + 7)]
            )
        );
        // Shorter than two days: all from the replies.
        assert_eq!(split(&range(5 * d, 6 * d)), (None, vec![(5 * d, 6 * d)]));
        // Unbounded: whole days from 1970 on; the ends hold no replies.
        let (days, edges) = split(&ReportRange::default());
        assert_eq!(days.map(|d| d.0), Some(0));
        assert_eq!(edges[0], (i64::MIN, 0));
    }
}

//! The reporting role: aggregates computed in SQL (see [`queries`]), read back as a few rows.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use frontdesk_core::report::*;
use frontdesk_core::*;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{AnyQuery, Backend, Sql, SqlStore, sql};

pub(crate) mod facts;
mod queries;
mod ranks;
mod rollup;

/// `q` with the range bound as `$1` since, `$2` until and, with `desk`, `$3` the desk.
fn ranged<'q>(q: AnyQuery<'q>, range: &ReportRange, desk: bool) -> AnyQuery<'q> {
    let q = q.bind(range.since_ms()).bind(range.until_ms());
    if desk {
        q.bind(range.desk.clone().unwrap_or_default())
    } else {
        q
    }
}

fn count(r: &AnyRow, col: &str) -> StoreResult<usize> {
    let v: Option<i64> = r.try_get(col).sql()?;
    Ok(v.unwrap_or(0).max(0) as usize)
}

fn durations(r: &AnyRow) -> StoreResult<Durations> {
    Ok(Durations::from_parts(
        count(r, "cnt")?,
        r.try_get::<Option<i64>, _>("total").sql()?.unwrap_or(0),
        r.try_get("p50").sql()?,
        r.try_get("p90").sql()?,
    ))
}

/// Adds the ticket counts of a row of [`queries::totals`] (or [`queries::day_totals`]) to `t`.
fn add_totals(t: &mut TicketTotals, r: &AnyRow) -> StoreResult<()> {
    t.opened += count(r, "opened")?;
    t.closed += count(r, "closed")?;
    t.awaiting_first_response += count(r, "awaiting")?;
    t.reopened += count(r, "reopened")?;
    t.single_agent += count(r, "single")?;
    t.one_touch += count(r, "one_touch")?;
    let s = &mut t.surveys;
    s.offered += count(r, "offered")?;
    for (i, slot) in s.csat.iter_mut().enumerate() {
        *slot += count(r, &format!("csat_{}", i + 1))?;
    }
    for (i, slot) in s.nps.iter_mut().enumerate() {
        *slot += count(r, &format!("nps_{i}"))?;
    }
    for (i, slot) in s.ces.iter_mut().enumerate() {
        *slot += count(r, &format!("ces_{}", i + 1))?;
    }
    Ok(())
}

fn day_entry(days: &mut BTreeMap<i64, Day>, d: i64) -> &mut Day {
    days.entry(d).or_insert_with(|| Day {
        date: date_of_day(d),
        ..Day::default()
    })
}

impl SqlStore {
    /// Builds every ticket's report facts afresh from the timelines and transcripts (they are
    /// kept up to date by every write; this is for repairs after editing the database by
    /// hand). Runs in one transaction.
    pub async fn rebuild_report_facts(&self) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        facts::rebuild(&mut tx, None).await?;
        tx.commit().await.sql()
    }

    /// A connection for reporting queries: a reading one, so a long report never holds up
    /// the writers (on PostgreSQL with JIT off: compiling these one-off aggregates costs more
    /// than running them).
    async fn report_conn(&self) -> StoreResult<crate::Conn<'_>> {
        let mut conn = self.read().await?;
        if self.backend() == Backend::Postgres {
            sqlx::raw_sql("SET jit = off")
                .execute(&mut *conn)
                .await
                .sql()?;
        }
        Ok(conn)
    }

    async fn report_rows(
        &self,
        q: String,
        range: &ReportRange,
        desk: bool,
    ) -> StoreResult<Vec<AnyRow>> {
        let mut conn = self.report_conn().await?;
        ranged(sqlx::query(sql!("{q}")), range, desk)
            .fetch_all(&mut *conn)
            .await
            .sql()
    }
}

#[async_trait]
impl ReportStore for SqlStore {
    async fn report_totals(&self, range: &ReportRange) -> StoreResult<TicketTotals> {
        let rows = match self.backend() {
            Backend::Sqlite => self.sqlite_totals_rows(range).await?,
            Backend::Postgres => self.report_rows(queries::totals(), range, true).await?,
        };
        let mut t = TicketTotals::default();
        for r in &rows {
            add_totals(&mut t, r)?;
        }
        Ok(t)
    }

    async fn report_durations(&self, range: &ReportRange, m: Measure) -> StoreResult<Durations> {
        if self.backend() == Backend::Sqlite {
            return self.sqlite_durations(range, m).await;
        }
        let rows = self.report_rows(queries::durations(m), range, true).await?;
        match rows.first() {
            Some(r) => durations(r),
            None => Ok(Durations::default()),
        }
    }

    async fn report_histogram(
        &self,
        range: &ReportRange,
        m: Measure,
        bounds: &[i64],
    ) -> StoreResult<Vec<usize>> {
        let mut bars = vec![0; bounds.len() + 1];
        let values = match self.backend() {
            Backend::Sqlite => ranks::indexed_values(m, self.is_short(range).await?),
            Backend::Postgres => queries::values(m),
        };
        let rows = self
            .report_rows(queries::histogram(&values, bounds), range, true)
            .await?;
        if let Some(r) = rows.first() {
            for (i, b) in bars.iter_mut().enumerate() {
                *b = count(r, &format!("bar_{i}"))?;
            }
        }
        Ok(bars)
    }

    async fn report_bot(&self, range: &ReportRange) -> StoreResult<BotTotals> {
        let mut b = BotTotals::default();
        let mut days = BTreeMap::new();
        let one_desk = range.desk.as_ref().is_some_and(|d| !d.is_empty());
        let rows = if self.backend() == Backend::Sqlite && !one_desk {
            self.sqlite_bot_rows(range).await?
        } else {
            self.report_rows(queries::bot(one_desk), range, one_desk)
                .await?
        };
        for r in rows {
            let n = count(&r, "n")?;
            let outcome: String = r.try_get("outcome").sql()?;
            let fb: String = r.try_get("fb").sql()?;
            let esc = r.try_get::<i64, _>("esc").sql()? == 1;
            let answer = outcome == ReplyOutcome::Answered.as_str();
            let confirmed = answer && fb == Feedback::Solved.as_str();
            let assumed = answer && fb.is_empty() && !esc;
            b.questions += n;
            b.answered += if answer { n } else { 0 };
            b.confirmed += if confirmed { n } else { 0 };
            b.assumed += if assumed { n } else { 0 };
            b.escalated += if esc { n } else { 0 };
            let d = day_entry(&mut days, r.try_get("d").sql()?);
            d.questions += n;
            d.deflected += if confirmed || assumed { n } else { 0 };
        }
        b.days = days.into_values().collect();
        Ok(b)
    }

    async fn report_days(&self, range: &ReportRange) -> StoreResult<Vec<Day>> {
        let mut days = BTreeMap::new();
        if self.backend() == Backend::Sqlite {
            for (d, opened, closed) in self.sqlite_day_rows(range).await? {
                let day = day_entry(&mut days, d);
                day.opened += opened;
                day.closed += closed;
            }
            return Ok(days.into_values().collect());
        }
        for r in self
            .report_rows(queries::opened_days(), range, true)
            .await?
        {
            day_entry(&mut days, r.try_get("d").sql()?).opened += count(&r, "n")?;
        }
        for r in self
            .report_rows(queries::CLOSED_DAYS.into(), range, true)
            .await?
        {
            day_entry(&mut days, r.try_get("d").sql()?).closed += count(&r, "n")?;
        }
        Ok(days.into_values().collect())
    }

    async fn report_agents(&self, range: &ReportRange) -> StoreResult<Vec<AgentFigures>> {
        // On SQLite a long range is read in agent order (no sort), a short one by its range.
        let by_agent = self.backend() == Backend::Sqlite && !self.is_short(range).await?;
        let mut agents: BTreeMap<String, AgentFigures> = BTreeMap::new();
        let mut named_at: HashMap<String, i64> = HashMap::new();
        for r in self
            .report_rows(queries::agents(by_agent), range, true)
            .await?
        {
            let id: String = r.try_get("id").sql()?;
            if let Some(at) = r.try_get::<Option<i64>, _>("named_at").sql()? {
                named_at.insert(id.clone(), at);
            }
            agents.insert(
                id.clone(),
                AgentFigures {
                    id,
                    tickets: count(&r, "tickets")?,
                    replies: count(&r, "replies")?,
                    closed: count(&r, "closes")?,
                    ..AgentFigures::default()
                },
            );
        }
        // The name at each agent's latest named event; of events at the same time, the one
        // of the oldest ticket (the definition's order).
        let mut times: Vec<i64> = named_at.values().copied().collect();
        times.sort_unstable();
        times.dedup();
        if !times.is_empty() {
            let mut q = ranged(
                sqlx::query(sql!("{}", queries::agent_names(times.len()))),
                range,
                true,
            );
            for t in &times {
                q = q.bind(*t);
            }
            let rows = q.fetch_all(&mut *self.report_conn().await?).await.sql()?;
            let mut oldest: HashMap<String, i64> = HashMap::new();
            for r in rows {
                let id: String = r.try_get("id").sql()?;
                let at: i64 = r.try_get("at").sql()?;
                let tid: i64 = r.try_get("tid").sql()?;
                if named_at.get(&id) != Some(&at) || oldest.get(&id).is_some_and(|t| *t <= tid) {
                    continue;
                }
                oldest.insert(id.clone(), tid);
                if let Some(a) = agents.get_mut(&id) {
                    a.name = r.try_get("name").sql()?;
                }
            }
        }
        let first_responses = if self.backend() == Backend::Sqlite {
            self.sqlite_agent_first_responses(range).await?
        } else {
            let rows = self
                .report_rows(queries::agent_first_responses(), range, true)
                .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("a").sql()?, durations(r)?)))
                .collect::<StoreResult<_>>()?
        };
        for (id, d) in first_responses {
            if let Some(a) = agents.get_mut(&id) {
                a.first_response = d;
            }
        }
        for r in self
            .report_rows(queries::agent_csat(by_agent), range, true)
            .await?
        {
            let id: String = r.try_get("a").sql()?;
            let n = count(&r, "n")?;
            if let Some(a) = agents.get_mut(&id)
                && n > 0
            {
                let sum: i64 = r.try_get("s").sql()?;
                a.csat_mean = Some(sum as f64 / n as f64);
            }
        }
        Ok(agents.into_values().collect())
    }

    async fn report_gaps(&self, range: &ReportRange) -> StoreResult<Vec<Gap>> {
        if self.backend() == Backend::Sqlite {
            return self.sqlite_gaps(range).await;
        }
        let rows = ranged(sqlx::query(queries::GAPS), range, false)
            .fetch_all(&mut *self.report_conn().await?)
            .await
            .sql()?;
        rows.iter()
            .map(|r| {
                Ok(Gap {
                    count: count(r, "n")?,
                    example: r.try_get("question").sql()?,
                })
            })
            .collect()
    }

    async fn report_entries(&self, range: &ReportRange) -> StoreResult<Vec<EntryFeedback>> {
        if self.backend() == Backend::Sqlite {
            let entries = self.sqlite_entries(range).await?;
            return Ok(entries
                .into_iter()
                .map(|(entry, [answered, solved, not_solved])| EntryFeedback {
                    entry,
                    answered,
                    solved,
                    not_solved,
                    not_solved_rate: 0.0,
                })
                .collect());
        }
        let rows = ranged(sqlx::query(queries::ENTRIES), range, false)
            .fetch_all(&mut *self.report_conn().await?)
            .await
            .sql()?;
        rows.iter()
            .map(|r| {
                Ok(EntryFeedback {
                    entry: r.try_get("entry_id").sql()?,
                    answered: count(r, "n")?,
                    solved: count(r, "solved")?,
                    not_solved: count(r, "not_solved")?,
                    not_solved_rate: 0.0,
                })
            })
            .collect()
    }
}

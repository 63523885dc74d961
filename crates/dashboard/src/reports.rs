//! The reports page: the report of `frontdesk report` (the same figures from
//! `frontdesk_core::report::from_store` and the same HTML and SVG charts from
//! [`crate::report_html`]) for a chosen period and desk.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use frontdesk_core::Timestamp;
use frontdesk_core::report::{self, DAY_MS, ReportRange};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use crate::auth::Who;
use crate::layout::{Nav, page as layout};
use crate::router::{Shared, bad_request, store_error};

/// A period of whole UTC days and a desk, as the URL gives them (empty: the default).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Period {
    #[serde(default)]
    pub(crate) since: String,
    #[serde(default)]
    pub(crate) until: String,
    #[serde(default)]
    pub(crate) desk: String,
}

impl Period {
    /// The range: `since` to `until` inclusive (default: the 30 days up to today) and the
    /// desk; the first and last day as dates.
    pub(crate) fn range(&self, now: Timestamp) -> Result<(ReportRange, String, String), String> {
        let day = |name: &str, s: &str| {
            report::day_of_date(s.trim())
                .ok_or_else(|| format!("{name}: expected a date as YYYY-MM-DD, not {s:?}"))
        };
        let until = match self.until.trim() {
            "" => now.millis().div_euclid(DAY_MS),
            s => day("until", s)?,
        };
        let since = match self.since.trim() {
            "" => until - 29,
            s => day("since", s)?,
        };
        if since > until {
            return Err("since is after until".into());
        }
        let desk = self.desk.trim();
        Ok((
            ReportRange {
                since: Some(Timestamp(since * DAY_MS)),
                until: Some(Timestamp((until + 1) * DAY_MS)),
                desk: (!desk.is_empty()).then(|| desk.to_owned()),
            },
            report::date_of_day(since),
            report::date_of_day(until),
        ))
    }
}

/// The period form (GET), for `action`.
pub(crate) fn period_form(
    action: &str,
    since: &str,
    until: &str,
    desk: &str,
    extra: Markup,
) -> Markup {
    html! {
        form.filters method="get" action=(action) {
            label { "From" input type="date" name="since" value=(since); }
            label { "To" input type="date" name="until" value=(until); }
            label { "Desk" input name="desk" value=(desk) size="10" placeholder="all"; }
            (extra)
            button type="submit" { "Show" }
        }
    }
}

pub(crate) async fn page(
    State(app): Shared,
    Extension(who): Extension<Who>,
    Query(p): Query<Period>,
) -> Response {
    let (range, since, until) = match p.range(app.clock.now()) {
        Ok(r) => r,
        Err(e) => return bad_request(&e),
    };
    let r = match report::from_store(&*app.store, &range).await {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let desk = range.desk.clone().unwrap_or_default();
    let body = html! {
        h1 { "Report " span.note { (since) " to " (until) @if !desk.is_empty() { " · " (desk) } } }
        (period_form("/reports", &since, &until, &desk, html! {}))
        // The report's own renderer: every text in it escaped there (tested in report_html).
        div #report { (PreEscaped(crate::report_html::body(&r))) }
    };
    layout("Reports", Nav::Reports, &who, body).into_response()
}

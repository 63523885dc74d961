//! The queue: open tickets sorted by how long the customer has waited, with filters (desk,
//! platform, priority, tag, assignee, whose turn), text search over subjects and messages,
//! and pages. Filters are a GET form: the page changes nothing.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use frontdesk_core::ports::*;
use frontdesk_core::{Platform, Priority};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use crate::auth::Who;
use crate::layout::{Nav, page as layout, span};
use crate::router::{Shared, bad_request, store_error};
use crate::text::short;

/// The queue's filters as they come in the URL (empty means any).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(crate) struct Params {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    desk: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    platform: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    priority: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    tag: String,
    /// `none` (nobody) or an agent id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    assignee: String,
    /// `agent` or `customer`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    waiting: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<usize>,
}

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

impl Params {
    fn query(&self, page_size: usize) -> Result<QueueQuery, String> {
        let priority = match some(&self.priority) {
            Some(p) => Some(Priority::parse(&p).ok_or(format!("priority: unknown {p:?}"))?),
            None => None,
        };
        let waiting_for = match some(&self.waiting) {
            Some(w) => Some(WaitingFor::parse(&w).ok_or(format!("waiting: unknown {w:?}"))?),
            None => None,
        };
        let page = self.page.unwrap_or(1).max(1);
        Ok(QueueQuery {
            desk: some(&self.desk),
            platform: some(&self.platform).map(Platform),
            priority,
            tag: some(&self.tag),
            assignee: some(&self.assignee).map(|a| {
                if a == "none" {
                    AssigneeFilter::Unassigned
                } else {
                    AssigneeFilter::Agent(a)
                }
            }),
            waiting_for,
            search: some(&self.q),
            offset: (page - 1).saturating_mul(page_size),
            limit: page_size,
        })
    }

    fn link(&self, page: usize) -> String {
        let p = Params {
            page: Some(page),
            ..self.clone()
        };
        format!("/?{}", serde_urlencoded::to_string(&p).unwrap_or_default())
    }
}

pub(crate) async fn page(
    State(app): Shared,
    Extension(who): Extension<Who>,
    Query(p): Query<Params>,
) -> Response {
    let q = match p.query(app.page_size) {
        Ok(q) => q,
        Err(e) => return bad_request(&e),
    };
    let result = match app.store.queue(&q).await {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let now = app.clock.now();
    let page_no = p.page.unwrap_or(1).max(1);
    let pages = result.total.div_ceil(app.page_size).max(1);
    let body = html! {
        h1 { "Queue" span.note { " · " (result.total) " open" } }
        (filters(&p))
        div.wrap {
            table.list #queue {
                thead { tr {
                    th { "#" } th { "Customer" } th { "Platform" } th { "Subject" } th { "Age" }
                    th { "Waiting" } th { "Assignee" } th { "Priority" } th { "Tags" }
                } }
                tbody {
                    @for i in &result.items {
                        @let t = &i.ticket;
                        tr {
                            td { a href={ "/ticket/" (t.id.0) } { (t.desk) " #" (t.number) } }
                            td { (short(&t.customer_name, 40)) }
                            td { (t.customer_endpoint.platform.as_str()) }
                            td { a href={ "/ticket/" (t.id.0) } { (short(&t.subject, 90)) } }
                            td { (span(now.millis() - t.opened_at.millis())) }
                            td class={ "waiting-" (i.waiting_for.as_str()) } {
                                @match i.waiting_for {
                                    WaitingFor::Agent => { "agent, " (span(now.millis() - i.waiting_since.millis())) }
                                    WaitingFor::Customer => { "customer, " (span(now.millis() - i.waiting_since.millis())) }
                                }
                            }
                            td { @match &t.assignee { Some(a) => (short(&a.name, 40)), None => span.note { "nobody" } } }
                            td class={ "prio-" (t.priority.as_str()) } { (t.priority.as_str()) }
                            td { @for tag in &t.tags { span.pill { (short(tag, 30)) } } }
                        }
                    }
                }
            }
        }
        @if result.items.is_empty() { p.note { "No open ticket matches." } }
        div.pager {
            @if page_no > 1 { a rel="prev" href=(p.link(page_no - 1)) { "← Previous" } }
            span { "Page " (page_no) " of " (pages) }
            @if page_no < pages { a rel="next" href=(p.link(page_no + 1)) { "Next →" } }
        }
    };
    layout("Queue", Nav::Queue, &who, body).into_response()
}

fn filters(p: &Params) -> Markup {
    let choice = |name: &'static str, current: &str, options: &[(&str, &str)]| {
        html! {
            select name=(name) {
                @for (v, label) in options {
                    option value=(v) selected[*v == current] { (label) }
                }
            }
        }
    };
    html! {
        form.filters method="get" action="/" role="search" {
            label { "Search" input type="search" name="q" value=(p.q) placeholder="subject or message"; }
            label { "Desk" input name="desk" value=(p.desk) size="10"; }
            label { "Platform" (choice("platform", &p.platform, &[("", "any"), ("telegram", "Telegram"), ("discord", "Discord"), ("terminal", "terminal")])) }
            label { "Priority" (choice("priority", &p.priority, &[("", "any"), ("urgent", "urgent"), ("high", "high"), ("normal", "normal"), ("low", "low")])) }
            label { "Waiting for" (choice("waiting", &p.waiting, &[("", "anyone"), ("agent", "an agent"), ("customer", "the customer")])) }
            label { "Assignee" input name="assignee" value=(p.assignee) placeholder="agent id or none" size="14"; }
            label { "Tag" input name="tag" value=(p.tag) size="8"; }
            button type="submit" { "Filter" }
            a href="/" { "Clear" }
        }
    }
}

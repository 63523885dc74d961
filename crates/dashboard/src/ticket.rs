//! A ticket: its facts, the transcript as the customer and the agents saw it (internal notes
//! marked, attachments as links when the platform gave a web address), the timeline of
//! events, first-response and resolution times, and the survey.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use frontdesk_core::{Attachment, AuthorKind, Message, TicketId, TicketStatus};
use maud::{Markup, html};

use crate::auth::Who;
use crate::layout::{Nav, page as layout, span, when};
use crate::router::{Shared, store_error};
use crate::text::{clean, short};

pub(crate) async fn page(
    State(app): Shared,
    Extension(who): Extension<Who>,
    Path(id): Path<i64>,
) -> Response {
    let id = TicketId(id);
    let s = &app.store;
    let ticket = match s.ticket(id).await {
        Ok(Some(t)) => t,
        Ok(None) => return (StatusCode::NOT_FOUND, "No such ticket.\n").into_response(),
        Err(e) => return store_error(e),
    };
    let (messages, events, survey) =
        match tokio::try_join!(s.ticket_messages(id), s.ticket_events(id), s.survey(id)) {
            Ok(r) => r,
            Err(e) => return store_error(e),
        };
    let now = app.clock.now();
    let t = &ticket;
    let first_response = t
        .first_response_at
        .map(|f| span(f.millis() - t.opened_at.millis()));
    let resolution = match (t.status, t.closed_at) {
        (TicketStatus::Closed, Some(c)) => Some(span(c.millis() - t.opened_at.millis())),
        _ => None,
    };
    let title = format!("{} #{}", t.desk, t.number);
    let body = html! {
        h1 { (title) " · " (short(&t.subject, 120)) }
        div.cols {
            section {
                h2 { "Transcript" }
                @if messages.is_empty() { p.note { "No messages." } }
                @for m in &messages { (message(m)) }
            }
            aside {
                h2 { "Ticket" }
                dl.facts {
                    dt { "Status" } dd #status { (t.status.as_str()) }
                    dt { "Customer" } dd { (short(&t.customer_name, 60)) " · " (t.customer_endpoint.platform.as_str()) }
                    dt { "Language" } dd { (t.lang) }
                    dt { "Priority" } dd class={ "prio-" (t.priority.as_str()) } { (t.priority.as_str()) }
                    dt { "Tags" } dd { @for tag in &t.tags { span.pill { (short(tag, 30)) } } }
                    dt { "Assignee" } dd { @match &t.assignee { Some(a) => (short(&a.name, 60)), None => "nobody" } }
                    dt { "Opened" } dd { (when(t.opened_at)) " (" (span(now.millis() - t.opened_at.millis())) " ago)" }
                    dt { "First response" } dd #first-response { (first_response.as_deref().unwrap_or("none yet")) }
                    dt { "Resolution" } dd #resolution { (resolution.as_deref().unwrap_or("open")) }
                    dt { "Reopened" } dd { (t.reopen_count) " times" }
                    dt { "Bot tried" } dd { (short(&t.bot_tried, 120)) }
                }
                h2 { "Survey" }
                @match &survey {
                    None => p.note { "No survey offered." },
                    Some(sv) => dl.facts #survey {
                        dt { "Offered" } dd { (when(sv.asked_at)) }
                        dt { "Score" } dd { @match sv.score { Some(x) => { (x) " / 5" }, None => "not answered" } }
                        @if let Some(n) = sv.nps { dt { "NPS answer" } dd { (n) " / 10" } }
                        @if let Some(c) = sv.ces { dt { "Effort answer" } dd { (c) " / 7" } }
                        @if let Some(c) = &sv.comment { dt { "Comment" } dd { (clean(c)) } }
                    },
                }
                h2 { "Timeline" }
                ol #timeline {
                    @for e in &events {
                        li {
                            span.note { (when(e.at)) } " "
                            strong { (e.kind.as_str()) }
                            @if let Some(n) = &e.actor_name { " by " (short(n, 60)) }
                            @if !e.detail.is_empty() { ": " (short(&e.detail, 200)) }
                        }
                    }
                }
            }
        }
    };
    layout(&title, Nav::Other, &who, body).into_response()
}

fn message(m: &Message) -> Markup {
    let (class, label) = match m.author {
        AuthorKind::Customer => ("customer", "customer"),
        AuthorKind::Agent => ("agent", "agent"),
        AuthorKind::Note => ("internal", "internal note"),
        AuthorKind::Bot => ("bot", "bot"),
        AuthorKind::System => ("system", "system"),
    };
    html! {
        article class={ "msg " (class) } {
            div.meta {
                strong { (short(&m.author_name, 60)) } " · " (label) " · " (when(m.at))
            }
            div.body { (clean(&m.body)) }
            @if !m.attachments.is_empty() {
                ul.attachments { @for a in &m.attachments { li { (attachment(a)) } } }
            }
        }
    }
}

fn attachment(a: &Attachment) -> Markup {
    let name = a.file_name.as_deref().unwrap_or(&a.file_ref);
    let kind = format!("{:?}", a.kind).to_lowercase();
    // Only a web address becomes a link (never `javascript:` or another scheme).
    let web = a.file_ref.starts_with("https://") || a.file_ref.starts_with("http://");
    html! {
        @if web {
            a href=(a.file_ref) rel="noopener noreferrer nofollow" { (short(name, 80)) }
        } @else {
            span { (short(name, 80)) } " " span.note { "(" (a.platform.as_str()) " file " (short(&a.file_ref, 60)) ")" }
        }
        " " span.note { (kind) }
    }
}

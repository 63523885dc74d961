//! The knowledge-base page: entries per language with how often the bot answered with each
//! and the verdicts, the questions it could not answer (gaps) with the entries closest to
//! each, and the matcher's explanation of any question typed in (`frontdesk ask --explain`).

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use frontdesk_core::report::EntryFeedback;
use frontdesk_kb::decide::{Decision, decide};
use frontdesk_kb::{Kb, SearchOptions};
use maud::{Markup, html};
use serde::Deserialize;

use crate::auth::Who;
use crate::layout::{Nav, page as layout};
use crate::reports::{Period, period_form};
use crate::router::{Shared, bad_request, store_error};
use crate::text::short;

/// Most gaps listed.
const MAX_GAPS: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    #[serde(flatten)]
    period: Period,
    /// A question to explain.
    #[serde(default)]
    q: String,
    /// Its language hint.
    #[serde(default)]
    lang: String,
}

pub(crate) async fn page(
    State(app): Shared,
    Extension(who): Extension<Who>,
    Query(p): Query<Params>,
) -> Response {
    let (range, since, until) = match p.period.range(app.clock.now()) {
        Ok(r) => r,
        Err(e) => return bad_request(&e),
    };
    let (entries, gaps) = match tokio::try_join!(
        app.store.report_entries(&range),
        app.store.report_gaps(&range)
    ) {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let kb = app.kb.kb();
    let question = p.q.trim();
    let lang = Some(p.lang.trim()).filter(|l| !l.is_empty());
    let explained = (!question.is_empty()).then(|| {
        let mut d = decide(
            &kb,
            app.kb.intents(),
            question,
            app.kb.thresholds(),
            &SearchOptions {
                limit: 5,
                lang: lang.map(str::to_owned),
                explain: true,
            },
        );
        d.hits
            .truncate(5.max(d.suggested.iter().max().map_or(0, |m| m + 1)));
        d
    });
    let desk = range.desk.clone().unwrap_or_default();
    let body = html! {
        h1 { "Knowledge base " span.note { (kb.entries().len()) " entries · " (since) " to " (until) } }
        h2 #ask { "Ask" }
        form.filters method="get" action="/kb#ask" {
            label { "Question" input type="search" name="q" value=(p.q) size="40" required; }
            label { "Language" input name="lang" value=(p.lang) size="4" placeholder="any"; }
            input type="hidden" name="since" value=(since);
            input type="hidden" name="until" value=(until);
            input type="hidden" name="desk" value=(desk);
            button type="submit" { "Explain" }
        }
        @if let Some(d) = &explained { (explanation(d, app.kb.thresholds())) }
        h2 { "Gaps" }
        p.note { "Questions the bot escalated or that were marked not solved, most frequent first, with the closest entries." }
        (period_form("/kb", &since, &until, &desk, html! {}))
        (gap_table(&kb, &gaps))
        h2 { "Entries" }
        (entry_tables(&kb, &entries))
    };
    layout("Knowledge base", Nav::Kb, &who, body).into_response()
}

fn gap_table(kb: &Kb, gaps: &[frontdesk_core::report::Gap]) -> Markup {
    html! {
        div.wrap { table.list #gaps {
            thead { tr { th { "Times" } th { "Question" } th { "Closest entries" } } }
            tbody {
                @for g in gaps.iter().take(MAX_GAPS) {
                    @let hits = kb.search(&g.example, &SearchOptions { limit: 3, lang: None, explain: false });
                    tr {
                        td { (g.count) }
                        td { (short(&g.example, 160)) }
                        td { @for h in &hits { span.pill { (h.id) " (" (h.lang) ") " (format!("{:.2}", h.confidence)) } } }
                    }
                }
            }
        } }
        @if gaps.is_empty() { p.note { "No gaps in this period." } }
        @if gaps.len() > MAX_GAPS { p.note { (gaps.len() - MAX_GAPS) " more not shown." } }
    }
}

fn entry_tables(kb: &Kb, entries: &[EntryFeedback]) -> Markup {
    let by_id: HashMap<&str, &EntryFeedback> =
        entries.iter().map(|e| (e.entry.as_str(), e)).collect();
    html! {
        p.note { "Answers and verdicts count per entry id over every language, in the period above." }
        @for lang in kb.languages() {
            h3 { (lang) }
            div.wrap { table.list.entries data-lang=(lang) {
                thead { tr { th { "Entry" } th { "Phrasings" } th { "Answered" } th { "Solved" } th { "Not solved" } } }
                tbody {
                    @for e in kb.entries().iter().filter(|e| e.lang == lang) {
                        @let f = by_id.get(e.id.as_str());
                        tr {
                            td { (e.id) }
                            td { (e.questions.len()) }
                            td { (f.map_or(0, |f| f.answered)) }
                            td { (f.map_or(0, |f| f.solved)) }
                            td { (f.map_or(0, |f| f.not_solved)) }
                        }
                    }
                }
            } }
        }
    }
}

fn explanation(d: &Decision, t: &frontdesk_kb::decide::Thresholds) -> Markup {
    html! {
        section #explanation {
            p { "Decision: " strong #decision { (d.action.as_str()) }
                " (answer ≥ " (format!("{:.2}", t.answer)) ", suggest ≥ " (format!("{:.2}", t.suggest)) ")" }
            @if let Some(m) = &d.intent {
                p { "Intent " strong { (m.intent.as_str()) } ", like “" (m.phrasing) "” [" (m.lang) "], score " (format!("{:.2}", m.confidence)) }
            }
            @if !d.suggested.is_empty() {
                p { "Offered: " @for i in &d.suggested { span.pill { (d.hits[*i].id) } } }
            }
            div.wrap { table.list {
                thead { tr { th { "Entry" } th { "Confidence" } th { "Margin" } th { "Matched" } th { "Why" } } }
                tbody {
                    @for h in &d.hits {
                        @let [bm25, words, grams, nearest] = h.explanation.signals;
                        tr {
                            td { (h.id) " (" (h.lang) ")" }
                            td { (format!("{:.3}", h.confidence)) }
                            td { (format!("{:.3}", h.margin)) }
                            td { (h.phrasing) }
                            td {
                                "terms: "
                                @if h.explanation.terms.is_empty() { "–" }
                                @for (term, w) in &h.explanation.terms { span.pill { (term) " " (format!("{w:.2}")) } }
                                @if !h.explanation.corrected.is_empty() {
                                    br; "typos corrected: "
                                    @for (a, b) in &h.explanation.corrected { span.pill { (a) " → " (b) } }
                                }
                                br; span.note { (format!("score {:.3} = BM25 {bm25:.3}, word centroid {words:.3}, n-gram centroid {grams:.3}, two nearest {nearest:.3}", h.explanation.raw_score)) }
                            }
                        }
                    }
                }
            } }
            @match d.hits.iter().find(|h| h.id != d.hits[0].id) {
                Some(r) => p { "Runner-up: " (r.id) " (" (r.lang) ") at " (format!("{:.3}", r.confidence)) },
                None => p { "Runner-up: none" },
            }
        }
    }
}

//! The support report as HTML: the summary table, SVG charts drawn here (no JavaScript, no
//! network) and the per-agent, gap and entry tables. One copy for the `frontdesk report
//! --format html` file ([`document`]) and the dashboard's reports page ([`body`]).

use std::fmt::Write as _;

use frontdesk_core::report::{Durations, Report};

use crate::text::clean;

/// A duration in seconds as `1 h 05 min`, `12 min 30 s`, `45 s` (`–` for none).
pub fn dur(s: Option<f64>) -> String {
    let Some(s) = s else { return "–".into() };
    let s = s.round() as i64;
    match s {
        s if s >= 3600 => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{} min {:02} s", s / 60, s % 60),
        s => format!("{s} s"),
    }
}

/// A percentage with one decimal (`–` for none).
pub fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |x| format!("{x:.1}%"))
}

/// A number with two decimals (`–` for none).
pub fn num(v: Option<f64>) -> String {
    v.map_or("–".into(), |x| format!("{x:.2}"))
}

fn durations(d: &Durations) -> String {
    format!(
        "median {}, p90 {} ({} tickets)",
        dur(d.median_s),
        dur(d.p90_s),
        d.count
    )
}

/// The figures as lines of (label, value).
pub fn summary(r: &Report) -> Vec<(&'static str, String)> {
    vec![
        ("Tickets opened", r.tickets_opened.to_string()),
        ("Tickets closed (of those)", r.tickets_closed.to_string()),
        (
            "Awaiting a first response",
            r.awaiting_first_response.to_string(),
        ),
        ("First response", durations(&r.first_response)),
        (
            "First response (business hours)",
            if r.first_response_business.count > 0 {
                durations(&r.first_response_business)
            } else {
                "– (no support hours configured)".to_owned()
            },
        ),
        ("Resolution", durations(&r.resolution)),
        (
            "Handling time (agent work, est.)",
            format!(
                "mean {}, median {} ({} tickets)",
                dur(r.handling.mean_s),
                dur(r.handling.median_s),
                r.handling.count
            ),
        ),
        (
            "Agent span (wall clock)",
            format!(
                "mean {} ({} tickets)",
                dur(r.agent_span.mean_s),
                r.agent_span.count
            ),
        ),
        ("One-touch resolution", pct(r.one_touch_resolution)),
        ("Single-agent resolution", pct(r.single_agent_resolution)),
        ("Reopened tickets", r.reopened.to_string()),
        (
            "CSAT",
            format!(
                "{} satisfied (4–5), mean {} / 5, {} of {} surveys answered ({})",
                pct(r.csat.satisfied),
                num(r.csat.mean),
                r.csat.answered,
                r.csat.offered,
                pct(r.csat.response_rate)
            ),
        ),
        (
            "Questions to the bot",
            format!("{} ({} answered from the KB)", r.questions, r.answered),
        ),
        (
            "NPS",
            format!(
                "{} ({} promoters, {} passives, {} detractors)",
                r.nps.score.map_or("–".into(), |x| format!("{x:+.1}")),
                r.nps.promoters,
                r.nps.passives,
                r.nps.detractors
            ),
        ),
        (
            "CES",
            format!(
                "mean {} / 7, {} easy (5–7), {} answers",
                num(r.ces.mean),
                pct(r.ces.easy),
                r.ces.answered
            ),
        ),
        (
            "Bot resolution",
            format!(
                "{} ({} confirmed \"solved\", {} assumed)",
                pct(r.deflection_rate),
                pct(r.bot_confirmed_rate),
                pct(r.bot_assumed_rate)
            ),
        ),
        ("Escalation rate", pct(r.escalation_rate)),
    ]
}

/// `s` on one line, at most 100 characters.
pub fn one_line(s: &str) -> String {
    let t: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 100 {
        t.chars().take(99).collect::<String>() + "…"
    } else {
        t
    }
}

/// Escapes text for HTML and SVG (control characters, invalid in XML, neutralised too).
fn esc(s: &str) -> String {
    clean(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const W: f64 = 640.0;
const H: f64 = 260.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 56.0;
const TOP: f64 = 16.0;

fn axes(o: &mut String, max: f64, unit: &str) {
    let plot_h = H - TOP - BOTTOM;
    for i in 0..=4 {
        let v = max * i as f64 / 4.0;
        let y = TOP + plot_h - plot_h * i as f64 / 4.0;
        let _ = write!(
            o,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{}" y="{:.1}" text-anchor="end" font-size="11" fill="#555">{}{unit}</text>"##,
            W - 8.0,
            LEFT - 6.0,
            y + 4.0,
            if max >= 10.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        );
    }
}

/// A bar chart: one group per label, one bar per series.
fn bar_chart(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[(&str, &str, Vec<f64>)],
) -> String {
    let mut o = String::new();
    // Counts: an axis of four whole-number steps.
    let top = series
        .iter()
        .flat_map(|s| s.2.iter().copied())
        .fold(0.0, f64::max);
    let max = (top / 4.0).ceil().max(1.0) * 4.0;
    chart_start(&mut o, id, title);
    axes(&mut o, max, "");
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let n = labels.len().max(1) as f64;
    let group = plot_w / n;
    let bar = (group * 0.8 / series.len().max(1) as f64).max(1.0);
    let every = (labels.len() / 14).max(1);
    for (i, l) in labels.iter().enumerate() {
        let x0 = LEFT + group * i as f64 + group * 0.1;
        for (k, (name, color, vals)) in series.iter().enumerate() {
            let v = vals.get(i).copied().unwrap_or(0.0);
            let h = plot_h * v / max;
            let _ = write!(
                o,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{}: {} {v}</title></rect>"#,
                x0 + bar * k as f64,
                TOP + plot_h - h,
                bar,
                h,
                esc(l),
                esc(name)
            );
        }
        if i % every == 0 {
            x_label(&mut o, x0 + group * 0.4, l);
        }
    }
    legend(&mut o, series.iter().map(|s| (s.0, s.1)));
    o.push_str("</svg></figure>\n");
    o
}

/// Opens a chart: its caption and the SVG element.
fn chart_start(o: &mut String, id: &str, title: &str) {
    let _ = write!(
        o,
        r#"<figure><figcaption>{}</figcaption><svg id="{id}" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}">"#,
        esc(title),
        esc(title)
    );
}

/// A label under the x axis at `x`, slanted so dates do not overlap.
fn x_label(o: &mut String, x: f64, label: &str) {
    let y = H - BOTTOM + 16.0;
    let _ = write!(
        o,
        r##"<text x="{x:.1}" y="{y:.1}" font-size="11" fill="#333" text-anchor="end" transform="rotate(-35 {x:.1} {y:.1})">{}</text>"##,
        esc(label)
    );
}

fn legend<'a>(o: &mut String, items: impl Iterator<Item = (&'a str, &'a str)>) {
    let mut x = LEFT;
    for (name, color) in items {
        let _ = write!(
            o,
            r##"<rect x="{x:.1}" y="{:.1}" width="10" height="10" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#333">{}</text>"##,
            H - 12.0,
            x + 14.0,
            H - 3.0,
            esc(name)
        );
        x += 24.0 + 7.0 * name.chars().count() as f64;
    }
}

/// A line chart of percentages over days (gaps where a day has no value).
fn line_chart(id: &str, title: &str, labels: &[String], values: &[Option<f64>]) -> String {
    let mut o = String::new();
    chart_start(&mut o, id, title);
    axes(&mut o, 100.0, "%");
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let n = labels.len().max(1) as f64;
    let step = plot_w / n;
    let mut path = String::new();
    let mut pen_up = true;
    let every = (labels.len() / 14).max(1);
    for (i, (l, v)) in labels.iter().zip(values).enumerate() {
        let x = LEFT + step * (i as f64 + 0.5);
        match v {
            Some(v) => {
                let y = TOP + plot_h - plot_h * v / 100.0;
                let _ = write!(path, "{}{x:.1},{y:.1} ", if pen_up { "M" } else { "L" });
                pen_up = false;
                let _ = write!(
                    o,
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="#2a7ab0"><title>{}: {v:.1}%</title></circle>"##,
                    esc(l)
                );
            }
            None => pen_up = true,
        }
        if i % every == 0 {
            x_label(&mut o, x, l);
        }
    }
    if !path.is_empty() {
        let _ = write!(
            o,
            r##"<path d="{}" fill="none" stroke="#2a7ab0" stroke-width="2"/>"##,
            path.trim_end()
        );
    }
    legend(&mut o, [("bot deflection rate", "#2a7ab0")].into_iter());
    o.push_str("</svg></figure>\n");
    o
}

/// The report as one self-contained HTML file titled `title`.
pub fn document(title: &str, r: &Report) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{t}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1360px; color: #222; padding: 0 16px; }}
h1 {{ font-size: 22px; }} h2 {{ font-size: 17px; margin-top: 28px; }}
{STYLE}</style></head><body>
<h1>{t}</h1>
"#,
        t = esc(title)
    );
    o.push_str(&body(r));
    o.push_str("</body></html>\n");
    o
}

/// The style of the report's tables and charts (also in the dashboard's style sheet).
pub const STYLE: &str = "table.report { border-collapse: collapse; margin: 8px 0; }
table.report td, table.report th { border-bottom: 1px solid #ddd; padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(640px, 100%), 1fr)); gap: 12px; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; background: #fafafa; border: 1px solid #eee; }
.note { color: #666; font-size: 12px; }
";

/// The report's figures, charts and tables as an HTML fragment (every text escaped).
pub fn body(r: &Report) -> String {
    let mut o = String::from("<table class=\"report\">");
    for (k, v) in summary(r) {
        let _ = write!(o, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v));
    }
    o.push_str("</table>\n<h2>Charts</h2>\n<div class=\"charts\">\n");
    let days: Vec<String> = r.days.iter().map(|d| d.date.clone()).collect();
    o.push_str(&bar_chart(
        "tickets-per-day",
        "Tickets per day",
        &days,
        &[
            (
                "opened",
                "#2a7ab0",
                r.days.iter().map(|d| d.opened as f64).collect(),
            ),
            (
                "closed",
                "#7bb661",
                r.days.iter().map(|d| d.closed as f64).collect(),
            ),
        ],
    ));
    let frt_labels: Vec<String> = r
        .first_response_histogram
        .iter()
        .map(|b| b.label.clone())
        .collect();
    o.push_str(&bar_chart(
        "first-response",
        "First-response time",
        &frt_labels,
        &[(
            "tickets",
            "#e39b32",
            r.first_response_histogram
                .iter()
                .map(|b| b.count as f64)
                .collect(),
        )],
    ));
    o.push_str(&bar_chart(
        "csat",
        "Satisfaction scores",
        &["1", "2", "3", "4", "5"].map(String::from),
        &[(
            "answers",
            "#8e6cc0",
            r.csat.distribution.iter().map(|c| *c as f64).collect(),
        )],
    ));
    if r.nps.answered > 0 {
        o.push_str(&bar_chart(
            "nps",
            "Net Promoter answers (0–10)",
            &(0..=10).map(|i| i.to_string()).collect::<Vec<_>>(),
            &[(
                "answers",
                "#3f9c8f",
                r.nps.distribution.iter().map(|c| *c as f64).collect(),
            )],
        ));
    }
    if r.ces.answered > 0 {
        o.push_str(&bar_chart(
            "ces",
            "Customer effort answers (1 hard – 7 easy)",
            &(1..=7).map(|i| i.to_string()).collect::<Vec<_>>(),
            &[(
                "answers",
                "#c0616c",
                r.ces.distribution.iter().map(|c| *c as f64).collect(),
            )],
        ));
    }
    o.push_str(&line_chart(
        "deflection",
        "Bot deflection over time",
        &days,
        &r.days
            .iter()
            .map(|d| (d.questions > 0).then(|| 100.0 * d.deflected as f64 / d.questions as f64))
            .collect::<Vec<_>>(),
    ));
    o.push_str("</div>\n<h2>Per agent</h2>\n<table class=\"report\"><tr><th>Agent</th><th>Tickets</th><th>Replies</th><th>Closed</th><th>First response (median)</th><th>CSAT</th></tr>");
    for a in &r.agents {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.name),
            a.tickets,
            a.replies,
            a.closed,
            esc(&dur(a.first_response.median_s)),
            esc(&num(a.csat_mean))
        );
    }
    o.push_str("</table>\n<h2>Knowledge-base gaps</h2>\n<p class=\"note\">The most frequent questions that escalated or were marked not solved: candidates for new entries.</p><table class=\"report\"><tr><th>Times</th><th>Question</th></tr>");
    for g in &r.gaps {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td></tr>",
            g.count,
            esc(&one_line(&g.example))
        );
    }
    o.push_str("</table>\n<h2>Entries with the worst feedback</h2>\n<table class=\"report\"><tr><th>Entry</th><th>Not solved</th><th>Solved</th><th>Answers</th></tr>");
    for e in &r.worst_entries {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{} ({:.0}%)</td><td>{}</td><td>{}</td></tr>",
            esc(&e.entry),
            e.not_solved,
            e.not_solved_rate,
            e.solved,
            e.answered
        );
    }
    o.push_str("</table>\n<p class=\"note\">Definitions of every figure: README.md, “Support metrics”.</p>\n");
    o
}

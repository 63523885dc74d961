//! `frontdesk report`: the support figures over a period as text, JSON, or one self-contained
//! HTML file whose charts are SVG drawn here (no JavaScript, no network).

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use frontdesk_core::report::{self, DAY_MS, Durations, Report, ReportRange};
use frontdesk_core::{Clock, SystemClock, Timestamp};

use crate::config::Config;

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// First day (UTC, `YYYY-MM-DD`), inclusive. Default: 30 days before `--until`.
    #[arg(long)]
    since: Option<String>,
    /// Last day (UTC, `YYYY-MM-DD`), inclusive. Default: today.
    #[arg(long)]
    until: Option<String>,
    /// Only this desk's tickets.
    #[arg(long)]
    desk: Option<String>,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json", "html"])]
    format: String,
    /// Write to this file (default: standard output; `frontdesk-report.html` for HTML).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn day_arg(name: &str, s: &str) -> Result<i64> {
    report::day_of_date(s).with_context(|| format!("--{name} {s:?}: expected a date as YYYY-MM-DD"))
}

pub(crate) async fn report(cfg: &Config, args: ReportArgs) -> Result<()> {
    let today = SystemClock.now().millis().div_euclid(DAY_MS);
    let until = match &args.until {
        Some(s) => day_arg("until", s)?,
        None => today,
    };
    let since = match &args.since {
        Some(s) => day_arg("since", s)?,
        None => until - 29,
    };
    if since > until {
        bail!("--since is after --until");
    }
    let range = ReportRange {
        since: Some(Timestamp(since * DAY_MS)),
        until: Some(Timestamp((until + 1) * DAY_MS)),
        desk: args.desk.clone(),
    };
    let store = crate::open_store(cfg).await?;
    // Aggregated in the database: memory and time follow the range, not the history.
    let r = report::from_store(&*store, &range)
        .await
        .context("reading the history")?;
    let title = format!(
        "Frontdesk support report{}: {} to {}",
        args.desk
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default(),
        report::date_of_day(since),
        report::date_of_day(until)
    );
    let (out, default_file) = match args.format.as_str() {
        "json" => (serde_json::to_string_pretty(&r)? + "\n", None),
        "html" => (html(&title, &r), Some("frontdesk-report.html")),
        _ => (text(&title, &r), None),
    };
    match args.output.or(default_file.map(PathBuf::from)) {
        Some(p) => {
            std::fs::write(&p, out).with_context(|| format!("writing {}", p.display()))?;
            eprintln!("report written to {}", p.display());
        }
        None => print!("{out}"),
    }
    Ok(())
}

/// `1 h 05 min`, `12 min 30 s`, `45 s`.
fn dur(s: Option<f64>) -> String {
    let Some(s) = s else { return "–".into() };
    let s = s.round() as i64;
    match s {
        s if s >= 3600 => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{} min {:02} s", s / 60, s % 60),
        s => format!("{s} s"),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |x| format!("{x:.1}%"))
}

fn num(v: Option<f64>) -> String {
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
fn summary(r: &Report) -> Vec<(&'static str, String)> {
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

fn text(title: &str, r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{title}\n");
    for (k, v) in summary(r) {
        let _ = writeln!(o, "{k:<34} {v}");
    }
    let _ = writeln!(o, "\nCSAT scores 1–5: {:?}", r.csat.distribution);
    if r.nps.answered > 0 {
        let _ = writeln!(o, "NPS answers 0–10: {:?}", r.nps.distribution);
    }
    if r.ces.answered > 0 {
        let _ = writeln!(o, "CES answers 1–7: {:?}", r.ces.distribution);
    }
    let _ = writeln!(
        o,
        "\nPer day (UTC)      opened  closed  questions  deflected"
    );
    for d in &r.days {
        let _ = writeln!(
            o,
            "{:<18} {:>6}  {:>6}  {:>9}  {:>9}",
            d.date, d.opened, d.closed, d.questions, d.deflected
        );
    }
    let _ = writeln!(o, "\nPer agent");
    if r.agents.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for a in &r.agents {
        let _ = writeln!(
            o,
            "  {} ({}): {} tickets, {} replies, {} closed, first response median {}, CSAT {}",
            a.name,
            a.id,
            a.tickets,
            a.replies,
            a.closed,
            dur(a.first_response.median_s),
            num(a.csat_mean)
        );
    }
    let _ = writeln!(
        o,
        "\nKnowledge-base gaps (questions escalated or not solved)"
    );
    if r.gaps.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for g in &r.gaps {
        let _ = writeln!(o, "  {:>4} × {}", g.count, one_line(&g.example));
    }
    let _ = writeln!(o, "\nEntries with the worst feedback");
    if r.worst_entries.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for e in &r.worst_entries {
        let _ = writeln!(
            o,
            "  {}: {:.0}% not solved ({} not solved, {} solved, {} answers)",
            e.entry, e.not_solved_rate, e.not_solved, e.solved, e.answered
        );
    }
    // Agent names and customers' questions are in it: nothing may act on the terminal.
    crate::terminal::clean(&o)
}

fn one_line(s: &str) -> String {
    let t: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 100 {
        t.chars().take(99).collect::<String>() + "…"
    } else {
        t
    }
}

/// Escapes text for HTML and SVG (control characters, invalid in XML, neutralised too).
fn esc(s: &str) -> String {
    crate::terminal::clean(s)
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

fn html(title: &str, r: &Report) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{t}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1360px; color: #222; padding: 0 16px; }}
h1 {{ font-size: 22px; }} h2 {{ font-size: 17px; margin-top: 28px; }}
table {{ border-collapse: collapse; margin: 8px 0; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(640px, 1fr)); gap: 12px; }}
figure {{ margin: 0; }} figcaption {{ font-weight: 600; margin-bottom: 4px; }}
svg.chart {{ max-width: 100%; height: auto; background: #fafafa; border: 1px solid #eee; }}
.note {{ color: #666; font-size: 12px; }}
</style></head><body>
<h1>{t}</h1>
<table>"#,
        t = esc(title)
    );
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
    o.push_str("</div>\n<h2>Per agent</h2>\n<table><tr><th>Agent</th><th>Tickets</th><th>Replies</th><th>Closed</th><th>First response (median)</th><th>CSAT</th></tr>");
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
    o.push_str("</table>\n<h2>Knowledge-base gaps</h2>\n<p class=\"note\">The most frequent questions that escalated or were marked not solved: candidates for new entries.</p><table><tr><th>Times</th><th>Question</th></tr>");
    for g in &r.gaps {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td></tr>",
            g.count,
            esc(&one_line(&g.example))
        );
    }
    o.push_str("</table>\n<h2>Entries with the worst feedback</h2>\n<table><tr><th>Entry</th><th>Not solved</th><th>Solved</th><th>Answers</th></tr>");
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
    o.push_str("</table>\n<p class=\"note\">Definitions of every figure: README.md, “Support metrics”.</p>\n</body></html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_core::report::{Bucket, Day};

    #[test]
    fn durations_read_naturally() {
        assert_eq!(dur(Some(45.0)), "45 s");
        assert_eq!(dur(Some(750.0)), "12 min 30 s");
        assert_eq!(dur(Some(3900.0)), "1 h 05 min");
        assert_eq!(dur(None), "–");
    }

    #[test]
    fn the_text_report_shows_escape_sequences_from_customers_and_agents_without_running_them() {
        let r = Report {
            gaps: vec![frontdesk_core::report::Gap {
                count: 2,
                example: "clear\x1b[2J and retitle \x1b]0;pwned\x07 me".into(),
            }],
            agents: vec![frontdesk_core::report::AgentFigures {
                name: "Eve\x1b[31m".into(),
                id: "eve\u{9b}1m".into(),
                ..Default::default()
            }],
            ..Report::default()
        };
        let t = text("title", &r);
        assert!(
            !t.chars().any(|c| c.is_control() && c != '\n'),
            "a control character reaches the terminal:\n{t:?}"
        );
        assert!(t.contains("clear␛[2J and retitle ␛]0;pwned␇ me"), "{t}");
        assert!(t.contains("Eve␛[31m"), "{t}");
        let h = html("t", &r);
        assert!(!h.chars().any(|c| c.is_control() && c != '\n'), "{h:?}");
    }

    #[test]
    fn the_new_figures_are_in_every_format() {
        let r = Report {
            one_touch_resolution: Some(40.0),
            single_agent_resolution: Some(75.0),
            bot_confirmed_rate: Some(12.5),
            bot_assumed_rate: Some(20.0),
            deflection_rate: Some(32.5),
            nps: frontdesk_core::report::Nps {
                answered: 4,
                promoters: 2,
                passives: 1,
                detractors: 1,
                score: Some(25.0),
                distribution: [0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1],
            },
            ces: frontdesk_core::report::Ces {
                answered: 2,
                mean: Some(5.5),
                easy: Some(50.0),
                distribution: [0, 0, 0, 1, 0, 0, 1],
            },
            ..Report::default()
        };
        let t = text("t", &r);
        for want in [
            "One-touch resolution               40.0%",
            "Single-agent resolution            75.0%",
            "+25.0 (2 promoters, 1 passives, 1 detractors)",
            "mean 5.50 / 7, 50.0% easy (5–7), 2 answers",
            "32.5% (12.5% confirmed \"solved\", 20.0% assumed)",
        ] {
            assert!(t.contains(want), "{want:?} in\n{t}");
        }
        let h = html("t", &r);
        assert!(h.contains("id=\"nps\"") && h.contains("id=\"ces\""));
        assert!(h.contains("One-touch resolution"));
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["one_touch_resolution"], 40.0);
        assert_eq!(j["nps"]["score"], 25.0);
        assert_eq!(j["ces"]["easy"], 50.0);
        assert_eq!(j["bot_confirmed_rate"], 12.5);
        assert!(j["handling"].is_object() && j["agent_span"].is_object());
    }

    #[test]
    fn html_is_self_contained_and_escapes_what_customers_wrote() {
        let r = Report {
            days: vec![Day {
                date: "2026-03-02".into(),
                opened: 2,
                closed: 1,
                questions: 4,
                deflected: 1,
            }],
            first_response_histogram: vec![Bucket {
                label: "< 5 min".into(),
                count: 3,
            }],
            gaps: vec![frontdesk_core::report::Gap {
                count: 2,
                example: "<script>alert(1)</script> & more".into(),
            }],
            ..Report::default()
        };
        let h = html("t", &r);
        assert!(!h.contains("<script"), "customer text must be escaped");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
        for external in ["src=", "<link", "<script", "@import", "url("] {
            assert!(!h.contains(external), "no external resources: {external}");
        }
        for id in ["tickets-per-day", "first-response", "csat", "deflection"] {
            assert!(h.contains(&format!("id=\"{id}\"")), "{id}");
        }
        // No NPS or CES answers: no empty charts for them.
        assert!(!h.contains("id=\"nps\"") && !h.contains("id=\"ces\""));
        // The deflection point of the one day: 25%.
        assert!(h.contains("2026-03-02: 25.0%"));
    }
}

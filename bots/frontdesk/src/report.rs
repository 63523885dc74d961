//! `frontdesk report`: the support figures over a period as text, JSON, or one self-contained
//! HTML file whose charts are SVG (no JavaScript, no network), drawn by
//! [`frontdesk_dashboard::report_html`], the same code as the dashboard's reports page.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use frontdesk_core::report::{self, DAY_MS, Report, ReportRange};
use frontdesk_core::{Clock, SystemClock, Timestamp};
use frontdesk_dashboard::report_html::{document, dur, num, one_line, summary};

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
        "html" => (document(&title, &r), Some("frontdesk-report.html")),
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

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_core::report::{Bucket, Day};
    use frontdesk_dashboard::report_html::document as html;

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

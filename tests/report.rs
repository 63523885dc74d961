//! End to end: a ticket through `frontdesk chat`, then `frontdesk report` in every format from
//! the same database; the HTML report is rendered by headless Chromium (skipped with a message
//! when no Chromium is installed) and every chart must be laid out visibly.

use std::path::Path;

use frontdesk_tests::{chromium, chromium_dom, frontdesk, run_with_input, stderr, stdout};

/// One ticket through the terminal chat: answered, escalated, replied, closed, rated 4.
fn seed(dir: &Path) {
    let script = "\
Where is my order?
1
I want to talk to a person
@agent /claim
@agent Hello, I'm checking your order now.
@agent /close
4
/quit
";
    let mut cmd = frontdesk(dir);
    cmd.arg("chat").arg("--name").arg("Ruta <b>&</b>");
    let out = run_with_input(cmd, script);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
}

#[test]
fn report_in_text_json_and_html() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());

    let mut cmd = frontdesk(dir.path());
    cmd.args(["report", "--format", "json"]);
    let out = run_with_input(cmd, "");
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert_eq!(r["tickets_opened"], 1);
    assert_eq!(r["tickets_closed"], 1);
    assert_eq!(r["first_response"]["count"], 1);
    assert_eq!(
        r["csat"]["distribution"],
        serde_json::json!([0, 0, 0, 1, 0])
    );
    assert_eq!(r["csat"]["mean"], 4.0);
    // Renamed from first_contact_resolution (issue 13); one agent, one reply: one touch too.
    assert_eq!(r["single_agent_resolution"], 100.0);
    assert_eq!(r["one_touch_resolution"], 100.0);
    assert_eq!(r["handling"]["count"], 1);
    assert_eq!(r["nps"]["answered"], 0);
    // One question answered and marked solved; the handoff phrase opened the ticket.
    assert_eq!(r["answered"], 1);
    assert_eq!(r["agents"][0]["replies"], 1);
    assert_eq!(r["days"].as_array().map(Vec::len), Some(1));

    let mut cmd = frontdesk(dir.path());
    cmd.args(["report"]);
    let out = run_with_input(cmd, "");
    let text = stdout(&out);
    assert!(text.contains("Tickets opened"), "{text}");
    assert!(text.contains("mean 4.00 / 5"), "{text}");

    let mut cmd = frontdesk(dir.path());
    cmd.args(["report", "--format", "html", "--output", "r.html"]);
    let out = run_with_input(cmd, "");
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("<svg ").count(),
        4,
        "four charts (no NPS or CES answers: no charts for them)"
    );
    assert!(!html.contains("<script"), "no JavaScript in the report");

    let mut cmd = frontdesk(dir.path());
    cmd.args(["report", "--since", "2026-02-30"]);
    let out = run_with_input(cmd, "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("YYYY-MM-DD"), "{}", stderr(&out));

    chromium_renders_every_chart(&dir.path().join("r.html"));
}

/// Loads the report in headless Chromium with a probe script appended (to a copy: the report
/// itself has none) that writes each chart's laid-out size into the page title.
fn chromium_renders_every_chart(report: &Path) {
    let Some(chromium) = chromium() else {
        return;
    };
    let probe = report.with_file_name("probe.html");
    let html = std::fs::read_to_string(report).unwrap().replace(
        "</body>",
        "<script>document.title = JSON.stringify([...document.querySelectorAll('svg.chart')]\
         .map(s => { const r = s.getBoundingClientRect(); const c = getComputedStyle(s); \
         return [s.id, Math.round(r.width), Math.round(r.height), c.visibility, c.display, \
         s.querySelectorAll('rect,path,circle').length]; }));</script></body>",
    );
    std::fs::write(&probe, html).unwrap();
    let dom = chromium_dom(chromium, &probe, &["--window-size=1400,1000"]);
    let start = dom.find("<title>").expect("a title") + 7;
    let end = dom[start..].find("</title>").expect("title end") + start;
    let title = dom[start..end].replace("&quot;", "\"");
    let charts: Vec<(String, i64, i64, String, String, usize)> =
        serde_json::from_str(&title).unwrap_or_else(|e| panic!("{e}: {title}"));
    assert_eq!(charts.len(), 4, "{title}");
    for (id, w, h, visibility, display, shapes) in charts {
        assert!(w >= 300 && h >= 100, "{id} is {w}×{h}");
        assert_eq!(visibility, "visible", "{id}");
        assert_ne!(display, "none", "{id}");
        assert!(shapes > 0, "{id} draws nothing");
    }
}

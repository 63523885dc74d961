//! End to end: transcripts as files in the terminal chat (`/transcript file`,
//! `transcript.on_close`), `frontdesk tickets N --export txt|html|json [--out PATH]`, and the
//! HTML page in headless Chromium (customer text stays text; no script runs).

use std::path::Path;

use frontdesk_tests::{chromium, chromium_dom, frontdesk, run_with_input, stderr, stdout};

const SCRIPT: &str = "\
/human
My order <script>alert(1)</script> is late
@agent /claim
@agent On it, sorry!
@agent /note check the warehouse
@agent /transcript file
@agent /close
/quit
";

#[test]
fn transcript_files_in_the_chat_and_exported_by_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = frontdesk(dir.path());
    cmd.arg("chat").arg("--name").arg("Ruta");
    let out = run_with_input(cmd, SCRIPT);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.contains("📎 Transcript of #1 ("), "{text}");
    assert!(text.contains("📎 ticket-support-1.txt ("), "{text}");
    assert!(text.contains("📎 ticket-support-1.html ("), "{text}");
    // Off by default: the close posted no second copy.
    assert_eq!(text.matches("ticket-support-1.txt").count(), 1, "{text}");

    // txt to stdout.
    let mut cmd = frontdesk(dir.path());
    cmd.args(["tickets", "1", "--export", "txt"]);
    let out = run_with_input(cmd, "");
    let txt = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(txt.starts_with("Transcript of ticket #1 · "), "{txt}");
    assert!(txt.contains("Status: closed"), "{txt}");
    assert!(
        txt.contains("Ruta:\n    My order <script>alert(1)</script> is late"),
        "{txt}"
    );
    assert!(txt.contains("Agent (agent):\n    On it, sorry!"), "{txt}");
    assert!(
        txt.contains("Agent (internal note):\n    check the warehouse"),
        "{txt}"
    );

    // html to a file.
    let page = dir.path().join("t.html");
    let mut cmd = frontdesk(dir.path());
    cmd.args(["tickets", "1", "--export", "html", "--out"])
        .arg(&page);
    let out = run_with_input(cmd, "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("My order &lt;script&gt;alert(1)&lt;/script&gt; is late"));
    assert!(!html.contains("<script"));
    assert!(html.contains("<span class=\"badge\">internal</span>"));
    chromium_shows_text_and_runs_no_script(&page);

    // json.
    let mut cmd = frontdesk(dir.path());
    cmd.args(["tickets", "1", "--export", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&run_with_input(cmd, ""))).unwrap();
    assert_eq!(v["ticket"]["number"], 1);
    assert_eq!(v["ticket"]["status"], "closed");
    let notes: Vec<&serde_json::Value> = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["internal"] == true)
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["body"], "check the warehouse");

    // Bad use is refused with the reason.
    let mut cmd = frontdesk(dir.path());
    cmd.args(["tickets", "1", "--export", "pdf"]);
    let out = run_with_input(cmd, "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unknown transcript format"),
        "{}",
        stderr(&out)
    );
    let mut cmd = frontdesk(dir.path());
    cmd.args(["tickets", "--export", "txt"]);
    assert!(!run_with_input(cmd, "").status.success());
    let mut cmd = frontdesk(dir.path());
    cmd.args(["tickets", "9", "--export", "txt"]);
    let out = run_with_input(cmd, "");
    assert!(stderr(&out).contains("no ticket #9"), "{}", stderr(&out));
}

#[test]
fn on_close_posts_the_files_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = frontdesk(dir.path());
    cmd.arg("chat").env("FRONTDESK_TRANSCRIPT_ON_CLOSE", "true");
    let out = run_with_input(cmd, "/human\n@agent Hello\n@agent /close\n/quit\n");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    let closed = text.find("closed ticket #1").expect("closed");
    let files = text
        .find("📎 ticket-support-1.html (")
        .expect("files on close");
    assert!(closed < files, "{text}");
}

/// Loads the page in headless Chromium with a probe script appended (to a copy) that would
/// write into the title: the page's Content-Security-Policy must block it, and the customer's
/// `<script>` must be text in the DOM.
fn chromium_shows_text_and_runs_no_script(page: &Path) {
    let Some(chromium) = chromium() else {
        return;
    };
    let probe = page.with_file_name("probe.html");
    let html = std::fs::read_to_string(page).unwrap().replace(
        "</body>",
        "<script>document.title = 'SCRIPT RAN';</script></body>",
    );
    std::fs::write(&probe, html).unwrap();
    let dom = chromium_dom(chromium, &probe, &[]);
    assert!(dom.contains("<title>Transcript of ticket #1 · "), "{dom}");
    assert!(
        !dom.contains("<title>SCRIPT RAN"),
        "the probe script ran: {dom}"
    );
    assert!(
        dom.contains("My order &lt;script&gt;alert(1)&lt;/script&gt; is late"),
        "{dom}"
    );
    // Only the probe is a script element.
    assert_eq!(dom.matches("<script").count(), 1, "{dom}");
}

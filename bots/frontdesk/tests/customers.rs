//! `frontdesk customers`: blocks listed, set and lifted from the CLI; the right of access
//! (`export`, JSON) and erasure (`erase`), against a conversation held in `frontdesk chat`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_frontdesk"));
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env(
            "FRONTDESK_DATABASE_URL",
            dir.join("frontdesk.db").display().to_string(),
        )
        .env(
            "FRONTDESK_KB_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq"),
        );
    c
}

fn run(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn frontdesk");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait for frontdesk")
}

fn customers(dir: &Path, args: &[&str]) -> (bool, String) {
    let o = run(bin(dir).arg("customers").args(args), b"");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

#[test]
fn block_list_unblock_export_and_erase_a_customer() {
    let dir = tempfile::tempdir().unwrap();
    let script = "My card QXJ4471 was charged twice\nI want to talk to a person\n\
                  @agent Hello, about QXJ4471\n/quit\n";
    let o = run(
        bin(dir.path()).args(["chat", "--user", "zq", "--name", "Zyx Quixote"]),
        script.as_bytes(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let (ok, out) = customers(dir.path(), &["block", "terminal:zq", "--reason", "abusive"]);
    assert!(ok && out.contains("blocked terminal:zq"), "{out}");
    let (ok, out) = customers(dir.path(), &["block", "zq"]);
    assert!(!ok && out.contains("blocked already"), "{out}");
    let (ok, out) = customers(dir.path(), &["--blocked"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("terminal:zq")
            && out.contains("Zyx Quixote")
            && out.contains("by cli: abusive"),
        "{out}"
    );

    // The right of access: everything about the customer, as JSON.
    let (ok, out) = customers(dir.path(), &["export", "zq"]);
    assert!(ok, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["customer"]["display_name"], "Zyx Quixote");
    assert_eq!(v["customer"]["blocked"]["reason"], "abusive");
    let bodies: Vec<&str> = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(
        bodies.contains(&"My card QXJ4471 was charged twice"),
        "{bodies:?}"
    );
    assert!(bodies.contains(&"Hello, about QXJ4471"), "{bodies:?}");
    let ticket = &v["tickets"][0];
    assert_eq!(ticket["ticket"]["number"], 1);
    assert!(
        ticket["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "blocked" && e["detail"] == "abusive"),
        "{ticket}"
    );
    assert!(!v["bot_replies"].as_array().unwrap().is_empty());

    let (ok, out) = customers(dir.path(), &["unblock", "zq"]);
    assert!(ok && out.contains("unblocked terminal:zq"), "{out}");
    let (_, out) = customers(dir.path(), &["--blocked"]);
    assert!(out.contains("no blocked customers"), "{out}");

    let (ok, out) = customers(dir.path(), &["erase", "terminal:zq"]);
    assert!(ok && out.contains("erased terminal:zq"), "{out}");
    let (ok, out) = customers(dir.path(), &["export", "zq"]);
    assert!(!ok && out.contains("no customer"), "{out}");
    let o = run(bin(dir.path()).args(["tickets", "1"]), b"");
    let shown = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success() && shown.contains("#1"), "{shown}");
    for needle in ["QXJ4471", "Zyx", "charged twice"] {
        assert!(!shown.contains(needle), "{needle} in {shown}");
    }
    let (ok, out) = customers(dir.path(), &["erase", "nobody"]);
    assert!(!ok && out.contains("no customer `nobody`"), "{out}");
}

//! Hostile input through the terminal: invalid UTF-8 on `frontdesk chat`'s standard input,
//! and escape sequences in what a customer wrote reaching `frontdesk tickets`, `tickets N`
//! and `report` (they must be shown, never run by the terminal).

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

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a customer typed to clear the screen and retitle the terminal.
const HOSTILE: &str = "My card was charged twice\x1b[2J\x1b]0;pwned\x07 help";

#[test]
fn chat_reads_past_invalid_utf8_and_listings_show_escape_sequences_inert() {
    let dir = tempfile::tempdir().unwrap();
    let mut script = Vec::new();
    // A line of invalid UTF-8 (Latin-1 "café", a stray continuation byte), then more input.
    script.extend_from_slice(b"caf\xe9 \x80 where is my order?\n");
    script.extend_from_slice(HOSTILE.as_bytes());
    script.extend_from_slice(
        b"\nI want to talk to a person\n@agent \xffHello\x1b[31m from the desk\n/quit\n",
    );
    let out = run(
        bin(dir.path()).args(["chat", "--name", "Eve\x1b[5m"]),
        &script,
    );
    let chat = text(&out);
    assert!(
        out.status.success(),
        "stdout:\n{chat}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every line was handled: the ticket opened after the invalid line, the agent replied.
    assert!(chat.contains("opened ticket #1"), "{chat}");
    assert!(chat.contains("Hello␛[31m from the desk"), "{chat}");

    for (args, want) in [
        (
            &["tickets"][..],
            "My card was charged twice␛[2J␛]0;pwned␇ help",
        ),
        (&["tickets", "1"][..], "Eve␛[5m"),
        (
            &["report"][..],
            "1 × My card was charged twice␛[2J␛]0;pwned␇ help",
        ),
    ] {
        let o = run(bin(dir.path()).args(args), b"");
        let t = text(&o);
        assert!(o.status.success(), "{args:?}: {t}");
        assert!(
            !t.chars().any(|c| c.is_control() && c != '\n'),
            "`frontdesk {}` printed a control character:\n{t:?}",
            args.join(" ")
        );
        assert!(t.contains(want), "{args:?}:\n{t}");
    }
    let shown = text(&run(bin(dir.path()).args(["tickets", "1"]), b""));
    assert!(shown.contains("Hello␛[31m from the desk"), "{shown}");
    // The line of invalid UTF-8 was taken, its bad bytes replaced.
    assert!(
        shown.contains("Eve␛[5m: caf\u{fffd} \u{fffd} where is my order?"),
        "{shown}"
    );
}

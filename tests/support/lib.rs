//! Helpers for the end-to-end tests in `tests/`: locating and running the `frontdesk` binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `frontdesk` binary built by this `cargo test` (`cargo test --workspace` builds it,
/// because `bots/frontdesk` has integration tests), or `FRONTDESK_BIN`.
pub fn frontdesk_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("FRONTDESK_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/frontdesk
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable lives in target/<profile>/deps");
    let bin = profile_dir.join(format!("frontdesk{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not found: run the tests with `cargo test --workspace` (which builds the binary) or set FRONTDESK_BIN",
        bin.display()
    );
    bin
}

/// A `frontdesk` command in `dir` with a database there, the sample knowledge base, and no
/// configuration from the environment of the developer.
pub fn frontdesk(dir: &Path) -> Command {
    let mut cmd = Command::new(frontdesk_bin());
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env(
            "FRONTDESK_DATABASE_URL",
            dir.join("frontdesk.db").display().to_string(),
        )
        .env(
            "FRONTDESK_KB_DIR",
            workspace_root().join("faq").display().to_string(),
        );
    cmd
}

/// Runs `cmd` with `input` on its standard input; returns its output.
pub fn run_with_input(mut cmd: Command, input: &str) -> Output {
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
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait for frontdesk")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The installed Chromium's command, or `None` (the caller skips) — except under `CI=true`,
/// where a missing Chromium fails the test instead of skipping it.
pub fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome", "chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no Chromium is installed (Debian package `chromium`)"
        );
        eprintln!("skipped: no Chromium installed (Debian package `chromium`)");
    }
    found
}

/// The DOM of `page` (a local file) after headless Chromium loaded it and ran its scripts for
/// up to 2 s of virtual time; `extra` are more Chromium flags (a window size). The profile
/// lives beside the page.
pub fn chromium_dom(chromium: &str, page: &Path, extra: &[&str]) -> String {
    let profile = page.with_file_name("chromium-profile");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .args(extra)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

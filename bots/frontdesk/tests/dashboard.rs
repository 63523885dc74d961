//! `frontdesk dashboard`: a token made with `dashboard token add` signs in to the dashboard
//! served alone on the database; without one every page is refused; a bad setting is refused
//! at start-up with its key.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn bin(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_frontdesk"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env(
            "FRONTDESK_DATABASE_URL",
            format!("sqlite://{}", db.display()),
        )
        .env(
            "FRONTDESK_KB_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq"),
        );
    c
}

/// Stops the child (by its own handle) when the test ends, passing or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_token_add_signs_in_and_nothing_else_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let o = bin(&db)
        .args(["dashboard", "token", "add", "alice"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let token = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("fdd_") && token.len() == 85, "{token}");
    let mut child = bin(&db)
        .args(["dashboard", "--listen", "127.0.0.1:0"])
        .env("FRONTDESK_DASHBOARD_TOKEN", "env-token-0123456789abcdef")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _running = Running(child);
    // The start-up line says where it listens.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("a start-up line within 60 s");
        if let Some(rest) = line.strip_prefix("dashboard: listening on http://") {
            assert!(
                line.contains("FRONTDESK_DASHBOARD_TOKEN or a token"),
                "{line}"
            );
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("http://{addr}/");
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    for t in [token.as_str(), "env-token-0123456789abcdef"] {
        let r = http.get(&url).bearer_auth(t).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("0 open"));
    }
    let r = http.get(&url).bearer_auth("fdd_x").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(format!("http://{addr}/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("SameSite=Strict")
    );
}

#[test]
fn bad_dashboard_settings_are_refused_with_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let cases = [
        (
            vec!["dashboard", "--listen", "nowhere"],
            None,
            "dashboard.listen \"nowhere\"",
        ),
        (vec!["dashboard"], None, "dashboard.listen is empty"),
        (
            vec!["dashboard", "--listen", "127.0.0.1:0"],
            Some("short"),
            "FRONTDESK_DASHBOARD_TOKEN: at least 16 characters",
        ),
        (vec!["dashboard", "token", "add", " "], None, "token name"),
    ];
    for (args, token, want) in cases {
        let mut c = bin(&db);
        c.args(&args);
        if let Some(t) = token {
            c.env("FRONTDESK_DASHBOARD_TOKEN", t);
        }
        let o = c.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

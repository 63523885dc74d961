//! The web dashboard in a real browser: headless Chromium, driven over the DevTools protocol,
//! against a seeded SQLite database with a hostile ticket. It signs in through the form, opens
//! the queue, filters it with the form, opens a ticket from it and sees the transcript, opens
//! the reports and the knowledge-base page, and is sent to the sign-in page once its cookie
//! is gone. No customer payload may run (no dialog opens). A screenshot of every page is
//! written under the target directory (`dashboard-screenshots/`). Without Chromium the test
//! is skipped, except under `CI=true`, where it fails.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use frontdesk_core::Timestamp;
use frontdesk_core::ports::QueueStore;
use frontdesk_core::report::DAY_MS;
use frontdesk_core::testing::ManualClock;
use frontdesk_dashboard::testing::hostile_ticket;
use frontdesk_dashboard::{KbView, Options, router};
use frontdesk_kb::Kb;
use frontdesk_kb::decide::Thresholds;
use frontdesk_kb::intents::Intents;
use frontdesk_store::SqlStore;
use frontdesk_store::testing::seed::{SeedSpec, seed};
use frontdesk_tests::chromium;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

/// 2026-01-05 00:00 UTC.
const START: i64 = 1_767_571_200_000;
const TOKEN: &str = "browser-token-0123456789abcdef";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One page of the browser, over a flattened DevTools session.
struct Page {
    ws: Ws,
    session: String,
    next: u64,
    events: VecDeque<Value>,
    dialogs: Vec<Value>,
}

impl Page {
    async fn read(&mut self) -> Value {
        loop {
            let m = tokio::time::timeout(Duration::from_secs(30), self.ws.next())
                .await
                .expect("DevTools answers within 30 s")
                .expect("DevTools connection open")
                .expect("a DevTools message");
            if let Message::Text(t) = m {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["method"] == "Page.javascriptDialogOpening" {
                    self.dialogs.push(v.clone());
                }
                return v;
            }
        }
    }

    /// Sends a command (to the page's session unless `browser`) and waits for its result.
    async fn call_on(&mut self, browser: bool, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if !browser {
            msg["sessionId"] = json!(self.session);
        }
        self.ws.send(Message::Text(msg.to_string())).await.unwrap();
        loop {
            let v = self.read().await;
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
            self.events.push_back(v);
        }
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.call_on(false, method, params).await
    }

    async fn loaded(&mut self) {
        loop {
            let v = match self.events.pop_front() {
                Some(v) => v,
                None => self.read().await,
            };
            if v["method"] == "Page.loadEventFired" {
                return;
            }
        }
    }

    async fn goto(&mut self, url: &str) {
        self.events.clear();
        self.call("Page.navigate", json!({ "url": url })).await;
        self.loaded().await;
    }

    async fn eval(&mut self, js: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": js, "returnByValue": true }),
            )
            .await;
        r["result"]["value"].clone()
    }

    /// Runs `js`, which submits a form or follows a link, and waits for the next page.
    async fn act(&mut self, js: &str) {
        self.events.clear();
        self.eval(js).await;
        self.loaded().await;
    }

    async fn text(&mut self) -> String {
        self.eval("document.body.innerText")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn path(&mut self) -> String {
        self.eval("location.pathname + location.search")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn screenshot(&mut self, dir: &std::path::Path, name: &str) {
        let r = self
            .call("Page.captureScreenshot", json!({ "format": "png" }))
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}");
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_chromium() {
    let Some(chromium) = chromium() else { return };
    // A seeded database with a hostile ticket, served on loopback.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Arc::new(SqlStore::connect(&url).await.unwrap());
    seed(
        &store,
        &SeedSpec {
            tickets: 300,
            start: START,
            span_ms: 20 * DAY_MS,
            seed: 5,
        },
    )
    .await
    .unwrap();
    let hostile = hostile_ticket(&*store, "support", Timestamp(START + 21 * DAY_MS))
        .await
        .unwrap();
    let kb =
        Arc::new(Kb::load_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq")).unwrap());
    let app = router(
        store.clone(),
        KbView::new(
            move || kb.clone(),
            Thresholds::default(),
            Some(Intents::builtin()),
        ),
        ManualClock::new(Timestamp(START + 25 * DAY_MS)),
        Options {
            env_token: Some(TOKEN.into()),
            ..Options::default()
        },
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(frontdesk_telegram::serve_http(
        listener,
        app,
        frontdesk_telegram::HttpLimits::default(),
        async move {
            let _ = stop_rx.await;
        },
        Duration::from_secs(1),
    ));

    // Chromium with a DevTools port of its own choosing, on loopback.
    let profile = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromium");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let ws_url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(l) = lines.next_line().await.unwrap() {
            if let Some(u) = l.strip_prefix("DevTools listening on ") {
                return u.trim().to_owned();
            }
        }
        panic!("chromium ended without a DevTools address");
    })
    .await
    .expect("chromium starts within 60 s");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let (ws, _) = tokio_tungstenite::connect_async(&ws_url).await.unwrap();
    let mut page = Page {
        ws,
        session: String::new(),
        next: 0,
        events: VecDeque::new(),
        dialogs: Vec::new(),
    };
    let target = page
        .call_on(true, "Target.createTarget", json!({ "url": "about:blank" }))
        .await;
    let attached = page
        .call_on(
            true,
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        )
        .await;
    page.session = attached["sessionId"].as_str().unwrap().to_owned();
    page.call("Page.enable", json!({})).await;
    page.call("Runtime.enable", json!({})).await;

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    // Not signed in: to the sign-in page.
    page.goto(&format!("{base}/")).await;
    assert_eq!(page.path().await, "/login");
    page.screenshot(&shots, "login").await;
    // A wrong token is refused; the right one signs in.
    page.act("document.querySelector('#token').value = 'wrong-token-000000'; document.querySelector('form.login').submit()").await;
    assert!(page.text().await.contains("Unknown token."));
    let js = format!(
        "document.querySelector('#token').value = '{TOKEN}'; document.querySelector('form.login').submit()"
    );
    page.act(&js).await;
    assert_eq!(page.path().await, "/");
    let queue = page.text().await;
    assert!(queue.contains("Signed in as admin"), "{queue}");
    let rows = page
        .eval("document.querySelectorAll('#queue tbody tr').length")
        .await;
    let open = store
        .queue(&frontdesk_core::ports::QueueQuery::default())
        .await
        .unwrap()
        .total;
    assert!(open > 20, "{open}");
    assert_eq!(rows, json!(open.min(50)), "the first page");
    page.screenshot(&shots, "queue").await;

    // Filter with the form: the hostile ticket alone.
    page.act("document.querySelector('input[name=q]').value = 'refund'; document.querySelector('select[name=waiting]').value = 'agent'; document.querySelector('form.filters').submit()").await;
    assert!(page.path().await.contains("q=refund"));
    assert_eq!(
        page.eval("document.querySelectorAll('#queue tbody tr').length")
            .await,
        json!(1)
    );
    let t = page.text().await;
    assert!(
        t.contains("<script>alert('subject')</script> refund"),
        "shown as text: {t}"
    );
    page.screenshot(&shots, "queue-filtered").await;

    // Open the ticket from the queue: the transcript, the note marked.
    page.act("document.querySelector('#queue tbody a').click()")
        .await;
    assert_eq!(page.path().await, format!("/ticket/{}", hostile.id.0));
    let t = page.text().await;
    for want in [
        "Looking into it.",
        "still waiting",
        "internal note",
        "</div><script>alert(\"body\")</script>",
    ] {
        assert!(t.contains(want), "{want:?} in {t}");
    }
    assert_eq!(
        page.eval("document.querySelectorAll('.msg.internal').length")
            .await,
        json!(1)
    );
    assert_eq!(
        page.eval("document.querySelectorAll('script').length")
            .await,
        json!(0)
    );
    page.screenshot(&shots, "ticket").await;

    // Reports: the charts laid out.
    page.goto(&format!("{base}/reports?since=2026-01-05&until=2026-01-31"))
        .await;
    let charts = page
        .eval("[...document.querySelectorAll('svg.chart')].filter(s => s.getBoundingClientRect().width > 200).length")
        .await;
    assert!(charts.as_u64().unwrap() >= 4, "{charts}");
    assert!(page.text().await.contains("Tickets opened"));
    page.screenshot(&shots, "reports").await;

    // The knowledge base: entries per language, gaps, and an explanation.
    page.goto(&format!("{base}/kb?since=2026-01-01&until=2026-01-31"))
        .await;
    assert_eq!(
        page.eval("document.querySelectorAll('table.entries').length")
            .await,
        json!(3)
    );
    assert!(
        page.eval("document.querySelectorAll('#gaps tbody tr').length")
            .await
            .as_u64()
            .unwrap()
            > 0
    );
    page.act("document.querySelector('input[name=q]').value = 'where is my parcel'; document.querySelector('input[name=q]').form.submit()").await;
    assert!(page.text().await.contains("Decision:"));
    page.screenshot(&shots, "kb").await;

    // On a phone: one column, nothing wider than the screen.
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true }),
    )
    .await;
    page.goto(&format!("{base}/ticket/{}", hostile.id.0)).await;
    let wide = page.eval("document.documentElement.scrollWidth").await;
    assert!(wide.as_u64().unwrap() <= 390, "{wide}");
    page.screenshot(&shots, "ticket-phone").await;

    // Without the cookie every page is refused.
    page.call("Network.clearBrowserCookies", json!({})).await;
    for p in [
        "/".to_owned(),
        format!("/ticket/{}", hostile.id.0),
        "/reports".into(),
        "/kb".into(),
    ] {
        page.goto(&format!("{base}{p}")).await;
        assert_eq!(page.path().await, "/login", "{p}");
    }
    assert!(page.dialogs.is_empty(), "a payload ran: {:?}", page.dialogs);
    eprintln!("screenshots in {}", shots.display());
    let _ = stop_tx.send(());
    let _ = child.kill().await;
}

//! End to end: the real `frontdesk run` binary as a child process against the fake Telegram
//! Bot API of `frontdesk-testkit` on 127.0.0.1, with a SQLite database in a temporary
//! directory and the sample FAQ.
//!
//! One customer's question is answered from the KB, "Talk to a person" opens ticket #1 as a
//! forum topic in the desk, an agent's reply in the topic reaches the customer, `/metrics`
//! and `/healthz` answer over HTTP. Then the bot is restarted (SIGTERM, a new process on the
//! same database): the customer's next message goes into the same topic, nothing from before
//! is replayed, and `frontdesk tickets 1` shows the ticket open.

#![cfg(unix)]

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use frontdesk_testkit::telegram::{FakeTelegram, Request};
use frontdesk_tests::{frontdesk, stderr, stdout};

/// The desk: a forum supergroup (the fake treats negative chat ids as forums).
const DESK: i64 = -1_001_234;
/// The customer (user id = private chat id).
const CUSTOMER: i64 = 1001;
/// An agent in the desk group.
const AGENT: i64 = 77;
/// How long to wait for the child's HTTP endpoint and for it to exit.
const PROCESS_WAIT: Duration = Duration::from_secs(10);
/// Text of the FAQ answer to "How do I reset my password?".
const ANSWER_TEXT: &str = "Forgot password?";

/// A running `frontdesk run` child. Dropping it kills it (SIGKILL) and reaps it; when the
/// test is panicking, its output is printed so the failure shows what the bot logged.
struct Bot {
    child: Option<Child>,
    log: PathBuf,
}

impl Bot {
    /// Starts `frontdesk run` in `dir` against `tg`, logging to `dir/<log_name>`; its
    /// `/metrics` endpoint binds a free port of its choosing (see [`Bot::http_addr`]).
    fn start(dir: &Path, tg: &FakeTelegram, log_name: &str) -> Bot {
        let log = dir.join(log_name);
        let out = File::create(&log).expect("create the log file");
        let err = out.try_clone().expect("clone the log file");
        let mut cmd = frontdesk(dir);
        cmd.arg("run")
            .env("TELOXIDE_TOKEN", tg.token())
            .env("TELOXIDE_API_URL", tg.url())
            .env("FRONTDESK_DESK_PLATFORM", "telegram")
            .env("FRONTDESK_DESK_CHAT_ID", DESK.to_string())
            .env("FRONTDESK_METRICS_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        let child = cmd.spawn().expect("spawn `frontdesk run`");
        Bot {
            child: Some(child),
            log,
        }
    }

    /// What the child wrote so far.
    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The address the child's `/metrics` endpoint bound, read back from its log (waiting up
    /// to [`PROCESS_WAIT`] for the line).
    async fn http_addr(&mut self) -> SocketAddr {
        let started = Instant::now();
        loop {
            self.assert_running();
            let addr = self
                .output()
                .lines()
                .filter(|l| l.contains("serving /metrics and /healthz"))
                .find_map(|l| {
                    let (_, rest) = l.split_once("addr=")?;
                    let end = rest
                        .find(|c: char| c.is_whitespace() || c == '\x1b')
                        .unwrap_or(rest.len());
                    rest[..end].parse().ok()
                });
            if let Some(a) = addr {
                return a;
            }
            assert!(
                started.elapsed() < PROCESS_WAIT,
                "no `serving /metrics` line with the address within {PROCESS_WAIT:?}:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Panics (with the log) if the child has exited.
    fn assert_running(&mut self) {
        let child = self.child.as_mut().expect("the child");
        if let Some(status) = child.try_wait().expect("try_wait") {
            panic!(
                "`frontdesk run` exited early with {status}; its output:\n{}",
                self.output()
            );
        }
    }

    /// Stops the child gracefully with SIGTERM and waits (up to [`PROCESS_WAIT`]) for it to
    /// exit; panics unless it exits successfully in time.
    async fn terminate(mut self) -> Duration {
        let mut child = self.child.take().expect("the child");
        let pid = child.id().to_string();
        let started = Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                assert!(
                    status.success(),
                    "`frontdesk run` exited with {status} after SIGTERM; its output:\n{}",
                    self.output()
                );
                return started.elapsed();
            }
            if started.elapsed() > PROCESS_WAIT {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "`frontdesk run` did not exit within {PROCESS_WAIT:?} of SIGTERM; its output:\n{}",
                    self.output()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            if std::thread::panicking() {
                eprintln!(
                    "---- output of `frontdesk run` ({}) ----\n{}\n---- end ----",
                    self.log.display(),
                    self.output()
                );
            }
        }
    }
}

/// GETs `path` on the child's endpoint with `reqwest`, retrying (up to [`PROCESS_WAIT`])
/// until it answers: status code and body.
async fn http_get(bot: &mut Bot, path: &str) -> (u16, String) {
    let addr = bot.http_addr().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("an HTTP client");
    let started = Instant::now();
    loop {
        bot.assert_running();
        let res = async {
            let r = client.get(format!("http://{addr}{path}")).send().await?;
            let status = r.status().as_u16();
            Ok::<_, reqwest::Error>((status, r.text().await?))
        }
        .await;
        match res {
            Ok(r) => return r,
            Err(e) if started.elapsed() > PROCESS_WAIT => {
                panic!("GET {path} on {addr} failed for {PROCESS_WAIT:?}: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn send_to(chat: i64) -> impl Fn(&Request) -> bool {
    move |r| r.is("sendMessage") && r.ok && r.chat_id() == Some(chat)
}

fn text_has(r: &Request, s: &str) -> bool {
    r.text().is_some_and(|t| t.contains(s))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_a_ticket_over_telegram_and_survives_a_restart() {
    let t0 = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let tg = FakeTelegram::start().await;
    let mut bot = Bot::start(dir.path(), &tg, "run1.log");

    // 1. A question from the FAQ is answered, with inline buttons.
    let question = tg.customer_text(CUSTOMER, "How do I reset my password?");
    let answer = tg.wait_for(send_to(CUSTOMER)).await;
    bot.assert_running();
    assert!(text_has(&answer, ANSWER_TEXT), "{answer:?}");
    let payloads = answer.button_payloads();
    assert!(
        payloads.iter().any(|p| p.starts_with("solved:")),
        "{payloads:?}"
    );
    let human = payloads
        .iter()
        .find(|p| p.starts_with("unsolved:"))
        .expect("a 'Talk to a person' button")
        .clone();
    let first_answer = t0.elapsed();

    // 2. "Talk to a person": a topic in the desk, the summary in it, the number to the customer.
    let mark = tg.mark();
    tg.press_button(CUSTOMER, answer.sent_message_id().unwrap(), &human);
    let topic = tg
        .wait_for_since(mark, |r| r.is("createForumTopic") && r.ok)
        .await;
    assert_eq!(topic.chat_id(), Some(DESK));
    let thread = topic.result["message_thread_id"]
        .as_i64()
        .expect("a topic id");
    let summary = tg
        .wait_for_since(mark, |r| {
            r.is("sendMessage") && r.chat_id() == Some(DESK) && text_has(r, "New ticket #1")
        })
        .await;
    assert_eq!(summary.thread_id(), Some(thread));
    tg.wait_for_since(mark, |r| send_to(CUSTOMER)(r) && text_has(r, "#1"))
        .await;

    // 3. The agent writes in the topic: the customer receives it.
    let mark = tg.mark();
    let agent_text = "Hello from the desk, I am checking your account now.";
    tg.agent_text_in_topic(DESK, thread, AGENT, agent_text);
    tg.wait_for_since(mark, |r| send_to(CUSTOMER)(r) && text_has(r, agent_text))
        .await;

    // 4. /metrics and /healthz.
    let (status, metrics) = http_get(&mut bot, "/metrics").await;
    assert_eq!(status, 200, "{metrics}");
    let scrape =
        prometheus_parse::Scrape::parse(metrics.lines().map(|l| Ok(l.to_owned()))).unwrap();
    let value = |name: &str, label: Option<(&str, &str)>| {
        scrape
            .samples
            .iter()
            .find(|s| {
                s.metric == name
                    && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v))
                    && (label.is_some() || s.labels.is_empty())
            })
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v) => v,
                ref other => panic!("{name} is not a counter: {other:?}"),
            })
            .unwrap_or_else(|| panic!("no {name} {label:?} in /metrics:\n{metrics}"))
    };
    assert_eq!(value("frontdesk_escalations_total", None), 1.0);
    assert_eq!(
        value("frontdesk_messages_total", Some(("author", "agent"))),
        1.0
    );
    assert_eq!(
        value("frontdesk_messages_total", Some(("author", "customer"))),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        value("frontdesk_bot_replies_total", Some(("outcome", "answered"))),
        1.0,
        "{metrics}"
    );
    let (status, health) = http_get(&mut bot, "/healthz").await;
    assert_eq!((status, health.trim()), (200, "ok"), "{health:?}");
    let first_run = t0.elapsed();

    // 5. Restart. Every update so far was confirmed; then, as after a lost acknowledgement,
    // Telegram offers the first question again: the stored offset must drop it.
    tg.wait_until_confirmed().await;
    let stop_took = bot.terminate().await;
    assert!(
        tg.pending_update_ids().is_empty(),
        "{:?}",
        tg.pending_update_ids()
    );
    tg.push_update(question.clone());
    let mark = tg.mark();
    let t_restart = Instant::now();
    let mut bot = Bot::start(dir.path(), &tg, "run2.log");
    let more = "One more thing: my username is ruta77.";
    tg.customer_text(CUSTOMER, more);
    let relayed = tg
        .wait_for_since(mark, |r| {
            r.is("sendMessage") && r.chat_id() == Some(DESK) && text_has(r, "ruta77")
        })
        .await;
    assert_eq!(
        relayed.thread_id(),
        Some(thread),
        "relayed into the same topic"
    );
    tg.wait_until_confirmed().await;
    let restart_relay = t_restart.elapsed();
    let (status, health) = http_get(&mut bot, "/healthz").await;
    assert_eq!(
        (status, health.trim()),
        (200, "ok"),
        "second run: {health:?}"
    );

    let poll = tg.wait_for_since(mark, |r| r.is("getUpdates")).await.body["offset"].as_i64();
    assert_eq!(
        poll,
        question["update_id"].as_i64().map(|i| i + 3),
        "the new process resumes after the three updates of the first run"
    );
    let answers = tg.matching(|r| send_to(CUSTOMER)(r) && text_has(r, ANSWER_TEXT));
    assert_eq!(
        answers.len(),
        1,
        "one answer over both runs:\n{}",
        tg.dump(0)
    );
    assert_eq!(
        tg.matching(|r| r.is("createForumTopic")).len(),
        1,
        "{}",
        tg.dump(0)
    );
    let relays = tg.matching(|r| send_to(CUSTOMER)(r) && text_has(r, agent_text));
    assert_eq!(relays.len(), 1, "{}", tg.dump(0));
    // After the restart, the bot did exactly one thing: relay the new message.
    let after: Vec<Request> = tg
        .requests()
        .into_iter()
        .skip(mark)
        .filter(|r| {
            !["getUpdates", "getMe", "getWebhookInfo", "deleteWebhook"]
                .iter()
                .any(|m| r.is(m))
        })
        .collect();
    assert_eq!(after.len(), 1, "{}", tg.dump(mark));

    // `frontdesk tickets 1` on the same database shows the ticket open, with the new message.
    let out = frontdesk(dir.path())
        .args(["tickets", "1"])
        .env("FRONTDESK_DESK_PLATFORM", "telegram")
        .env("FRONTDESK_DESK_CHAT_ID", DESK.to_string())
        .output()
        .expect("run `frontdesk tickets 1`");
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "stdout:\n{text}\nstderr:\n{}",
        stderr(&out)
    );
    assert!(text.contains("Ticket #1 · "), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("status:") && l.contains("open")),
        "{text}"
    );
    assert!(text.contains(agent_text), "{text}");
    assert!(text.contains("ruta77"), "{text}");

    let stop2 = bot.terminate().await;
    eprintln!(
        "timings: first answer {first_answer:?}, first run through /healthz {first_run:?}, \
         SIGTERM to exit {stop_took:?}, restart to relay {restart_relay:?}, second SIGTERM \
         {stop2:?}, total {:?}",
        t0.elapsed()
    );
}

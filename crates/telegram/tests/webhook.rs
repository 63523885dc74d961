//! Webhook mode end to end: the real teloxide client and the adapter's HTTP endpoint against
//! the fake Bot API of `frontdesk-testkit` (which registers the webhook and delivers updates
//! to it like Telegram), with the real Engine, the in-memory Store and the sample FAQ.

use frontdesk_testkit::{stop_signal, test_engine};
use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::ports::*;
use frontdesk_core::testing::MemoryStore;
use frontdesk_core::{
    AuthorKind, Endpoint, Party, Platform, Role, Router, TicketFilter, Timestamp,
};
use frontdesk_telegram::{
    HttpLimits, TelegramAdapter, TelegramConfig, TelegramError, WebhookConfig,
};
use frontdesk_testkit::telegram::{FakeTelegram, Request};
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The desk: a forum supergroup.
const DESK: i64 = -1_001_234;
/// A customer's user id (= their private chat id).
const ANN: i64 = 1001;
/// The webhook secret.
const SECRET: &str = "webhook-Secret_42";

/// A socket bound to a free loopback port, kept bound and handed to the adapter (no other
/// test can take the port in between).
fn loopback_listener() -> (std::net::TcpListener, u16) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = l.local_addr().expect("local address").port();
    (l, port)
}

fn webhook_config(port: u16) -> WebhookConfig {
    WebhookConfig {
        url: format!("http://127.0.0.1:{port}/telegram/hook"),
        listen: ([127, 0, 0, 1], port).into(),
        secret: SECRET.into(),
    }
}

/// A running adapter in webhook mode (and its Engine).
struct Bot {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), TelegramError>>,
    url: String,
}

impl Bot {
    /// Starts the adapter and waits until its webhook is registered.
    async fn start(tg: &FakeTelegram, store: Arc<MemoryStore>) -> Bot {
        Bot::start_with(tg, store, HttpLimits::default()).await
    }

    /// [`Bot::start`] with these limits of the endpoint.
    async fn start_with(tg: &FakeTelegram, store: Arc<MemoryStore>, limits: HttpLimits) -> Bot {
        let (listener, port) = loopback_listener();
        let webhook = webhook_config(port);
        let url = webhook.url.clone();
        let adapter = TelegramAdapter::new(TelegramConfig {
            token: tg.token(),
            api_url: Some(tg.url()),
            desk_chat_id: Some(DESK),
            agent_mention: Some("@support_team".into()),
            poll_timeout_secs: 1,
            webhook: Some(webhook),
        })
        .and_then(|a| a.with_webhook_listener(listener))
        .and_then(|a| a.with_webhook_limits(limits))
        .expect("adapter builds");
        let engine = test_engine(
            "telegram",
            DESK,
            store,
            Router::new().with(adapter.channel()),
        );
        let (tx, stop) = stop_signal();
        let task = tokio::spawn(async move { adapter.run(engine, stop).await });
        assert_eq!(tg.wait_for_webhook().await, url);
        Bot {
            stop: Some(tx),
            task,
            url,
        }
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let r = tokio::time::timeout(Duration::from_secs(15), &mut self.task)
            .await
            .expect("the adapter stops within 15 s")
            .expect("the adapter task does not panic");
        r.expect("the adapter ends without error");
    }
}

fn send_to(chat: i64) -> impl Fn(&Request) -> bool {
    move |r| r.is("sendMessage") && r.ok && r.chat_id() == Some(chat)
}

fn text_has(r: &Request, s: &str) -> bool {
    r.text().is_some_and(|t| t.contains(s))
}

/// How many messages the Store holds from customer `user`.
async fn customer_message_count(store: &MemoryStore, user: i64) -> usize {
    let customer = store
        .upsert_customer(
            &Party {
                platform: Platform::telegram(),
                user_id: user.to_string(),
                display_name: format!("User{user} Test"),
                locale: None,
                role: Role::Customer,
            },
            &Endpoint::chat(Platform::telegram(), user.to_string()),
            Timestamp(0),
        )
        .await
        .unwrap();
    store
        .customer_messages(customer.id, 50)
        .await
        .unwrap()
        .iter()
        .filter(|m| m.author == AuthorKind::Customer)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_is_registered_and_a_question_gets_its_answer() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone()).await;

    // setWebhook: the URL, the secret, messages, button presses, blocks and Telegram Business
    // (connections, messages), pending updates kept.
    let set = tg.wait_for(|r| r.is("setWebhook") && r.ok).await;
    assert_eq!(set.str_param("url"), Some(bot.url.as_str()));
    assert_eq!(set.str_param("secret_token"), Some(SECRET));
    assert_eq!(
        set.body.get("allowed_updates"),
        Some(&json!([
            "message",
            "callback_query",
            "my_chat_member",
            "business_connection",
            "business_message"
        ])),
        "{set:?}"
    );
    assert_eq!(
        set.body.get("drop_pending_updates"),
        Some(&json!(false)),
        "{set:?}"
    );
    assert_eq!(tg.webhook_secret().as_deref(), Some(SECRET));

    // A customer's question, delivered by webhook: answered from the KB.
    let update = tg.customer_text(ANN, "How do I reset my password?");
    assert_eq!(tg.deliver_webhook(update).await, 200);
    let answer = tg.wait_for(send_to(ANN)).await;
    assert_eq!(answer.parse_mode(), Some("HTML"));
    assert!(text_has(&answer, "Forgot password?"), "{answer:?}");
    // The 200 came after the Engine took the update: it is stored already.
    assert_eq!(customer_message_count(&store, ANN).await, 1);

    // Webhook mode never polls nor deletes the webhook.
    assert!(
        tg.matching(|r| r.is("getUpdates") || r.is("deleteWebhook"))
            .is_empty(),
        "{}",
        tg.dump(0)
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_update_changes_nothing() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone()).await;

    let update = tg.customer_text(ANN, "How do I reset my password?");
    assert_eq!(tg.deliver_webhook(update.clone()).await, 200);
    tg.wait_for(|r| send_to(ANN)(r) && text_has(r, "Forgot password"))
        .await;
    // The very same update again (Telegram retrying), and the same message under a new
    // update id: both acknowledged, neither handled again.
    assert_eq!(tg.deliver_webhook(update.clone()).await, 200);
    assert_eq!(tg.deliver_webhook(tg.redeliver(&update)).await, 200);
    // A later message proves the earlier deliveries were all handled.
    let mark = tg.mark();
    assert_eq!(
        tg.deliver_webhook(tg.customer_text(ANN, "thanks")).await,
        200
    );
    tg.wait_for_since(mark, send_to(ANN)).await;

    let answers = tg.matching(|r| send_to(ANN)(r) && text_has(r, "Forgot password"));
    assert_eq!(answers.len(), 1, "one answer only:\n{}", tg.dump(0));
    assert_eq!(customer_message_count(&store, ANN).await, 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_the_secret_is_refused_and_changes_nothing() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone()).await;

    let update = tg.customer_text(ANN, "I want to talk to a person");
    let mark = tg.mark();
    assert_eq!(
        tg.deliver_webhook_with_secret(update.clone(), Some("wrong-secret"))
            .await,
        401
    );
    assert_eq!(
        tg.deliver_webhook_with_secret(update.clone(), None).await,
        401
    );
    assert!(
        tg.try_wait_for_since(mark, Duration::from_millis(500), |r| !r.is("getMe"))
            .await
            .is_none(),
        "the bot did something:\n{}",
        tg.dump(mark)
    );
    assert_eq!(customer_message_count(&store, ANN).await, 0);
    assert!(
        store
            .list_tickets(&TicketFilter::default())
            .await
            .unwrap()
            .is_empty()
    );

    // The same update with the secret is handled: the refused ones did not burn it.
    assert_eq!(tg.deliver_webhook(update).await, 200);
    tg.wait_for_since(mark, send_to(ANN)).await;
    assert_eq!(customer_message_count(&store, ANN).await, 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_shuts_the_endpoint_down_and_keeps_the_webhook() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone()).await;
    let update = tg.customer_text(ANN, "How do I reset my password?");
    assert_eq!(tg.deliver_webhook(update).await, 200);
    tg.wait_for(send_to(ANN)).await;

    bot.stop().await;
    let later = tg.customer_text(ANN, "hello again");
    let r = tg.try_deliver_webhook(&later, Some(SECRET)).await;
    assert!(r.is_err(), "the endpoint still answers: {r:?}");
    // The webhook stays set for the other replicas.
    assert!(tg.matching(|r| r.is("deleteWebhook")).is_empty());
    assert!(tg.webhook_url().is_some());
    assert_eq!(customer_message_count(&store, ANN).await, 1);
}

#[test]
fn unusable_webhook_settings_are_refused() {
    let cfg = |url: &str, secret: &str| TelegramConfig {
        token: "123:abc".into(),
        webhook: Some(WebhookConfig {
            url: url.into(),
            listen: ([127, 0, 0, 1], 8080).into(),
            secret: secret.into(),
        }),
        ..TelegramConfig::default()
    };
    assert!(TelegramAdapter::new(cfg("https://bot.example.com/telegram", SECRET)).is_ok());
    for (url, secret) in [
        ("not a url", SECRET),
        ("ftp://bot.example.com/telegram", SECRET),
        ("https://bot.example.com/telegram", ""),
        ("https://bot.example.com/telegram", "has spaces"),
        ("https://bot.example.com/telegram", &"x".repeat(257)),
    ] {
        assert!(
            matches!(
                TelegramAdapter::new(cfg(url, secret)),
                Err(TelegramError::Config(_))
            ),
            "{url} {secret:?}"
        );
    }
    // The secret never shows in logs.
    let shown = format!("{:?}", cfg("https://bot.example.com/telegram", SECRET));
    assert!(!shown.contains(SECRET), "{shown}");
}

/// Everything the server sends until it closes the connection; panics if it is still open
/// after 10 s.
async fn read_until_closed(s: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    match tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Ok(Err(e)) => panic!("reading failed: {e}"),
        Err(_) => panic!(
            "the webhook kept the connection open for 10 s; got so far: {:?}",
            String::from_utf8_lossy(&out)
        ),
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_idle_and_surplus_clients_cannot_hold_the_webhook() {
    use tokio::io::AsyncWriteExt;
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    // Long enough that the four connections below still hold their slots when Telegram
    // delivers (the test holds without that too), short enough for a quick test.
    let limits = HttpLimits {
        header_timeout: Duration::from_millis(1500),
        body_timeout: Duration::from_millis(1500),
        max_connections: 4,
        ..HttpLimits::default()
    };
    let bot = Bot::start_with(&tg, store.clone(), limits).await;
    let addr = bot
        .url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();

    // Headers that never end, and an update whose body stops short.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"POST /telegram/hook HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        .await
        .unwrap();
    let mut short = tokio::net::TcpStream::connect(&addr).await.unwrap();
    short
        .write_all(
            format!(
                "POST /telegram/hook HTTP/1.1\r\nHost: t\r\nx-telegram-bot-api-secret-token: {SECRET}\r\n\
                 content-type: application/json\r\nContent-Length: 400\r\n\r\n{{\"update_id\": 1"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // Two idle connections: with the two above, every slot is taken.
    let mut idle = Vec::new();
    for _ in 0..2 {
        idle.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    // Telegram's delivery is served at once, in the place of the oldest connection that is
    // not in a request (the slow one); the one sending its body is left alone.
    let update = tg.customer_text(ANN, "How do I reset my password?");
    assert_eq!(tg.deliver_webhook(update).await, 200);
    let r = read_until_closed(&mut slow).await;
    assert!(!r.contains(" 200 "), "{r}");
    // The others are closed by the server by themselves: the body cut short with 408, the
    // idle ones when their time for headers is up.
    let r = read_until_closed(&mut short).await;
    assert!(r.starts_with("HTTP/1.1 408"), "{r}");
    for s in &mut idle {
        let r = read_until_closed(s).await;
        assert!(!r.contains(" 200 "), "{r}");
    }
    let answer = tg.wait_for(send_to(ANN)).await;
    assert!(text_has(&answer, "Forgot password?"), "{answer:?}");
    assert_eq!(customer_message_count(&store, ANN).await, 1);
    bot.stop().await;
}

//! The desk is chosen in config, independent of the customer's platform: both real adapters
//! (teloxide and serenity) against the fakes of `frontdesk-testkit`, one Engine with both
//! Channels in its Router, the in-memory Store and the sample FAQ.
//!
//! - A Telegram customer is served from a Discord desk: the ticket becomes a private thread in
//!   the staff channel, the agent's reply there reaches the customer's private chat, `/close`
//!   sends the survey to Telegram and the rating pressed there is stored.
//! - A Discord DM customer is served from a Telegram forum desk: the ticket becomes a forum
//!   topic, the agent's reply there reaches the DM, and so on.

use frontdesk_testkit::{stop_signal, test_engine};
use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::testing::MemoryStore;
use frontdesk_core::{Endpoint, Engine, Platform, Router, TicketFilter, TicketId, TicketStatus};
use frontdesk_discord::{DiscordAdapter, DiscordConfig, DiscordError};
use frontdesk_telegram::{TelegramAdapter, TelegramConfig, TelegramError};
use frontdesk_testkit::discord::{self as fake_discord, FakeDiscord, Recorded};
use frontdesk_testkit::telegram::{FakeTelegram, Request};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The Telegram forum supergroup (the desk of the second scenario).
const TG_DESK: i64 = -1_001_234;
/// A Telegram customer (user id = private chat id).
const TG_CUSTOMER: i64 = 1001;
/// A member of the Telegram desk group.
const TG_AGENT: i64 = 77;
/// The Discord staff channel (the desk of the first scenario).
const STAFF: u64 = 500;
/// The Discord role of agents.
const AGENT_ROLE: u64 = 600;
/// A Discord DM customer.
const DC_CUSTOMER: u64 = 42;
/// A Discord member with the agent role.
const DC_AGENT: u64 = 7;

/// Where the Engine's desk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DeskOn {
    /// Private threads in the Discord staff channel.
    Discord,
    /// Forum topics in the Telegram supergroup.
    Telegram,
}

/// Both fakes, both adapters and the one Engine they share.
struct Desk {
    tg: FakeTelegram,
    dc: FakeDiscord,
    engine: Arc<Engine>,
    stop_tg: Option<oneshot::Sender<()>>,
    stop_dc: Option<oneshot::Sender<()>>,
    tg_task: Option<JoinHandle<Result<(), TelegramError>>>,
    dc_task: Option<JoinHandle<Result<(), DiscordError>>>,
}

impl Desk {
    /// Starts both fakes and both adapters. Each adapter knows the desk only when it is on its
    /// platform; the Engine's `desk` decides where tickets open.
    async fn start(on: DeskOn) -> Desk {
        let tg = FakeTelegram::start().await;
        let dc = FakeDiscord::start().await;
        let telegram = TelegramAdapter::new(TelegramConfig {
            token: tg.token(),
            api_url: Some(tg.url()),
            // `None`: the Engine's desk, when it is on Telegram.
            desk_chat_id: None,
            agent_mention: Some("@support_team".into()),
            poll_timeout_secs: 1,
            webhook: None,
        })
        .expect("the Telegram adapter builds");
        let discord = DiscordAdapter::new(DiscordConfig {
            token: "test-token".into(),
            api_url: Some(dc.api_url()),
            staff_channel_id: (on == DeskOn::Discord).then_some(STAFF),
            support_channel_id: None,
            agent_role_id: Some(AGENT_ROLE),
            guild_id: None,
            thread: Default::default(),
        })
        .expect("the Discord adapter builds");
        let (platform, desk_chat) = match on {
            DeskOn::Discord => ("discord", STAFF.to_string()),
            DeskOn::Telegram => ("telegram", TG_DESK.to_string()),
        };
        let engine = test_engine(
            platform,
            desk_chat,
            MemoryStore::new(),
            Router::new()
                .with(telegram.channel())
                .with(discord.channel()),
        );
        let (stop_tg, stop) = stop_signal();
        let e = engine.clone();
        let tg_task = tokio::spawn(async move { telegram.run(e, stop).await });
        let (stop_dc, stop) = stop_signal();
        let e = engine.clone();
        let dc_task = tokio::spawn(async move { discord.run(e, stop).await });
        dc.wait_connected().await;
        Desk {
            tg,
            dc,
            engine,
            stop_tg: Some(stop_tg),
            stop_dc: Some(stop_dc),
            tg_task: Some(tg_task),
            dc_task: Some(dc_task),
        }
    }

    /// Stops both adapters (each within the fakes' wait time) and checks they ended cleanly.
    async fn shutdown(mut self) {
        for tx in [self.stop_tg.take(), self.stop_dc.take()]
            .into_iter()
            .flatten()
        {
            let _ = tx.send(());
        }
        if let Some(task) = self.tg_task.take() {
            let r = tokio::time::timeout(fake_discord::WAIT, task)
                .await
                .expect("the Telegram adapter stops in time")
                .expect("the Telegram adapter task did not panic");
            assert!(r.is_ok(), "the Telegram adapter ended with {r:?}");
        }
        if let Some(task) = self.dc_task.take() {
            let r = tokio::time::timeout(fake_discord::WAIT, task)
                .await
                .expect("the Discord adapter stops in time")
                .expect("the Discord adapter task did not panic");
            assert!(r.is_ok(), "the Discord adapter ended with {r:?}");
        }
    }

    /// A Discord customer writes `text` in their DM with the bot.
    async fn dm(&self, user: u64, text: &str) {
        let m = self.dc.dm_message(user, text);
        self.dc.dispatch("MESSAGE_CREATE", m).await;
    }

    /// A Discord member with `roles` writes `text` in the thread `thread`.
    async fn in_thread(&self, thread: u64, user: u64, roles: &[u64], text: &str) {
        let m = self.dc.thread_message(thread, user, roles, text);
        self.dc.dispatch("MESSAGE_CREATE", m).await;
    }

    /// Waits (at most the fakes' wait time) until the survey of `ticket` holds `score`.
    async fn wait_score(&self, ticket: TicketId, score: i64) {
        let deadline = tokio::time::Instant::now() + fake_discord::WAIT;
        loop {
            let survey = self
                .engine
                .store()
                .survey(ticket)
                .await
                .expect("the Store answers");
            if survey.as_ref().is_some_and(|s| s.score == Some(score)) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the score {score} was not stored in time: {survey:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A successful `sendMessage` to the Telegram chat `chat`.
fn tg_send_to(chat: i64) -> impl Fn(&Request) -> bool {
    move |r| r.is("sendMessage") && r.ok && r.chat_id() == Some(chat)
}

fn text_has(r: &Request, s: &str) -> bool {
    r.text().is_some_and(|t| t.contains(s))
}

/// A `POST /channels/{id}/threads` on the fake Discord (a ticket room opened there).
fn is_thread_creation(r: &Recorded) -> bool {
    r.method == "POST" && r.path.starts_with("/channels/") && r.path.ends_with("/threads")
}

/// The ticket of survey buttons `rate:<ticket>:<score>`.
fn ticket_of_survey(payloads: &[String]) -> TicketId {
    let p = payloads
        .iter()
        .find(|p| p.starts_with("rate:"))
        .expect("survey buttons");
    TicketId(
        p.split(':')
            .nth(1)
            .and_then(|id| id.parse().ok())
            .expect("rate:<ticket>:<score>"),
    )
}

/// A Telegram customer, a Discord desk.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn telegram_customer_served_from_a_discord_desk() {
    let d = Desk::start(DeskOn::Discord).await;
    d.tg.set_user(TG_CUSTOMER, "Ann", Some("Lee"), Some("en"));

    // The bot answers on Telegram, with a "Talk to a person" button.
    d.tg.customer_text(TG_CUSTOMER, "How do I reset my password?");
    let answer = d.tg.wait_for(tg_send_to(TG_CUSTOMER)).await;
    assert!(text_has(&answer, "Forgot password"), "{answer:?}");
    let human = answer
        .button_payloads()
        .into_iter()
        .find(|p| p.starts_with("unsolved:"))
        .expect("a 'Talk to a person' button");

    // Pressing it opens a private thread in the Discord staff channel, with the summary.
    let mark = d.tg.mark();
    d.tg.press_button(TG_CUSTOMER, answer.sent_message_id().unwrap(), &human);
    let created = d.dc.wait_for(is_thread_creation).await;
    assert_eq!(created.path, format!("/channels/{STAFF}/threads"));
    assert_eq!(
        created.body["type"], 12,
        "a private thread: {}",
        created.body
    );
    let name = created.body["name"].as_str().unwrap_or_default();
    assert!(name.starts_with("#1 · "), "{}", created.body);
    let thread: u64 = created
        .created_id
        .as_deref()
        .and_then(|id| id.parse().ok())
        .expect("the fake created the thread");
    let summary = d.dc.wait_message(thread, 0).await;
    let text = summary.content();
    assert!(
        text.starts_with(&format!("<@&{AGENT_ROLE}> New ticket #1")),
        "{text}"
    );
    // The summary is escaped for Discord: `Ann Lee \(telegram, language en\)`.
    assert!(text.contains("Customer: Ann Lee \\(telegram"), "{text}");
    assert!(text.contains("reset my password"), "{text}");
    assert!(summary.button_ids().iter().any(|b| b.starts_with("claim:")));
    // The customer hears on Telegram that a ticket was opened.
    d.tg.wait_for_since(mark, |r| tg_send_to(TG_CUSTOMER)(r) && text_has(r, "#1"))
        .await;
    let room = Endpoint::chat(Platform::discord(), thread.to_string());
    let ticket = d
        .engine
        .store()
        .ticket_by_room(&room)
        .await
        .unwrap()
        .expect("the thread is the ticket's room");
    assert_eq!(ticket.customer_endpoint.platform, Platform::telegram());

    // The customer writes more on Telegram: relayed into the Discord thread.
    d.tg.customer_text(TG_CUSTOMER, "I use the mobile app");
    let relayed = d.dc.wait_message(thread, 1).await;
    assert!(
        relayed.content().contains("I use the mobile app"),
        "{}",
        relayed.content()
    );

    // The agent replies in the thread: the Telegram customer receives it.
    let mark = d.tg.mark();
    d.in_thread(
        thread,
        DC_AGENT,
        &[AGENT_ROLE],
        "Hello Ann, I am resetting it now",
    )
    .await;
    let reply =
        d.tg.wait_for_since(mark, |r| {
            tg_send_to(TG_CUSTOMER)(r) && text_has(r, "resetting it now")
        })
        .await;
    assert!(
        text_has(&reply, &format!("User {DC_AGENT}")),
        "signed with the agent's Discord name: {reply:?}"
    );

    // The agent closes: the survey reaches Telegram, the thread is archived and locked.
    let mark = d.tg.mark();
    d.in_thread(thread, DC_AGENT, &[AGENT_ROLE], "/close").await;
    let survey =
        d.tg.wait_for_since(mark, |r| {
            tg_send_to(TG_CUSTOMER)(r) && r.button_payloads().iter().any(|p| p.starts_with("rate:"))
        })
        .await;
    let payloads = survey.button_payloads();
    assert_eq!(payloads.len(), 5, "{payloads:?}");
    let ticket_id = ticket_of_survey(&payloads);
    assert_eq!(ticket_id, ticket.id);
    let archived =
        d.dc.wait_for(|r| r.method == "PATCH" && r.path == format!("/channels/{thread}"))
            .await;
    assert_eq!(archived.body["archived"], true);
    assert_eq!(archived.body["locked"], true);
    let closed = d.engine.store().ticket(ticket_id).await.unwrap().unwrap();
    assert_eq!(closed.status, TicketStatus::Closed);

    // Five stars pressed on Telegram: stored, and the Discord thread is told.
    let five = payloads
        .iter()
        .find(|p| p.ends_with(":5"))
        .expect("a five-star button")
        .clone();
    d.tg.press_button(TG_CUSTOMER, survey.sent_message_id().unwrap(), &five);
    d.wait_score(ticket_id, 5).await;
    d.dc.wait_for(|r| r.is_message_to(thread) && r.content().contains("rated ticket #1: 5/5"))
        .await;

    // Nothing was opened on Telegram, and Discord saw only the thread's messages.
    assert!(
        d.tg.matching(|r| r.is("createForumTopic")).is_empty(),
        "{}",
        d.tg.dump(0)
    );
    assert_eq!(d.dc.matching(is_thread_creation).len(), 1);
    let elsewhere = d.dc.matching(|r| {
        r.method == "POST" && r.path.ends_with("/messages") && !r.is_message_to(thread)
    });
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
    let tickets = d
        .engine
        .store()
        .list_tickets(&TicketFilter::default())
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1);
    d.shutdown().await;
}

/// A Discord DM customer, a Telegram forum desk.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn discord_customer_served_from_a_telegram_desk() {
    let d = Desk::start(DeskOn::Telegram).await;
    let dm = d.dc.dm_channel(DC_CUSTOMER);

    // The bot answers in the DM, with a "Talk to a person" button.
    d.dm(DC_CUSTOMER, "How long does delivery take?").await;
    let answer = d.dc.wait_message(dm, 0).await;
    assert!(
        answer.content().contains("business days"),
        "{}",
        answer.body
    );
    let human = answer
        .button_ids()
        .into_iter()
        .find(|b| b.starts_with("unsolved:"))
        .expect("a 'Talk to a person' button");

    // Pressing it opens a forum topic in the Telegram desk, with the summary.
    let answer_id = answer.created_id.clone().expect("the answer's id");
    d.dc.press_button(DC_CUSTOMER, dm, &answer_id, &human).await;
    let topic = d.tg.wait_for(|r| r.is("createForumTopic") && r.ok).await;
    assert_eq!(topic.chat_id(), Some(TG_DESK));
    let name = topic.str_param("name").unwrap_or_default();
    assert!(
        name.starts_with("#1 · How long does delivery take"),
        "{name}"
    );
    let thread = topic.result["message_thread_id"]
        .as_i64()
        .expect("the fake created the topic");
    let summary =
        d.tg.wait_for(|r| {
            r.is("sendMessage") && r.chat_id() == Some(TG_DESK) && text_has(r, "New ticket #1")
        })
        .await;
    assert_eq!(summary.thread_id(), Some(thread));
    assert!(text_has(&summary, "@support_team"), "{summary:?}");
    assert!(text_has(&summary, "(discord"), "{summary:?}");
    assert!(text_has(&summary, "delivery take"), "{summary:?}");
    // The customer hears in the DM that a ticket was opened.
    let opened = d.dc.wait_message(dm, 1).await;
    assert!(opened.content().contains("#1"), "{}", opened.content());
    let room = Endpoint {
        platform: Platform::telegram(),
        chat_id: TG_DESK.to_string(),
        thread_id: Some(thread.to_string()),
    };
    let ticket = d
        .engine
        .store()
        .ticket_by_room(&room)
        .await
        .unwrap()
        .expect("the topic is the ticket's room");
    assert_eq!(ticket.customer_endpoint.platform, Platform::discord());

    // The customer writes more in the DM: relayed into the topic.
    let mark = d.tg.mark();
    d.dm(DC_CUSTOMER, "It is order 1234").await;
    d.tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "It is order 1234")
    })
    .await;

    // The agent replies in the topic: the DM customer receives it.
    d.tg.agent_text_in_topic(TG_DESK, thread, TG_AGENT, "Hello, I am checking order 1234");
    let reply =
        d.dc.wait_for(|r| r.is_message_to(dm) && r.content().contains("checking order 1234"))
            .await;
    assert!(
        reply.content().contains(&format!("User{TG_AGENT} Test")),
        "signed with the agent's Telegram name: {}",
        reply.content()
    );

    // The agent closes: the survey reaches the DM, the topic is closed.
    let mark = d.tg.mark();
    d.tg.agent_text_in_topic(TG_DESK, thread, TG_AGENT, "/close");
    let survey = d
        .dc
        .wait_for(|r| r.is_message_to(dm) && r.button_ids().iter().any(|i| i.starts_with("rate:")))
        .await;
    let rates = survey.button_ids();
    assert_eq!(rates.len(), 5, "{rates:?}");
    let ticket_id = ticket_of_survey(&rates);
    assert_eq!(ticket_id, ticket.id);
    let closed_topic = d.tg.wait_for_since(mark, |r| r.is("closeForumTopic")).await;
    assert_eq!(closed_topic.chat_id(), Some(TG_DESK));
    assert_eq!(closed_topic.thread_id(), Some(thread));
    let closed = d.engine.store().ticket(ticket_id).await.unwrap().unwrap();
    assert_eq!(closed.status, TicketStatus::Closed);

    // Four stars pressed in the DM: stored, and the topic is told.
    let rate4 = format!("rate:{}:4", ticket_id.0);
    assert!(rates.contains(&rate4), "{rates:?}");
    let mark = d.tg.mark();
    let survey_id = survey.created_id.clone().expect("the survey's id");
    d.dc.press_button(DC_CUSTOMER, dm, &survey_id, &rate4).await;
    d.wait_score(ticket_id, 4).await;
    d.tg.wait_for_since(mark, |r| {
        r.is("sendMessage") && r.thread_id() == Some(thread) && text_has(r, "4/5")
    })
    .await;

    // Nothing was opened on Discord, and nothing went to a Telegram private chat.
    assert!(
        d.dc.matching(is_thread_creation).is_empty(),
        "a Discord thread was created"
    );
    assert_eq!(d.tg.matching(|r| r.is("createForumTopic")).len(), 1);
    assert!(
        d.tg.matching(|r| r.is("sendMessage") && r.chat_id() != Some(TG_DESK))
            .is_empty(),
        "{}",
        d.tg.dump(0)
    );
    d.shutdown().await;
}

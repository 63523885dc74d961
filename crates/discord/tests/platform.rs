//! The Discord adapter as deployed: rate limits (the adapter's own 429 layer, the path
//! production takes too), ticket threads that agents can see, the close order without
//! *Manage Threads*, and agent-only commands that work without the Message Content intent.
//! The real serenity client against the fake Discord of `frontdesk-testkit`.

use std::time::Duration;

mod support;

use frontdesk_core::ports::*;
use frontdesk_core::testing::MemoryStore;
use frontdesk_core::{Endpoint, MessageKind, OutMessage, Platform, Router, Ticket};
use frontdesk_discord::{DiscordAdapter, DiscordConfig, DiscordError, ThreadMode};
use frontdesk_testkit::discord::{FakeDiscord, GUILD_ID, WAIT};
use frontdesk_testkit::{stop_signal, test_engine};
use serde_json::{Value, json};
use support::Harness;

const STAFF: u64 = 500;
const AGENT_ROLE: u64 = 600;
const CUSTOMER: u64 = 42;
const AGENT: u64 = 7;
/// An agent who is not among the members listed (joined later, say).
const LATE_AGENT: u64 = 8;
/// A member without the agent role.
const MEMBER: u64 = 9;

fn config(fake: &FakeDiscord, thread: ThreadMode) -> DiscordConfig {
    DiscordConfig {
        token: "test-token".into(),
        api_url: Some(fake.api_url()),
        staff_channel_id: Some(STAFF),
        support_channel_id: None,
        agent_role_id: Some(AGENT_ROLE),
        guild_id: Some(GUILD_ID),
        thread,
    }
}

async fn start_with(fake: FakeDiscord, thread: ThreadMode) -> Harness {
    let config = config(&fake, thread);
    Harness::start(fake, config, STAFF).await
}

impl Harness {
    async fn in_thread(&self, thread: u64, user: u64, text: &str) -> Value {
        let m = self.fake.thread_message(thread, user, &[AGENT_ROLE], text);
        self.fake.dispatch("MESSAGE_CREATE", m.clone()).await;
        m
    }

    /// The customer asks for a person in a DM; returns the ticket thread's id.
    async fn open_ticket(&self) -> u64 {
        let m = self.fake.dm_message(CUSTOMER, "/human");
        self.fake.dispatch("MESSAGE_CREATE", m).await;
        let created = self
            .fake
            .wait_for(|r| r.method == "POST" && r.path == format!("/channels/{STAFF}/threads"))
            .await;
        let thread: u64 = created.created_id.unwrap().parse().unwrap();
        self.fake.wait_message(thread, 0).await;
        thread
    }

    async fn ticket(&self, thread: u64) -> Ticket {
        let room = Endpoint::chat(Platform::discord(), thread.to_string());
        self.store
            .ticket_by_room(&room)
            .await
            .unwrap()
            .expect("a ticket with this room")
    }

    /// The ephemeral answer to interaction `id`.
    async fn answer_to(&self, id: &str) -> String {
        let r = self
            .fake
            .wait_for(|r| r.method == "POST" && r.path.starts_with(&format!("/interactions/{id}/")))
            .await;
        r.body["data"]["content"].as_str().unwrap_or("").to_owned()
    }
}

async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !f().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A route's 429 is waited out (`retry_after` from the answer) and the message is delivered
/// once; no request comes before the limit ends. Serenity's ratelimiter plays no part: the
/// adapter's layer is what runs in production too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_waited_out_and_the_message_delivered_once() {
    let fake = FakeDiscord::start().await;
    let adapter = DiscordAdapter::new(config(&fake, ThreadMode::Private)).unwrap();
    let channel = adapter.channel();
    let dm = fake.dm_channel(CUSTOMER);
    let path = format!("/channels/{dm}/messages");
    fake.rate_limit_next(&path, Duration::from_millis(400), false);
    let to = Endpoint::chat(Platform::discord(), dm.to_string());
    let sent = channel
        .send(&to, &OutMessage::plain(MessageKind::Bot, "after the wait"))
        .await
        .expect("delivered after the wait");
    let posts = fake.matching(|r| r.method == "POST" && r.path == path);
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(posts[0].limited && !posts[1].limited);
    assert_eq!(sent.message_id, posts[1].created_id);
    assert!(posts[1].at.duration_since(posts[0].at) >= Duration::from_millis(400));
    assert_eq!(fake.early_requests(), 0);

    // A global 429 is waited out the same way.
    fake.rate_limit_next(&path, Duration::from_millis(300), true);
    channel
        .send(&to, &OutMessage::plain(MessageKind::Bot, "global"))
        .await
        .expect("delivered after the global wait");
    let posts = fake.matching(|r| r.method == "POST" && r.path == path && r.content() == "global");
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(fake.early_requests(), 0);
}

/// A 429 longer than the adapter waits inline goes back to the outbox as `RateLimited` with
/// Discord's `retry_after`, and nothing is sent meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_429_is_left_to_the_outbox_with_its_retry_after() {
    let fake = FakeDiscord::start().await;
    let adapter = DiscordAdapter::new(config(&fake, ThreadMode::Private)).unwrap();
    let channel = adapter.channel();
    let dm = fake.dm_channel(CUSTOMER);
    let path = format!("/channels/{dm}/messages");
    fake.rate_limit_next(&path, Duration::from_secs(60), false);
    let to = Endpoint::chat(Platform::discord(), dm.to_string());
    let err = channel
        .send(&to, &OutMessage::plain(MessageKind::Bot, "later"))
        .await
        .unwrap_err();
    match err {
        frontdesk_core::ChannelError::RateLimited { retry_after_ms } => {
            assert!(
                (59_000..=60_000).contains(&retry_after_ms),
                "{retry_after_ms}"
            );
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(fake.matching(|r| r.path == path).len(), 1);
}

/// Private threads: the agent role's members are added when the thread opens (not other
/// members), and an agent who claims is added too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_are_added_to_private_ticket_threads() {
    let fake = FakeDiscord::start().await;
    fake.add_guild_member(AGENT, &[AGENT_ROLE]);
    fake.add_guild_member(MEMBER, &[]);
    let h = start_with(fake, ThreadMode::Private).await;
    let thread = h.open_ticket().await;
    let created = h
        .fake
        .wait_for(|r| r.method == "POST" && r.path == format!("/channels/{STAFF}/threads"))
        .await;
    assert_eq!(created.body["type"], 12);
    assert_eq!(created.body["invitable"], false);
    h.fake
        .wait_for(|r| {
            r.method == "PUT" && r.path == format!("/channels/{thread}/thread-members/{AGENT}")
        })
        .await;
    h.in_thread(thread, LATE_AGENT, "/claim").await;
    h.fake
        .wait_for(|r| {
            r.method == "PUT" && r.path == format!("/channels/{thread}/thread-members/{LATE_AGENT}")
        })
        .await;
    let added: Vec<String> = h
        .fake
        .matching(|r| r.method == "PUT" && r.path.contains("/thread-members/"))
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert!(
        !added.iter().any(|p| p.ends_with(&format!("/{MEMBER}"))),
        "{added:?}"
    );
    h.shutdown().await;
}

/// Public threads: type 11 in the staff channel, nobody added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_ticket_threads() {
    let fake = FakeDiscord::start().await;
    fake.add_guild_member(AGENT, &[AGENT_ROLE]);
    let h = start_with(fake, ThreadMode::Public).await;
    let thread = h.open_ticket().await;
    let created = h
        .fake
        .wait_for(|r| r.method == "POST" && r.path == format!("/channels/{STAFF}/threads"))
        .await;
    assert_eq!(created.body["type"], 11);
    assert!(created.body.get("invitable").is_none());
    h.in_thread(thread, AGENT, "/claim").await;
    h.fake
        .wait_for(|r| r.is_message_to(thread) && r.content().contains("claimed"))
        .await;
    assert!(
        h.fake
            .matching(|r| r.path.contains("/thread-members/"))
            .is_empty()
    );
    h.shutdown().await;
}

/// Without *Manage Threads*: the close archives the thread (the lock is refused), the
/// notices reach the thread first, and a rating after close reaches it too (unarchived for
/// it, archived again) and is recorded on the ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_manage_threads_the_rating_after_close_still_reaches_the_thread() {
    let fake = FakeDiscord::start().await;
    fake.set_manage_threads(false);
    let h = start_with(fake, ThreadMode::Private).await;
    let thread = h.open_ticket().await;
    let dm = h.fake.dm_channel(CUSTOMER);
    h.in_thread(thread, AGENT, "/close").await;
    let survey = h
        .fake
        .wait_for(|r| r.is_message_to(dm) && r.button_ids().iter().any(|i| i.starts_with("rate:")))
        .await;
    eventually("the thread is archived", || async {
        h.fake.thread_state(thread) == Some((true, false))
    })
    .await;
    // The close notice was posted before the thread was archived.
    let reqs = h.fake.requests();
    let notice = reqs
        .iter()
        .position(|r| r.is_message_to(thread) && r.content().contains("closed ticket"))
        .expect("a close notice in the thread");
    let archive = reqs
        .iter()
        .position(|r| {
            r.method == "PATCH"
                && r.path == format!("/channels/{thread}")
                && r.body["archived"] == true
        })
        .expect("an archive");
    assert!(notice < archive);

    let ticket = h.ticket(thread).await;
    let rate = format!("rate:{}:2", ticket.id.0);
    h.fake
        .press_button(CUSTOMER, dm, survey.created_id.as_deref().unwrap(), &rate)
        .await;
    // Refused while archived (50083), then posted once the thread is unarchived.
    h.fake
        .wait_for(|r| {
            r.is_message_to(thread)
                && r.content().contains("rated ticket #1: 2/5")
                && r.created_id.is_some()
        })
        .await;
    eventually("the thread is archived again", || async {
        h.fake.thread_state(thread) == Some((true, false))
    })
    .await;
    let survey = h.store.survey(ticket.id).await.unwrap().expect("a survey");
    assert_eq!(survey.score, Some(2));
    h.shutdown().await;
}

/// Agent commands are hidden from members by default (`default_member_permissions`), and
/// `/reply` and "Reply to customer" send to the customer without the Message Content intent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_commands_for_agents() {
    let fake = FakeDiscord::start().await;
    let h = start_with(fake, ThreadMode::Private).await;
    let reg = h
        .fake
        .wait_for(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .await;
    let defs = reg.body.as_array().expect("command definitions").clone();
    for d in &defs {
        let perms = d.get("default_member_permissions");
        if d["name"] == "ask" {
            assert!(perms.is_none(), "{d}");
        } else {
            assert_eq!(perms, Some(&json!("0")), "{d}");
        }
    }
    assert!(defs.iter().any(|d| d["name"] == "reply" && d["type"] == 1));
    assert!(
        defs.iter()
            .any(|d| d["name"] == "Reply to customer" && d["type"] == 3)
    );

    let thread = h.open_ticket().await;
    let dm = h.fake.dm_channel(CUSTOMER);

    // /reply text.
    let c = h.fake.slash_command(
        AGENT,
        &[AGENT_ROLE],
        thread,
        "reply",
        Some(("text", "Your refund is on its way")),
    );
    let id = c["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    assert_eq!(h.answer_to(&id).await, "Sent to the customer.");
    h.fake
        .wait_for(|r| r.is_message_to(dm) && r.content().contains("Your refund is on its way"))
        .await;

    // "Reply to customer" on the agent's own message.
    let own = h
        .fake
        .thread_message(thread, AGENT, &[AGENT_ROLE], "It arrives Friday");
    let c = h
        .fake
        .message_command(AGENT, &[AGENT_ROLE], thread, "Reply to customer", &own);
    let id = c["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    assert_eq!(h.answer_to(&id).await, "Sent to the customer.");
    h.fake
        .wait_for(|r| r.is_message_to(dm) && r.content().contains("It arrives Friday"))
        .await;

    // Not on someone else's message, not by a non-agent, not a command in disguise.
    let other = h
        .fake
        .thread_message(thread, LATE_AGENT, &[AGENT_ROLE], "NOT-MINE");
    let c = h
        .fake
        .message_command(AGENT, &[AGENT_ROLE], thread, "Reply to customer", &other);
    let id = c["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    assert!(h.answer_to(&id).await.contains("you wrote"));
    let c = h
        .fake
        .slash_command(MEMBER, &[], thread, "reply", Some(("text", "NOT-AN-AGENT")));
    let id = c["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    assert!(h.answer_to(&id).await.contains("Only support agents"));
    let c = h.fake.slash_command(
        AGENT,
        &[AGENT_ROLE],
        thread,
        "reply",
        Some(("text", "/close")),
    );
    let id = c["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    assert!(h.answer_to(&id).await.contains("cannot start with"));
    let ticket = h.ticket(thread).await;
    assert_eq!(ticket.status, frontdesk_core::TicketStatus::Open);
    assert!(
        h.fake
            .messages_to(dm)
            .iter()
            .all(|r| !r.content().contains("NOT-MINE") && !r.content().contains("NOT-AN-AGENT"))
    );
    h.shutdown().await;
}

/// At start the permissions in the staff channel are computed from roles and overwrites: a
/// missing required one refuses the start, listing it, before the gateway is contacted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_is_refused_listing_missing_permissions() {
    const CREATE_PRIVATE_THREADS: u64 = 1 << 36;
    const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
    let fake = FakeDiscord::start().await;
    fake.set_overwrites(
        STAFF,
        vec![json!({
            "id": GUILD_ID.to_string(), "type": 0, "allow": "0",
            "deny": (CREATE_PRIVATE_THREADS | SEND_MESSAGES_IN_THREADS).to_string(),
        })],
    );
    let adapter = DiscordAdapter::new(config(&fake, ThreadMode::Private)).unwrap();
    let engine = test_engine(
        "discord",
        STAFF,
        MemoryStore::new(),
        Router::new().with(adapter.channel()),
    );
    let (_tx, stop) = stop_signal();
    let r = tokio::time::timeout(WAIT, adapter.run(engine, stop))
        .await
        .expect("run returns at once");
    match r {
        Err(DiscordError::MissingPermissions(missing)) => {
            assert_eq!(missing.len(), 2, "{missing:?}");
            assert!(missing[0].contains("Create Private Threads"), "{missing:?}");
            assert!(
                missing[1].contains("Send Messages in Threads"),
                "{missing:?}"
            );
            assert!(missing.iter().all(|m| m.contains(&STAFF.to_string())));
        }
        other => panic!("expected MissingPermissions, got {other:?}"),
    }
    assert_eq!(fake.identify_count(), 0);
}

/// The bot's own role overwrite gives back what `@everyone`'s took away (Discord's order):
/// the adapter starts; public threads need Create Public Threads instead of private ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_overwrite_allowing_back_lets_the_bot_start() {
    const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
    const CREATE_PRIVATE_THREADS: u64 = 1 << 36;
    let fake = FakeDiscord::start().await;
    fake.set_overwrites(
        STAFF,
        vec![
            json!({"id": GUILD_ID.to_string(), "type": 0, "allow": "0",
                   "deny": (CREATE_PUBLIC_THREADS | CREATE_PRIVATE_THREADS).to_string()}),
            json!({"id": frontdesk_testkit::discord::BOT_ROLE_ID.to_string(), "type": 0,
                   "allow": CREATE_PUBLIC_THREADS.to_string(), "deny": "0"}),
        ],
    );
    let h = start_with(fake, ThreadMode::Public).await;
    let thread = h.open_ticket().await;
    assert!(thread > 0);
    h.shutdown().await;
}

/// Without the start check (the Channel used alone), a refused lock is learnt from Discord's
/// 403: the thread is archived only, and later closes do not ask for the lock again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_lock_falls_back_to_archiving() {
    let fake = FakeDiscord::start().await;
    fake.set_manage_threads(false);
    let adapter = DiscordAdapter::new(config(&fake, ThreadMode::Public)).unwrap();
    let channel = adapter.channel();
    let desk = Endpoint::chat(Platform::discord(), STAFF.to_string());
    let room = channel.open_room(&desk, "#1 · test").await.unwrap();
    let thread: u64 = room.chat_id.parse().unwrap();
    channel.close_room(&room).await.expect("closed");
    assert_eq!(fake.thread_state(thread), Some((true, false)));
    let patches: Vec<Value> = fake
        .matching(|r| r.method == "PATCH" && r.path == format!("/channels/{thread}"))
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert_eq!(
        patches,
        vec![
            json!({"archived": true, "locked": true}),
            json!({"archived": true})
        ]
    );
    let room2 = channel.open_room(&desk, "#2 · test").await.unwrap();
    channel.close_room(&room2).await.expect("closed");
    let locks = fake
        .matching(|r| r.method == "PATCH" && r.body.get("locked").is_some())
        .len();
    assert_eq!(locks, 1, "the lock is not asked for again");
}

//! The Discord adapter end to end: the real serenity client against the fake Discord server of
//! `frontdesk-testkit`, the real Engine with the in-memory Store and the sample knowledge base.

mod support;

use std::time::Duration;

use frontdesk_core::ports::*;
use support::Harness;

use frontdesk_core::{
    ChannelError, Endpoint, MessageKind, OutMessage, Platform, Ticket, TicketFilter, TicketStatus,
};
use frontdesk_discord::{DiscordAdapter, DiscordConfig, DiscordError};
use frontdesk_testkit::discord::{FakeDiscord, Recorded, WAIT};
use serde_json::{Value, json};

const STAFF: u64 = 500;
const SUPPORT: u64 = 501;
const AGENT_ROLE: u64 = 600;
const CUSTOMER: u64 = 42;
const AGENT: u64 = 7;

fn config(fake: &FakeDiscord) -> DiscordConfig {
    DiscordConfig {
        token: "test-token".into(),
        api_url: Some(fake.api_url()),
        staff_channel_id: Some(STAFF),
        support_channel_id: Some(SUPPORT),
        agent_role_id: Some(AGENT_ROLE),
        guild_id: None,
        thread: Default::default(),
    }
}

async fn start() -> Harness {
    let fake = FakeDiscord::start().await;
    let config = config(&fake);
    Harness::start(fake, config, STAFF).await
}

impl Harness {
    async fn dm(&self, user: u64, text: &str) -> Value {
        let m = self.fake.dm_message(user, text);
        self.fake.dispatch("MESSAGE_CREATE", m.clone()).await;
        m
    }

    async fn in_thread(&self, thread: u64, user: u64, roles: &[u64], text: &str) {
        let m = self.fake.thread_message(thread, user, roles, text);
        self.fake.dispatch("MESSAGE_CREATE", m).await;
    }

    /// The customer asks for a person with /human; returns the ticket thread's id.
    async fn open_ticket(&self, user: u64) -> u64 {
        self.dm(user, "/human").await;
        let created = self
            .fake
            .wait_for(|r| r.method == "POST" && r.path == format!("/channels/{STAFF}/threads"))
            .await;
        let thread: u64 = created.created_id.unwrap().parse().unwrap();
        // The summary is posted in the thread once the room is recorded.
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
}

fn no_mentions(r: &Recorded) {
    let am = &r.body["allowed_mentions"];
    assert_eq!(am["parse"], json!([]), "parse none in {}", r.body);
    assert_eq!(am["roles"], json!([]), "no roles in {}", r.body);
    assert_eq!(am["users"], json!([]), "no users in {}", r.body);
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

#[test]
fn fake_payloads_deserialize_in_serenity() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let fake = FakeDiscord::start().await;
        let dm = fake.dm_message(1, "hi");
        let m: serenity::all::Message = serde_json::from_value(dm).expect("DM message");
        assert!(m.guild_id.is_none());
        let t = fake.thread_message(77, 2, &[AGENT_ROLE], "x");
        let t = FakeDiscord::with_attachment(t, "https://cdn/x.png", "x.png", "image/png");
        let m: serenity::all::Message = serde_json::from_value(t).expect("thread message");
        assert_eq!(m.member.unwrap().roles[0].get(), AGENT_ROLE);
        assert_eq!(m.attachments.len(), 1);
        for roles in [None, Some(&[AGENT_ROLE][..])] {
            let i = fake.button_press(1, 5, "123", "human", roles);
            let i: serenity::all::Interaction = serde_json::from_value(i).expect("interaction");
            let c = i.message_component().expect("a component interaction");
            assert_eq!(c.data.custom_id, "human");
            assert_eq!(c.user.id.get(), 1);
        }
        let c = fake.slash_command(3, &[AGENT_ROLE], 77, "note", Some(("text", "hi")));
        let c: serenity::all::Interaction = serde_json::from_value(c).expect("command");
        let c = c.command().expect("a command interaction");
        assert_eq!(c.data.name, "note");
        assert_eq!(c.member.unwrap().roles[0].get(), AGENT_ROLE);
    });
}

/// Scenario 1: a DM customer and an agent, from question to survey.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dm_customer_and_agent_full_flow() {
    let h = start().await;
    let dm = h.fake.dm_channel(CUSTOMER);

    // A question the knowledge base answers, with buttons as components.
    h.dm(CUSTOMER, "How long does delivery take?").await;
    let answer = h.fake.wait_message(dm, 0).await;
    assert!(
        answer.content().contains("business days"),
        "{}",
        answer.body
    );
    let ids = answer.button_ids();
    assert!(ids.iter().any(|i| i.starts_with("solved:")), "{ids:?}");
    assert!(ids.iter().any(|i| i.starts_with("unsolved:")), "{ids:?}");
    assert!(answer.body["components"][0]["type"] == 1);
    no_mentions(&answer);
    // Markdown of the answer passes through.
    assert!(answer.content().contains("**"), "{}", answer.content());

    // "Talk to a person": acknowledged (type 6) before the Engine speaks.
    let message_id = answer.created_id.clone().unwrap();
    let interaction = h
        .fake
        .press_button(CUSTOMER, dm, &message_id, "human")
        .await;
    let ack = h
        .fake
        .wait_for(|r| r.path.starts_with(&format!("/interactions/{interaction}/")))
        .await;
    assert_eq!(ack.method, "POST");
    assert!(ack.path.ends_with("/callback"));
    assert_eq!(ack.body["type"], 6);
    let opened = h.fake.wait_message(dm, 1).await;
    assert!(opened.content().contains("#1"), "{}", opened.content());
    let all = h.fake.requests();
    let ack_at = all.iter().position(|r| r.path == ack.path).unwrap();
    let opened_at = all
        .iter()
        .position(|r| r.created_id == opened.created_id)
        .unwrap();
    assert!(
        ack_at < opened_at,
        "the press is acknowledged before the reply"
    );

    // The ticket thread: private (type 12), named by the Engine, with a summary pinging agents.
    let created = h
        .fake
        .wait_for(|r| r.method == "POST" && r.path == format!("/channels/{STAFF}/threads"))
        .await;
    assert_eq!(created.body["type"], 12);
    assert!(
        created.body["name"]
            .as_str()
            .unwrap()
            .starts_with("#1 · How long does delivery take"),
        "{}",
        created.body
    );
    let thread: u64 = created.created_id.unwrap().parse().unwrap();
    let summary = h.fake.wait_message(thread, 0).await;
    assert!(
        summary
            .content()
            .starts_with(&format!("<@&{AGENT_ROLE}> New ticket #1")),
        "{}",
        summary.content()
    );
    assert_eq!(summary.body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(
        summary.body["allowed_mentions"]["roles"],
        json!([AGENT_ROLE.to_string()])
    );
    assert!(summary.button_ids().iter().any(|i| i.starts_with("claim:")));

    // The customer writes more: relayed to the thread.
    h.dm(CUSTOMER, "It is order 1234").await;
    let relayed = h.fake.wait_message(thread, 1).await;
    assert!(relayed.content().contains("It is order 1234"));
    no_mentions(&relayed);

    // The agent replies in the thread: relayed to the DM.
    h.in_thread(
        thread,
        AGENT,
        &[AGENT_ROLE],
        "Hello, I am checking order 1234",
    )
    .await;
    let reply = h
        .fake
        .wait_for(|r| r.is_message_to(dm) && r.content().contains("checking order 1234"))
        .await;
    assert!(
        reply.content().starts_with("**User 7 \\(support\\):**\n"),
        "{}",
        reply.content()
    );
    no_mentions(&reply);

    // A note stays internal.
    h.in_thread(thread, AGENT, &[AGENT_ROLE], "/note secret internal remark")
        .await;

    // Close: the survey goes to the DM and the thread is archived and locked.
    h.in_thread(thread, AGENT, &[AGENT_ROLE], "/close").await;
    let survey = h
        .fake
        .wait_for(|r| r.is_message_to(dm) && r.button_ids().iter().any(|i| i.starts_with("rate:")))
        .await;
    let rates = survey.button_ids();
    assert_eq!(rates.len(), 5, "{rates:?}");
    assert_eq!(survey.body["components"].as_array().unwrap().len(), 1);
    let archived = h
        .fake
        .wait_for(|r| r.method == "PATCH" && r.path == format!("/channels/{thread}"))
        .await;
    assert_eq!(archived.body["archived"], true);
    assert_eq!(archived.body["locked"], true);
    assert!(
        h.fake
            .messages_to(dm)
            .iter()
            .all(|r| !r.content().contains("secret")),
        "the note was not relayed"
    );
    let ticket = h.ticket(thread).await;
    assert_eq!(ticket.status, TicketStatus::Closed);

    // The customer rates 4.
    let rate4 = format!("rate:{}:4", ticket.id.0);
    assert!(rates.contains(&rate4), "{rates:?}");
    let survey_id = survey.created_id.clone().unwrap();
    h.fake.press_button(CUSTOMER, dm, &survey_id, &rate4).await;
    let store = h.store.clone();
    let id = ticket.id;
    eventually("the rating is stored", || {
        let store = store.clone();
        async move {
            store
                .survey(id)
                .await
                .unwrap()
                .is_some_and(|s| s.score == Some(4))
        }
    })
    .await;
    // The rating notice reaches the closed (archived, locked) thread, which is closed again.
    h.fake
        .wait_for(|r| r.is_message_to(thread) && r.content().contains("rated ticket #1: 4/5"))
        .await;
    eventually("the thread is archived and locked again", || async {
        h.fake.thread_state(thread) == Some((true, true))
    })
    .await;
    h.shutdown().await;
}

/// Slash commands: registered at READY, agents only, inside ticket threads, acknowledged
/// privately at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_for_agents() {
    let h = start().await;
    let defs = h
        .fake
        .wait_for(|r| r.method == "PUT" && r.path == "/applications/900/commands")
        .await;
    let names: Vec<&str> = defs
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for n in ["claim", "close", "note", "snippet"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let thread = h.open_ticket(CUSTOMER).await;
    let dm = h.fake.dm_channel(CUSTOMER);

    // A non-agent is refused privately.
    let c = h.fake.slash_command(99, &[], thread, "close", None);
    let id = c["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    let ack = h
        .fake
        .wait_for(|r| r.path.starts_with(&format!("/interactions/{id}/")))
        .await;
    assert_eq!(ack.body["type"], 4);
    assert_eq!(ack.body["data"]["flags"], 64);
    assert!(
        ack.body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Only support agents")
    );

    // An agent's /note stays internal; /close closes.
    let c = h.fake.slash_command(
        AGENT,
        &[AGENT_ROLE],
        thread,
        "note",
        Some(("text", "vip customer")),
    );
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    let c = h
        .fake
        .slash_command(AGENT, &[AGENT_ROLE], thread, "close", None);
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    h.fake
        .wait_for(|r| r.is_message_to(dm) && r.button_ids().iter().any(|i| i.starts_with("rate:")))
        .await;
    let ticket = h.ticket(thread).await;
    assert_eq!(ticket.status, TicketStatus::Closed);
    let msgs = h.store.ticket_messages(ticket.id).await.unwrap();
    assert!(
        msgs.iter().any(|m| m.body == "vip customer"),
        "the note is recorded"
    );
    assert!(
        h.fake
            .messages_to(dm)
            .iter()
            .all(|r| !r.content().contains("vip"))
    );
    h.shutdown().await;
}

/// `/ask` in a guild channel: the question is shown, the answer replies to it; in a ticket
/// thread it is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_command_answers_publicly() {
    let h = start().await;
    let c = h.fake.slash_command(
        CUSTOMER,
        &[],
        12345,
        "ask",
        Some(("question", "How long does delivery take? **now**")),
    );
    let id = c["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    let ack = h
        .fake
        .wait_for(|r| r.path.starts_with(&format!("/interactions/{id}/")))
        .await;
    assert_eq!(ack.body["type"], 4);
    let shown = ack.body["data"]["content"].as_str().unwrap();
    assert!(
        shown.contains("How long does delivery take? \\*\\*now\\*\\*"),
        "{shown}"
    );
    assert_eq!(ack.body["data"]["allowed_mentions"]["parse"], json!([]));
    let original = ack.created_id.clone().unwrap();
    let answer = h.fake.wait_message(12345, 0).await;
    assert!(answer.content().contains("business days"));
    assert_eq!(
        answer.body["message_reference"]["message_id"],
        json!(original)
    );

    // The answer's buttons work for the asker and are refused to others.
    let solved = answer
        .button_ids()
        .into_iter()
        .find(|b| b.starts_with("solved:"))
        .unwrap();
    let mut shown_msg = h.fake.guild_message(12345, 900, &[], shown);
    shown_msg["id"] = json!(original);
    shown_msg["interaction_metadata"] = json!({
        "id": id, "type": 2, "user": frontdesk_testkit::discord::user_json(CUSTOMER),
        "authorizing_integration_owners": {},
    });
    let answer_id = answer.created_id.clone().unwrap();
    for (user, ack_type) in [(43, 4), (CUSTOMER, 6)] {
        let mut press = h
            .fake
            .button_press(user, 12345, &answer_id, &solved, Some(&[]));
        press["message"]["referenced_message"] = shown_msg.clone();
        let pid = press["id"].as_str().unwrap().to_owned();
        h.fake.dispatch("INTERACTION_CREATE", press).await;
        let ack = h
            .fake
            .wait_for(|r| r.path.starts_with(&format!("/interactions/{pid}/")))
            .await;
        assert_eq!(ack.body["type"], ack_type, "{}", ack.body);
    }
    let glad = h.fake.wait_message(12345, 1).await;
    assert_eq!(
        glad.body["message_reference"]["message_id"],
        json!(answer_id)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.fake.messages_to(12345).len(), 2);

    // In a DM it works too (answers go to the DM channel).
    let dm = h.fake.dm_channel(CUSTOMER + 1);
    let mut c = h.fake.slash_command(
        CUSTOMER + 1,
        &[],
        dm,
        "ask",
        Some(("question", "Do you ship abroad?")),
    );
    let obj = c.as_object_mut().unwrap();
    obj.remove("guild_id");
    obj.remove("guild_locale");
    let member = obj.remove("member").unwrap();
    obj.insert("user".into(), member["user"].clone());
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    let answer = h.fake.wait_message(dm, 0).await;
    assert!(answer.content().contains("EU"), "{}", answer.content());

    // Not in a ticket thread.
    let thread = h.open_ticket(CUSTOMER + 2).await;
    let c = h
        .fake
        .slash_command(CUSTOMER, &[], thread, "ask", Some(("question", "hello?")));
    let id = c["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", c).await;
    let ack = h
        .fake
        .wait_for(|r| r.path.starts_with(&format!("/interactions/{id}/")))
        .await;
    assert_eq!(ack.body["data"]["flags"], 64);
    h.shutdown().await;
}

/// Scenario 2: customer text cannot ping or format in the ticket thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_text_is_escaped_and_mentions_nobody() {
    let h = start().await;
    let thread = h.open_ticket(CUSTOMER).await;
    h.dm(
        CUSTOMER,
        "@everyone <@&123> **bold** [link](https://evil.example)",
    )
    .await;
    let relayed = h.fake.wait_message(thread, 1).await;
    let am = &relayed.body["allowed_mentions"];
    assert_eq!(am["parse"], json!([]), "{}", relayed.body);
    assert_eq!(am["roles"], json!([]));
    assert_eq!(am["users"], json!([]));
    let c = relayed.content();
    assert!(!c.contains("@everyone"), "{c}");
    assert!(c.contains("@\u{200B}everyone"), "{c}");
    assert!(!c.contains("<@&"), "{c}");
    assert!(c.contains("\\*\\*bold\\*\\*"), "{c}");
    assert!(c.contains("\\[link\\]\\(https://evil.example\\)"), "{c}");
    h.shutdown().await;
}

/// Scenario 3: a member without the agent role cannot run agent commands in the thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_agent_cannot_close() {
    let h = start().await;
    let thread = h.open_ticket(CUSTOMER).await;
    h.in_thread(thread, 99, &[], "/close").await;
    // An agent's command afterwards proves the non-agent's message was processed before.
    h.in_thread(thread, AGENT, &[AGENT_ROLE], "/claim").await;
    h.fake
        .wait_for(|r| r.is_message_to(thread) && r.content().contains("claimed ticket #1"))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.ticket(thread).await.status, TicketStatus::Open);
    assert!(
        h.fake
            .matching(|r| r.method == "PATCH" && r.path == format!("/channels/{thread}"))
            .is_empty(),
        "the thread was not archived"
    );
    let dm = h.fake.dm_channel(CUSTOMER);
    assert!(
        h.fake
            .messages_to(dm)
            .iter()
            .all(|r| !r.content().contains("closed")),
        "no survey"
    );
    h.shutdown().await;
}

/// Scenario 4: a replayed MESSAGE_CREATE after a gateway reconnect changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_after_reconnect_changes_nothing() {
    let h = start().await;
    let dm = h.fake.dm_channel(CUSTOMER);
    let question = h.dm(CUSTOMER, "How long does delivery take?").await;
    h.fake.wait_message(dm, 0).await;

    h.fake.disconnect().await;
    h.fake.dispatch("MESSAGE_CREATE", question).await;
    assert_eq!(h.fake.resume_count(), 1, "the client resumed its session");
    assert_eq!(h.fake.identify_count(), 1);
    // A fresh message after the replay is answered: the client works after the reconnect.
    h.dm(CUSTOMER, "Do you ship abroad?").await;
    let second = h.fake.wait_message(dm, 1).await;
    assert!(second.content().contains("EU"), "{}", second.content());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.fake.messages_to(dm).len(), 2, "one reply per question");
    let tickets = h
        .store
        .list_tickets(&TicketFilter::default())
        .await
        .unwrap();
    assert!(tickets.is_empty());

    // An abrupt connection loss: the client resumes again; a replay still changes nothing.
    h.fake.kill_connection().await;
    h.dm(CUSTOMER, "Do you ship abroad?").await;
    let third = h.dm(CUSTOMER, "Is shipping free?").await;
    h.fake.wait_message(dm, 3).await;
    h.fake.dispatch("MESSAGE_CREATE", third).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.fake.messages_to(dm).len(), 4);
    assert_eq!(h.fake.resume_count(), 2);
    h.shutdown().await;
}

/// Customers in the support channel are answered as replies there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_channel_answers_as_reply() {
    let h = start().await;
    let m = h
        .fake
        .guild_message(SUPPORT, CUSTOMER, &[], "How long does delivery take?");
    let id = m["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("MESSAGE_CREATE", m).await;
    let answer = h.fake.wait_message(SUPPORT, 0).await;
    assert_eq!(answer.body["message_reference"]["message_id"], json!(id));
    assert!(answer.content().contains("business days"));
    no_mentions(&answer);
    // Someone else pressing the customer's buttons is told privately and changes nothing.
    let bot_msg = answer.created_id.clone().unwrap();
    let question = h
        .fake
        .guild_message(SUPPORT, CUSTOMER, &[], "How long does delivery take?");
    let mut press = h
        .fake
        .button_press(43, SUPPORT, &bot_msg, "human", Some(&[]));
    press["message"]["referenced_message"] = question.clone();
    let pid = press["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", press).await;
    let ack = h
        .fake
        .wait_for(|r| r.path.starts_with(&format!("/interactions/{pid}/")))
        .await;
    assert_eq!(ack.body["type"], 4);
    assert_eq!(ack.body["data"]["flags"], 64);
    // The customer's own press works, and the bot answers as a reply to the pressed message.
    let mut press = h
        .fake
        .button_press(CUSTOMER, SUPPORT, &bot_msg, "human", Some(&[]));
    press["message"]["referenced_message"] = question;
    let pid = press["id"].as_str().unwrap().to_owned();
    h.fake.dispatch("INTERACTION_CREATE", press).await;
    let ack = h
        .fake
        .wait_for(|r| r.path.starts_with(&format!("/interactions/{pid}/")))
        .await;
    assert_eq!(ack.body["type"], 6);
    let opened = h.fake.wait_message(SUPPORT, 1).await;
    assert!(
        opened.content().contains("ticket #1"),
        "{}",
        opened.content()
    );
    assert_eq!(
        opened.body["message_reference"]["message_id"],
        json!(bot_msg)
    );
    let tickets = h
        .store
        .list_tickets(&TicketFilter::default())
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].customer_name, format!("User {CUSTOMER}"));
    // Messages in other guild channels and from bots are ignored.
    let other = h
        .fake
        .guild_message(12345, CUSTOMER, &[], "How long does delivery take?");
    h.fake.dispatch("MESSAGE_CREATE", other).await;
    let mut from_bot = h.fake.dm_message(CUSTOMER, "How long does delivery take?");
    from_bot["author"]["bot"] = json!(true);
    h.fake.dispatch("MESSAGE_CREATE", from_bot).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(h.fake.messages_to(12345).is_empty());
    assert!(h.fake.messages_to(h.fake.dm_channel(CUSTOMER)).is_empty());
    h.shutdown().await;
}

/// Files: inbound attachments become Content::Files and are relayed as links.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_relayed_as_links() {
    let h = start().await;
    let thread = h.open_ticket(CUSTOMER).await;
    let m = h.fake.dm_message(CUSTOMER, "the label");
    let m =
        FakeDiscord::with_attachment(m, "https://cdn.example/label.png", "label.png", "image/png");
    h.fake.dispatch("MESSAGE_CREATE", m).await;
    let relayed = h.fake.wait_message(thread, 1).await;
    assert!(
        relayed
            .content()
            .contains("<https://cdn.example/label.png>"),
        "{}",
        relayed.content()
    );
    let ticket = h.ticket(thread).await;
    let msgs = h.store.ticket_messages(ticket.id).await.unwrap();
    let with_file = msgs
        .iter()
        .find(|m| !m.attachments.is_empty())
        .expect("recorded with its file");
    assert_eq!(
        with_file.attachments[0].kind,
        frontdesk_core::AttachmentKind::Photo
    );
    h.shutdown().await;
}

/// The Channel works without the gateway, and maps failures: 4xx refused, 5xx unavailable.
#[tokio::test]
async fn channel_errors_are_mapped() {
    let fake = FakeDiscord::start().await;
    assert!(!format!("{:?}", config(&fake)).contains("test-token"));
    let empty = DiscordConfig {
        token: " ".into(),
        ..config(&fake)
    };
    assert!(matches!(
        DiscordAdapter::new(empty),
        Err(DiscordError::Config(_))
    ));
    let adapter = DiscordAdapter::new(config(&fake)).unwrap();
    let ch = adapter.channel();
    let to = Endpoint::chat(Platform::discord(), "321");
    let msg = OutMessage::plain(MessageKind::Bot, "hello");
    let sent = ch.send(&to, &msg).await.expect("sent");
    assert!(sent.message_id.is_some());
    fake.fail_requests("/channels/321/messages", 403);
    assert!(matches!(
        ch.send(&to, &msg).await,
        Err(ChannelError::Refused(_))
    ));
    fake.fail_requests("/channels/321/messages", 500);
    assert!(matches!(
        ch.send(&to, &msg).await,
        Err(ChannelError::Unavailable(_))
    ));
    fake.clear_failure();
    // Rooms: open, rename, close, reopen.
    let desk = Endpoint::chat(Platform::discord(), STAFF.to_string());
    let room = ch.open_room(&desk, "#9 · test").await.unwrap();
    assert_eq!(room.thread_id, None);
    ch.rename_room(&room, "#9 · renamed").await.unwrap();
    ch.close_room(&room).await.unwrap();
    ch.reopen_room(&room).await.unwrap();
    let patches =
        fake.matching(|r| r.method == "PATCH" && r.path == format!("/channels/{}", room.chat_id));
    assert_eq!(patches.len(), 3);
    assert_eq!(patches[0].body["name"], "#9 · renamed");
    assert_eq!(patches[2].body["archived"], false);
    // A long text is split under Discord's limit, buttons on the last part.
    let long = OutMessage::plain(MessageKind::Notice, "line\n".repeat(900)).with_buttons(vec![
        frontdesk_core::Button {
            label: "Claim".into(),
            payload: "claim:1".into(),
        },
    ]);
    ch.send(&to, &long).await.unwrap();
    let parts = fake.messages_to(321);
    let parts = &parts[parts.len() - 3..];
    assert!(parts.iter().all(|p| p.content().chars().count() <= 2000));
    assert!(parts[0].button_ids().is_empty());
    assert_eq!(parts[2].button_ids(), vec!["claim:1".to_owned()]);
}

//! The adapter conformance suite: what every Frontdesk platform adapter must do, checked once
//! for all of them from the outside, through the adapter's fake platform server.
//!
//! # What the suite guarantees
//!
//! An adapter that passes [`run_all`] (with the real Engine, a fresh Store and the sample FAQ,
//! whose desk is on the adapter's own platform) does the following, as a customer and an agent
//! see it on the platform:
//!
//! 1. a question the knowledge base knows is answered with the "solved" / "unsolved" buttons;
//! 2. the "unsolved" (talk to a person) button opens a ticket room whose title starts with
//!    `#1`, whose first message is the summary mentioning the question, and the customer is told
//!    the ticket number;
//! 3. an agent's text in the room reaches the customer, an agent's `/note …` does not;
//! 4. a customer message with a mass mention and markup (`@everyone <b>x</b> **y**`) arrives in
//!    the room intact, without a live mention and without its markup being interpreted (what
//!    that means on the wire is the platform's business: [`Platform::is_inert`]);
//! 5. the same platform update delivered twice changes nothing, neither on the platform nor in
//!    the ticket's transcript in the Store;
//! 6. `/close` in the room sends the customer the 1–5 survey, and pressing 4 stores the score
//!    4 (checked through [`Engine::store`]).
//!
//! Every failure message starts with the platform's [`name`](Platform::name).
//!
//! # How a new adapter uses it
//!
//! Implement [`Platform`] for the adapter's fake server (a few lines per method: see
//! [`TelegramPlatform`] and [`DiscordPlatform`]), then write one test in the adapter crate that
//! starts the fake, builds an [`Engine`] whose desk is on that platform with the adapter's
//! Channel in its Router, runs the adapter (`run(engine, stop)`), and calls
//! `run_all(&platform, engine).await`:
//!
//! ```ignore
//! let fake = FakeTelegram::start().await;
//! // ... the adapter and the Engine on a MemoryStore with the sample FAQ, desk = DESK ...
//! let platform = TelegramPlatform::new(fake, DESK);
//! frontdesk_testkit::conformance::run_all(&platform, engine.clone()).await;
//! ```
//!
//! The suite uses the user ids [`CUSTOMER`] and [`AGENT`] and expects ticket numbering to start
//! at 1, so give it a fresh Store.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use frontdesk_core::{Endpoint, Engine, TicketId};
use serde_json::Value;

use crate::discord::FakeDiscord;
use crate::telegram::FakeTelegram;

/// The customer the suite plays.
pub const CUSTOMER: u64 = 1001;
/// The agent the suite plays (the harness gives them whatever makes them an agent).
pub const AGENT: u64 = 77;
/// How long the suite waits for an effect before it fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// The question of scenario 1, answered by the sample FAQ.
const QUESTION: &str = "How do I reset my password?";
/// The part of [`QUESTION`] the room's summary must show.
const QUESTION_CORE: &str = "reset my password";
/// The hostile customer message of scenario 4.
const HOSTILE: &str = "@everyone <b>x</b> **y**";

/// A message the bot sent, in a platform-neutral view.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    /// The text (or caption) exactly as sent to the platform, in its markup.
    pub text: String,
    /// The payloads of the buttons under the message, in order.
    pub button_payloads: Vec<String>,
    /// The raw request body the fake recorded, for platform-specific checks.
    pub request: Value,
}

/// A platform seen from outside, through its fake server: what customers and agents do there,
/// and what the bot sent. Implemented once per adapter; see the [module docs](self).
#[async_trait]
pub trait Platform: Sync {
    /// The platform's name, for failure messages.
    fn name(&self) -> &str;

    /// The customer `user` writes `text` to the bot, privately.
    async fn customer_says(&self, user: u64, text: &str);

    /// The customer `user` presses the button carrying `payload` under the latest message the
    /// bot sent them with such a button. Panics when there is none.
    async fn customer_presses(&self, user: u64, payload: &str);

    /// The agent `agent` writes `text` in the ticket room `room`.
    async fn agent_says(&self, room: &Endpoint, agent: u64, text: &str);

    /// Delivers the last customer update (message or button press) again, as the platform does
    /// after a lost acknowledgement or a reconnect: the same platform message, once more.
    async fn replay_last_customer_update(&self);

    /// Waits until the adapter has handled everything delivered so far, as far as the platform
    /// lets one tell (an acknowledged offset, or a short grace period).
    async fn settle(&self);

    /// The messages the bot sent to `user` privately so far, oldest first.
    fn sent_to_customer(&self, user: u64) -> Vec<Sent>;

    /// The ticket rooms the bot opened so far, oldest first, with their titles.
    fn rooms_opened(&self) -> Vec<(Endpoint, String)>;

    /// The messages the bot sent in `room` so far, oldest first.
    fn sent_in_room(&self, room: &Endpoint) -> Vec<Sent>;

    /// Whether `sent`, the relay of the customer's `original` text, is inert on this platform:
    /// the text arrived intact, nobody is mentioned and no markup of it is interpreted.
    fn is_inert(&self, sent: &Sent, original: &str) -> bool;
}

/// Runs every scenario of the suite in order (see the [module docs](self)) against a running
/// adapter whose Engine is `engine`. Panics, naming the platform, at the first failure.
pub async fn run_all(p: &impl Platform, engine: Arc<Engine>) {
    let answer = kb_question_is_answered_with_buttons(p).await;
    let room = handoff_opens_a_room(p, &answer).await;
    agent_text_reaches_the_customer_a_note_does_not(p, &room).await;
    customer_markup_arrives_inert(p, &room).await;
    a_replayed_update_changes_nothing(p, &room, &engine).await;
    close_sends_the_survey_and_the_score_is_stored(p, &room, &engine).await;
}

/// Scenario 1: a KB question is answered with "solved" / "unsolved" buttons. Returns the
/// answer.
pub async fn kb_question_is_answered_with_buttons(p: &impl Platform) -> Sent {
    let before = p.sent_to_customer(CUSTOMER).len();
    p.customer_says(CUSTOMER, QUESTION).await;
    let answer = wait_to_customer(p, before, "the KB answer with buttons", |s| {
        !s.button_payloads.is_empty()
    })
    .await;
    let name = p.name();
    for kind in ["solved:", "unsolved:"] {
        assert!(
            answer.button_payloads.iter().any(|b| b.starts_with(kind)),
            "[{name}] the answer has no `{kind}` button: {answer:?}"
        );
    }
    answer
}

/// Scenario 2: the "unsolved" button of `answer` opens room `#1` with the summary first, and
/// the customer is told the ticket number. Returns the room.
pub async fn handoff_opens_a_room(p: &impl Platform, answer: &Sent) -> Endpoint {
    let name = p.name();
    let unsolved = answer
        .button_payloads
        .iter()
        .find(|b| b.starts_with("unsolved:"))
        .unwrap_or_else(|| panic!("[{name}] no `unsolved:` button in {answer:?}"));
    let before = p.sent_to_customer(CUSTOMER).len();
    let rooms_before = p.rooms_opened().len();
    p.customer_presses(CUSTOMER, unsolved).await;
    let (room, title) = wait_until(p, "a ticket room to open", || {
        p.rooms_opened().into_iter().nth(rooms_before)
    })
    .await;
    assert!(
        title.starts_with("#1"),
        "[{name}] the room's title does not start with #1: {title:?}"
    );
    let summary = wait_until(p, "the summary in the room", || {
        p.sent_in_room(&room).into_iter().next()
    })
    .await;
    assert!(
        summary.text.contains("#1") && summary.text.contains(QUESTION_CORE),
        "[{name}] the room's first message is not a summary of ticket #1 mentioning the \
         question: {summary:?}"
    );
    wait_to_customer(p, before, "the ticket number told to the customer", |s| {
        s.text.contains("#1")
    })
    .await;
    room
}

/// Scenario 3: an agent's text in `room` reaches the customer; a `/note …` does not.
pub async fn agent_text_reaches_the_customer_a_note_does_not(p: &impl Platform, room: &Endpoint) {
    let name = p.name();
    let before = p.sent_to_customer(CUSTOMER).len();
    p.agent_says(room, AGENT, "Hello from the desk").await;
    wait_to_customer(p, before, "the agent's reply", |s| {
        s.text.contains("Hello from the desk")
    })
    .await;
    p.agent_says(room, AGENT, "/note internal remark zebra")
        .await;
    p.agent_says(room, AGENT, "Second reply from the desk")
        .await;
    wait_to_customer(p, before, "the agent's reply after the note", |s| {
        s.text.contains("Second reply from the desk")
    })
    .await;
    p.settle().await;
    let leaked: Vec<Sent> = p
        .sent_to_customer(CUSTOMER)
        .into_iter()
        .filter(|s| s.text.contains("zebra"))
        .collect();
    assert!(
        leaked.is_empty(),
        "[{name}] an agent's /note reached the customer: {leaked:?}"
    );
}

/// Scenario 4: a customer message with a mass mention and markup arrives in `room` inert.
pub async fn customer_markup_arrives_inert(p: &impl Platform, room: &Endpoint) {
    let name = p.name();
    let before = p.sent_in_room(room).len();
    p.customer_says(CUSTOMER, HOSTILE).await;
    let relay = wait_in_room(p, room, before, "the customer's hostile message", |s| {
        s.text.contains("everyone")
    })
    .await;
    assert!(
        p.is_inert(&relay, HOSTILE),
        "[{name}] the customer's {HOSTILE:?} arrived live (a mention or markup would be \
         interpreted): {relay:?}"
    );
}

/// Scenario 5: the last customer update (the message of scenario 4) delivered again changes
/// nothing: no second relay in `room`, nothing new for the customer, the same transcript.
pub async fn a_replayed_update_changes_nothing(
    p: &impl Platform,
    room: &Endpoint,
    engine: &Engine,
) {
    let name = p.name();
    p.settle().await;
    let ticket = ticket_of_room(p, engine, room).await;
    let transcript = transcript_len(p, engine, ticket).await;
    let in_room = p.sent_in_room(room).len();
    let to_customer = p.sent_to_customer(CUSTOMER).len();

    p.replay_last_customer_update().await;
    // A fresh message afterwards proves the adapter went past the replay.
    p.customer_says(CUSTOMER, "marker after the replay").await;
    wait_in_room(p, room, in_room, "the message after the replay", |s| {
        s.text.contains("marker after the replay")
    })
    .await;
    p.settle().await;

    let relays: Vec<Sent> = p.sent_in_room(room).into_iter().skip(in_room).collect();
    assert_eq!(
        relays.len(),
        1,
        "[{name}] a replayed update was relayed again: {relays:?}"
    );
    let told: Vec<Sent> = p
        .sent_to_customer(CUSTOMER)
        .into_iter()
        .skip(to_customer)
        .collect();
    assert!(
        told.is_empty(),
        "[{name}] the customer was sent something after the replay: {told:?}"
    );
    assert_eq!(
        transcript_len(p, engine, ticket).await,
        transcript + 1,
        "[{name}] the transcript holds the replayed message twice (or lost the marker)"
    );
    assert_eq!(
        p.rooms_opened().len(),
        1,
        "[{name}] a replay opened another room"
    );
}

/// Scenario 6: `/close` in `room` sends the customer the 1–5 survey; pressing 4 stores 4.
pub async fn close_sends_the_survey_and_the_score_is_stored(
    p: &impl Platform,
    room: &Endpoint,
    engine: &Engine,
) {
    let name = p.name();
    let before = p.sent_to_customer(CUSTOMER).len();
    p.agent_says(room, AGENT, "/close").await;
    let survey = wait_to_customer(p, before, "the survey", |s| {
        s.button_payloads.iter().any(|b| b.starts_with("rate:"))
    })
    .await;
    let rates: Vec<&String> = survey
        .button_payloads
        .iter()
        .filter(|b| b.starts_with("rate:"))
        .collect();
    assert_eq!(
        rates.len(),
        5,
        "[{name}] the survey does not offer 1–5: {survey:?}"
    );
    for (score, payload) in (1..=5).zip(&rates) {
        assert!(
            payload.ends_with(&format!(":{score}")),
            "[{name}] survey button {score} carries {payload:?}"
        );
    }
    let four = rates[3].clone();
    let ticket = TicketId(
        four.split(':')
            .nth(1)
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("[{name}] not rate:<ticket>:<score>: {four:?}")),
    );
    assert_eq!(
        ticket,
        ticket_of_room(p, engine, room).await,
        "[{name}] the survey is not about the room's ticket"
    );
    p.customer_presses(CUSTOMER, &four).await;
    wait_score(p, engine, ticket, 4).await;
}

// ---- waiting -----------------------------------------------------------------------------

/// Polls `f` (every 20 ms, at most [`WAIT`]) until it gives a value; panics naming the
/// platform and `what` otherwise.
async fn wait_until<T>(p: &impl Platform, what: &str, f: impl Fn() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "[{}] timed out after {WAIT:?} waiting for {what}",
            p.name()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for a message to [`CUSTOMER`] matching `pred`, among those from index `since` on.
async fn wait_to_customer(
    p: &impl Platform,
    since: usize,
    what: &str,
    pred: impl Fn(&Sent) -> bool,
) -> Sent {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let sent = p.sent_to_customer(CUSTOMER);
        if let Some(s) = sent.iter().skip(since).find(|s| pred(s)) {
            return s.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "[{}] timed out after {WAIT:?} waiting for {what}; sent to the customer:\n{sent:#?}",
            p.name()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for a message in `room` matching `pred`, among those from index `since` on.
async fn wait_in_room(
    p: &impl Platform,
    room: &Endpoint,
    since: usize,
    what: &str,
    pred: impl Fn(&Sent) -> bool,
) -> Sent {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let sent = p.sent_in_room(room);
        if let Some(s) = sent.iter().skip(since).find(|s| pred(s)) {
            return s.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "[{}] timed out after {WAIT:?} waiting for {what}; sent in room {room}:\n{sent:#?}",
            p.name()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the survey of `ticket` holds `score`.
async fn wait_score(p: &impl Platform, engine: &Engine, ticket: TicketId, score: i64) {
    let name = p.name();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let survey = engine
            .store()
            .survey(ticket)
            .await
            .unwrap_or_else(|e| panic!("[{name}] the Store failed: {e}"));
        if survey.as_ref().is_some_and(|s| s.score == Some(score)) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "[{name}] the score {score} was not stored within {WAIT:?}: {survey:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The ticket whose room is `room`.
async fn ticket_of_room(p: &impl Platform, engine: &Engine, room: &Endpoint) -> TicketId {
    let name = p.name();
    engine
        .store()
        .ticket_by_room(room)
        .await
        .unwrap_or_else(|e| panic!("[{name}] the Store failed: {e}"))
        .unwrap_or_else(|| panic!("[{name}] no ticket in the Store has the room {room}"))
        .id
}

/// How many messages the transcript of `ticket` holds.
async fn transcript_len(p: &impl Platform, engine: &Engine, ticket: TicketId) -> usize {
    engine
        .store()
        .ticket_messages(ticket)
        .await
        .unwrap_or_else(|e| panic!("[{}] the Store failed: {e}", p.name()))
        .len()
}

// ---- the escaping checks -------------------------------------------------------------------

/// Whether `text` holds `original` with every char in `must` preceded by a backslash, every char
/// in `may` optionally so, and every `@` optionally followed by a zero-width space.
fn contains_escaped(text: &str, original: &str, must: &str, may: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let orig: Vec<char> = original.chars().collect();
    let matches_at = |start: usize| {
        let mut i = start;
        for &c in &orig {
            if must.contains(c) {
                if text.get(i) != Some(&'\\') {
                    return false;
                }
                i += 1;
            } else if may.contains(c) && text.get(i) == Some(&'\\') {
                i += 1;
            }
            if text.get(i) != Some(&c) {
                return false;
            }
            i += 1;
            if c == '@' && text.get(i) == Some(&'\u{200B}') {
                i += 1;
            }
        }
        true
    };
    (0..text.len()).any(matches_at)
}

/// `s` escaped for Telegram's HTML parse mode.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ---- Telegram --------------------------------------------------------------------------------

/// [`Platform`] for the Telegram adapter, through [`FakeTelegram`]: customers write in their
/// private chat (chat id = user id), agents in the forum topics of the desk supergroup, every
/// member of which is an agent.
pub struct TelegramPlatform {
    fake: FakeTelegram,
    desk: i64,
    last_customer_update: Mutex<Option<Value>>,
}

impl TelegramPlatform {
    /// The platform on `fake`, with the desk supergroup `desk` (the adapter's desk chat).
    pub fn new(fake: FakeTelegram, desk: i64) -> TelegramPlatform {
        TelegramPlatform {
            fake,
            desk,
            last_customer_update: Mutex::new(None),
        }
    }

    /// The fake server.
    pub fn fake(&self) -> &FakeTelegram {
        &self.fake
    }

    fn remember(&self, update: Value) {
        *self
            .last_customer_update
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(update);
    }

    /// Successful message sends (text, photo, document) matching `pred`, as [`Sent`] with the
    /// id of the message the fake returned.
    fn sends(&self, pred: impl Fn(&crate::telegram::Request) -> bool) -> Vec<(Sent, Option<i64>)> {
        self.fake
            .matching(|r| {
                r.ok && (r.is("sendMessage") || r.is("sendPhoto") || r.is("sendDocument"))
                    && pred(r)
            })
            .into_iter()
            .map(|r| {
                let sent = Sent {
                    text: r.text().unwrap_or_default().to_owned(),
                    button_payloads: r.button_payloads(),
                    request: r.body.clone(),
                };
                (sent, r.sent_message_id())
            })
            .collect()
    }

    fn to_user(&self, user: u64) -> Vec<(Sent, Option<i64>)> {
        let chat = user as i64;
        self.sends(|r| r.chat_id() == Some(chat))
    }
}

#[async_trait]
impl Platform for TelegramPlatform {
    fn name(&self) -> &str {
        "telegram"
    }

    async fn customer_says(&self, user: u64, text: &str) {
        let update = self.fake.customer_text(user as i64, text);
        self.remember(update);
    }

    async fn customer_presses(&self, user: u64, payload: &str) {
        let message_id = self
            .to_user(user)
            .into_iter()
            .rev()
            .find(|(s, _)| s.button_payloads.iter().any(|b| b == payload))
            .and_then(|(_, id)| id)
            .unwrap_or_else(|| panic!("[telegram] no message to {user} with a button {payload:?}"));
        let update = self.fake.press_button(user as i64, message_id, payload);
        self.remember(update);
    }

    async fn agent_says(&self, room: &Endpoint, agent: u64, text: &str) {
        let thread = room
            .thread_id
            .as_deref()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("[telegram] room {room} is not a forum topic"));
        self.fake
            .agent_text_in_topic(self.desk, thread, agent as i64, text);
    }

    async fn replay_last_customer_update(&self) {
        let last = self
            .last_customer_update
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .expect("[telegram] no customer update to replay");
        // The same message under a new update id, as after a lost acknowledgement (the old
        // update id is below the confirmed offset: Telegram would not hand it out again).
        self.fake.redeliver(&last);
    }

    async fn settle(&self) {
        // The adapter confirms an update (by the offset) only once it is fully handled.
        self.fake.wait_until_confirmed().await;
    }

    fn sent_to_customer(&self, user: u64) -> Vec<Sent> {
        self.to_user(user).into_iter().map(|(s, _)| s).collect()
    }

    fn rooms_opened(&self) -> Vec<(Endpoint, String)> {
        self.fake
            .matching(|r| r.is("createForumTopic") && r.ok)
            .into_iter()
            .map(|r| {
                let room = Endpoint {
                    platform: frontdesk_core::Platform::telegram(),
                    chat_id: r.chat_id().unwrap_or_default().to_string(),
                    thread_id: r.result["message_thread_id"]
                        .as_i64()
                        .map(|t| t.to_string()),
                };
                (room, r.str_param("name").unwrap_or_default().to_owned())
            })
            .collect()
    }

    fn sent_in_room(&self, room: &Endpoint) -> Vec<Sent> {
        let chat = room.chat_id.parse::<i64>().ok();
        let thread = room
            .thread_id
            .as_deref()
            .and_then(|t| t.parse::<i64>().ok());
        self.sends(|r| r.chat_id() == chat && r.thread_id() == thread)
            .into_iter()
            .map(|(s, _)| s)
            .collect()
    }

    /// Telegram has no mass mentions; what matters is the parse mode: in plain text nothing is
    /// interpreted, in HTML the customer's text must arrive HTML-escaped (a live `<b>` or
    /// `<a href="tg://user?id=…">` would be markup). Markdown modes are refused outright.
    fn is_inert(&self, sent: &Sent, original: &str) -> bool {
        // Telegram makes a mention of `@` directly followed by a name character: none may
        // be left; the text shows as written once zero-width characters are taken out.
        let t = &sent.text;
        let live_mention = t.match_indices('@').any(|(i, _)| {
            t[i + 1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        });
        let shown: String = t
            .chars()
            .filter(|c| !matches!(c, '\u{200B}' | '\u{200D}' | '\u{2060}'))
            .collect();
        !live_mention
            && match sent.request.get("parse_mode").and_then(Value::as_str) {
                None => shown.contains(original),
                Some(m) if m.eq_ignore_ascii_case("html") => shown.contains(&html_escape(original)),
                Some(_) => false,
            }
    }
}

// ---- Discord ---------------------------------------------------------------------------------

/// [`Platform`] for the Discord adapter, through [`FakeDiscord`]: customers write in their DM
/// with the bot, agents (members with the agent role) in the ticket's private thread.
pub struct DiscordPlatform {
    fake: FakeDiscord,
    staff_channel: u64,
    agent_role: u64,
    last_customer_update: Mutex<Option<(String, Value)>>,
}

impl DiscordPlatform {
    /// The platform on `fake`, whose ticket threads open in `staff_channel` and whose agents
    /// have the role `agent_role`.
    pub fn new(fake: FakeDiscord, staff_channel: u64, agent_role: u64) -> DiscordPlatform {
        DiscordPlatform {
            fake,
            staff_channel,
            agent_role,
            last_customer_update: Mutex::new(None),
        }
    }

    /// The fake server.
    pub fn fake(&self) -> &FakeDiscord {
        &self.fake
    }

    async fn deliver(&self, event: &str, data: Value) {
        *self
            .last_customer_update
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some((event.to_owned(), data.clone()));
        self.fake.dispatch(event, data).await;
    }

    fn messages(&self, channel: u64) -> Vec<(Sent, Option<String>)> {
        self.fake
            .messages_to(channel)
            .into_iter()
            .filter(|r| r.created_id.is_some())
            .map(|r| {
                let sent = Sent {
                    text: r.content().to_owned(),
                    button_payloads: r.button_ids(),
                    request: r.body.clone(),
                };
                (sent, r.created_id)
            })
            .collect()
    }
}

#[async_trait]
impl Platform for DiscordPlatform {
    fn name(&self) -> &str {
        "discord"
    }

    async fn customer_says(&self, user: u64, text: &str) {
        let m = self.fake.dm_message(user, text);
        self.deliver("MESSAGE_CREATE", m).await;
    }

    async fn customer_presses(&self, user: u64, payload: &str) {
        let dm = self.fake.dm_channel(user);
        let message_id = self
            .messages(dm)
            .into_iter()
            .rev()
            .find(|(s, _)| s.button_payloads.iter().any(|b| b == payload))
            .and_then(|(_, id)| id)
            .unwrap_or_else(|| panic!("[discord] no message to {user} with a button {payload:?}"));
        let press = self.fake.button_press(user, dm, &message_id, payload, None);
        self.deliver("INTERACTION_CREATE", press).await;
    }

    async fn agent_says(&self, room: &Endpoint, agent: u64, text: &str) {
        let thread: u64 = room
            .chat_id
            .parse()
            .unwrap_or_else(|_| panic!("[discord] room {room} is not a thread"));
        let m = self
            .fake
            .thread_message(thread, agent, &[self.agent_role], text);
        self.fake.dispatch("MESSAGE_CREATE", m).await;
    }

    async fn replay_last_customer_update(&self) {
        let (event, data) = self
            .last_customer_update
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .expect("[discord] no customer update to replay");
        // The same event with the same message id, as after a gateway resume.
        self.fake.dispatch(&event, data).await;
    }

    async fn settle(&self) {
        // The gateway has no acknowledgement to wait for: a grace period.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    fn sent_to_customer(&self, user: u64) -> Vec<Sent> {
        let dm = self.fake.dm_channel(user);
        self.messages(dm).into_iter().map(|(s, _)| s).collect()
    }

    fn rooms_opened(&self) -> Vec<(Endpoint, String)> {
        let path = format!("/channels/{}/threads", self.staff_channel);
        self.fake
            .matching(|r| r.method == "POST" && r.path == path)
            .into_iter()
            .filter_map(|r| {
                let id = r.created_id?;
                let title = r.body["name"].as_str().unwrap_or_default().to_owned();
                Some((
                    Endpoint::chat(frontdesk_core::Platform::discord(), id),
                    title,
                ))
            })
            .collect()
    }

    fn sent_in_room(&self, room: &Endpoint) -> Vec<Sent> {
        room.chat_id
            .parse()
            .map(|thread| self.messages(thread).into_iter().map(|(s, _)| s).collect())
            .unwrap_or_default()
    }

    /// Inert on Discord: no `@everyone`, `@here` or `<@…>` token in the content, mention
    /// parsing off in `allowed_mentions`, and the customer's text intact with every Markdown
    /// character that would format (asterisk, underscore, tilde, backtick, pipe, backslash)
    /// backslash-escaped.
    fn is_inert(&self, sent: &Sent, original: &str) -> bool {
        let t = &sent.text;
        let no_tokens = !t.contains("@everyone") && !t.contains("@here") && !t.contains("<@");
        let am = &sent.request["allowed_mentions"];
        let parses_nothing = am["parse"].as_array().is_some_and(Vec::is_empty);
        let nobody = ["users", "roles"]
            .iter()
            .all(|k| am[*k].as_array().is_none_or(Vec::is_empty));
        no_tokens
            && parses_nothing
            && nobody
            && contains_escaped(t, original, "*_~`|\\", "[]()<>#-+")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_forms() {
        let discord = "**User 1:**\n@\u{200B}everyone \\<b>x\\</b> \\*\\*y\\*\\*";
        assert!(contains_escaped(discord, HOSTILE, "*_~`|\\", "[]()<>#-+"));
        assert!(!contains_escaped(
            "@everyone <b>x</b> **y**",
            HOSTILE,
            "*_~`|\\",
            "[]()<>#-+"
        ));
        assert_eq!(html_escape(HOSTILE), "@everyone &lt;b&gt;x&lt;/b&gt; **y**");
    }
}

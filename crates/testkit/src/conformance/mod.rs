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

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use frontdesk_core::{Endpoint, Engine, TicketId};
use serde_json::Value;

mod discord;
mod escaping;
mod telegram;

pub use discord::DiscordPlatform;
pub use telegram::TelegramPlatform;

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

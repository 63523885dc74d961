//! [`DiscordPlatform`]: the conformance suite's view of Discord, through [`FakeDiscord`].

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use frontdesk_core::Endpoint;
use serde_json::Value;

use super::escaping::contains_escaped;
use super::{Platform, Sent};
use crate::discord::FakeDiscord;

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

//! [`TelegramPlatform`]: the conformance suite's view of Telegram, through [`FakeTelegram`].

use std::sync::Mutex;

use async_trait::async_trait;
use frontdesk_core::Endpoint;
use serde_json::Value;

use super::escaping::html_escape;
use super::{Platform, Sent};
use crate::telegram::FakeTelegram;

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

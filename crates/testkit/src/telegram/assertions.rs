//! The recorded [`Request`] and the assertion helpers of [`FakeTelegram`]: listing the
//! requests received, waiting for one to match, dumping them for failure messages.

use std::time::Duration;

use serde_json::Value;

use super::{FakeTelegram, WAIT, as_i64};

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Request {
    /// The method name as sent (teloxide capitalises it: `SendMessage`).
    pub method: String,
    /// The parameters, as JSON (multipart fields are converted to JSON values).
    pub body: Value,
    /// Whether the fake answered with success.
    pub ok: bool,
    /// The `result` the fake answered with (`null` while pending or on failure).
    pub result: Value,
}

impl Request {
    /// Whether this is a call of `method` (case-insensitive).
    pub fn is(&self, method: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
    }

    /// The `chat_id` parameter as a number.
    pub fn chat_id(&self) -> Option<i64> {
        as_i64(self.body.get("chat_id")?)
    }

    /// The `message_thread_id` parameter.
    pub fn thread_id(&self) -> Option<i64> {
        as_i64(self.body.get("message_thread_id")?)
    }

    /// The `message_id` parameter.
    pub fn message_id(&self) -> Option<i64> {
        as_i64(self.body.get("message_id")?)
    }

    /// The `text` parameter (or `caption` for media).
    pub fn text(&self) -> Option<&str> {
        self.body
            .get("text")
            .or_else(|| self.body.get("caption"))
            .and_then(Value::as_str)
    }

    /// The file uploaded whole with a `sendDocument` (multipart): its name and its content
    /// as text; `None` for a document sent by file id.
    pub fn uploaded_document(&self) -> Option<(String, String)> {
        let d = self.body.get("document")?.as_object()?;
        Some((
            d.get("file_name")?.as_str()?.to_owned(),
            d.get("content")?.as_str()?.to_owned(),
        ))
    }

    /// The `parse_mode` parameter.
    pub fn parse_mode(&self) -> Option<&str> {
        self.body.get("parse_mode").and_then(Value::as_str)
    }

    /// The callback data of the inline keyboard buttons in `reply_markup`, row by row flattened.
    pub fn button_payloads(&self) -> Vec<String> {
        self.body
            .get("reply_markup")
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
            .map(|rows| {
                rows.iter()
                    .filter_map(Value::as_array)
                    .flatten()
                    .filter_map(|b| b.get("callback_data").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `message_id` of the message the fake returned for this call (`sendMessage`, ...).
    pub fn sent_message_id(&self) -> Option<i64> {
        self.result.get("message_id").and_then(Value::as_i64)
    }

    /// The `business_connection_id` parameter: the business connection the request was made
    /// through, if any.
    pub fn business_connection_id(&self) -> Option<&str> {
        self.str_param("business_connection_id")
    }

    /// A string parameter.
    pub fn str_param(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

impl FakeTelegram {
    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.inner.lock().requests.clone()
    }

    /// How many requests were received so far (a mark for [`FakeTelegram::wait_for_since`]).
    pub fn mark(&self) -> usize {
        self.inner.lock().requests.len()
    }

    /// Requests other than `getUpdates`, `getMe` and the webhook calls (what the bot did).
    pub fn actions(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| {
                ![
                    "getUpdates",
                    "getMe",
                    "getWebhookInfo",
                    "deleteWebhook",
                    "setWebhook",
                ]
                .iter()
                .any(|m| r.is(m))
            })
            .collect()
    }

    /// Requests matching `pred`.
    pub fn matching(&self, pred: impl Fn(&Request) -> bool) -> Vec<Request> {
        self.requests().into_iter().filter(|r| pred(r)).collect()
    }

    /// Waits (up to [`WAIT`]) for a request matching `pred`, among all requests so far and
    /// to come. Panics with the requests seen when none arrives in time.
    pub async fn wait_for(&self, pred: impl Fn(&Request) -> bool) -> Request {
        self.wait_for_since(0, pred).await
    }

    /// Like [`FakeTelegram::wait_for`], among the requests from index `since` on (see
    /// [`FakeTelegram::mark`]).
    pub async fn wait_for_since(&self, since: usize, pred: impl Fn(&Request) -> bool) -> Request {
        match self.try_wait_for_since(since, WAIT, pred).await {
            Some(r) => r,
            None => panic!(
                "no matching Telegram request within {WAIT:?}; requests since #{since}:\n{}",
                self.dump(since)
            ),
        }
    }

    /// Waits up to `timeout` for a request matching `pred` from index `since` on.
    pub async fn try_wait_for_since(
        &self,
        since: usize,
        timeout: Duration,
        pred: impl Fn(&Request) -> bool,
    ) -> Option<Request> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let st = self.inner.lock();
                if let Some(r) = st.requests.iter().skip(since).find(|r| pred(r)) {
                    return Some(r.clone());
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits (up to [`WAIT`]) until every queued update has been confirmed by a `getUpdates`
    /// offset, i.e. the client processed them all.
    pub async fn wait_until_confirmed(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if self.inner.lock().updates.is_empty() {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "updates not confirmed within {WAIT:?}: {:?}",
                    self.pending_update_ids()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The requests from index `since` on, one per line, for failure messages.
    pub fn dump(&self, since: usize) -> String {
        self.requests()
            .iter()
            .enumerate()
            .skip(since)
            .filter(|(_, r)| !r.is("getUpdates"))
            .map(|(i, r)| {
                format!(
                    "#{i} {}{} {}",
                    r.method,
                    if r.ok { "" } else { " (failed)" },
                    r.body
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

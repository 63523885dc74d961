//! Webhook mode of [`FakeTelegram`]: the URL and secret registered with `setWebhook`,
//! and delivering updates to it the way Telegram does.

use std::time::Duration;

use serde_json::Value;

use super::{FakeTelegram, WAIT};

impl FakeTelegram {
    /// The URL registered with `setWebhook` (`None` before, or after `deleteWebhook`).
    pub fn webhook_url(&self) -> Option<String> {
        self.inner
            .lock()
            .webhook
            .as_ref()
            .map(|(url, _)| url.clone())
    }

    /// The `secret_token` registered with `setWebhook` (empty when none was given).
    pub fn webhook_secret(&self) -> Option<String> {
        self.inner
            .lock()
            .webhook
            .as_ref()
            .map(|(_, secret)| secret.clone())
    }

    /// Waits (up to [`WAIT`]) until a webhook is registered; returns its URL.
    pub async fn wait_for_webhook(&self) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(url) = self.webhook_url() {
                return url;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "no webhook registered within {WAIT:?}; requests:\n{}",
                    self.dump(0)
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Delivers `update` the way Telegram does: POSTs it as JSON to the registered webhook
    /// URL with the registered secret in the `X-Telegram-Bot-Api-Secret-Token` header.
    /// Returns the HTTP status of the answer. Panics when no webhook is registered or the
    /// endpoint cannot be reached (see [`FakeTelegram::try_deliver_webhook`]).
    pub async fn deliver_webhook(&self, update: Value) -> u16 {
        let secret = self.webhook_secret().filter(|s| !s.is_empty());
        self.deliver_webhook_with_secret(update, secret.as_deref())
            .await
    }

    /// Like [`FakeTelegram::deliver_webhook`] with the header set to `secret` (left out when
    /// `None`), e.g. a wrong one.
    pub async fn deliver_webhook_with_secret(&self, update: Value, secret: Option<&str>) -> u16 {
        match self.try_deliver_webhook(&update, secret).await {
            Ok(status) => status,
            Err(e) => panic!("webhook delivery failed: {e}"),
        }
    }

    /// POSTs `update` to the registered webhook URL with `secret` as the secret header (left
    /// out when `None`). The HTTP status, or why no answer came (no webhook registered,
    /// connection refused, ...).
    pub async fn try_deliver_webhook(
        &self,
        update: &Value,
        secret: Option<&str>,
    ) -> Result<u16, String> {
        let url = self
            .webhook_url()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| "no webhook registered".to_owned())?;
        let mut req = reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            .timeout(WAIT)
            .body(update.to_string());
        if let Some(s) = secret {
            req = req.header("x-telegram-bot-api-secret-token", s);
        }
        let resp = req.send().await.map_err(|e| format!("POST {url}: {e}"))?;
        Ok(resp.status().as_u16())
    }
}

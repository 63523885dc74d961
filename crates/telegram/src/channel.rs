//! The outbound side: [`TelegramChannel`], the core's [`Channel`] for Telegram.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use frontdesk_core::{
    Attachment, AttachmentKind, Button, Channel, ChannelError, Endpoint, MessageKind, OutFile,
    OutMessage, Platform, Sent,
};
use teloxide::payloads::{
    EditForumTopicSetters, SendDocumentSetters, SendMessageSetters, SendPhotoSetters,
};
use teloxide::prelude::*;
use teloxide::requests::{Output, Request};
use teloxide::types::{
    BusinessConnectionId, ChatId, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
    LinkPreviewOptions, MessageId, ParseMode, ThreadId,
};
use teloxide::{ApiError, RequestError};
use tracing::{debug, warn};

use crate::business::{self, ConnectionState, Connections};
use crate::limit::{Limiter, Limits};
use crate::render::{escape, plain, render, rendered_len};
use frontdesk_core::split::{split_text, utf16_len};

/// Longest message text Telegram accepts, in UTF-16 code units after entity parsing.
const TEXT_MAX: usize = 4096;
/// Room left in each piece for what entity parsing cannot shrink.
const TEXT_MARGIN: usize = 16;
/// Longest caption Telegram accepts (UTF-16 code units).
const CAPTION_MAX: usize = 1024;
/// Longest forum topic name Telegram accepts.
const TOPIC_NAME_MAX: usize = 128;
/// How many times a request refused with 429 is retried here after a short wait; a longer
/// wait, or a 429 that persists, goes back to the outbox, which waits it out durably.
const MAX_RETRIES: u32 = 2;
/// Longest 429 wait spent here rather than in the outbox.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

/// Sends messages and manages forum topics for the Engine.
pub(crate) struct TelegramChannel {
    bot: Bot,
    agent_mention: Option<String>,
    /// Telegram's per-chat and global limits, enforced before each request.
    limiter: Limiter,
    /// Telegram Business connections (their state decides whether a business chat may be
    /// sent to).
    business: Arc<Connections>,
}

/// One request of an outbound message.
enum Op {
    Text(String),
    Photo(String, String),
    Document(String, String),
    /// A file uploaded whole (`sendDocument`, multipart), with its caption.
    Upload(OutFile, String),
}

impl TelegramChannel {
    pub(crate) fn new(
        bot: Bot,
        agent_mention: Option<String>,
        business: Arc<Connections>,
    ) -> Arc<TelegramChannel> {
        Arc::new(TelegramChannel {
            bot,
            agent_mention,
            limiter: Limiter::new(Limits::default()),
            business,
        })
    }

    /// Checks that the bot may send through business connection `id`: its recorded state
    /// (asked with `getBusinessConnection`, and recorded, when nothing is) must be enabled
    /// with the right to reply. Otherwise nothing is sent and the message fails as
    /// [`ChannelError::Unreachable`].
    async fn business_allows(&self, id: &BusinessConnectionId) -> Result<(), ChannelError> {
        let state = match self.business.recorded(&id.0).await? {
            Some(s) => s,
            None => {
                let req = self.bot.get_business_connection(id.clone());
                match self.call("getBusinessConnection", req).await {
                    Ok(c) => {
                        let s = ConnectionState::of(&c);
                        self.business.record(&id.0, &s).await.map_err(|e| {
                            ChannelError::Unavailable(format!("recording business connection: {e}"))
                        })?;
                        s
                    }
                    Err(e) => {
                        return Err(match channel_error(e) {
                            ChannelError::Refused(why) => ChannelError::Unreachable(format!(
                                "business connection {id} unknown to Telegram: {why}"
                            )),
                            other => other,
                        });
                    }
                }
            }
        };
        match state.refusal() {
            Some(why) => {
                warn!(connection = %id, why, "not sent through the business connection");
                Err(ChannelError::Unreachable(format!("{why} ({id})")))
            }
            None => Ok(()),
        }
    }

    /// Sends a request that posts no message (topic management, callback answers, edits)
    /// through the rate limiter's global spacing; see [`TelegramChannel::call_in`].
    pub(crate) async fn call<R>(&self, what: &str, req: R) -> Result<Output<R>, RequestError>
    where
        R: Request<Err = RequestError> + Sync,
    {
        self.call_in(None, what, req).await
    }

    /// Sends a request through the rate limiter: a message to `chat` first waits for that
    /// chat's own limit (without holding up other chats), then every request for the global
    /// spacing. A short 429 (`RetryAfter` up to [`MAX_RETRY_WAIT`]) is waited out and the
    /// request retried, up to [`MAX_RETRIES`] times; a longer or persisting one is returned
    /// (as [`ChannelError::RateLimited`]) for the outbox to retry. Either way every other
    /// request waits too. Other errors are returned at once.
    async fn call_in<R>(
        &self,
        chat: Option<ChatId>,
        what: &str,
        req: R,
    ) -> Result<Output<R>, RequestError>
    where
        R: Request<Err = RequestError> + Sync,
    {
        let chat = chat.map(|c| c.0);
        let mut attempt = 0;
        loop {
            self.limiter.acquire(chat).await;
            match req.send_ref().await {
                Err(RequestError::RetryAfter(s))
                    if attempt < MAX_RETRIES && s.duration() <= MAX_RETRY_WAIT =>
                {
                    attempt += 1;
                    let wait = s.duration();
                    warn!(
                        what,
                        attempt,
                        wait_secs = wait.as_secs(),
                        "Telegram flood limit (429): waiting to retry"
                    );
                    // Hold back every other request too (as teloxide's Throttle does); the
                    // chat restarts with an empty bucket.
                    self.limiter.hold(chat, wait);
                }
                Err(RequestError::RetryAfter(s)) => {
                    warn!(
                        what,
                        wait_secs = s.duration().as_secs(),
                        "Telegram flood limit (429): left to the outbox"
                    );
                    self.limiter.hold(chat, s.duration());
                    return Err(RequestError::RetryAfter(s));
                }
                other => return other,
            }
        }
    }

    /// Renders a message into the requests that deliver it.
    fn ops(&self, msg: &OutMessage) -> Vec<Op> {
        let header = match &msg.kind {
            MessageKind::AgentReply { agent } => format!("<b>{}</b>\n", plain(agent)),
            MessageKind::CustomerRelay { customer } => format!("💬 <b>{}</b>\n", plain(customer)),
            _ => String::new(),
        };
        let mut footer = String::new();
        let (native, foreign): (Vec<&Attachment>, Vec<&Attachment>) = msg
            .attachments
            .iter()
            .partition(|a| a.platform == Platform::telegram());
        for a in foreign {
            footer.push_str("\n📎 ");
            footer.push_str(&foreign_attachment(a));
        }
        if msg.mention_agents
            && let Some(m) = &self.agent_mention
            && !m.trim().is_empty()
        {
            footer.push_str("\n\n");
            footer.push_str(&escape(m.trim()));
        }
        // Telegram counts UTF-16 code units of the text after entity parsing: the source text's
        // count plus the header and footer (measured as HTML, which is never shorter) bounds it.
        let budget = TEXT_MAX
            .saturating_sub(utf16_len(&header) + utf16_len(&footer) + TEXT_MARGIN)
            .max(256);
        let mut chunks: Vec<String> = split_text(&msg.text, budget, rendered_len)
            .iter()
            .map(|p| render(p, msg.markup))
            .collect();
        if chunks.is_empty() {
            chunks.push(String::new());
        }
        chunks[0].insert_str(0, &header);
        if let Some(last) = chunks.last_mut() {
            last.push_str(&footer);
        }
        let chunks: Vec<String> = chunks
            .into_iter()
            .map(|c| c.trim_end().to_owned())
            .collect();

        let mut ops = Vec::new();
        let caption_fits = chunks.len() == 1 && utf16_len(&chunks[0]) <= CAPTION_MAX;
        let mut caption = String::new();
        if (native.is_empty() && msg.files.is_empty()) || !caption_fits {
            ops.extend(chunks.into_iter().filter(|c| !c.is_empty()).map(Op::Text));
        } else {
            caption = chunks.into_iter().next().unwrap_or_default();
        }
        for a in native {
            let cap = std::mem::take(&mut caption);
            ops.push(match a.kind {
                AttachmentKind::Photo => Op::Photo(a.file_ref.clone(), cap),
                AttachmentKind::Document => Op::Document(a.file_ref.clone(), cap),
            });
        }
        for f in &msg.files {
            ops.push(Op::Upload(f.clone(), std::mem::take(&mut caption)));
        }
        ops
    }
}

/// An attachment from another platform, as a link (URL) or as text.
fn foreign_attachment(a: &Attachment) -> String {
    let name = a.file_name.as_deref().unwrap_or(match a.kind {
        AttachmentKind::Photo => "photo",
        AttachmentKind::Document => "file",
    });
    let url = a.file_ref.trim();
    if (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(char::is_whitespace)
    {
        format!("<a href=\"{}\">{}</a>", escape(url), plain(name))
    } else {
        format!(
            "{} ({}: {})",
            plain(name),
            escape(a.platform.as_str()),
            plain(url)
        )
    }
}

/// Telegram's limit on `callback_data`.
const CALLBACK_DATA_MAX: usize = 64;

/// The inline keyboard for buttons: short labels (survey stars) in one row, else one per row.
/// A button whose payload Telegram would refuse (over 64 bytes) is left out, so the message
/// itself still goes through.
pub(crate) fn keyboard(buttons: &[Button]) -> InlineKeyboardMarkup {
    let buttons: Vec<&Button> = buttons
        .iter()
        .filter(|b| {
            let ok = !b.payload.is_empty() && b.payload.len() <= CALLBACK_DATA_MAX;
            if !ok {
                warn!(payload = %b.payload, "button payload too long for Telegram: button left out");
            }
            ok
        })
        .collect();
    let one_row = buttons.len() <= 5 && buttons.iter().all(|b| b.label.chars().count() <= 5);
    let button = |b: &&Button| InlineKeyboardButton::callback(b.label.clone(), b.payload.clone());
    if one_row {
        InlineKeyboardMarkup::new(vec![buttons.iter().map(button).collect::<Vec<_>>()])
    } else {
        InlineKeyboardMarkup::new(buttons.iter().map(|b| vec![button(b)]))
    }
}

fn chat_of(e: &Endpoint) -> Result<ChatId, ChannelError> {
    e.chat_id
        .trim()
        .parse::<i64>()
        .map(ChatId)
        .map_err(|_| ChannelError::Refused(format!("not a Telegram chat id: {:?}", e.chat_id)))
}

fn thread_of(e: &Endpoint) -> Result<Option<ThreadId>, ChannelError> {
    match &e.thread_id {
        None => Ok(None),
        Some(t) => t
            .trim()
            .parse::<i32>()
            .map(|t| Some(ThreadId(MessageId(t))))
            .map_err(|_| ChannelError::Refused(format!("not a Telegram topic id: {t:?}"))),
    }
}

fn room_thread(e: &Endpoint) -> Result<ThreadId, ChannelError> {
    thread_of(e)?.ok_or_else(|| ChannelError::Refused(format!("{e} is not a forum topic")))
}

/// Maps a teloxide error to the core's, which decides what the outbox does next: a 429 waits
/// `retry_after`; a blocked or deleted user is unreachable; a deleted forum topic is a room
/// gone; network trouble and Telegram's own 5xx are retried; anything else is refused.
pub(crate) fn channel_error(e: RequestError) -> ChannelError {
    let text = e.to_string();
    match e {
        RequestError::RetryAfter(s) => ChannelError::RateLimited {
            retry_after_ms: u64::try_from(s.duration().as_millis()).unwrap_or(u64::MAX),
        },
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::ChatNotFound,
        ) => ChannelError::Unreachable(text),
        RequestError::Api(ApiError::Unknown(d)) => classify_description(&d, text),
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => ChannelError::Refused(text),
        _ => ChannelError::Unavailable(text),
    }
}

/// Telegram errors teloxide does not name, by their description.
fn classify_description(d: &str, text: String) -> ChannelError {
    let lower = d.to_ascii_lowercase();
    if lower.contains("thread not found")
        || lower.contains("topic_deleted")
        || lower.contains("topic_id_invalid")
    {
        ChannelError::RoomGone(text)
    } else if lower.starts_with("forbidden") {
        ChannelError::Unreachable(text)
    } else if lower.contains("internal server error")
        || lower.contains("bad gateway")
        || lower.contains("gateway timeout")
        || lower.contains("service unavailable")
        || lower.contains("too many requests")
    {
        ChannelError::Unavailable(text)
    } else {
        ChannelError::Refused(text)
    }
}

/// Whether the error only says that nothing changed (topic already closed, markup unchanged).
pub(crate) fn not_modified(e: &RequestError) -> bool {
    match e {
        RequestError::Api(ApiError::MessageNotModified) => true,
        RequestError::Api(api) => {
            let s = api.to_string();
            s.contains("TOPIC_NOT_MODIFIED") || s.contains("not modified")
        }
        _ => false,
    }
}

/// Sets what a photo and a document request share (their builders are different types):
/// the caption as HTML, the forum topic, the business connection and the keyboard.
macro_rules! file_options {
    ($req:expr, $caption:expr, $thread:expr, $connection:expr, $kb:expr) => {{
        let mut req = $req;
        if !$caption.is_empty() {
            req = req.caption($caption).parse_mode(ParseMode::Html);
        }
        if let Some(t) = $thread {
            req = req.message_thread_id(t);
        }
        if let Some(id) = $connection {
            req = req.business_connection_id(id.clone());
        }
        if let Some(kb) = $kb {
            req = req.reply_markup(kb);
        }
        req
    }};
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(n - 1).collect();
    out.push('…');
    out
}

#[async_trait]
impl Channel for TelegramChannel {
    fn platform(&self) -> Platform {
        Platform::telegram()
    }

    async fn send(&self, to: &Endpoint, msg: &OutMessage) -> Result<Sent, ChannelError> {
        let chat = chat_of(to)?;
        let connection = business::connection_of(to);
        let thread = match &connection {
            Some(id) => {
                self.business_allows(id).await?;
                None
            }
            None => thread_of(to)?,
        };
        let ops = self.ops(msg);
        let markup = Some(keyboard(&msg.buttons))
            .filter(|k| k.inline_keyboard.iter().any(|row| !row.is_empty()));
        let no_preview = matches!(msg.kind, MessageKind::CustomerRelay { .. });
        let n = ops.len();
        let mut last = None;
        for (i, op) in ops.into_iter().enumerate() {
            let kb = if i + 1 == n { markup.clone() } else { None };
            let sent = match op {
                Op::Text(html) => {
                    let mut req = self
                        .bot
                        .send_message(chat, html)
                        .parse_mode(ParseMode::Html);
                    if let Some(t) = thread {
                        req = req.message_thread_id(t);
                    }
                    if let Some(id) = &connection {
                        req = req.business_connection_id(id.clone());
                    }
                    if let Some(kb) = kb {
                        req = req.reply_markup(kb);
                    }
                    if no_preview {
                        req = req.link_preview_options(LinkPreviewOptions {
                            is_disabled: true,
                            url: None,
                            prefer_small_media: false,
                            prefer_large_media: false,
                            show_above_text: false,
                        });
                    }
                    self.call_in(Some(chat), "sendMessage", req).await
                }
                Op::Photo(file, caption) => {
                    let req = self.bot.send_photo(chat, InputFile::file_id(FileId(file)));
                    let req = file_options!(req, caption, thread, &connection, kb);
                    self.call_in(Some(chat), "sendPhoto", req).await
                }
                Op::Document(file, caption) => {
                    let req = self
                        .bot
                        .send_document(chat, InputFile::file_id(FileId(file)));
                    let req = file_options!(req, caption, thread, &connection, kb);
                    self.call_in(Some(chat), "sendDocument", req).await
                }
                Op::Upload(file, caption) => {
                    let input = InputFile::memory(file.content).file_name(file.name);
                    let req = self.bot.send_document(chat, input);
                    let req = file_options!(req, caption, thread, &connection, kb);
                    self.call_in(Some(chat), "sendDocument", req).await
                }
            };
            let m = sent.map_err(channel_error)?;
            last = Some(m.id.0.to_string());
        }
        debug!(to = %to, parts = n, "sent");
        Ok(Sent { message_id: last })
    }

    async fn open_room(&self, desk: &Endpoint, title: &str) -> Result<Endpoint, ChannelError> {
        let chat = chat_of(desk)?;
        let name = truncate(title.trim(), TOPIC_NAME_MAX);
        let topic = self
            .call("createForumTopic", self.bot.create_forum_topic(chat, name))
            .await
            .map_err(channel_error)?;
        Ok(Endpoint {
            platform: Platform::telegram(),
            chat_id: chat.0.to_string(),
            thread_id: Some(topic.thread_id.0.0.to_string()),
        })
    }

    async fn rename_room(&self, room: &Endpoint, title: &str) -> Result<(), ChannelError> {
        let chat = chat_of(room)?;
        let thread = room_thread(room)?;
        let req = self
            .bot
            .edit_forum_topic(chat, thread)
            .name(truncate(title.trim(), TOPIC_NAME_MAX));
        match self.call("editForumTopic", req).await {
            Ok(_) => Ok(()),
            Err(e) if not_modified(&e) => Ok(()),
            Err(e) => Err(channel_error(e)),
        }
    }

    async fn close_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        let chat = chat_of(room)?;
        let thread = room_thread(room)?;
        match self
            .call("closeForumTopic", self.bot.close_forum_topic(chat, thread))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if not_modified(&e) => Ok(()),
            Err(e) => Err(channel_error(e)),
        }
    }

    async fn reopen_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        let chat = chat_of(room)?;
        let thread = room_thread(room)?;
        match self
            .call(
                "reopenForumTopic",
                self.bot.reopen_forum_topic(chat, thread),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if not_modified(&e) => Ok(()),
            Err(e) => Err(channel_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_core::Markup;

    fn channel(mention: Option<&str>) -> Arc<TelegramChannel> {
        TelegramChannel::new(
            Bot::new("1:x"),
            mention.map(str::to_owned),
            Connections::new(),
        )
    }

    fn texts(ops: &[Op]) -> Vec<String> {
        ops.iter()
            .map(|o| match o {
                Op::Text(t) => format!("text:{t}"),
                Op::Photo(f, c) => format!("photo:{f}:{c}"),
                Op::Document(f, c) => format!("doc:{f}:{c}"),
                Op::Upload(f, c) => format!("upload:{}:{}:{c}", f.name, f.content.len()),
            })
            .collect()
    }

    #[test]
    fn relay_is_escaped_with_a_bold_name() {
        let ch = channel(None);
        let msg = OutMessage::plain(
            MessageKind::CustomerRelay {
                customer: "<Eve>".into(),
            },
            "<b>x</b> @everyone",
        );
        assert_eq!(
            texts(&ch.ops(&msg)),
            vec!["text:💬 <b>&lt;Eve&gt;</b>\n&lt;b&gt;x&lt;/b&gt; @\u{200B}everyone"]
        );
    }

    #[test]
    fn mention_only_when_asked_and_configured() {
        let mut msg = OutMessage::plain(MessageKind::Summary, "New ticket");
        assert_eq!(
            texts(&channel(Some("@team")).ops(&msg)),
            vec!["text:New ticket"]
        );
        msg.mention_agents = true;
        assert_eq!(
            texts(&channel(Some("@team")).ops(&msg)),
            vec!["text:New ticket\n\n@team"]
        );
        assert_eq!(texts(&channel(None).ops(&msg)), vec!["text:New ticket"]);
    }

    #[test]
    fn uploads_carry_the_caption_on_the_first_file() {
        let file = |name: &str, n: usize| OutFile {
            name: name.into(),
            mime: "text/plain".into(),
            content: vec![b'x'; n],
        };
        let msg = OutMessage::plain(MessageKind::Notice, "<Transcript>")
            .with_file(file("t.txt", 3))
            .with_file(file("t.html", 5));
        assert_eq!(
            texts(&channel(None).ops(&msg)),
            vec!["upload:t.txt:3:&lt;Transcript&gt;", "upload:t.html:5:"]
        );
        // A caption too long for Telegram goes first as a message of its own.
        let long =
            OutMessage::plain(MessageKind::Notice, "y".repeat(2000)).with_file(file("t.txt", 1));
        let ops = texts(&channel(None).ops(&long));
        assert_eq!(ops.len(), 2);
        assert!(ops[0].starts_with("text:yyy"));
        assert_eq!(ops[1], "upload:t.txt:1:");
    }

    #[test]
    fn attachments_native_and_foreign() {
        let ch = channel(None);
        let mut msg = OutMessage::plain(
            MessageKind::CustomerRelay {
                customer: "Ann".into(),
            },
            "see",
        );
        msg.attachments = vec![
            Attachment {
                platform: Platform::telegram(),
                kind: AttachmentKind::Photo,
                file_ref: "F1".into(),
                file_name: None,
            },
            Attachment {
                platform: Platform::discord(),
                kind: AttachmentKind::Document,
                file_ref: "https://cdn.example/a.pdf".into(),
                file_name: Some("a.pdf".into()),
            },
        ];
        assert_eq!(
            texts(&ch.ops(&msg)),
            vec!["photo:F1:💬 <b>Ann</b>\nsee\n📎 <a href=\"https://cdn.example/a.pdf\">a.pdf</a>"]
        );
    }

    #[test]
    fn long_text_is_split_and_markdown_rendered() {
        let ch = channel(None);
        let msg = OutMessage {
            markup: Markup::Markdown,
            ..OutMessage::plain(MessageKind::Answer, format!("**a**\n{}", "x".repeat(5000)))
        };
        let ops = ch.ops(&msg);
        assert_eq!(ops.len(), 2);
        assert!(texts(&ops)[0].starts_with("text:<b>a</b>\nxxx"));
    }

    #[test]
    fn emoji_are_split_by_utf16_units_never_inside_one() {
        let ch = channel(None);
        // 2,048 emoji: 2,048 characters, 4,096 UTF-16 units, plus the agent line.
        let msg = OutMessage::plain(
            MessageKind::AgentReply {
                agent: "Ann (support)".into(),
            },
            "😀".repeat(2048),
        );
        let ops = ch.ops(&msg);
        assert_eq!(ops.len(), 2);
        for o in texts(&ops) {
            let t = o.trim_start_matches("text:");
            assert!(
                t.encode_utf16().count() <= TEXT_MAX,
                "{}",
                t.encode_utf16().count()
            );
            assert!(!t.contains('\u{FFFD}'));
        }
        let joined: String = texts(&ops).concat();
        assert_eq!(joined.matches('😀').count(), 2048);
    }

    #[test]
    fn errors_decide_what_the_outbox_does() {
        use teloxide::types::Seconds;
        let api = |d: &str| RequestError::Api(ApiError::Unknown(d.into()));
        assert!(matches!(
            channel_error(RequestError::RetryAfter(Seconds::from_seconds(7))),
            ChannelError::RateLimited {
                retry_after_ms: 7000
            }
        ));
        assert!(matches!(
            channel_error(RequestError::Api(ApiError::BotBlocked)),
            ChannelError::Unreachable(_)
        ));
        assert!(matches!(
            channel_error(api("Bad Request: message thread not found")),
            ChannelError::RoomGone(_)
        ));
        assert!(matches!(
            channel_error(api("Bad Request: TOPIC_DELETED")),
            ChannelError::RoomGone(_)
        ));
        assert!(matches!(
            channel_error(api("Forbidden: bot was blocked by the user")),
            ChannelError::Unreachable(_)
        ));
        assert!(matches!(
            channel_error(api("Internal Server Error")),
            ChannelError::Unavailable(_)
        ));
        assert!(matches!(
            channel_error(api("Bad Request: message is too long")),
            ChannelError::Refused(_)
        ));
    }

    #[test]
    fn keyboards() {
        let b = |l: &str, p: &str| Button {
            label: l.into(),
            payload: p.into(),
        };
        let stars = keyboard(&[b("⭐", "rate:1:1"), b("⭐⭐", "rate:1:2")]);
        assert_eq!(stars.inline_keyboard.len(), 1);
        let long = keyboard(&[b("Solved", "solved:1"), b("Talk to a person", "unsolved:1")]);
        assert_eq!(long.inline_keyboard.len(), 2);
        let too_long = keyboard(&[b("A", &"é".repeat(40)), b("B", "ok")]);
        assert_eq!(too_long.inline_keyboard.concat().len(), 1);
    }
}

//! The inbound side: Telegram messages and button presses as core [`Inbound`] values.

use frontdesk_core::{
    Attachment, AttachmentKind, Content, Endpoint, Inbound, Party, Platform, Role, Timestamp,
};
use teloxide::types::{Chat, Message, User};

/// Where a message or button press came from, as far as Frontdesk cares.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A customer's private chat with the bot.
    Customer(Endpoint),
    /// The desk group (forum topic, if any): the sender is an agent.
    Desk(Endpoint),
    /// Any other chat: ignored.
    Other,
}

/// Classifies a chat: private chats are customers, the desk group is agents.
pub(crate) fn origin(chat: &Chat, thread: Option<i32>, desk: Option<i64>) -> Origin {
    if chat.is_private() {
        return Origin::Customer(Endpoint::chat(Platform::telegram(), chat.id.0.to_string()));
    }
    if desk == Some(chat.id.0) {
        return Origin::Desk(Endpoint {
            platform: Platform::telegram(),
            chat_id: chat.id.0.to_string(),
            thread_id: thread.map(|t| t.to_string()),
        });
    }
    Origin::Other
}

/// The person behind a Telegram user.
pub(crate) fn party(user: &User, role: Role) -> Party {
    let mut name = user.full_name().trim().to_owned();
    if name.is_empty() {
        name = user
            .username
            .clone()
            .unwrap_or_else(|| format!("user {}", user.id.0));
    }
    Party {
        platform: Platform::telegram(),
        user_id: user.id.0.to_string(),
        display_name: name,
        locale: user.language_code.clone(),
        role,
    }
}

/// The forum topic a message is in (only real topic messages: a reply's thread id in a group
/// that is not a forum is not a room).
pub(crate) fn topic_of(msg: &Message) -> Option<i32> {
    if msg.is_topic_message {
        msg.thread_id.map(|t| t.0.0)
    } else {
        None
    }
}

/// What a message carries, if Frontdesk understands it (text, photo, document).
pub(crate) fn content(msg: &Message) -> Option<Content> {
    if let Some(text) = msg.text() {
        return Some(Content::Text(text.to_owned()));
    }
    let caption = msg.caption().map(str::to_owned);
    if let Some(sizes) = msg.photo() {
        let largest = sizes
            .iter()
            .max_by_key(|p| (p.width * p.height, p.file.size))?;
        return Some(Content::Files {
            files: vec![Attachment {
                platform: Platform::telegram(),
                kind: AttachmentKind::Photo,
                file_ref: largest.file.id.0.clone(),
                file_name: None,
            }],
            caption,
        });
    }
    if let Some(doc) = msg.document() {
        return Some(Content::Files {
            files: vec![Attachment {
                platform: Platform::telegram(),
                kind: AttachmentKind::Document,
                file_ref: doc.file.id.0.clone(),
                file_name: doc.file_name.clone(),
            }],
            caption,
        });
    }
    None
}

/// Why a message was not turned into an [`Inbound`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Skip {
    /// Sent by a bot (or by nobody: channel posts).
    Bot,
    /// From a chat that is neither private nor the desk.
    OtherChat(i64),
    /// A kind of message Frontdesk does not handle (stickers, service messages, ...).
    Unsupported,
    /// A command addressed to another bot (`/help@other_bot`).
    OtherBot,
    /// In a business chat, a message the business account itself sent (its owner writing from
    /// the app, or a bot on its behalf): not a customer's.
    BusinessAccount,
}

/// Drops the `@botname` Telegram appends to commands picked from the menu in groups
/// (`/close@frontdesk_bot` becomes `/close`). `None` when the command names another bot; when
/// our own name is unknown, any suffix is dropped.
pub(crate) fn strip_bot_suffix(text: &str, bot: Option<&str>) -> Option<String> {
    if !text.starts_with('/') {
        return Some(text.to_owned());
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    let (cmd, rest) = text.split_at(end);
    let Some((name, target)) = cmd.split_once('@') else {
        return Some(text.to_owned());
    };
    match bot {
        Some(b) if !target.eq_ignore_ascii_case(b) => None,
        _ => Some(format!("{name}{rest}")),
    }
}

/// Converts a message. The idempotency key is `chat_id:message_id`. `bot` is our username.
pub(crate) fn message_to_inbound(
    msg: &Message,
    desk: Option<i64>,
    bot: Option<&str>,
) -> Result<Inbound, Skip> {
    let Some(user) = msg.from.as_ref().filter(|u| !u.is_bot) else {
        return Err(Skip::Bot);
    };
    let (at, role) = match origin(&msg.chat, topic_of(msg), desk) {
        Origin::Customer(at) => (at, Role::Customer),
        Origin::Desk(at) => (at, Role::Agent),
        Origin::Other => return Err(Skip::OtherChat(msg.chat.id.0)),
    };
    let content = match content(msg).ok_or(Skip::Unsupported)? {
        Content::Text(t) => Content::Text(strip_bot_suffix(&t, bot).ok_or(Skip::OtherBot)?),
        other => other,
    };
    Ok(Inbound {
        platform_msg_id: format!("{}:{}", msg.chat.id.0, msg.id.0),
        from: party(user, role),
        at,
        content,
        sent_at: Some(Timestamp(msg.date.timestamp_millis())),
    })
}

/// Converts a business message: a customer writing to a business account connected to the
/// bot, served like a private chat with the bot but answered through the connection (see
/// [`crate::business`]). The idempotency key is `business:chat_id:message_id` (the chat is
/// not the bot's own chat with that user, though it has the same id). Commands are taken
/// as they are (customers type them to the account, not to the bot).
pub(crate) fn business_message_to_inbound(msg: &Message) -> Result<Inbound, Skip> {
    let Some(connection) = crate::business::connection_of_message(msg) else {
        return Err(Skip::Unsupported);
    };
    let Some(user) = msg.from.as_ref().filter(|u| !u.is_bot) else {
        return Err(Skip::Bot);
    };
    // In a business chat the chat is the customer's: anyone else writing is the account.
    if !msg.chat.is_private()
        || msg.sender_business_bot.is_some()
        || i64::try_from(user.id.0).ok() != Some(msg.chat.id.0)
    {
        return Err(Skip::BusinessAccount);
    }
    let content = content(msg).ok_or(Skip::Unsupported)?;
    Ok(Inbound {
        platform_msg_id: format!("business:{}:{}", msg.chat.id.0, msg.id.0),
        from: party(user, Role::Customer),
        at: crate::business::endpoint(msg.chat.id.0, connection),
        content,
        sent_at: Some(Timestamp(msg.date.timestamp_millis())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(v: serde_json::Value) -> Message {
        serde_json::from_value(v).expect("message parses")
    }

    fn user(id: i64) -> serde_json::Value {
        json!({"id": id, "is_bot": false, "first_name": "Ann", "last_name": "Lee", "language_code": "lt"})
    }

    #[test]
    fn private_text_is_a_customer_message() {
        let m = msg(json!({
            "message_id": 7, "date": 1, "chat": {"id": 55, "type": "private", "first_name": "Ann"},
            "from": user(55), "text": "hello"
        }));
        let i = message_to_inbound(&m, Some(-100), Some("desk_bot")).unwrap();
        assert_eq!(i.platform_msg_id, "55:7");
        assert_eq!(i.from.role, Role::Customer);
        assert_eq!(i.from.display_name, "Ann Lee");
        assert_eq!(i.from.locale.as_deref(), Some("lt"));
        assert_eq!(i.at, Endpoint::chat(Platform::telegram(), "55"));
        assert_eq!(i.content, Content::Text("hello".into()));
    }

    #[test]
    fn desk_topic_message_is_an_agent_message() {
        let m = msg(json!({
            "message_id": 8, "date": 1,
            "chat": {"id": -100, "type": "supergroup", "title": "Desk", "is_forum": true},
            "message_thread_id": 33, "is_topic_message": true,
            "from": user(9), "text": "/claim"
        }));
        let i = message_to_inbound(&m, Some(-100), Some("desk_bot")).unwrap();
        assert_eq!(i.from.role, Role::Agent);
        assert_eq!(i.at.thread_id.as_deref(), Some("33"));
        assert_eq!(i.at.chat_id, "-100");
    }

    #[test]
    fn command_suffixes() {
        assert_eq!(
            strip_bot_suffix("/close@Desk_Bot now", Some("desk_bot")).as_deref(),
            Some("/close now")
        );
        assert_eq!(strip_bot_suffix("/close@other_bot", Some("desk_bot")), None);
        assert_eq!(
            strip_bot_suffix("/close@x", None).as_deref(),
            Some("/close")
        );
        assert_eq!(
            strip_bot_suffix("mail me@x.com", Some("desk_bot")).as_deref(),
            Some("mail me@x.com")
        );
        assert_eq!(
            strip_bot_suffix("/note a@b", Some("desk_bot")).as_deref(),
            Some("/note a@b")
        );
    }

    #[test]
    fn other_groups_and_bots_are_skipped() {
        let m = msg(json!({
            "message_id": 8, "date": 1,
            "chat": {"id": -200, "type": "supergroup", "title": "Other"},
            "from": user(9), "text": "hi"
        }));
        assert_eq!(
            message_to_inbound(&m, Some(-100), Some("desk_bot")),
            Err(Skip::OtherChat(-200))
        );
        let m = msg(json!({
            "message_id": 8, "date": 1, "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": true, "first_name": "B"}, "text": "hi"
        }));
        assert_eq!(message_to_inbound(&m, None, None), Err(Skip::Bot));
    }

    #[test]
    fn business_messages_are_customer_messages_through_the_connection() {
        let m = msg(json!({
            "message_id": 7, "date": 1, "chat": {"id": 55, "type": "private", "first_name": "Ann"},
            "from": user(55), "text": "hello", "business_connection_id": "conn-1"
        }));
        let i = business_message_to_inbound(&m).unwrap();
        assert_eq!(i.platform_msg_id, "business:55:7");
        assert_eq!(i.from.role, Role::Customer);
        assert_eq!(i.at.chat_id, "55");
        assert_eq!(
            crate::business::connection_of(&i.at)
                .map(|c| c.0)
                .as_deref(),
            Some("conn-1")
        );
        // The account's owner writing in the chat is not a customer.
        let m = msg(json!({
            "message_id": 8, "date": 1, "chat": {"id": 55, "type": "private", "first_name": "Ann"},
            "from": user(900), "text": "we will call you", "business_connection_id": "conn-1"
        }));
        assert_eq!(business_message_to_inbound(&m), Err(Skip::BusinessAccount));
        // Nor is a message without a connection id a business message.
        let m = msg(json!({
            "message_id": 9, "date": 1, "chat": {"id": 55, "type": "private"},
            "from": user(55), "text": "hi"
        }));
        assert_eq!(business_message_to_inbound(&m), Err(Skip::Unsupported));
    }

    #[test]
    fn photos_and_documents_are_files() {
        let m = msg(json!({
            "message_id": 9, "date": 1, "chat": {"id": 55, "type": "private"},
            "from": user(55), "caption": "look",
            "photo": [
                {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
                {"file_id": "big", "file_unique_id": "b", "width": 800, "height": 600}
            ]
        }));
        let i = message_to_inbound(&m, None, None).unwrap();
        let Content::Files { files, caption } = i.content else {
            panic!("files expected")
        };
        assert_eq!(caption.as_deref(), Some("look"));
        assert_eq!(files[0].file_ref, "big");
        assert_eq!(files[0].kind, AttachmentKind::Photo);

        let m = msg(json!({
            "message_id": 10, "date": 1, "chat": {"id": 55, "type": "private"},
            "from": user(55),
            "document": {"file_id": "doc1", "file_unique_id": "d", "file_name": "invoice.pdf"}
        }));
        let i = message_to_inbound(&m, None, None).unwrap();
        let Content::Files { files, caption } = i.content else {
            panic!("files expected")
        };
        assert_eq!(caption, None);
        assert_eq!(files[0].kind, AttachmentKind::Document);
        assert_eq!(files[0].file_name.as_deref(), Some("invoice.pdf"));
    }
}

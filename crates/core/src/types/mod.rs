//! Domain types shared by the Engine, the ports and the adapters.

use std::fmt;

use serde::{Deserialize, Serialize};

mod feedback;
mod privacy;
mod ticket;
pub use feedback::*;
pub use privacy::*;
pub use ticket::*;

/// A point in time as unix milliseconds (UTC).
///
/// Stored as a 64-bit integer on every backend, so SQLite and PostgreSQL agree to the millisecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds since the unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This time plus `ms` milliseconds (negative to go back).
    pub fn plus_millis(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }
}

/// A chat platform, named by a short lowercase string (`telegram`, `discord`, `terminal`, ...).
///
/// A string rather than an enum so that a new adapter crate needs no change in the core.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Platform(pub String);

impl Platform {
    /// Telegram (teloxide adapter).
    pub fn telegram() -> Platform {
        Platform("telegram".into())
    }
    /// Discord (serenity adapter).
    pub fn discord() -> Platform {
        Platform("discord".into())
    }
    /// The terminal chat of the `frontdesk chat` command.
    pub fn terminal() -> Platform {
        Platform("terminal".into())
    }
    /// The platform's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Platform {
    fn from(s: &str) -> Self {
        Platform(s.to_owned())
    }
}

/// What the adapter knows about the sender's role on its platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Role {
    /// Anyone writing to the bot.
    #[default]
    Customer,
    /// A member of the support team (Discord agent role, member of the Telegram desk group, ...).
    Agent,
}

/// A person on a platform.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Party {
    /// The platform the person writes from.
    pub platform: Platform,
    /// The platform's stable user id.
    pub user_id: String,
    /// The name shown to others (may change, not an identity).
    pub display_name: String,
    /// The client's language hint (Telegram `language_code`, Discord locale), if any.
    pub locale: Option<String>,
    /// Whether the adapter recognised the sender as an agent.
    pub role: Role,
}

/// A place messages go to: a chat, optionally a thread or forum topic inside it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Endpoint {
    /// The platform the place is on.
    pub platform: Platform,
    /// Chat, channel or DM id.
    pub chat_id: String,
    /// Thread or forum topic id inside the chat, if any.
    pub thread_id: Option<String>,
}

impl Endpoint {
    /// An endpoint without a thread.
    pub fn chat(platform: Platform, chat_id: impl Into<String>) -> Endpoint {
        Endpoint {
            platform,
            chat_id: chat_id.into(),
            thread_id: None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.thread_id {
            Some(t) => write!(f, "{}:{}/{}", self.platform, self.chat_id, t),
            None => write!(f, "{}:{}", self.platform, self.chat_id),
        }
    }
}

/// The kind of a file attached to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// A picture.
    Photo,
    /// Any other file.
    Document,
}

/// A file attached to a message, by reference: the platform's file id or a URL.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attachment {
    /// The platform the reference is valid on.
    pub platform: Platform,
    /// Photo or document.
    pub kind: AttachmentKind,
    /// The platform's file id, or a URL.
    pub file_ref: String,
    /// The file's name, if known.
    pub file_name: Option<String>,
}

/// What an inbound update carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Content {
    /// A text message (text commands such as `/human` or `/claim` included).
    Text(String),
    /// A button press with the payload the Engine put on the button.
    Button(String),
    /// Files, with an optional caption.
    Files {
        /// The attached files.
        files: Vec<Attachment>,
        /// The caption written with them.
        caption: Option<String>,
    },
}

/// One update from a platform, converted by its adapter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    /// The platform's id of this update or message: the idempotency key. A replayed update with
    /// the same id changes nothing.
    pub platform_msg_id: String,
    /// Who sent it.
    pub from: Party,
    /// Where it was sent.
    pub at: Endpoint,
    /// What it carries.
    pub content: Content,
    /// When the customer sent it, by the platform's clock, if it says (Telegram's `date`,
    /// Discord's timestamp): the flood limit counts messages by it, so a backlog handed over
    /// after the bot was down is not taken for a flood.
    pub sent_at: Option<Timestamp>,
}

impl Inbound {
    /// The update with every text it carries made storable on every backend: NUL characters,
    /// which PostgreSQL refuses in text, become U+FFFD. Applied by the Engine before anything
    /// is recorded, so SQLite, PostgreSQL and memory keep the same text.
    pub fn sanitized(mut self) -> Inbound {
        fn clean(s: &mut String) {
            if s.contains('\0') {
                *s = s.replace('\0', "\u{FFFD}");
            }
        }
        clean(&mut self.platform_msg_id);
        clean(&mut self.from.user_id);
        clean(&mut self.from.display_name);
        if let Some(l) = &mut self.from.locale {
            clean(l);
        }
        clean(&mut self.at.chat_id);
        if let Some(t) = &mut self.at.thread_id {
            clean(t);
        }
        match &mut self.content {
            Content::Text(t) | Content::Button(t) => clean(t),
            Content::Files { files, caption } => {
                if let Some(c) = caption {
                    clean(c);
                }
                for f in files {
                    clean(&mut f.file_ref);
                    if let Some(n) = &mut f.file_name {
                        clean(n);
                    }
                }
            }
        }
        self
    }
}

/// How a message body is to be read by the adapter that renders it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Markup {
    /// Plain text: the adapter escapes everything, so nothing in it can format, link or mention.
    Plain,
    /// The trusted Markdown subset of knowledge-base answers and bot texts (**bold**, *italic*,
    /// `code`, [links](https://…), "- " lists). Never used for customer-written text.
    Markdown,
}

/// A button under a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// The label shown.
    pub label: String,
    /// The payload the press sends back (at most 64 bytes, Telegram's limit).
    pub payload: String,
}

/// Why a message is sent; adapters may render each kind differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageKind {
    /// The bot speaking to a customer.
    Bot,
    /// A knowledge-base answer.
    Answer,
    /// An agent's reply relayed to the customer.
    AgentReply {
        /// The agent's display name.
        agent: String,
    },
    /// A customer's message relayed to the ticket room.
    CustomerRelay {
        /// The customer's display name.
        customer: String,
    },
    /// The summary that opens a ticket room.
    Summary,
    /// A notice in the ticket room (claimed, closed, reminders, errors).
    Notice,
}

/// A file uploaded with an outbound message (a document: Telegram `sendDocument`, a Discord
/// message attachment), carried whole rather than by reference.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutFile {
    /// The file's name as the recipient sees it (`ticket-12.html`).
    pub name: String,
    /// Its media type (`text/html; charset=utf-8`).
    pub mime: String,
    /// Its bytes (base64 in the outbox row's JSON).
    #[serde(with = "base64_bytes")]
    pub content: Vec<u8>,
}

impl fmt::Debug for OutFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutFile")
            .field("name", &self.name)
            .field("mime", &self.mime)
            .field("bytes", &self.content.len())
            .finish()
    }
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// A message the Engine asks a Channel to deliver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutMessage {
    /// Why it is sent.
    pub kind: MessageKind,
    /// The body.
    pub text: String,
    /// How the body is to be read.
    pub markup: Markup,
    /// Buttons under it.
    pub buttons: Vec<Button>,
    /// Files to send with it, by reference (a platform file id or a URL).
    pub attachments: Vec<Attachment>,
    /// Files to upload with it, carried whole (a transcript as a document). The caption is
    /// [`OutMessage::text`]. Kept in the outbox row, so a restart still delivers them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<OutFile>,
    /// Whether to mention the configured agent role (the only mention any message may make).
    pub mention_agents: bool,
}

impl OutMessage {
    /// A plain message of the given kind.
    pub fn plain(kind: MessageKind, text: impl Into<String>) -> OutMessage {
        OutMessage {
            kind,
            text: text.into(),
            markup: Markup::Plain,
            buttons: Vec::new(),
            attachments: Vec::new(),
            files: Vec::new(),
            mention_agents: false,
        }
    }

    /// A message in the trusted Markdown subset.
    pub fn markdown(kind: MessageKind, text: impl Into<String>) -> OutMessage {
        OutMessage {
            markup: Markup::Markdown,
            ..OutMessage::plain(kind, text)
        }
    }

    /// The same message with a file to upload.
    pub fn with_file(mut self, file: OutFile) -> OutMessage {
        self.files.push(file);
        self
    }

    /// The same message with buttons.
    pub fn with_buttons(mut self, buttons: Vec<Button>) -> OutMessage {
        self.buttons = buttons;
        self
    }
}

/// Database id of a customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CustomerId(pub i64);

/// Database id of a ticket (not its number, which is per desk).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TicketId(pub i64);

/// Database id of a recorded message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MessageId(pub i64);

/// Id of a recorded bot reply (the answer a customer marks solved or not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BotReplyId(pub i64);

impl std::fmt::Display for BotReplyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a customer stands in the conversation with the bot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConversationState {
    /// Nothing pending.
    #[default]
    Idle,
    /// The bot answered; "Solved" / "not solved" feedback may follow.
    Answered {
        /// The bot reply the feedback is for.
        reply: BotReplyId,
    },
    /// A ticket is open: messages go to the agents.
    InTicket {
        /// The open ticket.
        ticket: TicketId,
    },
    /// The ticket was closed and the survey offered; a message within the reopen window reopens it.
    Closed {
        /// The closed ticket.
        ticket: TicketId,
        /// When it was closed.
        at: Timestamp,
    },
    /// The customer rated the ticket; the next text is an optional comment.
    SurveyComment {
        /// The rated ticket.
        ticket: TicketId,
    },
    /// The customer rated the ticket and is asked an optional question (NPS, CES); a typed
    /// number on its scale answers it.
    SurveyAsking {
        /// The rated ticket.
        ticket: TicketId,
        /// The question asked.
        question: SurveyQuestion,
    },
}

impl ConversationState {
    /// The ticket the state is about, if any.
    pub fn ticket(&self) -> Option<TicketId> {
        match self {
            ConversationState::InTicket { ticket }
            | ConversationState::Closed { ticket, .. }
            | ConversationState::SurveyComment { ticket }
            | ConversationState::SurveyAsking { ticket, .. } => Some(*ticket),
            ConversationState::Idle | ConversationState::Answered { .. } => None,
        }
    }
}

/// A customer as the Store keeps them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Database id.
    pub id: CustomerId,
    /// The platform identity.
    pub platform: Platform,
    /// The platform's user id.
    pub user_id: String,
    /// Last known display name.
    pub display_name: String,
    /// Where the customer last wrote from: replies go there.
    pub endpoint: Endpoint,
    /// The language the bot speaks with them (`en`, `lt`, `et`, ...).
    pub lang: Option<String>,
    /// Conversation state.
    pub state: ConversationState,
    /// First contact.
    pub created_at: Timestamp,
    /// The block on the customer, if agents blocked them.
    #[serde(default)]
    pub blocked: Option<Block>,
}

impl Customer {
    /// Whether `party` writing from `endpoint` is this customer as the Store keeps them: the
    /// same name and the same chat (an empty thread is no thread), so nothing needs writing.
    pub fn is_unchanged(&self, party: &Party, endpoint: &Endpoint) -> bool {
        let thread = |t: &Option<String>| t.clone().filter(|t| !t.is_empty());
        self.display_name == party.display_name
            && self.endpoint.chat_id == endpoint.chat_id
            && thread(&self.endpoint.thread_id) == thread(&endpoint.thread_id)
    }
}

/// Who wrote a recorded message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// The customer.
    Customer,
    /// The bot.
    Bot,
    /// An agent, relayed to the customer.
    Agent,
    /// An agent's internal note, never shown to the customer.
    Note,
    /// A system notice.
    System,
}

impl AuthorKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::Customer => "customer",
            AuthorKind::Bot => "bot",
            AuthorKind::Agent => "agent",
            AuthorKind::Note => "note",
            AuthorKind::System => "system",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<AuthorKind> {
        Some(match s {
            "customer" => AuthorKind::Customer,
            "bot" => AuthorKind::Bot,
            "agent" => AuthorKind::Agent,
            "note" => AuthorKind::Note,
            "system" => AuthorKind::System,
            _ => return None,
        })
    }
}

/// An agent: a person on the desk's platform.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Agent {
    /// `platform:user_id`, stable across name changes.
    pub id: String,
    /// Display name.
    pub name: String,
}

impl Agent {
    /// The agent behind a party.
    pub fn from_party(p: &Party) -> Agent {
        Agent {
            id: format!("{}:{}", p.platform, p.user_id),
            name: p.display_name.clone(),
        }
    }
}

/// A message to record in the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// The customer whose conversation it belongs to.
    pub customer: CustomerId,
    /// The ticket, when one is open.
    pub ticket: Option<TicketId>,
    /// Who wrote it.
    pub author: AuthorKind,
    /// The author's id (agent id, or the customer's user id).
    pub author_id: Option<String>,
    /// The author's display name.
    pub author_name: String,
    /// The text (for button presses, the button's label or payload).
    pub body: String,
    /// Attached files.
    pub attachments: Vec<Attachment>,
    /// `(platform, id)` of the inbound update: unique, the idempotency key.
    pub platform_msg: Option<(Platform, String)>,
    /// When.
    pub at: Timestamp,
}

/// A recorded message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Database id.
    pub id: MessageId,
    /// The customer whose conversation it belongs to.
    pub customer: CustomerId,
    /// The ticket it belongs to, if any.
    pub ticket: Option<TicketId>,
    /// Who wrote it.
    pub author: AuthorKind,
    /// The author's id.
    pub author_id: Option<String>,
    /// The author's display name.
    pub author_name: String,
    /// The text.
    pub body: String,
    /// Attached files.
    pub attachments: Vec<Attachment>,
    /// When.
    pub at: Timestamp,
}

//! A ticket's transcript as a file: plain text, a self-contained HTML page, or JSON.
//!
//! One rendering for every place a transcript file is made: the room document on close
//! (`transcript.on_close`) and on `/transcript file`, and `frontdesk tickets N --export`.
//! What customers and agents wrote is data, never markup: control characters (terminal escape
//! codes included) and bidirectional overrides become U+FFFD in text and HTML, HTML escapes
//! every `<`, `&` and quote, and the page carries a Content-Security-Policy that forbids
//! scripts and any resource from outside the file. Internal notes are marked in every format;
//! attachments are links when their reference is a web address.

mod html;
mod json;
mod text;

use std::fmt;
use std::str::FromStr;

use crate::texts::{Text, Texts};
use crate::types::*;

/// A transcript file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain UTF-8 text.
    Txt,
    /// One self-contained HTML page (inline CSS, no scripts, nothing fetched).
    Html,
    /// JSON: the ticket and its messages.
    Json,
}

impl Format {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Html => "html",
            Format::Json => "json",
        }
    }

    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Txt => "text/plain; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// A format name that is none of `txt`, `html`, `json`.
#[derive(Debug, thiserror::Error)]
#[error("unknown transcript format {0:?} (expected txt, html or json)")]
pub struct UnknownFormat(String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "txt" | "text" => Ok(Format::Txt),
            "html" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            other => Err(UnknownFormat(other.to_owned())),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A ticket and its messages, ready to be rendered with the desk's texts.
#[derive(Clone, Copy)]
pub struct Transcript<'a> {
    /// The ticket.
    pub ticket: &'a Ticket,
    /// Its messages, oldest first.
    pub messages: &'a [Message],
    /// The texts (built in and configured).
    pub texts: &'a Texts,
    /// The language of the labels (the desk's).
    pub lang: &'a str,
}

impl<'a> Transcript<'a> {
    /// A transcript of `ticket` with `messages`, labelled in `lang`.
    pub fn new(
        ticket: &'a Ticket,
        messages: &'a [Message],
        texts: &'a Texts,
        lang: &'a str,
    ) -> Transcript<'a> {
        Transcript {
            ticket,
            messages,
            texts,
            lang,
        }
    }

    /// The file in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Txt => text::render(self),
            Format::Html => html::render(self),
            Format::Json => json::render(self),
        }
    }

    /// The file's name: `ticket-DESK-N.EXT`, the desk's name reduced to letters, digits, `-`
    /// and `_`.
    pub fn file_name(&self, format: Format) -> String {
        let desk: String = self
            .ticket
            .desk
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        format!(
            "ticket-{desk}-{}.{}",
            self.ticket.number,
            format.extension()
        )
    }

    /// The file to upload with a message.
    pub fn file(&self, format: Format) -> OutFile {
        OutFile {
            name: self.file_name(format),
            mime: format.mime().to_owned(),
            content: self.render(format).into_bytes(),
        }
    }

    fn text(&self, text: Text, vars: &[(&str, &str)]) -> String {
        self.texts.fill(self.lang, text, vars)
    }

    /// Who wrote a message, as the desk reads it (`Alice (agent)`, `Bob (internal note)`).
    fn author(&self, m: &Message) -> String {
        let name = [("name", m.author_name.as_str())];
        match m.author {
            AuthorKind::Customer => m.author_name.clone(),
            AuthorKind::Bot => self.text(Text::TranscriptBot, &[]),
            AuthorKind::Agent => self.text(Text::TranscriptAgent, &name),
            AuthorKind::Note => self.text(Text::TranscriptNote, &name),
            AuthorKind::System => self.text(Text::TranscriptCommand, &name),
        }
    }

    /// The title line (unescaped).
    fn title(&self) -> String {
        let number = self.ticket.number.to_string();
        self.text(
            Text::TranscriptFileTitle,
            &[("number", &number), ("subject", &self.ticket.subject)],
        )
    }

    /// The details line (unescaped).
    fn details(&self) -> String {
        let t = self.ticket;
        let none = self.text(Text::TranscriptFileNone, &[]);
        let opened = time_utc(t.opened_at);
        let closed = match (t.status, t.closed_at) {
            (TicketStatus::Closed, Some(c)) => time_utc(c),
            _ => none.clone(),
        };
        let agent = t.assignee.as_ref().map_or(none.clone(), |a| a.name.clone());
        let tags = if t.tags.is_empty() {
            none
        } else {
            t.tags.join(", ")
        };
        self.text(
            Text::TranscriptFileDetails,
            &[
                ("desk", &t.desk),
                ("customer", &t.customer_name),
                ("platform", t.customer_endpoint.platform.as_str()),
                ("status", t.status.as_str()),
                ("opened", &opened),
                ("closed", &closed),
                ("agent", &agent),
                ("priority", t.priority.as_str()),
                ("tags", &tags),
            ],
        )
    }
}

/// A file's name for people: its name, else its kind.
fn attachment_name(a: &Attachment) -> String {
    a.file_name.clone().unwrap_or_else(|| {
        match a.kind {
            AttachmentKind::Photo => "photo",
            AttachmentKind::Document => "file",
        }
        .to_owned()
    })
}

/// The attachment's reference when it is a web address that is safe as a link (`http(s)://`,
/// no whitespace, quotes or angle brackets).
fn attachment_url(a: &Attachment) -> Option<&str> {
    let r = a.file_ref.trim();
    let lower = r.to_ascii_lowercase();
    ((lower.starts_with("https://") || lower.starts_with("http://"))
        && !r
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>`\\".contains(c)))
    .then_some(r)
}

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub fn time_utc(t: Timestamp) -> String {
    let (date, h, m, s) = civil(t);
    format!("{date} {h:02}:{m:02}:{s:02} UTC")
}

/// RFC 3339 in UTC: `YYYY-MM-DDTHH:MM:SSZ`.
pub fn time_rfc3339(t: Timestamp) -> String {
    let (date, h, m, s) = civil(t);
    format!("{date}T{h:02}:{m:02}:{s:02}Z")
}

fn civil(t: Timestamp) -> (String, i64, i64, i64) {
    let secs = t.millis().div_euclid(1000);
    let day = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    (
        crate::report::dates::date_of_day(day),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
    )
}

/// Whether a character must not reach a reader as it is: control characters other than
/// newline and tab (terminal escape codes start with one), and the bidirectional overrides
/// and isolates that can make text read differently from what it is.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `s` with line ends made `\n` and every unsafe character (see [`is_unsafe`]) made U+FFFD.
pub fn neutralise(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests;

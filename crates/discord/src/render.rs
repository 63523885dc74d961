//! Rendering an [`OutMessage`] as Discord message bodies: escaping, mentions, buttons, splitting.

use frontdesk_core::{Attachment, Markup, MessageKind, OutMessage, Platform};
use serde_json::{Value, json};

/// Discord's limit on a message's content, in characters.
pub(crate) const MAX_CONTENT: usize = 2000;
/// Buttons per action row (Discord's limit).
const ROW: usize = 5;
/// Action rows per message (Discord's limit).
const MAX_ROWS: usize = 5;
/// Longest button label.
const MAX_LABEL: usize = 80;
/// Longest button custom id.
const MAX_CUSTOM_ID: usize = 100;

/// Escapes text for Discord Markdown so it shows literally: nothing in it can format, link or
/// mention. `\ * _ ~ ` | [ ] ( ) <` are escaped everywhere, `# > - +` where they start a line
/// (the only place they format). `@` gets a zero-width space after it, so `@everyone` and `<@&role>` never ping (the
/// allowed-mentions list forbids it as well).
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    let mut line_start = true;
    for c in s.chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '(' | ')' | '<' => {
                out.push('\\');
                out.push(c);
            }
            // Headings, quotes, subtext and lists only start a line.
            '#' | '>' | '-' | '+' if line_start => {
                out.push('\\');
                out.push(c);
            }
            '@' => {
                out.push('@');
                out.push('\u{200B}');
            }
            _ => out.push(c),
        }
        line_start = c == '\n' || (line_start && (c == ' ' || c == '\t'));
    }
    out
}

/// The message's body as Discord content (before splitting): the sender line for relays,
/// escaping for plain text, file references, and the agent-role mention.
pub(crate) fn content(msg: &OutMessage, agent_role: Option<u64>) -> String {
    let body = match msg.markup {
        Markup::Plain => escape_markdown(&msg.text),
        Markup::Markdown => msg.text.clone(),
    };
    let mut text = match &msg.kind {
        MessageKind::AgentReply { agent } => format!("**{}:**\n{body}", escape_markdown(agent)),
        MessageKind::CustomerRelay { customer } => {
            format!("**{}:**\n{body}", escape_markdown(customer))
        }
        _ => body,
    };
    for a in &msg.attachments {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&attachment_line(a));
    }
    if msg.mention_agents
        && let Some(role) = agent_role
    {
        text = format!("<@&{role}> {text}");
    }
    if text.trim().is_empty() {
        // Discord refuses an empty message; buttons alone need some text.
        text = "\u{200B}".to_owned();
    }
    text
}

/// One attachment as a line of text. Discord attachments are URLs and shown as links; other
/// platforms' file ids (Telegram's) cannot be fetched without that platform's client, so only
/// the file's name is shown with a note.
fn attachment_line(a: &Attachment) -> String {
    let name = a
        .file_name
        .as_deref()
        .map(escape_markdown)
        .unwrap_or_else(|| "file".to_owned());
    let is_url = a.file_ref.starts_with("https://") || a.file_ref.starts_with("http://");
    if a.platform == Platform::discord() || is_url {
        // Angle brackets keep Discord from embedding a preview; the URL stays clickable.
        let url = a.file_ref.replace(['<', '>', ' ', '\n'], "");
        format!("📎 {name}: <{url}>")
    } else {
        format!(
            "📎 {name} (a {} file: open the ticket transcript there to see it)",
            a.platform
        )
    }
}

/// The allowed-mentions object: nothing, or exactly the agent role when the message mentions it.
pub(crate) fn allowed_mentions(msg: &OutMessage, agent_role: Option<u64>) -> Value {
    match agent_role {
        Some(role) if msg.mention_agents => {
            json!({"parse": [], "roles": [role.to_string()], "users": [], "replied_user": false})
        }
        _ => json!({"parse": [], "roles": [], "users": [], "replied_user": false}),
    }
}

/// Buttons as action rows of at most five buttons each (at most five rows).
/// Discord refuses a message whose buttons share a custom id: later duplicates are dropped.
pub(crate) fn components(msg: &OutMessage) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    let buttons: Vec<&frontdesk_core::Button> = msg
        .buttons
        .iter()
        .filter(|b| seen.insert(b.payload.chars().take(MAX_CUSTOM_ID).collect::<String>()))
        .collect();
    buttons
        .chunks(ROW)
        .take(MAX_ROWS)
        .map(|row| {
            let buttons: Vec<Value> = row
                .iter()
                .map(|b| {
                    let mut label: String = b.label.chars().take(MAX_LABEL).collect();
                    if label.trim().is_empty() {
                        label = "…".to_owned();
                    }
                    let id: String = b.payload.chars().take(MAX_CUSTOM_ID).collect();
                    json!({"type": 2, "style": 2, "label": label, "custom_id": id})
                })
                .collect();
            json!({"type": 1, "components": buttons})
        })
        .collect()
}

/// Splits content into pieces of at most [`MAX_CONTENT`] characters, at line ends where
/// possible, never inside a grapheme and never right after a backslash (which would undo an
/// escape).
pub(crate) fn split(text: &str) -> Vec<String> {
    frontdesk_core::split::split_text(text, MAX_CONTENT, frontdesk_core::split::char_len)
}

#[cfg(test)]
mod tests {
    use frontdesk_core::Button;

    use super::*;

    #[test]
    fn escapes_formatting_and_mentions() {
        let e = escape_markdown("@everyone <@&123> **bold** [x](https://e.com) `c`");
        assert!(!e.contains("@everyone"));
        assert!(!e.contains("<@&"));
        assert!(e.contains("\\*\\*bold\\*\\*"));
        assert!(e.contains("\\[x\\]\\(https://e.com\\)"));
        assert!(e.contains("\\`c\\`"));
        assert_eq!(escape_markdown("- a\n# b"), "\\- a\n\\# b");
        assert_eq!(escape_markdown("a-b #1 a>b"), "a-b #1 a>b");
        assert_eq!(escape_markdown("> q\n  ## h"), "\\> q\n  \\## h");
    }

    #[test]
    fn relays_are_escaped_markdown_passes() {
        let mut m = OutMessage::plain(
            MessageKind::CustomerRelay {
                customer: "*Eve*".into(),
            },
            "**hi**",
        );
        assert_eq!(content(&m, Some(5)), "**\\*Eve\\*:**\n\\*\\*hi\\*\\*");
        m.mention_agents = true;
        assert!(content(&m, Some(5)).starts_with("<@&5> "));
        assert_eq!(allowed_mentions(&m, Some(5))["roles"], json!(["5"]));
        let md = OutMessage::markdown(MessageKind::Answer, "**bold** [l](https://x.y)");
        assert_eq!(content(&md, None), "**bold** [l](https://x.y)");
        assert_eq!(allowed_mentions(&md, Some(5))["parse"], json!([]));
        assert_eq!(allowed_mentions(&md, Some(5))["roles"], json!([]));
    }

    #[test]
    fn buttons_in_rows_of_five() {
        let buttons = (0..7)
            .map(|i| Button {
                label: format!("b{i}"),
                payload: format!("p{i}"),
            })
            .collect();
        let m = OutMessage::plain(MessageKind::Bot, "x").with_buttons(buttons);
        let rows = components(&m);
        assert_eq!(rows.len(), 2);
        let twice = m
            .clone()
            .with_buttons(vec![m.buttons[0].clone(), m.buttons[0].clone()]);
        assert_eq!(
            components(&twice)[0]["components"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(rows[0]["components"].as_array().unwrap().len(), 5);
        assert_eq!(rows[1]["components"][1]["custom_id"], "p6");
    }

    #[test]
    fn splits_long_text() {
        let line = "x".repeat(99) + "\n";
        let text = line.repeat(50);
        let parts = split(&text);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_CONTENT));
        assert_eq!(parts.concat(), text);
        let esc = "\\*".repeat(1500);
        let parts = split(&esc);
        assert!(
            parts
                .iter()
                .all(|p| !p.ends_with('\\') || p.ends_with("\\\\"))
        );
        assert_eq!(parts.concat(), esc);
    }

    #[test]
    fn attachments_as_links() {
        let mut m = OutMessage::plain(MessageKind::Bot, "see");
        m.attachments.push(Attachment {
            platform: Platform::discord(),
            kind: frontdesk_core::AttachmentKind::Photo,
            file_ref: "https://cdn.example/a.png".into(),
            file_name: Some("a.png".into()),
        });
        m.attachments.push(Attachment {
            platform: Platform::telegram(),
            kind: frontdesk_core::AttachmentKind::Document,
            file_ref: "AgACAgIAAx".into(),
            file_name: None,
        });
        let c = content(&m, None);
        assert!(c.contains("<https://cdn.example/a.png>"));
        assert!(c.contains("telegram file"));
        assert!(!c.contains("AgACAgIAAx"));
    }
}

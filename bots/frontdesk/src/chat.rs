//! `frontdesk chat`: the whole product in one terminal.
//!
//! You are the customer: type questions; the bot's buttons are shown as `[1] …` and pressed by
//! typing their number. Lines starting with `@` act in the desk as an agent:
//! `@agent <text>` replies to the customer of the current ticket, `@agent /claim`,
//! `@agent /note …`, `@agent /close` run agent commands; `@alice …` acts as an agent named
//! alice; `@agent #3 …` addresses ticket #3. `/quit` (or end of input) leaves.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use async_trait::async_trait;
use frontdesk_core::{
    Button, Channel, ChannelError, Clock, Content, ConversationState, Endpoint, Engine, Inbound,
    Markup, MessageKind, OutMessage, Party, Platform, Role, Sent, Store, SystemClock, Ticket,
    TicketFilter,
};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, BufReader};

use crate::terminal::clean as sanitize;

/// The customer's chat id in the terminal.
const CUSTOMER_CHAT: &str = "customer";

/// Renders messages to the terminal and remembers the customer's last buttons.
pub(crate) struct TerminalChannel {
    out: Mutex<Box<dyn Write + Send>>,
    color: bool,
    buttons: Mutex<Vec<Button>>,
    rooms: AtomicU64,
    started: i64,
}

impl TerminalChannel {
    pub(crate) fn stdout() -> Arc<TerminalChannel> {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Arc::new(TerminalChannel {
            out: Mutex::new(Box::new(std::io::stdout())),
            color,
            buttons: Mutex::new(Vec::new()),
            rooms: AtomicU64::new(0),
            started: SystemClock.now().millis(),
        })
    }

    fn line(&self, s: &str) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{s}");
        let _ = out.flush();
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    /// The customer's last buttons.
    fn button(&self, n: usize) -> Option<Button> {
        let b = self.buttons.lock().unwrap_or_else(|p| p.into_inner());
        n.checked_sub(1).and_then(|i| b.get(i).cloned())
    }
}

/// Shows the Markdown subset as plain terminal text: markers dropped, links as `text (url)`.
fn render_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('[') {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        if let Some(close) = after.find("](")
            && let Some(end) = after[close..].find(')')
        {
            let text = &after[1..close];
            let url = &after[close + 2..close + end];
            out.push_str(&format!("{text} ({url})"));
            rest = &after[close + end + 1..];
            continue;
        }
        out.push('[');
        rest = &after[1..];
    }
    out.push_str(rest);
    out.replace("**", "").replace('`', "")
}

#[async_trait]
impl Channel for TerminalChannel {
    fn platform(&self) -> Platform {
        Platform::terminal()
    }

    async fn send(&self, to: &Endpoint, msg: &OutMessage) -> Result<Sent, ChannelError> {
        let body = match msg.markup {
            Markup::Plain => sanitize(&msg.text),
            Markup::Markdown => sanitize(&render_markdown(&msg.text)),
        };
        let to_customer = to.chat_id == CUSTOMER_CHAT;
        let prefix = match (&msg.kind, to_customer) {
            (MessageKind::AgentReply { agent }, true) => {
                self.paint("1;32", &format!("{}>", sanitize(agent)))
            }
            (_, true) => self.paint("1;36", "bot>"),
            (MessageKind::CustomerRelay { customer }, false) => self.paint(
                "2",
                &format!("  [desk {}] {}:", room_name(to), sanitize(customer)),
            ),
            (_, false) => self.paint("2", &format!("  [desk {}]", room_name(to))),
        };
        let mention = if msg.mention_agents && !to_customer {
            " @agents"
        } else {
            ""
        };
        let mut lines = body.lines();
        let first = lines.next().unwrap_or("");
        let mut text = format!("{prefix}{mention} {first}");
        let indent = if to_customer { "     " } else { "    " };
        for l in lines {
            text.push('\n');
            text.push_str(indent);
            text.push_str(l);
        }
        for a in &msg.attachments {
            text.push_str(&format!(
                "\n{indent}📎 {}",
                sanitize(a.file_name.as_deref().unwrap_or(&a.file_ref))
            ));
        }
        // Uploaded files (transcripts) are named with their size: the terminal shows no
        // documents; `frontdesk tickets N --export` writes the same file.
        for f in &msg.files {
            text.push_str(&format!(
                "\n{indent}📎 {} ({} bytes)",
                sanitize(&f.name),
                f.content.len()
            ));
        }
        if to_customer && !msg.buttons.is_empty() {
            let shown: Vec<String> = msg
                .buttons
                .iter()
                .enumerate()
                .map(|(i, b)| format!("[{}] {}", i + 1, sanitize(&b.label)))
                .collect();
            text.push_str(&format!("\n{indent}{}", shown.join("  ")));
            *self.buttons.lock().unwrap_or_else(|p| p.into_inner()) = msg.buttons.clone();
        }
        self.line(&text);
        Ok(Sent::default())
    }

    async fn open_room(&self, desk: &Endpoint, title: &str) -> Result<Endpoint, ChannelError> {
        let n = self.rooms.fetch_add(1, Ordering::SeqCst);
        self.line(&self.paint("2", &format!("  [desk] room opened: {}", sanitize(title))));
        Ok(Endpoint {
            platform: desk.platform.clone(),
            chat_id: desk.chat_id.clone(),
            thread_id: Some(format!("{}-{n}", self.started)),
        })
    }

    async fn close_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        self.line(&self.paint("2", &format!("  [desk {}] room closed", room_name(room))));
        Ok(())
    }

    async fn reopen_room(&self, room: &Endpoint) -> Result<(), ChannelError> {
        self.line(&self.paint("2", &format!("  [desk {}] room reopened", room_name(room))));
        Ok(())
    }
}

fn room_name(e: &Endpoint) -> String {
    e.thread_id
        .clone()
        .map(|t| format!("room {t}"))
        .unwrap_or_else(|| e.chat_id.clone())
}

/// An agent line: `@name [#N] text`.
#[derive(Debug, PartialEq, Eq)]
struct AgentLine {
    name: String,
    ticket: Option<i64>,
    text: String,
}

fn parse_agent_line(line: &str) -> Option<AgentLine> {
    let rest = line.strip_prefix('@')?;
    let (name, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim();
    let (ticket, text) = match rest.strip_prefix('#') {
        Some(r) => {
            let (num, text) = r.split_once(char::is_whitespace).unwrap_or((r, ""));
            match num.parse() {
                Ok(n) => (Some(n), text.trim()),
                Err(_) => (None, rest),
            }
        }
        None => (None, rest),
    };
    // `@agent` and `@alice` act as "Agent" and "Alice".
    let mut chars = name.chars();
    let name = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    Some(AgentLine {
        name,
        ticket,
        text: text.to_owned(),
    })
}

pub(crate) struct ChatOptions {
    pub(crate) customer_name: String,
    pub(crate) customer_id: String,
    pub(crate) locale: Option<String>,
    pub(crate) kb_dir: std::path::PathBuf,
}

/// Runs the terminal chat until `/quit` or end of input.
pub(crate) async fn run(
    engine: Arc<Engine>,
    channel: Arc<TerminalChannel>,
    opts: ChatOptions,
) -> Result<()> {
    let store = engine.store().clone();
    let desk_name = engine.config().desk.name.clone();
    let customer = Party {
        platform: Platform::terminal(),
        user_id: opts.customer_id.clone(),
        display_name: opts.customer_name.clone(),
        locale: opts.locale.clone(),
        role: Role::Customer,
    };
    let customer_ep = Endpoint::chat(Platform::terminal(), CUSTOMER_CHAT);
    channel.line(&channel.paint(
        "2",
        "Frontdesk terminal chat. You are the customer; type a question. Type the number of a button to press it.\n\
         Act as an agent with `@agent <reply>` or `@agent /claim`, `/note …`, `/snippet …`, `/close` (see `@agent /help`). `/quit` leaves.",
    ));

    // Reminders, room retries and knowledge-base reloads run in the background, as in
    // `frontdesk run`.
    let ticker = crate::serve::spawn_ticker(engine.clone(), Duration::from_secs(5));
    let reload =
        crate::serve::spawn_kb_reload(engine.clone(), opts.kb_dir.clone(), Duration::from_secs(3));
    let shutdown = crate::serve::shutdown_signal();
    tokio::pin!(shutdown);

    let run_id = SystemClock.now().millis();
    let mut seq = 0u64;
    let mut input = BufReader::new(tokio::io::stdin());
    let mut buf = Vec::new();
    loop {
        let line = tokio::select! {
            line = read_line(&mut input, &mut buf) => line.context("reading standard input")?,
            () = &mut shutdown => None,
        };
        let Some(line) = line else { break };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "/quit" || line == "/exit" {
            break;
        }
        seq += 1;
        let id = format!("{run_id}-{seq}");
        let inbound = if let Some(a) = parse_agent_line(line) {
            let Some(ticket) = find_ticket(store.as_ref(), &desk_name, &customer, a.ticket).await?
            else {
                channel.line(
                    "  (no ticket to act on: escalate first, or name one with `@agent #N …`)",
                );
                continue;
            };
            let Some(room) = ticket.room.clone() else {
                channel.line(&format!("  (ticket #{} has no room yet)", ticket.number));
                continue;
            };
            Inbound {
                platform_msg_id: id,
                from: Party {
                    platform: Platform::terminal(),
                    user_id: format!("agent-{}", a.name.to_lowercase()),
                    display_name: a.name.clone(),
                    locale: None,
                    role: Role::Agent,
                },
                at: room,
                content: Content::Text(a.text),
                sent_at: None,
            }
        } else {
            let content = match line.parse::<usize>().ok().and_then(|n| channel.button(n)) {
                Some(b) => {
                    channel
                        .line(&channel.paint("2", &format!("  (pressed: {})", sanitize(&b.label))));
                    Content::Button(b.payload)
                }
                None => Content::Text(line.to_owned()),
            };
            Inbound {
                platform_msg_id: id,
                from: customer.clone(),
                at: customer_ep.clone(),
                content,
                sent_at: None,
            }
        };
        if let Err(e) = engine.handle(inbound).await {
            channel.line(&sanitize(&format!("error: {e}")));
            tracing::error!(error = %e, "handling failed");
        }
    }
    ticker.abort();
    reload.abort();
    Ok(())
}

/// The next line of `input` without its line ending, invalid UTF-8 replaced by `�` (the rest
/// of the input still counts); `None` at the end of the input.
async fn read_line<R: AsyncBufRead + Unpin>(
    input: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<String>> {
    buf.clear();
    if input.read_until(b'\n', buf).await? == 0 {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(buf);
    Ok(Some(
        text.strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text)
            .to_owned(),
    ))
}

/// The ticket an agent line acts on: the named number, else the customer's current or last one.
async fn find_ticket(
    store: &dyn Store,
    desk: &str,
    customer: &Party,
    number: Option<i64>,
) -> Result<Option<Ticket>> {
    if let Some(n) = number {
        return Ok(store.ticket_by_number(desk, n).await?);
    }
    let ep = Endpoint::chat(Platform::terminal(), CUSTOMER_CHAT);
    let c = store
        .upsert_customer(customer, &ep, SystemClock.now())
        .await?;
    if let ConversationState::InTicket { ticket } | ConversationState::Closed { ticket, .. } =
        c.state
    {
        return Ok(store.ticket(ticket).await?);
    }
    let mut last = store
        .list_tickets(&TicketFilter {
            customer: Some(c.id),
            limit: 1,
            ..TicketFilter::default()
        })
        .await?;
    Ok(last.pop())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_lines() {
        assert_eq!(
            parse_agent_line("@agent hello there"),
            Some(AgentLine {
                name: "Agent".into(),
                ticket: None,
                text: "hello there".into()
            })
        );
        assert_eq!(
            parse_agent_line("@alice #12 /close"),
            Some(AgentLine {
                name: "Alice".into(),
                ticket: Some(12),
                text: "/close".into()
            })
        );
        assert_eq!(
            parse_agent_line("@bob #tag this"),
            Some(AgentLine {
                name: "Bob".into(),
                ticket: None,
                text: "#tag this".into()
            })
        );
        assert_eq!(parse_agent_line("@ hi"), None);
        assert_eq!(parse_agent_line("hello"), None);
    }

    #[tokio::test]
    async fn lines_with_invalid_utf8_are_read_with_replacements_and_reading_goes_on() {
        let mut input: &[u8] = b"caf\xe9 \xff\xfeorder?\r\nnext line\n\xc3\nlast without newline";
        let mut buf = Vec::new();
        let mut lines = Vec::new();
        while let Some(l) = read_line(&mut input, &mut buf).await.unwrap() {
            lines.push(l);
        }
        assert_eq!(
            lines,
            [
                "caf\u{fffd} \u{fffd}\u{fffd}order?",
                "next line",
                "\u{fffd}",
                "last without newline"
            ]
        );
    }

    #[test]
    fn markdown_and_control_characters() {
        assert_eq!(
            render_markdown("See **My account** and [help](https://x.example/a)."),
            "See My account and help (https://x.example/a)."
        );
        assert_eq!(render_markdown("a [b] c"), "a [b] c");
        assert_eq!(sanitize("hi\x1b[31m red\x07"), "hi␛[31m red␇");
    }
}

//! The plain-text transcript: a title, the details, then each message as a header line
//! (`[time] who:`) and its body indented by four spaces, so that nothing a customer writes can
//! pass for another message's header.

use std::fmt::Write as _;

use super::{Transcript, attachment_name, attachment_url, neutralise, time_utc};
use crate::texts::Text;

const INDENT: &str = "    ";

pub(super) fn render(t: &Transcript<'_>) -> String {
    let mut o = String::new();
    let title = neutralise(&t.title()).replace('\n', " ");
    let _ = writeln!(o, "{title}");
    let _ = writeln!(o, "{}", "=".repeat(title.chars().count().min(80)));
    let _ = writeln!(o, "{}", neutralise(&t.details()).replace('\n', " "));
    let _ = writeln!(o);
    if t.messages.is_empty() {
        let _ = writeln!(o, "{}", t.text(Text::TranscriptFileEmpty, &[]));
    }
    for m in t.messages {
        let who = neutralise(&t.author(m)).replace('\n', " ");
        let _ = writeln!(o, "[{}] {who}:", time_utc(m.at));
        for line in neutralise(&m.body).lines() {
            let _ = writeln!(o, "{INDENT}{line}");
        }
        for a in &m.attachments {
            let name = neutralise(&attachment_name(a)).replace('\n', " ");
            match attachment_url(a) {
                Some(url) => {
                    let _ = writeln!(o, "{INDENT}📎 {name} <{url}>");
                }
                None => {
                    let r = neutralise(&a.file_ref).replace('\n', " ");
                    let _ = writeln!(o, "{INDENT}📎 {name} ({}: {r})", a.platform);
                }
            }
        }
        let _ = writeln!(o);
    }
    o
}

//! The HTML transcript: one self-contained page. Inline CSS only; a Content-Security-Policy
//! that allows no script and no resource from anywhere (`default-src 'none'`); every text from
//! the ticket escaped; attachment links only to `http(s)` addresses, opened without a referrer.

use std::fmt::Write as _;

use super::{Transcript, attachment_name, attachment_url, neutralise, time_rfc3339, time_utc};
use crate::texts::Text;
use crate::types::AuthorKind;

const STYLE: &str = "\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f4f5f7;color:#1d2330}\
main{max-width:52rem;margin:0 auto;padding:1.5rem}\
h1{font-size:1.35rem;margin:0 0 .4rem}\
.details{color:#4a5263;margin:0 0 1.2rem}\
.msg{background:#fff;border-left:4px solid #c5cad3;border-radius:6px;padding:.6rem .9rem;margin:.6rem 0}\
.msg.customer{border-color:#3b82f6}.msg.agent{border-color:#16a34a}.msg.bot{border-color:#8b5cf6}\
.msg.note{border-color:#d97706;background:#fff8eb}.msg.system{border-color:#9ca3af;background:#f9fafb}\
.who{font-weight:600}.when{color:#6b7280;font-size:.85rem;margin-left:.5rem}\
.badge{display:inline-block;background:#d97706;color:#fff;border-radius:4px;padding:0 .35rem;font-size:.75rem;margin-left:.5rem;text-transform:uppercase}\
.body{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:.25rem}\
.files{margin:.35rem 0 0;padding-left:1.2rem}\
.empty{color:#6b7280}";

/// `s` neutralised (see [`neutralise`]) and escaped for HTML text and attribute values.
pub(super) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in neutralise(s).chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn class(a: AuthorKind) -> &'static str {
    a.as_str()
}

pub(super) fn render(t: &Transcript<'_>) -> String {
    let mut o = String::new();
    let lang = escape(t.lang);
    let title = escape(&t.title());
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>{title}</h1>\n<p class=\"details\">{}</p>\n",
        escape(&t.details())
    );
    if t.messages.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"empty\">{}</p>",
            escape(&t.text(Text::TranscriptFileEmpty, &[]))
        );
    }
    let internal = escape(&t.text(Text::TranscriptFileInternal, &[]));
    for m in t.messages {
        let _ = write!(
            o,
            "<section class=\"msg {}\">\n<div><span class=\"who\">{}</span>",
            class(m.author),
            escape(&t.author(m))
        );
        if m.author == AuthorKind::Note {
            let _ = write!(o, "<span class=\"badge\">{internal}</span>");
        }
        let _ = writeln!(
            o,
            "<time class=\"when\" datetime=\"{}\">{}</time></div>",
            time_rfc3339(m.at),
            time_utc(m.at)
        );
        if !m.body.is_empty() {
            let _ = writeln!(o, "<div class=\"body\">{}</div>", escape(&m.body));
        }
        if !m.attachments.is_empty() {
            o.push_str("<ul class=\"files\">\n");
            for a in &m.attachments {
                let name = escape(&attachment_name(a));
                match attachment_url(a) {
                    Some(url) => {
                        let _ = writeln!(
                            o,
                            "<li><a href=\"{}\" rel=\"noopener noreferrer nofollow\">{name}</a></li>",
                            escape(url)
                        );
                    }
                    None => {
                        let _ = writeln!(
                            o,
                            "<li>{name} <span class=\"when\">({}: {})</span></li>",
                            escape(a.platform.as_str()),
                            escape(&a.file_ref)
                        );
                    }
                }
            }
            o.push_str("</ul>\n");
        }
        o.push_str("</section>\n");
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

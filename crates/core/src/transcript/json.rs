//! The JSON transcript: the ticket and its messages as data (times in RFC 3339 UTC and unix
//! milliseconds). Texts are kept as written; JSON escaping makes every control character
//! `\u00XX`.

use serde_json::{Value, json};

use super::{Transcript, attachment_name, attachment_url, time_rfc3339};
use crate::types::*;

fn time(t: Timestamp) -> Value {
    json!(time_rfc3339(t))
}

pub(super) fn render(t: &Transcript<'_>) -> String {
    let k = t.ticket;
    let messages: Vec<Value> = t
        .messages
        .iter()
        .map(|m| {
            let files: Vec<Value> = m
                .attachments
                .iter()
                .map(|a| {
                    json!({
                        "name": attachment_name(a),
                        "kind": a.kind,
                        "platform": a.platform.as_str(),
                        "ref": a.file_ref,
                        "url": attachment_url(a),
                    })
                })
                .collect();
            json!({
                "at": time(m.at),
                "at_ms": m.at.millis(),
                "author": m.author.as_str(),
                "name": m.author_name,
                "label": t.author(m),
                "internal": m.author == AuthorKind::Note,
                "body": m.body,
                "attachments": files,
            })
        })
        .collect();
    let doc = json!({
        "ticket": {
            "desk": k.desk,
            "number": k.number,
            "subject": k.subject,
            "status": k.status.as_str(),
            "priority": k.priority.as_str(),
            "tags": k.tags,
            "lang": k.lang,
            "customer": {
                "name": k.customer_name,
                "platform": k.customer_endpoint.platform.as_str(),
            },
            "assignee": k.assignee.as_ref().map(|a| json!({"id": a.id, "name": a.name})),
            "opened_at": time(k.opened_at),
            "first_response_at": k.first_response_at.map(time),
            "closed_at": k.closed_at.filter(|_| k.status == TicketStatus::Closed).map(time),
            "reopen_count": k.reopen_count,
        },
        "messages": messages,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}

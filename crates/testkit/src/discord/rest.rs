//! The REST side of [`FakeDiscord`]: recording every request, injected failures, and the
//! routes of the API under `/api/v10`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::json::{bot_user, message_json, user_json};
use super::{BOT_ID, ChannelState, Inner, Recorded, RecordedFile};

/// Discord's limit on files per message.
const MAX_FILES: usize = 10;

/// A `multipart/form-data` body as Discord reads it: the `payload_json` part is the JSON body,
/// each `files[n]` part a file with a `filename`; an `attachments` entry of the payload must
/// name an uploaded `files[n]` by its `id` n. Refusals are Discord's 50035 "Invalid Form Body".
fn form_body(content_type: &str, body: &[u8]) -> Result<(Value, Vec<RecordedFile>), String> {
    let parts = crate::multipart::parse(content_type, body)?;
    let mut payload = Value::Null;
    let mut files = Vec::new();
    for p in parts {
        if p.name == "payload_json" {
            payload = serde_json::from_slice(&p.data).map_err(|e| format!("payload_json: {e}"))?;
            continue;
        }
        let index = p
            .name
            .strip_prefix("files[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| format!("unexpected form field {:?}", p.name))?;
        let file_name = p
            .file_name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("files[{index}] has no filename"))?;
        files.push(RecordedFile {
            field: format!("files[{index}]"),
            file_name,
            content_type: p.content_type,
            content: p.data,
        });
    }
    if files.len() > MAX_FILES {
        return Err(format!("{} files, at most {MAX_FILES}", files.len()));
    }
    if let Some(list) = payload.get("attachments").and_then(Value::as_array) {
        for a in list {
            let id = a
                .get("id")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()));
            let Some(id) = id else {
                return Err("an attachment without an id".into());
            };
            if !files.iter().any(|f| f.field == format!("files[{id}]")) {
                return Err(format!("attachment {id} has no files[{id}] part"));
            }
        }
    }
    Ok((payload, files))
}

fn json_response(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

pub(super) async fn rest_handler(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let full = uri.path().to_owned();
    let path = full
        .strip_prefix("/api/v10")
        .or_else(|| full.strip_prefix("/api/v9"))
        .unwrap_or(&full)
        .to_owned();
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (body, files, form_error) = if content_type.starts_with("multipart/form-data") {
        match form_body(&content_type, &body) {
            Ok((b, f)) => (b, f, None),
            Err(e) => (Value::Null, Vec::new(), Some(e)),
        }
    } else {
        (
            serde_json::from_slice(&body).unwrap_or(Value::Null),
            Vec::new(),
            None,
        )
    };
    let fail = inner.fail.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut record = Recorded {
        method: method.as_str().to_owned(),
        path: path.clone(),
        body: body.clone(),
        created_id: None,
        at: std::time::Instant::now(),
        limited: false,
        early: false,
        files,
    };
    if let Some(why) = form_error {
        inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"message": "Invalid Form Body", "code": 50035, "errors": why}),
        );
    }
    if let Some((response, early)) = super::limits::check(&inner, &path) {
        record.limited = true;
        record.early = early;
        inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
        return response;
    }
    if let Some((part, status)) = fail
        && path.contains(&part)
    {
        inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return json_response(
            status,
            json!({"message": "injected failure", "code": 50001}),
        );
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (response, created) = route(&inner, &method, &segs, &body, &record.files);
    record.created_id = created;
    inner
        .requests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(record);
    response
}

fn route(
    inner: &Inner,
    method: &Method,
    segs: &[&str],
    body: &Value,
    files: &[RecordedFile],
) -> (Response, Option<String>) {
    let ok = |v: Value| json_response(StatusCode::OK, v);
    let no_content = || StatusCode::NO_CONTENT.into_response();
    let m = method.as_str();
    match (m, segs) {
        ("GET", ["gateway"]) => (
            ok(json!({"url": format!("ws://{}/ws", inner.ws_addr)})),
            None,
        ),
        ("GET", ["gateway", "bot"]) => (
            ok(json!({
                "url": format!("ws://{}/ws", inner.ws_addr),
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
            })),
            None,
        ),
        ("GET", ["users", "@me"]) => (ok(bot_user()), None),
        ("GET", ["oauth2", "applications", "@me"]) => (
            ok(json!({
                "id": BOT_ID.to_string(),
                "name": "frontdesk",
                "icon": null,
                "description": "",
                "bot_public": false,
                "bot_require_code_grant": false,
                "owner": user_json(1),
                "verify_key": "",
                "flags": 0,
                "redirect_uris": [],
            })),
            None,
        ),
        ("POST", ["users", "@me", "channels"]) => {
            let user: u64 = body["recipient_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| body["recipient_id"].as_u64())
                .unwrap_or(1);
            let id = {
                let mut dms = inner.dm_channels.lock().unwrap_or_else(|p| p.into_inner());
                *dms.entry(user).or_insert_with(|| inner.id())
            };
            (
                ok(
                    json!({"id": id.to_string(), "type": 1, "recipients": [user_json(user)], "last_message_id": null}),
                ),
                Some(id.to_string()),
            )
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            let archived = inner
                .channels
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&channel)
                .is_some_and(|c| c.archived);
            if archived {
                // As Discord: a message cannot be sent to an archived thread.
                return (
                    json_response(
                        StatusCode::BAD_REQUEST,
                        json!({"message": "Thread is archived", "code": 50083}),
                    ),
                    None,
                );
            }
            let id = inner.id();
            let content = body["content"].as_str().unwrap_or("");
            if content.is_empty() && files.is_empty() && body.get("components").is_none() {
                return (
                    json_response(
                        StatusCode::BAD_REQUEST,
                        json!({"message": "Cannot send an empty message", "code": 50006}),
                    ),
                    None,
                );
            }
            let mut message = message_json(id, channel, bot_user(), content);
            message["attachments"] = json!(
                files
                    .iter()
                    .map(|f| {
                        let aid = inner.id();
                        let url = format!(
                            "https://cdn.discordapp.com/attachments/{channel}/{aid}/{}",
                            f.file_name
                        );
                        json!({
                            "id": aid.to_string(),
                            "filename": f.file_name,
                            "size": f.content.len(),
                            "url": url,
                            "proxy_url": url,
                            "content_type": f.content_type,
                        })
                    })
                    .collect::<Vec<_>>()
            );
            (ok(message), Some(id.to_string()))
        }
        ("PATCH", ["channels", channel, "messages", mid]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            let id: u64 = mid.parse().unwrap_or(0);
            let content = body["content"].as_str().unwrap_or("");
            (ok(message_json(id, channel, bot_user(), content)), None)
        }
        ("POST", ["channels", parent, "threads"]) => {
            let parent: u64 = parent.parse().unwrap_or(0);
            let id = inner.id();
            inner
                .channels
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(
                    id,
                    ChannelState {
                        name: body["name"].as_str().unwrap_or("thread").to_owned(),
                        kind: body["type"].as_u64().unwrap_or(12),
                        parent: Some(parent),
                        archived: false,
                        locked: false,
                    },
                );
            (ok(inner.channel_json(id)), Some(id.to_string()))
        }
        ("PATCH", ["channels", channel]) => {
            let id: u64 = channel.parse().unwrap_or(0);
            // As Discord: locking, or unarchiving a locked thread, needs Manage Threads.
            let locked = inner
                .channels
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&id)
                .is_some_and(|c| c.locked);
            let wants = body["locked"].as_bool() == Some(true)
                || (locked && body["archived"].as_bool() == Some(false));
            if wants && !super::limits::manage_threads(inner) {
                return (
                    json_response(
                        StatusCode::FORBIDDEN,
                        json!({"message": "Missing Permissions", "code": 50013}),
                    ),
                    None,
                );
            }
            {
                let mut channels = inner.channels.lock().unwrap_or_else(|p| p.into_inner());
                let c = channels.entry(id).or_default();
                if let Some(n) = body["name"].as_str() {
                    c.name = n.to_owned();
                }
                if let Some(a) = body["archived"].as_bool() {
                    c.archived = a;
                }
                if let Some(l) = body["locked"].as_bool() {
                    c.locked = l;
                }
            }
            (ok(inner.channel_json(id)), None)
        }
        ("GET", ["channels", channel]) => {
            let id: u64 = channel.parse().unwrap_or(0);
            (ok(inner.channel_json(id)), None)
        }
        ("PUT" | "DELETE", ["channels", _, "thread-members", _]) => (no_content(), None),
        ("GET", ["guilds", _, "members"]) => (ok(super::limits::members(inner)), None),
        ("GET", ["guilds", _, "members", user]) => {
            let m = super::limits::member(inner, user.parse().unwrap_or(0));
            if m.is_null() {
                (
                    json_response(
                        StatusCode::NOT_FOUND,
                        json!({"message": "Unknown Member", "code": 10007}),
                    ),
                    None,
                )
            } else {
                (ok(m), None)
            }
        }
        ("GET", ["guilds", _]) => (ok(super::limits::guild(inner)), None),
        ("POST", ["interactions", _, token, "callback"]) => {
            // A response with a message (type 4) becomes the interaction's original message.
            if body["type"] == 4 {
                let id = inner.id();
                let content = body["data"]["content"].as_str().unwrap_or("").to_owned();
                inner
                    .originals
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert((*token).to_owned(), (id, content));
                (no_content(), Some(id.to_string()))
            } else {
                (no_content(), None)
            }
        }
        ("GET", ["webhooks", _, token, "messages", "@original"]) => {
            let found = inner
                .originals
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(*token)
                .cloned();
            match found {
                Some((id, content)) => {
                    let channel = inner
                        .interaction_channels
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(*token)
                        .copied()
                        .unwrap_or(1);
                    (ok(message_json(id, channel, bot_user(), &content)), None)
                }
                None => (
                    json_response(
                        StatusCode::NOT_FOUND,
                        json!({"message": "Unknown Webhook", "code": 10015}),
                    ),
                    None,
                ),
            }
        }
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => (ok(json!([])), None),
        ("GET", ["applications", _, "commands"])
        | ("GET", ["applications", _, "guilds", _, "commands"]) => (ok(json!([])), None),
        _ => (
            json_response(
                StatusCode::NOT_FOUND,
                json!({"message": "404: Not Found", "code": 0}),
            ),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, Option<&str>, &str)]) -> Vec<u8> {
        let mut b = String::new();
        for (name, file, data) in parts {
            let file = file
                .map(|f| format!("; filename=\"{f}\""))
                .unwrap_or_default();
            b.push_str(&format!(
                "--B\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n{data}\r\n"
            ));
        }
        b.push_str("--B--\r\n");
        b.into_bytes()
    }

    #[test]
    fn a_form_is_read_as_discord_reads_it() {
        let ct = "multipart/form-data; boundary=B";
        let ok = body(&[
            (
                "payload_json",
                None,
                r#"{"content":"x","attachments":[{"id":0,"filename":"a.txt"}]}"#,
            ),
            ("files[0]", Some("a.txt"), "hello"),
        ]);
        let (payload, files) = form_body(ct, &ok).unwrap();
        assert_eq!(payload["content"], "x");
        assert_eq!(files[0].file_name, "a.txt");
        assert_eq!(files[0].text(), "hello");
        // A file without a name, a field Discord does not know, an attachment without its
        // part, and bad JSON are refused.
        assert!(form_body(ct, &body(&[("files[0]", None, "x")])).is_err());
        assert!(form_body(ct, &body(&[("file", Some("a"), "x")])).is_err());
        let dangling = body(&[
            ("payload_json", None, r#"{"attachments":[{"id":1}]}"#),
            ("files[0]", Some("a.txt"), "x"),
        ]);
        assert!(form_body(ct, &dangling).is_err());
        assert!(form_body(ct, &body(&[("payload_json", None, "{")])).is_err());
    }
}

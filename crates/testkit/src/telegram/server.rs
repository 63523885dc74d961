//! The HTTP side of [`FakeTelegram`]: the axum handlers, authentication, injected failures,
//! and the dispatch of each Bot API method to its fake answer.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::gate::pass_gate;
use super::json::{bot_user, chat_json, now_secs};
use super::multipart::parse_multipart;
use super::{BOT_ID, BOT_USERNAME, Inner, Request, TOKEN, as_i64};

pub(super) async fn handle_get(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
) -> Response {
    serve(inner, bot, method, Value::Object(Map::new())).await
}

pub(super) async fn handle(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let params = if content_type.starts_with("multipart/form-data") {
        match parse_multipart(&content_type, &body) {
            Ok(p) => p,
            Err(why) => return error(400, &format!("Bad Request: {why}"), None),
        }
    } else if body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Object(Map::new()))
    };
    serve(inner, bot, method, params).await
}

fn error(code: u16, description: &str, retry_after: Option<u32>) -> Response {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(s) = retry_after {
        body["parameters"] = json!({"retry_after": s});
    }
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(body)).into_response()
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

async fn serve(inner: Arc<Inner>, bot: String, method: String, params: Value) -> Response {
    if bot != format!("bot{TOKEN}") {
        return error(401, "Unauthorized", None);
    }
    pass_gate(&inner, &method, &params).await;

    // Record, and take an injected failure if one is queued for this method.
    let (index, failure) = {
        let mut st = inner.lock();
        let pos = st
            .failures
            .iter()
            .position(|f| f.method.eq_ignore_ascii_case(&method));
        let f = pos.map(|i| st.failures.remove(i));
        st.requests.push(Request {
            method: method.clone(),
            body: params.clone(),
            ok: f.is_none(),
            result: Value::Null,
        });
        (st.requests.len() - 1, f)
    };
    if let Some(f) = failure {
        let desc = match (f.code, f.retry_after) {
            (429, Some(s)) => format!("Too Many Requests: retry after {s}"),
            (429, None) => "Too Many Requests".to_owned(),
            (code, _) => format!("Bad Request: injected failure {code}"),
        };
        return error(f.code, &desc, f.retry_after);
    }

    match dispatch(&inner, &method, &params).await {
        Ok(result) => {
            if let Some(r) = inner.lock().requests.get_mut(index) {
                r.result = result.clone();
            }
            ok(result)
        }
        Err((code, desc)) => {
            if let Some(r) = inner.lock().requests.get_mut(index) {
                r.ok = false;
            }
            error(code, &desc, None)
        }
    }
}

/// Telegram's limit on a file a bot uploads.
const UPLOAD_MAX: u64 = 50 * 1024 * 1024;

/// The `document` of a `sendDocument` as Telegram answers it: a file id sent again, or a file
/// uploaded whole (multipart: non-empty, at most 50 MB, with a name).
fn uploaded_document(params: &Value) -> Result<Value, (u16, String)> {
    match params.get("document") {
        Some(Value::String(id)) if !id.is_empty() => {
            Ok(json!({"file_id": id, "file_unique_id": format!("u-{id}")}))
        }
        Some(Value::Object(f)) => {
            let size = f.get("size").and_then(Value::as_u64).unwrap_or(0);
            if size == 0 {
                return Err((400, "Bad Request: file must be non-empty".into()));
            }
            if size > UPLOAD_MAX {
                return Err((413, "Request Entity Too Large".into()));
            }
            let name = f.get("file_name").and_then(Value::as_str).unwrap_or("");
            let id = format!("doc-{}-{size}", name.len());
            let mut d = json!({
                "file_id": id,
                "file_unique_id": format!("u-{id}"),
                "file_size": size,
            });
            if !name.is_empty() {
                d["file_name"] = json!(name);
            }
            if let Some(m) = f.get("mime_type").and_then(Value::as_str) {
                d["mime_type"] = json!(m);
            }
            Ok(d)
        }
        _ => Err((
            400,
            "Bad Request: there is no document in the request".into(),
        )),
    }
}

async fn dispatch(inner: &Inner, method: &str, params: &Value) -> Result<Value, (u16, String)> {
    let lower = method.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "sendmessage"
            | "sendphoto"
            | "senddocument"
            | "closeforumtopic"
            | "reopenforumtopic"
            | "editforumtopic"
    ) {
        let chat = params.get("chat_id").and_then(as_i64).unwrap_or(0);
        let thread = params.get("message_thread_id").and_then(as_i64);
        let st = inner.lock();
        if let Some(t) = thread
            && st.deleted_topics.contains(&(chat, t))
        {
            return Err((400, "Bad Request: message thread not found".into()));
        }
        if st.blocked.contains(&chat) && params.get("business_connection_id").is_none() {
            return Err((403, "Forbidden: bot was blocked by the user".into()));
        }
    }
    let business = if matches!(
        lower.as_str(),
        "sendmessage" | "sendphoto" | "senddocument" | "editmessagereplymarkup"
    ) {
        super::business::check_send(inner, params)?
    } else {
        None
    };
    Ok(match lower.as_str() {
        "getme" => json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Frontdesk", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": true,
            "supports_inline_queries": false, "has_main_web_app": false
        }),
        "getwebhookinfo" => {
            let url = inner
                .lock()
                .webhook
                .as_ref()
                .map(|(url, _)| url.clone())
                .unwrap_or_default();
            json!({"url": url, "has_custom_certificate": false, "pending_update_count": 0})
        }
        "setwebhook" => {
            let url = params.get("url").and_then(Value::as_str).unwrap_or("");
            let secret = params
                .get("secret_token")
                .and_then(Value::as_str)
                .unwrap_or("");
            inner.lock().webhook = (!url.is_empty()).then(|| (url.to_owned(), secret.to_owned()));
            json!(true)
        }
        "deletewebhook" => {
            inner.lock().webhook = None;
            json!(true)
        }
        "setmycommands" => json!(true),
        "getbusinessconnection" => super::business::get_connection(inner, params)?,
        "getupdates" => {
            if inner.lock().webhook.is_some() {
                return Err((
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first".into(),
                ));
            }
            get_updates(inner, params).await
        }
        "sendmessage" => sent_message(inner, params, |m| {
            m.insert(
                "text".into(),
                params.get("text").cloned().unwrap_or(json!("")),
            );
        }),
        "sendphoto" => {
            let file_id = params
                .get("photo")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            sent_message(inner, params, |m| {
                m.insert(
                    "photo".into(),
                    json!([{"file_id": file_id, "file_unique_id": format!("u-{file_id}"), "width": 800, "height": 600}]),
                );
                if let Some(c) = params.get("caption") {
                    m.insert("caption".into(), c.clone());
                }
            })
        }
        "senddocument" => {
            let document = uploaded_document(params)?;
            sent_message(inner, params, |m| {
                m.insert("document".into(), document);
                if let Some(c) = params.get("caption") {
                    m.insert("caption".into(), c.clone());
                }
            })
        }
        "editmessagereplymarkup" | "editmessagetext" => {
            let chat_id = params.get("chat_id").and_then(as_i64).unwrap_or(0);
            let message_id = params.get("message_id").and_then(as_i64).unwrap_or(0);
            let mut m = Map::new();
            m.insert("message_id".into(), json!(message_id));
            m.insert("date".into(), json!(now_secs()));
            m.insert("edit_date".into(), json!(now_secs()));
            m.insert("chat".into(), chat_json(chat_id));
            m.insert("from".into(), bot_user());
            m.insert(
                "text".into(),
                params.get("text").cloned().unwrap_or(json!("…")),
            );
            if let Some(rm) = params.get("reply_markup") {
                m.insert("reply_markup".into(), rm.clone());
            }
            Value::Object(m)
        }
        "answercallbackquery"
        | "closeforumtopic"
        | "reopenforumtopic"
        | "editforumtopic"
        | "deletemessage" => json!(true),
        "createforumtopic" => {
            let chat_id = params.get("chat_id").and_then(as_i64).unwrap_or(0);
            if chat_id >= 0 {
                return Err((400, "Bad Request: the chat is not a forum".into()));
            }
            let id = {
                let mut st = inner.lock();
                let id = st.next_thread_id;
                st.next_thread_id += 1;
                id
            };
            json!({
                "message_thread_id": id,
                "name": params.get("name").cloned().unwrap_or(json!("")),
                "icon_color": 7_322_096,
            })
        }
        _ => return Err((404, "Not Found: method not found".into())),
    })
    .map(|mut result| {
        // A message sent on behalf of a business account says so.
        if let (Some(id), Value::Object(m)) = (business, &mut result) {
            m.insert("business_connection_id".into(), json!(id));
            m.insert("sender_business_bot".into(), bot_user());
        }
        result
    })
}

/// The message the bot sent, as Telegram returns it.
fn sent_message(
    inner: &Inner,
    params: &Value,
    fill: impl FnOnce(&mut Map<String, Value>),
) -> Value {
    let chat_id = params.get("chat_id").and_then(as_i64).unwrap_or(0);
    let id = {
        let mut st = inner.lock();
        let id = st.next_message_id;
        st.next_message_id += 1;
        id
    };
    let mut m = Map::new();
    m.insert("message_id".into(), json!(id));
    m.insert("date".into(), json!(now_secs()));
    m.insert("chat".into(), chat_json(chat_id));
    m.insert("from".into(), bot_user());
    if let Some(t) = params.get("message_thread_id").and_then(as_i64) {
        m.insert("message_thread_id".into(), json!(t));
        m.insert("is_topic_message".into(), json!(true));
    }
    if let Some(rm) = params.get("reply_markup") {
        m.insert("reply_markup".into(), rm.clone());
    }
    fill(&mut m);
    Value::Object(m)
}

async fn get_updates(inner: &Inner, params: &Value) -> Value {
    let offset = params.get("offset").and_then(as_i64);
    let timeout = params.get("timeout").and_then(as_i64).unwrap_or(0).max(0) as u64;
    let limit = params
        .get("limit")
        .and_then(as_i64)
        .filter(|l| (1..=100).contains(l))
        .unwrap_or(100) as usize;
    // Empty answers wait for the timeout (at least ~100 ms, so clients do not spin).
    let wait = Duration::from_secs(timeout).max(Duration::from_millis(100));
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let notified = inner.new_update.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut st = inner.lock();
            if let Some(o) = offset {
                st.updates
                    .retain(|u| u.get("update_id").and_then(Value::as_i64).unwrap_or(0) >= o);
            }
            if !st.updates.is_empty() {
                let batch: Vec<Value> = st.updates.iter().take(limit).cloned().collect();
                return Value::Array(batch);
            }
        }
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep_until(deadline) => return json!([]),
        }
    }
}

//! The `multipart/form-data` bodies teloxide sends for media, as the Bot API reads them.
//!
//! A file given by id or URL is a text field (`document=AgAD…`). A file uploaded whole is a
//! part with a `filename`, named either after the parameter itself or anything else and
//! referred to as `attach://<part name>` (what teloxide sends); the parameter then becomes
//! an object `{file_name, mime_type, size, content}` (`content` as text, lossy).

use serde_json::{Map, Value, json};

use crate::multipart::{Part, parse};

fn file_json(p: &Part) -> Value {
    json!({
        "file_name": p.file_name.clone().unwrap_or_default(),
        "mime_type": p.content_type,
        "size": p.data.len(),
        "content": p.text(),
    })
}

/// Parses a `multipart/form-data` body into a JSON object of its parameters. Numbers, booleans
/// and JSON objects/arrays in text fields are decoded; `text`, `caption` and file fields stay
/// strings; uploaded files become objects (see the module's documentation).
pub(super) fn parse_multipart(content_type: &str, body: &[u8]) -> Result<Value, String> {
    let parts = parse(content_type, body)?;
    let mut out = Map::new();
    let uploads: Vec<&Part> = parts.iter().filter(|p| p.file_name.is_some()).collect();
    for p in parts.iter().filter(|p| p.file_name.is_none()) {
        let value = p.text();
        let name = p.name.clone();
        if let Some(attach) = value.strip_prefix("attach://") {
            let file = uploads.iter().find(|u| u.name == attach).ok_or_else(|| {
                format!("{name} refers to attach://{attach}, which is not in the request")
            })?;
            out.insert(name, file_json(file));
            continue;
        }
        let keep_string = matches!(
            name.as_str(),
            "text" | "caption" | "photo" | "document" | "name" | "parse_mode" | "file_name"
        );
        let v = if keep_string {
            Value::String(value)
        } else if let Ok(n) = value.parse::<i64>() {
            json!(n)
        } else if value == "true" || value == "false" {
            json!(value == "true")
        } else if value.starts_with('{') || value.starts_with('[') {
            serde_json::from_str(&value).unwrap_or(Value::String(value))
        } else {
            Value::String(value)
        };
        out.insert(name, v);
    }
    // A file uploaded under the parameter's own name.
    for u in uploads {
        if matches!(u.name.as_str(), "photo" | "document") && !out.contains_key(&u.name) {
            out.insert(u.name.clone(), file_json(u));
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_fields() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n-100\r\n--XX\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nAgAC123\r\n--XX\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n5\r\n--XX\r\nContent-Disposition: form-data; name=\"reply_markup\"\r\n\r\n{\"inline_keyboard\":[]}\r\n--XX--\r\n";
        let v = parse_multipart("multipart/form-data; boundary=XX", body.as_bytes()).unwrap();
        assert_eq!(v["chat_id"], json!(-100));
        assert_eq!(v["photo"], json!("AgAC123"));
        assert_eq!(v["caption"], json!("5"));
        assert_eq!(v["reply_markup"], json!({"inline_keyboard": []}));
    }

    #[test]
    fn uploads_by_attach_reference_or_by_name() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\nattach://f1\r\n--XX\r\nContent-Disposition: form-data; name=\"f1\"; filename=\"t.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n";
        let v = parse_multipart("multipart/form-data; boundary=XX", body.as_bytes()).unwrap();
        assert_eq!(
            v["document"],
            json!({"file_name": "t.txt", "mime_type": "text/plain", "size": 5, "content": "hello"})
        );
        let body = "--XX\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.html\"\r\n\r\n<p>\r\n--XX--\r\n";
        let v = parse_multipart("multipart/form-data; boundary=XX", body.as_bytes()).unwrap();
        assert_eq!(v["document"]["file_name"], json!("a.html"));
        assert_eq!(v["document"]["content"], json!("<p>"));
        let dangling = "--XX\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\nattach://gone\r\n--XX--\r\n";
        assert!(parse_multipart("multipart/form-data; boundary=XX", dangling.as_bytes()).is_err());
    }
}

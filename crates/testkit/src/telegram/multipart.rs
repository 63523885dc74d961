//! Parsing the `multipart/form-data` bodies teloxide sends for media.

use serde_json::{Map, Value, json};

/// Parses a `multipart/form-data` body of text fields (teloxide sends file ids as text) into
/// a JSON object. Numbers and JSON objects/arrays are decoded; `text`, `caption` and file
/// fields stay strings.
pub(super) fn parse_multipart(content_type: &str, body: &[u8]) -> Value {
    let mut out = Map::new();
    let Some(boundary) = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
    else {
        return Value::Object(out);
    };
    let boundary = boundary.trim_matches('"');
    let text = String::from_utf8_lossy(body);
    let delim = format!("--{boundary}");
    for part in text.split(delim.as_str()) {
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        if part.starts_with("--") || part.trim().is_empty() {
            continue;
        }
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let Some(name) = head
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("name="))
            .map(|n| n.trim_matches('"').to_owned())
        else {
            continue;
        };
        let keep_string = matches!(
            name.as_str(),
            "text" | "caption" | "photo" | "document" | "name" | "parse_mode" | "file_name"
        );
        let v = if keep_string {
            Value::String(value.to_owned())
        } else if let Ok(n) = value.parse::<i64>() {
            json!(n)
        } else if value == "true" || value == "false" {
            json!(value == "true")
        } else if value.starts_with('{') || value.starts_with('[') {
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()))
        } else {
            Value::String(value.to_owned())
        };
        out.insert(name, v);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_fields() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n-100\r\n--XX\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nAgAC123\r\n--XX\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n5\r\n--XX\r\nContent-Disposition: form-data; name=\"reply_markup\"\r\n\r\n{\"inline_keyboard\":[]}\r\n--XX--\r\n";
        let v = parse_multipart("multipart/form-data; boundary=XX", body.as_bytes());
        assert_eq!(v["chat_id"], json!(-100));
        assert_eq!(v["photo"], json!("AgAC123"));
        assert_eq!(v["caption"], json!("5"));
        assert_eq!(v["reply_markup"], json!({"inline_keyboard": []}));
    }
}

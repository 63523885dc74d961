//! Messages with files: the `multipart/form-data` body Discord takes for uploads, a
//! `payload_json` part with the message (its `attachments` naming each file by id) and one
//! `files[n]` part per file.

use frontdesk_core::OutFile;
use serde_json::{Value, json};

/// A file name safe inside a quoted `Content-Disposition` parameter.
fn quoted_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// A boundary that occurs in none of the parts.
fn boundary(parts: &[&[u8]]) -> String {
    let mut n: u64 = 0x9e37_79b9_7f4a_7c15;
    loop {
        let b = format!("frontdesk-{n:016x}");
        if !parts
            .iter()
            .any(|p| p.windows(b.len()).any(|w| w == b.as_bytes()))
        {
            return b;
        }
        n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    }
}

/// The body of a message with `files`: returns its `Content-Type` and bytes. `payload` is the
/// message's JSON; its `attachments` are set to `{id: n, filename}` for `files[n]`.
pub(crate) fn form(payload: &Value, files: &[OutFile]) -> (String, Vec<u8>) {
    let mut payload = payload.clone();
    payload["attachments"] = json!(
        files
            .iter()
            .enumerate()
            .map(|(i, f)| json!({"id": i, "filename": f.name}))
            .collect::<Vec<_>>()
    );
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    let mut all: Vec<&[u8]> = vec![&json];
    all.extend(files.iter().map(|f| f.content.as_slice()));
    let b = boundary(&all);
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&json);
    for (i, f) in files.iter().enumerate() {
        let mime: String = f.mime.chars().filter(|c| !c.is_control()).collect();
        body.extend_from_slice(
            format!(
                "\r\n--{b}\r\nContent-Disposition: form-data; name=\"files[{i}]\"; filename=\"{}\"\r\nContent-Type: {mime}\r\n\r\n",
                quoted_name(&f.name)
            )
            .as_bytes(),
        );
        body.extend_from_slice(&f.content);
    }
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_json_and_one_part_per_file() {
        let files = vec![
            OutFile {
                name: "a\"b.txt".into(),
                mime: "text/plain; charset=utf-8".into(),
                content: b"hello".to_vec(),
            },
            OutFile {
                name: "t.html".into(),
                mime: "text/html; charset=utf-8".into(),
                content: b"<p>x</p>".to_vec(),
            },
        ];
        let (ct, body) = form(&json!({"content": "hi"}), &files);
        let b = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"payload_json\""
        )));
        let json = text.split("\r\n\r\n").nth(1).unwrap();
        let json: Value = serde_json::from_str(json.split("\r\n--").next().unwrap()).unwrap();
        assert_eq!(
            json,
            json!({"content": "hi", "attachments": [
                {"id": 0, "filename": "a\"b.txt"}, {"id": 1, "filename": "t.html"}
            ]})
        );
        assert!(text.contains("name=\"files[0]\"; filename=\"a_b.txt\"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"));
        assert!(text.contains("name=\"files[1]\"; filename=\"t.html\"\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>x</p>\r\n"));
        assert!(text.ends_with(&format!("\r\n--{b}--\r\n")));
    }

    #[test]
    fn the_boundary_is_not_in_any_part() {
        let first = boundary(&[b"x"]);
        let files = vec![OutFile {
            name: "f".into(),
            mime: "text/plain".into(),
            content: first.clone().into_bytes(),
        }];
        let (ct, _) = form(&json!({}), &files);
        assert!(!ct.ends_with(&first));
    }
}

//! A `multipart/form-data` parser (RFC 7578) for the fake servers: the parts of a body, text
//! fields and uploaded files alike, byte for byte.

/// One part of a `multipart/form-data` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename`, when the part is a file.
    pub file_name: Option<String>,
    /// Its `Content-Type`, if given.
    pub content_type: Option<String>,
    /// Its bytes.
    pub data: Vec<u8>,
}

impl Part {
    /// The part's bytes as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// A parameter of a header value (`name="x"` in `form-data; name="x"; filename="y"`).
fn param(header: &str, key: &str) -> Option<String> {
    header.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Parses a body sent with `content_type` (`multipart/form-data; boundary=…`). Refuses a
/// missing boundary, a body without the closing delimiter, and a part without a
/// `Content-Disposition: form-data` name, as a server would.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(format!("not multipart/form-data: {content_type:?}"));
    }
    let boundary = param(content_type, "boundary")
        .filter(|b| !b.is_empty())
        .ok_or("multipart body without a boundary")?;
    let delim = format!("\r\n--{boundary}").into_bytes();
    let mut data = b"\r\n".to_vec();
    data.extend_from_slice(body);
    let mut at = find(&data, &delim, 0).ok_or("no multipart delimiter")? + delim.len();
    let mut parts = Vec::new();
    loop {
        if data[at..].starts_with(b"--") {
            return Ok(parts);
        }
        let start = at + 2; // the CRLF after the delimiter
        let end = find(&data, &delim, start).ok_or("multipart body not closed")?;
        let raw = &data[start.min(end)..end];
        let split = find(raw, b"\r\n\r\n", 0).ok_or("multipart part without headers")?;
        let head = String::from_utf8_lossy(&raw[..split]);
        let mut disposition = None;
        let mut content_type = None;
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                disposition = Some(v.trim().to_owned());
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_owned());
            }
        }
        let disposition = disposition.ok_or("multipart part without Content-Disposition")?;
        if !disposition.to_ascii_lowercase().starts_with("form-data") {
            return Err(format!("multipart part is not form-data: {disposition}"));
        }
        let name = param(&disposition, "name").ok_or("multipart part without a name")?;
        parts.push(Part {
            name,
            file_name: param(&disposition, "filename"),
            content_type,
            data: raw[split + 4..].to_vec(),
        });
        at = end + delim.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_and_files_byte_for_byte() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n-100\r\n--XX\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a b.txt\"\r\nContent-Type: text/plain\r\n\r\nline\r\n--XY\r\n\x00\xff\r\n--XX--\r\n";
        let parts = parse("multipart/form-data; boundary=\"XX\"", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "chat_id");
        assert_eq!(parts[0].text(), "-100");
        assert_eq!(parts[0].file_name, None);
        assert_eq!(parts[1].name, "files[0]");
        assert_eq!(parts[1].file_name.as_deref(), Some("a b.txt"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/plain"));
        assert_eq!(parts[1].data, b"line\r\n--XY\r\n\x00\xff".to_vec());
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert!(parse("multipart/form-data", b"").is_err());
        assert!(parse("application/json", b"{}").is_err());
        let unclosed = b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1";
        assert!(parse("multipart/form-data; boundary=XX", unclosed).is_err());
        let nameless = b"--XX\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XX--";
        assert!(parse("multipart/form-data; boundary=XX", nameless).is_err());
    }
}

//! The escaping checks behind the platforms' [`is_inert`](super::Platform::is_inert).

/// Whether `text` holds `original` with every char in `must` preceded by a backslash, every char
/// in `may` optionally so, and every `@` optionally followed by a zero-width space.
pub(super) fn contains_escaped(text: &str, original: &str, must: &str, may: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let orig: Vec<char> = original.chars().collect();
    let matches_at = |start: usize| {
        let mut i = start;
        for &c in &orig {
            if must.contains(c) {
                if text.get(i) != Some(&'\\') {
                    return false;
                }
                i += 1;
            } else if may.contains(c) && text.get(i) == Some(&'\\') {
                i += 1;
            }
            if text.get(i) != Some(&c) {
                return false;
            }
            i += 1;
            if c == '@' && text.get(i) == Some(&'\u{200B}') {
                i += 1;
            }
        }
        true
    };
    (0..text.len()).any(matches_at)
}

/// `s` escaped for Telegram's HTML parse mode.
pub(super) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::super::HOSTILE;
    use super::*;

    #[test]
    fn escaped_forms() {
        let discord = "**User 1:**\n@\u{200B}everyone \\<b>x\\</b> \\*\\*y\\*\\*";
        assert!(contains_escaped(discord, HOSTILE, "*_~`|\\", "[]()<>#-+"));
        assert!(!contains_escaped(
            "@everyone <b>x</b> **y**",
            HOSTILE,
            "*_~`|\\",
            "[]()<>#-+"
        ));
        assert_eq!(html_escape(HOSTILE), "@everyone &lt;b&gt;x&lt;/b&gt; **y**");
    }
}

//! Rendering of message bodies as Telegram HTML.
//!
//! Every message is sent with `parse_mode = HTML`. Plain text (customer and agent text, notices,
//! summaries) is escaped completely, so nothing in it can format, link or spoof a link, and
//! every `@` in it gets a zero-width space after it, so an `@username` a customer wrote is not
//! turned into a mention that notifies someone (the configured agent mention is added by the
//! channel, outside the plain text, and does ping).
//! Trusted Markdown (knowledge-base answers, bot texts) is converted: `**bold**`, `*italic*`,
//! `` `code` ``, `[text](https://…)` and "- " list items; everything else is escaped.

use frontdesk_core::Markup;

/// Escapes text for Telegram HTML (`&`, `<`, `>` and `"`).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        escape_char(c, &mut out);
    }
    out
}

/// Appends one character, escaped for Telegram HTML.
fn escape_char(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        c => out.push(c),
    }
}

/// Escapes untrusted text for Telegram HTML and neutralises mentions: a zero-width space
/// after every `@`, so `@username` shows as written but is no mention entity (Telegram only
/// recognises `@` directly followed by the name).
pub(crate) fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        escape_char(c, &mut out);
        if c == '@' {
            out.push('\u{200B}');
        }
    }
    out
}

/// Renders a body in the given markup as Telegram HTML.
pub(crate) fn render(text: &str, markup: Markup) -> String {
    match markup {
        Markup::Plain => plain(text),
        Markup::Markdown => markdown_to_html(text),
    }
}

/// Converts the trusted Markdown subset to Telegram HTML.
pub(crate) fn markdown_to_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if let Some(rest) = trimmed.strip_prefix("- ") {
            out.push_str(indent);
            out.push_str("• ");
            inline(rest, &mut out);
        } else {
            inline(line, &mut out);
        }
    }
    out
}

/// Whether a link target is safe to render as a link.
fn safe_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://") || url.starts_with("mailto:"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn inline(s: &str, out: &mut String) {
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if let Some(after) = rest.strip_prefix('`')
            && let Some(end) = after.find('`')
            && end > 0
        {
            out.push_str("<code>");
            out.push_str(&escape(&after[..end]));
            out.push_str("</code>");
            i += end + 2;
            continue;
        }
        if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
            && end > 0
        {
            out.push_str("<b>");
            inline(&after[..end], out);
            out.push_str("</b>");
            i += end + 4;
            continue;
        }
        if let Some(after) = rest.strip_prefix('*')
            && !after.starts_with('*')
            && let Some(end) = after.find('*')
        {
            let inner = &after[..end];
            if !inner.is_empty() && !inner.starts_with(' ') && !inner.ends_with(' ') {
                out.push_str("<i>");
                inline(inner, out);
                out.push_str("</i>");
                i += end + 2;
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('[')
            && let Some(close) = after.find("](")
            && let Some(end) = after[close + 2..].find(')')
        {
            let label = &after[..close];
            let url = &after[close + 2..close + 2 + end];
            if !label.is_empty() && !label.contains('[') && safe_url(url) {
                out.push_str("<a href=\"");
                out.push_str(&escape(url));
                out.push_str("\">");
                inline(label, out);
                out.push_str("</a>");
                i += 1 + close + 2 + end + 1;
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        escape_char(c, out);
        i += c.len_utf8();
    }
}

/// A text's length as Telegram counts it once rendered as plain text: UTF-16 code units, and
/// one more for every `@`, which gets a zero-width space (see [`plain`]).
pub(crate) fn rendered_len(text: &str) -> usize {
    frontdesk_core::split::utf16_len(text) + text.matches('@').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_fully_escaped_and_mentions_neutralised() {
        assert_eq!(
            render("<b>x</b> & @everyone [a](http://evil)", Markup::Plain),
            "&lt;b&gt;x&lt;/b&gt; &amp; @\u{200B}everyone [a](http://evil)"
        );
        assert_eq!(
            plain("ask @ruta_admin or mail a@b.example"),
            "ask @\u{200B}ruta_admin or mail a@\u{200B}b.example"
        );
        // The raw form Telegram would turn into a mention is gone.
        assert!(!plain("@support_lead").contains("@support_lead"));
    }

    #[test]
    fn markdown_subset() {
        assert_eq!(
            markdown_to_html(
                "Click **Forgot password?** on the [login page](https://x.example/login)."
            ),
            "Click <b>Forgot password?</b> on the <a href=\"https://x.example/login\">login page</a>."
        );
        assert_eq!(
            markdown_to_html("Use *Forgot password* and `code <x>`"),
            "Use <i>Forgot password</i> and <code>code &lt;x&gt;</code>"
        );
        assert_eq!(
            markdown_to_html("Steps:\n- one\n- **two**"),
            "Steps:\n• one\n• <b>two</b>"
        );
    }

    #[test]
    fn markdown_escapes_everything_else() {
        assert_eq!(markdown_to_html("a < b & c > d"), "a &lt; b &amp; c &gt; d");
        assert_eq!(markdown_to_html("2 * 3 * 4"), "2 * 3 * 4");
        assert_eq!(markdown_to_html("**unclosed"), "**unclosed");
        assert_eq!(
            markdown_to_html("[x](javascript:alert(1))"),
            "[x](javascript:alert(1))"
        );
        assert_eq!(
            markdown_to_html("<a href=\"https://evil\">x</a>"),
            "&lt;a href=&quot;https://evil&quot;&gt;x&lt;/a&gt;"
        );
        assert_eq!(
            markdown_to_html("[a\"b](https://x.example/?q=\"1\"&r=2)"),
            "<a href=\"https://x.example/?q=&quot;1&quot;&amp;r=2\">a&quot;b</a>"
        );
    }

    #[test]
    fn mentions_count_twice_when_splitting() {
        use frontdesk_core::split::{split_text, utf16_len};
        // Mentions neutralised take two UTF-16 units: no rendered piece grows over the limit.
        let ats = format!("a{}\nb @x", "@".repeat(5000));
        let parts = split_text(&ats, 3000, rendered_len);
        assert_eq!(parts.concat(), ats);
        for p in &parts {
            assert!(utf16_len(&plain(p)) <= 3000, "{}", p.len());
        }
    }
}

//! Text from customers and agents made safe to show: control characters (escape sequences,
//! bidi overrides) neutralised. HTML escaping itself is the templates' (maud escapes every
//! interpolated value).

pub use frontdesk_core::visible::{clean, clean_line};

/// `s` cut to `max` characters (with `…`), on one line.
pub fn short(s: &str, max: usize) -> String {
    let t = clean_line(s);
    if t.chars().count() > max {
        t.chars().take(max.saturating_sub(1)).collect::<String>() + "…"
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_run() {
        assert_eq!(clean("hi\x1b[2J\x07"), "hi␛[2J␇");
        assert_eq!(clean("\u{202e}olleh\n"), "\u{fffd}olleh\n");
        assert_eq!(clean_line("a\nb"), "a b");
        assert_eq!(short("abcdef", 4), "abc…");
        assert_eq!(short("abc", 4), "abc");
    }
}

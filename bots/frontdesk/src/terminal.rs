//! Text from customers (and agents) shown on a terminal: the core's neutralising of control
//! characters ([`frontdesk_core::visible`]), so that no escape sequence and no bidi override
//! from a message takes effect.

pub(crate) use frontdesk_core::visible::{clean, clean_line};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_run() {
        assert_eq!(clean("hi\x1b[2J\x1b]0;pwned\x07!"), "hi␛[2J␛]0;pwned␇!");
        assert_eq!(clean("a\r\nb\tc\u{7f}"), "a␍\nb\tc␡");
        assert_eq!(
            clean("\u{9b}31m \u{202e}olleh"),
            "\u{fffd}31m \u{fffd}olleh"
        );
        assert_eq!(clean_line("two\nlines\tand\x1bESC"), "two lines and␛ESC");
        assert_eq!(clean("Ūdra ąčę 🙂 ok"), "Ūdra ąčę 🙂 ok");
        for s in [clean("\x1b\x07\x08\x0c\r\u{9b}"), clean_line("\n\x1b")] {
            assert!(!s.chars().any(char::is_control), "{s:?}");
        }
    }
}

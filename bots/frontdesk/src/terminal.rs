//! Text from customers (and agents) shown on a terminal: every character that could act on
//! the terminal instead of being shown is replaced by a visible stand-in, so that no escape
//! sequence (clearing the screen, retitling the window, moving the cursor) and no bidi
//! override from a message takes effect.

/// `s` with its control characters neutralised: C0 controls (ESC, BEL, CR, ...) and DEL
/// become their Unicode control pictures (`␛`, `␇`, `␍`, `␡`), C1 controls and bidi
/// overrides become `�`. Line feeds and tabs are kept.
pub(crate) fn clean(s: &str) -> String {
    s.chars().map(stand_in).collect()
}

/// Like [`clean`], and line feeds and tabs become spaces: for one-line fields (a subject in
/// a table, a name).
pub(crate) fn clean_line(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => ' ',
            c => stand_in(c),
        })
        .collect()
}

fn stand_in(c: char) -> char {
    match c {
        '\n' | '\t' => c,
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        // C1 controls (CSI, OSC, ...), bidi embeddings, overrides and isolates.
        '\u{80}'..='\u{9f}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => '\u{fffd}',
        c => c,
    }
}

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

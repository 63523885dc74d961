//! Text from customers and agents made safe to show: control characters (escape sequences,
//! bidi overrides) neutralised. HTML escaping itself is the templates' (maud escapes every
//! interpolated value).

/// `s` with its control characters neutralised: C0 controls and DEL become their Unicode
/// control pictures (`␛`, `␇`, `␡`), C1 controls and bidi overrides become `�`. Line feeds
/// and tabs are kept.
pub fn clean(s: &str) -> String {
    s.chars().map(stand_in).collect()
}

/// Like [`clean`], and line feeds and tabs become spaces: for one-line fields.
pub fn clean_line(s: &str) -> String {
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
        '\u{80}'..='\u{9f}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => '\u{fffd}',
        c => c,
    }
}

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

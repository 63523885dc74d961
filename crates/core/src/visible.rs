//! Text from customers (and agents) made safe to show on a terminal or a page: every
//! character that could act instead of being shown is replaced by a visible stand-in, so that
//! no escape sequence (clearing the screen, retitling the window, moving the cursor) and no
//! bidi override from a message takes effect. HTML escaping is the page's own.

/// `s` with its control characters neutralised: C0 controls (ESC, BEL, CR, ...) and DEL
/// become their Unicode control pictures (`␛`, `␇`, `␍`, `␡`), C1 controls and bidi
/// overrides become `�`. Line feeds and tabs are kept.
pub fn clean(s: &str) -> String {
    s.chars().map(stand_in).collect()
}

/// Like [`clean`], and line feeds and tabs become spaces: for one-line fields (a subject in
/// a table, a name).
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
        // C1 controls (CSI, OSC, ...), bidi embeddings, overrides and isolates.
        '\u{80}'..='\u{9f}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => '\u{fffd}',
        c => c,
    }
}

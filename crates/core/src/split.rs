//! Splitting a long text into messages a platform accepts, by the platform's own measure
//! (UTF-16 code units for Telegram, characters for Discord), never inside a grapheme (an emoji
//! with its modifiers, a letter with its combining marks), preferring line breaks, then
//! spaces, and never right after a backslash (which would undo a Markdown escape).

use unicode_segmentation::UnicodeSegmentation;

/// Telegram's measure: UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Discord's measure: characters (Unicode scalar values).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Splits `text` into pieces of at most `max` by `measure`, which concatenate back to `text`.
/// A single grapheme longer than `max` (which no real text has) becomes a piece of its own.
pub fn split_text(text: &str, max: usize, measure: impl Fn(&str) -> usize) -> Vec<String> {
    let max = max.max(1);
    if measure(text) <= max {
        return vec![text.to_owned()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0;
    // Byte offsets in `cur` just after a line break / a space, where a cut reads naturally.
    let mut last_line = None;
    let mut last_space = None;
    for g in text.graphemes(true) {
        let len = measure(g);
        if cur_len + len > max && !cur.is_empty() {
            let half = cur.len() / 2;
            let cut = last_line
                .filter(|&i| i > half)
                .or(last_space.filter(|&i| i > half))
                .unwrap_or(cur.len());
            let cut = back_off_backslashes(&cur, cut);
            let rest = cur.split_off(cut);
            out.push(std::mem::replace(&mut cur, rest));
            cur_len = measure(&cur);
            last_line = None;
            last_space = None;
            for (i, c) in cur.char_indices() {
                if c == '\n' {
                    last_line = Some(i + 1);
                } else if c == ' ' {
                    last_space = Some(i + 1);
                }
            }
        }
        cur.push_str(g);
        cur_len += len;
        if g.ends_with('\n') {
            last_line = Some(cur.len());
        } else if g == " " {
            last_space = Some(cur.len());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Moves a cut left so that the piece does not end in an odd run of backslashes (an escape
/// cut from what it escapes); keeps at least one grapheme in the piece.
fn back_off_backslashes(s: &str, cut: usize) -> usize {
    let run = s[..cut].bytes().rev().take_while(|b| *b == b'\\').count();
    if run % 2 == 1 && cut > 1 {
        cut - 1
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_are_measured_in_utf16_and_never_cut() {
        // 2,048 emoji: 2,048 characters but 4,096 UTF-16 units, one family emoji of 7 scalars.
        let text = "😀".repeat(2047) + "👨‍👩‍👧‍👦";
        let parts = split_text(&text, 4000, utf16_len);
        assert!(parts.len() >= 2);
        assert!(
            parts.iter().all(|p| utf16_len(p) <= 4000),
            "{:?}",
            parts.iter().map(|p| utf16_len(p)).collect::<Vec<_>>()
        );
        assert_eq!(parts.concat(), text);
        assert!(parts.last().unwrap().ends_with("👨‍👩‍👧‍👦"));
        for p in &parts {
            assert!(p.graphemes(true).all(|g| text.contains(g)));
        }
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        let text = "e\u{301}".repeat(10);
        let parts = split_text(&text, 3, char_len);
        assert!(parts.iter().all(|p| p.starts_with('e') && char_len(p) <= 3));
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn lines_then_spaces_are_preferred() {
        let line = "x".repeat(60) + "\n";
        let parts = split_text(&line.repeat(5), 100, char_len);
        assert!(parts.iter().all(|p| p.ends_with('\n')), "{parts:?}");
        let words = "word ".repeat(50);
        let parts = split_text(&words, 48, char_len);
        assert!(parts[..parts.len() - 1].iter().all(|p| p.ends_with(' ')));
        assert_eq!(parts.concat(), words);
    }

    #[test]
    fn escapes_are_not_cut() {
        let esc = "\\*".repeat(1500);
        let parts = split_text(&esc, 2000, char_len);
        assert!(parts.iter().all(|p| {
            let run = p.bytes().rev().take_while(|b| *b == b'\\').count();
            run % 2 == 0
        }));
        assert_eq!(parts.concat(), esc);
    }

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split_text("hi", 10, utf16_len), vec!["hi"]);
    }
}

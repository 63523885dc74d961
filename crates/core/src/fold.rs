//! Text folding for phrase matching: case- and diacritic-insensitive, punctuation-free.

/// Folds text for comparison: NFKD, combining marks dropped, lowercase, every run of
/// non-alphanumeric characters turned into one space. "Nepadėjo!" and "nepadejo" fold alike.
/// The knowledge base's own folding, so phrases and questions are compared alike.
pub use frontdesk_kb::normalize::fold;

/// Whether folded `text` contains folded `phrase` as whole words.
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    let mut start = 0;
    while let Some(pos) = text[start..].find(phrase) {
        let at = start + pos;
        let end = at + phrase.len();
        let before_ok = at == 0 || text.as_bytes()[at - 1] == b' ';
        let after_ok = end == text.len() || text.as_bytes()[end] == b' ';
        if before_ok && after_ok {
            return true;
        }
        start = at + 1;
        while !text.is_char_boundary(start) {
            start += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_diacritics_and_punctuation() {
        assert_eq!(fold("Nepadėjo!!  Ačiū"), "nepadejo aciu");
        assert_eq!(fold("Päris INIMENE, palun"), "paris inimene palun");
        assert_eq!(fold("Didn't help"), "didnt help");
        assert_eq!(fold("  "), "");
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let t = fold("I'd like to talk to a person please");
        assert!(contains_phrase(&t, &fold("talk to a person")));
        assert!(!contains_phrase(&fold("operatorius"), &fold("operator")));
        assert!(contains_phrase(
            &fold("noriu kalbėti su žmogumi"),
            &fold("su zmogumi")
        ));
        assert!(!contains_phrase(&t, ""));
    }
}

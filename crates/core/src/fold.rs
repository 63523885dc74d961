//! Text folding for comparing small talk and transcripts: case- and diacritic-insensitive,
//! punctuation-free (requests for a person are matched by `frontdesk_kb::intents`).

/// Folds text for comparison: NFKD, combining marks dropped, lowercase, every run of
/// non-alphanumeric characters turned into one space. "Nepadėjo!" and "nepadejo" fold alike.
/// The knowledge base's own folding, so phrases and questions are compared alike.
pub use frontdesk_kb::normalize::fold;

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
}

//! What the core's test files share: the start of their manual clocks and KB entries.

use frontdesk_kb::Entry;

/// Where the tests' manual clocks start.
pub(crate) const T0: frontdesk_core::Timestamp = frontdesk_core::Timestamp(1_764_000_000_000);

/// A KB entry in `lang` with these phrasings and this answer.
pub(crate) fn entry(id: &str, lang: &str, questions: &[&str], answer: &str) -> Entry {
    Entry {
        id: id.into(),
        lang: lang.into(),
        questions: questions.iter().map(|q| (*q).to_owned()).collect(),
        answer: answer.into(),
        tags: Vec::new(),
        follow_ups: Vec::new(),
        source: None,
    }
}

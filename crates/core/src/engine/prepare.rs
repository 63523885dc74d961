//! The CPU work on a customer's text (intent, knowledge-base search), done before the unit's
//! first write so that it never holds the database's write lock (SQLite has one).

use frontdesk_kb::intents::Intent;
use frontdesk_kb::{Hit, SearchOptions};

use super::{Engine, MAX_QUERY_CHARS};

/// What a question matched, worked out ahead of the unit's writes.
pub(super) struct Prepared {
    /// The question (trimmed) it was worked out for.
    text: String,
    /// The language it was worked out in.
    lang: String,
    /// A request for a person or "that did not help", if the matcher is confident it is one.
    pub(super) intent: Option<Intent>,
    /// The knowledge base's best entries.
    pub(super) hits: Vec<Hit>,
}

impl Prepared {
    /// Whether this was worked out for `text` in `lang`.
    pub(super) fn is_for(&self, text: &str, lang: &str) -> bool {
        self.text == text && self.lang == lang
    }
}

impl Engine {
    /// Matches a question (trimmed) against the intents and the knowledge base.
    pub(super) fn prepare(&self, text: &str, lang: &str) -> Prepared {
        let intent = self.intents.detect(text, Some(lang)).map(|m| m.intent);
        let query: String = text.chars().take(MAX_QUERY_CHARS).collect();
        let m = &self.cfg.matching;
        let hits = self.kb().search(
            &query,
            &SearchOptions {
                limit: (m.suggestions * 3).max(5),
                lang: Some(lang.to_owned()),
                explain: false,
            },
        );
        Prepared {
            text: text.to_owned(),
            lang: lang.to_owned(),
            intent,
            hits,
        }
    }
}

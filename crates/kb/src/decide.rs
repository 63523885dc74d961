//! What the bot does with a customer's first message, given the knowledge base, the
//! handoff / not-solved intents and the thresholds: the decision `frontdesk ask` shows and
//! `frontdesk eval` counts, the same rules the conversation engine applies.
use crate::intents::{Intent, IntentMatch, Intents};
use crate::{Hit, Kb, SearchOptions};

/// The configured thresholds (`[kb]` in frontdesk.toml).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Answer at or above this confidence.
    pub answer: f32,
    /// Offer "did you mean" at or above this confidence; below, escalate.
    pub suggest: f32,
    /// How many "did you mean" choices at most.
    pub suggestions: usize,
}

impl Default for Thresholds {
    /// The defaults of frontdesk.toml.
    fn default() -> Self {
        Thresholds {
            answer: DEFAULT_ANSWER_THRESHOLD,
            suggest: DEFAULT_SUGGEST_THRESHOLD,
            suggestions: 3,
        }
    }
}

/// Default answer threshold: measured on few-shot knowledge bases of real FAQ size (see the
/// README's table), where it keeps wrong answers at or under 5%.
pub const DEFAULT_ANSWER_THRESHOLD: f32 = 0.5;
/// Default "did you mean" threshold.
pub const DEFAULT_SUGGEST_THRESHOLD: f32 = 0.2;

/// What the bot does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Answers with the best entry.
    Answer,
    /// Offers "did you mean" choices (and a button for a person).
    Suggest,
    /// The customer asked for a person: a ticket is opened.
    Handoff,
    /// The customer says an answer did not help (after an answer, the bot records that and
    /// opens a ticket).
    NotSolved,
    /// Nothing close enough: the bot says so and opens a ticket.
    Escalate,
    /// The customer asks for their data to be erased: the bot asks to confirm.
    Erase,
}

impl Action {
    /// `answer`, `suggest`, `handoff`, `not_solved`, `escalate`, `erase`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Answer => "answer",
            Action::Suggest => "suggest",
            Action::Handoff => "handoff",
            Action::NotSolved => "not_solved",
            Action::Escalate => "escalate",
            Action::Erase => "erase",
        }
    }
}

/// A decision with what it rests on.
#[derive(Clone, Debug)]
pub struct Decision {
    /// What the bot does.
    pub action: Action,
    /// The recognised intent, when there is one.
    pub intent: Option<IntentMatch>,
    /// The knowledge-base matches, best first.
    pub hits: Vec<Hit>,
    /// For [`Action::Suggest`]: the indexes into `hits` of the entries offered (distinct ids,
    /// each at or above the suggest threshold, at most `suggestions`).
    pub suggested: Vec<usize>,
}

/// Decides what the bot does with `text` as a first message: a recognised intent first (a
/// request for a person is only recognised when the message is mostly that request, so a
/// question that merely mentions support goes to the knowledge base), then the best match
/// against the thresholds.
///
/// `search` says how many hits to list at least (the suggestions need three per choice, so
/// never fewer), in which language, and whether to explain them.
pub fn decide(
    kb: &Kb,
    intents: Option<&Intents>,
    text: &str,
    t: &Thresholds,
    search: &SearchOptions,
) -> Decision {
    let intent = intents.and_then(|i| i.detect(text, search.lang.as_deref()));
    let hits = kb.search(
        text,
        &SearchOptions {
            limit: search.limit.max(t.suggestions * 3).max(5),
            ..search.clone()
        },
    );
    let action = match (&intent, hits.first()) {
        (Some(m), _) if m.intent == Intent::Handoff => Action::Handoff,
        (Some(m), _) if m.intent == Intent::Erase => Action::Erase,
        (Some(_), _) => Action::NotSolved,
        (None, Some(h)) if h.confidence >= t.answer => Action::Answer,
        (None, Some(h)) if h.confidence >= t.suggest => Action::Suggest,
        _ => Action::Escalate,
    };
    let mut suggested = Vec::new();
    if action == Action::Suggest {
        for (i, h) in hits.iter().enumerate() {
            if suggested.len() >= t.suggestions || h.confidence < t.suggest {
                break;
            }
            if !suggested.iter().any(|j: &usize| hits[*j].id == h.id) {
                suggested.push(i);
            }
        }
    }
    Decision {
        action,
        intent,
        hits,
        suggested,
    }
}

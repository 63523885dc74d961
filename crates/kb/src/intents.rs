//! Conversation intents: a request for a person (`handoff`), "that did not help"
//! (`not_solved`) and a request to erase the customer's data (`erase`), recognised in the
//! customer's own words (`erase` by its phrasings only).
//!
//! Each intent has built-in phrasings per language (`crates/kb/intents/<lang>.toml`, readable
//! and reviewable), which a team extends in its configuration. A message is compared with the
//! phrasings the way the matcher compares words: folded (case, diacritics, punctuation),
//! stemmed per language, word order free, typos forgiven (one edit in words of four letters or
//! more, two from eight; same first letter). Function words ("the", "please", "mano",
//! "palun") weigh a quarter of a content word. Each class scores the best of:
//!
//! - its best phrasing: how much of the phrasing the message covers (recall) times the square
//!   root of how much of the message it explains (precision);
//! - for the two intents, how much of the message the intent's words explain, provided the
//!   message holds one of its key words (`handoff_keys`: words that name a person, "agent",
//!   "žmogus", "klienditeenindaja"; `not_solved_keys`: "wrong", "nepadėjo", "kasutu", …, or
//!   a `not_solved_topics` word such as "help", "work", "aidanud" beside a negation or a
//!   `not_solved_markers` word: "still", "already", "vis", "ikka").
//!
//! The best intent must reach [`DEFAULT_THRESHOLD`] and beat every look-alike (`other`:
//! questions the FAQ answers, "are you a bot", scored by their phrasings only); a message that
//! opens like a question about the bot ("are you", "kas sa oled") is never a request. So
//! "agent", "human please" and "I want to talk to a person about my refund" are requests,
//! while "how do I contact support by phone" is not, and a request for a person wins over a KB
//! entry only when the message is mostly that request. Only phrasings sharing a content word
//! with the message are scored (a per-language word index).
use std::collections::{BTreeMap, HashMap};

use crate::normalize::{fold, is_function_word, stem};

/// What the customer wants, beyond a question for the knowledge base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// A request for a person.
    Handoff,
    /// The answer did not help.
    NotSolved,
    /// The customer wants their data erased (right to erasure, GDPR art. 17).
    Erase,
}

impl Intent {
    /// The name used in files, JSON and logs: `handoff`, `not_solved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Handoff => "handoff",
            Intent::NotSolved => "not_solved",
            Intent::Erase => "erase",
        }
    }
}

/// A recognised intent.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct IntentMatch {
    /// Which intent.
    pub intent: Intent,
    /// Score in [0, 1] of the best phrasing (at least [`Intents::threshold`]).
    pub confidence: f32,
    /// The phrasing that matched best.
    pub phrasing: String,
    /// Its language.
    pub lang: String,
}

/// Role of a phrasing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Intent(Intent),
    /// A look-alike that is neither intent.
    Other,
}

/// One word of a phrasing or message: folded, stemmed, weighed.
#[derive(Clone, Debug)]
struct Word {
    folded: String,
    stem: String,
    weight: f32,
    /// Letters in `folded`, and the first one: cheap filters before an edit distance.
    chars: usize,
    first: char,
}

/// Bits of [`VocabWord::roles`] and [`VocabWord::keys`].
const HANDOFF: u8 = 1;
const NOT_SOLVED: u8 = 2;
const OTHER: u8 = 4;
/// In [`VocabWord::keys`]: a not-solved topic word, a key only beside a negation.
const TOPIC: u8 = 8;
const ERASE: u8 = 16;

fn bit(role: Role) -> u8 {
    match role {
        Role::Intent(Intent::Handoff) => HANDOFF,
        Role::Intent(Intent::NotSolved) => NOT_SOLVED,
        Role::Intent(Intent::Erase) => ERASE,
        Role::Other => OTHER,
    }
}

/// A word of one language's phrasings or key lists.
#[derive(Clone, Debug)]
struct VocabWord {
    word: Word,
    /// The classes whose phrasings use it.
    roles: u8,
    /// The intents it is a key word of.
    keys: u8,
    /// The phrasings that use it.
    phrasings: Vec<u32>,
}

/// One language's words, for finding the phrasings a message can match without
/// scoring all of them.
#[derive(Clone, Debug, Default)]
struct LangIndex {
    lang: String,
    vocab: Vec<VocabWord>,
    /// Folded form and stem → vocabulary entries.
    by_form: HashMap<String, Vec<u32>>,
    /// First letter → vocabulary entries (typo candidates share it).
    by_first: HashMap<char, Vec<u32>>,
}

#[derive(Clone, Debug)]
struct Phrasing {
    text: String,
    lang: String,
    role: Role,
    words: Vec<Word>,
    total: f32,
}

/// The built-in phrasings, one TOML file per language.
const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../intents/en.toml")),
    ("lt", include_str!("../intents/lt.toml")),
    ("et", include_str!("../intents/et.toml")),
];

/// An error in intent phrasings.
#[derive(Debug, thiserror::Error)]
#[error("intent phrasings for `{lang}`: {reason}")]
pub struct IntentsError {
    /// The language.
    pub lang: String,
    /// What is wrong.
    pub reason: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    handoff: Vec<String>,
    #[serde(default)]
    not_solved: Vec<String>,
    #[serde(default)]
    erase: Vec<String>,
    #[serde(default)]
    handoff_keys: Vec<String>,
    #[serde(default)]
    not_solved_keys: Vec<String>,
    #[serde(default)]
    not_solved_topics: Vec<String>,
    #[serde(default)]
    not_solved_markers: Vec<String>,
    #[serde(default)]
    other: Vec<String>,
    #[serde(default)]
    other_openings: Vec<String>,
}

/// The intent matcher: built-in phrasings plus any added. Cheap to clone and to share.
#[derive(Clone, Debug)]
pub struct Intents {
    phrasings: Vec<Phrasing>,
    /// Key words per language and intent: the words of an intent explain a message only
    /// when it contains one (a request for a person names a person).
    keys: Vec<(String, Intent, Word)>,
    /// Not-solved topic words per language ("help", "work"): keys only beside a negation.
    topics: Vec<(String, Word)>,
    /// Per language, folded words that, like a negation, make a topic word a key ("still",
    /// "already", "vis", "ikka").
    markers: Vec<(String, String)>,
    /// Folded openings of questions about the bot ("are you", "kas sa oled"): a message that
    /// starts with one asks what the bot is, it does not ask for a person.
    openings: Vec<String>,
    threshold: f32,
    /// Per language, rebuilt whenever phrasings are added.
    index: Vec<LangIndex>,
}

/// Default score a phrasing must reach (measured on held-apart phrasings and on the
/// clinc150 / banking77 tuning queries, see the README).
pub const DEFAULT_THRESHOLD: f32 = 0.62;

fn words(text: &str, lang: &str) -> Vec<Word> {
    words_folded(&fold(text), lang)
}

/// [`words`] of an already folded text.
fn words_folded(folded: &str, lang: &str) -> Vec<Word> {
    folded
        .split_whitespace()
        .map(|w| Word {
            folded: w.to_owned(),
            stem: stem(w, lang),
            weight: if is_function_word(w, lang) { 0.25 } else { 1.0 },
            chars: w.chars().count(),
            first: w.chars().next().unwrap_or(' '),
        })
        .collect()
}

/// How well message word `m` matches phrasing word `p`: 1 when equal after folding or
/// stemming; for a likely typo of a longer word (one edit, a swap counting as one; two in
/// words of eight letters or more, same first letter) 0.9; else 0.
fn word_match(m: &Word, p: &Word) -> f32 {
    if m.folded == p.folded || m.stem == p.stem {
        return 1.0;
    }
    typo_match(m, p)
}

/// Whether `a` has more than `k` letters `b` lacks or `b` more than `k` that `a` lacks
/// (counted with repeats): then their Damerau-Levenshtein distance is over `k`, since each
/// insertion, deletion or substitution changes each of the two counts by at most one and a
/// transposition neither. A cheap test that spares most candidates the distance itself;
/// non-ASCII words always pass it.
fn letters_differ_by_more(a: &str, b: &str, k: usize) -> bool {
    // A surplus can only sit on a letter of `a`, a shortfall on one of `b`.
    crate::normalize::common_letters(a, b).is_some_and(|m| a.len() - m > k || b.len() - m > k)
}

/// The typo part of [`word_match`].
fn typo_match(m: &Word, p: &Word) -> f32 {
    let (a, b) = (m.chars, p.chars);
    if a.min(b) < 4 || a.abs_diff(b) > 2 || m.first != p.first {
        return 0.0;
    }
    let allowed = if a.min(b) >= 8 { 2 } else { 1 };
    if letters_differ_by_more(&m.folded, &p.folded, allowed) {
        return 0.0;
    }
    if strsim::damerau_levenshtein(&m.folded, &p.folded) <= allowed {
        0.9
    } else {
        0.0
    }
}

impl Intents {
    /// The built-in phrasings of every language (en, lt, et).
    pub fn builtin() -> Intents {
        let mut out = Intents::empty();
        for (lang, text) in BUILTIN {
            out.add_toml(lang, text)
                .expect("the built-in intent files are valid");
        }
        out
    }

    /// No phrasings at all (a base for tests and custom sets).
    pub fn empty() -> Intents {
        Intents {
            phrasings: Vec::new(),
            keys: Vec::new(),
            topics: Vec::new(),
            markers: Vec::new(),
            openings: Vec::new(),
            threshold: DEFAULT_THRESHOLD,
            index: Vec::new(),
        }
    }

    /// Adds phrasings of `intent` in `lang` (empty ones are ignored).
    pub fn with_extra<S: AsRef<str>>(mut self, lang: &str, intent: Intent, phrases: &[S]) -> Self {
        for p in phrases {
            self.push(lang, Role::Intent(intent), p.as_ref());
        }
        self.reindex();
        self
    }

    /// Adds the phrasings of a TOML text with the lists `handoff`, `not_solved` and `other`
    /// (the format of the built-in files).
    pub fn add_toml(&mut self, lang: &str, text: &str) -> Result<(), IntentsError> {
        let f: File = toml::from_str(text).map_err(|e| IntentsError {
            lang: lang.to_owned(),
            reason: e.to_string(),
        })?;
        for (role, list) in [
            (Role::Intent(Intent::Handoff), &f.handoff),
            (Role::Intent(Intent::NotSolved), &f.not_solved),
            (Role::Intent(Intent::Erase), &f.erase),
            (Role::Other, &f.other),
        ] {
            for p in list {
                self.push(lang, role, p);
            }
        }
        for o in &f.other_openings {
            let o = fold(o);
            if !o.is_empty() {
                self.openings.push(o);
            }
        }
        for m in &f.not_solved_markers {
            for w in fold(m).split_whitespace() {
                self.markers.push((lang.to_owned(), w.to_owned()));
            }
        }
        for k in &f.not_solved_topics {
            for w in words(k, lang) {
                self.topics.push((lang.to_owned(), w));
            }
        }
        for (intent, list) in [
            (Intent::Handoff, &f.handoff_keys),
            (Intent::NotSolved, &f.not_solved_keys),
        ] {
            for k in list {
                for w in words(k, lang) {
                    self.keys.push((lang.to_owned(), intent, w));
                }
            }
        }
        self.reindex();
        Ok(())
    }

    /// The same matcher with another threshold.
    pub fn with_threshold(mut self, threshold: f32) -> Self {
        self.threshold = threshold;
        self
    }

    /// The score a phrasing must reach.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    fn push(&mut self, lang: &str, role: Role, text: &str) {
        let words = words(text, lang);
        if words.is_empty() {
            return;
        }
        let total = words.iter().map(|w| w.weight).sum();
        self.phrasings.push(Phrasing {
            text: text.to_owned(),
            lang: lang.to_owned(),
            role,
            words,
            total,
        });
    }

    /// How many phrasings of `intent` there are in `lang`.
    pub fn count(&self, lang: &str, intent: Intent) -> usize {
        self.phrasings
            .iter()
            .filter(|p| p.lang == lang && p.role == Role::Intent(intent))
            .count()
    }

    /// The phrasings of `intent` per language.
    pub fn phrasings(&self, intent: Intent) -> BTreeMap<&str, Vec<&str>> {
        let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for p in &self.phrasings {
            if p.role == Role::Intent(intent) {
                m.entry(p.lang.as_str()).or_default().push(p.text.as_str());
            }
        }
        m
    }

    fn score(p: &Phrasing, msg: &[Word], msg_total: f32) -> f32 {
        let mut used = vec![false; msg.len()];
        let mut covered = 0.0f32;
        let mut explained = 0.0f32;
        for pw in &p.words {
            let best = msg
                .iter()
                .enumerate()
                .filter(|(i, _)| !used[*i])
                .map(|(i, m)| (i, word_match(m, pw)))
                .filter(|(_, s)| *s > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            if let Some((i, s)) = best {
                used[i] = true;
                covered += pw.weight * s;
                explained += msg[i].weight * s;
            }
        }
        let recall = covered / p.total;
        let precision = explained / msg_total.max(1e-6);
        recall * precision.sqrt()
    }

    /// Rebuilds the per-language word index from the phrasings and key words.
    fn reindex(&mut self) {
        let mut index: Vec<LangIndex> = Vec::new();
        let mut add = |lang: &str, w: &Word, role: u8, key: u8, phrasing: Option<u32>| {
            let li = match index.iter().position(|l| l.lang == lang) {
                Some(i) => &mut index[i],
                None => {
                    index.push(LangIndex {
                        lang: lang.to_owned(),
                        ..Default::default()
                    });
                    index.last_mut().expect("just pushed")
                }
            };
            let i = match li.vocab.iter().position(|v| v.word.folded == w.folded) {
                Some(i) => i,
                None => {
                    li.vocab.push(VocabWord {
                        word: w.clone(),
                        roles: 0,
                        keys: 0,
                        phrasings: Vec::new(),
                    });
                    let i = li.vocab.len() - 1;
                    li.by_first.entry(w.first).or_default().push(i as u32);
                    for form in [&w.folded, &w.stem] {
                        let e = li.by_form.entry(form.clone()).or_default();
                        if !e.contains(&(i as u32)) {
                            e.push(i as u32);
                        }
                    }
                    i
                }
            };
            let v = &mut li.vocab[i];
            v.roles |= role;
            v.keys |= key;
            // A phrasing is a candidate for a message through its content words only.
            if let Some(p) = phrasing
                && w.weight >= 1.0
                && !v.phrasings.contains(&p)
            {
                v.phrasings.push(p);
            }
        };
        for (pi, p) in self.phrasings.iter().enumerate() {
            for w in &p.words {
                add(&p.lang, w, bit(p.role), 0, Some(pi as u32));
            }
        }
        for (lang, intent, w) in &self.keys {
            add(lang, w, 0, bit(Role::Intent(*intent)), None);
        }
        for (lang, w) in &self.topics {
            add(lang, w, 0, TOPIC, None);
        }
        self.index = index;
    }

    /// The vocabulary entries message word `m` matches in `li`, with how well.
    fn lookup(li: &LangIndex, m: &Word, out: &mut Vec<(u32, f32)>) {
        out.clear();
        for form in [&m.folded, &m.stem] {
            for i in li.by_form.get(form).into_iter().flatten() {
                if !out.iter().any(|(j, _)| j == i) {
                    out.push((*i, 1.0));
                }
            }
        }
        if m.chars >= 4 {
            for i in li.by_first.get(&m.first).into_iter().flatten() {
                if out.iter().any(|(j, _)| j == i) {
                    continue;
                }
                let s = typo_match(m, &li.vocab[*i as usize].word);
                if s > 0.0 {
                    out.push((*i, s));
                }
            }
        }
    }

    /// Every class's best score for `text` per language: (language, `handoff` /
    /// `not_solved` / `other`, score, best phrasing), in the order they are weighed. For
    /// `explain` output and tuning.
    ///
    /// Per class, the score is the best of two: the best phrasing's (how much of it the
    /// message covers times the square root of how much of the message it explains; only
    /// phrasings sharing a content word with the message are scored), and for the intents
    /// the share of the message their words explain (each content word by its best match
    /// among the intent's words, function words as explained), provided the message holds
    /// one of the intent's key words. Look-alikes count by their phrasings only: their words
    /// overlap the requests' ("am I talking to a human"), their structure does not.
    pub fn scores(
        &self,
        text: &str,
        lang: Option<&str>,
    ) -> Vec<(String, &'static str, f32, String)> {
        self.scores_folded(&fold(text), lang)
    }

    /// [`Intents::scores`] of an already folded text.
    fn scores_folded(
        &self,
        folded: &str,
        lang: Option<&str>,
    ) -> Vec<(String, &'static str, f32, String)> {
        let mut langs: Vec<&LangIndex> = self.index.iter().collect();
        langs.sort_by(|a, b| a.lang.cmp(&b.lang));
        // The customer's language first, so it wins ties.
        if let Some(l) = lang
            && let Some(i) = langs.iter().position(|x| x.lang == l)
        {
            langs[..=i].rotate_right(1);
        }
        let mut out = Vec::new();
        let mut found = Vec::new();
        for li in langs {
            let l = li.lang.as_str();
            let msg = words_folded(folded, l);
            if msg.is_empty() {
                return out;
            }
            let total: f32 = msg.iter().map(|w| w.weight).sum();
            // Per class: explained weight, whether a content word matched, whether a key did.
            let mut bag = [(0.0f32, false, false); 2];
            let mut topic = false;
            let negated = msg.iter().any(|m| {
                crate::normalize::is_negation(&m.folded)
                    || self.markers.iter().any(|(ml, w)| ml == l && *w == m.folded)
            });
            let mut candidates: Vec<u32> = Vec::new();
            for m in &msg {
                if m.weight < 1.0 {
                    for b in &mut bag {
                        b.0 += m.weight;
                    }
                    continue;
                }
                Self::lookup(li, m, &mut found);
                let mut best = [0.0f32; 2];
                for (i, s) in &found {
                    let v = &li.vocab[*i as usize];
                    topic |= v.keys & TOPIC != 0;
                    for (k, flag) in [HANDOFF, NOT_SOLVED].into_iter().enumerate() {
                        if v.roles & flag != 0 {
                            best[k] = best[k].max(*s);
                        }
                        if v.keys & flag != 0 {
                            bag[k].2 = true;
                        }
                    }
                    for p in &v.phrasings {
                        if !candidates.contains(p) {
                            candidates.push(*p);
                        }
                    }
                }
                for k in 0..2 {
                    if best[k] > 0.0 {
                        bag[k].0 += m.weight * best[k];
                        bag[k].1 = true;
                    }
                }
            }
            // A topic word ("help", "work") keys "not solved" only beside a negation.
            bag[1].2 |= topic && negated;
            candidates.sort_unstable();
            for (k, (role, name)) in [
                (Role::Intent(Intent::Handoff), "handoff"),
                (Role::Intent(Intent::NotSolved), "not_solved"),
                (Role::Other, "other"),
                (Role::Intent(Intent::Erase), "erase"),
            ]
            .into_iter()
            .enumerate()
            {
                let mut top: Option<(f32, &Phrasing)> = None;
                for p in candidates
                    .iter()
                    .map(|i| &self.phrasings[*i as usize])
                    .filter(|p| p.role == role)
                {
                    let s = Self::score(p, &msg, total);
                    if top.is_none_or(|(b, _)| s > b) {
                        top = Some((s, p));
                    }
                }
                let (phrase, text) = top.map_or((0.0, ""), |(s, p)| (s, p.text.as_str()));
                let s = match bag.get(k) {
                    Some((explained, true, true)) if role != Role::Other => {
                        phrase.max(explained / total.max(1e-6))
                    }
                    _ => phrase,
                };
                out.push((l.to_owned(), name, s, text.to_owned()));
            }
        }
        out
    }

    /// The intent of `text`, when it is clearly a request for a person or a "did not help":
    /// the best intent score reaches the threshold and beats every look-alike. `lang` is the
    /// customer's language when known; phrasings of every language count (a customer may
    /// switch), those of `lang` first on a tie.
    pub fn detect(&self, text: &str, lang: Option<&str>) -> Option<IntentMatch> {
        let folded = fold(text);
        if self.openings.iter().any(|o| {
            folded
                .strip_prefix(o.as_str())
                .is_some_and(|r| r.is_empty() || r.starts_with(' '))
        }) {
            return None;
        }
        let scores = self.scores_folded(&folded, lang);
        let other = scores
            .iter()
            .filter(|s| s.1 == "other")
            .map(|s| s.2)
            .fold(0.0f32, f32::max);
        let mut best: Option<&(String, &'static str, f32, String)> = None;
        for s in scores.iter().filter(|s| s.1 != "other") {
            if best.is_none_or(|b| s.2 > b.2) {
                best = Some(s);
            }
        }
        let (l, name, score, phrasing) = best?;
        let intent = match *name {
            "handoff" => Intent::Handoff,
            "erase" => Intent::Erase,
            _ => Intent::NotSolved,
        };
        (*score >= self.threshold && *score > other).then(|| IntentMatch {
            intent,
            confidence: *score,
            phrasing: phrasing.clone(),
            lang: l.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_letter_count_test_never_rejects_a_close_word() {
        let words = [
            "human",
            "humna",
            "hunam",
            "humans",
            "huma",
            "agent",
            "agnet",
            "aegnt",
            "agents",
            "operator",
            "oparetor",
            "opreator",
            "operatro",
            "representative",
            "reprsentative",
            "darbuotoju",
            "darbuotoja",
            "darbuotjou",
            "klienditeenindajat",
            "klienditenindajat",
            "aaab",
            "abbb",
            "abab",
            "baba",
        ];
        for a in words {
            for b in words {
                let d = strsim::damerau_levenshtein(a, b);
                for k in 0..3 {
                    if letters_differ_by_more(a, b, k) {
                        assert!(d > k, "{a} / {b}: distance {d} rejected at {k}");
                    }
                }
            }
        }
        // It does reject far words, and lets non-ASCII ones through.
        assert!(letters_differ_by_more("human", "agent", 1));
        assert!(!letters_differ_by_more("žmogus", "agent", 1));
    }

    #[test]
    fn builtin_lists_are_large_enough_in_every_language() {
        let i = Intents::builtin();
        for lang in ["en", "lt", "et"] {
            assert!(i.count(lang, Intent::Handoff) >= 40, "{lang}");
            assert!(i.count(lang, Intent::NotSolved) >= 25, "{lang}");
            assert!(i.count(lang, Intent::Erase) >= 15, "{lang}");
        }
    }

    #[test]
    fn requests_for_a_person_are_told_from_questions_about_contact() {
        let i = Intents::builtin();
        for t in [
            "agent",
            "HUMAN PLEASE!!",
            "I want to talk to a person about my refund",
            "prašau sujungti su darbuotoju",
            "noriu kalbeti su zmogumi",
            "palun klienditeenindajat",
        ] {
            let m = i.detect(t, None);
            assert_eq!(m.as_ref().map(|m| m.intent), Some(Intent::Handoff), "{t}");
        }
        for t in [
            "how do I contact support by phone",
            "where is my order",
            "are you a real person?",
            "I want a refund",
        ] {
            assert_eq!(i.detect(t, None), None, "{t}");
        }
    }

    #[test]
    fn requests_to_erase_are_told_from_questions_about_an_account() {
        let i = Intents::builtin();
        for (t, lang) in [
            ("Please erase all my data", "en"),
            ("forget me please", "en"),
            ("I want everything you know about me removed", "en"),
            ("delete my chat history", "en"),
            ("ištrinkite visus mano duomenis", "lt"),
            ("pamirškit mane", "lt"),
            ("kustutage kõik minu andmed", "et"),
            ("palun unustage mind", "et"),
        ] {
            let got = i.detect(t, Some(lang)).map(|m| m.intent);
            assert_eq!(got, Some(Intent::Erase), "{t}");
        }
        for t in [
            "how do I delete my account",
            "delete account",
            "Kaip ištrinti paskyrą?",
            "Kuidas oma kontot kustutada?",
            "I want to talk to a person",
            "where is my order",
            "that didn't help",
        ] {
            let got = i.detect(t, None).map(|m| m.intent);
            assert_ne!(got, Some(Intent::Erase), "{t}");
        }
    }

    #[test]
    fn not_solved_and_extensions() {
        let i = Intents::builtin();
        let m = i.detect("that didn't help", Some("en")).unwrap();
        assert_eq!(m.intent, Intent::NotSolved);
        assert!(m.confidence >= i.threshold() && m.confidence <= 1.0);
        assert_eq!(i.detect("", None), None);
        assert_eq!(i.detect("?!", None), None);
        let none = Intents::empty();
        assert_eq!(none.detect("zorgle bimp", None), None);
        let extended = none.with_extra("en", Intent::Handoff, &["zorgle bimp"]);
        assert_eq!(
            extended.detect("Zorgle bimp!", None).map(|m| m.intent),
            Some(Intent::Handoff)
        );
    }

    #[test]
    fn bad_toml_is_a_clear_error() {
        let mut i = Intents::empty();
        let e = i.add_toml("en", "handoff = 3").unwrap_err();
        assert!(e.to_string().contains("`en`"), "{e}");
        assert!(i.add_toml("en", "bogus = []").is_err());
    }
}

//! Synonym sets per language: words of one set match each other.
//!
//! The built-in sets are readable files in the crate (`crates/kb/synonyms/<lang>.txt`, one
//! set per line, words separated by commas, `#` comments); a team adds its own in
//! `faq/synonyms.toml` (`en = ["parcel, package, box", …]`, one list per language). Each word
//! is folded and stemmed like the phrasings; a phrasing or question that has a word of a set
//! also gets the set as an extra matching term, so "my package never arrived" meets "where is
//! my parcel" without losing what the words themselves say. Function words are never
//! synonyms (they would join every question to every other).
use std::collections::HashMap;
use std::path::Path;

use crate::Problem;
use crate::normalize::{fold, is_function_word, stem};

/// The built-in tables.
const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../synonyms/en.txt")),
    ("lt", include_str!("../synonyms/lt.txt")),
    ("et", include_str!("../synonyms/et.txt")),
];

/// Synonym sets, per language.
#[derive(Clone, Debug, Default)]
pub struct Synonyms {
    /// Language → stem → the sets it is in (nested, so a lookup by `&str` allocates
    /// nothing).
    sets_of: HashMap<String, HashMap<String, Vec<u32>>>,
    sets: u32,
    /// Each set's label: its first word and number (`parcel#0`).
    labels: Vec<String>,
}

impl Synonyms {
    /// No synonyms.
    pub fn none() -> Synonyms {
        Synonyms::default()
    }

    /// The built-in sets of en, lt and et.
    pub fn builtin() -> Synonyms {
        let mut s = Synonyms::none();
        let mut problems = Vec::new();
        for (lang, text) in BUILTIN {
            let file = Path::new("crates/kb/synonyms").join(format!("{lang}.txt"));
            for (i, line) in text.lines().enumerate() {
                if let Err(p) = s.add_line(lang, line, &file, i + 1) {
                    problems.push(p.to_string());
                }
            }
        }
        assert!(
            problems.is_empty(),
            "invalid built-in synonyms: {problems:#?}"
        );
        s
    }

    /// How many sets there are.
    pub fn len(&self) -> usize {
        self.sets as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sets == 0
    }

    /// Adds one set written as comma-separated words (a blank line or a `#` comment adds
    /// nothing). A set needs two words, each a single word.
    pub fn add_line(
        &mut self,
        lang: &str,
        line: &str,
        file: &Path,
        n: usize,
    ) -> Result<(), Problem> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let mut stems: Vec<String> = Vec::new();
        for w in line.split(',') {
            let f = fold(w);
            if f.is_empty() {
                continue;
            }
            if f.contains(' ') {
                return Err(Problem {
                    file: file.to_path_buf(),
                    line: n,
                    reason: format!(
                        "synonym `{}` is more than one word (sets are single words)",
                        w.trim()
                    ),
                });
            }
            if is_function_word(&f, lang) {
                continue;
            }
            let s = stem(&f, lang);
            if !stems.contains(&s) {
                stems.push(s);
            }
        }
        if stems.len() < 2 {
            return Err(Problem {
                file: file.to_path_buf(),
                line: n,
                reason: "a synonym set needs at least two different words".into(),
            });
        }
        let id = self.sets;
        self.sets += 1;
        self.labels.push(format!("{}#{id}", stems[0]));
        for s in stems {
            self.sets_of
                .entry(lang.to_owned())
                .or_default()
                .entry(s)
                .or_default()
                .push(id);
        }
        Ok(())
    }

    /// Adds the sets of a `synonyms.toml` (`lang = ["a, b, c", …]`), reporting every problem
    /// with its line.
    pub fn add_toml(&mut self, file: &Path, text: &str) -> Result<(), Vec<Problem>> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map_or(0, |s| text[..s.start].matches('\n').count() + 1);
            vec![Problem {
                file: file.to_path_buf(),
                line,
                reason: format!("invalid TOML: {}", e.message()),
            }]
        })?;
        let mut problems = Vec::new();
        for (lang, v) in &table {
            let line_of = |needle: &str| {
                text.lines()
                    .position(|l| l.contains(needle))
                    .map_or(0, |i| i + 1)
            };
            if !crate::normalize::is_known_language(lang) {
                problems.push(Problem {
                    file: file.to_path_buf(),
                    line: line_of(lang),
                    reason: format!("unknown language `{lang}` (en, lt, et)"),
                });
                continue;
            }
            let Some(list) = v.as_array() else {
                problems.push(Problem {
                    file: file.to_path_buf(),
                    line: line_of(lang),
                    reason: format!("`{lang}` must be a list of strings such as \"a, b, c\""),
                });
                continue;
            };
            for item in list {
                let Some(s) = item.as_str() else {
                    problems.push(Problem {
                        file: file.to_path_buf(),
                        line: line_of(lang),
                        reason: format!("`{lang}`: every set is a string such as \"a, b, c\""),
                    });
                    continue;
                };
                if let Err(p) = self.add_line(lang, s, file, line_of(s)) {
                    problems.push(p);
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The label of set `id` (its first word's stem and its number), as `explain` shows it.
    pub fn label(&self, id: u32) -> &str {
        self.labels.get(id as usize).map_or("?", String::as_str)
    }

    /// The sets a stem of `lang` is in (CSV knowledge bases of undetermined language use the
    /// English sets).
    pub fn sets_of(&self, lang: &str, stem: &str) -> &[u32] {
        let lang = if lang == "und" || lang.is_empty() {
            "en"
        } else {
            lang
        };
        self.sets_of
            .get(lang)
            .and_then(|m| m.get(stem))
            .map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_sets_join_word_forms_in_every_language() {
        let s = Synonyms::builtin();
        assert!(s.len() >= 250, "{}", s.len());
        let same = |lang: &str, a: &str, b: &str| {
            let x = s.sets_of(lang, &stem(&fold(a), lang));
            let y = s.sets_of(lang, &stem(&fold(b), lang));
            x.iter().any(|i| y.contains(i))
        };
        assert!(same("en", "package", "parcel"));
        assert!(same("en", "smashed", "broken"));
        assert!(same("en", "receipt", "invoice"));
        assert!(same("lt", "sudužęs", "sugadintas"));
        assert!(same("et", "kviitung", "arve"));
        assert!(!same("en", "package", "password"));
    }

    #[test]
    fn team_files_are_checked_line_by_line() {
        let mut s = Synonyms::none();
        let f = Path::new("faq/synonyms.toml");
        s.add_toml(f, "en = [\"vase, pot, jar\"]\nlt = [\"vaza, indas\"]\n")
            .unwrap();
        assert_eq!(s.len(), 2);
        let e = s
            .add_toml(
                f,
                "en = [\"gift card, voucher\", \"solo\"]\nxx = [\"a, b\"]\n",
            )
            .unwrap_err();
        let text: Vec<String> = e.iter().map(ToString::to_string).collect();
        assert_eq!(e.len(), 3, "{text:?}");
        assert!(text.iter().any(|t| t.contains("more than one word")));
        assert!(text.iter().any(|t| t.contains("at least two")));
        assert!(text.iter().any(|t| t.contains("unknown language `xx`")));
        let e = s.add_toml(f, "en = [\n\"a, b\"\n").unwrap_err();
        assert!(e[0].to_string().starts_with("faq/synonyms.toml:"), "{e:?}");
    }
}

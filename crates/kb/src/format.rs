//! The FAQ file format and the loaders (`faq/<lang>/*.md`, and `text,label` CSV files).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::normalize::is_known_language;
use crate::parse::{self, KNOWN_LANGUAGES};
use crate::walk::{self, Limits, problem};
use crate::{Entry, Kb, KbError, Problem};

/// Checks what one file cannot: ids unique per language, follow-ups that exist.
fn check_across(entries: &[Entry], problems: &mut Vec<Problem>) {
    let mut seen: HashMap<(&str, &str), &Entry> = HashMap::new();
    for e in entries {
        if let Some(prev) = seen.insert((&e.lang, &e.id), e)
            && let (Some(a), Some(b)) = (&prev.source, &e.source)
        {
            problems.push(problem(
                &b.file,
                b.line,
                format!(
                    "duplicate entry id `{}` in language `{}` (first defined at {}:{})",
                    e.id,
                    e.lang,
                    a.file.display(),
                    a.line
                ),
            ));
        }
    }
    for e in entries {
        for f in &e.follow_ups {
            if !seen.contains_key(&(e.lang.as_str(), f.as_str()))
                && let Some(s) = &e.source
            {
                problems.push(problem(
                    &s.file,
                    s.line,
                    format!(
                        "entry `{}` names follow-up `{f}`, which does not exist in language `{}`",
                        e.id, e.lang
                    ),
                ));
            }
        }
    }
}

impl Kb {
    /// Loads `dir/<lang>/*.md` with the default [`Limits`]. The language is the folder right
    /// below `dir` (at any depth below it) unless an entry says `lang:`; files directly in
    /// `dir` (such as its README) and names starting with `.` are not read. Every problem is
    /// reported, each with file and line ([`KbError::Invalid`]).
    pub fn load_dir(dir: &Path) -> Result<Kb, KbError> {
        Kb::load_dir_with(dir, &Limits::default())
    }

    /// Loads `dir` as [`Kb::load_dir`] does, within `limits`.
    pub fn load_dir_with(dir: &Path, limits: &Limits) -> Result<Kb, KbError> {
        let mut problems = Vec::new();
        let files = walk::walk(dir, limits, &mut problems);
        let mut entries = Vec::new();
        let mut titles: Vec<String> = Vec::new();
        let mut refused_langs: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut total: u64 = 0;
        for f in &files {
            if !is_known_language(&f.top) {
                refused_langs
                    .entry(f.top.clone())
                    .or_insert_with(|| dir.join(&f.top));
                continue;
            }
            let bytes = match walk::read_capped(&f.path, limits.max_file_bytes) {
                Ok(b) => b,
                Err(reason) => {
                    problems.push(problem(&f.path, 0, reason));
                    continue;
                }
            };
            total += bytes.len() as u64;
            if total > limits.max_total_bytes {
                problems.push(problem(
                    &f.path,
                    0,
                    format!(
                        "the files read so far hold more than {} bytes, the limit for all files together: this one and the rest not read",
                        limits.max_total_bytes
                    ),
                ));
                break;
            }
            match String::from_utf8(bytes) {
                Ok(t) => parse::parse_file(
                    &f.path,
                    &t,
                    &f.top,
                    &mut parse::Sink {
                        entries: &mut entries,
                        titles: &mut titles,
                        problems: &mut problems,
                    },
                ),
                Err(e) => {
                    let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
                    problems.push(problem(&f.path, line, "not valid UTF-8 text"));
                }
            }
        }
        for (name, path) in refused_langs {
            problems.push(problem(
                &path,
                0,
                format!(
                    "`{}` is not a language directory (known: {KNOWN_LANGUAGES}): its files are not read",
                    parse::shown(&name)
                ),
            ));
        }
        let phrasings: usize = entries.iter().map(|e| e.questions.len()).sum();
        if entries.len() > limits.max_entries {
            problems.push(problem(
                dir,
                0,
                format!(
                    "{} entries, over the limit of {}",
                    entries.len(),
                    limits.max_entries
                ),
            ));
        }
        if phrasings > limits.max_phrasings {
            problems.push(problem(
                dir,
                0,
                format!(
                    "{phrasings} question phrasings, over the limit of {}",
                    limits.max_phrasings
                ),
            ));
        }
        if files.is_empty() && !problems.iter().any(|p| p.file == dir) {
            problems.push(problem(
                dir,
                0,
                "no knowledge-base files (expected <lang>/*.md, e.g. en/orders.md)",
            ));
        } else if entries.is_empty() && problems.is_empty() {
            problems.push(problem(
                dir,
                0,
                "the knowledge base has no entries (an entry starts with a `## id` line)",
            ));
        }
        check_across(&entries, &mut problems);
        // A team's own synonym sets, beside the built-in ones.
        let mut synonyms = crate::synonyms::Synonyms::builtin();
        let syn_file = dir.join("synonyms.toml");
        if syn_file.symlink_metadata().is_ok() {
            match walk::read_capped(&syn_file, limits.max_file_bytes)
                .and_then(|b| String::from_utf8(b).map_err(|_| "not valid UTF-8 text".to_owned()))
            {
                Ok(t) => {
                    if let Err(mut p) = synonyms.add_toml(&syn_file, &t) {
                        problems.append(&mut p);
                    }
                }
                Err(reason) => problems.push(problem(&syn_file, 0, reason)),
            }
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            if problems.len() > limits.max_problems {
                let more = problems.len() - limits.max_problems;
                problems.truncate(limits.max_problems);
                problems.push(problem(dir, 0, format!("… and {more} more problems")));
            }
            return Err(KbError::Invalid(problems));
        }
        let weak = entries
            .iter()
            .zip(&titles)
            .map(|(e, t)| crate::index::WeakFields {
                meta: format!("{t} {}", e.tags.join(" ")),
                answer: e.answer.clone(),
            })
            .collect();
        Kb::build(entries, synonyms, Some(weak))
    }

    /// Loads a `text,label` CSV as a knowledge base: each label one entry (id = label), each
    /// row one phrasing. The language is detected from the whole file (`und` when unsure).
    pub fn load_csv(path: &Path) -> Result<Kb, KbError> {
        Kb::from_labeled(crate::eval::read_labeled_csv(path)?)
    }

    /// Builds a knowledge base from labelled phrasings, as [`Kb::load_csv`] does.
    pub fn from_labeled(rows: Vec<crate::eval::LabeledQuery>) -> Result<Kb, KbError> {
        let sample: String = rows
            .iter()
            .take(2000)
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let lang = crate::normalize::detect_language(&sample, &Default::default())
            .unwrap_or_else(|| "und".to_owned());
        let mut by_label: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in rows {
            by_label.entry(r.label).or_default().push(r.text);
        }
        Kb::build(
            by_label
                .into_iter()
                .map(|(label, questions)| Entry {
                    id: label.clone(),
                    lang: lang.clone(),
                    questions,
                    answer: label,
                    tags: Vec::new(),
                    follow_ups: Vec::new(),
                    source: None,
                })
                .collect(),
            crate::synonyms::Synonyms::builtin(),
            // The answer of a CSV entry is its label: not something to match on.
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn problems(dir: &Path) -> Vec<String> {
        match Kb::load_dir(dir) {
            Err(KbError::Invalid(ps)) => ps.iter().map(ToString::to_string).collect(),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("expected problems"),
        }
    }

    const GOOD: &str = "# Orders\n<!-- a comment -->\n\n## order-status\ntags: orders, tracking\nfollow-ups: cancel-order\n? Where is my order?\n? track my parcel\n\nSee **My account**.\n\nSecond paragraph.\n\n## cancel-order\n? How do I cancel?\n\nWrite to us.\n";

    #[test]
    fn a_good_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "en/orders.md", GOOD);
        write(dir.path(), "README.md", "# not an entry file\nfree text\n");
        let kb = Kb::load_dir(dir.path()).unwrap();
        let e = kb.entry("en", "order-status").unwrap();
        assert_eq!(e.questions, vec!["Where is my order?", "track my parcel"]);
        assert_eq!(e.tags, vec!["orders", "tracking"]);
        assert_eq!(e.follow_ups, vec!["cancel-order"]);
        assert_eq!(e.answer, "See **My account**.\n\nSecond paragraph.");
        assert_eq!(e.source.as_ref().unwrap().line, 4);
        assert_eq!(
            kb.entry("en", "cancel-order").unwrap().answer,
            "Write to us."
        );
        assert_eq!(kb.languages(), vec!["en".to_owned()]);
    }

    #[test]
    fn each_rejection_names_file_line_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "en/bad.md",
            "stray text\n## Bad_Id\n? q\n\na\n## no-questions\ntags: x\n\nanswer\n## no-answer\n? q\n\n## unknown-key\ncolour: red\n? q\n\na\n## follows\nfollow-ups: nowhere\n? q\n\na\n## twice\n? same\n? same\n\na\n",
        );
        write(dir.path(), "en/dup.md", "## follows\n? another\n\nb\n");
        let ps = problems(dir.path());
        let has = |needle: &str| {
            assert!(
                ps.iter().any(|p| p.contains(needle)),
                "`{needle}` not in {ps:#?}"
            );
        };
        has("bad.md:1: text outside an entry");
        has("bad.md:2: invalid entry id `Bad_Id`");
        has("bad.md:6: entry `no-questions` has no question phrasings");
        has("bad.md:10: entry `no-answer` has an empty answer");
        has("bad.md:14: unknown field `colour`");
        has("bad.md:18: entry `follows` names follow-up `nowhere`");
        has("bad.md:25: entry `twice` repeats the phrasing “same”");
        has("dup.md:1: duplicate entry id `follows` in language `en` (first defined at");
    }

    #[test]
    fn empty_directories_and_bad_encoding_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(problems(dir.path())[0].contains("no knowledge-base files"));
        std::fs::create_dir_all(dir.path().join("lt")).unwrap();
        std::fs::write(dir.path().join("lt/x.md"), b"## a\n? b\n\nc\xff\n").unwrap();
        assert!(problems(dir.path())[0].contains("x.md:4: not valid UTF-8"));
        let missing = problems(&dir.path().join("missing"));
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert!(
            missing[0].contains("missing:0: cannot open the knowledge-base directory: "),
            "{missing:?}"
        );
    }

    #[test]
    fn the_same_id_in_two_languages_is_a_translation() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "en/a.md",
            "## invoice\n? Where is my invoice?\n\nIn My account.\n",
        );
        write(
            dir.path(),
            "lt/a.md",
            "## invoice\n? Kur rasti sąskaitą faktūrą?\n\nMano paskyroje.\n",
        );
        write(
            dir.path(),
            "et/a.md",
            "## invoice\nlang: et\n? Kus on arve?\n\nMinu kontol.\n",
        );
        let kb = Kb::load_dir(dir.path()).unwrap();
        assert_eq!(kb.languages(), vec!["en", "et", "lt"]);
        assert_eq!(kb.entry("lt", "invoice").unwrap().answer, "Mano paskyroje.");
    }

    #[test]
    fn csv_knowledge_bases() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kb.csv");
        std::fs::write(
            &p,
            "text,label\nwhere is it,track\n\"track, please\",track\nrefund,money\n",
        )
        .unwrap();
        let kb = Kb::load_csv(&p).unwrap();
        assert_eq!(kb.entries().len(), 2);
        let t = kb.entry("en", "track").unwrap();
        assert_eq!(t.questions, vec!["where is it", "track, please"]);
        // The language is detected from the file, so its stemming rules apply.
        std::fs::write(
            &p,
            "text,label\nkur mano užsakymas,order\nkaip grąžinti prekę,return\n",
        )
        .unwrap();
        assert_eq!(Kb::load_csv(&p).unwrap().languages(), vec!["lt"]);
        std::fs::write(&p, "text,label\n4471,x\n").unwrap();
        assert_eq!(Kb::load_csv(&p).unwrap().languages(), vec!["und"]);
        std::fs::write(&p, "question,label\nx,y\n").unwrap();
        let Err(e) = Kb::load_csv(&p) else {
            panic!("a CSV without `text` loads")
        };
        assert!(e.to_string().contains("`text`"), "{e}");
    }

    #[test]
    fn the_sample_knowledge_base_loads() {
        let faq = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq");
        let kb = Kb::load_dir(&faq).unwrap_or_else(|e| panic!("{e}"));
        assert!(kb.entries().len() >= 40);
        for lang in ["en", "lt", "et"] {
            let n = kb.entries().iter().filter(|e| e.lang == lang).count();
            assert!(n >= 14, "{lang}: {n}");
        }
        assert!(kb.entries().iter().all(|e| e.questions.len() >= 3));
    }
}

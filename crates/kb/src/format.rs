//! The FAQ file format and the loaders (`faq/<lang>/*.md`, and `text,label` CSV files).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::{Entry, Kb, KbError, Problem, Source};

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_comment(line: &str) -> bool {
    line.starts_with("<!--") && line.ends_with("-->")
}

/// An entry being read: the entry, whether a `? ` line was seen, the answer lines.
struct Open {
    entry: Entry,
    line: usize,
    seen_question: bool,
    answer: Vec<String>,
}

fn problem(file: &Path, line: usize, reason: impl Into<String>) -> Problem {
    Problem {
        file: file.to_path_buf(),
        line,
        reason: reason.into(),
    }
}

fn finish(file: &Path, open: Option<Open>, out: &mut Vec<Entry>, problems: &mut Vec<Problem>) {
    let Some(mut o) = open else { return };
    let answer = o.answer.join("\n").trim().to_owned();
    if o.entry.questions.is_empty() {
        problems.push(problem(
            file,
            o.line,
            format!(
                "entry `{}` has no question phrasings (lines starting with \"? \")",
                o.entry.id
            ),
        ));
    } else if answer.is_empty() {
        problems.push(problem(
            file,
            o.line,
            format!("entry `{}` has an empty answer", o.entry.id),
        ));
    } else {
        o.entry.answer = answer;
        out.push(o.entry);
    }
}

/// Parses one file's text. Entries go to `out`, problems to `problems`.
pub(crate) fn parse_file(
    file: &Path,
    text: &str,
    dir_lang: &str,
    out: &mut Vec<Entry>,
    problems: &mut Vec<Problem>,
) {
    let mut open: Option<Open> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end();
        if let Some(id) = line.strip_prefix("## ") {
            finish(file, open.take(), out, problems);
            let id = id.trim();
            if !valid_id(id) {
                problems.push(problem(
                    file,
                    n,
                    format!("invalid entry id `{id}`: use lowercase letters, digits and hyphens"),
                ));
            }
            open = Some(Open {
                entry: Entry {
                    id: id.to_owned(),
                    lang: dir_lang.to_owned(),
                    questions: Vec::new(),
                    answer: String::new(),
                    tags: Vec::new(),
                    follow_ups: Vec::new(),
                    source: Some(Source {
                        file: file.to_path_buf(),
                        line: n,
                    }),
                },
                line: n,
                seen_question: false,
                answer: Vec::new(),
            });
            continue;
        }
        let Some(o) = open.as_mut() else {
            let t = line.trim();
            if !(t.is_empty() || t.starts_with("# ") || t == "#" || is_comment(t)) {
                problems.push(problem(
                    file,
                    n,
                    "text outside an entry (an entry starts with a `## id` line)",
                ));
            }
            continue;
        };
        if o.answer.is_empty()
            && let Some(q) = line.strip_prefix("? ")
        {
            let q = q.trim();
            if q.is_empty() {
                problems.push(problem(file, n, "empty question phrasing"));
            } else if o.entry.questions.iter().any(|x| x == q) {
                problems.push(problem(
                    file,
                    n,
                    format!("entry `{}` repeats the phrasing “{q}”", o.entry.id),
                ));
            } else {
                o.entry.questions.push(q.to_owned());
            }
            o.seen_question = true;
            continue;
        }
        if !o.seen_question {
            let t = line.trim();
            if t.is_empty() || is_comment(t) {
                continue;
            }
            let list = |v: &str| {
                v.split(',')
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
            };
            match t.split_once(':') {
                Some(("tags", v)) => o.entry.tags = list(v),
                Some(("follow-ups", v)) => o.entry.follow_ups = list(v),
                Some(("lang", v)) => o.entry.lang = v.trim().to_owned(),
                Some((k, _)) if !k.contains(' ') => problems.push(problem(
                    file,
                    n,
                    format!(
                        "unknown field `{k}` in entry `{}` (allowed before the questions: tags, follow-ups, lang)",
                        o.entry.id
                    ),
                )),
                _ => problems.push(problem(
                    file,
                    n,
                    format!(
                        "entry `{}`: expected `tags:`, `follow-ups:`, `lang:` or a question line starting with \"? \" before the answer",
                        o.entry.id
                    ),
                )),
            }
            continue;
        }
        if o.answer.is_empty() && line.trim().is_empty() {
            continue;
        }
        o.answer.push(line.to_owned());
    }
    finish(file, open.take(), out, problems);
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), KbError> {
    let rd = std::fs::read_dir(dir).map_err(|source| KbError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for e in rd {
        let p = e
            .map_err(|source| KbError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
    Ok(())
}

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
    /// Loads `dir/<lang>/*.md` (any depth; the language is the file's directory name unless an
    /// entry says `lang:`). Files directly in `dir` (such as its README) are not entries.
    /// Every problem is reported, each with file and line.
    pub fn load_dir(dir: &Path) -> Result<Kb, KbError> {
        let mut files = Vec::new();
        walk(dir, &mut files)?;
        files.retain(|f| f.parent() != Some(dir));
        files.sort();
        let mut entries = Vec::new();
        let mut titles: Vec<String> = Vec::new();
        let mut problems = Vec::new();
        if files.is_empty() {
            problems.push(problem(
                dir,
                0,
                "no knowledge-base files (expected <lang>/*.md, e.g. en/orders.md)",
            ));
        }
        for f in &files {
            let lang = f
                .parent()
                .and_then(Path::file_name)
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = std::fs::read(f).map_err(|source| KbError::Io {
                path: f.clone(),
                source,
            })?;
            match String::from_utf8(bytes) {
                Ok(t) => {
                    let before = entries.len();
                    parse_file(f, &t, &lang, &mut entries, &mut problems);
                    // The file's `# Title` (the last one above each entry) is a weaker field.
                    let lines: Vec<&str> = t.lines().collect();
                    for e in &entries[before..] {
                        let upto = e.source.as_ref().map_or(0, |s| s.line.min(lines.len()));
                        let title = lines[..upto]
                            .iter()
                            .rev()
                            .find_map(|l| l.trim_end().strip_prefix("# "))
                            .unwrap_or("");
                        titles.push(title.trim().to_owned());
                    }
                }
                Err(e) => {
                    let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
                    problems.push(problem(f, line, "not valid UTF-8 text"));
                }
            }
        }
        check_across(&entries, &mut problems);
        // A team's own synonym sets, beside the built-in ones.
        let mut synonyms = crate::synonyms::Synonyms::builtin();
        let syn_file = dir.join("synonyms.toml");
        if syn_file.is_file() {
            match std::fs::read_to_string(&syn_file) {
                Ok(t) => {
                    if let Err(mut p) = synonyms.add_toml(&syn_file, &t) {
                        problems.append(&mut p);
                    }
                }
                Err(e) => problems.push(problem(&syn_file, 0, format!("cannot read: {e}"))),
            }
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
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
        assert!(matches!(
            Kb::load_dir(&dir.path().join("missing")),
            Err(KbError::Io { .. })
        ));
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

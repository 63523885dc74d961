//! Parsing one FAQ file (`## id`, `tags:`, `follow-ups:`, `lang:`, `? phrasing` lines, then
//! the answer), with a `file:line: reason` problem for everything it refuses.

use std::collections::HashSet;
use std::path::Path;

use crate::normalize::{fold, is_known_language};
use crate::walk::problem;
use crate::{Entry, Problem, Source};

/// The languages a `lang:` line or a language directory may name.
pub(crate) const KNOWN_LANGUAGES: &str = "en, lt, et";

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

/// The text as shown in a problem: control characters escaped, long text cut.
pub(crate) fn shown(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 80 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The text with its control characters but line breaks and tabs escaped (`\u{1b}`),
/// nothing cut.
pub(crate) fn shown_all(s: &str) -> String {
    let escaped = |c: &char| c.is_control() && !matches!(c, '\n' | '\t');
    if !s.chars().any(|c| escaped(&c)) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escaped(&c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// An entry being read: the entry, its title, whether a `? ` line was seen, the answer lines.
struct Open {
    entry: Entry,
    title: String,
    line: usize,
    seen_question: bool,
    phrasings: HashSet<String>,
    answer: Vec<String>,
}

/// Where a file's entries go: the entries, each one's file title, the problems.
pub(crate) struct Sink<'a> {
    pub(crate) entries: &'a mut Vec<Entry>,
    pub(crate) titles: &'a mut Vec<String>,
    pub(crate) problems: &'a mut Vec<Problem>,
}

fn finish(file: &Path, open: Option<Open>, sink: &mut Sink<'_>) {
    let Some(mut o) = open else { return };
    if o.entry.id.is_empty() {
        return; // `## ` without an id, reported already
    }
    let answer = o.answer.join("\n").trim().to_owned();
    if o.entry.questions.is_empty() {
        // Refused phrasings have their own problem already.
        if !o.seen_question {
            sink.problems.push(problem(
                file,
                o.line,
                format!(
                    "entry `{}` has no question phrasings (lines starting with \"? \")",
                    o.entry.id
                ),
            ));
        }
    } else if answer.is_empty() {
        sink.problems.push(problem(
            file,
            o.line,
            format!("entry `{}` has an empty answer", o.entry.id),
        ));
    } else {
        o.entry.answer = answer;
        sink.entries.push(o.entry);
        sink.titles.push(o.title);
    }
}

/// The first control character of a line (tabs are fine), if any.
fn control_char(line: &str) -> Option<char> {
    line.chars().find(|c| c.is_control() && *c != '\t')
}

/// Parses one file's text. Entries go to `sink.entries` (with their file title, the last
/// `# Title` above each, in `sink.titles`), problems to `sink.problems`.
pub(crate) fn parse_file(file: &Path, text: &str, dir_lang: &str, sink: &mut Sink<'_>) {
    // A UTF-8 byte-order mark, as some editors write: accepted and dropped.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(at) = text.find('\0') {
        let line = text[..at].matches('\n').count() + 1;
        sink.problems.push(problem(
            file,
            line,
            "NUL byte: this is not a text file (not read further)",
        ));
        return;
    }
    let mut open: Option<Open> = None;
    let mut title = String::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end();
        if let Some(c) = control_char(line) {
            sink.problems.push(problem(
                file,
                n,
                format!(
                    "control character {} in the text (escape codes are not allowed)",
                    c.escape_unicode()
                ),
            ));
            continue;
        }
        if let Some(t) = line.strip_prefix("# ") {
            title = t.trim().to_owned();
        }
        if line == "##" || line.starts_with("## ") {
            finish(file, open.take(), sink);
            let id = line[2..].trim();
            if id.is_empty() {
                sink.problems.push(problem(
                    file,
                    n,
                    "`## ` without an entry id (write e.g. `## order-status`)",
                ));
            } else if !valid_id(id) {
                sink.problems.push(problem(
                    file,
                    n,
                    format!(
                        "invalid entry id `{}`: use lowercase letters, digits and hyphens",
                        shown(id)
                    ),
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
                title: title.clone(),
                line: n,
                seen_question: false,
                phrasings: HashSet::new(),
                answer: Vec::new(),
            });
            continue;
        }
        let Some(o) = open.as_mut() else {
            let t = line.trim();
            if !(t.is_empty() || t.starts_with("# ") || t == "#" || is_comment(t)) {
                sink.problems.push(problem(
                    file,
                    n,
                    "text outside an entry (an entry starts with a `## id` line)",
                ));
            }
            continue;
        };
        if o.answer.is_empty() && (line == "?" || line.starts_with("? ")) {
            question(file, n, line[1..].trim(), o, sink.problems);
            continue;
        }
        if !o.seen_question {
            field(file, n, line.trim(), o, sink.problems);
            continue;
        }
        if o.answer.is_empty() && line.trim().is_empty() {
            continue;
        }
        o.answer.push(line.to_owned());
    }
    finish(file, open.take(), sink);
}

/// A `? phrasing` line.
fn question(file: &Path, n: usize, q: &str, o: &mut Open, problems: &mut Vec<Problem>) {
    o.seen_question = true;
    if q.is_empty() {
        problems.push(problem(
            file,
            n,
            "empty question phrasing (a `? ` line with nothing after it)",
        ));
    } else if fold(q).is_empty() {
        problems.push(problem(
            file,
            n,
            format!(
                "the phrasing “{}” has no letters or digits (only punctuation or emoji): it could never match",
                shown(q)
            ),
        ));
    } else if !o.phrasings.insert(q.to_owned()) {
        problems.push(problem(
            file,
            n,
            format!("entry `{}` repeats the phrasing “{}”", o.entry.id, shown(q)),
        ));
    } else {
        o.entry.questions.push(q.to_owned());
    }
}

/// A line before the first phrasing: a field, a comment or a blank line.
fn field(file: &Path, n: usize, t: &str, o: &mut Open, problems: &mut Vec<Problem>) {
    if t.is_empty() || is_comment(t) {
        return;
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
        Some(("lang", v)) => {
            let v = v.trim();
            if v.is_empty() {
                problems.push(problem(
                    file,
                    n,
                    format!("empty `lang:` (write one of {KNOWN_LANGUAGES}, or drop the line)"),
                ));
            } else if !is_known_language(v) {
                problems.push(problem(
                    file,
                    n,
                    format!(
                        "unknown language `{}` in `lang:` (known: {KNOWN_LANGUAGES})",
                        shown(v)
                    ),
                ));
            } else {
                o.entry.lang = v.to_owned();
            }
        }
        Some((k, _)) if !k.contains(' ') => problems.push(problem(
            file,
            n,
            format!(
                "unknown field `{}` in entry `{}` (allowed before the questions: tags, follow-ups, lang)",
                shown(k),
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
}

//! The knowledge-base loader against odd and hostile directories: link loops, links leaving
//! the directory, FIFOs, oversized files, too many entries, bad languages, NUL bytes, BOMs,
//! empty ids and phrasings. Each case ends with a clear `file:line: reason`, every problem
//! of a directory is reported, and nothing hangs.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use frontdesk_kb::{Kb, KbError, Limits};

const GOOD: &str = "# Orders\n## order-status\n? Where is my order?\n\nIn My account.\n";

fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Loads `dir` on another thread, failing (instead of hanging the suite) when it does not
/// finish within 60 s: a link loop or a FIFO used to block the loader for ever.
fn load_with(dir: &Path, limits: Limits) -> Result<Kb, KbError> {
    let (tx, rx) = mpsc::channel();
    let d = dir.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(Kb::load_dir_with(&d, &limits));
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the loader did not finish within 60 s")
}

/// The problems of an invalid directory, as printed (`file:line: reason`), relative to it.
fn problems_with(dir: &Path, limits: Limits) -> Vec<String> {
    match load_with(dir, limits) {
        Err(KbError::Invalid(ps)) => {
            let root = format!("{}/", dir.display());
            ps.iter()
                .map(|p| p.to_string().replace(&root, ""))
                .collect()
        }
        Err(e) => panic!("expected a list of problems, got {e}"),
        Ok(kb) => panic!("expected problems, loaded {} entries", kb.entries().len()),
    }
}

fn problems(dir: &Path) -> Vec<String> {
    problems_with(dir, Limits::default())
}

#[track_caller]
fn has(ps: &[String], needle: &str) {
    assert!(
        ps.iter().any(|p| p.contains(needle)),
        "`{needle}` not in {ps:#?}"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_reported_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/orders.md", GOOD);
    std::os::unix::fs::symlink("..", dir.path().join("en/l1")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("en/self")).unwrap();
    let ps = problems(dir.path());
    has(&ps, "en/l1:0: the directory ");
    has(
        &ps,
        "again, through a symbolic link (a loop?): not read twice",
    );
    has(&ps, "en/self:0: the directory ");
    assert_eq!(ps.len(), 2, "{ps:#?}");
}

#[cfg(unix)]
#[test]
fn links_leaving_the_directory_are_not_followed_links_inside_are() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.md",
        "## secret\n? what\n\nclassified\n",
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/orders.md", GOOD);
    // Files directly in the directory are not read as entries, but a link may lead there.
    write(
        dir.path(),
        "kur.txt",
        "## kur\n? kur mano užsakymas\n\nMano paskyroje.\n",
    );
    let link = |target: &Path, rel: &str| {
        std::os::unix::fs::symlink(target, dir.path().join(rel)).unwrap();
    };
    link(outside.path(), "en/out");
    link(&outside.path().join("secret.md"), "en/secret.md");
    let ps = problems(dir.path());
    has(
        &ps,
        "en/out:0: symbolic link to `", // … `/tmp/…`, outside the knowledge-base directory
    );
    has(&ps, "outside the knowledge-base directory: not followed");
    has(&ps, "en/secret.md:0: symbolic link to `");
    assert!(!ps.iter().any(|p| p.contains("classified")), "{ps:#?}");
    assert_eq!(ps.len(), 2, "{ps:#?}");
    // A link that stays inside is read (here: the Lithuanian files kept elsewhere).
    std::fs::remove_file(dir.path().join("en/out")).unwrap();
    std::fs::remove_file(dir.path().join("en/secret.md")).unwrap();
    std::fs::create_dir_all(dir.path().join("lt")).unwrap();
    link(&dir.path().join("kur.txt"), "lt/kur.md");
    let kb = load_with(dir.path(), Limits::default()).unwrap();
    assert_eq!(kb.languages(), vec!["en", "lt"]);
    assert!(kb.entry("lt", "kur").is_some());
}

#[cfg(unix)]
#[test]
fn a_fifo_named_md_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/orders.md", GOOD);
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        dir.path().join("en/pipe.md"),
        rustix::fs::Mode::from_raw_mode(0o644),
    )
    .unwrap();
    // A link to the FIFO is not read either.
    std::os::unix::fs::symlink("pipe.md", dir.path().join("en/to-pipe.md")).unwrap();
    let ps = problems(dir.path());
    has(&ps, "en/pipe.md:0: a FIFO, not a regular file: not read");
    has(&ps, "en/to-pipe.md:0: a FIFO, not a regular file: not read");
    assert_eq!(ps.len(), 2, "{ps:#?}");
}

#[cfg(unix)]
#[test]
fn dangling_links_and_missing_directories_carry_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/orders.md", GOOD);
    std::os::unix::fs::symlink("gone.md", dir.path().join("en/dangling.md")).unwrap();
    // Emacs' lock file for a file being edited is a dangling link: names with a dot first
    // are skipped.
    std::os::unix::fs::symlink("me@host.123", dir.path().join("en/.#orders.md")).unwrap();
    let ps = problems(dir.path());
    has(
        &ps,
        "en/dangling.md:0: dangling symbolic link (to `gone.md`): No such file or directory",
    );
    assert_eq!(ps.len(), 1, "{ps:#?}");
    let ps = problems(&dir.path().join("nowhere"));
    has(
        &ps,
        "nowhere:0: cannot open the knowledge-base directory: No such file or directory",
    );
}

#[test]
fn the_size_and_count_limits_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/orders.md", GOOD);
    write(dir.path(), "en/big.md", "x".repeat(2000));
    let small = Limits {
        max_file_bytes: 1000,
        ..Limits::default()
    };
    let ps = problems_with(dir.path(), small);
    has(
        &ps,
        "en/big.md:0: the file is 2000 bytes, over the limit of 1000 bytes: not read",
    );
    assert_eq!(ps.len(), 1, "{ps:#?}");

    let dir = tempfile::tempdir().unwrap();
    let many: String = (0..30)
        .map(|i| format!("## e{i}\n? question number {i}\n\nanswer\n"))
        .collect();
    write(dir.path(), "en/many.md", &many);
    let ps = problems_with(
        dir.path(),
        Limits {
            max_entries: 20,
            max_phrasings: 25,
            ..Limits::default()
        },
    );
    has(&ps, ":0: 30 entries, over the limit of 20");
    has(&ps, ":0: 30 question phrasings, over the limit of 25");
    // The defaults take them.
    assert_eq!(
        load_with(dir.path(), Limits::default())
            .unwrap()
            .entries()
            .len(),
        30
    );
    // Too many files, too deep, too much in all.
    for i in 0..5 {
        write(
            dir.path(),
            &format!("en/f{i}.md"),
            GOOD.replace("order", "o"),
        );
    }
    let ps = problems_with(
        dir.path(),
        Limits {
            max_files: 3,
            ..Limits::default()
        },
    );
    has(
        &ps,
        ":0: more than 3 knowledge-base files: the rest not read",
    );
    write(dir.path(), "en/a/b/c/deep.md", GOOD);
    let ps = problems_with(
        dir.path(),
        Limits {
            max_depth: 3,
            ..Limits::default()
        },
    );
    has(
        &ps,
        "en/a/b/c:0: folders nested deeper than 3 levels: not read",
    );
    let ps = problems_with(
        dir.path(),
        Limits {
            max_total_bytes: 100,
            ..Limits::default()
        },
    );
    has(&ps, "more than 100 bytes, the limit for all files together");
}

#[test]
fn languages_must_be_known_and_are_the_top_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "en/a.md",
        "## empty-lang\nlang:\n? Where is my order?\n\nIn My account.\n\n## path-lang\nlang: ../../etc\n? How do I pay?\n\nBy card.\n",
    );
    write(dir.path(), "xx/a.md", GOOD);
    write(dir.path(), "xx/b.md", GOOD);
    let ps = problems(dir.path());
    has(&ps, "en/a.md:2: empty `lang:`");
    has(
        &ps,
        "en/a.md:8: unknown language `../../etc` in `lang:` (known: en, lt, et)",
    );
    has(
        &ps,
        "xx:0: `xx` is not a language directory (known: en, lt, et)",
    );
    assert_eq!(ps.len(), 3, "one problem for the directory: {ps:#?}");

    // A nested folder is not a language: en/delivery/x.md is English.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/delivery/orders.md", GOOD);
    let kb = load_with(dir.path(), Limits::default()).unwrap();
    assert_eq!(kb.languages(), vec!["en"]);
    assert!(kb.entry("en", "order-status").is_some());
}

#[test]
fn a_knowledge_base_without_entries_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "en/empty.md",
        "# Only a title\n<!-- and a comment -->\n",
    );
    let ps = problems(dir.path());
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert!(
        ps[0].ends_with(
            ":0: the knowledge base has no entries (an entry starts with a `## id` line)"
        ),
        "{ps:#?}"
    );
}

#[test]
fn phrasings_of_only_punctuation_or_emoji_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "en/a.md",
        "## punct\n? ???!!!\n? 🎉🎉\n? where is my order\n\nIn My account.\n",
    );
    let ps = problems(dir.path());
    has(
        &ps,
        "en/a.md:2: the phrasing “???!!!” has no letters or digits (only punctuation or emoji)",
    );
    has(
        &ps,
        "en/a.md:3: the phrasing “🎉🎉” has no letters or digits",
    );
    assert_eq!(ps.len(), 2, "{ps:#?}");
}

#[test]
fn nul_bytes_and_escape_codes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/a.md", b"## a\n? where\n\nan\0swer\n");
    write(
        dir.path(),
        "en/b.md",
        "## b\n? where is it\n\nclear \x1b[2J the screen\n",
    );
    let ps = problems(dir.path());
    has(&ps, "en/a.md:4: NUL byte: this is not a text file");
    has(&ps, "en/b.md:4: control character \\u{1b} in the text");
    // Printing the problems cannot drive a terminal, whatever the file is named.
    assert!(ps.iter().all(|p| !p.contains('\x1b')), "{ps:#?}");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/x\x1b]0;pwned\x07.md", b"oops\n");
    let ps = problems(dir.path());
    has(&ps, "en/x\\u{1b}]0;pwned\\u{7}.md:1: text outside an entry");
}

#[test]
fn a_byte_order_mark_is_accepted_and_dropped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/a.md", format!("\u{feff}{GOOD}"));
    let kb = load_with(dir.path(), Limits::default()).unwrap();
    assert_eq!(kb.entries().len(), 1);
    assert_eq!(kb.entries()[0].answer, "In My account.");
}

#[test]
fn an_empty_id_and_an_empty_phrasing_have_their_own_messages() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "en/a.md",
        "## \n? where is my order\n\nIn My account.\n\n##\n? how do I pay\n\nBy card.\n\n## ok\n? \n?\n? a real one\n\nYes.\n",
    );
    let ps = problems(dir.path());
    has(&ps, "en/a.md:1: `## ` without an entry id");
    has(&ps, "en/a.md:6: `## ` without an entry id");
    has(
        &ps,
        "en/a.md:12: empty question phrasing (a `? ` line with nothing after it)",
    );
    has(&ps, "en/a.md:13: empty question phrasing");
    assert_eq!(ps.len(), 4, "{ps:#?}");
}

#[test]
fn every_problem_of_a_directory_is_reported_not_only_the_first() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/orders.md", GOOD);
    write(dir.path(), "en/bad.md", "## \n? x\n\ny\n");
    write(dir.path(), "en/latin1.md", b"## a\n? caf\xe9\n\nb\n");
    write(dir.path(), "zz/a.md", GOOD);
    #[cfg(unix)]
    std::os::unix::fs::symlink("gone", dir.path().join("en/dangling.md")).unwrap();
    let ps = problems(dir.path());
    has(&ps, "en/bad.md:1: `## ` without an entry id");
    has(&ps, "en/latin1.md:2: not valid UTF-8 text");
    has(&ps, "zz:0: `zz` is not a language directory");
    #[cfg(unix)]
    has(&ps, "en/dangling.md:0: dangling symbolic link");
    // Sorted by file and line.
    let mut sorted = ps.clone();
    sorted.sort();
    assert_eq!(ps, sorted);
}

#[test]
fn many_problems_are_capped_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..50).map(|_| "stray\n").collect();
    write(dir.path(), "en/a.md", text);
    let ps = problems_with(
        dir.path(),
        Limits {
            max_problems: 10,
            ..Limits::default()
        },
    );
    assert_eq!(ps.len(), 11);
    has(&ps, "… and 40 more problems");
}

#[test]
fn many_phrasings_in_one_entry_load_and_check_quickly() {
    // 20,000 phrasings in one entry used to be a quadratic repeat check and a quadratic
    // near-duplicate check; this must not hang (the 100k figures are in the README).
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("## big\n");
    for i in 0..20_000 {
        text.push_str(&format!("? where is my order number {i}\n"));
    }
    text.push_str("\nIn My account.\n\n## other\n? how do I pay by card\n\nBy card.\n");
    write(dir.path(), "en/big.md", &text);
    let kb = load_with(dir.path(), Limits::default()).unwrap();
    assert_eq!(kb.phrasing_count(), 20_001);
    let (dups, total) = kb.near_duplicates_at_most(0.5, 10);
    assert_eq!(total, 0, "{dups:?}");
}

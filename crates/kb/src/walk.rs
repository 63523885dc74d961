//! Walking a knowledge-base directory and reading its files, safely: symbolic links are
//! followed only while they stay inside the directory, each directory is read once (a link
//! loop is reported, not followed), only regular files are read, never more than the
//! [`Limits`] allow, and every problem is collected instead of stopping at the first.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::Problem;

/// How much a knowledge-base directory may hold; beyond that it is refused with a clear
/// problem (so a wrong `kb.dir`, such as `/`, cannot exhaust memory or time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Most bytes read in all files together.
    pub max_total_bytes: u64,
    /// Most `.md` files.
    pub max_files: usize,
    /// Deepest folder nesting below the directory (`en/` is depth 1).
    pub max_depth: usize,
    /// Most entries (all languages).
    pub max_entries: usize,
    /// Most question phrasings (all entries together).
    pub max_phrasings: usize,
    /// Most problems listed; the rest are counted in a last line.
    pub max_problems: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 8 << 20,
            max_total_bytes: 64 << 20,
            max_files: 10_000,
            max_depth: 8,
            max_entries: 100_000,
            max_phrasings: 500_000,
            max_problems: 1_000,
        }
    }
}

/// A `.md` file found under the directory.
pub(crate) struct Found {
    /// Its path as found (below the directory, through links as they are named).
    pub(crate) path: PathBuf,
    /// The first folder below the directory: the file's language directory.
    pub(crate) top: String,
}

pub(crate) fn problem(file: &Path, line: usize, reason: impl Into<String>) -> Problem {
    Problem {
        file: file.to_path_buf(),
        line,
        reason: reason.into(),
    }
}

/// Names starting with `.` are skipped: `.git`, editors' lock files (Emacs' `.#x.md` is a
/// dangling link while a file is being edited), swap files.
fn hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Why a file that is no regular file is not read: "a FIFO, not a regular file: not read".
fn not_regular(t: &fs::FileType) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = if t.is_fifo() {
            Some("a FIFO")
        } else if t.is_socket() {
            Some("a socket")
        } else if t.is_block_device() || t.is_char_device() {
            Some("a device")
        } else {
            None
        };
        if let Some(k) = kind {
            return format!("{k}, not a regular file: not read");
        }
    }
    let _ = t;
    "not a regular file: not read".to_owned()
}

/// The `.md` files of `<root>/<lang>/…` (files directly in `root` are not entries), sorted;
/// problems go to `problems`.
pub(crate) fn walk(root: &Path, limits: &Limits, problems: &mut Vec<Problem>) -> Vec<Found> {
    let mut out = Vec::new();
    let canon_root = match fs::canonicalize(root) {
        Ok(c) => c,
        Err(e) => {
            problems.push(problem(
                root,
                0,
                format!("cannot open the knowledge-base directory: {e}"),
            ));
            return out;
        }
    };
    if !canon_root.is_dir() {
        problems.push(problem(root, 0, "not a directory"));
        return out;
    }
    // Each directory once, by its real path: a link back up is a loop, reported once.
    let mut visited: HashMap<PathBuf, PathBuf> = HashMap::new();
    visited.insert(canon_root.clone(), root.to_path_buf());
    // (directory as found, depth, its language folder name)
    let mut stack: Vec<(PathBuf, usize, String)> = vec![(root.to_path_buf(), 0, String::new())];
    while let Some((dir, depth, top)) = stack.pop() {
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                problems.push(problem(&dir, 0, format!("cannot read the directory: {e}")));
                continue;
            }
        };
        let mut names: Vec<(PathBuf, fs::FileType)> = Vec::new();
        for e in rd {
            match e {
                Ok(e) if hidden(&e.file_name()) => {}
                Ok(e) => match e.file_type() {
                    Ok(t) => names.push((e.path(), t)),
                    Err(err) => problems.push(problem(&e.path(), 0, format!("cannot stat: {err}"))),
                },
                Err(err) => {
                    problems.push(problem(
                        &dir,
                        0,
                        format!("cannot read the directory: {err}"),
                    ));
                    break;
                }
            }
        }
        names.sort_by(|a, b| b.0.cmp(&a.0)); // popped in name order
        for (p, t) in names {
            let is_md = p.extension().is_some_and(|x| x == "md");
            let (t, real) = if t.is_symlink() {
                let shown = fs::read_link(&p)
                    .map(|l| l.display().to_string())
                    .unwrap_or_default();
                let real = match fs::canonicalize(&p) {
                    Ok(r) => r,
                    Err(e) => {
                        if is_md || p.extension().is_none() {
                            problems.push(problem(
                                &p,
                                0,
                                format!("dangling symbolic link (to `{shown}`): {e}"),
                            ));
                        }
                        continue;
                    }
                };
                if !real.starts_with(&canon_root) {
                    problems.push(problem(
                        &p,
                        0,
                        format!(
                            "symbolic link to `{shown}`, outside the knowledge-base directory: not followed"
                        ),
                    ));
                    continue;
                }
                match fs::metadata(&real) {
                    Ok(m) => (m.file_type(), Some(real)),
                    Err(e) => {
                        problems.push(problem(
                            &p,
                            0,
                            format!("cannot stat the link's target: {e}"),
                        ));
                        continue;
                    }
                }
            } else {
                (t, None)
            };
            if t.is_dir() {
                if depth + 1 > limits.max_depth {
                    problems.push(problem(
                        &p,
                        0,
                        format!(
                            "folders nested deeper than {} levels: not read",
                            limits.max_depth
                        ),
                    ));
                    continue;
                }
                let real = match real.map_or_else(|| fs::canonicalize(&p), Ok) {
                    Ok(r) => r,
                    Err(e) => {
                        problems.push(problem(&p, 0, format!("cannot open the directory: {e}")));
                        continue;
                    }
                };
                if let Some(first) = visited.get(&real) {
                    problems.push(problem(
                        &p,
                        0,
                        format!(
                            "the directory {} again, through a symbolic link (a loop?): not read twice",
                            first.display()
                        ),
                    ));
                    continue;
                }
                visited.insert(real, p.clone());
                let top = if depth == 0 {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                } else {
                    top.clone()
                };
                stack.push((p, depth + 1, top));
            } else if !is_md || depth == 0 {
                // Not an entry file (files directly in the directory, such as its README).
            } else if !t.is_file() {
                problems.push(problem(&p, 0, not_regular(&t)));
            } else if out.len() == limits.max_files {
                problems.push(problem(
                    root,
                    0,
                    format!(
                        "more than {} knowledge-base files: the rest not read",
                        limits.max_files
                    ),
                ));
                stack.clear();
                break;
            } else {
                out.push(Found {
                    path: p,
                    top: top.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Reads a regular file of at most `max` bytes. A FIFO or device is never opened for a
/// blocking read: the file is opened non-blocking and checked on the open handle.
pub(crate) fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f: File = opts.open(path).map_err(|e| format!("cannot open: {e}"))?;
    let meta = f.metadata().map_err(|e| format!("cannot stat: {e}"))?;
    if !meta.is_file() {
        return Err(not_regular(&meta.file_type()));
    }
    if meta.len() > max {
        return Err(too_big(meta.len(), max));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    f.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > max {
        return Err(too_big(buf.len() as u64, max));
    }
    Ok(buf)
}

fn too_big(len: u64, max: u64) -> String {
    format!("the file is {len} bytes, over the limit of {max} bytes: not read")
}

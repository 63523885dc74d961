#![doc = include_str!("../README.md")]

pub mod decide;
pub mod eval;
mod format;
mod index;
pub mod intents;
pub mod normalize;
mod parse;
pub mod semantic;
pub mod synonyms;
mod walk;

use std::fmt;
use std::path::PathBuf;

pub use index::Kb;
pub use walk::Limits;

/// One problem found while loading a knowledge base, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// The 1-based line (0 when the problem is the file or directory as a whole).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // File names and reasons can hold anything a file system allows: escape control
        // characters so that printing a problem cannot drive a terminal.
        write!(
            f,
            "{}:{}: {}",
            parse::shown_all(&self.file.display().to_string()),
            self.line,
            parse::shown_all(&self.reason)
        )
    }
}

/// An error loading a knowledge base or a labelled CSV.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KbError {
    /// The files are invalid; every problem is listed, one per line.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The embedding model's files are there but unusable.
    #[error("{}: {reason}", path.display())]
    Model {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A CSV file is malformed.
    #[error("{}: {reason}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the row.
        reason: String,
    },
}

/// Where an entry was defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The file.
    pub file: PathBuf,
    /// The line of its `## id` heading.
    pub line: usize,
}

/// One FAQ entry in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Stable id; the same id in several languages means translations of one entry.
    pub id: String,
    /// Language code (`en`, `lt`, `et`; `und` for CSV knowledge bases).
    pub lang: String,
    /// The ways customers ask it.
    pub questions: Vec<String>,
    /// The answer, in the Markdown subset.
    pub answer: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Ids of related entries in the same language.
    pub follow_ups: Vec<String>,
    /// Where it was defined, for entries loaded from files.
    pub source: Option<Source>,
}

/// Options of [`Kb::search`].
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// At most this many hits (0 means 5).
    pub limit: usize,
    /// The customer's language, when known: entries in it win near-ties.
    pub lang: Option<String>,
    /// List, per hit, the query terms that counted ([`Explanation::terms`], empty
    /// otherwise): for showing why an entry matched, not for deciding (it is about an
    /// eighth of a search's work).
    pub explain: bool,
}

/// Why an entry matched.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The query terms that counted for this entry, with their weight (only when the search
    /// asked for them: [`SearchOptions::explain`]).
    pub terms: Vec<(String, f32)>,
    /// Query words corrected to a knowledge-base word (typo, correction).
    pub corrected: Vec<(String, String)>,
    /// The combined score before calibration: the weighted sum of the four signals and the
    /// model's probability (plus a small bonus for the customer's language).
    pub raw_score: f32,
    /// The four signals, each in [0, 1]: BM25 over words, word TF-IDF centroid, character
    /// n-gram centroid, two nearest phrasings (0 for entries not re-scored).
    pub signals: [f32; 4],
    /// The probability of the entry under the discriminative model learned from the
    /// knowledge base at load time (softmax regression over word vectors), in [0, 1].
    pub model: f32,
}

/// One entry matching a query.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Index into [`Kb::entries`].
    pub index: usize,
    /// The entry's id.
    pub id: String,
    /// The entry's language.
    pub lang: String,
    /// Calibrated confidence in [0, 1]: compare it with the answer threshold.
    pub confidence: f32,
    /// Confidence minus that of the best hit with a different id (the confidence itself when
    /// there is none).
    pub margin: f32,
    /// The phrasing that matched best (past the fourth hit, whose nearest phrasing is not
    /// looked for, the entry's first phrasing).
    pub phrasing: String,
    /// Why it matched.
    pub explanation: Explanation,
}

/// Two phrasings of different entries that are close enough to confuse the matcher.
#[derive(Clone, Debug, PartialEq)]
pub struct NearDuplicate {
    /// The language.
    pub lang: String,
    /// First entry id and phrasing.
    pub a: (String, String),
    /// Second entry id and phrasing.
    pub b: (String, String),
    /// Similarity in [0, 1].
    pub similarity: f32,
}

impl fmt::Display for NearDuplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] `{}` “{}” and `{}` “{}” are {:.0}% similar",
            self.lang,
            self.a.0,
            self.a.1,
            self.b.0,
            self.b.1,
            self.similarity * 100.0
        )
    }
}

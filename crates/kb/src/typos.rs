//! Typo correction: a query word the knowledge base lacks is replaced by the closest word it
//! has (Jaro-Winkler at least 0.88 over the words sharing two character trigrams with it).
//!
//! Most candidates are far from the word; an upper bound of their similarity from letter
//! counts alone rejects them before the similarity itself is computed, so the result is the
//! one the full comparison gives.

use std::cell::RefCell;

use super::Map;
use crate::normalize;

/// The least Jaro-Winkler similarity of a correction.
const MIN_SIMILARITY: f64 = 0.88;
/// A trigram shared by more words than this tells nothing and costs much.
const MAX_TRIGRAM_WORDS: usize = 2000;

/// The knowledge base's words by character trigram.
#[derive(Debug, Default)]
pub(super) struct Typos {
    by_trigram: Map<String, Vec<u32>>,
}

thread_local! {
    /// Per-thread trigram counts per word, reused across queries.
    static SHARED: RefCell<(Vec<u16>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

impl Typos {
    /// Indexes the words among `terms` (not bigrams or synonym sets) of four letters or more.
    pub(super) fn new(terms: &[String]) -> Typos {
        let mut by_trigram: Map<String, Vec<u32>> = Map::default();
        for (id, t) in terms.iter().enumerate() {
            if !t.contains(' ') && !t.starts_with('~') && t.chars().count() >= 4 {
                for g in normalize::trigrams(t) {
                    by_trigram.entry(g).or_default().push(id as u32);
                }
            }
        }
        Typos { by_trigram }
    }

    /// The closest of `terms` to `word` (`None` when none is close enough); ties go to the
    /// lower id.
    pub(super) fn closest(&self, word: &str, terms: &[String]) -> Option<u32> {
        SHARED.with(|cell| {
            let mut cell = cell.borrow_mut();
            let (count, touched) = &mut *cell;
            if count.len() < terms.len() {
                count.resize(terms.len(), 0);
            }
            touched.clear();
            for g in normalize::trigrams(word) {
                let Some(ws) = self
                    .by_trigram
                    .get(&g)
                    .filter(|ws| ws.len() <= MAX_TRIGRAM_WORDS)
                else {
                    continue;
                };
                for w in ws {
                    let c = &mut count[*w as usize];
                    if *c == 0 {
                        touched.push(*w);
                    }
                    *c = c.saturating_add(1);
                }
            }
            let mut best: Option<(u32, f64)> = None;
            for w in touched.iter() {
                let c = std::mem::take(&mut count[*w as usize]);
                let t = &terms[*w as usize];
                if c < 2 || jaro_winkler_bound(word, t) < MIN_SIMILARITY {
                    continue;
                }
                let sim = strsim::jaro_winkler(word, t);
                if sim >= MIN_SIMILARITY
                    && best.is_none_or(|(bw, b)| sim > b || (sim == b && *w < bw))
                {
                    best = Some((*w, sim));
                }
            }
            best.map(|b| b.0)
        })
    }

    /// Approximate heap memory in bytes.
    pub(super) fn bytes(&self) -> usize {
        self.by_trigram
            .iter()
            .map(|(k, v)| k.capacity() + v.capacity() * 4 + 48)
            .sum()
    }
}

/// An upper bound of the Jaro-Winkler similarity of two ASCII words (1 for others and for
/// words over 255 bytes): the matching characters are at most the letters the two have in
/// common (counted with repeats), transpositions can only lower it, and the common prefix
/// counts up to four.
fn jaro_winkler_bound(a: &str, b: &str) -> f64 {
    let m = match crate::normalize::common_letters(a, b) {
        Some(m) if !a.is_empty() && !b.is_empty() => m,
        _ => return 1.0,
    };
    if m == 0 {
        return 0.0;
    }
    let (la, lb, mf) = (a.len() as f64, b.len() as f64, m as f64);
    let jaro = (mf / la + mf / lb + 1.0) / 3.0;
    let prefix = a
        .bytes()
        .zip(b.bytes())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count();
    (jaro + 0.1 * prefix as f64 * (1.0 - jaro)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_never_below_the_similarity() {
        let words = [
            "refund", "refnud", "rfeund", "refunds", "deliveri", "delivry", "dleivery", "tracking",
            "trackign", "parcel", "parsel", "cancel", "cancell", "abcd", "dcba", "aaaa", "aaab",
            "xyzw", "saskait", "saskiat", "tellim", "tellmi",
        ];
        for a in words {
            for b in words {
                let (bound, sim) = (jaro_winkler_bound(a, b), strsim::jaro_winkler(a, b));
                assert!(bound + 1e-12 >= sim, "{a} / {b}: bound {bound} < {sim}");
            }
        }
        assert!(jaro_winkler_bound("refund", "xyzw") < MIN_SIMILARITY);
        assert_eq!(jaro_winkler_bound("užsakym", "uzsakym"), 1.0);
    }

    #[test]
    fn a_typo_is_corrected_to_the_closest_word() {
        let terms: Vec<String> = ["refund", "delivery", "parcel", "tracking", "refunds one"]
            .map(str::to_owned)
            .to_vec();
        let t = Typos::new(&terms);
        assert_eq!(t.closest("refnud", &terms), Some(0));
        assert_eq!(t.closest("trackign", &terms), Some(3));
        assert_eq!(t.closest("weather", &terms), None);
        // Twice: the counts are back to zero after a query.
        assert_eq!(t.closest("parsel", &terms), Some(2));
        assert_eq!(t.closest("parsel", &terms), Some(2));
    }
}

//! The inverted lists of the summed signals (BM25, the two centroid cosines and the
//! discriminative model's logits) and the per-query sums they are added into.
//!
//! Two things keep the inner loops short. A term that many entries have is stored as a dense
//! row over all entries, so adding it is one pass the compiler vectorises, not one indexed
//! add per entry (on the full clinc150 knowledge base a common character n-gram such as
//! `^th` is in most of the 150 entries). And a knowledge base of at most [`SCAN_MAX`] entries
//! finds the entries a query touched by scanning the sums once at the end, instead of
//! checking and recording every entry on the way; a larger one records them, and stores
//! every term sparsely.
//!
//! Adding a dense row's zeros leaves the other entries' sums exactly as they were, so the
//! sums are bit for bit those of the sparse lists; and since the weights of the three
//! similarity signals are positive, an entry is touched exactly when one of its sums is not 0.

use super::sparse::Postings;

/// The most entries for which the sums are scanned and common terms stored densely.
const SCAN_MAX: usize = 4096;
/// A term is stored densely when at least one entry in this many has it.
const DENSE_SHARE: usize = 8;
const NONE: u32 = u32::MAX;

/// One signal's inverted lists: per term, the entries that have it with their weight.
#[derive(Debug, Default)]
pub(super) struct Lists {
    /// Sparse lists, sorted by entry (empty for a term stored densely).
    sparse: Postings,
    /// Per term, its dense row (`NONE`: sparse).
    dense_of: Vec<u32>,
    /// Dense rows, `n` weights each (0 for an entry without the term).
    dense: Vec<f32>,
    n: usize,
}

impl Lists {
    /// Stores the postings of a knowledge base of `n` entries.
    pub(super) fn new(mut post: Postings, n: usize) -> Lists {
        let mut dense_of = vec![NONE; post.len()];
        let mut dense = Vec::new();
        if n > 0 && n <= SCAN_MAX {
            for (t, p) in post.iter_mut().enumerate() {
                if p.len() * DENSE_SHARE >= n {
                    dense_of[t] = (dense.len() / n) as u32;
                    let start = dense.len();
                    dense.resize(start + n, 0.0);
                    for (e, w) in p.drain(..) {
                        dense[start + e as usize] = w;
                    }
                    p.shrink_to_fit();
                }
            }
        }
        Lists {
            sparse: post,
            dense_of,
            dense,
            n,
        }
    }

    /// Whether the sums over `n` entries are scanned (and common terms dense).
    pub(super) fn scans(n: usize) -> bool {
        n <= SCAN_MAX
    }

    /// The sparse list of `term` (empty when it is stored densely).
    pub(super) fn sparse(&self, term: u32) -> &[(u32, f32)] {
        &self.sparse[term as usize]
    }

    /// Adds `f(weight)` of every entry having `term` (`f(0)` must be 0) to `sum`, one slot
    /// per entry, without recording which.
    #[inline]
    pub(super) fn add_scanned(&self, term: u32, sum: &mut [f32], f: impl Fn(f32) -> f32) {
        let t = term as usize;
        match self.dense_of[t] {
            NONE => {
                for (e, w) in &self.sparse[t] {
                    sum[*e as usize] += f(*w);
                }
            }
            row => {
                let row = &self.dense[row as usize * self.n..(row as usize + 1) * self.n];
                for (s, w) in sum.iter_mut().zip(row) {
                    *s += f(*w);
                }
            }
        }
    }

    /// The weight of `term` in entry `e`, when the entry has it.
    pub(super) fn weight(&self, term: u32, e: u32) -> Option<f32> {
        let t = term as usize;
        match self.dense_of[t] {
            NONE => {
                let p = &self.sparse[t];
                p.binary_search_by_key(&e, |x| x.0).ok().map(|j| p[j].1)
            }
            row => Some(self.dense[row as usize * self.n + e as usize]).filter(|w| *w != 0.0),
        }
    }

    /// Approximate heap memory in bytes.
    pub(super) fn bytes(&self) -> usize {
        self.sparse
            .iter()
            .map(|v| v.capacity() * 8 + 24)
            .sum::<usize>()
            + self.dense_of.capacity() * 4
            + self.dense.capacity() * 4
    }
}

/// The per-query sums of the three signals, per entry.
#[derive(Debug, Default)]
pub(super) struct Sums {
    sum: [Vec<f32>; 3],
    /// Recording mode (more than `SCAN_MAX` entries): whether an entry is in `touched`.
    seen: Vec<bool>,
    touched: Vec<u32>,
    n: usize,
}

impl Sums {
    /// Starts a query over `n` entries (the sums are all 0 between queries).
    pub(super) fn start(&mut self, n: usize) {
        for s in &mut self.sum {
            if s.len() < n {
                s.resize(n, 0.0);
            }
        }
        if self.seen.len() < n {
            self.seen.resize(n, false);
        }
        self.touched.clear();
        self.n = n;
    }

    /// Adds `f(weight)` of every entry having `term` (`f(0)` must be 0) to signal `k`.
    #[inline]
    pub(super) fn add(&mut self, k: usize, lists: &Lists, term: u32, f: impl Fn(f32) -> f32) {
        let n = self.n;
        let sum = &mut self.sum[k][..n];
        if Lists::scans(n) {
            lists.add_scanned(term, sum, f);
        } else {
            for (e, w) in lists.sparse(term) {
                if !std::mem::replace(&mut self.seen[*e as usize], true) {
                    self.touched.push(*e);
                }
                sum[*e as usize] += f(*w);
            }
        }
    }

    /// Ends the query's additions: finds the entries it touched (some sum not 0).
    pub(super) fn finish(&mut self) {
        let n = self.n;
        if n <= SCAN_MAX {
            self.touched.clear();
            let [a, b, c] = &self.sum;
            for (e, ((a, b), c)) in a[..n].iter().zip(&b[..n]).zip(&c[..n]).enumerate() {
                if *a != 0.0 || *b != 0.0 || *c != 0.0 {
                    self.touched.push(e as u32);
                }
            }
        }
    }

    /// After [`Sums::finish`], the entries the query touched with their three sums
    /// (ascending when scanned).
    pub(super) fn touched(&self) -> impl Iterator<Item = (u32, [f32; 3])> + '_ {
        self.touched.iter().map(|e| {
            let i = *e as usize;
            (*e, [self.sum[0][i], self.sum[1][i], self.sum[2][i]])
        })
    }

    /// Sets the sums back to 0, ready for the next query.
    pub(super) fn clear(&mut self) {
        let n = self.n;
        if n <= SCAN_MAX {
            for s in &mut self.sum {
                s[..n].fill(0.0);
            }
        }
        for e in &self.touched {
            let e = *e as usize;
            for s in &mut self.sum {
                s[e] = 0.0;
            }
            self.seen[e] = false;
        }
        self.touched.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Postings over `n` entries: term 0 in every entry, term 1 in entry 2 only, term 2 in
    /// every third entry.
    fn postings(n: u32) -> Postings {
        vec![
            (0..n).map(|e| (e, 0.5 + e as f32 / 100.0)).collect(),
            vec![(2, 0.25)],
            (0..n).step_by(3).map(|e| (e, 1.0 + e as f32)).collect(),
        ]
    }

    fn sums(n: u32, query: &[(u32, f32)]) -> (Vec<(u32, [f32; 3])>, Lists) {
        let lists = Lists::new(postings(n), n as usize);
        let mut s = Sums::default();
        let mut runs = Vec::new();
        // Twice: the second query must start from zero sums.
        for _ in 0..2 {
            s.start(n as usize);
            for (t, qw) in query {
                s.add(2, &lists, *t, |w| qw * w);
            }
            s.finish();
            let mut got: Vec<(u32, [f32; 3])> = s.touched().collect();
            s.clear();
            got.sort_by_key(|x| x.0);
            runs.push(got);
        }
        assert_eq!(runs[0], runs[1]);
        (runs.pop().unwrap_or_default(), lists)
    }

    #[test]
    fn dense_rows_and_scanning_give_the_sparse_sums() {
        // 30 entries: scanned, terms 0 and 2 dense. 5,000: recorded, all sparse.
        for n in [30u32, 5_000] {
            let (got, lists) = sums(n, &[(1, 2.0), (2, 0.5)]);
            let want: Vec<(u32, [f32; 3])> = (0..n)
                .filter(|e| e % 3 == 0 || *e == 2)
                .map(|e| {
                    let mut s = 0.0f32;
                    if e == 2 {
                        s += 2.0 * 0.25;
                    }
                    if e % 3 == 0 {
                        s += 0.5 * (1.0 + e as f32);
                    }
                    (e, [0.0, 0.0, s])
                })
                .collect();
            assert_eq!(got, want, "n = {n}");
            assert_eq!(lists.weight(1, 2), Some(0.25));
            assert_eq!(lists.weight(1, 3), None);
            assert_eq!(lists.weight(2, 3), Some(4.0));
            assert_eq!(lists.weight(2, 4), None);
            assert_eq!(lists.weight(0, 7), Some(0.57));
        }
        assert!(Lists::new(postings(30), 30).dense_of[0] != NONE);
        assert!(Lists::new(postings(5_000), 5_000).dense_of[0] == NONE);
    }
}

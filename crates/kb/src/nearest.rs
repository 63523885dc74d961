//! The nearest-phrasing signal's own index: each entry's phrasing vectors (character n-grams)
//! turned around, so a query's similarity to every phrasing of an entry costs one pass over
//! the grams the query shares with that entry, not one over every gram of every phrasing.
//!
//! On the full clinc150 knowledge base (100 phrasings per entry, about 100 grams each) the
//! row-by-row dot products of the four re-scored entries were 40% of a query's work; the
//! shared grams are a small part of them. The dot products are bit for bit those of the rows:
//! both add the shared grams' products in ascending gram order. The rows themselves are not
//! kept: [`EntryGrams::rows`] turns them back for the near-duplicate check of `kb check`.

use super::sparse::{Rows, Sparse};

/// Per entry, each gram its phrasings have, with the phrasings that have it.
#[derive(Debug, Default)]
pub(super) struct EntryGrams {
    /// Entry `e`'s grams are `grams[start[e]..start[e + 1]]`, sorted by id.
    start: Vec<u32>,
    grams: Vec<u32>,
    /// Gram `k`'s postings are `post[off[k]..off[k + 1]]`: (phrasing within the entry, weight).
    off: Vec<u32>,
    post: Vec<(u32, f32)>,
}

/// The two phrasings of one entry most similar to a query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Nearest {
    /// The highest cosine, and the phrasing (within the entry) that has it: the first such
    /// one; `None` when the query shares no gram with the entry.
    pub(super) best: f32,
    pub(super) at: Option<usize>,
    /// The second highest cosine (0 for an entry of one phrasing).
    pub(super) second: f32,
}

impl EntryGrams {
    /// Builds the index from the phrasing rows; the phrasings of entry `e` are
    /// `first[e]..first[e + 1]`.
    pub(super) fn build(rows: &Rows, first: &[u32]) -> EntryGrams {
        let mut out = EntryGrams {
            start: vec![0],
            off: vec![0],
            post: Vec::with_capacity(rows.cells()),
            ..EntryGrams::default()
        };
        let mut cells: Vec<(u32, u32, f32)> = Vec::new();
        for e in first.windows(2) {
            cells.clear();
            for (local, pi) in (e[0]..e[1]).enumerate() {
                let (ids, ws) = rows.row(pi as usize);
                cells.extend(ids.iter().zip(ws).map(|(id, w)| (*id, local as u32, *w)));
            }
            // By gram, each gram's phrasings in order (in place: an entry may have 100,000).
            cells.sort_unstable_by_key(|c| (c.0, c.1));
            for (k, (id, local, w)) in cells.iter().enumerate() {
                if k == 0 || cells[k - 1].0 != *id {
                    if k > 0 {
                        out.off.push(out.post.len() as u32);
                    }
                    out.grams.push(*id);
                }
                out.post.push((*local, *w));
            }
            if !cells.is_empty() {
                out.off.push(out.post.len() as u32);
            }
            out.start.push(out.grams.len() as u32);
        }
        out.grams.shrink_to_fit();
        out.off.shrink_to_fit();
        out
    }

    /// The phrasings of entry `e` nearest to the query's gram vector `q` (sorted by id);
    /// `dots` is scratch space.
    pub(super) fn nearest(&self, e: usize, q: &Sparse, dots: &mut Vec<f32>, n: usize) -> Nearest {
        dots.clear();
        dots.resize(n, 0.0);
        let (lo, hi) = (self.start[e] as usize, self.start[e + 1] as usize);
        let grams = &self.grams[lo..hi];
        let mut pos = 0;
        for (id, qw) in q.ids.iter().zip(&q.w) {
            // Galloping search: the query's grams are sorted too, so each search starts where
            // the last one stopped.
            let mut step = 1;
            while pos + step < grams.len() && grams[pos + step] < *id {
                step *= 2;
            }
            let end = (pos + step + 1).min(grams.len());
            pos += grams[pos..end].partition_point(|g| g < id);
            if pos == grams.len() {
                break;
            }
            if grams[pos] == *id {
                let k = lo + pos;
                for (local, w) in &self.post[self.off[k] as usize..self.off[k + 1] as usize] {
                    dots[*local as usize] += qw * w;
                }
            }
        }
        let mut best = Nearest {
            best: 0.0,
            at: None,
            second: 0.0,
        };
        for (i, d) in dots.iter().enumerate() {
            if *d > best.best {
                best.second = best.best;
                best.best = *d;
                best.at = Some(i);
            } else if *d > best.second {
                best.second = *d;
            }
        }
        best
    }

    /// The phrasing rows the index was built from (each sorted by gram id), for the
    /// phrasings `first[0]..first[last]`.
    pub(super) fn rows(&self, first: &[u32]) -> Rows {
        let mut cells: Vec<Vec<(u32, f32)>> = Vec::new();
        let n = first.last().map_or(0, |l| *l as usize);
        let mut rows = Rows::with_capacity(n, self.post.len());
        for (e, ends) in first.windows(2).enumerate() {
            cells.clear();
            cells.resize((ends[1] - ends[0]) as usize, Vec::new());
            for k in self.start[e] as usize..self.start[e + 1] as usize {
                for (local, w) in &self.post[self.off[k] as usize..self.off[k + 1] as usize] {
                    cells[*local as usize].push((self.grams[k], *w));
                }
            }
            for c in &cells {
                rows.push(&Sparse {
                    ids: c.iter().map(|x| x.0).collect(),
                    w: c.iter().map(|x| x.1).collect(),
                });
            }
        }
        rows
    }

    /// Approximate heap memory in bytes.
    pub(super) fn bytes(&self) -> usize {
        (self.start.capacity() + self.grams.capacity() + self.off.capacity()) * 4
            + self.post.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sparse(pairs: &[(u32, f32)]) -> Sparse {
        Sparse {
            ids: pairs.iter().map(|p| p.0).collect(),
            w: pairs.iter().map(|p| p.1).collect(),
        }
    }

    /// The row-by-row dot products the index replaces.
    fn brute(rows: &Rows, lo: usize, hi: usize, q: &Sparse) -> Vec<f32> {
        (lo..hi)
            .map(|pi| {
                let (ids, ws) = rows.row(pi);
                ids.iter()
                    .zip(ws)
                    .map(|(i, w)| {
                        q.ids
                            .iter()
                            .position(|x| x == i)
                            .map_or(0.0, |k| q.w[k] * w)
                    })
                    .sum()
            })
            .collect()
    }

    #[test]
    fn nearest_phrasings_match_the_row_by_row_dot_products() {
        // Three entries: 3 phrasings, 1 phrasing, 2 phrasings (one sharing nothing).
        let phrasings = [
            sparse(&[(0, 0.5), (2, 0.5), (7, 0.7)]),
            sparse(&[(1, 0.6), (2, 0.8)]),
            sparse(&[(2, 0.3), (7, 0.3), (9, 0.9)]),
            sparse(&[(3, 1.0)]),
            sparse(&[(4, 0.6), (9, 0.8)]),
            sparse(&[(5, 1.0)]),
        ];
        let mut rows = Rows::default();
        for p in &phrasings {
            rows.push(p);
        }
        let first = [0u32, 3, 4, 6];
        let idx = EntryGrams::build(&rows, &first);
        let back = idx.rows(&first);
        for pi in 0..phrasings.len() {
            assert_eq!(back.row(pi), rows.row(pi), "phrasing {pi} turned back");
        }
        let mut dots = Vec::new();
        for q in [
            sparse(&[(2, 0.6), (7, 0.8)]),
            sparse(&[(0, 0.1), (1, 0.2), (2, 0.3), (3, 0.4), (9, 0.5)]),
            sparse(&[(9, 1.0)]),
            sparse(&[(8, 1.0)]),
            sparse(&[(10, 1.0)]),
        ] {
            for e in 0..3 {
                let (lo, hi) = (first[e] as usize, first[e + 1] as usize);
                let want = brute(&rows, lo, hi, &q);
                let got = idx.nearest(e, &q, &mut dots, hi - lo);
                assert_eq!(dots, want, "entry {e}");
                let best = want.iter().copied().fold(0.0f32, f32::max);
                assert_eq!(got.best, best);
                let at = want.iter().position(|d| *d == best).filter(|_| best > 0.0);
                assert_eq!(got.at, at, "the first phrasing with the best cosine");
                let mut sorted = want.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                assert_eq!(got.second, sorted.get(1).copied().unwrap_or(0.0));
            }
        }
    }
}

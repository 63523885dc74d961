//! Near-duplicate phrasings: pairs of phrasings of different entries in one language whose
//! character n-gram vectors are at least a given cosine alike (what `frontdesk kb check`
//! warns about).
//!
//! Comparing every pair is quadratic (100,000 phrasings are 5·10⁹ pairs). Three things keep
//! the work down:
//!
//! - **Only pairs that can count are looked at.** The index is built as it is searched,
//!   language by language and entry by entry: an entry's phrasings are compared with the
//!   entries before it in their language, then indexed. So each pair is met once, never two
//!   phrasings of one entry or of two languages, and no posting is skipped or searched for.
//! - **Prefix filtering** (Bayardo, Ma and Srikant, "Scaling up all pairs similarity search",
//!   WWW 2007): with the grams ordered rarest first, a unit vector's *prefix* is its rarest
//!   grams up to where the rest has a norm below the threshold `t`. Two vectors whose cosine
//!   reaches `t` share a gram in both prefixes — otherwise every shared gram lies in the rest
//!   of one of them, whose norm is below `t`, and by Cauchy–Schwarz their dot product is too —
//!   so only the prefixes are indexed, and the frequent grams (`^ho`, `how`), which join
//!   nearly every pair, are almost never in one. The rest of a phrasing also adds at most
//!   Σ w·(largest weight of that gram anywhere), often a tighter bound (Anastasiu and Karypis'
//!   L2AP, ICDE 2014), which ends a prefix too.
//! - **Candidates are scored in a dense accumulator and finished cheaply.** Streaming a
//!   phrasing's prefix, rarest gram first, against the postings gives, per candidate, the dot
//!   product over every gram in both prefixes and the last (most frequent) such gram. Every
//!   shared gram more frequent than that one is outside one of the prefixes, so: a candidate is
//!   dropped when that dot product plus the product of the norms of the two phrasings' grams
//!   more frequent than it cannot reach `t` (L2AP's positional bound), and otherwise finished by
//!   reading only the candidate's grams more frequent than it against the phrasing's weights
//!   spread into a dense array, rarest first, stopping as soon as the same bound on what is
//!   left fails — no merge of two sorted rows, no hash map, no allocation per candidate. A
//!   pair that reaches the threshold so is scored once more by the plain dot product in gram
//!   order, so a pair's similarity never depends on the threshold asked.

use super::sparse::Rows;
use super::{Kb, Map};
use crate::NearDuplicate;

/// Slack on the prefix bound, so that rounding never drops a pair.
const EPS: f32 = 1e-4;

/// No candidate: the accumulator slot of a phrasing not met yet.
const NONE: u32 = u32::MAX;

/// One gram of an indexed prefix.
#[derive(Clone, Copy)]
struct Posting {
    /// The phrasing.
    j: u32,
    /// Its weight for the gram.
    w: f32,
    /// The norm of its grams more frequent than this one.
    rest: f32,
    /// Where the gram is in its row: its grams more frequent are `row[..pos]`.
    pos: u32,
}

/// Per candidate, side by side: the dot product over the grams in both prefixes so far, the
/// norms of the two phrasings' grams more frequent than the last of them, and that gram's
/// position in the candidate's row (`NONE` when not a candidate).
#[derive(Clone, Copy)]
struct Slot {
    dot: f32,
    x_rest: f32,
    y_rest: f32,
    pos: u32,
}

/// A gram the phrasing being compared does not have, in its dense vector of (weight, norm of
/// its grams more frequent than this one).
const UNSEEN: (f32, f32) = (0.0, f32::INFINITY);

const EMPTY: Slot = Slot {
    dot: 0.0,
    x_rest: 0.0,
    y_rest: 0.0,
    pos: NONE,
};

impl Kb {
    /// Phrasings of different entries in one language at least `min_similarity` alike
    /// (cosine of their character n-gram vectors), most similar first.
    pub fn near_duplicates(&self, min_similarity: f32) -> Vec<NearDuplicate> {
        self.near_duplicates_at_most(min_similarity, usize::MAX).0
    }

    /// The `limit` most similar pairs of [`Kb::near_duplicates`], and how many pairs there are
    /// in all (memory stays bounded by `limit` however many pairs there are).
    pub fn near_duplicates_at_most(
        &self,
        min_similarity: f32,
        limit: usize,
    ) -> (Vec<NearDuplicate>, usize) {
        let (pairs, total, _) = self.near_duplicates_until(min_similarity, limit, usize::MAX);
        (pairs, total)
    }

    /// [`Kb::near_duplicates_at_most`], but the search stops once `stop_after` pairs are
    /// found: the time a knowledge base full of look-alike phrasings takes grows with its
    /// pairs, and past a few thousand the count says what there is to fix. Returns the `limit`
    /// most similar of the pairs found, how many were found, and whether the search went
    /// through the whole knowledge base (every pair counted).
    pub fn near_duplicates_until(
        &self,
        min_similarity: f32,
        limit: usize,
        stop_after: usize,
    ) -> (Vec<NearDuplicate>, usize, bool) {
        let n = self.texts.len();
        let t = if min_similarity > 0.0 {
            min_similarity - EPS
        } else {
            f32::NEG_INFINITY
        };
        // Languages and ids as numbers, compared for every candidate.
        let lang_of = numbered(self.entries.iter().map(|e| e.lang.as_str()));
        let id_of = numbered(self.entries.iter().map(|e| e.id.as_str()));
        let phr_lang: Vec<u32> = self
            .phrasing_entry
            .iter()
            .map(|e| lang_of[*e as usize])
            .collect();
        // The phrasing rows, turned back from the matcher's per-entry index for this search.
        let rows = self.entry_grams.rows(&self.first);
        let (cut, max_w) = self.cuts(&rows, min_similarity);
        let mut slot: Vec<Slot> = vec![EMPTY; n];
        // Room for every phrasing once, and one more: a candidate is written before it is
        // known to be new.
        let mut cands: Vec<u32> = vec![0; n + 1];
        let mut dense: Vec<(f32, f32)> = vec![UNSEEN; max_w.len()];
        let mut index: Vec<Vec<Posting>> = vec![Vec::new(); max_w.len()];
        let mut norms: Vec<f32> = Vec::new();
        let mut found: Vec<(f32, u32, u32)> = Vec::new();
        let mut total = 0usize;
        let keep = limit.min(n.saturating_mul(n));
        let by_sim = |x: &(f32, u32, u32), y: &(f32, u32, u32)| {
            y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2)))
        };
        // Language by language, entry by entry: each phrasing is compared with the prefixes of
        // the entries before its own, then its entry's prefixes are indexed. So each pair is
        // met once, never two phrasings of one entry or of two languages, and no posting is
        // skipped.
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|p| (phr_lang[*p as usize], *p));
        let mut at = 0;
        let mut complete = true;
        'search: while at < order.len() {
            let e = self.phrasing_entry[order[at] as usize] as usize;
            let (lo, hi) = (self.first[e] as usize, self.first[e + 1] as usize);
            if at > 0 && phr_lang[order[at - 1] as usize] != phr_lang[lo] {
                index.iter_mut().for_each(Vec::clear);
            }
            at += hi - lo;
            for (pi, cut_at) in cut.iter().enumerate().take(hi).skip(lo) {
                let (ids, ws) = rows.row(pi);
                rest_norms(ws, &mut norms);
                let mut nc = 0usize;
                for k in (*cut_at as usize..ids.len()).rev() {
                    let (xw, xr) = (ws[k], norms[k]);
                    for p in &index[ids[k] as usize] {
                        let s = &mut slot[p.j as usize];
                        cands[nc] = p.j;
                        nc += usize::from(s.pos == NONE);
                        s.dot += xw * p.w;
                        s.x_rest = xr;
                        s.y_rest = p.rest;
                        s.pos = p.pos;
                    }
                }
                if nc == 0 {
                    continue;
                }
                for (k, (id, w)) in ids.iter().zip(ws).enumerate() {
                    dense[*id as usize] = (*w, norms[k]);
                }
                for j in &cands[..nc] {
                    let j = *j as usize;
                    let s = std::mem::replace(&mut slot[j], EMPTY);
                    if s.dot + s.x_rest * s.y_rest < t {
                        continue;
                    }
                    let f = self.phrasing_entry[j] as usize;
                    if id_of[e] == id_of[f] {
                        continue;
                    }
                    // The shared grams not counted yet are the candidate's more frequent ones.
                    let (yi, yw) = rows.row(j);
                    let p = s.pos as usize;
                    if !reaches(&dense, &yi[..p], &yw[..p], &s, t) {
                        continue;
                    }
                    let sim = Self::phrasing_dot(&rows, j, pi);
                    if sim >= min_similarity {
                        total += 1;
                        found.push((sim, j as u32, pi as u32));
                        if found.len() >= keep.saturating_mul(2).max(1024) && found.len() > keep {
                            found.select_nth_unstable_by(keep, by_sim);
                            found.truncate(keep);
                        }
                        if total >= stop_after {
                            complete = false;
                            break 'search;
                        }
                    }
                }
                for id in ids {
                    dense[*id as usize] = UNSEEN;
                }
            }
            for (pi, cut_at) in cut.iter().enumerate().take(hi).skip(lo) {
                let (ids, ws) = rows.row(pi);
                rest_norms(ws, &mut norms);
                for k in *cut_at as usize..ids.len() {
                    index[ids[k] as usize].push(Posting {
                        j: pi as u32,
                        w: ws[k],
                        rest: norms[k],
                        pos: k as u32,
                    });
                }
            }
        }
        found.sort_by(by_sim);
        found.truncate(keep);
        let mut out: Vec<NearDuplicate> = found
            .into_iter()
            .map(|(sim, pi, j)| {
                let a = &self.entries[self.phrasing_entry[pi as usize] as usize];
                let b = &self.entries[self.phrasing_entry[j as usize] as usize];
                NearDuplicate {
                    lang: a.lang.clone(),
                    a: (a.id.clone(), self.texts[pi as usize].clone()),
                    b: (b.id.clone(), self.texts[j as usize].clone()),
                    similarity: sim.min(1.0),
                }
            })
            .collect();
        out.sort_by(|x, y| {
            y.similarity
                .total_cmp(&x.similarity)
                .then_with(|| x.a.cmp(&y.a))
                .then_with(|| x.b.cmp(&y.b))
        });
        (out, total, complete)
    }

    /// Where each phrasing's prefix at `min_similarity` starts in its row, and the largest
    /// weight of each gram in any phrasing.
    fn cuts(&self, rows: &Rows, min_similarity: f32) -> (Vec<u32>, Vec<f32>) {
        let n = self.texts.len();
        let (t, t2) = if min_similarity > 0.0 {
            (min_similarity - EPS, min_similarity * min_similarity - EPS)
        } else {
            (f32::NEG_INFINITY, f32::NEG_INFINITY)
        };
        // The rest of a phrasing can add at most Σ w·max_w to any dot product, which is often
        // tighter than its norm.
        let mut max_w = vec![0.0f32; self.gram_idf.len()];
        for pi in 0..n {
            let (ids, ws) = rows.row(pi);
            for (id, w) in ids.iter().zip(ws) {
                let m = &mut max_w[*id as usize];
                *m = m.max(*w);
            }
        }
        // Gram ids are numbered by falling document frequency and rows are sorted by id, so
        // the rarest grams are at the end of a row: the prefix is `row[cut..]`.
        let mut norms = Vec::new();
        let cut = (0..n)
            .map(|pi| {
                let (ids, ws) = rows.row(pi);
                rest_norms(ws, &mut norms);
                let mut ap: f32 = ids
                    .iter()
                    .zip(ws)
                    .map(|(id, w)| w * max_w[*id as usize])
                    .sum();
                let mut k = ids.len();
                while k > 0 && norms[k] * norms[k] > t2 && ap >= t {
                    k -= 1;
                    ap -= ws[k] * max_w[ids[k] as usize];
                }
                k as u32
            })
            .collect();
        (cut, max_w)
    }

    /// Cosine of two phrasings' character n-gram vectors (unit vectors sorted by gram id).
    fn phrasing_dot(rows: &Rows, a: usize, b: usize) -> f32 {
        let (ia, wa) = rows.row(a);
        let (ib, wb) = rows.row(b);
        let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
        while i < ia.len() && j < ib.len() {
            match ia[i].cmp(&ib[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += wa[i] * wb[j];
                    i += 1;
                    j += 1;
                }
            }
        }
        dot
    }
}

/// `norms[k]` is the norm of `ws[..k]` (summed from the front, so it is never below the
/// true value by cancellation); `norms` has one more element than `ws`.
fn rest_norms(ws: &[f32], norms: &mut Vec<f32>) {
    norms.clear();
    let mut sq = 0.0f32;
    norms.push(0.0);
    for w in ws {
        sq += w * w;
        norms.push(sq.sqrt());
    }
}

/// Whether the candidate of `slot` can reach `t`: its grams more frequent than the last one
/// counted (`ids`, `ws`) read against the dense vector of the phrasing, rarest first, eight at
/// a time, stopping as soon as what is left (the norm of the candidate's grams not read yet
/// times that of the phrasing's grams more frequent than the last shared one) cannot make up
/// the difference.
fn reaches(dense: &[(f32, f32)], ids: &[u32], ws: &[f32], slot: &Slot, t: f32) -> bool {
    let mut dot = slot.dot;
    let mut left = slot.y_rest * slot.y_rest;
    let mut x_left = slot.x_rest;
    let mut end = ids.len();
    while end > 0 {
        let from = end.saturating_sub(8);
        for (id, w) in ids[from..end].iter().zip(&ws[from..end]).rev() {
            let (xw, below) = dense[*id as usize];
            dot += xw * w;
            left -= w * w;
            x_left = x_left.min(below);
        }
        end = from;
        if dot + x_left * left.max(0.0).sqrt() < t {
            return false;
        }
    }
    dot >= t
}

/// A number per distinct value, in order of first appearance.
fn numbered<'a>(values: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut seen: Map<&str, u32> = Map::default();
    values
        .map(|v| {
            let next = seen.len() as u32;
            *seen.entry(v).or_insert(next)
        })
        .collect()
}

//! Near-duplicate phrasings: pairs of phrasings of different entries in one language whose
//! character n-gram vectors are at least a given cosine alike (what `frontdesk kb check`
//! warns about).
//!
//! Comparing every pair is quadratic (100,000 phrasings are 5·10⁹ pairs). Two things keep it
//! near linear: phrasings of the same entry are never compared (their postings are skipped
//! by a binary search, since an entry's phrasings are numbered together), and candidates come
//! from prefix filtering (Bayardo, Ma and Srikant, "Scaling up all pairs similarity search",
//! WWW 2007): with the grams ordered rarest first, a unit vector's *prefix* is its rarest
//! grams up to where the rest has a norm below the threshold `t`. Two vectors whose cosine
//! reaches `t` share a gram in both prefixes — otherwise every shared gram lies in the rest
//! of one of them, whose norm is below `t`, and by Cauchy–Schwarz their dot product is too —
//! so only the prefixes are indexed, and the frequent grams (`^ho`, `how`), which join
//! nearly every pair, are almost never in one. A candidate is then compared in full only when
//! the dot product over the grams of both prefixes, plus the product of the norms of the two
//! phrasings' grams more frequent than the last of them, can still reach `t` (the bound of
//! Anastasiu and Karypis' L2AP, ICDE 2014, which also gives the second bound on a prefix:
//! the rest of a phrasing adds at most Σ w·(largest weight of that gram anywhere)).

use super::{Kb, Map};
use crate::NearDuplicate;

/// Slack on the prefix bound, so that rounding never drops a pair.
const EPS: f32 = 1e-4;

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
        let n = self.texts.len();
        let t2 = if min_similarity > 0.0 {
            min_similarity * min_similarity - EPS
        } else {
            f32::NEG_INFINITY
        };
        // Gram ids are numbered by falling document frequency and rows are sorted by id, so
        // the rarest grams are at the end of a row: the prefix is `row[cut..]`. A posting
        // holds the phrasing, its weight for the gram, and the norm of the phrasing's grams
        // more frequent than this one.
        // The largest weight of each gram in any phrasing: the rest of a phrasing can add at
        // most Σ w·max_w to any dot product, which is often tighter than its norm.
        let mut max_w: Map<u32, f32> = Map::default();
        for pi in 0..n {
            let (ids, ws) = self.phrasing_grams.row(pi);
            for (id, w) in ids.iter().zip(ws) {
                let m = max_w.entry(*id).or_insert(0.0);
                *m = m.max(*w);
            }
        }
        let t = if min_similarity > 0.0 {
            min_similarity - EPS
        } else {
            f32::NEG_INFINITY
        };
        let mut cut = vec![0u32; n];
        let mut post: Map<u32, Vec<(u32, f32, f32)>> = Map::default();
        for (pi, c) in cut.iter_mut().enumerate() {
            let (ids, ws) = self.phrasing_grams.row(pi);
            let mut rest: f32 = ws.iter().map(|w| w * w).sum();
            let mut ap: f32 = ids.iter().zip(ws).map(|(id, w)| w * max_w[id]).sum();
            let mut k = ids.len();
            while k > 0 && rest > t2 && ap >= t {
                k -= 1;
                rest -= ws[k] * ws[k];
                ap -= ws[k] * max_w[&ids[k]];
                post.entry(ids[k])
                    .or_default()
                    .push((pi as u32, ws[k], rest.max(0.0).sqrt()));
            }
            *c = k as u32;
        }
        // Languages as numbers, compared for every candidate.
        let mut langs: Map<&str, u32> = Map::default();
        let lang_of: Vec<u32> = self
            .entries
            .iter()
            .map(|e| {
                let next = langs.len() as u32;
                *langs.entry(e.lang.as_str()).or_insert(next)
            })
            .collect();
        // Per candidate, side by side (one cache line): the phrasing it was last a candidate
        // of, the dot product over the grams in both prefixes so far, and a bound on what the
        // grams more frequent than the last of them can add (Cauchy–Schwarz).
        let mut slot: Vec<(u32, f32, f32)> = vec![(u32::MAX, 0.0, 0.0); n];
        let mut cands: Vec<u32> = Vec::new();
        let mut found: Vec<(f32, u32, u32)> = Vec::new();
        let mut total = 0usize;
        let keep = limit.min(n.saturating_mul(n));
        let by_sim = |x: &(f32, u32, u32), y: &(f32, u32, u32)| {
            y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2)))
        };
        for (pi, cut_at) in cut.iter().enumerate() {
            let e = self.phrasing_entry[pi] as usize;
            // Only later entries: each pair once, and never two phrasings of one entry.
            let end = self.first[e + 1];
            cands.clear();
            let (ids, ws) = self.phrasing_grams.row(pi);
            let mut x_rest: f32 = ws.iter().map(|w| w * w).sum();
            for k in (*cut_at as usize..ids.len()).rev() {
                x_rest -= ws[k] * ws[k];
                let Some(list) = post.get(&ids[k]) else {
                    continue;
                };
                let xr = x_rest.max(0.0).sqrt();
                let from = list.partition_point(|p| p.0 < end);
                let xw = ws[k];
                for (j, w, yr) in &list[from..] {
                    let s = &mut slot[*j as usize];
                    if s.0 != pi as u32 {
                        *s = (pi as u32, 0.0, 0.0);
                        cands.push(*j);
                    }
                    s.1 += xw * w;
                    s.2 = xr * yr;
                }
            }
            for j in &cands {
                let j = *j as usize;
                if slot[j].1 + slot[j].2 < min_similarity - EPS {
                    continue;
                }
                let f = self.phrasing_entry[j] as usize;
                if lang_of[e] != lang_of[f] || self.entries[e].id == self.entries[f].id {
                    continue;
                }
                let sim = self.phrasing_dot(pi, j);
                if sim >= min_similarity {
                    total += 1;
                    found.push((sim, pi as u32, j as u32));
                    if found.len() >= keep.saturating_mul(2).max(1024) && found.len() > keep {
                        found.select_nth_unstable_by(keep, by_sim);
                        found.truncate(keep);
                    }
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
        (out, total)
    }

    /// Cosine of two phrasings' character n-gram vectors (unit vectors sorted by gram id).
    fn phrasing_dot(&self, a: usize, b: usize) -> f32 {
        let (ia, wa) = self.phrasing_grams.row(a);
        let (ib, wb) = self.phrasing_grams.row(b);
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

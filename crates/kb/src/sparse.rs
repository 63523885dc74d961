//! Sparse vectors and postings: the weighted term vectors the index stores and compares.

use super::Map;

/// A sparse vector, sorted by id.
#[derive(Clone, Debug, Default)]
pub(super) struct Sparse {
    pub(super) ids: Vec<u32>,
    pub(super) w: Vec<f32>,
}

impl Sparse {
    /// Builds a unit vector from (id, count) pairs sorted by id (see [`runs`]), weighing each
    /// id by `1 + ln tf` times its idf; `unknown` adds that much squared weight to the norm
    /// (query terms the index lacks).
    pub(super) fn from_counts(counts: &[(u32, f32)], idf: &[f32], unknown: f32) -> Sparse {
        let v: Vec<(u32, f32)> = counts
            .iter()
            .map(|(id, tf)| (*id, (1.0 + tf.ln()) * idf[*id as usize]))
            .collect();
        let norm = (v.iter().map(|x| x.1 * x.1).sum::<f32>() + unknown)
            .sqrt()
            .max(1e-9);
        Sparse {
            ids: v.iter().map(|x| x.0).collect(),
            w: v.iter().map(|x| x.1 / norm).collect(),
        }
    }
}

impl Sparse {
    /// Appends `dense` at ids `base..base + dense.len()` (above every id here), weighed by
    /// `gain` against this unit vector, and brings the whole back to unit length (for unit
    /// `dense`).
    pub(super) fn append_dense(&mut self, dense: &[f32], base: usize, gain: f32) {
        let scale = 1.0 / (1.0 + gain * gain).sqrt();
        self.w.iter_mut().for_each(|x| *x *= scale);
        for (k, x) in dense.iter().enumerate() {
            self.ids.push((base + k) as u32);
            self.w.push(x * gain * scale);
        }
    }
}

/// A sparse vector per row, stored contiguously.
#[derive(Debug, Default)]
pub(super) struct Rows {
    off: Vec<u32>,
    ids: Vec<u32>,
    w: Vec<f32>,
}

impl Rows {
    /// Room for `rows` rows of `cells` weights in all.
    pub(super) fn with_capacity(rows: usize, cells: usize) -> Rows {
        let mut off = Vec::with_capacity(rows + 1);
        off.push(0);
        Rows {
            off,
            ids: Vec::with_capacity(cells),
            w: Vec::with_capacity(cells),
        }
    }

    /// The number of weights in all rows.
    pub(super) fn cells(&self) -> usize {
        self.ids.len()
    }

    pub(super) fn push(&mut self, v: &Sparse) {
        if self.off.is_empty() {
            self.off.push(0);
        }
        self.ids.extend_from_slice(&v.ids);
        self.w.extend_from_slice(&v.w);
        self.off.push(self.ids.len() as u32);
    }

    pub(super) fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.off[i] as usize, self.off[i + 1] as usize);
        (&self.ids[a..b], &self.w[a..b])
    }
}

/// Postings: for each term, the (entry, weight) pairs, sorted by entry.
pub(super) type Postings = Vec<Vec<(u32, f32)>>;

/// Sorts `ids` and counts each: (id, count) by id, no hashing.
pub(super) fn runs<T: Ord + Copy>(mut ids: Vec<T>) -> Vec<(T, f32)> {
    ids.sort_unstable();
    let mut out: Vec<(T, f32)> = Vec::new();
    for id in ids.iter() {
        match out.last_mut() {
            Some((last, c)) if last == id => *c += 1.0,
            _ => out.push((*id, 1.0)),
        }
    }
    out
}

pub(super) fn idf_smooth(df: f32, n: f32) -> f32 {
    ((n + 1.0) / (df + 1.0)).ln() + 1.0
}

/// Adds `v` into the centroid accumulator of one entry.
pub(super) fn add_into(acc: &mut Map<u32, f32>, v: &Sparse) {
    for (id, w) in v.ids.iter().zip(&v.w) {
        *acc.entry(*id).or_insert(0.0) += w;
    }
}

/// Normalises centroids and turns them into postings.
pub(super) fn centroid_postings(centroids: Vec<Map<u32, f32>>, n_terms: usize) -> Postings {
    let mut post: Postings = vec![Vec::new(); n_terms];
    for (e, c) in centroids.into_iter().enumerate() {
        let norm = c.values().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
        for (id, w) in c {
            post[id as usize].push((e as u32, w / norm));
        }
    }
    for p in &mut post {
        p.sort_unstable_by_key(|x| x.0);
    }
    post
}

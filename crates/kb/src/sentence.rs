//! The sentence vector's part in a search (the embedding model is `semantic.rs`): it joins
//! the question's word vector as the discriminative model's input, and the entries the model
//! then ranks first are candidates even when they share no term with the question.

use super::sparse::Sparse;
use super::{Kb, LANG_BONUS, Query, RESCORE, Scored, WEIGHTS};
use crate::semantic;

/// Whether questions and phrasings in `lang` get the embedding model's sentence vector.
pub(super) fn semantic_lang(lang: &str) -> bool {
    semantic::LANGS.contains(&lang)
}

impl Kb {
    /// The discriminative model's input for a question with its sentence vector, or `None`
    /// for its word vector alone (no model, another language, no token).
    pub(super) fn model_input(&self, text: &str, q: &Query) -> Option<Sparse> {
        let m = self.semantic.as_ref()?;
        if !semantic_lang(&q.lang) {
            return None;
        }
        let mut v = Vec::new();
        if !m.embed(text, &mut v) {
            return None;
        }
        let mut input = q.word_vec.clone();
        input.append_dense(&v, self.dense_base, semantic::GAIN);
        Some(input)
    }

    /// Adds to `scored` the entries of highest logit (of those in `touched`) that are not
    /// there yet ("do I need an umbrella" for the weather entry), scored by the model alone.
    pub(super) fn model_candidates(
        &self,
        q: &Query,
        scored: &mut Vec<Scored>,
        logit: &[f32],
        touched: &[u32],
        max_logit: f32,
        denom: f32,
    ) {
        let mut best: Vec<u32> = touched.to_vec();
        let by_logit = |a: &u32, b: &u32| logit[*b as usize].total_cmp(&logit[*a as usize]);
        if best.len() > RESCORE {
            best.select_nth_unstable_by(RESCORE - 1, by_logit);
            best.truncate(RESCORE);
        }
        for e in best {
            if scored.iter().any(|x| x.entry == e) {
                continue;
            }
            let p = (logit[e as usize] - max_logit).exp() / denom;
            let mut score = WEIGHTS[4] * p;
            if !q.lang.is_empty() && self.entries[e as usize].lang == q.lang {
                score += LANG_BONUS;
            }
            scored.push(Scored {
                entry: e,
                score,
                signals: [0.0; 4],
                model: p,
                phrasing: self.first[e as usize] as usize,
            });
        }
    }
}

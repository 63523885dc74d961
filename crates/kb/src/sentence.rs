//! The sentence vector's part in a search (the embedding model is `semantic.rs`): it joins
//! the question's word vector as the discriminative model's input.

use super::sparse::Sparse;
use super::{Kb, Query};
use crate::semantic;

/// Whether questions and phrasings in `lang` get the embedding model's sentence vector.
pub(super) fn semantic_lang(lang: &str) -> bool {
    semantic::LANGS.contains(&lang)
}

impl Kb {
    /// The discriminative model's input for a question with its sentence vector, or `None`
    /// for its word vector alone (no model, another language, no token).
    pub(super) fn model_input(&self, q: &Query) -> Option<Sparse> {
        let m = self.semantic.as_ref()?;
        if !semantic_lang(&q.lang) {
            return None;
        }
        let mut v = Vec::new();
        if !m.embed_folded(&q.folded, &mut v) {
            return None;
        }
        let mut input = q.word_vec.clone();
        input.append_dense(&v, self.dense_base, semantic::GAIN);
        Some(input)
    }
}

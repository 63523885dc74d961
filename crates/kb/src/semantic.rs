//! Sentence vectors from a static token-embedding model, for questions that share no word with
//! the right entry ("is it going to rain" against "what's the weather like").
//!
//! The model is [WordLlama](https://github.com/dleemiller/WordLlama) `l2_supercat`, 256
//! dimensions (MIT licence): one trained vector per token of the LLaMA 2 tokenizer (32,000
//! tokens, 16 MB in half precision). A text's vector is the unit-length mean of its tokens'
//! vectors — no network, no context, a few microseconds per question. The index feeds it to
//! its discriminative model as dense features (`sentence.rs`, a module of `index.rs`), which
//! learns from the knowledge base's own phrasings which directions tell its entries apart.
//!
//! The files are not in the repository: `models/fetch.sh` brings them from PyPI (the
//! `wordllama` wheel) and checks their SHA-256. Without them the matcher is lexical only, as
//! it was before; `FRONTDESK_MODEL_DIR` points elsewhere, and `FRONTDESK_MODEL_DIR=off` turns
//! the model off.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use half::slice::HalfFloatSliceExt;

use crate::KbError;
use crate::normalize::fold;

/// The model's directory inside the workspace, where `models/fetch.sh` puts it.
pub const DEFAULT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/wordllama-l2-256");
/// The tokenizer file inside a model directory (Hugging Face `tokenizer.json` format).
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The token vectors inside a model directory (safetensors, one F16 or F32 tensor
/// `embedding.weight` of tokens × dimensions; kept in half precision either way).
pub const WEIGHTS_FILE: &str = "weights.safetensors";
/// Bytes of a text tokenized, and tokens embedded; a longer text is cut (a customer's
/// question is far shorter).
const MAX_BYTES: usize = 4096;
const MAX_TOKENS: usize = 256;
/// Words whose token ids are kept (a few MB), and the longest kept; past that count the
/// cache starts again, and a longer word (a flood of letters) is tokenized each time.
const CACHED_WORDS: usize = 50_000;
const CACHED_WORD_BYTES: usize = 32;

/// A loaded token-embedding model.
pub struct Embedder {
    tokenizer: tokenizers::Tokenizer,
    dims: usize,
    /// Tokens × dimensions, row-major, in half precision as the model ships (16 MB; widened
    /// per token when a text is embedded, exactly).
    table: Vec<half::f16>,
    /// The token ids of words tokenized before.
    words: RwLock<HashMap<String, Box<[u32]>, foldhash::fast::FixedState>>,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("dims", &self.dims)
            .field("tokens", &(self.table.len() / self.dims.max(1)))
            .finish()
    }
}

fn invalid(path: &Path, reason: impl std::fmt::Display) -> KbError {
    KbError::Model {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

impl Embedder {
    /// Loads the model from a directory holding [`TOKENIZER_FILE`] and [`WEIGHTS_FILE`].
    pub fn load(dir: &Path) -> Result<Embedder, KbError> {
        let tok_path = dir.join(TOKENIZER_FILE);
        let tokenizer = tokenizers::Tokenizer::from_file(&tok_path)
            .map_err(|e| invalid(&tok_path, format!("not a tokenizer: {e}")))?;
        let w_path = dir.join(WEIGHTS_FILE);
        let bytes = std::fs::read(&w_path).map_err(|source| KbError::Io {
            path: w_path.clone(),
            source,
        })?;
        let tensors = safetensors::SafeTensors::deserialize(&bytes)
            .map_err(|e| invalid(&w_path, format!("not a safetensors file: {e}")))?;
        let t = tensors
            .tensor("embedding.weight")
            .map_err(|e| invalid(&w_path, format!("no tensor embedding.weight: {e}")))?;
        let [tokens, dims] = t.shape() else {
            return Err(invalid(&w_path, "embedding.weight is not a matrix"));
        };
        let (tokens, dims) = (*tokens, *dims);
        let data = t.data();
        let table: Vec<half::f16> = match t.dtype() {
            safetensors::Dtype::F16 => data
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]))
                .collect(),
            safetensors::Dtype::F32 => data
                .chunks_exact(4)
                .map(|b| half::f16::from_f32(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
            other => return Err(invalid(&w_path, format!("unsupported dtype {other:?}"))),
        };
        if dims == 0 || table.len() != tokens * dims {
            return Err(invalid(&w_path, "embedding.weight has the wrong size"));
        }
        if tokenizer.get_vocab_size(true) > tokens {
            return Err(invalid(
                &tok_path,
                format!(
                    "the tokenizer has {} tokens, the weights {tokens}",
                    tokenizer.get_vocab_size(true)
                ),
            ));
        }
        Ok(Embedder {
            tokenizer,
            dims,
            table,
            words: RwLock::default(),
        })
    }

    /// Where the process-wide model is looked for: `FRONTDESK_MODEL_DIR`, or else
    /// [`DEFAULT_DIR`]; `None` when `FRONTDESK_MODEL_DIR=off`.
    pub fn configured_dir() -> Option<PathBuf> {
        match std::env::var_os("FRONTDESK_MODEL_DIR") {
            Some(d) if d == "off" => None,
            Some(d) => Some(PathBuf::from(d)),
            None => Some(PathBuf::from(DEFAULT_DIR)),
        }
    }

    /// The process-wide model: loaded once from [`Self::configured_dir`]. `None` when there
    /// is no model there; a model that is there but broken is logged and left out.
    pub fn shared() -> Option<Arc<Embedder>> {
        static SHARED: OnceLock<Option<Arc<Embedder>>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                let dir = Self::configured_dir()?;
                if !dir.join(WEIGHTS_FILE).exists() {
                    tracing::info!(dir = %dir.display(), "no embedding model: lexical matching only (models/fetch.sh brings it)");
                    return None;
                }
                match Embedder::load(&dir) {
                    Ok(e) => {
                        tracing::info!(dir = %dir.display(), dims = e.dims, "embedding model loaded");
                        Some(Arc::new(e))
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "embedding model not loaded: lexical matching only");
                        None
                    }
                }
            })
            .clone()
    }

    /// Appends the token ids of one folded word. The tokenizer's merges never cross the word
    /// boundary (`▁` starts a token, and a folded text has single spaces), so a text's ids are
    /// its words' ids in order (tested); a word's are cached, since a question's words mostly
    /// were seen before, and the tokenizer's work per call dwarfs a lookup.
    fn word_ids(&self, word: &str, out: &mut Vec<u32>) {
        if word.is_empty() {
            return;
        }
        if let Ok(c) = self.words.read()
            && let Some(ids) = c.get(word)
        {
            out.extend_from_slice(ids);
            return;
        }
        let ids: Box<[u32]> = match self.tokenizer.encode_fast(word, false) {
            Ok(enc) => enc.get_ids().into(),
            Err(_) => Box::default(),
        };
        out.extend_from_slice(&ids);
        if word.len() > CACHED_WORD_BYTES {
            return;
        }
        if let Ok(mut c) = self.words.write() {
            if c.len() >= CACHED_WORDS {
                c.clear();
            }
            c.insert(word.to_owned(), ids);
        }
    }

    /// The vector length.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Writes the unit-length mean of the token vectors of `text`, folded (lower case, no
    /// diacritics, no punctuation), into `out` (resized to
    /// [`Self::dims`]); `false`, with `out` all zero, when the text has no token.
    pub fn embed(&self, text: &str, out: &mut Vec<f32>) -> bool {
        // Folded as the lexical signals see it: one vector for "Café?" and "cafe", for a
        // question typed with diacritics and without.
        self.embed_folded(&fold(cut(text)), out)
    }

    /// [`Self::embed`] for a text already folded (the matcher folds a question once).
    pub(crate) fn embed_folded(&self, folded: &str, out: &mut Vec<f32>) -> bool {
        out.clear();
        out.resize(self.dims, 0.0);
        let mut ids = Vec::new();
        for word in cut(folded).split(' ') {
            self.word_ids(word, &mut ids);
            if ids.len() >= MAX_TOKENS {
                ids.truncate(MAX_TOKENS);
                break;
            }
        }
        let mut row32 = vec![0.0f32; self.dims];
        for id in &ids {
            let at = *id as usize * self.dims;
            if let Some(row) = self.table.get(at..at + self.dims) {
                row.convert_to_f32_slice(&mut row32);
                for (o, x) in out.iter_mut().zip(&row32) {
                    *o += x;
                }
            }
        }
        let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm < 1e-9 {
            out.iter_mut().for_each(|x| *x = 0.0);
            return false;
        }
        out.iter_mut().for_each(|x| *x /= norm);
        true
    }
}

/// `text` up to [`MAX_BYTES`], cut at a character boundary.
fn cut(text: &str) -> &str {
    let mut at = text.len().min(MAX_BYTES);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    &text[..at]
}

/// Languages whose phrasings and questions get the model's vector: the model was trained on
/// English text; on Lithuanian and Estonian its tokens are fragments of words (measured on
/// the Baltic sets, see the README).
pub(crate) const LANGS: &[&str] = &["en"];

/// Gain of the dense part against the unit sparse part of a feature vector (measured on
/// clinc150 and banking77 at 5 phrasings per entry: 1, 2, 3 and 5 tried).
pub(crate) const GAIN: f32 = 3.0;

#[cfg(test)]
mod tests {
    use super::*;

    /// A text's ids are its words' ids: the per-word cache changes nothing.
    #[test]
    fn words_tokenize_as_the_whole_text_does() {
        let Some(m) = Embedder::shared() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "no embedding model: run models/fetch.sh"
            );
            return;
        };
        let faq = concat!(env!("CARGO_MANIFEST_DIR"), "/../../faq/en");
        let mut texts = vec![
            "where is my order".to_owned(),
            "i've been waiting for months and it still hasn't arrived".to_owned(),
            "prašau sujungti su darbuotoju".to_owned(),
            "palun klienditeenindajat 123 abc-def".to_owned(),
        ];
        for f in std::fs::read_dir(faq).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            texts.extend(text.lines().map(str::to_owned));
        }
        for t in &texts {
            let folded = fold(t);
            let whole: Vec<u32> = m
                .tokenizer
                .encode_fast(folded.as_str(), false)
                .unwrap()
                .get_ids()
                .to_vec();
            let mut words = Vec::new();
            for w in folded.split(' ') {
                m.word_ids(w, &mut words);
            }
            assert_eq!(words, whole, "{t}");
        }
    }
}

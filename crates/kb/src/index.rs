//! The index and the matcher.
//!
//! A query is scored against every entry it shares a term with by five signals, each in
//! [0, 1] and each a classic of lexical retrieval, fused with fixed weights (`WEIGHTS`):
//!
//! 1. **BM25 over words** (stems and stem bigrams), one document per entry made of all its
//!    phrasings (per-label aggregation), normalised by the best score the query could reach;
//! 2. **word TF-IDF centroid**: cosine between the query and the mean of the entry's phrasing
//!    vectors over the same terms;
//! 3. **character n-gram centroid**: the same over character 3–5-grams inside the words as
//!    written (folded, not stemmed), which catches inflection, compounds and typos the stemmer
//!    misses;
//! 4. **nearest phrasings**: the mean cosine between the query's character n-grams and those
//!    of the entry's two closest phrasings (computed for the best few entries only; the
//!    closest names the phrasing `explain` shows);
//! 5. **a discriminative model** learned from the knowledge base at load time: the softmax
//!    probability of the entry under a logistic regression from word vectors to entries
//!    (see `linear.rs`), which weighs a term by how well it tells entries apart; for English,
//!    with the embedding model's sentence vector among its inputs (`sentence.rs`,
//!    `semantic.rs`), so that meaning counts where words differ.
//!
//! Query terms the knowledge base has never seen count in the query's norm with the highest
//! weight, so a question about something else scores low: that is what lets the confidence
//! separate "answer" from "escalate". Candidates come from inverted indexes only; the work per
//! query grows with the entries sharing a query term, never with a scan of every phrasing
//! (`lists.rs` holds the summed signals' lists and per-query sums, `nearest.rs` the
//! nearest-phrasing signal's per-entry index).
//!
//! The confidence is a logistic function of the fused score plus half its margin to the best
//! entry with another id, so a close runner-up lowers it (centred a little higher for a
//! question with a sentence vector, whose scores spread wider).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Hash maps keyed by small integers and short strings, hashed fast and deterministically.
type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
type Set<K> = HashSet<K, foldhash::fast::FixedState>;

#[path = "sparse.rs"]
mod sparse;

#[path = "near_dup.rs"]
mod near_dup;

#[path = "linear.rs"]
mod linear;

#[path = "nearest.rs"]
mod nearest;

#[path = "lists.rs"]
mod lists;

#[path = "typos.rs"]
mod typos;

#[path = "sentence.rs"]
mod sentence;

use sparse::{Postings, Rows, Sparse, add_into, centroid_postings, idf_smooth, runs};

use crate::normalize::{self, fold};
use crate::semantic::{self, Embedder};
use crate::synonyms::Synonyms;
use crate::{Entry, Explanation, Hit, KbError, SearchOptions};
use sentence::semantic_lang;

const K1: f32 = 1.5;
const B: f32 = 0.75;
/// Entries re-scored with the nearest-phrasing signal.
const RESCORE: usize = 4;
/// Weight of the margin to the runner-up in the confidence.
const MARGIN_WEIGHT: f32 = 0.5;
/// Logistic calibration: centre and steepness (a fused score of about 0.4 with a clear
/// margin is an answer; half as much is "did you mean").
const CAL_CENTRE: f32 = 0.42;
const CAL_SLOPE: f32 = 12.0;
/// Fusion weights of BM25, the word centroid, the character n-gram centroid, the nearest
/// phrasings and the discriminative model (summing to 1, so the calibration keeps its
/// scale). Measured on clinc150 and banking77 at 5 and 10 phrasings per entry and full: the
/// model at 0.15 with the word centroid down from 0.25 to 0.1 raised closed-set accuracy on
/// every set. With the embedding model's sentence vectors among its inputs the model is the
/// strongest signal: 0.15, 0.2, 0.25, 0.3 and 0.35 measured, 0.25 kept (0.3 and 0.35 gained
/// half a point on clinc150 at 5 per entry and lost a question on the small English Baltic
/// sets); the lexical matcher alone, for Lithuanian and Estonian or without the model, loses
/// nothing by it.
const WEIGHTS: [f32; 5] = [0.22, 0.09, 0.22, 0.22, 0.25];
/// The calibration's centre for a question with the sentence vector: the stronger model
/// spreads the fused score wider, so the lexical centre would answer more wrongly (clinc150
/// at 5 phrasings per entry, default answer threshold: 6.0% wrong at 0.42, 4.7% at 0.46).
const CAL_CENTRE_SEMANTIC: f32 = 0.46;
/// Bonus for entries in the customer's language, so translations of one entry do not tie.
const LANG_BONUS: f32 = 0.02;

/// Weight of a word of an entry's answer in its BM25 document, against 1 for a word of a
/// phrasing (measured on the sample FAQ's held-apart customer questions, see the README:
/// 0, 0.15, 0.5, 1 and 2 tried; BM25's saturation and length normalisation keep a long
/// answer weaker than the phrasings, and the other three signals use phrasings only).
const ANSWER_WEIGHT: f32 = 1.0;
/// Weight of a word of the file's title or the entry's tags.
const META_WEIGHT: f32 = 1.0;

/// The weaker fields of one entry: what it is about besides its phrasings.
#[derive(Clone, Debug, Default)]
pub(crate) struct WeakFields {
    /// The file's title and the entry's tags.
    pub(crate) meta: String,
    /// The answer.
    pub(crate) answer: String,
}

/// A knowledge base, indexed for matching. Immutable once built; cheap to search from many
/// threads.
pub struct Kb {
    entries: Vec<Entry>,
    /// Phrasing texts; the phrasings of entry `e` are `first[e]..first[e + 1]`.
    texts: Vec<String>,
    first: Vec<u32>,
    phrasing_entry: Vec<u32>,
    // Word level: stems and stem bigrams ("a b").
    terms: Map<String, u32>,
    term_names: Vec<String>,
    bm25_idf: Vec<f32>,
    /// Per term, the entries with its BM25 weight (term frequency, saturation and length
    /// normalisation applied).
    bm25: lists::Lists,
    word_idf: Vec<f32>,
    max_word_idf: f32,
    word_centroid: lists::Lists,
    // Character n-grams.
    grams: Map<u64, u32>,
    gram_idf: Vec<f32>,
    max_gram_idf: f32,
    gram_centroid: lists::Lists,
    /// Each entry's phrasing n-gram vectors, by gram (the nearest-phrasing signal).
    entry_grams: nearest::EntryGrams,
    // Typo correction and language detection.
    typos: typos::Typos,
    lang_words: HashMap<String, HashMap<String, f32>>,
    synonyms: Synonyms,
    linear: linear::Linear,
    /// The embedding model, when there is one; its vectors are the model's inputs from
    /// `dense_base` on.
    semantic: Option<Arc<Embedder>>,
    dense_base: usize,
}

/// Hashes of the character 3-, 4- and 5-grams of each word (`^` and `$` mark its ends).
fn gram_keys(words: &[String], out: &mut Vec<u64>) {
    let mut chars: Vec<char> = Vec::with_capacity(32);
    for w in words {
        if w.contains(' ') {
            continue; // bigrams: their words are there already
        }
        chars.clear();
        chars.push('^');
        chars.extend(w.chars());
        chars.push('$');
        for n in 3..=5 {
            if chars.len() < n {
                continue;
            }
            for win in chars.windows(n) {
                // FNV-1a over the chars, with the length mixed in.
                let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ n as u64;
                for c in win {
                    h ^= *c as u64;
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
                out.push(h);
            }
        }
    }
}

/// Calls `f` with each word-level term of a list of stems: the stems, each adjacent pair
/// (`a b`), and the synonym sets the stems are in (`~first-word#n`). One reused buffer, so
/// a query builds no string per term.
fn for_each_term(stems: &[String], syn: &Synonyms, lang: &str, mut f: impl FnMut(&str)) {
    for s in stems {
        f(s);
    }
    let mut buf = String::new();
    for w in stems.windows(2) {
        buf.clear();
        buf.push_str(&w[0]);
        buf.push(' ');
        buf.push_str(&w[1]);
        f(&buf);
    }
    for s in stems {
        for id in syn.sets_of(lang, s) {
            buf.clear();
            buf.push('~');
            buf.push_str(syn.label(*id));
            f(&buf);
        }
    }
}

thread_local! {
    /// Per-thread scratch space: dense accumulators reused across queries.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[derive(Default)]
struct Scratch {
    sums: lists::Sums,
    dots: Vec<f32>,
    logit: Vec<f32>,
    logit_touched: Vec<u32>,
}

/// An entry's score for one query.
struct Scored {
    entry: u32,
    score: f32,
    signals: [f32; 4],
    model: f32,
    phrasing: usize,
}

struct Query {
    lang: String,
    corrected: Vec<(String, String)>,
    /// Known word terms with their query counts, sorted by id (so sums are deterministic).
    words: Vec<(u32, f32)>,
    word_vec: Sparse,
    gram_vec: Sparse,
    /// The question folded (`normalize::fold`), for the embedding model.
    folded: String,
}

impl Kb {
    /// Builds the index over entries, with the built-in synonym sets.
    pub fn from_entries(entries: Vec<Entry>) -> Result<Kb, KbError> {
        Kb::from_entries_with(entries, Synonyms::builtin())
    }

    /// Builds the index over entries with the given synonym sets; each entry's answer and
    /// tags are indexed as weaker fields.
    pub fn from_entries_with(entries: Vec<Entry>, synonyms: Synonyms) -> Result<Kb, KbError> {
        let weak = entries
            .iter()
            .map(|e| WeakFields {
                meta: e.tags.join(" "),
                answer: e.answer.clone(),
            })
            .collect();
        Kb::build(entries, synonyms, Some(weak))
    }

    /// Builds the index; `weak` has, per entry, the text of its weaker fields (`None` for
    /// knowledge bases that have none, such as a CSV of phrasings).
    pub(crate) fn build(
        entries: Vec<Entry>,
        synonyms: Synonyms,
        weak: Option<Vec<WeakFields>>,
    ) -> Result<Kb, KbError> {
        let mut texts = Vec::new();
        let mut first = Vec::with_capacity(entries.len() + 1);
        let mut phrasing_entry = Vec::new();
        let mut terms: Map<String, u32> = Map::default();
        let mut term_names: Vec<String> = Vec::new();
        let mut grams: Map<u64, u32> = Map::default();
        let mut lang_words: HashMap<String, HashMap<String, f32>> = HashMap::new();
        // Per phrasing: term ids and gram ids.
        let mut p_terms: Vec<Vec<u32>> = Vec::new();
        let mut p_grams: Vec<Vec<u32>> = Vec::new();
        let mut keys = Vec::new();
        for (ei, e) in entries.iter().enumerate() {
            first.push(texts.len() as u32);
            let lw = lang_words.entry(e.lang.clone()).or_default();
            for q in &e.questions {
                let folded = fold(q);
                let mut stems = Vec::new();
                for w in folded.split_whitespace() {
                    *lw.entry(w.to_owned()).or_default() += 1.0;
                    stems.push(normalize::stem(w, &e.lang));
                }
                let mut ids: Vec<u32> = Vec::new();
                for_each_term(&stems, &synonyms, &e.lang, |t| {
                    let id = match terms.get(t) {
                        Some(id) => *id,
                        None => {
                            let id = term_names.len() as u32;
                            terms.insert(t.to_owned(), id);
                            term_names.push(t.to_owned());
                            id
                        }
                    };
                    ids.push(id);
                });
                keys.clear();
                // Character n-grams of the words as written (folded, not stemmed): they
                // join inflected forms by themselves and keep what a stem cut away.
                let words: Vec<String> = folded.split_whitespace().map(str::to_owned).collect();
                gram_keys(&words, &mut keys);
                let gids: Vec<u32> = keys
                    .iter()
                    .map(|k| {
                        let next = grams.len() as u32;
                        *grams.entry(*k).or_insert(next)
                    })
                    .collect();
                p_terms.push(ids);
                p_grams.push(gids);
                texts.push(q.clone());
                phrasing_entry.push(ei as u32);
            }
        }
        first.push(texts.len() as u32);
        // The weaker fields' terms (stems and synonym sets, no bigrams), per entry, with
        // their weight.
        let mut weak_terms: Vec<Vec<(u32, f32)>> = vec![Vec::new(); entries.len()];
        if let Some(weak) = &weak {
            for (ei, (e, w)) in entries.iter().zip(weak).enumerate() {
                for (text, weight) in [(&w.answer, ANSWER_WEIGHT), (&w.meta, META_WEIGHT)] {
                    let stems: Vec<String> = fold(text)
                        .split_whitespace()
                        .filter(|t| !normalize::is_function_word(t, &e.lang))
                        .map(|t| normalize::stem(t, &e.lang))
                        .collect();
                    let mut all = stems.clone();
                    for st in &stems {
                        for id in synonyms.sets_of(&e.lang, st) {
                            all.push(format!("~{}", synonyms.label(*id)));
                        }
                    }
                    for t in all {
                        let next = term_names.len() as u32;
                        let id = *terms.entry(t.clone()).or_insert_with(|| {
                            term_names.push(t);
                            next
                        });
                        weak_terms[ei].push((id, weight));
                    }
                }
            }
        }
        let n_entries = entries.len().max(1) as f32;
        let n_phr = texts.len().max(1) as f32;

        // Document frequencies: over phrasings (TF-IDF) and over entries (BM25).
        let mut word_df = vec![0.0f32; term_names.len()];
        let mut gram_df = vec![0.0f32; grams.len()];
        for (t, g) in p_terms.iter().zip(&p_grams) {
            for id in t.iter().collect::<Set<_>>() {
                word_df[*id as usize] += 1.0;
            }
            for id in g.iter().collect::<Set<_>>() {
                gram_df[*id as usize] += 1.0;
            }
        }
        // Number the grams by falling frequency: the near-duplicate check relies on a row's
        // rarest grams coming last, and the grams most phrasings share sit together.
        let mut by_df: Vec<u32> = (0..gram_df.len() as u32).collect();
        by_df.sort_by(|a, b| {
            gram_df[*b as usize]
                .total_cmp(&gram_df[*a as usize])
                .then(a.cmp(b))
        });
        let mut renum = vec![0u32; by_df.len()];
        for (new, old) in by_df.iter().enumerate() {
            renum[*old as usize] = new as u32;
        }
        let gram_df: Vec<f32> = by_df.iter().map(|old| gram_df[*old as usize]).collect();
        for v in grams.values_mut() {
            *v = renum[*v as usize];
        }
        for g in &mut p_grams {
            for id in g.iter_mut() {
                *id = renum[*id as usize];
            }
        }
        let word_idf: Vec<f32> = word_df.iter().map(|d| idf_smooth(*d, n_phr)).collect();
        let gram_idf: Vec<f32> = gram_df.iter().map(|d| idf_smooth(*d, n_phr)).collect();

        let mut bm25: Postings = vec![Vec::new(); term_names.len()];
        let mut doc_len = vec![0.0f32; entries.len()];
        let mut word_c: Vec<Map<u32, f32>> = vec![Map::default(); entries.len()];
        let mut gram_c: Vec<Map<u32, f32>> = vec![Map::default(); entries.len()];
        let mut phrasing_grams =
            Rows::with_capacity(texts.len(), p_grams.iter().map(Vec::len).sum());
        let mut word_rows: Vec<Sparse> = Vec::with_capacity(texts.len());
        for ei in 0..entries.len() {
            let mut tf: Map<u32, f32> = Map::default();
            for pi in first[ei] as usize..first[ei + 1] as usize {
                for id in &p_terms[pi] {
                    *tf.entry(*id).or_insert(0.0) += 1.0;
                }
                doc_len[ei] += p_terms[pi].len() as f32;
                let wv = Sparse::from_counts(&runs(p_terms[pi].clone()), &word_idf, 0.0);
                add_into(&mut word_c[ei], &wv);
                word_rows.push(wv);
                let gv = Sparse::from_counts(&runs(p_grams[pi].clone()), &gram_idf, 0.0);
                add_into(&mut gram_c[ei], &gv);
                phrasing_grams.push(&gv);
            }
            for (id, w) in &weak_terms[ei] {
                *tf.entry(*id).or_insert(0.0) += w;
                doc_len[ei] += w;
            }
            for (id, c) in tf {
                bm25[id as usize].push((ei as u32, c));
            }
        }
        let bm25_idf: Vec<f32> = bm25
            .iter()
            .map(|p| {
                let df = p.len() as f32;
                (1.0 + (n_entries - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        let avg_len = (doc_len.iter().sum::<f32>() / n_entries).max(1e-6);
        for (id, post) in bm25.iter_mut().enumerate() {
            for (e, tf) in post.iter_mut() {
                let dl = doc_len[*e as usize];
                *tf = bm25_idf[id] * *tf * (K1 + 1.0) / (*tf + K1 * (1.0 - B + B * dl / avg_len));
            }
        }
        let bm25 = lists::Lists::new(bm25, entries.len());
        let word_centroid =
            lists::Lists::new(centroid_postings(word_c, term_names.len()), entries.len());
        // The embedding model's sentence vectors join the word vectors as the discriminative
        // model's input, for the languages it knows.
        let semantic = Embedder::shared();
        let dense_base = term_names.len();
        let mut inputs = dense_base;
        let mut labels = phrasing_entry.clone();
        if let Some(m) = &semantic {
            let mut v = Vec::new();
            for (p, row) in word_rows.iter_mut().enumerate() {
                let lang = &entries[phrasing_entry[p] as usize].lang;
                if semantic_lang(lang) && m.embed(&texts[p], &mut v) {
                    row.append_dense(&v, dense_base, semantic::GAIN);
                }
            }
            // An entry's weaker fields are one more example of it, so a question worded
            // like its answer is not drawn to an entry that only means something close
            // (with the model only: without it the regression never outweighs BM25's
            // weaker fields, and its figures were measured without such examples).
            if let Some(weak) = &weak {
                for (ei, (e, w)) in entries.iter().zip(weak).enumerate() {
                    let text = format!("{} {}", w.meta, w.answer);
                    if weak_terms[ei].is_empty()
                        || !semantic_lang(&e.lang)
                        || !m.embed(&text, &mut v)
                    {
                        continue;
                    }
                    let ids: Vec<u32> = weak_terms[ei].iter().map(|x| x.0).collect();
                    let mut row = Sparse::from_counts(&runs(ids), &word_idf, 0.0);
                    row.append_dense(&v, dense_base, semantic::GAIN);
                    word_rows.push(row);
                    labels.push(ei as u32);
                }
            }
            inputs += m.dims();
        }
        let linear = linear::Linear::train(&word_rows, &labels, inputs, entries.len());
        drop(word_rows);
        let gram_centroid =
            lists::Lists::new(centroid_postings(gram_c, grams.len()), entries.len());
        let entry_grams = nearest::EntryGrams::build(&phrasing_grams, &first);
        drop(phrasing_grams);

        let typos = typos::Typos::new(&term_names);
        let max_word_idf = idf_smooth(0.0, n_phr);
        let max_gram_idf = idf_smooth(0.0, n_phr);
        Ok(Kb {
            entries,
            texts,
            first,
            phrasing_entry,
            terms,
            term_names,
            bm25_idf,
            bm25,
            word_idf,
            max_word_idf,
            word_centroid,
            grams,
            gram_idf,
            max_gram_idf,
            gram_centroid,
            entry_grams,
            typos,
            lang_words,
            synonyms,
            linear,
            semantic,
            dense_base,
        })
    }

    /// Whether English questions are matched with the embedding model's sentence vectors
    /// too (the model was there when the index was built), not by their words alone.
    pub fn uses_sentence_vectors(&self) -> bool {
        self.semantic.is_some()
    }

    /// The entries, in load order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry `id` in language `lang`.
    pub fn entry(&self, lang: &str, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.lang == lang && e.id == id)
    }

    /// The languages that have entries, sorted.
    pub fn languages(&self) -> Vec<String> {
        let mut l: Vec<String> = self.entries.iter().map(|e| e.lang.clone()).collect();
        l.sort();
        l.dedup();
        l
    }

    /// Number of phrasings indexed.
    pub fn phrasing_count(&self) -> usize {
        self.texts.len()
    }

    /// Approximate heap memory of the index in bytes (postings, vectors, dictionaries).
    pub fn index_bytes(&self) -> usize {
        let strings = |v: &[String]| v.iter().map(|s| s.capacity() + 24).sum::<usize>();
        self.bm25.bytes()
            + self.linear.post.bytes()
            + self.word_centroid.bytes()
            + self.gram_centroid.bytes()
            + self.entry_grams.bytes()
            + strings(&self.texts)
            + strings(&self.term_names) * 2
            + self.terms.capacity() * 8
            + self.grams.capacity() * 16
            + (self.gram_idf.capacity() + self.word_idf.capacity() + self.bm25_idf.capacity()) * 4
            + self.typos.bytes()
    }

    /// Replaces query stems unknown to the KB by the closest known stem (`typos.rs`).
    fn correct(&self, stems: Vec<String>) -> (Vec<String>, Vec<(String, String)>) {
        let mut out = Vec::with_capacity(stems.len());
        let mut fixed = Vec::new();
        for s in stems {
            if self.terms.contains_key(&s) || s.chars().count() < 4 {
                out.push(s);
                continue;
            }
            match self.typos.closest(&s, &self.term_names) {
                Some(w) => {
                    let w = self.term_names[w as usize].clone();
                    fixed.push((s, w.clone()));
                    out.push(w);
                }
                None => out.push(s),
            }
        }
        (out, fixed)
    }

    fn query(&self, text: &str, lang: Option<&str>) -> Option<Query> {
        let lang = lang
            .map(str::to_owned)
            .or_else(|| self.detect_language(text))
            .unwrap_or_default();
        let folded = fold(text);
        let stems = normalize::stems(&folded, &lang);
        if stems.is_empty() {
            return None;
        }
        let (stems, corrected) = self.correct(stems);
        let mut unknown = 0.0;
        let mut word_ids: Vec<u32> = Vec::with_capacity(stems.len() * 3);
        let mut unknown_counts: Map<String, f32> = Map::default();
        for_each_term(&stems, &self.synonyms, &lang, |t| match self.terms.get(t) {
            Some(id) => word_ids.push(*id),
            None => *unknown_counts.entry(t.to_owned()).or_insert(0.0) += 1.0,
        });
        let mut uc: Vec<f32> = unknown_counts.into_values().collect();
        uc.sort_by(f32::total_cmp);
        for c in uc {
            unknown += ((1.0 + c.ln()) * self.max_word_idf).powi(2);
        }
        let words = runs(word_ids);
        let word_vec = Sparse::from_counts(&words, &self.word_idf, unknown);
        let mut keys = Vec::new();
        let written: Vec<String> = folded.split_whitespace().map(str::to_owned).collect();
        gram_keys(&written, &mut keys);
        let mut gram_ids: Vec<u32> = Vec::with_capacity(keys.len());
        let mut unknown_grams: Vec<u64> = Vec::new();
        for k in keys {
            match self.grams.get(&k) {
                Some(id) => gram_ids.push(*id),
                None => unknown_grams.push(k),
            }
        }
        let mut ug: Vec<f32> = runs(unknown_grams).into_iter().map(|r| r.1).collect();
        ug.sort_by(f32::total_cmp);
        let unknown_g: f32 = ug
            .iter()
            .map(|c| ((1.0 + c.ln()) * self.max_gram_idf).powi(2))
            .sum();
        let gram_vec = Sparse::from_counts(&runs(gram_ids), &self.gram_idf, unknown_g);
        Some(Query {
            lang,
            corrected,
            words,
            word_vec,
            gram_vec,
            folded,
        })
    }

    /// The entries matching `query`, best first, with calibrated confidence.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Vec<Hit> {
        let limit = if opts.limit == 0 { 5 } else { opts.limit };
        let Some(q) = self.query(query, opts.lang.as_deref()) else {
            return vec![];
        };
        let n = self.entries.len();
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let s = &mut *s;
            s.sums.start(n);
            if s.logit.len() < n {
                s.logit.resize(n, 0.0);
            }
            // 1. BM25.
            let max_bm25: f32 = q
                .words
                .iter()
                .map(|(id, _)| self.bm25_idf[*id as usize] * (K1 + 1.0))
                .sum::<f32>()
                .max(1e-6);
            for (id, _) in &q.words {
                s.sums.add(0, &self.bm25, *id, |w| w / max_bm25);
            }
            // 2. and 3. Centroid cosines.
            for (k, (post, v)) in [
                (&self.word_centroid, &q.word_vec),
                (&self.gram_centroid, &q.gram_vec),
            ]
            .into_iter()
            .enumerate()
            {
                for (id, qw) in v.ids.iter().zip(&v.w) {
                    s.sums.add(k + 1, post, *id, |w| qw * w);
                }
            }
            // 5. The discriminative model, as a probability over every entry.
            let with_dense = self.model_input(&q);
            let (max_logit, denom) = self.linear.logits(
                with_dense.as_ref().unwrap_or(&q.word_vec),
                &mut s.logit[..n],
                &mut s.logit_touched,
            );
            s.sums.finish();
            let mut scored: Vec<Scored> = s
                .sums
                .touched()
                .map(|(e, v)| {
                    let signals = [v[0].min(1.0), v[1], v[2], 0.0];
                    let p = (s.logit[e as usize] - max_logit).exp() / denom;
                    let mut score = WEIGHTS[0] * signals[0]
                        + WEIGHTS[1] * signals[1]
                        + WEIGHTS[2] * signals[2]
                        + WEIGHTS[4] * p;
                    if !q.lang.is_empty() && self.entries[e as usize].lang == q.lang {
                        score += LANG_BONUS;
                    }
                    Scored {
                        entry: e,
                        score,
                        signals,
                        model: p,
                        phrasing: self.first[e as usize] as usize,
                    }
                })
                .collect();
            s.sums.clear();
            for e in &s.logit_touched {
                s.logit[*e as usize] = 0.0;
            }
            // 4. Nearest phrasing, for the best few entries only: the others, scored
            // without it, stay below them (their score without it is at most the least of
            // the re-scored ones'), so the first RESCORE hits are exact and the rest, listed
            // for a longer `limit`, have a lower bound.
            let keep = RESCORE.max(limit);
            let by_score =
                |a: &Scored, b: &Scored| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry));
            if scored.len() > keep {
                scored.select_nth_unstable_by(keep - 1, by_score);
                scored.truncate(keep);
            }
            if scored.len() > RESCORE {
                scored.select_nth_unstable_by(RESCORE - 1, by_score);
            }
            for sc in scored.iter_mut().take(RESCORE) {
                let e = sc.entry as usize;
                let (lo, hi) = (self.first[e] as usize, self.first[e + 1] as usize);
                let near = self
                    .entry_grams
                    .nearest(e, &q.gram_vec, &mut s.dots, hi - lo);
                if let Some(at) = near.at {
                    sc.phrasing = lo + at;
                }
                // The mean of the two nearest phrasings (k-nearest neighbours with k = 2):
                // one lucky phrasing counts less than two that agree.
                let near = if hi - lo > 1 {
                    (near.best + near.second) / 2.0
                } else {
                    near.best
                };
                sc.signals[3] = near;
                sc.score += WEIGHTS[3] * near;
            }
            scored.sort_by(by_score);
            let centre = if with_dense.is_some() {
                CAL_CENTRE_SEMANTIC
            } else {
                CAL_CENTRE
            };
            self.hits(&q, &scored, limit, opts.explain, centre)
        })
    }

    fn hits(
        &self,
        q: &Query,
        scored: &[Scored],
        limit: usize,
        explain: bool,
        centre: f32,
    ) -> Vec<Hit> {
        let other_best = |i: usize| {
            let id = &self.entries[scored[i].entry as usize].id;
            scored
                .iter()
                .find(|x| &self.entries[x.entry as usize].id != id)
                .map_or(0.0, |x| x.score)
        };
        let conf = |raw: f32| (1.0 / (1.0 + (-(raw - centre) * CAL_SLOPE).exp())).clamp(0.0, 1.0);
        let mut hits: Vec<Hit> = Vec::new();
        for (i, sc) in scored.iter().enumerate().take(limit) {
            let e = sc.entry;
            let raw = sc.score + MARGIN_WEIGHT * (sc.score - other_best(i));
            let entry = &self.entries[e as usize];
            let words = if explain { &q.words[..] } else { &[] };
            let mut t: Vec<(String, f32)> = words
                .iter()
                .filter_map(|(id, _)| {
                    let w = self.bm25.weight(*id, e)?;
                    Some((self.term_names[*id as usize].clone(), w))
                })
                .collect();
            t.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            hits.push(Hit {
                index: e as usize,
                id: entry.id.clone(),
                lang: entry.lang.clone(),
                confidence: conf(raw),
                margin: 0.0,
                phrasing: self.texts[sc.phrasing].clone(),
                explanation: Explanation {
                    terms: t,
                    corrected: q.corrected.clone(),
                    raw_score: sc.score,
                    signals: sc.signals,
                    model: sc.model,
                },
            });
        }
        for i in 0..hits.len() {
            let other = hits
                .iter()
                .find(|h| h.id != hits[i].id)
                .map_or(0.0, |h| h.confidence);
            hits[i].margin = hits[i].confidence - other;
        }
        hits
    }

    /// The language `text` is written in, when it can be told (letters, stop words, KB
    /// vocabulary); `None` when unsure.
    ///
    /// A knowledge base in one language answers that language. Otherwise only the folded
    /// text counts, so a question typed without diacritics is read exactly as with them.
    pub fn detect_language(&self, text: &str) -> Option<String> {
        let mut langs = self.lang_words.keys().filter(|l| l.as_str() != "und");
        if let (Some(only), None) = (langs.next(), langs.next()) {
            return Some(only.clone());
        }
        normalize::detect_language(&fold(text), &self.lang_words)
    }
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;

//! The index and the matcher: BM25 over word stems (one document per entry) combined with
//! TF-IDF over character n-grams (nearest phrasing), candidates from inverted indexes only.

use std::collections::HashMap;

use crate::normalize::{self, char_ngrams, fold, stem_tokens};
use crate::{Entry, Explanation, Hit, KbError, NearDuplicate, SearchOptions};

struct Phrasing {
    entry: usize,
    text: String,
    grams: HashMap<u32, f32>, // normalised tf-idf vector over char n-grams
}

/// A knowledge base, indexed for matching. Immutable once built; cheap to search from many
/// threads.
pub struct Kb {
    entries: Vec<Entry>,
    phrasings: Vec<Phrasing>,
    // words (stems) -> (entry, tf in entry doc)
    word_postings: HashMap<String, Vec<(usize, f32)>>,
    word_idf: HashMap<String, f32>,
    doc_len: Vec<f32>,
    avg_len: f32,
    gram_ids: HashMap<String, u32>,
    gram_idf: Vec<f32>,
    gram_postings: HashMap<u32, Vec<usize>>, // gram -> phrasings
    vocab_by_gram: HashMap<String, Vec<String>>, // trigram -> vocabulary words (typo candidates)
    lang_words: HashMap<String, HashMap<String, f32>>,
}

const K1: f32 = 1.2;
const B: f32 = 0.75;

impl Kb {
    /// Builds the index over entries.
    pub fn from_entries(entries: Vec<Entry>) -> Result<Kb, KbError> {
        let mut word_tf: Vec<HashMap<String, f32>> = Vec::with_capacity(entries.len());
        let mut doc_len = Vec::with_capacity(entries.len());
        let mut phrasings = Vec::new();
        let mut gram_ids: HashMap<String, u32> = HashMap::new();
        let mut gram_df: Vec<u32> = Vec::new();
        let mut raw_grams: Vec<HashMap<u32, f32>> = Vec::new();
        let mut lang_words: HashMap<String, HashMap<String, f32>> = HashMap::new();
        for (ei, e) in entries.iter().enumerate() {
            let mut tf: HashMap<String, f32> = HashMap::new();
            let mut len = 0.0;
            for q in &e.questions {
                let stems = stem_tokens(q, &e.lang);
                for s in &stems {
                    *tf.entry(s.clone()).or_default() += 1.0;
                    len += 1.0;
                }
                let lw = lang_words.entry(e.lang.clone()).or_default();
                for w in fold(q).split_whitespace() {
                    *lw.entry(w.to_owned()).or_default() += 1.0;
                }
                let mut g: HashMap<u32, f32> = HashMap::new();
                for gram in char_ngrams(&stems.join(" ")) {
                    let next = gram_ids.len() as u32;
                    let id = *gram_ids.entry(gram).or_insert(next);
                    if id as usize >= gram_df.len() {
                        gram_df.push(0);
                    }
                    *g.entry(id).or_default() += 1.0;
                }
                for id in g.keys() {
                    gram_df[*id as usize] += 1;
                }
                raw_grams.push(g);
                phrasings.push(Phrasing {
                    entry: ei,
                    text: q.clone(),
                    grams: HashMap::new(),
                });
            }
            word_tf.push(tf);
            doc_len.push(len);
        }
        let n_docs = entries.len().max(1) as f32;
        let n_phr = phrasings.len().max(1) as f32;
        let gram_idf: Vec<f32> = gram_df
            .iter()
            .map(|df| ((n_phr + 1.0) / (*df as f32 + 1.0)).ln() + 1.0)
            .collect();
        let mut gram_postings: HashMap<u32, Vec<usize>> = HashMap::new();
        for (pi, g) in raw_grams.into_iter().enumerate() {
            let mut v: HashMap<u32, f32> = g
                .into_iter()
                .map(|(id, tf)| (id, (1.0 + tf.ln()) * gram_idf[id as usize]))
                .collect();
            let norm = v.values().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
            for x in v.values_mut() {
                *x /= norm;
            }
            for id in v.keys() {
                gram_postings.entry(*id).or_default().push(pi);
            }
            phrasings[pi].grams = v;
        }
        let mut word_postings: HashMap<String, Vec<(usize, f32)>> = HashMap::new();
        for (ei, tf) in word_tf.iter().enumerate() {
            for (w, c) in tf {
                word_postings.entry(w.clone()).or_default().push((ei, *c));
            }
        }
        let word_idf = word_postings
            .iter()
            .map(|(w, p)| {
                let df = p.len() as f32;
                (w.clone(), (1.0 + (n_docs - df + 0.5) / (df + 0.5)).ln())
            })
            .collect();
        let avg_len = doc_len.iter().sum::<f32>() / n_docs;
        let mut vocab_by_gram: HashMap<String, Vec<String>> = HashMap::new();
        for w in word_postings.keys() {
            if w.chars().count() >= 4 {
                for g in normalize::trigrams(w) {
                    vocab_by_gram.entry(g).or_default().push(w.clone());
                }
            }
        }
        Ok(Kb {
            entries,
            phrasings,
            word_postings,
            word_idf,
            doc_len,
            avg_len,
            gram_ids,
            gram_idf,
            gram_postings,
            vocab_by_gram,
            lang_words,
        })
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

    /// Replaces query stems unknown to the KB by the closest known stem.
    fn correct(&self, stems: Vec<String>) -> (Vec<String>, Vec<(String, String)>) {
        let mut out = Vec::with_capacity(stems.len());
        let mut fixed = Vec::new();
        for s in stems {
            if self.word_postings.contains_key(&s) || s.chars().count() < 4 {
                out.push(s);
                continue;
            }
            let mut counts: HashMap<&str, u32> = HashMap::new();
            for g in normalize::trigrams(&s) {
                if let Some(ws) = self.vocab_by_gram.get(&g) {
                    for w in ws {
                        *counts.entry(w.as_str()).or_default() += 1;
                    }
                }
            }
            let mut best: Option<(&str, f64)> = None;
            for (w, c) in counts {
                if c < 2 {
                    continue;
                }
                let sim = strsim::jaro_winkler(&s, w);
                if sim >= 0.88 && best.is_none_or(|(_, b)| sim > b) {
                    best = Some((w, sim));
                }
            }
            match best {
                Some((w, _)) => {
                    fixed.push((s.clone(), w.to_owned()));
                    out.push(w.to_owned());
                }
                None => out.push(s),
            }
        }
        (out, fixed)
    }

    /// The entries matching `query`, best first, with calibrated confidence.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Vec<Hit> {
        let limit = if opts.limit == 0 { 5 } else { opts.limit };
        let lang = opts
            .lang
            .clone()
            .or_else(|| self.detect_language(query))
            .unwrap_or_default();
        let stems = stem_tokens(query, &lang);
        if stems.is_empty() {
            return vec![];
        }
        let (stems, corrected) = self.correct(stems);
        // BM25 over entry documents.
        let mut bm: HashMap<usize, f32> = HashMap::new();
        let mut terms: HashMap<usize, Vec<(String, f32)>> = HashMap::new();
        let mut max_possible = 0.0f32;
        for s in &stems {
            let Some(post) = self.word_postings.get(s) else {
                continue;
            };
            let idf = self.word_idf[s];
            max_possible += idf * (K1 + 1.0);
            for (ei, tf) in post {
                let dl = self.doc_len[*ei];
                let w = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * dl / self.avg_len));
                *bm.entry(*ei).or_default() += w;
                terms.entry(*ei).or_default().push((s.clone(), w));
            }
        }
        // char n-gram cosine against phrasings.
        let mut qv: HashMap<u32, f32> = HashMap::new();
        for g in char_ngrams(&stems.join(" ")) {
            if let Some(id) = self.gram_ids.get(&g) {
                *qv.entry(*id).or_default() += 1.0;
            }
        }
        for (id, x) in qv.iter_mut() {
            *x = (1.0 + x.ln()) * self.gram_idf[*id as usize];
        }
        let total_grams = char_ngrams(&stems.join(" ")).len().max(1) as f32;
        let known = qv.len() as f32;
        let norm = qv.values().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
        let mut cos: HashMap<usize, f32> = HashMap::new();
        // candidates: phrasings sharing rare grams (skip very common grams)
        let mut cand: HashMap<usize, f32> = HashMap::new();
        for (id, qx) in &qv {
            if let Some(p) = self.gram_postings.get(id) {
                if p.len() > 2000 && self.phrasings.len() > 4000 {
                    continue;
                }
                for pi in p {
                    if let Some(px) = self.phrasings[*pi].grams.get(id) {
                        *cand.entry(*pi).or_default() += qx / norm * px;
                    }
                }
            }
        }
        let mut best_phr: HashMap<usize, (f32, usize)> = HashMap::new();
        for (pi, c) in cand {
            let ei = self.phrasings[pi].entry;
            let e = best_phr.entry(ei).or_insert((0.0, pi));
            if c > e.0 {
                *e = (c, pi);
            }
        }
        for (ei, (c, _)) in &best_phr {
            cos.insert(*ei, *c);
        }
        let coverage = (known / total_grams).min(1.0);
        let mut scored: Vec<(usize, f32, f32)> = Vec::new();
        let mut all: Vec<usize> = bm.keys().chain(cos.keys()).copied().collect();
        all.sort_unstable();
        all.dedup();
        for ei in all {
            let b = bm.get(&ei).copied().unwrap_or(0.0) / max_possible.max(1e-6);
            let c = cos.get(&ei).copied().unwrap_or(0.0);
            let mut raw = 0.55 * b.min(1.0) + 0.45 * c;
            if !lang.is_empty() && self.entries[ei].lang == lang {
                raw += 0.02;
            }
            scored.push((ei, raw, c));
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let conf = |raw: f32| -> f32 {
            let x = raw * coverage.sqrt();
            (1.0 / (1.0 + (-(x - 0.35) * 10.0).exp())).clamp(0.0, 1.0)
        };
        let mut hits = Vec::new();
        for (ei, raw, _) in scored.iter().take(limit.max(1) * 3) {
            let e = &self.entries[*ei];
            let pi = best_phr.get(ei).map(|x| x.1);
            let mut t = terms.remove(ei).unwrap_or_default();
            t.sort_by(|a, b| b.1.total_cmp(&a.1));
            hits.push(Hit {
                index: *ei,
                id: e.id.clone(),
                lang: e.lang.clone(),
                confidence: conf(*raw),
                margin: 0.0,
                phrasing: pi
                    .map(|p| self.phrasings[p].text.clone())
                    .unwrap_or_else(|| e.questions[0].clone()),
                explanation: Explanation {
                    terms: t,
                    corrected: corrected.clone(),
                    raw_score: *raw,
                },
            });
        }
        for i in 0..hits.len() {
            let other = hits
                .iter()
                .find(|h| h.id != hits[i].id)
                .map(|h| h.confidence)
                .unwrap_or(0.0);
            hits[i].margin = hits[i].confidence - other;
        }
        hits.truncate(limit);
        hits
    }

    /// The language `text` is written in, when it can be told (letters, stop words, KB
    /// vocabulary); `None` when unsure.
    pub fn detect_language(&self, text: &str) -> Option<String> {
        normalize::detect_language(text, &self.lang_words)
    }

    /// Phrasings of different entries in one language at least `min_similarity` alike
    /// (cosine of their character n-gram vectors), most similar first.
    pub fn near_duplicates(&self, min_similarity: f32) -> Vec<NearDuplicate> {
        let mut out = Vec::new();
        for (i, p) in self.phrasings.iter().enumerate() {
            let mut dots: HashMap<usize, f32> = HashMap::new();
            for (id, x) in &p.grams {
                for j in &self.gram_postings[id] {
                    if *j > i
                        && let Some(y) = self.phrasings[*j].grams.get(id)
                    {
                        *dots.entry(*j).or_default() += x * y;
                    }
                }
            }
            for (j, sim) in dots {
                let (a, b) = (
                    &self.entries[p.entry],
                    &self.entries[self.phrasings[j].entry],
                );
                if sim >= min_similarity && a.id != b.id && a.lang == b.lang {
                    out.push(NearDuplicate {
                        lang: a.lang.clone(),
                        a: (a.id.clone(), p.text.clone()),
                        b: (b.id.clone(), self.phrasings[j].text.clone()),
                        similarity: sim,
                    });
                }
            }
        }
        out.sort_by(|x, y| y.similarity.total_cmp(&x.similarity));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, lang: &str, qs: &[&str]) -> Entry {
        Entry {
            id: id.into(),
            lang: lang.into(),
            questions: qs.iter().map(|q| (*q).to_owned()).collect(),
            answer: format!("answer {id}"),
            tags: Vec::new(),
            follow_ups: Vec::new(),
            source: None,
        }
    }

    fn kb() -> Kb {
        Kb::from_entries(vec![
            e(
                "order-status",
                "en",
                &[
                    "Where is my order?",
                    "How can I track my parcel?",
                    "tracking number",
                ],
            ),
            e(
                "delivery-time",
                "en",
                &[
                    "How long does delivery take?",
                    "delivery time",
                    "when will my parcel arrive",
                ],
            ),
            e(
                "refund-time",
                "en",
                &[
                    "When do I get my refund?",
                    "how long does a refund take",
                    "money back",
                ],
            ),
            e(
                "invoice",
                "lt",
                &[
                    "Kur rasti sąskaitą faktūrą?",
                    "Reikia sąskaitos faktūros",
                    "sąskaita faktūra",
                ],
            ),
            e(
                "order-status",
                "lt",
                &[
                    "Kur mano užsakymas?",
                    "Kaip sekti siuntą?",
                    "siunta neatkeliavo",
                ],
            ),
            e(
                "delivery-time",
                "et",
                &[
                    "Kui kaua kättetoimetamine aega võtab?",
                    "Millal pakk kohale jõuab?",
                ],
            ),
            e(
                "return-policy",
                "et",
                &[
                    "Kuidas toodet tagastada?",
                    "tagastamine",
                    "Tahan toote tagasi saata",
                ],
            ),
        ])
        .unwrap()
    }

    fn top(kb: &Kb, q: &str) -> Hit {
        kb.search(q, &SearchOptions::default())
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no hit for {q}"))
    }

    #[test]
    fn exact_phrasings_win_with_high_confidence() {
        let kb = kb();
        let h = top(&kb, "Where is my order?");
        assert_eq!((h.id.as_str(), h.lang.as_str()), ("order-status", "en"));
        assert!(
            h.confidence > 0.5 && h.confidence <= 1.0,
            "{}",
            h.confidence
        );
        assert_eq!(h.phrasing, "Where is my order?");
        assert!(h.margin > 0.0);
    }

    #[test]
    fn typos_are_corrected_against_the_vocabulary() {
        let kb = kb();
        let h = top(&kb, "how long does delivry tkae");
        assert_eq!(h.id, "delivery-time");
        assert!(
            h.explanation
                .corrected
                .iter()
                .any(|(a, _)| a.starts_with("delivr")),
            "{:?}",
            h.explanation
        );
    }

    #[test]
    fn missing_diacritics_score_exactly_the_same() {
        let kb = kb();
        for (with, without) in [
            ("Kur rasti sąskaitą faktūrą?", "Kur rasti saskaita faktura?"),
            (
                "Kui kaua kättetoimetamine aega võtab?",
                "Kui kaua kattetoimetamine aega votab?",
            ),
            ("Kuidas toodet tagastada", "Kuidas toodet tagastada"),
        ] {
            let a = kb.search(with, &SearchOptions::default());
            let b = kb.search(without, &SearchOptions::default());
            assert_eq!(a[0].id, b[0].id, "{with}");
            assert_eq!(a[0].confidence, b[0].confidence, "{with}");
        }
        assert_eq!(top(&kb, "saskaita").id, "invoice");
    }

    #[test]
    fn word_order_does_not_matter() {
        let kb = kb();
        assert_eq!(top(&kb, "order my where is").id, "order-status");
        assert_eq!(top(&kb, "uzsakymas mano kur").id, "order-status");
        assert_eq!(top(&kb, "uzsakymas mano kur").lang, "lt");
        assert_eq!(
            top(&kb, "aega kättetoimetamine kaua võtab").id,
            "delivery-time"
        );
    }

    #[test]
    fn confidence_is_calibrated_and_unrelated_text_scores_low() {
        let kb = kb();
        let good = top(&kb, "how long does a refund take").confidence;
        let hits = kb.search("quantum chromodynamics lecture", &SearchOptions::default());
        let bad = hits.first().map_or(0.0, |h| h.confidence);
        assert!(good > bad + 0.3, "good {good} bad {bad}");
        for h in kb.search(
            "my parcel",
            &SearchOptions {
                limit: 10,
                lang: None,
            },
        ) {
            assert!((0.0..=1.0).contains(&h.confidence));
            assert!(h.margin <= h.confidence);
        }
        assert!(kb.search("", &SearchOptions::default()).is_empty());
        assert!(kb.search("?!", &SearchOptions::default()).is_empty());
    }

    #[test]
    fn the_preferred_language_is_honoured_and_limits_hold() {
        let kb = kb();
        let hits = kb.search(
            "parcel",
            &SearchOptions {
                limit: 2,
                lang: Some("en".into()),
            },
        );
        assert!(hits.len() <= 2);
        assert!(hits.iter().all(|h| h.lang == "en"));
    }

    #[test]
    fn near_duplicates_across_entries_only() {
        let kb = Kb::from_entries(vec![
            e("a", "en", &["how long does delivery take", "parcel"]),
            e("b", "en", &["how long does delivery take please"]),
            e("c", "lt", &["how long does delivery take"]),
        ])
        .unwrap();
        let d = kb.near_duplicates(0.8);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].a.0.as_str(), d[0].b.0.as_str()), ("a", "b"));
        assert!(d[0].to_string().contains("% similar"));
        assert!(kb.near_duplicates(1.01).is_empty());
    }

    #[test]
    fn languages_are_detected_from_the_kb_too() {
        let kb = kb();
        assert_eq!(
            kb.detect_language("kur mano uzsakymas").as_deref(),
            Some("lt")
        );
        assert_eq!(
            kb.detect_language("Kuidas toodet tagastada").as_deref(),
            Some("et")
        );
        assert_eq!(
            kb.detect_language("where is my parcel").as_deref(),
            Some("en")
        );
    }
}

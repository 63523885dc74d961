//! Answer-quality evaluation on labelled `text,label` CSVs (label `oos` = must escalate), by
//! the protocol of `shared/data/README.md`.
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use crate::decide::{Action, Thresholds, decide};
use crate::intents::Intents;
use crate::{Kb, KbError, SearchOptions};

#[derive(Clone, Debug, PartialEq, Eq)]
/// A query and its gold label.
pub struct LabeledQuery {
    /// The query.
    pub text: String,
    /// The right entry id, or `oos`.
    pub label: String,
}

/// Reads a CSV with a header and the columns `text` and `label`.
pub fn read_labeled_csv(path: &Path) -> Result<Vec<LabeledQuery>, KbError> {
    let mut r = csv::Reader::from_path(path).map_err(|e| KbError::Csv {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let headers = r
        .headers()
        .map_err(|e| KbError::Csv {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?
        .clone();
    let ti = headers
        .iter()
        .position(|h| h == "text")
        .ok_or_else(|| KbError::Csv {
            path: path.to_path_buf(),
            reason: "no `text` column".into(),
        })?;
    let li = headers
        .iter()
        .position(|h| h == "label")
        .ok_or_else(|| KbError::Csv {
            path: path.to_path_buf(),
            reason: "no `label` column".into(),
        })?;
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| KbError::Csv {
            path: path.to_path_buf(),
            reason: format!("row {}: {e}", i + 2),
        })?;
        out.push(LabeledQuery {
            text: rec.get(ti).unwrap_or("").to_owned(),
            label: rec.get(li).unwrap_or("").to_owned(),
        });
    }
    Ok(out)
}

/// The figures of one evaluation; percentages in 0–100, `None` where undefined.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EvalReport {
    /// In-scope queries whose top entry is right, threshold ignored.
    pub closed_set_accuracy: Option<f64>,
    /// How well the confidence separates in-scope from `oos` queries.
    pub auroc: Option<f64>,
    /// The confidence threshold chosen on the tuning queries.
    pub threshold: Option<f64>,
    /// At the threshold: in-scope queries answered and right.
    pub in_scope_accuracy: Option<f64>,
    /// At the threshold: `oos` queries escalated.
    pub oos_recall: Option<f64>,
    /// At the threshold: right answer, or escalated when `oos`.
    pub overall_accuracy: Option<f64>,
    /// Test queries.
    pub queries: usize,
    /// Knowledge-base build time (ms), as measured by the caller.
    pub build_ms: f64,
    /// Median search latency (µs; each query's fastest of three passes over the queries).
    pub p50_us: f64,
    /// 99th percentile search latency (µs; each query's fastest of three passes).
    pub p99_us: f64,
    /// 99th percentile latency (µs) of the handoff / not-solved intent check (0 when off).
    pub intent_p99_us: f64,
    /// What the bot does at the configured thresholds (percentages of in-scope and of `oos`
    /// queries).
    pub outcomes: Outcomes,
    /// Phrasings kept per label (few-shot runs), `None` for the whole knowledge base.
    pub per_entry: Option<usize>,
    /// The seeds the figures are the mean over (empty for one run on the whole KB).
    pub seeds: Vec<u64>,
    /// Whether English questions were matched with the embedding model's sentence vectors
    /// ([`Kb::uses_sentence_vectors`]).
    pub sentence_vectors: bool,
}

/// What the bot does at the configured thresholds, in percent: for in-scope queries
/// `answered_right + answered_wrong + suggested_right + suggested_wrong + handoff + escalated
/// = 100` (`not_solved` counts as escalated), and for `oos` queries `oos_answered +
/// oos_suggested + oos_handoff + oos_escalated = 100`. `None` where there are no such queries.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Outcomes {
    /// The thresholds used.
    pub answer_threshold: f64,
    /// The "did you mean" threshold used.
    pub suggest_threshold: f64,
    /// In scope, answered with the right entry.
    pub answered_right: Option<f64>,
    /// In scope, answered with a wrong entry.
    pub answered_wrong: Option<f64>,
    /// In scope, "did you mean" with the right entry among the choices.
    pub suggested_right: Option<f64>,
    /// In scope, "did you mean" without it.
    pub suggested_wrong: Option<f64>,
    /// In scope, taken for a request for a person.
    pub handoff: Option<f64>,
    /// In scope, escalated (nothing close enough, or taken for "not solved").
    pub escalated: Option<f64>,
    /// `oos`, answered.
    pub oos_answered: Option<f64>,
    /// `oos`, "did you mean".
    pub oos_suggested: Option<f64>,
    /// `oos`, taken for a request for a person.
    pub oos_handoff: Option<f64>,
    /// `oos`, escalated.
    pub oos_escalated: Option<f64>,
}

/// What the matcher said about one test query.
pub struct Prediction {
    /// The query.
    pub text: String,
    /// The gold label.
    pub gold: String,
    /// The top entry id (empty when nothing matched).
    pub predicted: String,
    /// Its confidence.
    pub score: f64,
    /// What the bot does at the configured thresholds.
    pub action: Action,
    /// For a "did you mean": whether the gold entry is among the choices.
    pub suggested_right: bool,
}

/// How a run queries the knowledge base: the thresholds of the bot and its intents.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The configured thresholds.
    pub thresholds: Thresholds,
    /// The handoff / not-solved intents, when the bot checks them (it does).
    pub intents: Option<Intents>,
}

/// Passes over the queries that are timed: each query's latency is its fastest, so it is
/// what the code costs and not a timer interrupt or another process that took the core
/// during one run (on a shared 2-core machine one pass's p99 is often twice the fastest).
/// Whole passes, not one query run three times in a row, whose later runs would find the
/// index warm in the cache.
const TIMED_PASSES: usize = 3;

/// Runs `f` once: its result and the time it took in µs.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let out = std::hint::black_box(f());
    (out, start.elapsed().as_secs_f64() * 1e6)
}

fn predict(
    kb: &Kb,
    qs: &[LabeledQuery],
    opts: &RunOptions,
) -> (Vec<Prediction>, Vec<f64>, Vec<f64>) {
    let mut preds = Vec::with_capacity(qs.len());
    let mut lat = Vec::with_capacity(qs.len());
    let mut ilat = Vec::with_capacity(qs.len());
    let t = &opts.thresholds;
    let limit = t.suggestions * 3;
    let search = SearchOptions {
        limit: limit.max(5),
        lang: None,
        explain: false,
    };
    for q in qs {
        // The matcher alone is timed (the latency target is the matcher's), the intent
        // check apart.
        let (hits, us) = timed(|| kb.search(&q.text, &search));
        lat.push(us);
        if let Some(i) = &opts.intents {
            ilat.push(timed(|| i.detect(&q.text, None)).1);
        }
        let d = decide(
            kb,
            opts.intents.as_ref(),
            &q.text,
            t,
            &SearchOptions {
                limit,
                ..SearchOptions::default()
            },
        );
        debug_assert_eq!(d.hits.first().map(|h| &h.id), hits.first().map(|h| &h.id));
        let (p, s) = hits
            .first()
            .map(|h| (h.id.clone(), h.confidence as f64))
            .unwrap_or_default();
        let suggested_right = d.suggested.iter().any(|i| d.hits[*i].id == q.label);
        preds.push(Prediction {
            text: q.text.clone(),
            gold: q.label.clone(),
            predicted: p,
            score: s,
            action: d.action,
            suggested_right,
        });
    }
    for _ in 1..TIMED_PASSES {
        for (k, q) in qs.iter().enumerate() {
            lat[k] = lat[k].min(timed(|| kb.search(&q.text, &search)).1);
            if let Some(i) = &opts.intents {
                ilat[k] = ilat[k].min(timed(|| i.detect(&q.text, None)).1);
            }
        }
    }
    (preds, lat, ilat)
}

fn outcomes(preds: &[Prediction], t: &Thresholds) -> Outcomes {
    let share = |ps: &[&Prediction], f: &dyn Fn(&Prediction) -> bool| {
        (!ps.is_empty())
            .then(|| 100.0 * ps.iter().filter(|p| f(p)).count() as f64 / ps.len() as f64)
    };
    let ins: Vec<&Prediction> = preds.iter().filter(|p| p.gold != "oos").collect();
    let oos: Vec<&Prediction> = preds.iter().filter(|p| p.gold == "oos").collect();
    Outcomes {
        answer_threshold: t.answer as f64,
        suggest_threshold: t.suggest as f64,
        answered_right: share(&ins, &|p| {
            p.action == Action::Answer && p.predicted == p.gold
        }),
        answered_wrong: share(&ins, &|p| {
            p.action == Action::Answer && p.predicted != p.gold
        }),
        suggested_right: share(&ins, &|p| p.action == Action::Suggest && p.suggested_right),
        suggested_wrong: share(&ins, &|p| p.action == Action::Suggest && !p.suggested_right),
        handoff: share(&ins, &|p| p.action == Action::Handoff),
        escalated: share(&ins, &|p| {
            matches!(
                p.action,
                Action::Escalate | Action::NotSolved | Action::Erase
            )
        }),
        oos_answered: share(&oos, &|p| p.action == Action::Answer),
        oos_suggested: share(&oos, &|p| p.action == Action::Suggest),
        oos_handoff: share(&oos, &|p| p.action == Action::Handoff),
        oos_escalated: share(&oos, &|p| {
            matches!(
                p.action,
                Action::Escalate | Action::NotSolved | Action::Erase
            )
        }),
    }
}

fn auroc(pos: &[f64], neg: &[f64]) -> Option<f64> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut all: Vec<(f64, bool)> = pos
        .iter()
        .map(|s| (*s, true))
        .chain(neg.iter().map(|s| (*s, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0;
        rank_sum += avg * all[i..j].iter().filter(|(_, pos)| *pos).count() as f64;
        i = j;
    }
    let np = pos.len() as f64;
    let nn = neg.len() as f64;
    Some(100.0 * (rank_sum - np * (np + 1.0) / 2.0) / (np * nn))
}

fn at_threshold(preds: &[Prediction], t: f64) -> (Option<f64>, Option<f64>, f64) {
    let ins: Vec<&Prediction> = preds.iter().filter(|p| p.gold != "oos").collect();
    let oos: Vec<&Prediction> = preds.iter().filter(|p| p.gold == "oos").collect();
    let ok_in = ins
        .iter()
        .filter(|p| p.score >= t && p.predicted == p.gold)
        .count();
    let ok_oos = oos.iter().filter(|p| p.score < t).count();
    let ia = (!ins.is_empty()).then(|| 100.0 * ok_in as f64 / ins.len() as f64);
    let or = (!oos.is_empty()).then(|| 100.0 * ok_oos as f64 / oos.len() as f64);
    (
        ia,
        or,
        100.0 * (ok_in + ok_oos) as f64 / preds.len().max(1) as f64,
    )
}

/// Evaluates `kb` on `test`, choosing the threshold on `tune` (when it has `oos` queries)
/// by the best (in-scope accuracy + oos recall) / 2.
pub fn evaluate(
    kb: &Kb,
    build_ms: f64,
    tune: Option<&[LabeledQuery]>,
    test: &[LabeledQuery],
) -> (EvalReport, Vec<Prediction>) {
    evaluate_with(kb, build_ms, tune, test, &RunOptions::default())
}

/// [`evaluate`] with the bot's thresholds and intents, for the outcome figures.
pub fn evaluate_with(
    kb: &Kb,
    build_ms: f64,
    tune: Option<&[LabeledQuery]>,
    test: &[LabeledQuery],
    opts: &RunOptions,
) -> (EvalReport, Vec<Prediction>) {
    let (preds, mut lat, mut ilat) = predict(kb, test, opts);
    let ins: Vec<&Prediction> = preds.iter().filter(|p| p.gold != "oos").collect();
    let closed = (!ins.is_empty()).then(|| {
        100.0 * ins.iter().filter(|p| p.predicted == p.gold).count() as f64 / ins.len() as f64
    });
    let pos: Vec<f64> = ins.iter().map(|p| p.score).collect();
    let neg: Vec<f64> = preds
        .iter()
        .filter(|p| p.gold == "oos")
        .map(|p| p.score)
        .collect();
    let au = auroc(&pos, &neg);
    let threshold = tune.and_then(|t| {
        let (tp, _, _) = predict(kb, t, opts);
        if !tp.iter().any(|p| p.gold == "oos") || !tp.iter().any(|p| p.gold != "oos") {
            return None;
        }
        let mut cands: Vec<f64> = tp.iter().map(|p| p.score).collect();
        cands.push(0.0);
        cands.push(1.0 + 1e-9);
        cands.sort_by(|a, b| a.total_cmp(b));
        cands.dedup();
        let mut best = (f64::MIN, 0.0);
        for c in cands {
            let (ia, or, _) = at_threshold(&tp, c);
            let v = (ia.unwrap_or(0.0) + or.unwrap_or(0.0)) / 2.0;
            if v > best.0 {
                best = (v, c);
            }
        }
        Some(best.1)
    });
    let (ia, or, oa) = match threshold {
        Some(t) => {
            let (a, b, c) = at_threshold(&preds, t);
            (a, b, Some(c))
        }
        None => (None, None, None),
    };
    lat.sort_by(|a, b| a.total_cmp(b));
    ilat.sort_by(|a, b| a.total_cmp(b));
    let pct = |q: f64| percentile(&lat, q);
    (
        EvalReport {
            closed_set_accuracy: closed,
            auroc: au,
            threshold,
            in_scope_accuracy: ia,
            oos_recall: or,
            overall_accuracy: oa,
            queries: test.len(),
            build_ms,
            p50_us: pct(0.5),
            p99_us: pct(0.99),
            intent_p99_us: percentile(&ilat, 0.99),
            sentence_vectors: kb.uses_sentence_vectors(),
            outcomes: outcomes(&preds, &opts.thresholds),
            per_entry: None,
            seeds: Vec::new(),
        },
        preds,
    )
}

/// Leave-one-out evaluation of a small labelled corpus that has no separate queries: each row
/// in turn is the query, against a knowledge base built from all the other rows (labels left
/// with no phrasing drop out). Builds one index per row, so it is meant for corpora of a few
/// hundred rows, such as the Baltic sets. No threshold: there are no `oos` rows to tune on.
pub fn leave_one_out(rows: &[LabeledQuery]) -> Result<(EvalReport, Vec<Prediction>), KbError> {
    let mut preds = Vec::with_capacity(rows.len());
    let mut lat = Vec::with_capacity(rows.len());
    let mut build_ms = 0.0;
    for (i, q) in rows.iter().enumerate() {
        let rest: Vec<LabeledQuery> = rows
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, r)| r.clone())
            .collect();
        let t = Instant::now();
        let kb = Kb::from_labeled(rest)?;
        build_ms += t.elapsed().as_secs_f64() * 1e3;
        let (mut p, l, _) = predict(&kb, std::slice::from_ref(q), &RunOptions::default());
        preds.append(&mut p);
        lat.extend(l);
    }
    let ins: Vec<&Prediction> = preds.iter().filter(|p| p.gold != "oos").collect();
    let closed = (!ins.is_empty()).then(|| {
        100.0 * ins.iter().filter(|p| p.predicted == p.gold).count() as f64 / ins.len() as f64
    });
    lat.sort_by(|a, b| a.total_cmp(b));
    let report = EvalReport {
        closed_set_accuracy: closed,
        auroc: None,
        threshold: None,
        in_scope_accuracy: None,
        oos_recall: None,
        overall_accuracy: None,
        queries: rows.len(),
        build_ms: build_ms / rows.len().max(1) as f64,
        p50_us: percentile(&lat, 0.5),
        p99_us: percentile(&lat, 0.99),
        intent_p99_us: 0.0,
        outcomes: outcomes(&preds, &Thresholds::default()),
        per_entry: None,
        seeds: Vec::new(),
        sentence_vectors: crate::semantic::Embedder::shared().is_some(),
    };
    Ok((report, preds))
}

/// A small deterministic generator (SplitMix64), so a seed means the same subsample on
/// every machine and every release.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce5_e4b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Keeps `n` phrasings per label (all of a label that has fewer), chosen at random by
/// `seed`: the same seed always keeps the same rows. Rows keep their order in the file.
pub fn subsample(rows: &[LabeledQuery], n: usize, seed: u64) -> Vec<LabeledQuery> {
    let mut by_label: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_label.entry(r.label.as_str()).or_default().push(i);
    }
    let mut rng = SplitMix(seed);
    let mut keep = vec![false; rows.len()];
    for idx in by_label.values_mut() {
        // Partial Fisher-Yates: the first n are a uniform sample.
        for k in 0..n.min(idx.len()) {
            let j = k + rng.below(idx.len() - k);
            idx.swap(k, j);
            keep[idx[k]] = true;
        }
    }
    rows.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(r, _)| r.clone())
        .collect()
}

/// The mean of several reports (one per seed) field by field; a figure undefined in any run
/// is undefined in the mean.
pub fn mean(reports: &[EvalReport]) -> Option<EvalReport> {
    let first = reports.first()?;
    let n = reports.len() as f64;
    let m = |f: &dyn Fn(&EvalReport) -> Option<f64>| -> Option<f64> {
        reports.iter().map(f).sum::<Option<f64>>().map(|s| s / n)
    };
    let v = |f: &dyn Fn(&EvalReport) -> f64| reports.iter().map(f).sum::<f64>() / n;
    let o = |f: &dyn Fn(&Outcomes) -> Option<f64>| m(&|r| f(&r.outcomes));
    Some(EvalReport {
        closed_set_accuracy: m(&|r| r.closed_set_accuracy),
        auroc: m(&|r| r.auroc),
        threshold: m(&|r| r.threshold),
        in_scope_accuracy: m(&|r| r.in_scope_accuracy),
        oos_recall: m(&|r| r.oos_recall),
        overall_accuracy: m(&|r| r.overall_accuracy),
        queries: first.queries,
        build_ms: v(&|r| r.build_ms),
        p50_us: v(&|r| r.p50_us),
        p99_us: v(&|r| r.p99_us),
        intent_p99_us: v(&|r| r.intent_p99_us),
        sentence_vectors: first.sentence_vectors,
        outcomes: Outcomes {
            answer_threshold: first.outcomes.answer_threshold,
            suggest_threshold: first.outcomes.suggest_threshold,
            answered_right: o(&|x| x.answered_right),
            answered_wrong: o(&|x| x.answered_wrong),
            suggested_right: o(&|x| x.suggested_right),
            suggested_wrong: o(&|x| x.suggested_wrong),
            handoff: o(&|x| x.handoff),
            escalated: o(&|x| x.escalated),
            oos_answered: o(&|x| x.oos_answered),
            oos_suggested: o(&|x| x.oos_suggested),
            oos_handoff: o(&|x| x.oos_handoff),
            oos_escalated: o(&|x| x.oos_escalated),
        },
        per_entry: first.per_entry,
        seeds: reports
            .iter()
            .flat_map(|r| r.seeds.iter().copied())
            .collect(),
    })
}

/// The few-shot protocol: for each seed, keeps `per_entry` phrasings per label of `kb_rows`,
/// builds the matcher from those alone, evaluates it on `test` (threshold chosen on `tune`)
/// and returns the mean over seeds, with the predictions of the first seed.
pub fn few_shot(
    kb_rows: &[LabeledQuery],
    per_entry: usize,
    seeds: &[u64],
    tune: Option<&[LabeledQuery]>,
    test: &[LabeledQuery],
    opts: &RunOptions,
) -> Result<(EvalReport, Vec<Prediction>), KbError> {
    let seeds = if seeds.is_empty() { &[0][..] } else { seeds };
    let mut reports = Vec::new();
    let mut first = None;
    for seed in seeds {
        let rows = subsample(kb_rows, per_entry, *seed);
        let start = Instant::now();
        let kb = Kb::from_labeled(rows)?;
        let build_ms = start.elapsed().as_secs_f64() * 1e3;
        let (mut r, p) = evaluate_with(&kb, build_ms, tune, test, opts);
        r.per_entry = Some(per_entry);
        r.seeds = vec![*seed];
        reports.push(r);
        first.get_or_insert(p);
    }
    let report = mean(&reports).expect("at least one seed");
    Ok((report, first.unwrap_or_default()))
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        0.0
    } else {
        sorted[((sorted.len() - 1) as f64 * q).round() as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auroc_counts_ranked_pairs_and_ties() {
        assert_eq!(auroc(&[0.9, 0.8], &[0.1, 0.2]), Some(100.0));
        assert_eq!(auroc(&[0.1], &[0.9]), Some(0.0));
        assert_eq!(auroc(&[0.5], &[0.5]), Some(50.0));
        assert_eq!(auroc(&[0.9, 0.3], &[0.5]), Some(50.0));
        assert_eq!(auroc(&[], &[0.5]), None);
    }

    fn q(text: &str, label: &str) -> LabeledQuery {
        LabeledQuery {
            text: text.into(),
            label: label.into(),
        }
    }

    #[test]
    fn evaluation_end_to_end_on_a_tiny_kb() {
        let kb = crate::Kb::from_entries(vec![
            crate::Entry {
                id: "track".into(),
                lang: "en".into(),
                questions: vec!["where is my parcel".into(), "track my order".into()],
                answer: "a".into(),
                tags: vec![],
                follow_ups: vec![],
                source: None,
            },
            crate::Entry {
                id: "refund".into(),
                lang: "en".into(),
                questions: vec!["when do I get my money back".into(), "refund status".into()],
                answer: "b".into(),
                tags: vec![],
                follow_ups: vec![],
                source: None,
            },
        ])
        .unwrap();
        let test = vec![
            q("where is my order parcel", "track"),
            q("refund money back", "refund"),
            q("zebra crossing weather", "oos"),
        ];
        let (r, preds) = evaluate(&kb, 1.5, Some(&test), &test);
        assert_eq!(r.queries, 3);
        assert_eq!(r.closed_set_accuracy, Some(100.0));
        assert_eq!(r.auroc, Some(100.0));
        let t = r.threshold.expect("tune has oos");
        assert!(preds[2].score < t && preds[0].score >= t);
        assert_eq!(r.overall_accuracy, Some(100.0));
        assert_eq!(r.build_ms, 1.5);
        assert!(r.p99_us >= r.p50_us);
        let (r2, _) = evaluate(&kb, 0.0, None, &test);
        assert_eq!(r2.threshold, None);
        assert_eq!(r2.in_scope_accuracy, None);
    }

    #[test]
    fn leave_one_out_queries_each_row_against_the_others() {
        let rows = vec![
            q("where is my parcel", "track"),
            q("track my parcel please", "track"),
            q("refund my money", "refund"),
            q("money back refund", "refund"),
            q("lonely label", "single"),
        ];
        let (r, preds) = leave_one_out(&rows).unwrap();
        assert_eq!(r.queries, 5);
        assert_eq!(preds.len(), 5);
        // Four rows have a sibling to be found by; the lonely one cannot be right.
        assert_eq!(preds[4].gold, "single");
        assert_ne!(preds[4].predicted, "single");
        assert_eq!(r.closed_set_accuracy, Some(80.0));
        assert_eq!(r.threshold, None);
    }
}

//! Answer-quality evaluation on labelled `text,label` CSVs (label `oos` = must escalate), by
//! the protocol of `shared/data/README.md`.
use std::path::Path;
use std::time::Instant;

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
    /// Median search latency (µs).
    pub p50_us: f64,
    /// 99th percentile search latency (µs).
    pub p99_us: f64,
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
}

fn predict(kb: &Kb, qs: &[LabeledQuery]) -> (Vec<Prediction>, Vec<f64>) {
    let mut preds = Vec::with_capacity(qs.len());
    let mut lat = Vec::with_capacity(qs.len());
    for q in qs {
        let t = Instant::now();
        let hits = kb.search(
            &q.text,
            &SearchOptions {
                limit: 1,
                lang: None,
            },
        );
        lat.push(t.elapsed().as_secs_f64() * 1e6);
        let (p, s) = hits
            .first()
            .map(|h| (h.id.clone(), h.confidence as f64))
            .unwrap_or_default();
        preds.push(Prediction {
            text: q.text.clone(),
            gold: q.label.clone(),
            predicted: p,
            score: s,
        });
    }
    (preds, lat)
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
    let (preds, mut lat) = predict(kb, test);
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
        let (tp, _) = predict(kb, t);
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
        let (mut p, l) = predict(&kb, std::slice::from_ref(q));
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
    };
    Ok((report, preds))
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

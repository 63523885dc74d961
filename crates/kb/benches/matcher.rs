//! Matcher speed: query latency and build time with knowledge bases of 1k, 10k and 100k
//! phrasings, next to the naive matcher (normalised Levenshtein against every phrasing).
//!
//! The knowledge bases are synthetic, made from the clinc150 and banking77 texts in
//! `../shared/data` (23,622 phrasings in 227 labels). Beyond that, each further copy of the
//! pool is perturbed (adjacent words swapped, a word dropped) and gets labels of its own, so
//! a 100k knowledge base has about 960 entries, as a large deployment would. The queries are
//! the tuning questions of both sets, in-scope and out-of-scope.
//!
//! Besides criterion's figures, each size prints the per-query p50/p99 over all queries (each
//! the fastest of three passes after a warm-up pass, as the `latency` example measures), the
//! build time and the index's memory, and the naive matcher's mean per query.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use frontdesk_kb::eval::{LabeledQuery, read_labeled_csv};
use frontdesk_kb::normalize::fold;
use frontdesk_kb::{Entry, Kb, SearchOptions};

fn data_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    d.join("clinc150/kb.csv").exists().then_some(d)
}

fn load(dir: &Path, name: &str) -> Vec<LabeledQuery> {
    read_labeled_csv(&dir.join(name)).expect("readable data set")
}

/// A deterministic perturbation of a phrasing for copy `k` of the pool.
fn perturb(text: &str, k: usize, i: usize) -> String {
    let mut w: Vec<&str> = text.split_whitespace().collect();
    if w.len() > 2 {
        let j = (i + k) % (w.len() - 1);
        if k % 2 == 1 {
            w.swap(j, j + 1);
        } else {
            w.remove(j);
        }
    }
    w.join(" ")
}

/// A knowledge base of exactly `n` phrasings.
fn synthetic(pool: &[LabeledQuery], n: usize) -> Vec<Entry> {
    let mut by_label: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for i in 0..n {
        let (k, r) = (i / pool.len(), &pool[i % pool.len()]);
        let label = if k == 0 {
            r.label.clone()
        } else {
            format!("{}~{k}", r.label)
        };
        let text = if k == 0 {
            r.text.clone()
        } else {
            perturb(&r.text, k, i)
        };
        by_label.entry(label).or_default().push(text);
    }
    by_label
        .into_iter()
        .map(|(id, questions)| Entry {
            answer: id.clone(),
            id,
            lang: "en".into(),
            questions,
            tags: vec![],
            follow_ups: vec![],
            source: None,
        })
        .collect()
}

/// The naive matcher: the phrasing with the best normalised Levenshtein similarity.
fn naive<'a>(phrasings: &'a [(String, String)], query: &str) -> Option<&'a str> {
    let q = fold(query);
    phrasings
        .iter()
        .map(|(t, l)| (strsim::normalized_levenshtein(&q, t), l))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, l)| l.as_str())
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn bench(c: &mut Criterion) {
    let Some(dir) = data_dir() else {
        eprintln!("matcher bench skipped: ../shared/data not found");
        return;
    };
    let mut pool = load(&dir, "clinc150/kb.csv");
    pool.extend(load(&dir, "banking77/kb.csv"));
    let mut queries: Vec<String> = load(&dir, "clinc150/tune.csv")
        .into_iter()
        .chain(load(&dir, "banking77/tune.csv"))
        .map(|q| q.text)
        .collect();
    // Interleave the two sets so any prefix mixes them.
    queries.sort_by_key(|q| q.len() % 7);
    let opts = SearchOptions {
        limit: 3,
        lang: None,
        explain: false,
    };
    for n in [1_000usize, 10_000, 100_000] {
        let entries = synthetic(&pool, n);
        let t = Instant::now();
        let kb = Kb::from_entries(entries.clone()).expect("valid entries");
        let build = t.elapsed();
        // Per-query latency over every query, single thread: one pass to warm the caches,
        // then the fastest of three (what the code costs, not what else the machine did).
        let mut lat = vec![f64::MAX; queries.len()];
        for round in 0..4 {
            for (q, best) in queries.iter().zip(&mut lat) {
                let t = Instant::now();
                black_box(kb.search(q, &opts));
                if round > 0 {
                    *best = best.min(t.elapsed().as_secs_f64() * 1e6);
                }
            }
        }
        lat.sort_by(f64::total_cmp);
        let phr: Vec<(String, String)> = entries
            .iter()
            .flat_map(|e| e.questions.iter().map(|q| (fold(q), e.id.clone())))
            .collect();
        let sample = &queries[..20];
        let t = Instant::now();
        for q in sample {
            black_box(naive(&phr, q));
        }
        let naive_us = t.elapsed().as_secs_f64() * 1e6 / sample.len() as f64;
        let mean = lat.iter().sum::<f64>() / lat.len() as f64;
        println!(
            "kb {n:>6} phrasings, {:>4} entries: build {:>7.1} ms, index {:>6.1} MiB, \
             query p50 {:>6.1} µs p99 {:>6.1} µs mean {:>6.1} µs; naive mean {:>9.1} µs \
             ({:.0}× slower)",
            kb.entries().len(),
            build.as_secs_f64() * 1e3,
            kb.index_bytes() as f64 / (1 << 20) as f64,
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            mean,
            naive_us,
            naive_us / mean,
        );

        let mut g = c.benchmark_group(format!("kb_{n}"));
        g.sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        let mut i = 0;
        g.bench_function("query", |b| {
            b.iter(|| {
                i = (i + 1) % queries.len();
                black_box(kb.search(&queries[i], &opts))
            });
        });
        let mut j = 0;
        g.sample_size(10);
        g.bench_function("naive_query", |b| {
            b.iter(|| {
                j = (j + 1) % queries.len();
                black_box(naive(&phr, &queries[j]))
            });
        });
        g.measurement_time(Duration::from_secs(if n >= 100_000 { 15 } else { 3 }));
        g.bench_function("build", |b| {
            b.iter(|| black_box(Kb::from_entries(entries.clone()).expect("valid")));
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

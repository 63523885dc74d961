//! Query latency on the full clinc150 knowledge base (15,000 phrasings), single thread, over
//! the clinc150 and banking77 tuning questions: p50, p99 and the slowest questions.
//! `cargo run --release -p frontdesk-kb --example latency [-- DATA_DIR ROUNDS]`.
use std::path::{Path, PathBuf};
use std::time::Instant;

use frontdesk_kb::eval::read_labeled_csv;
use frontdesk_kb::{Kb, SearchOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let t = Instant::now();
    let kb = Kb::load_csv(&dir.join("clinc150/kb.csv")).unwrap();
    println!(
        "built {} phrasings in {:.0} ms",
        kb.phrasing_count(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut qs = read_labeled_csv(&dir.join("clinc150/tune.csv")).unwrap();
    qs.extend(read_labeled_csv(&dir.join("banking77/tune.csv")).unwrap());
    // The limit `frontdesk eval` and the bot's decision search with (3 suggestions × 3).
    let opts = SearchOptions {
        limit: 9,
        lang: None,
        explain: false,
    };
    // Per question, the fastest of the rounds (what the code costs, not the machine's load).
    let mut best = vec![f64::MAX; qs.len()];
    for _ in 0..rounds {
        for (i, q) in qs.iter().enumerate() {
            let t = Instant::now();
            std::hint::black_box(kb.search(&q.text, &opts));
            best[i] = best[i].min(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    let mut sorted = best.clone();
    sorted.sort_by(f64::total_cmp);
    let pct = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
    println!(
        "{} questions, best of {rounds} rounds: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        qs.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    let mut idx: Vec<usize> = (0..qs.len()).collect();
    idx.sort_by(|a, b| best[*b].total_cmp(&best[*a]));
    for i in idx.iter().take(8) {
        println!("  {:>6.0} µs  {}", best[*i], qs[*i].text);
    }
}

//! Times what `frontdesk kb check` and `frontdesk ask` do on a knowledge-base directory, part
//! by part: reading and parsing the files with the index build (`Kb::load_dir`), the index
//! build alone (again, from the loaded entries), the near-duplicate check at each threshold,
//! and one query.
//!
//! ```sh
//! cargo run --release -p frontdesk-kb --example gen_kb -- /tmp/kbm/ent entries 20000
//! cargo run --release -p frontdesk-kb --example check_time -- /tmp/kbm/ent 0.5 0.7 0.9
//! ```
//!
//! Thresholds default to 0.5 (the default answer threshold `kb check` uses).

use std::path::Path;
use std::time::Instant;

use frontdesk_kb::{Kb, SearchOptions};

/// CPU time of this process so far, in seconds (user + system, from `/proc/self/stat`; 0 where
/// there is none): on a shared machine the wall time also counts the other processes.
fn cpu() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name (in parentheses, which may hold spaces): utime and
    // stime are the 12th and 13th of them, in clock ticks (100 a second on Linux).
    let after = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// Pairs `kb check` prints; the rest are counted.
const MAX_WARNINGS: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: check_time KB_DIR [THRESHOLD…]");
        std::process::exit(2);
    };
    let mut thresholds: Vec<f32> = args[1..]
        .iter()
        .map(|t| t.parse().expect("a threshold is a number"))
        .collect();
    if thresholds.is_empty() {
        thresholds.push(0.5);
    }
    let (t0, c0) = (Instant::now(), cpu());
    let kb = Kb::load_dir(Path::new(dir)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    let (load, load_cpu) = (t0.elapsed(), cpu() - c0);
    let (t1, c1) = (Instant::now(), cpu());
    let rebuilt = Kb::from_entries(kb.entries().to_vec()).expect("the entries index again");
    let (build, build_cpu) = (t1.elapsed(), cpu() - c1);
    drop(rebuilt);
    println!(
        "{dir}: {} entries, {} phrasings; load_dir (read + parse + index) {:.2} s (cpu {load_cpu:.2} s), index build alone {:.2} s (cpu {build_cpu:.2} s)",
        kb.entries().len(),
        kb.phrasing_count(),
        load.as_secs_f64(),
        build.as_secs_f64()
    );
    for t in thresholds {
        let (t2, c2) = (Instant::now(), cpu());
        let (top, total) = kb.near_duplicates_at_most(t, MAX_WARNINGS);
        println!(
            "near_duplicates_at_most({t}, {MAX_WARNINGS}): {total} pairs ({} kept) in {:.2} s (cpu {:.2} s)",
            top.len(),
            t2.elapsed().as_secs_f64(),
            cpu() - c2
        );
    }
    let t3 = Instant::now();
    let hits = kb.search("where is my parcel", &SearchOptions::default());
    println!(
        "one query: {} hits in {:.1} ms",
        hits.len(),
        t3.elapsed().as_secs_f64() * 1e3
    );
}

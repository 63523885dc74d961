//! Every answer-quality figure of issue 10 in one run, by the protocol of
//! `shared/data/README.md`: `cargo run -p frontdesk-kb --example targets [-- DATA_DIR [SET…]]`.
//! The same library calls as `frontdesk eval`, at the default thresholds, with the built-in
//! intents on (as the bot runs). A SET is `clinc150`, `clinc150/5` (one size), `baltic`, `faq` (the sample FAQ), ….
//!
//! Environment: `FD_SEEDS=n` (default 3), `FD_ANSWER=t` (answer threshold), `FD_NO_INTENTS=1`,
//! `FD_CURVE=1` (the best answered-right at ≤ 5% wrong and ≤ 5% `oos` answered, and its
//! threshold, first seed), `FD_DUMP=1` (wrong top entries, first seed).
use std::path::{Path, PathBuf};

use frontdesk_kb::Kb;
use frontdesk_kb::eval::{
    EvalReport, RunOptions, evaluate_with, few_shot, leave_one_out, read_labeled_csv,
};
use frontdesk_kb::intents::Intents;

fn f(v: Option<f64>) -> String {
    v.map_or("   -".into(), |x| format!("{x:5.1}"))
}

fn line(name: &str, r: &EvalReport) {
    let o = &r.outcomes;
    println!(
        "{name:<28} closed {} auroc {} | right {} wrong {} sugg+ {} sugg- {} hand {} esc {} | oos ans {} sugg {} hand {} esc {} | p99 {:.0}µs intent p99 {:.0}µs",
        f(r.closed_set_accuracy),
        f(r.auroc),
        f(o.answered_right),
        f(o.answered_wrong),
        f(o.suggested_right),
        f(o.suggested_wrong),
        f(o.handoff),
        f(o.escalated),
        f(o.oos_answered),
        f(o.oos_suggested),
        f(o.oos_handoff),
        f(o.oos_escalated),
        r.p99_us,
        r.intent_p99_us
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let only: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let want = |s: &str| only.is_empty() || only.contains(&s);
    let mut thresholds = frontdesk_kb::decide::Thresholds::default();
    if let Some(a) = std::env::var("FD_ANSWER").ok().and_then(|v| v.parse().ok()) {
        thresholds.answer = a;
    }
    let opts = RunOptions {
        thresholds,
        // FD_NO_INTENTS=1 leaves the intent check out (faster; only the handoff columns change).
        intents: std::env::var_os("FD_NO_INTENTS")
            .is_none()
            .then(Intents::builtin),
    };
    let seeds: Vec<u64> = (0..std::env::var("FD_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3))
        .collect();
    for set in ["clinc150", "banking77", "banking77-oos"] {
        let kb_rows = read_labeled_csv(&dir.join(set).join("kb.csv")).unwrap();
        let tune = read_labeled_csv(&dir.join(set).join("tune.csv")).unwrap();
        for n in [1usize, 3, 5, 10] {
            if want(&format!("{set}/{n}")) || want(set) {
                let (r, preds) = few_shot(&kb_rows, n, &seeds, Some(&tune), &tune, &opts).unwrap();
                if std::env::var_os("FD_CURVE").is_some() {
                    let ins: Vec<_> = preds.iter().filter(|p| p.gold != "oos").collect();
                    let oos: Vec<_> = preds.iter().filter(|p| p.gold == "oos").collect();
                    let mut best = (0.0, 0.0, 0.0);
                    for k in 0..200 {
                        let t = k as f64 / 200.0;
                        let right = ins
                            .iter()
                            .filter(|p| p.score >= t && p.predicted == p.gold)
                            .count() as f64
                            / ins.len() as f64;
                        let wrong = ins
                            .iter()
                            .filter(|p| p.score >= t && p.predicted != p.gold)
                            .count() as f64
                            / ins.len() as f64;
                        let oa = if oos.is_empty() {
                            0.0
                        } else {
                            oos.iter().filter(|p| p.score >= t).count() as f64 / oos.len() as f64
                        };
                        if wrong <= 0.05 && oa <= 0.05 && right > best.0 {
                            best = (right, t, wrong);
                        }
                    }
                    println!(
                        "  best answered-right at <=5% wrong and <=5% oos answered: {:.1}% at t={:.3} (wrong {:.1}%)",
                        best.0 * 100.0,
                        best.1,
                        best.2 * 100.0
                    );
                }
                if std::env::var_os("FD_DUMP").is_some() {
                    for p in preds
                        .iter()
                        .filter(|p| p.gold != "oos" && p.predicted != p.gold)
                        .take(60)
                    {
                        println!(
                            "  {:<60} gold {:<24} got {} {:.2}",
                            p.text, p.gold, p.predicted, p.score
                        );
                    }
                }
                line(&format!("{set} {n}/entry"), &r);
            }
        }
        if want(&format!("{set}/all")) || want(set) {
            let kb = Kb::from_labeled(kb_rows).unwrap();
            let (r, _) = evaluate_with(&kb, 0.0, Some(&tune), &tune, &opts);
            line(&format!("{set} all"), &r);
        }
    }
    if want("faq") {
        // The sample FAQ on the customer questions written apart from its phrasings.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let kb = Kb::load_dir(&root.join("../../faq")).unwrap();
        for lang in ["en", "lt", "et"] {
            let qs = read_labeled_csv(&root.join(format!("tests/data/faq-{lang}.csv"))).unwrap();
            let (r, _) = evaluate_with(&kb, 0.0, None, &qs, &opts);
            line(&format!("faq {lang}"), &r);
        }
    }
    if want("baltic") {
        for corpus in ["askubuntu", "chatbot", "webapps"] {
            for lang in ["en", "lt", "et"] {
                let rows =
                    read_labeled_csv(&dir.join(format!("baltic/{corpus}-{lang}/kb.csv"))).unwrap();
                let (r, preds) = leave_one_out(&rows).unwrap();
                if std::env::var_os("FD_DUMP").is_some() {
                    for p in preds.iter().filter(|p| p.predicted != p.gold) {
                        println!("  {:<60} gold {:<24} got {}", p.text, p.gold, p.predicted);
                    }
                }
                println!(
                    "baltic {corpus}-{lang:<3} loo closed {}",
                    f(r.closed_set_accuracy)
                );
            }
        }
    }
}

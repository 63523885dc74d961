//! `frontdesk eval`: answer quality on labelled CSVs (protocol in shared/data/README.md),
//! few-shot runs (`--per-entry N --seeds S`) and what the bot does at the configured
//! thresholds.
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use frontdesk_kb::Kb;
use frontdesk_kb::decide::Thresholds;
use frontdesk_kb::eval::{
    EvalReport, Prediction, RunOptions, evaluate_with, few_shot, leave_one_out, read_labeled_csv,
};

use crate::config::Config;

#[derive(Args, Debug)]
pub(crate) struct EvalArgs {
    /// The knowledge base: a `text,label` CSV or a FAQ directory.
    #[arg(long)]
    kb: PathBuf,
    /// Tuning queries (`text,label`, label `oos` = must escalate) to choose the threshold on.
    #[arg(long)]
    tune: Option<PathBuf>,
    /// Test queries.
    #[arg(long, required_unless_present = "leave_one_out")]
    test: Option<PathBuf>,
    /// No separate test queries: query each row of a CSV knowledge base against the others
    /// (for small corpora such as the Baltic sets).
    #[arg(long, conflicts_with_all = ["test", "tune", "per_entry"])]
    leave_one_out: bool,
    /// Few-shot: keep only this many phrasings per label of a CSV knowledge base (chosen by
    /// seed), as a real FAQ has; figures are the mean over the seeds.
    #[arg(long)]
    per_entry: Option<usize>,
    /// With `--per-entry`: how many seeds (0, 1, … S-1).
    #[arg(long, default_value_t = 3, requires = "per_entry")]
    seeds: u64,
    /// The answer threshold of the outcome figures (default: the configured one).
    #[arg(long)]
    answer_threshold: Option<f32>,
    /// The "did you mean" threshold of the outcome figures (default: the configured one).
    #[arg(long)]
    suggest_threshold: Option<f32>,
    /// Leave out the handoff / not-solved intent check the bot makes before matching.
    #[arg(long)]
    no_intents: bool,
    /// Print one JSON object instead of text (keys documented in README.md).
    #[arg(long)]
    json: bool,
    /// Write `text,gold,predicted,score,action` for every test query (first seed).
    #[arg(long)]
    predictions: Option<PathBuf>,
}

pub(crate) fn eval(cfg: &Config, args: EvalArgs) -> Result<()> {
    let thresholds = Thresholds {
        answer: args.answer_threshold.unwrap_or(cfg.kb.answer_threshold),
        suggest: args.suggest_threshold.unwrap_or(cfg.kb.suggest_threshold),
        suggestions: cfg.kb.suggestions,
    };
    if !(0.0..=1.0).contains(&thresholds.answer)
        || !(0.0..=thresholds.answer).contains(&thresholds.suggest)
    {
        bail!(
            "thresholds must satisfy 0 <= suggest ({}) <= answer ({}) <= 1",
            thresholds.suggest,
            thresholds.answer
        );
    }
    let opts = RunOptions {
        thresholds,
        intents: (!args.no_intents).then(|| crate::ask::intents(cfg)),
    };
    let started = Instant::now();
    let (report, predictions) = if args.leave_one_out {
        let rows = read_labeled_csv(&args.kb)
            .with_context(|| format!("reading {} (a CSV knowledge base)", args.kb.display()))?;
        leave_one_out(&rows).with_context(|| format!("evaluating {}", args.kb.display()))?
    } else {
        run_eval(&args, &opts, started)?
    };
    print_eval(&args, &report, &predictions)
}

fn run_eval(
    args: &EvalArgs,
    opts: &RunOptions,
    started: Instant,
) -> Result<(EvalReport, Vec<Prediction>)> {
    let read = |p: &Path| read_labeled_csv(p).with_context(|| format!("reading {}", p.display()));
    let tune = args.tune.as_deref().map(read).transpose()?;
    let test_path = args.test.as_ref().context("--test is required")?;
    let test = read(test_path)?;
    if let Some(n) = args.per_entry {
        if args.kb.is_dir() {
            bail!("--per-entry needs a CSV knowledge base (`text,label`), not a FAQ directory");
        }
        if n == 0 {
            bail!("--per-entry must be at least 1");
        }
        let rows = read(&args.kb)?;
        let seeds: Vec<u64> = (0..args.seeds.max(1)).collect();
        return few_shot(&rows, n, &seeds, tune.as_deref(), &test, opts)
            .with_context(|| format!("evaluating {}", args.kb.display()));
    }
    let kb = if args.kb.is_dir() {
        Kb::load_dir(&args.kb)
    } else {
        Kb::load_csv(&args.kb)
    }
    .with_context(|| format!("loading {}", args.kb.display()))?;
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(evaluate_with(&kb, build_ms, tune.as_deref(), &test, opts))
}

fn print_eval(args: &EvalArgs, report: &EvalReport, predictions: &[Prediction]) -> Result<()> {
    if let Some(p) = &args.predictions {
        write_predictions(p, predictions).with_context(|| format!("writing {}", p.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string(report)?);
        return Ok(());
    }
    let pct = |v: Option<f64>| v.map_or("n/a".to_owned(), |x| format!("{x:.1}%"));
    if let Some(n) = report.per_entry {
        println!(
            "few-shot:             {n} phrasings per entry, mean over seeds {:?}",
            report.seeds
        );
    }
    println!("queries:              {}", report.queries);
    println!("closed-set accuracy:  {}", pct(report.closed_set_accuracy));
    println!("AUROC (in vs oos):    {}", pct(report.auroc));
    match report.threshold {
        Some(t) => {
            println!("threshold (on tune):  {t:.4}");
            println!("  in-scope accuracy:  {}", pct(report.in_scope_accuracy));
            println!("  oos recall:         {}", pct(report.oos_recall));
            println!("  overall accuracy:   {}", pct(report.overall_accuracy));
            println!(
                "  to use it: set `answer_threshold = {t:.4}` under [kb] in frontdesk.toml \
                 (or FRONTDESK_KB_ANSWER_THRESHOLD={t:.4})"
            );
        }
        None => println!("threshold:            none (needs --tune with `oos` queries)"),
    }
    let o = &report.outcomes;
    println!(
        "what the bot does (answer ≥ {:.2}, suggest ≥ {:.2}):",
        o.answer_threshold, o.suggest_threshold
    );
    if o.answered_right.is_some() {
        println!(
            "  in scope: answered right {}, answered wrong {}, did-you-mean with it {}, \
             without it {}, handoff {}, escalated {}",
            pct(o.answered_right),
            pct(o.answered_wrong),
            pct(o.suggested_right),
            pct(o.suggested_wrong),
            pct(o.handoff),
            pct(o.escalated)
        );
    }
    if o.oos_escalated.is_some() {
        println!(
            "  oos:      escalated {}, did-you-mean {}, answered {}, handoff {}",
            pct(o.oos_escalated),
            pct(o.oos_suggested),
            pct(o.oos_answered),
            pct(o.oos_handoff)
        );
    }
    println!(
        "matching:             {}",
        if report.sentence_vectors {
            "words and sentence vectors (English)"
        } else {
            "words only (no embedding model)"
        }
    );
    println!("KB build:             {:.1} ms", report.build_ms);
    println!(
        "latency per query:    p50 {:.0} µs, p99 {:.0} µs (intent check p99 {:.0} µs)",
        report.p50_us, report.p99_us, report.intent_p99_us
    );
    Ok(())
}

/// Writes `text,gold,predicted,score,action` for every prediction (quoted by `csv` as
/// needed).
fn write_predictions(p: &Path, predictions: &[Prediction]) -> Result<()> {
    if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut w = csv::Writer::from_path(p)?;
    w.write_record(["text", "gold", "predicted", "score", "action"])?;
    for pr in predictions {
        let score = format!("{:.6}", pr.score);
        w.write_record([
            pr.text.as_str(),
            pr.gold.as_str(),
            pr.predicted.as_str(),
            score.as_str(),
            pr.action.as_str(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_kb::decide::Action;

    #[test]
    fn predictions_with_quotes_commas_and_newlines_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/predictions.csv");
        let texts = [
            "plain",
            "a, comma",
            "say \"hi\"",
            "two\nlines",
            "\"quoted, both\"\r\nand CRLF",
            "",
        ];
        let predictions: Vec<Prediction> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Prediction {
                text: (*t).to_owned(),
                gold: format!("gold,{i}"),
                predicted: if i % 2 == 0 {
                    "oos".into()
                } else {
                    format!("p\"{i}")
                },
                score: i as f64 / 8.0,
                action: if i % 2 == 0 {
                    Action::Escalate
                } else {
                    Action::Answer
                },
                suggested_right: false,
            })
            .collect();
        write_predictions(&path, &predictions).unwrap();
        let mut r = csv::Reader::from_path(&path).unwrap();
        assert_eq!(
            r.headers().unwrap(),
            vec!["text", "gold", "predicted", "score", "action"]
        );
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), predictions.len());
        for (row, pr) in rows.iter().zip(&predictions) {
            assert_eq!(&row[0], pr.text);
            assert_eq!(&row[1], pr.gold);
            assert_eq!(&row[2], pr.predicted);
            assert_eq!(row[3].parse::<f64>().unwrap(), pr.score);
            assert_eq!(&row[4], pr.action.as_str());
        }
    }
}

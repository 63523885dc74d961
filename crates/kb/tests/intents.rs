//! Handoff and "not solved" recognition on held-apart phrasings (tests/data/intents-heldout.toml,
//! written apart from the built-in lists), and false handoffs on the clinc150 / banking77
//! tuning queries (`../shared/data`; under `CI=true` missing data fails the test).

use std::collections::BTreeMap;
use std::path::Path;

use frontdesk_kb::eval::read_labeled_csv;
use frontdesk_kb::intents::{Intent, Intents};
use frontdesk_kb::normalize::fold;

#[derive(serde::Deserialize)]
struct Lists {
    handoff: Vec<String>,
    not_solved: Vec<String>,
    other: Vec<String>,
}

fn heldout() -> BTreeMap<String, Lists> {
    let text = include_str!("data/intents-heldout.toml");
    toml::from_str(text).expect("valid held-out file")
}

#[test]
fn held_apart_phrasings_are_recognised_in_every_language() {
    let intents = Intents::builtin();
    let mut failures = Vec::new();
    for (lang, lists) in heldout() {
        // Held apart means held apart: none is a built-in phrasing.
        for (intent, list) in [
            (Intent::Handoff, &lists.handoff),
            (Intent::NotSolved, &lists.not_solved),
        ] {
            let builtin: Vec<String> = intents
                .phrasings(intent)
                .values()
                .flatten()
                .map(|p| fold(p))
                .collect();
            for p in list {
                assert!(
                    !builtin.contains(&fold(p)),
                    "{lang}: `{p}` is a built-in phrasing"
                );
            }
        }
        let mut missed = Vec::new();
        for (intent, list) in [
            (Intent::Handoff, &lists.handoff),
            (Intent::NotSolved, &lists.not_solved),
        ] {
            let ok = list
                .iter()
                .filter(|t| {
                    let got = intents.detect(t, Some(&lang)).map(|m| m.intent);
                    if got != Some(intent) {
                        missed.push(format!("{intent:?} `{t}` → {got:?}"));
                    }
                    got == Some(intent)
                })
                .count();
            let rate = 100.0 * ok as f64 / list.len() as f64;
            println!(
                "{lang} {}: {ok}/{} = {rate:.1}%",
                intent.as_str(),
                list.len()
            );
            // The target is for handoff; "not solved" is held to 80%.
            let target = if intent == Intent::Handoff {
                95.0
            } else {
                80.0
            };
            if rate < target {
                failures.push(format!("{lang} {intent:?} {rate:.1}% < {target}"));
            }
        }
        if !missed.is_empty() {
            println!("{lang} missed: {missed:#?}");
        }
        let wrong: Vec<&String> = lists
            .other
            .iter()
            .filter(|t| intents.detect(t, Some(&lang)).is_some())
            .collect();
        println!(
            "{lang} look-alikes taken for an intent: {}/{}: {wrong:?}",
            wrong.len(),
            lists.other.len()
        );
        if !wrong.is_empty() {
            failures.push(format!("{lang}: look-alikes {wrong:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn false_handoffs_and_erasures_on_benchmark_queries_stay_rare() {
    let dir = std::env::var_os("FRONTDESK_QUALITY_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    if !dir.join("clinc150/tune.csv").exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {} is missing",
            dir.display()
        );
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let intents = Intents::builtin();
    for set in ["clinc150", "banking77"] {
        let rows = read_labeled_csv(&dir.join(set).join("tune.csv")).unwrap();
        let hand: Vec<&str> = rows
            .iter()
            .filter(|r| intents.detect(&r.text, None).map(|m| m.intent) == Some(Intent::Handoff))
            .map(|r| r.text.as_str())
            .collect();
        let ns_list: Vec<&str> = rows
            .iter()
            .filter(|r| intents.detect(&r.text, None).map(|m| m.intent) == Some(Intent::NotSolved))
            .map(|r| r.text.as_str())
            .collect();
        let ns = ns_list.len();
        if std::env::var_os("SHOW_NOT_SOLVED").is_some() {
            println!("{ns_list:#?}");
        }
        // Only weighed after an answer (and for a ticket's subject): reported, not a target.
        println!(
            "{set}: {ns} of {} queries taken for \"not solved\" ({:.2}%)",
            rows.len(),
            100.0 * ns as f64 / rows.len() as f64
        );
        let rate = 100.0 * hand.len() as f64 / rows.len() as f64;
        println!(
            "{set}: {} of {} queries taken for a handoff ({rate:.2}%): {hand:?}",
            hand.len(),
            rows.len()
        );
        assert!(rate <= 0.5, "{set}: {rate:.2}% {hand:#?}");
        // None of these questions asks for the customer's data to be erased.
        let erase: Vec<&str> = rows
            .iter()
            .filter(|r| intents.detect(&r.text, None).map(|m| m.intent) == Some(Intent::Erase))
            .map(|r| r.text.as_str())
            .collect();
        let rate = 100.0 * erase.len() as f64 / rows.len() as f64;
        println!(
            "{set}: {} of {} queries taken for a request to erase ({rate:.2}%): {erase:?}",
            erase.len(),
            rows.len()
        );
        assert!(rate <= 0.2, "{set}: {rate:.2}% {erase:#?}");
    }
}

#[test]
#[ignore = "diagnostics: INTENT_TEXT='…' cargo test -p frontdesk-kb --test intents scores -- --ignored --nocapture"]
fn scores() {
    let t = std::env::var("INTENT_TEXT").unwrap_or_default();
    for s in Intents::builtin().scores(&t, None) {
        println!("{s:?}");
    }
}

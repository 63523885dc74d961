//! The `frontdesk` subcommands that need no chat: kb check, ask, eval, config, report, and
//! what `run` says when it cannot start.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_frontdesk"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    c
}

fn faq() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq")
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn kb_check_accepts_the_sample_knowledge_base() {
    let o = bin().arg("kb").arg("check").arg(faq()).output().unwrap();
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("languages: en, et, lt"), "{text}");
    assert!(text.contains("ok ("), "{text}");
}

#[test]
fn kb_check_names_file_and_line_of_a_bad_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("en")).unwrap();
    std::fs::write(
        dir.path().join("en/bad.md"),
        "# Bad\n\n## good-one\n? How?\n\nLike this.\n\n## no-questions\ntags: x\n\nAn answer without questions.\n",
    )
    .unwrap();
    let o = bin()
        .arg("kb")
        .arg("check")
        .arg(dir.path())
        .output()
        .unwrap();
    let text = out(&o);
    assert!(!o.status.success(), "{text}");
    assert!(text.contains("bad.md:8"), "{text}");
    assert!(text.contains("no-questions"), "{text}");
}

#[test]
fn kb_check_validates_the_teams_synonyms() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("en")).unwrap();
    std::fs::write(
        dir.path().join("en/a.md"),
        "# Shop\n\n## vase\n? my vase is broken\n\nSend us a photo.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("synonyms.toml"),
        "en = [\"vase, urn\", \"gift card, voucher\"]\nxx = [\"a, b\"]\n",
    )
    .unwrap();
    let o = bin()
        .arg("kb")
        .arg("check")
        .arg(dir.path())
        .output()
        .unwrap();
    let text = out(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains("synonyms.toml:1: synonym `gift card`"),
        "{text}"
    );
    assert!(
        text.contains("synonyms.toml:2: unknown language `xx`"),
        "{text}"
    );
    // A valid file is accepted and used: "urn" finds the vase entry.
    std::fs::write(dir.path().join("synonyms.toml"), "en = [\"vase, urn\"]\n").unwrap();
    let o = bin()
        .arg("kb")
        .arg("check")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", out(&o));
    let o = bin()
        .args(["ask", "--json", "the urn is broken"])
        .env("FRONTDESK_KB_DIR", dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["matches"][0]["id"], "vase", "{v}");
}

#[test]
fn ask_shows_the_best_entry_with_scores() {
    let o = bin()
        .args(["ask", "--explain", "where is my order"])
        .env("FRONTDESK_KB_DIR", faq())
        .output()
        .unwrap();
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("order-status"), "{text}");
    assert!(text.contains("confidence"), "{text}");
    assert!(text.contains("runner-up:"), "{text}");
    // `--explain` lists the query terms that counted, with their weight.
    assert!(
        text.contains("terms: ") && text.contains("order ("),
        "{text}"
    );
}

#[test]
fn eval_prints_one_json_object_with_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb.csv");
    let test = dir.path().join("test.csv");
    let preds = dir.path().join("out/preds.csv");
    std::fs::write(
        &kb,
        "text,label\nwhere is my parcel,track\ntrack my order,track\nhow do I return it,return\nsend the item back,return\n",
    )
    .unwrap();
    std::fs::write(
        &test,
        "text,label\nwhere is my order,track\nreturn the item,return\nweather tomorrow,oos\n",
    )
    .unwrap();
    let o = bin()
        .args(["eval", "--json", "--kb"])
        .arg(&kb)
        .arg("--test")
        .arg(&test)
        .arg("--tune")
        .arg(&test)
        .arg("--predictions")
        .arg(&preds)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    for key in [
        "closed_set_accuracy",
        "auroc",
        "threshold",
        "in_scope_accuracy",
        "oos_recall",
        "overall_accuracy",
        "queries",
        "build_ms",
        "p50_us",
        "p99_us",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {stdout}");
    }
    assert_eq!(v["queries"], 3);
    assert_eq!(v["closed_set_accuracy"], 100.0);
    let p = std::fs::read_to_string(&preds).unwrap();
    assert!(p.starts_with("text,gold,predicted,score,action\n"), "{p}");
    assert_eq!(p.lines().count(), 4);
    // What the bot does at the configured thresholds, per kind of query.
    let o = &v["outcomes"];
    for key in [
        "answer_threshold",
        "suggest_threshold",
        "answered_right",
        "answered_wrong",
        "suggested_right",
        "suggested_wrong",
        "handoff",
        "escalated",
        "oos_answered",
        "oos_suggested",
        "oos_handoff",
        "oos_escalated",
    ] {
        assert!(o.get(key).is_some(), "missing outcomes.{key} in {stdout}");
    }
    let in_scope: f64 = [
        "answered_right",
        "answered_wrong",
        "suggested_right",
        "suggested_wrong",
        "handoff",
        "escalated",
    ]
    .iter()
    .map(|k| o[*k].as_f64().unwrap())
    .sum();
    assert!((in_scope - 100.0).abs() < 1e-6, "{o}");
}

#[test]
fn eval_few_shot_keeps_n_phrasings_per_entry_and_averages_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb.csv");
    let test = dir.path().join("test.csv");
    let mut rows = String::from("text,label\n");
    for i in 0..6 {
        rows.push_str(&format!("where is my parcel number {i},track\n"));
        rows.push_str(&format!("refund for order {i},refund\n"));
    }
    std::fs::write(&kb, rows).unwrap();
    std::fs::write(
        &test,
        "text,label\nwhere is my parcel,track\nrefund please,refund\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let o = bin()
            .args(["eval", "--json", "--kb"])
            .arg(&kb)
            .arg("--test")
            .arg(&test)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", out(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let v = run(&["--per-entry", "2", "--seeds", "4"]);
    assert_eq!(v["per_entry"], 2);
    assert_eq!(v["seeds"], serde_json::json!([0, 1, 2, 3]));
    assert_eq!(v["closed_set_accuracy"], 100.0);
    // Deterministic: the same seeds give the same figures.
    let w = run(&["--per-entry", "2", "--seeds", "4"]);
    assert_eq!(v["outcomes"], w["outcomes"]);
    // A FAQ directory cannot be subsampled: a clear error.
    let o = bin()
        .args(["eval", "--per-entry", "2", "--kb"])
        .arg(faq())
        .arg("--test")
        .arg(&test)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(out(&o).contains("CSV knowledge base"), "{}", out(&o));
}

#[test]
fn ask_json_gives_the_decision_the_bot_would_take() {
    let ask = |q: &str| {
        let o = bin()
            .args(["ask", "--json", q])
            .env("FRONTDESK_KB_DIR", faq())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", out(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let v = ask("where is my order");
    assert_eq!(v["decision"], "answer", "{v}");
    assert_eq!(v["matches"][0]["id"], "order-status", "{v}");
    assert!(v["matches"][0]["confidence"].as_f64().unwrap() >= 0.5);
    assert!(v["matches"][0].get("margin").is_some());
    let v = ask("get me a human");
    assert_eq!(v["decision"], "handoff", "{v}");
    assert_eq!(v["intent"]["intent"], "handoff", "{v}");
    let v = ask("palun klienditeenindajat");
    assert_eq!(v["decision"], "handoff", "{v}");
    let v = ask("zebra quantum lecture tomorrow");
    assert_eq!(v["decision"], "escalate", "{v}");
    // The text output shows the same decision.
    let o = bin()
        .args(["ask", "I want to talk to a person about my refund"])
        .env("FRONTDESK_KB_DIR", faq())
        .output()
        .unwrap();
    assert!(out(&o).starts_with("decision: handoff"), "{}", out(&o));
}

#[test]
fn config_prints_the_effective_settings() {
    let o = bin()
        .arg("config")
        .env("FRONTDESK_SLA_FIRST_RESPONSE_MINUTES", "42")
        .current_dir(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("first_response_minutes = 42"), "{text}");
    assert!(text.contains("[database]"), "{text}");
}

#[test]
fn bad_support_hours_are_refused_at_start_with_the_key_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("frontdesk.toml"),
        "[desk.hours]\ntime_zone = \"Europe/Vilnius\"\nmon = [\"09:00-13:00\", \"12:00-17:00\"]\n",
    )
    .unwrap();
    for cmd in ["config", "chat"] {
        let o = bin().arg(cmd).current_dir(dir.path()).output().unwrap();
        let text = out(&o);
        assert!(!o.status.success(), "{cmd}: {text}");
        assert!(
            text.contains("desk.hours.mon") && text.contains("overlaps \"09:00-13:00\""),
            "{cmd}: {text}"
        );
    }
    assert!(
        !dir.path().join("frontdesk.db").exists(),
        "refused before the database"
    );
}

#[test]
fn run_explains_what_is_missing_before_touching_anything() {
    let dir = tempfile::tempdir().unwrap();
    // No token: nothing to run on; the terminal chat is suggested.
    let o = bin().current_dir(dir.path()).arg("run").output().unwrap();
    let text = out(&o);
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains("TELOXIDE_TOKEN") && text.contains("DISCORD_TOKEN"),
        "{text}"
    );
    assert!(text.contains("frontdesk chat"), "{text}");
    // A token, but the desk is still the terminal's: say how to point it at the platform.
    let o = bin()
        .current_dir(dir.path())
        .env("TELOXIDE_TOKEN", "123:abc")
        .arg("run")
        .output()
        .unwrap();
    let text = out(&o);
    assert!(!o.status.success(), "{text}");
    assert!(text.contains("desk.platform"), "{text}");
    // Neither started a database.
    assert!(!dir.path().join("frontdesk.db").exists());
}

#[test]
fn report_of_an_empty_database_has_no_figures_and_a_bad_date_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .current_dir(dir.path())
        .args(["report", "--since", "2026-01-01", "--until", "2026-01-31"])
        .output()
        .unwrap();
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("2026-01-01 to 2026-01-31"), "{text}");
    assert!(
        text.contains(&format!("{:<34} 0", "Tickets opened")),
        "{text}"
    );
    assert!(text.contains("One-touch resolution"), "{text}");
    let o = bin()
        .current_dir(dir.path())
        .args(["report", "--until", "31.01.2026"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(out(&o).contains("--until \"31.01.2026\""), "{}", out(&o));
}

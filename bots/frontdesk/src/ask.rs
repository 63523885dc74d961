//! `frontdesk ask`: the decision the bot would take for a customer's first message, with the
//! matches it rests on.
use anyhow::Result;
use clap::Args;
use frontdesk_kb::SearchOptions;
use frontdesk_kb::decide::{Decision, Thresholds, decide};
use frontdesk_kb::intents::{Intent, Intents};
use serde_json::json;

use crate::config::Config;

#[derive(Args, Debug)]
pub(crate) struct AskArgs {
    /// The question.
    question: String,
    /// How many matches to show.
    #[arg(long, short = 'n', default_value_t = 5)]
    limit: usize,
    /// Preferred language.
    #[arg(long)]
    lang: Option<String>,
    /// Show the matched phrasing, the terms that counted and the runner-up.
    #[arg(long)]
    explain: bool,
    /// Print one JSON object: `decision`, `intent`, `matches` (id, lang, confidence, margin,
    /// phrasing), `suggested`, `thresholds`.
    #[arg(long)]
    json: bool,
}

/// The built-in intents extended by the configured `[conversation]` phrasings, as the bot
/// builds them.
pub(crate) fn intents(cfg: &Config) -> Intents {
    let c = &cfg.conversation;
    let mut i = Intents::builtin();
    for (lang, ps) in &c.handoff_phrases {
        i = i.with_extra(lang, Intent::Handoff, ps);
    }
    for (lang, ps) in &c.not_solved_phrases {
        i = i.with_extra(lang, Intent::NotSolved, ps);
    }
    i
}

pub(crate) fn ask(cfg: &Config, args: AskArgs) -> Result<()> {
    let kb = crate::load_kb(&cfg.kb_dir())?;
    let t = Thresholds {
        answer: cfg.kb.answer_threshold,
        suggest: cfg.kb.suggest_threshold,
        suggestions: cfg.kb.suggestions,
    };
    let intents = intents(cfg);
    let mut d = decide(
        &kb,
        Some(&intents),
        &args.question,
        &t,
        &SearchOptions {
            limit: args.limit,
            lang: args.lang.clone(),
            explain: true,
        },
    );
    d.hits.truncate(
        args.limit
            .max(d.suggested.iter().max().map_or(0, |m| m + 1)),
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&d, &t))?);
        return Ok(());
    }
    print_text(&d, &t, &args);
    Ok(())
}

fn to_json(d: &Decision, t: &Thresholds) -> serde_json::Value {
    json!({
        "decision": d.action.as_str(),
        "intent": d.intent,
        "matches": d.hits.iter().map(|h| json!({
            "id": h.id,
            "lang": h.lang,
            "confidence": h.confidence,
            "margin": h.margin,
            "phrasing": h.phrasing,
        })).collect::<Vec<_>>(),
        "suggested": d.suggested.iter().map(|i| &d.hits[*i].id).collect::<Vec<_>>(),
        "thresholds": { "answer": t.answer, "suggest": t.suggest },
    })
}

fn print_text(d: &Decision, t: &Thresholds, args: &AskArgs) {
    let why = match (&d.intent, d.hits.first()) {
        (Some(m), _) => format!(
            "{} (like “{}” [{}], score {:.2})",
            m.intent.as_str().replace('_', "-"),
            m.phrasing,
            m.lang,
            m.confidence
        ),
        (None, Some(h)) => format!("best match {:.3}", h.confidence),
        (None, None) => "no match".to_owned(),
    };
    let verdict = match d.action {
        frontdesk_kb::decide::Action::Answer => "answer",
        frontdesk_kb::decide::Action::Suggest => "suggest (did you mean)",
        frontdesk_kb::decide::Action::Handoff => "handoff (a request for a person)",
        frontdesk_kb::decide::Action::NotSolved => "not solved (after an answer: escalate)",
        frontdesk_kb::decide::Action::Erase => {
            "erase (asks the customer to confirm erasing their data)"
        }
        frontdesk_kb::decide::Action::Escalate => "escalate (nothing close)",
    };
    println!(
        "decision: {verdict}: {why} (answer ≥ {:.2}, suggest ≥ {:.2})",
        t.answer, t.suggest
    );
    if !d.suggested.is_empty() {
        let ids: Vec<&str> = d.suggested.iter().map(|i| d.hits[*i].id.as_str()).collect();
        println!("offered: {}", ids.join(", "));
    }
    for (i, h) in d.hits.iter().enumerate() {
        println!(
            "{:>2}. {:<28} {}  confidence {:.3}  margin {:.3}",
            i + 1,
            h.id,
            h.lang,
            h.confidence,
            h.margin
        );
        println!("    matched: {}", h.phrasing);
        if args.explain {
            let terms: Vec<String> = h
                .explanation
                .terms
                .iter()
                .map(|(t, w)| format!("{t} ({w:.2})"))
                .collect();
            println!(
                "    terms: {}",
                if terms.is_empty() {
                    "-".into()
                } else {
                    terms.join(", ")
                }
            );
            if !h.explanation.corrected.is_empty() {
                let c: Vec<String> = h
                    .explanation
                    .corrected
                    .iter()
                    .map(|(a, b)| format!("{a} → {b}"))
                    .collect();
                println!("    typos corrected: {}", c.join(", "));
            }
            let [bm25, words, grams, nearest] = h.explanation.signals;
            println!(
                "    score {:.3} = weighted BM25 {bm25:.3}, word centroid {words:.3}, \
                 n-gram centroid {grams:.3}, two nearest phrasings {nearest:.3}",
                h.explanation.raw_score
            );
        }
    }
    if args.explain {
        match d.hits.iter().find(|h| h.id != d.hits[0].id) {
            Some(r) if !d.hits.is_empty() => println!(
                "runner-up: {} ({}) at {:.3}, margin {:.3}",
                r.id, r.lang, r.confidence, d.hits[0].margin
            ),
            _ => println!("runner-up: none"),
        }
    }
}

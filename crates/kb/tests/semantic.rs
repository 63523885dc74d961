//! The embedding model (`semantic.rs`): sentence vectors and what they add to matching.
//!
//! The model's files come from `models/fetch.sh`; without them these tests fail under
//! `CI=true` and are skipped, saying so, elsewhere.

use std::sync::Arc;

use frontdesk_kb::semantic::{Embedder, TOKENIZER_FILE, WEIGHTS_FILE};
use frontdesk_kb::{Entry, Kb, KbError, SearchOptions};

fn model() -> Option<Arc<Embedder>> {
    let m = Embedder::shared();
    if m.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no embedding model: run models/fetch.sh"
        );
        eprintln!("skipped: no embedding model (run models/fetch.sh)");
    }
    m
}

fn vector(m: &Embedder, text: &str) -> Vec<f32> {
    let mut v = Vec::new();
    assert!(m.embed(text, &mut v), "{text}");
    v
}

fn cos(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn related_questions_are_closer_than_unrelated_ones() {
    let Some(m) = model() else { return };
    let parcel = vector(&m, "my parcel never arrived");
    let package = vector(&m, "the package has not been delivered yet");
    let password = vector(&m, "how do I reset my password");
    let norm = cos(&parcel, &parcel);
    assert!((norm - 1.0).abs() < 1e-4, "unit length: {norm}");
    assert!(
        cos(&parcel, &package) > cos(&parcel, &password) + 0.05,
        "{} against {}",
        cos(&parcel, &package),
        cos(&parcel, &password)
    );
}

#[test]
fn case_and_diacritics_do_not_change_the_vector() {
    let Some(m) = model() else { return };
    assert_eq!(
        vector(&m, "WHERE IS MY ORDER"),
        vector(&m, "where is my order")
    );
    assert_eq!(vector(&m, "Café crème"), vector(&m, "cafe creme"));
}

#[test]
fn a_text_without_tokens_has_no_vector() {
    let Some(m) = model() else { return };
    let mut v = vec![1.0; 3];
    assert!(!m.embed("", &mut v));
    assert_eq!(v.len(), m.dims());
    assert!(v.iter().all(|x| *x == 0.0));
}

#[test]
fn a_question_sharing_no_word_with_its_entry_is_answered_by_its_meaning() {
    if model().is_none() {
        return;
    }
    let entry = |id: &str, qs: &[&str]| Entry {
        id: id.into(),
        lang: "en".into(),
        questions: qs.iter().map(|q| q.to_string()).collect(),
        answer: String::new(),
        tags: Vec::new(),
        follow_ups: Vec::new(),
        source: None,
    };
    let kb = Kb::from_entries(vec![
        entry(
            "weather",
            &["what's the weather like", "weather forecast for today"],
        ),
        entry(
            "password",
            &["how do I reset my password", "I forgot my password"],
        ),
        entry(
            "opening-hours",
            &["when are you open", "what are your opening hours"],
        ),
    ])
    .unwrap();
    let opts = SearchOptions {
        lang: Some("en".into()),
        ..Default::default()
    };
    let answer = frontdesk_kb::decide::DEFAULT_ANSWER_THRESHOLD;
    // Lexically, "weather" is ranked first at 0.46: "did you mean", not an answer.
    let hits = kb.search("is it going to rain tomorrow", &opts);
    assert_eq!(hits[0].id, "weather", "{hits:?}");
    assert!(hits[0].confidence >= answer, "{hits:?}");
    // Lexically, "I" makes this the password entry at 0.67: a wrong answer.
    let hits = kb.search("do I need an umbrella", &opts);
    assert!(hits[0].confidence < answer, "{hits:?}");
}

#[test]
fn odd_and_oversized_text_is_embedded_without_failing() {
    let Some(m) = model() else { return };
    // Control characters, escape codes, emoji, a lone combining mark, mixed scripts.
    let odd = "\u{1b}[31mred\u{7}\u{0} ʕ•ᴥ•ʔ 🙂 \u{301} Ünïcödé ĄČĘĖĮŠŲŪŽ кириллица 漢字";
    let v = vector(&m, odd);
    assert!(v.iter().all(|x| x.is_finite()), "{v:?}");
    // A flood of text is cut: its vector is the one of its first part.
    let long = "where is my parcel ".repeat(100_000);
    let short = "where is my parcel ".repeat(200);
    assert_eq!(vector(&m, &long), vector(&m, &short));
}

#[test]
fn a_broken_model_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // No files at all.
    let e = Embedder::load(dir.path()).unwrap_err();
    assert!(e.to_string().contains(TOKENIZER_FILE), "{e}");
    // A tokenizer that is not one.
    std::fs::write(dir.path().join(TOKENIZER_FILE), "{not json").unwrap();
    let e = Embedder::load(dir.path()).unwrap_err();
    assert!(matches!(e, KbError::Model { .. }), "{e:?}");
    assert!(e.to_string().contains(TOKENIZER_FILE), "{e}");
    // A real tokenizer with weights that are not a safetensors file.
    let Some(_) = model() else { return };
    let real = std::env::var_os("FRONTDESK_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| frontdesk_kb::semantic::DEFAULT_DIR.into());
    std::fs::copy(real.join(TOKENIZER_FILE), dir.path().join(TOKENIZER_FILE)).unwrap();
    std::fs::write(dir.path().join(WEIGHTS_FILE), b"\x08\0\0\0\0\0\0\0{}").unwrap();
    let e = Embedder::load(dir.path()).unwrap_err();
    assert!(e.to_string().contains(WEIGHTS_FILE), "{e}");
}

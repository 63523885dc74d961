//! Tests of the index and the matcher.
use super::*;

fn e(id: &str, lang: &str, qs: &[&str]) -> Entry {
    Entry {
        id: id.into(),
        lang: lang.into(),
        questions: qs.iter().map(|q| (*q).to_owned()).collect(),
        answer: format!("answer {id}"),
        tags: Vec::new(),
        follow_ups: Vec::new(),
        source: None,
    }
}

fn kb() -> Kb {
    Kb::from_entries(vec![
        e(
            "order-status",
            "en",
            &[
                "Where is my order?",
                "How can I track my parcel?",
                "tracking number",
            ],
        ),
        e(
            "delivery-time",
            "en",
            &[
                "How long does delivery take?",
                "delivery time",
                "when will my parcel arrive",
            ],
        ),
        e(
            "refund-time",
            "en",
            &[
                "When do I get my refund?",
                "how long does a refund take",
                "money back",
            ],
        ),
        e(
            "invoice",
            "lt",
            &[
                "Kur rasti sąskaitą faktūrą?",
                "Reikia sąskaitos faktūros",
                "sąskaita faktūra",
            ],
        ),
        e(
            "order-status",
            "lt",
            &[
                "Kur mano užsakymas?",
                "Kaip sekti siuntą?",
                "siunta neatkeliavo",
            ],
        ),
        e(
            "delivery-time",
            "et",
            &[
                "Kui kaua kättetoimetamine aega võtab?",
                "Millal pakk kohale jõuab?",
            ],
        ),
        e(
            "return-policy",
            "et",
            &[
                "Kuidas toodet tagastada?",
                "tagastamine",
                "Tahan toote tagasi saata",
            ],
        ),
    ])
    .unwrap()
}

fn top(kb: &Kb, q: &str) -> Hit {
    kb.search(q, &SearchOptions::default())
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no hit for {q}"))
}

#[test]
fn exact_phrasings_win_with_high_confidence() {
    let kb = kb();
    let h = top(&kb, "Where is my order?");
    assert_eq!((h.id.as_str(), h.lang.as_str()), ("order-status", "en"));
    assert!(
        h.confidence > 0.5 && h.confidence <= 1.0,
        "{}",
        h.confidence
    );
    assert_eq!(h.phrasing, "Where is my order?");
    assert!(h.margin > 0.0);
}

#[test]
fn typos_are_corrected_against_the_vocabulary() {
    let kb = kb();
    let h = top(&kb, "how long does delivry tkae");
    assert_eq!(h.id, "delivery-time");
    assert!(
        h.explanation
            .corrected
            .iter()
            .any(|(a, _)| a.starts_with("delivr")),
        "{:?}",
        h.explanation
    );
}

#[test]
fn missing_diacritics_score_exactly_the_same() {
    let kb = kb();
    for (with, without) in [
        ("Kur rasti sąskaitą faktūrą?", "Kur rasti saskaita faktura?"),
        (
            "Kui kaua kättetoimetamine aega võtab?",
            "Kui kaua kattetoimetamine aega votab?",
        ),
        ("Kuidas toodet tagastada", "Kuidas toodet tagastada"),
    ] {
        let a = kb.search(with, &SearchOptions::default());
        let b = kb.search(without, &SearchOptions::default());
        assert_eq!(a[0].id, b[0].id, "{with}");
        assert_eq!(a[0].confidence, b[0].confidence, "{with}");
    }
    assert_eq!(top(&kb, "saskaita").id, "invoice");
}

#[test]
fn word_order_does_not_matter() {
    let kb = kb();
    assert_eq!(top(&kb, "order my where is").id, "order-status");
    assert_eq!(top(&kb, "uzsakymas mano kur").id, "order-status");
    assert_eq!(top(&kb, "uzsakymas mano kur").lang, "lt");
    assert_eq!(
        top(&kb, "aega kättetoimetamine kaua võtab").id,
        "delivery-time"
    );
}

#[test]
fn confidence_is_calibrated_and_unrelated_text_scores_low() {
    let kb = kb();
    let good = top(&kb, "how long does a refund take").confidence;
    let hits = kb.search("quantum chromodynamics lecture", &SearchOptions::default());
    let bad = hits.first().map_or(0.0, |h| h.confidence);
    assert!(good > bad + 0.3, "good {good} bad {bad}");
    for h in kb.search(
        "my parcel",
        &SearchOptions {
            limit: 10,
            lang: None,
            explain: false,
        },
    ) {
        assert!((0.0..=1.0).contains(&h.confidence));
        assert!(h.margin <= h.confidence);
    }
    assert!(kb.search("", &SearchOptions::default()).is_empty());
    assert!(kb.search("?!", &SearchOptions::default()).is_empty());
}

#[test]
fn the_preferred_language_is_honoured_and_limits_hold() {
    let kb = kb();
    let hits = kb.search(
        "parcel",
        &SearchOptions {
            limit: 2,
            lang: Some("en".into()),
            explain: false,
        },
    );
    assert!(hits.len() <= 2);
    assert!(hits.iter().all(|h| h.lang == "en"));
}

#[test]
fn answers_and_tags_are_weaker_fields() {
    let mut a = e("damaged-item", "en", &["my item arrived damaged"]);
    a.answer = "Send us a photo of the broken goods and the courier's box.".into();
    a.tags = vec!["returns".into(), "warranty".into()];
    let b = e("delivery-time", "en", &["how long does delivery take"]);
    let kb = Kb::from_entries(vec![a, b]).unwrap();
    // Words only the answer or the tags have still find the entry.
    assert_eq!(top(&kb, "photo for the courier").id, "damaged-item");
    assert_eq!(top(&kb, "warranty").id, "damaged-item");
    // A CSV knowledge base's answer is its label: never matched on.
    let csv = Kb::from_labeled(vec![
        crate::eval::LabeledQuery {
            text: "where is my parcel".into(),
            label: "zebra".into(),
        },
        crate::eval::LabeledQuery {
            text: "refund please".into(),
            label: "other".into(),
        },
    ])
    .unwrap();
    assert!(csv.search("zebra", &SearchOptions::default()).is_empty());
}

#[test]
fn near_duplicates_across_entries_only() {
    let kb = Kb::from_entries(vec![
        e("a", "en", &["how long does delivery take", "parcel"]),
        e("b", "en", &["how long does delivery take please"]),
        e("c", "lt", &["how long does delivery take"]),
    ])
    .unwrap();
    let d = kb.near_duplicates(0.6);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].a.0.as_str(), d[0].b.0.as_str()), ("a", "b"));
    assert!(d[0].to_string().contains("% similar"));
    assert!(kb.near_duplicates(1.01).is_empty());
}

#[test]
fn languages_are_detected_from_the_kb_too() {
    let kb = kb();
    assert_eq!(
        kb.detect_language("kur mano uzsakymas").as_deref(),
        Some("lt")
    );
    assert_eq!(
        kb.detect_language("Kuidas toodet tagastada").as_deref(),
        Some("et")
    );
    assert_eq!(
        kb.detect_language("where is my parcel").as_deref(),
        Some("en")
    );
}

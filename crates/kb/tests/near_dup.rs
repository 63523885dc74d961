//! The near-duplicate check's prefix filter finds exactly the pairs an exhaustive comparison
//! finds, and never compares two phrasings of one entry.

use frontdesk_kb::{Entry, Kb};

fn entry(id: &str, lang: &str, questions: Vec<String>) -> Entry {
    Entry {
        id: id.into(),
        lang: lang.into(),
        questions,
        answer: "a".into(),
        tags: vec![],
        follow_ups: vec![],
        source: None,
    }
}

/// 120 entries of four phrasings from a small vocabulary (so many pairs are alike), in two
/// languages, from a fixed linear congruential sequence.
fn kb() -> Kb {
    const WORDS: &[&str] = &[
        "where", "is", "my", "order", "parcel", "refund", "card", "late", "how", "do", "i", "pay",
        "return", "invoice", "change", "address", "cancel", "account", "login", "help",
    ];
    let mut x: u64 = 7;
    let mut next = move || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (x >> 33) as usize
    };
    let entries = (0..120)
        .map(|i| {
            let qs = (0..4)
                .map(|k| {
                    let mut q: Vec<&str> = (0..3 + next() % 3)
                        .map(|_| WORDS[next() % WORDS.len()])
                        .collect();
                    q.push(["one", "two", "three", "four"][k]);
                    q.join(" ")
                })
                .collect();
            entry(&format!("e{i}"), if i % 3 == 0 { "lt" } else { "en" }, qs)
        })
        .collect();
    Kb::from_entries(entries).unwrap()
}

#[test]
fn the_prefix_filter_misses_no_pair() {
    let kb = kb();
    // At a tiny threshold every gram is indexed: the exhaustive comparison.
    let all = kb.near_duplicates(1e-6);
    assert!(all.len() > 1000, "{}", all.len());
    for t in [0.3, 0.5, 0.7, 0.9] {
        let mut want: Vec<_> = all.iter().filter(|d| d.similarity >= t).cloned().collect();
        let sorted = kb.near_duplicates(t);
        let mut got = sorted.clone();
        let key = |d: &frontdesk_kb::NearDuplicate| (d.a.clone(), d.b.clone());
        want.sort_by_key(key);
        got.sort_by_key(key);
        assert_eq!(
            got.iter().map(key).collect::<Vec<_>>(),
            want.iter().map(key).collect::<Vec<_>>(),
            "at {t}"
        );
        assert!(!got.is_empty(), "at {t}");
        let (top, total) = kb.near_duplicates_at_most(t, 5);
        assert_eq!(total, got.len());
        assert_eq!(top.len(), 5.min(total));
        // The most similar ones, as `near_duplicates` orders them.
        let sims =
            |v: &[frontdesk_kb::NearDuplicate]| v.iter().map(|d| d.similarity).collect::<Vec<_>>();
        assert_eq!(sims(&top), sims(&sorted[..top.len()]), "at {t}");
    }
    assert!(
        all.iter().all(|d| d.a.0 != d.b.0),
        "two phrasings of one entry compared"
    );
}

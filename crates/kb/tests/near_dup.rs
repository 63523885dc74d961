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
    let exact: std::collections::HashMap<_, _> = all
        .iter()
        .map(|d| ((d.a.clone(), d.b.clone()), d.similarity.to_bits()))
        .collect();
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
        // A pair's similarity is the same whatever the threshold asked.
        for d in &got {
            assert_eq!(exact[&key(d)], d.similarity.to_bits(), "at {t}");
        }
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

#[test]
fn only_pairs_of_one_language_and_two_entries_are_found() {
    let q = |s: &str| vec![s.to_owned(), format!("{s} please")];
    // Languages interleaved in load order; `a` is in both languages with the same phrasings.
    let kb = Kb::from_entries(vec![
        entry("a", "en", q("where is my parcel")),
        entry("a", "lt", q("where is my parcel")),
        entry("c", "lt", q("where is my parcel now")),
        entry("b", "en", q("where is my parcel")),
        entry("z", "en", q("cancel the subscription")),
    ])
    .unwrap();
    let all = kb.near_duplicates(1e-6);
    for d in &all {
        assert_ne!(d.a.0, d.b.0, "{d}");
        for (id, text) in [&d.a, &d.b] {
            let e = kb.entry(&d.lang, id).unwrap();
            assert!(e.questions.contains(text), "{d}");
        }
    }
    let pairs = |lang: &str, a: &str, b: &str| {
        all.iter()
            .filter(|d| d.lang == lang && d.a.0 == a && d.b.0 == b)
            .count()
    };
    // Every pair of phrasings of `a` and `b` in English, of `a` and `c` in Lithuanian; no other
    // pair is alike above 0.9 than the identical ones.
    assert_eq!(pairs("en", "a", "b"), 4);
    assert_eq!(pairs("lt", "a", "c"), 4);
    let close: Vec<_> = kb
        .near_duplicates(0.9)
        .into_iter()
        .map(|d| (d.lang, d.a.1, d.b.1, d.similarity))
        .collect();
    assert_eq!(close.len(), 2, "{close:?}");
    assert!(
        close
            .iter()
            .all(|(l, x, y, s)| l == "en" && x == y && *s > 0.999),
        "{close:?}"
    );
}

#[test]
fn the_search_stops_after_the_pairs_asked_and_says_so() {
    let kb = kb();
    let all = kb.near_duplicates(0.5);
    assert!(all.len() > 50, "{}", all.len());
    let pairs: std::collections::HashSet<_> =
        all.iter().map(|d| (d.a.clone(), d.b.clone())).collect();
    let (top, total, complete) = kb.near_duplicates_until(0.5, 10, 30);
    assert_eq!((total, complete), (30, false));
    assert_eq!(top.len(), 10);
    // What it shows are real pairs, most similar first.
    assert!(
        top.iter()
            .all(|d| pairs.contains(&(d.a.clone(), d.b.clone())))
    );
    assert!(top.windows(2).all(|w| w[0].similarity >= w[1].similarity));
    // Asked for more than there are, it counts them all.
    let (_, total, complete) = kb.near_duplicates_until(0.5, 10, all.len() + 1);
    assert_eq!((total, complete), (all.len(), true));
}

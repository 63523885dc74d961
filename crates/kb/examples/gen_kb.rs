//! Writes a large synthetic knowledge base, to measure `frontdesk kb check` and `frontdesk
//! ask` on it (nothing of it is committed):
//!
//! ```sh
//! cargo run --release -p frontdesk-kb --example gen_kb -- /tmp/kb-phr phrasings 100000
//! cargo run --release -p frontdesk-kb --example gen_kb -- /tmp/kb-ent entries 20000
//! cargo run --release -p frontdesk -- kb check /tmp/kb-phr
//! ```
//!
//! `phrasings N`: one entry with N phrasings (plus ten ordinary entries); `entries N`: N
//! entries of three phrasings each, in files of 500 entries. Phrasings are drawn from a fixed
//! support vocabulary and made-up words with SplitMix64 (seed 1): the same files on every
//! machine.

use std::fmt::Write as _;
use std::path::Path;

const WORDS: &[&str] = &[
    "order",
    "parcel",
    "delivery",
    "refund",
    "invoice",
    "payment",
    "card",
    "account",
    "password",
    "login",
    "return",
    "exchange",
    "warranty",
    "discount",
    "coupon",
    "voucher",
    "shipping",
    "address",
    "courier",
    "tracking",
    "number",
    "size",
    "colour",
    "price",
    "stock",
    "subscription",
    "newsletter",
    "receipt",
    "bank",
    "transfer",
    "cancel",
    "change",
    "update",
    "broken",
    "missing",
    "late",
    "wrong",
    "damaged",
    "charged",
    "twice",
    "today",
    "tomorrow",
    "week",
    "store",
    "pickup",
    "locker",
    "gift",
    "wrapping",
    "battery",
    "charger",
    "screen",
    "cable",
    "manual",
    "install",
    "app",
    "email",
    "phone",
    "verify",
    "code",
    "limit",
];

const STARTS: &[&str] = &[
    "where is my",
    "how do i",
    "can i",
    "why was my",
    "what about the",
    "help with",
    "problem with my",
    "when will the",
    "is it possible to",
    "i need a",
];

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    /// A made-up product name such as `velmora`.
    fn name(&mut self) -> String {
        const SYL: &[&str] = &[
            "ka", "ve", "lo", "mi", "ra", "tu", "sen", "dor", "pa", "li", "no", "xi", "bel", "qua",
        ];
        (0..2 + self.next() % 3).map(|_| self.pick(SYL)).collect()
    }

    /// A phrasing: an opening and three to six words, drawn from the support words and 2,000
    /// made-up ones with a Zipf-like bias to the first (as in real text, a few words are
    /// everywhere and most are rare).
    fn phrasing(&mut self, vocab: &[String]) -> String {
        let mut p = self.pick(STARTS).to_owned();
        for _ in 0..3 + self.next() % 4 {
            let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
            let i = ((vocab.len() as f64) * u * u * u) as usize;
            p.push(' ');
            p.push_str(&vocab[i.min(vocab.len() - 1)]);
        }
        p
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, mode, n] = args.as_slice() else {
        eprintln!("usage: gen_kb OUT_DIR (phrasings|entries) N");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a number");
    let dir = Path::new(out).join("en");
    std::fs::create_dir_all(&dir).expect("create the output directory");
    let mut rng = SplitMix64(1);
    let mut vocab: Vec<String> = WORDS.iter().map(|w| (*w).to_owned()).collect();
    while vocab.len() < WORDS.len() + 2000 {
        vocab.push(rng.name());
    }
    let entry = |rng: &mut SplitMix64, id: &str, phrasings: usize, text: &mut String| {
        writeln!(text, "## {id}").unwrap();
        let mut seen = std::collections::HashSet::new();
        while seen.len() < phrasings {
            let p = rng.phrasing(&vocab);
            if seen.insert(p.clone()) {
                writeln!(text, "? {p}").unwrap();
            }
        }
        writeln!(text, "\nThe answer about {id}.\n").unwrap();
    };
    match mode.as_str() {
        "phrasings" => {
            let mut text = String::from("# Big\n");
            entry(&mut rng, "big", n, &mut text);
            for i in 0..10 {
                entry(&mut rng, &format!("small-{i}"), 3, &mut text);
            }
            std::fs::write(dir.join("big.md"), text).expect("write");
        }
        "entries" => {
            for file in 0..n.div_ceil(500) {
                let mut text = format!("# Part {file}\n");
                for i in file * 500..((file + 1) * 500).min(n) {
                    entry(&mut rng, &format!("entry-{i}"), 3, &mut text);
                }
                std::fs::write(dir.join(format!("part-{file:03}.md")), text).expect("write");
            }
        }
        other => {
            eprintln!("unknown mode `{other}`: phrasings or entries");
            std::process::exit(2);
        }
    }
}

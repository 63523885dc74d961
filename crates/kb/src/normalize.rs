//! Normalisation for matching: folding (NFKD, marks dropped, case folded), light suffix
//! stripping per language (en, lt, et), typo-candidate trigrams, and language detection (from
//! letters, stop words and the knowledge base's own words).
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text: NFKD, combining marks dropped (`sąskaita` → `saskaita`, `tšau` → `tsau`),
/// lowercase, apostrophes dropped, every other run of non-alphanumerics one space.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        // The same rules without decomposition, which ASCII never needs (most questions).
        return fold_chars(text.chars(), text.len());
    }
    fold_chars(text.nfkd().filter(|c| !is_combining_mark(*c)), text.len())
}

fn fold_chars(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut space = true;
    for c in chars {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if c == '\'' || c == '’' {
            // "didn't" and "didnt" fold alike.
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

const EN_STOP: &[&str] = &[
    "a", "an", "the", "is", "are", "am", "was", "were", "be", "been", "do", "does", "did", "i",
    "me", "my", "we", "our", "you", "your", "it", "its", "to", "of", "in", "on", "for", "and",
    "or", "can", "could", "would", "should", "will", "please", "with", "at", "this", "that",
    "there", "what", "how", "there", "have", "has", "had", "hi", "hello", "im", "id", "ive", "so",
    "just", "about", "from", "by", "as", "if", "any", "some", "get", "got", "want", "need", "like",
    "know", "tell",
];
const LT_STOP: &[&str] = &[
    "ir", "ar", "kad", "kaip", "kur", "kas", "kada", "man", "mano", "as", "jus", "jusu", "tai",
    "yra", "su", "be", "is", "i", "prie", "del", "labas", "sveiki", "noriu", "reikia", "galiu",
    "gal", "ne", "taip", "bet", "o", "tik", "dar", "jau", "cia", "koks", "kokia", "kiek", "prasau",
    "aciu", "laba", "diena", "mane", "mus", "musu",
];
const ET_STOP: &[&str] = &[
    "ja", "ning", "on", "ei", "et", "kas", "kus", "kuidas", "mis", "millal", "mina", "ma", "minu",
    "mu", "teie", "te", "see", "selle", "ka", "aga", "kui", "siis", "palun", "tere", "soovin",
    "tahan", "vaja", "saan", "kas", "oma", "mul", "meil", "mida", "nii", "veel", "juba", "ikka",
    "aitah",
];

/// Negations: never light words, since "not helpful" and "helpful" mean opposite things.
const NEGATIONS: &[&str] = &[
    "no", "not", "nope", "never", "dont", "didnt", "doesnt", "isnt", "wont", "cant", "aint",
    "nothing", "ne", "nei", "nieko", "niekas", "ei", "pole", "mitte",
];

/// Whether a folded word is a negation ("not", "didnt", "ne", "ei", "pole").
pub fn is_negation(word: &str) -> bool {
    NEGATIONS.contains(&word)
}

/// Words that add urgency or politeness but no topic, in any of the languages.
const FILLERS: &[&str] = &[
    "now",
    "pls",
    "plz",
    "asap",
    "right",
    "immediately",
    "just",
    "ok",
    "okay",
    "hey",
    "who",
    "which",
    "here",
    "there",
    "then",
    "really",
    "kindly",
    "dabar",
    "prasom",
    "greiciau",
    "skubiai",
    "nors",
    "kas",
    "kuo",
    "kohe",
    "kiiresti",
    "ometi",
];

/// Whether `lang` is a language the normaliser knows (en, lt, et).
pub fn is_known_language(lang: &str) -> bool {
    matches!(lang, "en" | "lt" | "et")
}

/// Whether a folded word only adds urgency or politeness ("now", "pls", "skubiai", "kohe").
pub fn is_filler(word: &str) -> bool {
    FILLERS.contains(&word)
}

/// Whether a folded word is a function word of `lang` (stop words, greetings, "please"),
/// which carries less meaning than a content word. Negations are never function words.
pub fn is_function_word(word: &str, lang: &str) -> bool {
    // Per language: the stop words and fillers, less the negations (asked for every word of
    // every message, so a hash set rather than a scan of the lists).
    static SETS: OnceLock<[HashSet<&'static str>; 3]> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        [EN_STOP, LT_STOP, ET_STOP].map(|stop| {
            stop.iter()
                .chain(FILLERS)
                .copied()
                .filter(|w| !NEGATIONS.contains(w))
                .collect()
        })
    });
    let i = match lang {
        "lt" => 1,
        "et" => 2,
        _ => 0,
    };
    sets[i].contains(word)
}

const LT_END: &[&str] = &[
    "iausiai", "iausias", "omis", "amis", "emis", "imis", "uose", "ose", "ams", "ims", "ais",
    "ius", "ias", "iai", "ios", "iu", "io", "as", "is", "ys", "us", "os", "es", "ai", "ei", "ui",
    "a", "e", "i", "o", "u", "y", "s",
];
const ET_END: &[&str] = &[
    "desse", "dega", "dele", "dest", "mine", "mise", "tega", "tele", "test", "iga", "ile", "ilt",
    "ina", "ini", "ist", "nud", "sed", "sid", "sse", "tud", "de", "ga", "ks", "le", "lt", "na",
    "ni", "se", "st", "ta", "te", "d", "i", "s", "t",
];
const EN_END: &[&str] = &["ing", "ed", "es", "s", "ly"];

/// Strips one common inflectional ending from a folded word (keeping at least four letters),
/// and for Lithuanian and Estonian keeps at most six letters; words of four letters or fewer,
/// and words with digits, are kept whole.
pub fn stem(word: &str, lang: &str) -> String {
    let ends: &[&str] = match lang {
        "lt" => LT_END,
        "et" => ET_END,
        _ => EN_END,
    };
    let n = word.chars().count();
    if n <= 4 || word.chars().any(|c| c.is_ascii_digit()) {
        return word.to_owned();
    }
    let mut out = word;
    for e in ends {
        if word.ends_with(e) && n - e.chars().count() >= 4 {
            out = &word[..word.len() - e.len()];
            break;
        }
    }
    // Lithuanian and Estonian inflect (and Estonian compounds) far more than one ending can
    // undo: keeping the first six letters after the ending is stripped joins the forms of a
    // word, a long-known light stemmer for such languages.
    if matches!(lang, "lt" | "et")
        && let Some((i, _)) = out.char_indices().nth(6)
    {
        out = &out[..i];
    }
    if matches!(lang, "lt" | "et") {
        return out.to_owned();
    }
    english_tail(out)
}

/// Joins the English forms one stripped ending leaves apart, as the first step of Porter's
/// stemmer does: a final `e` goes (`improve` = `improv`ing, `charge` = `charg`es), a final
/// `y` becomes `i` (`delivery` = `deliveri`es, `apply` = `appli`ed) and a final doubled
/// consonant is single (`transferr`ed = `transfer`, `cancell`ed = `cancel`), each only
/// when four letters stay.
fn english_tail(stem: &str) -> String {
    let b = stem.as_bytes();
    let n = b.len();
    if n <= 4 || !stem.is_ascii() {
        return stem.to_owned();
    }
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
    match b[n - 1] {
        b'e' => stem[..n - 1].to_owned(),
        b'y' => format!("{}i", &stem[..n - 1]),
        c if c == b[n - 2] && !vowel(c) && c.is_ascii_alphabetic() => stem[..n - 1].to_owned(),
        _ => stem.to_owned(),
    }
}

/// The matching terms of a text: every folded word, stemmed by the rules of `lang`. Stop
/// words are kept: in support questions "how", "can" and "not" carry intent, and inverse
/// document frequency already gives common words little weight.
pub fn terms(text: &str, lang: &str) -> Vec<String> {
    stems(&fold(text), lang)
}

/// [`terms`] of an already folded text.
pub fn stems(folded: &str, lang: &str) -> Vec<String> {
    folded.split_whitespace().map(|t| stem(t, lang)).collect()
}

/// Character 3-grams of one word with `^`/`$` ends (the typo-candidate index).
pub fn trigrams(w: &str) -> Vec<String> {
    let padded: Vec<char> = format!("^{w}$").chars().collect();
    if padded.len() < 3 {
        return vec![];
    }
    (0..=padded.len() - 3)
        .map(|i| padded[i..i + 3].iter().collect())
        .collect()
}

/// How many letters two ASCII words have in common, counted with repeats (the size of the
/// intersection of their letter multisets): a cheap bound for edit distances and similarities
/// (`typos.rs`, `intents.rs`). `None` for other words, and for words over 255 bytes, whose
/// counts would not fit.
pub(crate) fn common_letters(a: &str, b: &str) -> Option<usize> {
    if !a.is_ascii() || !b.is_ascii() || a.len() > 255 || b.len() > 255 {
        return None;
    }
    let mut count = [0u8; 128];
    for c in a.bytes() {
        count[c as usize] += 1;
    }
    let mut m = 0usize;
    for c in b.bytes() {
        let k = &mut count[c as usize];
        if *k > 0 {
            *k -= 1;
            m += 1;
        }
    }
    Some(m)
}

/// Guesses the language of `text` from letters only Lithuanian or Estonian use, stop words,
/// and the words each language's entries use (`kb_words`). `None` when unsure.
pub fn detect_language(
    text: &str,
    kb_words: &HashMap<String, HashMap<String, f32>>,
) -> Option<String> {
    let lower = text.to_lowercase();
    let mut score: HashMap<&str, f32> = HashMap::new();
    for c in lower.chars() {
        match c {
            'ą' | 'č' | 'ę' | 'ė' | 'į' | 'ų' | 'ū' => {
                *score.entry("lt").or_default() += 3.0;
            }
            'õ' | 'ä' | 'ö' | 'ü' => {
                *score.entry("et").or_default() += 3.0;
            }
            _ => {}
        }
    }
    let f = fold(text);
    for w in f.split_whitespace() {
        for (lang, list) in [("en", EN_STOP), ("lt", LT_STOP), ("et", ET_STOP)] {
            if list.contains(&w) {
                *score.entry(lang).or_default() += 1.0;
            }
        }
        for (lang, words) in kb_words {
            if lang == "und" {
                continue;
            }
            if words.contains_key(w) {
                *score.entry(lang_static(lang)).or_default() += 0.5;
            }
        }
    }
    let mut v: Vec<(&str, f32)> = score.into_iter().filter(|(l, _)| !l.is_empty()).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    match v.as_slice() {
        [] => None,
        [(l, s)] if *s >= 1.0 => Some((*l).to_owned()),
        [(l, s), (_, s2), ..] if *s >= 1.0 && *s > *s2 => Some((*l).to_owned()),
        _ => None,
    }
}

fn lang_static(l: &str) -> &'static str {
    match l {
        "en" => "en",
        "lt" => "lt",
        "et" => "et",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_letters_count_repeats_and_refuse_what_they_cannot_count() {
        assert_eq!(common_letters("letter", "settle"), Some(5));
        assert_eq!(common_letters("abc", "xyz"), Some(0));
        assert_eq!(common_letters("", "abc"), Some(0));
        assert_eq!(common_letters("sąskaita", "saskaita"), None);
        assert_eq!(common_letters(&"a".repeat(300), "a"), None);
    }

    #[test]
    fn folding_drops_diacritics_case_and_punctuation() {
        assert_eq!(
            fold("Kur mano SĄSKAITA faktūra?"),
            "kur mano saskaita faktura"
        );
        assert_eq!(
            fold("Kättetoimetamine, tšekk; õun"),
            "kattetoimetamine tsekk oun"
        );
        assert_eq!(fold("Didn't   arrive!!"), "didnt arrive");
        assert_eq!(fold("ＦＵＬＬ width"), "full width");
    }

    #[test]
    fn ascii_is_folded_as_by_the_general_rules() {
        let all: String = (0u8..128).map(char::from).collect();
        let mut texts = vec![all.clone(), all.chars().rev().collect()];
        texts.extend(all.chars().map(|c| format!(" a{c}B {c}{c}9 ")));
        for t in texts {
            let general = fold_chars(t.nfkd().filter(|c| !is_combining_mark(*c)), 0);
            assert_eq!(fold(&t), general, "{t:?}");
        }
    }

    #[test]
    fn terms_keep_every_word_stemmed() {
        assert_eq!(
            terms("Where is my order?", "en"),
            vec!["wher", "is", "my", "order"]
        );
        assert_eq!(
            terms("Kur mano užsakymas?", "lt"),
            vec!["kur", "mano", "uzsaky"]
        );
        assert_eq!(
            terms("Kus on minu tellimus?", "et"),
            vec!["kus", "on", "minu", "tellim"]
        );
        assert!(terms("?!", "en").is_empty());
    }

    #[test]
    fn inflected_forms_share_a_stem() {
        // Lithuanian cases of "užsakymas" (order) and "sąskaita" (invoice).
        for w in ["uzsakymas", "uzsakymo", "uzsakyma", "uzsakymu"] {
            assert_eq!(stem(w, "lt"), "uzsaky", "{w}");
        }
        assert_eq!(stem("saskaitos", "lt"), stem("saskaita", "lt"));
        // Estonian cases of "tellimus" (order), "arve" (invoice) stays whole.
        assert_eq!(stem("tellimuse", "et"), stem("tellimust", "et"));
        assert_eq!(stem("arve", "et"), "arve");
        // English plurals and -ing.
        assert_eq!(stem("refunds", "en"), "refund");
        assert_eq!(stem("tracking", "en"), "track");
        assert_eq!(stem("4471", "en"), "4471");
        // A final e, y or doubled consonant does not keep forms apart.
        for (a, b) in [
            ("improve", "improving"),
            ("charge", "charges"),
            ("delivery", "deliveries"),
            ("apply", "applied"),
            ("transfer", "transferred"),
            ("cancel", "cancelled"),
            ("install", "installing"),
        ] {
            assert_eq!(stem(a, "en"), stem(b, "en"), "{a} / {b}");
        }
        // Short words stay whole; other languages keep their own rules.
        assert_eq!(stem("fill", "en"), stem("filled", "en"));
        assert_eq!(stem("rate", "en"), "rate");
        assert_eq!(stem("arve", "et"), "arve");
        assert_eq!(stem("sutrikimas", "lt"), "sutrik");
    }

    #[test]
    fn trigrams_mark_word_ends() {
        assert_eq!(trigrams("ab"), vec!["^ab", "ab$"]);
    }

    #[test]
    fn languages_are_told_apart() {
        let none = HashMap::new();
        assert_eq!(
            detect_language("Kur mano užsakymas?", &none).as_deref(),
            Some("lt")
        );
        assert_eq!(
            detect_language("Kus on minu tellimus? Ootan juba nädal", &none).as_deref(),
            Some("et")
        );
        assert_eq!(
            detect_language("Where is my order?", &none).as_deref(),
            Some("en")
        );
        assert_eq!(detect_language("4471", &none), None);
    }
}

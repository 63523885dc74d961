//! Every customer-visible bot text, in English, Lithuanian and Estonian.
//!
//! Texts are keyed by [`Text`]; configuration may override any of them per language
//! (`[texts.lt] ticket_opened = "..."`). Placeholders in braces (`{number}`, `{agent}`, ...) are
//! filled by the Engine. A language without a text falls back to English.

use std::collections::BTreeMap;

/// The key of a bot text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Text {
    /// Reply to `/start` or a greeting.
    Welcome,
    /// Button under an answer: the answer solved it.
    ButtonSolved,
    /// Button: talk to a person.
    ButtonHuman,
    /// Introduces the "did you mean" choices.
    DidYouMean,
    /// Thanks after "Solved".
    GladToHelp,
    /// Said when escalating because nothing matched.
    NoAnswer,
    /// The ticket is open: `{number}`.
    TicketOpened,
    /// The customer asked for a person while a ticket is open: `{number}`.
    TicketStillOpen,
    /// Prefix of an agent reply: `{agent}`.
    AgentSays,
    /// An agent took the ticket: `{agent}`, `{number}`.
    AgentJoined,
    /// Ticket closed, survey question: `{number}`.
    TicketClosedSurvey,
    /// Thanks for the score; invites a comment.
    SurveyThanks,
    /// Button: no comment.
    ButtonNoComment,
    /// Thanks for the comment.
    CommentThanks,
    /// The customer's message reopened the ticket: `{number}`.
    TicketReopened,
    /// A file arrived without a question.
    DescribeInWords,
    /// The bot could not hand over for a technical reason; the message is kept.
    HandoffDelayed,
    /// The customer writes faster than the flood limit; messages are kept, not answered.
    SlowDown,
}

impl Text {
    /// Every key.
    pub const ALL: [Text; 18] = [
        Text::Welcome,
        Text::ButtonSolved,
        Text::ButtonHuman,
        Text::DidYouMean,
        Text::GladToHelp,
        Text::NoAnswer,
        Text::TicketOpened,
        Text::TicketStillOpen,
        Text::AgentSays,
        Text::AgentJoined,
        Text::TicketClosedSurvey,
        Text::SurveyThanks,
        Text::ButtonNoComment,
        Text::CommentThanks,
        Text::TicketReopened,
        Text::DescribeInWords,
        Text::HandoffDelayed,
        Text::SlowDown,
    ];

    /// The key used in configuration.
    pub fn key(self) -> &'static str {
        match self {
            Text::Welcome => "welcome",
            Text::ButtonSolved => "button_solved",
            Text::ButtonHuman => "button_human",
            Text::DidYouMean => "did_you_mean",
            Text::GladToHelp => "glad_to_help",
            Text::NoAnswer => "no_answer",
            Text::TicketOpened => "ticket_opened",
            Text::TicketStillOpen => "ticket_still_open",
            Text::AgentSays => "agent_says",
            Text::AgentJoined => "agent_joined",
            Text::TicketClosedSurvey => "ticket_closed_survey",
            Text::SurveyThanks => "survey_thanks",
            Text::ButtonNoComment => "button_no_comment",
            Text::CommentThanks => "comment_thanks",
            Text::TicketReopened => "ticket_reopened",
            Text::DescribeInWords => "describe_in_words",
            Text::HandoffDelayed => "handoff_delayed",
            Text::SlowDown => "slow_down",
        }
    }

    /// The key named in configuration.
    pub fn from_key(key: &str) -> Option<Text> {
        Text::ALL.into_iter().find(|t| t.key() == key)
    }
}

/// The built-in text of a key in a language (`en`, `lt`, `et`); `None` for other languages.
pub fn builtin(lang: &str, text: Text) -> Option<&'static str> {
    use Text::*;
    Some(match (lang, text) {
        ("en", Welcome) => {
            "Hi! I'm the support assistant. Ask me anything about orders, delivery, returns, payments or your account. Type /human at any time to talk to a person."
        }
        ("en", ButtonSolved) => "✅ Solved",
        ("en", ButtonHuman) => "🙋 Talk to a person",
        ("en", DidYouMean) => "I'm not sure I understood. Did you mean one of these?",
        ("en", GladToHelp) => "Glad I could help! Write again any time.",
        ("en", NoAnswer) => "I couldn't find an answer to that, so I'm passing you to our team.",
        ("en", TicketOpened) => {
            "I've opened ticket #{number} for you. An agent will reply right here; you can keep writing and they will see everything."
        }
        ("en", TicketStillOpen) => {
            "Your ticket #{number} is open and our team has your messages. An agent will reply here."
        }
        ("en", AgentSays) => "{agent} (support)",
        ("en", AgentJoined) => "{agent} from our team is now handling ticket #{number}.",
        ("en", TicketClosedSurvey) => {
            "Ticket #{number} is now closed. How satisfied are you with the help you got? (1 = very unhappy, 5 = very happy)"
        }
        ("en", SurveyThanks) => {
            "Thank you for your rating! If you'd like to tell us more, write a comment now."
        }
        ("en", ButtonNoComment) => "No comment",
        ("en", CommentThanks) => "Thank you, your comment reached the team.",
        ("en", TicketReopened) => {
            "I've reopened ticket #{number} and passed your message to the team."
        }
        ("en", DescribeInWords) => {
            "Thanks for the file! Please describe your question in words, or tap the button to talk to a person."
        }
        ("en", SlowDown) => {
            "You're writing faster than I can keep up with. Everything you send is saved; please wait a minute before writing again."
        }
        ("en", HandoffDelayed) => {
            "Your message is saved, but I couldn't reach the team just now. I'll keep trying; you don't need to write again."
        }

        ("lt", Welcome) => {
            "Sveiki! Esu pagalbos asistentas. Klauskite apie užsakymus, pristatymą, grąžinimą, mokėjimus ar paskyrą. Bet kada parašykite /human ir jums atsakys žmogus."
        }
        ("lt", ButtonSolved) => "✅ Išspręsta",
        ("lt", ButtonHuman) => "🙋 Kalbėti su žmogumi",
        ("lt", DidYouMean) => "Nesu tikras, ar supratau. Galbūt turėjote omenyje vieną iš šių?",
        ("lt", GladToHelp) => "Džiaugiuosi, kad padėjau! Rašykite bet kada.",
        ("lt", NoAnswer) => "Neradau atsakymo į šį klausimą, todėl perduodu jus mūsų komandai.",
        ("lt", TicketOpened) => {
            "Sukūriau jums užklausą #{number}. Konsultantas atsakys čia pat; galite toliau rašyti – jis matys visas žinutes."
        }
        ("lt", TicketStillOpen) => {
            "Jūsų užklausa #{number} atidaryta, mūsų komanda mato jūsų žinutes. Konsultantas atsakys čia."
        }
        ("lt", AgentSays) => "{agent} (pagalba)",
        ("lt", AgentJoined) => "Užklausą #{number} dabar tvarko {agent} iš mūsų komandos.",
        ("lt", TicketClosedSurvey) => {
            "Užklausa #{number} uždaryta. Kaip vertinate gautą pagalbą? (1 – labai nepatenkintas, 5 – labai patenkintas)"
        }
        ("lt", SurveyThanks) => {
            "Ačiū už įvertinimą! Jei norite ką nors pridurti, parašykite komentarą dabar."
        }
        ("lt", ButtonNoComment) => "Be komentaro",
        ("lt", CommentThanks) => "Ačiū, jūsų komentaras perduotas komandai.",
        ("lt", TicketReopened) => {
            "Iš naujo atidariau užklausą #{number} ir perdaviau jūsų žinutę komandai."
        }
        ("lt", DescribeInWords) => {
            "Ačiū už failą! Aprašykite savo klausimą žodžiais arba paspauskite mygtuką ir kalbėkite su žmogumi."
        }
        ("lt", SlowDown) => {
            "Rašote greičiau, nei spėju atsakyti. Viskas, ką siunčiate, išsaugoma; prieš rašydami vėl palaukite minutę."
        }
        ("lt", HandoffDelayed) => {
            "Jūsų žinutė išsaugota, bet šiuo metu nepavyko susisiekti su komanda. Bandysiu toliau – rašyti iš naujo nereikia."
        }

        ("et", Welcome) => {
            "Tere! Olen klienditoe abiline. Küsige tellimuste, tarne, tagastamise, maksete või konto kohta. Kirjutage igal ajal /human ja teile vastab inimene."
        }
        ("et", ButtonSolved) => "✅ Lahendatud",
        ("et", ButtonHuman) => "🙋 Räägi inimesega",
        ("et", DidYouMean) => "Ma pole kindel, kas sain aru. Kas mõtlesite ühte neist?",
        ("et", GladToHelp) => "Mul on hea meel, et sain aidata! Kirjutage julgelt uuesti.",
        ("et", NoAnswer) => "Ma ei leidnud sellele vastust, seega suunan teid meie meeskonnale.",
        ("et", TicketOpened) => {
            "Avasin teile pöördumise #{number}. Klienditeenindaja vastab siinsamas; võite edasi kirjutada, ta näeb kõiki sõnumeid."
        }
        ("et", TicketStillOpen) => {
            "Teie pöördumine #{number} on avatud ja meie meeskond näeb teie sõnumeid. Klienditeenindaja vastab siin."
        }
        ("et", AgentSays) => "{agent} (klienditugi)",
        ("et", AgentJoined) => "Pöördumisega #{number} tegeleb nüüd {agent} meie meeskonnast.",
        ("et", TicketClosedSurvey) => {
            "Pöördumine #{number} on suletud. Kui rahul olete saadud abiga? (1 – väga rahulolematu, 5 – väga rahul)"
        }
        ("et", SurveyThanks) => {
            "Aitäh hinnangu eest! Kui soovite midagi lisada, kirjutage kommentaar kohe."
        }
        ("et", ButtonNoComment) => "Kommentaarita",
        ("et", CommentThanks) => "Aitäh, teie kommentaar jõudis meeskonnani.",
        ("et", TicketReopened) => {
            "Avasin pöördumise #{number} uuesti ja edastasin teie sõnumi meeskonnale."
        }
        ("et", DescribeInWords) => {
            "Aitäh faili eest! Palun kirjeldage oma küsimust sõnadega või vajutage nuppu, et rääkida inimesega."
        }
        ("et", SlowDown) => {
            "Kirjutate kiiremini, kui jõuan vastata. Kõik saadetu salvestatakse; palun oodake enne uuesti kirjutamist minut."
        }
        ("et", HandoffDelayed) => {
            "Teie sõnum on salvestatud, kuid praegu ei õnnestunud meeskonnaga ühendust saada. Proovin edasi – uuesti kirjutama ei pea."
        }
        _ => return None,
    })
}

/// The languages with built-in texts.
pub const BUILTIN_LANGUAGES: [&str; 3] = ["en", "lt", "et"];

/// Bot texts: built-ins plus per-language overrides from configuration.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    overrides: BTreeMap<String, BTreeMap<Text, String>>,
}

/// An unknown text key in configuration.
#[derive(Debug, thiserror::Error)]
#[error("unknown bot text key `{key}` for language `{lang}` (known keys: {known})")]
pub struct UnknownTextKey {
    /// The language section.
    pub lang: String,
    /// The unknown key.
    pub key: String,
    /// The known keys, comma-separated.
    pub known: String,
}

impl Texts {
    /// Built-in texts with overrides from configuration (`lang -> key -> text`).
    pub fn with_overrides(
        overrides: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<Texts, UnknownTextKey> {
        let mut out = Texts::default();
        for (lang, map) in overrides {
            for (key, value) in map {
                let Some(text) = Text::from_key(key) else {
                    return Err(UnknownTextKey {
                        lang: lang.clone(),
                        key: key.clone(),
                        known: Text::ALL.map(Text::key).join(", "),
                    });
                };
                out.overrides
                    .entry(lang.clone())
                    .or_default()
                    .insert(text, value.clone());
            }
        }
        Ok(out)
    }

    /// The text of a key in a language, falling back to English.
    pub fn get(&self, lang: &str, text: Text) -> &str {
        if let Some(s) = self.overrides.get(lang).and_then(|m| m.get(&text)) {
            return s;
        }
        if let Some(s) = builtin(lang, text) {
            return s;
        }
        if let Some(s) = self.overrides.get("en").and_then(|m| m.get(&text)) {
            return s;
        }
        builtin("en", text).unwrap_or(text.key())
    }

    /// The text with `{name}` placeholders filled.
    pub fn fill(&self, lang: &str, text: Text, vars: &[(&str, &str)]) -> String {
        let mut s = self.get(lang, text).to_owned();
        for (k, v) in vars {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_exists_in_every_builtin_language() {
        for lang in BUILTIN_LANGUAGES {
            for t in Text::ALL {
                let s = builtin(lang, t).unwrap_or_else(|| panic!("{lang} lacks {}", t.key()));
                assert!(!s.trim().is_empty());
            }
        }
    }

    #[test]
    fn translations_differ_from_english() {
        for t in Text::ALL {
            let en = builtin("en", t).unwrap();
            for lang in ["lt", "et"] {
                let other = builtin(lang, t).unwrap();
                // Placeholder-only texts aside, a copy of the English text is a missing translation.
                if en.chars().any(|c| c.is_alphabetic()) && t != Text::AgentSays {
                    assert_ne!(en, other, "{lang} text `{}` is the English one", t.key());
                }
            }
        }
    }

    #[test]
    fn placeholders_survive_translation() {
        for t in Text::ALL {
            let en = builtin("en", t).unwrap();
            for ph in ["{number}", "{agent}"] {
                if en.contains(ph) {
                    for lang in ["lt", "et"] {
                        assert!(builtin(lang, t).unwrap().contains(ph), "{lang} {}", t.key());
                    }
                }
            }
        }
    }

    #[test]
    fn overrides_and_fallback() {
        let mut o = BTreeMap::new();
        o.insert(
            "lt".to_owned(),
            BTreeMap::from([("glad_to_help".to_owned(), "Puiku!".to_owned())]),
        );
        let texts = Texts::with_overrides(&o).unwrap();
        assert_eq!(texts.get("lt", Text::GladToHelp), "Puiku!");
        assert_eq!(
            texts.get("et", Text::GladToHelp),
            builtin("et", Text::GladToHelp).unwrap()
        );
        assert_eq!(
            texts.get("fi", Text::GladToHelp),
            builtin("en", Text::GladToHelp).unwrap()
        );
        assert_eq!(
            texts.fill("en", Text::TicketOpened, &[("number", "7")]),
            builtin("en", Text::TicketOpened)
                .unwrap()
                .replace("{number}", "7")
        );
        o.insert(
            "en".to_owned(),
            BTreeMap::from([("nope".to_owned(), "x".to_owned())]),
        );
        let err = Texts::with_overrides(&o).unwrap_err();
        assert!(err.to_string().contains("`nope`"));
    }
}

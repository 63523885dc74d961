//! Every bot text, in English, Lithuanian and Estonian: what customers read and what agents
//! read in the desk.
//!
//! Where a text is, by its key (`[texts.LANG] key = "..."` in configuration):
//! - [`Text`] (below) lists every key, its placeholders and who reads it;
//! - `texts/customer.rs` holds the built-in customer texts (in the customer's language);
//! - `texts/agent.rs` holds the built-in desk texts (in the desk's language, `desk.lang`): command
//!   replies, the room summary, reminders and notices.
//!
//! Configuration may override any text per language (`[texts.lt] ticket_opened = "..."`).
//! Placeholders in braces (`{number}`, `{agent}`, ...) are filled by the Engine in one pass, so
//! a filled-in value (a customer's name, their message) is never read as a placeholder. A
//! language without a text falls back to English.

mod agent;
mod customer;

use std::collections::{BTreeMap, BTreeSet};

/// Who reads a text, and so which language it is said in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The customer, in their language.
    Customer,
    /// The agents in the desk, in the desk's language (`desk.lang`).
    Desk,
}

/// Declares the text keys: the [`Text`] enum, [`Text::ALL`], [`Text::key`], [`Text::audience`].
macro_rules! text_keys {
    ($( $(#[$doc:meta])* $variant:ident = $key:literal, $audience:ident; )*) => {
        /// The key of a bot text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Text {
            $( $(#[$doc])* $variant, )*
        }

        impl Text {
            /// Every key.
            pub const ALL: [Text; [$($key),*].len()] = [$(Text::$variant),*];

            /// The key used in configuration.
            pub fn key(self) -> &'static str {
                match self {
                    $(Text::$variant => $key,)*
                }
            }

            /// Who reads the text.
            pub fn audience(self) -> Audience {
                match self {
                    $(Text::$variant => Audience::$audience,)*
                }
            }
        }
    };
}

text_keys! {
    // --- What customers read (texts in `customer.rs`) ---
    /// Reply to `/start` or a greeting.
    Welcome = "welcome", Customer;
    /// Button under an answer: the answer solved it.
    ButtonSolved = "button_solved", Customer;
    /// Button: talk to a person.
    ButtonHuman = "button_human", Customer;
    /// Introduces the "did you mean" choices.
    DidYouMean = "did_you_mean", Customer;
    /// Thanks after "Solved".
    GladToHelp = "glad_to_help", Customer;
    /// Said when escalating because nothing matched.
    NoAnswer = "no_answer", Customer;
    /// The ticket is open: `{number}`.
    TicketOpened = "ticket_opened", Customer;
    /// The customer asked for a person while a ticket is open: `{number}`.
    TicketStillOpen = "ticket_still_open", Customer;
    /// Prefix of an agent reply: `{agent}`.
    AgentSays = "agent_says", Customer;
    /// An agent took the ticket: `{agent}`, `{number}`.
    AgentJoined = "agent_joined", Customer;
    /// Ticket closed, survey question: `{number}`.
    TicketClosedSurvey = "ticket_closed_survey", Customer;
    /// Thanks for the score; invites a comment.
    SurveyThanks = "survey_thanks", Customer;
    /// The optional Net Promoter question (buttons 0–10).
    SurveyNps = "survey_nps", Customer;
    /// The optional Customer Effort question (buttons 1–7).
    SurveyCes = "survey_ces", Customer;
    /// Button: no comment.
    ButtonNoComment = "button_no_comment", Customer;
    /// Thanks for the comment.
    CommentThanks = "comment_thanks", Customer;
    /// The customer's message reopened the ticket: `{number}`.
    TicketReopened = "ticket_reopened", Customer;
    /// A file arrived without a question.
    DescribeInWords = "describe_in_words", Customer;
    /// The bot could not hand over for a technical reason; the message is kept.
    HandoffDelayed = "handoff_delayed", Customer;
    /// The customer writes faster than the flood limit; messages are kept, not answered.
    SlowDown = "slow_down", Customer;
    /// The ticket is open, outside support hours: `{number}`, `{back}` (when the team is back,
    /// in the desk's local time, e.g. `Monday 2026-12-07 09:00 (Europe/Vilnius)`).
    TicketOpenedAfterHours = "ticket_opened_after_hours", Customer;
    /// The one gentle reminder to a customer silent since an agent reply: `{number}`.
    FollowupReminder = "followup_reminder", Customer;
    /// The ticket closed itself after the customer's silence, survey question: `{number}`.
    TicketAutoClosedSurvey = "ticket_auto_closed_survey", Customer;
    /// Said once to a blocked customer: messages are kept, not answered.
    Blocked = "blocked", Customer;
    /// `/forget` or a request to erase: asks to confirm with the buttons below.
    ForgetConfirm = "forget_confirm", Customer;
    /// Button: yes, erase my data.
    ButtonForget = "button_forget", Customer;
    /// Button: keep my data.
    ButtonKeep = "button_keep", Customer;
    /// The customer's data was erased.
    Forgotten = "forgotten", Customer;
    /// The customer chose to keep their data.
    ForgetKept = "forget_kept", Customer;

    // --- What agents read in the desk (texts in `agent.rs`) ---
    /// `/help`: the agent commands.
    AgentHelp = "agent_help", Desk;
    /// An unknown command (followed by `agent_help`): `{command}`.
    UnknownCommand = "unknown_command", Desk;
    /// `/claim` took the ticket: `{agent}`, `{number}`.
    Claimed = "claimed", Desk;
    /// `/claim` by the agent who holds it: `{number}`.
    ClaimAlreadyYours = "claim_already_yours", Desk;
    /// `/claim` of a ticket another agent holds: `{number}`, `{holder}`.
    ClaimTaken = "claim_taken", Desk;
    /// `/claim` of a closed ticket: `{number}`.
    ClaimClosed = "claim_closed", Desk;
    /// `/unclaim` released the ticket: `{agent}`, `{number}`.
    Unclaimed = "unclaimed", Desk;
    /// `/unclaim` by an agent who does not hold it: `{number}`.
    UnclaimNotYours = "unclaim_not_yours", Desk;
    /// `/note` without text.
    NoteUsage = "note_usage", Desk;
    /// `/snippet` or `/kb` on a closed ticket.
    ClosedReopenFirst = "closed_reopen_first", Desk;
    /// `/snippet` when none are configured.
    NoSnippets = "no_snippets", Desk;
    /// `/snippet` without a known name: `{names}`.
    SnippetUsage = "snippet_usage", Desk;
    /// `/kb` with an unknown entry: `{entry}`.
    KbUnknownEntry = "kb_unknown_entry", Desk;
    /// `/close` of a closed ticket: `{number}`.
    CloseAlreadyClosed = "close_already_closed", Desk;
    /// `/close` closed the ticket: `{agent}`, `{number}`.
    ClosedByAgent = "closed_by_agent", Desk;
    /// `/reopen` of an open ticket: `{number}`.
    ReopenAlreadyOpen = "reopen_already_open", Desk;
    /// `/reopen` reopened the ticket: `{agent}`, `{number}`.
    ReopenedByAgent = "reopened_by_agent", Desk;
    /// `/reopen` while the customer has another ticket open: `{agent}`, `{number}`.
    ReopenedByAgentElsewhere = "reopened_by_agent_elsewhere", Desk;
    /// `/priority` set it: `{number}`, `{priority}`.
    PrioritySet = "priority_set", Desk;
    /// `/priority` without a known level.
    PriorityUsage = "priority_usage", Desk;
    /// `/tag` without tags.
    TagUsage = "tag_usage", Desk;
    /// `/tag` added tags: `{number}`, `{tags}`.
    TagsSet = "tags_set", Desk;
    /// `/transcript`: the first line, `{number}`, `{count}`.
    TranscriptHeader = "transcript_header", Desk;
    /// Transcript: who a bot message is from.
    TranscriptBot = "transcript_bot", Desk;
    /// Transcript: an agent's message, `{name}`.
    TranscriptAgent = "transcript_agent", Desk;
    /// Transcript: an internal note, `{name}`.
    TranscriptNote = "transcript_note", Desk;
    /// Transcript: a command, `{name}`.
    TranscriptCommand = "transcript_command", Desk;
    /// Transcript: the files of a message, `{files}`.
    TranscriptFiles = "transcript_files", Desk;
    /// Transcript file: its title, `{number}`, `{subject}`.
    TranscriptFileTitle = "transcript_file_title", Desk;
    /// Transcript file: the ticket's details, `{desk}`, `{customer}`, `{platform}`, `{status}`,
    /// `{opened}`, `{closed}`, `{agent}`, `{priority}`, `{tags}`.
    TranscriptFileDetails = "transcript_file_details", Desk;
    /// Transcript file: what stands for a missing value (not closed, no agent, no tags).
    TranscriptFileNone = "transcript_file_none", Desk;
    /// Transcript file: marks an internal note (HTML badge).
    TranscriptFileInternal = "transcript_file_internal", Desk;
    /// Transcript file: what the file says when the ticket has no messages.
    TranscriptFileEmpty = "transcript_file_empty", Desk;
    /// The room message carrying the transcript files: `{number}`, `{count}`.
    TranscriptFileCaption = "transcript_file_caption", Desk;
    /// Room summary, first line: `{number}`, `{subject}`.
    SummaryTitle = "summary_title", Desk;
    /// Room summary: `{customer}`, `{platform}`, `{lang}` (the customer's language).
    SummaryCustomer = "summary_customer", Desk;
    /// Room summary: `{priority}`.
    SummaryPriority = "summary_priority", Desk;
    /// Room summary: what the bot tried, `{tried}` (one of the `tried_*` texts).
    SummaryBotTried = "summary_bot_tried", Desk;
    /// Room summary: heads the whole conversation.
    SummaryConversation = "summary_conversation", Desk;
    /// Room summary: heads the end of a long conversation, `{shown}`, `{total}`.
    SummaryConversationLast = "summary_conversation_last", Desk;
    /// Room summary, last line: how to reply and the commands.
    SummaryFooter = "summary_footer", Desk;
    /// Room summary: the claim button.
    ButtonClaim = "button_claim", Desk;
    /// What the bot tried: the customer asked for a person.
    TriedAskedForPerson = "tried_asked_for_person", Desk;
    /// What the bot tried: the customer typed `/human`.
    TriedSlashHuman = "tried_slash_human", Desk;
    /// What the bot tried: an answer the customer said did not help, `{entry}`.
    TriedAnswerNotHelpful = "tried_answer_not_helpful", Desk;
    /// What the bot tried: an answer, then the customer's words, `{entry}`, `{said}`.
    TriedAnswerCustomerSaid = "tried_answer_customer_said", Desk;
    /// What the bot tried: an answer no longer on record that did not help.
    TriedUnhelpfulAnswer = "tried_unhelpful_answer", Desk;
    /// What the bot tried: no confident match, `{entry}`, `{confidence}`.
    TriedNoConfidentMatch = "tried_no_confident_match", Desk;
    /// What the bot tried: nothing matched.
    TriedNoMatch = "tried_no_match", Desk;
    /// The subject of a ticket opened without a question: `{customer}`.
    SubjectFallback = "subject_fallback", Desk;
    /// Posted in the room when the customer rated the ticket: `{number}`, `{score}`.
    SurveyRated = "survey_rated", Desk;
    /// Posted in the room when the customer's message reopened the ticket: `{number}`.
    ReopenedByCustomer = "reopened_by_customer", Desk;
    /// An agent wrote in the room of a closed ticket: `{number}`.
    ClosedNoteKept = "closed_note_kept", Desk;
    /// First-response reminder: `{number}`, `{waited}`, `{target}` (minutes).
    ReminderFirst = "reminder_first", Desk;
    /// Later first-response reminders (they ping the agents): `{number}`, `{waited}`, `{target}`.
    ReminderAgain = "reminder_again", Desk;
    /// Next-response reminder (a customer's message waits on the agents): `{number}`,
    /// `{waited}` (at least, minutes), `{target}`.
    ReminderNext = "reminder_next", Desk;
    /// The customer was reminded after their silence: `{number}`, `{hours}`.
    FollowupSent = "followup_sent", Desk;
    /// The ticket closed itself after the customer's silence: `{number}`, `{hours}`.
    ClosedAutomatically = "closed_automatically", Desk;
    /// The ticket's previous room was deleted and this one replaces it: `{number}`.
    RoomReplaced = "room_replaced", Desk;
    /// The customer blocked the bot or left: `{number}`, `{platform}`, `{preview}`.
    CustomerUnreachable = "customer_unreachable", Desk;
    /// A message could not be delivered to the customer: `{number}`, `{reason}`, `{preview}`.
    NotDelivered = "not_delivered", Desk;
    /// The customer blocked the bot (Telegram): `{number}`.
    CustomerBlocked = "customer_blocked", Desk;
    /// The customer unblocked the bot: `{number}`.
    CustomerUnblocked = "customer_unblocked", Desk;
    /// `/block` blocked the customer: `{agent}`, `{number}`, `{reason}`.
    BlockedByAgent = "blocked_by_agent", Desk;
    /// `/block` of a customer blocked already: `{number}`.
    BlockAlready = "block_already", Desk;
    /// `/unblock` lifted the block: `{agent}`, `{number}`.
    UnblockedByAgent = "unblocked_by_agent", Desk;
    /// `/unblock` of a customer who is not blocked: `{number}`.
    UnblockNotBlocked = "unblock_not_blocked", Desk;
    /// `/erase` erased the customer's data: `{agent}`, `{number}`.
    ErasedByAgent = "erased_by_agent", Desk;
    /// The customer had their data erased at their request: `{number}`.
    ErasedByCustomer = "erased_by_customer", Desk;
}

impl Text {
    /// The key named in configuration.
    pub fn from_key(key: &str) -> Option<Text> {
        Text::ALL.into_iter().find(|t| t.key() == key)
    }

    /// The placeholders of the English text, sorted: the values the Engine fills in.
    pub fn placeholders(self) -> BTreeSet<&'static str> {
        placeholders(builtin("en", self).unwrap_or_default())
    }
}

/// The built-in text of a key in a language (`en`, `lt`, `et`); `None` for other languages.
pub fn builtin(lang: &str, text: Text) -> Option<&'static str> {
    match text.audience() {
        Audience::Customer => customer::builtin(lang, text),
        Audience::Desk => agent::builtin(lang, text),
    }
}

/// The `{name}` placeholders in a text (`name` in lower case, digits and `_`).
fn placeholders(s: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                out.insert(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The name of a weekday (0 = Monday) in a language; English for languages without built-in
/// texts.
pub fn weekday_name(lang: &str, day: usize) -> &'static str {
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const LT: [&str; 7] = [
        "pirmadienį",
        "antradienį",
        "trečiadienį",
        "ketvirtadienį",
        "penktadienį",
        "šeštadienį",
        "sekmadienį",
    ];
    const ET: [&str; 7] = [
        "esmaspäeval",
        "teisipäeval",
        "kolmapäeval",
        "neljapäeval",
        "reedel",
        "laupäeval",
        "pühapäeval",
    ];
    let names = match lang {
        "lt" => &LT,
        "et" => &ET,
        _ => &EN,
    };
    names[day % 7]
}

/// The languages with built-in texts.
pub const BUILTIN_LANGUAGES: [&str; 3] = ["en", "lt", "et"];

/// Bot texts: built-ins plus per-language overrides from configuration.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    overrides: BTreeMap<String, BTreeMap<Text, String>>,
}

/// A text override in configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TextsError {
    /// `[texts.LANG]` names a key that does not exist.
    #[error("unknown bot text key `{key}` in [texts.{lang}] (known keys: {known})")]
    UnknownKey {
        /// The language section.
        lang: String,
        /// The unknown key.
        key: String,
        /// The known keys, comma-separated.
        known: String,
    },
    /// An override uses a placeholder the Engine never fills (a typo would show up verbatim).
    #[error(
        "[texts.{lang}] {key} uses the placeholder {{{placeholder}}}, which `{key}` does not have (it has: {known})"
    )]
    UnknownPlaceholder {
        /// The language section.
        lang: String,
        /// The key.
        key: String,
        /// The unknown placeholder, without braces.
        placeholder: String,
        /// The key's placeholders, comma-separated.
        known: String,
    },
}

impl Texts {
    /// Built-in texts with overrides from configuration (`lang -> key -> text`).
    pub fn with_overrides(
        overrides: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<Texts, TextsError> {
        let mut out = Texts::default();
        for (lang, map) in overrides {
            for (key, value) in map {
                let Some(text) = Text::from_key(key) else {
                    return Err(TextsError::UnknownKey {
                        lang: lang.clone(),
                        key: key.clone(),
                        known: Text::ALL.map(Text::key).join(", "),
                    });
                };
                let known = text.placeholders();
                if let Some(p) = placeholders(value).into_iter().find(|p| !known.contains(p)) {
                    let known: Vec<String> = known.iter().map(|k| format!("{{{k}}}")).collect();
                    return Err(TextsError::UnknownPlaceholder {
                        lang: lang.clone(),
                        key: key.clone(),
                        placeholder: p.to_owned(),
                        known: if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        },
                    });
                }
                out.overrides
                    .entry(lang.clone())
                    .or_default()
                    .insert(text, value.clone());
            }
        }
        Ok(out)
    }

    /// The keys read by `audience` that have no text in `lang`, neither built in nor given in
    /// configuration (empty when the language is complete for them).
    pub fn missing(&self, lang: &str, audience: Audience) -> Vec<&'static str> {
        Text::ALL
            .into_iter()
            .filter(|t| t.audience() == audience)
            .filter(|t| {
                builtin(lang, *t).is_none()
                    && !self.overrides.get(lang).is_some_and(|m| m.contains_key(t))
            })
            .map(Text::key)
            .collect()
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

    /// The text with `{name}` placeholders filled in one pass (a value is never read as a
    /// placeholder; a placeholder without a value is left as it is).
    pub fn fill(&self, lang: &str, text: Text, vars: &[(&str, &str)]) -> String {
        let template = self.get(lang, text);
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                let (_, v) = vars.iter().find(|(k, _)| *k == name)?;
                Some((v, close))
            });
            match value {
                Some((v, close)) => {
                    out.push_str(v);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
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
            let texts = Texts::default();
            assert!(texts.missing(lang, Audience::Desk).is_empty());
            assert!(texts.missing(lang, Audience::Customer).is_empty());
        }
    }

    #[test]
    fn keys_are_unique_snake_case_and_found_again() {
        let mut seen = BTreeSet::new();
        for t in Text::ALL {
            let k = t.key();
            assert!(is_name(k) && !k.starts_with('_'), "`{k}` is not snake_case");
            assert!(seen.insert(k), "`{k}` twice");
            assert_eq!(Text::from_key(k), Some(t));
        }
        assert_eq!(Text::from_key("nope"), None);
        assert!(Text::ALL.iter().any(|t| t.audience() == Audience::Desk));
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
            let en = placeholders(builtin("en", t).unwrap());
            for lang in ["lt", "et"] {
                let other = placeholders(builtin(lang, t).unwrap());
                assert_eq!(en, other, "{lang} `{}` has other placeholders", t.key());
            }
        }
        assert_eq!(
            Text::ClaimTaken.placeholders(),
            BTreeSet::from(["holder", "number"])
        );
    }

    #[test]
    fn command_names_and_emoji_stay_untranslated() {
        for t in Text::ALL {
            let en = builtin("en", t).unwrap();
            let commands: Vec<&str> = en
                .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                .filter(|w| w.starts_with('/') && w.len() > 1)
                .map(|w| w.trim_end_matches(['.', ',', ';', ':']))
                .collect();
            let emoji: Vec<char> = en.chars().filter(|c| "✋✅↩⭐⏰⚠🙋".contains(*c)).collect();
            for lang in ["lt", "et"] {
                let other = builtin(lang, t).unwrap();
                for c in &commands {
                    assert!(other.contains(c), "{lang} `{}` lacks {c}", t.key());
                }
                for e in &emoji {
                    assert!(other.contains(*e), "{lang} `{}` lacks {e}", t.key());
                }
            }
        }
    }

    #[test]
    fn fill_is_one_pass() {
        let texts = Texts::default();
        assert_eq!(
            texts.fill(
                "en",
                Text::ClaimTaken,
                &[("number", "7"), ("holder", "{number} Bob")]
            ),
            "Ticket #7 is already claimed by {number} Bob. Ask them to /unclaim it first."
        );
        // A placeholder without a value stays as it is.
        assert_eq!(
            texts.fill("en", Text::SurveyRated, &[("number", "3")]),
            "⭐ Customer rated ticket #3: {score}/5"
        );
    }

    #[test]
    fn overrides_and_fallback() {
        let mut o = BTreeMap::new();
        o.insert(
            "lt".to_owned(),
            BTreeMap::from([
                ("glad_to_help".to_owned(), "Puiku!".to_owned()),
                ("claimed".to_owned(), "{agent} ima #{number}".to_owned()),
            ]),
        );
        let texts = Texts::with_overrides(&o).unwrap();
        assert_eq!(texts.get("lt", Text::GladToHelp), "Puiku!");
        assert_eq!(
            texts.fill("lt", Text::Claimed, &[("agent", "Ona"), ("number", "4")]),
            "Ona ima #4"
        );
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
        assert!(err.to_string().contains("`nope`"), "{err}");
    }

    #[test]
    fn an_override_with_a_placeholder_the_key_lacks_is_refused() {
        let o = BTreeMap::from([(
            "et".to_owned(),
            BTreeMap::from([("claimed".to_owned(), "{agnet} võttis #{number}".to_owned())]),
        )]);
        let err = Texts::with_overrides(&o).unwrap_err().to_string();
        assert!(
            err.contains("{agnet}") && err.contains("{agent}, {number}") && err.contains("claimed"),
            "{err}"
        );
        // Braces that are no placeholder are text.
        let o = BTreeMap::from([(
            "en".to_owned(),
            BTreeMap::from([(
                "no_snippets".to_owned(),
                "None {yet}? {Add} some".to_owned(),
            )]),
        )]);
        assert!(
            Texts::with_overrides(&o).is_err(),
            "`{{yet}}` looks like one"
        );
        let o = BTreeMap::from([(
            "en".to_owned(),
            BTreeMap::from([("no_snippets".to_owned(), "None { } {Add} some".to_owned())]),
        )]);
        assert!(Texts::with_overrides(&o).is_ok());
    }

    #[test]
    fn missing_desk_texts_of_a_language_without_built_ins() {
        let agent_keys: BTreeMap<String, String> = Text::ALL
            .into_iter()
            .filter(|t| t.audience() == Audience::Desk)
            .map(|t| (t.key().to_owned(), format!("fi {}", t.key())))
            .collect();
        let mut partial = agent_keys.clone();
        partial.remove("claimed");
        let texts = Texts::with_overrides(&BTreeMap::from([("fi".to_owned(), partial)])).unwrap();
        assert_eq!(texts.missing("fi", Audience::Desk), vec!["claimed"]);
        let texts =
            Texts::with_overrides(&BTreeMap::from([("fi".to_owned(), agent_keys)])).unwrap();
        assert!(texts.missing("fi", Audience::Desk).is_empty());
        assert!(!texts.missing("fi", Audience::Customer).is_empty());
    }
}

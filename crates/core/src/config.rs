//! Engine configuration, with the defaults a new desk starts from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::types::{Endpoint, Platform};

/// Where tickets are worked: the desk's name (its ticket numbering) and the chat on a platform
/// where each ticket gets a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeskConfig {
    /// The desk's name; tickets are numbered per desk.
    pub name: String,
    /// The platform the desk is on (`terminal`, `telegram`, `discord`).
    pub platform: String,
    /// The chat where rooms are opened: a Telegram forum supergroup id, a Discord channel id.
    pub chat_id: String,
    /// The language of everything agents read (command replies, room summaries, reminders,
    /// notices): `en`, `lt`, `et`, or a language whose every desk text is given in
    /// `[texts.LANG]`. Customers are still answered in their own language.
    pub lang: String,
    /// `[desk.hours]`: support hours (time zone, weekly schedule, holidays); left out, the desk
    /// is always open. See [`crate::hours`].
    pub hours: crate::hours::HoursConfig,
}

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            name: "support".into(),
            platform: "terminal".into(),
            chat_id: "desk".into(),
            lang: "en".into(),
            hours: crate::hours::HoursConfig::default(),
        }
    }
}

impl DeskConfig {
    /// The desk chat as an endpoint.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::chat(Platform(self.platform.clone()), self.chat_id.clone())
    }
}

/// When the bot answers, suggests or hands over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchingConfig {
    /// Confidence at or above which the bot answers (the threshold `frontdesk eval` chooses).
    pub answer_threshold: f32,
    /// Confidence at or above which the bot offers "did you mean" choices; below, it escalates.
    pub suggest_threshold: f32,
    /// How many "did you mean" choices.
    pub suggestions: usize,
}

impl Default for MatchingConfig {
    fn default() -> Self {
        MatchingConfig {
            answer_threshold: 0.5,
            suggest_threshold: 0.2,
            suggestions: 3,
        }
    }
}

/// Conversation rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConversationConfig {
    /// The language used until the customer's is known.
    pub default_language: String,
    /// A customer message within this many minutes after a close reopens the ticket.
    pub reopen_window_minutes: i64,
    /// Ticketless messages from this many minutes before an escalation join the ticket.
    pub transcript_window_minutes: i64,
    /// How many messages the ticket room's opening summary shows.
    pub summary_messages: usize,
    /// Extra phrasings that ask for a person, per language, added to the built-in ones
    /// (`frontdesk_kb::intents`): matched like them, fuzzily (case, diacritics, word order,
    /// typos), not as substrings.
    pub handoff_phrases: BTreeMap<String, Vec<String>>,
    /// Extra phrasings that say an answer did not help, per language, added to the built-in
    /// ones.
    pub not_solved_phrases: BTreeMap<String, Vec<String>>,
    /// Whole messages that are greetings, per language: answered with the welcome text.
    pub greetings: BTreeMap<String, Vec<String>>,
    /// Whole messages that are thanks or acknowledgements, per language: answered politely,
    /// never escalated.
    pub thanks: BTreeMap<String, Vec<String>>,
    /// Flood limit: past this many messages from one customer within a minute, messages are
    /// recorded but neither answered nor relayed (the customer is told once). 0 turns it off.
    pub flood_messages_per_minute: usize,
}

fn phrases(list: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    list.iter()
        .map(|(lang, ps)| {
            (
                (*lang).to_owned(),
                ps.iter().map(|p| (*p).to_owned()).collect(),
            )
        })
        .collect()
}

impl Default for ConversationConfig {
    fn default() -> Self {
        ConversationConfig {
            default_language: "en".into(),
            reopen_window_minutes: 72 * 60,
            transcript_window_minutes: 24 * 60,
            summary_messages: 12,
            flood_messages_per_minute: 20,
            greetings: phrases(&[
                (
                    "en",
                    &[
                        "hi",
                        "hello",
                        "hey",
                        "hi there",
                        "hello there",
                        "good morning",
                        "good afternoon",
                        "good evening",
                        "start",
                    ],
                ),
                (
                    "lt",
                    &[
                        "labas",
                        "sveiki",
                        "laba diena",
                        "labas rytas",
                        "labas vakaras",
                        "sveikas",
                        "sveika",
                    ],
                ),
                (
                    "et",
                    &[
                        "tere",
                        "tervist",
                        "hei",
                        "tere päevast",
                        "tere hommikust",
                        "tšau",
                    ],
                ),
            ]),
            thanks: phrases(&[
                (
                    "en",
                    &[
                        "thanks",
                        "thank you",
                        "thanks a lot",
                        "thank you very much",
                        "thx",
                        "ok",
                        "okay",
                        "ok thanks",
                        "great thanks",
                        "perfect",
                        "great",
                        "cool",
                    ],
                ),
                (
                    "lt",
                    &[
                        "ačiū",
                        "labai ačiū",
                        "dėkui",
                        "dėkoju",
                        "gerai",
                        "aišku",
                        "super",
                    ],
                ),
                (
                    "et",
                    &[
                        "aitäh",
                        "tänan",
                        "suur aitäh",
                        "tänud",
                        "selge",
                        "hästi",
                        "super",
                    ],
                ),
            ]),
            // The built-in phrasings (frontdesk_kb::intents, crates/kb/intents/*.toml) are
            // always there; these add a team's own.
            handoff_phrases: BTreeMap::new(),
            not_solved_phrases: BTreeMap::new(),
        }
    }
}

/// The response SLA: remind the desk at the target, ping again at each further multiple.
/// Targets count business time only when `[desk.hours]` is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaConfig {
    /// Minutes within which a ticket should get its first agent reply; 0 turns reminders off.
    pub first_response_minutes: i64,
    /// How many reminders at most (1 at the target, 2 at twice it with the agent role pinged, ...).
    pub reminders: i64,
    /// Minutes within which a customer's message after an agent reply should be answered
    /// ("next response"); 0 (the default) turns these reminders off. Up to `reminders` of them.
    pub next_response_minutes: i64,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            first_response_minutes: 15,
            reminders: 2,
            next_response_minutes: 0,
        }
    }
}

/// Follow-ups on silence: after an agent reply, a customer who says nothing gets one gentle
/// reminder, and later the ticket closes itself (with the survey). Both off (0) by default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FollowupsConfig {
    /// Hours of customer silence after an agent reply before the one reminder; 0: none.
    pub remind_after_hours: i64,
    /// Hours of customer silence after an agent reply before the ticket closes itself; 0:
    /// never. Must be longer than `remind_after_hours` when both are set.
    pub close_after_hours: i64,
}

/// How the outbox dispatcher retries (see [`crate::outbox`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxConfig {
    /// How long a message that fails for a passing reason (network, 5xx, 429) is retried
    /// before it is given up and the agents are told.
    pub retry_horizon_minutes: i64,
    /// How long a dispatcher holds a row it is delivering before another replica may take it
    /// over (when the holder died mid-send).
    pub claim_seconds: i64,
    /// How long delivered messages stay in the outbox (with the platform's message id) before
    /// the tick deletes them; 0 keeps them.
    pub keep_delivered_days: i64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            retry_horizon_minutes: 360,
            claim_seconds: 30,
            keep_delivered_days: 7,
        }
    }
}

/// How long transcripts are kept (see [`crate::ports::PrivacyStore::erase_closed_transcripts`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Erase the transcript of a ticket closed this many days ago (on the Engine's tick);
    /// 0 keeps transcripts.
    pub days: i64,
}

/// The optional questions asked after the 1–5 satisfaction score, in this order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SurveyConfig {
    /// Ask the Net Promoter question (0–10, "how likely are you to recommend us").
    pub nps: bool,
    /// Ask the Customer Effort question (1–7, "it was easy to get my issue handled").
    pub ces: bool,
}

impl SurveyConfig {
    /// The question to ask after `after` (`None`: after the satisfaction score).
    pub fn next(
        &self,
        after: Option<crate::types::SurveyQuestion>,
    ) -> Option<crate::types::SurveyQuestion> {
        use crate::types::SurveyQuestion::*;
        match after {
            None if self.nps => Some(Nps),
            None | Some(Nps) if self.ces => Some(Ces),
            _ => None,
        }
    }
}

/// Transcripts as files in the ticket room (see [`crate::transcript`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TranscriptConfig {
    /// Post the transcript (plain text and HTML) in the room when a ticket is closed. Off by
    /// default: `/transcript file` posts it on demand either way.
    pub on_close: bool,
}

/// Everything the Engine is configured with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EngineConfig {
    /// The desk.
    pub desk: DeskConfig,
    /// Answer thresholds.
    pub matching: MatchingConfig,
    /// Conversation rules.
    pub conversation: ConversationConfig,
    /// First- and next-response SLA.
    pub sla: SlaConfig,
    /// Follow-ups on customer silence.
    pub followups: FollowupsConfig,
    /// Outbox delivery.
    pub outbox: OutboxConfig,
    /// Optional survey questions.
    pub survey: SurveyConfig,
    /// How long transcripts are kept.
    pub retention: RetentionConfig,
    /// Transcript files.
    pub transcript: TranscriptConfig,
    /// Canned replies: name -> language -> text.
    pub snippets: BTreeMap<String, BTreeMap<String, String>>,
    /// Bot text overrides: language -> key -> text (see [`crate::texts::Text`]).
    pub texts: BTreeMap<String, BTreeMap<String, String>>,
}

impl EngineConfig {
    /// Checks the time-related settings and compiles the support hours: refuses bad
    /// `[desk.hours]` (see [`crate::hours::SupportHours::from_config`]), negative durations,
    /// and a reminder to silent customers that would come after their ticket closed itself.
    /// The error names the key and the reason.
    pub fn support_hours(&self) -> Result<crate::hours::SupportHours, String> {
        let hours = crate::hours::SupportHours::from_config(&self.desk.hours, "desk.hours")
            .map_err(|e| e.to_string())?;
        let checks = [
            (
                "sla.first_response_minutes",
                self.sla.first_response_minutes,
            ),
            ("sla.next_response_minutes", self.sla.next_response_minutes),
            ("sla.reminders", self.sla.reminders),
            (
                "followups.remind_after_hours",
                self.followups.remind_after_hours,
            ),
            (
                "followups.close_after_hours",
                self.followups.close_after_hours,
            ),
        ];
        for (key, v) in checks {
            if v < 0 {
                return Err(format!("{key}: {v} is negative (0 turns it off)"));
            }
        }
        let f = &self.followups;
        if f.remind_after_hours > 0
            && f.close_after_hours > 0
            && f.remind_after_hours >= f.close_after_hours
        {
            return Err(format!(
                "followups.remind_after_hours: {} must be shorter than followups.close_after_hours ({}), or the reminder would never be sent",
                f.remind_after_hours, f.close_after_hours
            ));
        }
        Ok(hours)
    }
}

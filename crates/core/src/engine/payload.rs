//! Button payloads: what a button means, formatted and parsed in one place.
//!
//! Payloads are short ASCII strings the platform hands back when the button is pressed
//! (Telegram allows 64 bytes). A payload that would be longer is never put on a button.

use std::fmt;

use crate::types::{BotReplyId, SurveyQuestion, TicketId};

/// Longest payload a button may carry (Telegram's `callback_data` limit).
pub(super) const MAX_PAYLOAD_BYTES: usize = 64;

/// A parsed button payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Payload {
    /// "Talk to a person".
    Human,
    /// The answer solved it.
    Solved(BotReplyId),
    /// The answer did not help: talk to a person.
    Unsolved(BotReplyId),
    /// A "did you mean" choice or follow-up: send this entry's answer.
    Entry { lang: String, id: String },
    /// A survey score.
    Rate { ticket: TicketId, score: i64 },
    /// An answer to an optional survey question.
    Answer {
        ticket: TicketId,
        question: SurveyQuestion,
        value: i64,
    },
    /// No survey comment.
    NoComment(TicketId),
    /// An agent claims the ticket (button under the room summary).
    Claim(TicketId),
    /// Yes, erase my data.
    Forget,
    /// Keep my data.
    KeepData,
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Human => write!(f, "human"),
            Payload::Solved(r) => write!(f, "solved:{r}"),
            Payload::Unsolved(r) => write!(f, "unsolved:{r}"),
            Payload::Entry { lang, id } => write!(f, "kb:{lang}:{id}"),
            Payload::Rate { ticket, score } => write!(f, "rate:{}:{score}", ticket.0),
            Payload::Answer {
                ticket,
                question,
                value,
            } => {
                let q = match question {
                    SurveyQuestion::Nps => "nps",
                    SurveyQuestion::Ces => "ces",
                };
                write!(f, "{q}:{}:{value}", ticket.0)
            }
            Payload::NoComment(t) => write!(f, "nocomment:{}", t.0),
            Payload::Claim(t) => write!(f, "claim:{}", t.0),
            Payload::Forget => write!(f, "forget"),
            Payload::KeepData => write!(f, "keepdata"),
        }
    }
}

impl Payload {
    /// The payload as put on a button; `None` when it would be too long for one.
    pub(super) fn encode(&self) -> Option<String> {
        let s = self.to_string();
        (s.len() <= MAX_PAYLOAD_BYTES).then_some(s)
    }

    /// Parses a payload handed back by a platform.
    pub(super) fn parse(s: &str) -> Option<Payload> {
        let mut it = s.split(':');
        let head = it.next()?;
        let mut num = || it.next().and_then(|x| x.parse::<i64>().ok());
        Some(match head {
            "human" => Payload::Human,
            "forget" => Payload::Forget,
            "keepdata" => Payload::KeepData,
            "solved" => Payload::Solved(BotReplyId(num()?)),
            "unsolved" => Payload::Unsolved(BotReplyId(num()?)),
            "rate" => {
                let ticket = TicketId(num()?);
                let score = num()?;
                Payload::Rate { ticket, score }
            }
            "nps" | "ces" => {
                let ticket = TicketId(num()?);
                let value = num()?;
                let question = if head == "nps" {
                    SurveyQuestion::Nps
                } else {
                    SurveyQuestion::Ces
                };
                Payload::Answer {
                    ticket,
                    question,
                    value,
                }
            }
            "nocomment" => Payload::NoComment(TicketId(num()?)),
            "claim" => Payload::Claim(TicketId(num()?)),
            "kb" => {
                let mut parts = s.splitn(3, ':').skip(1);
                let lang = parts.next()?.to_owned();
                let id = parts.next()?.to_owned();
                Payload::Entry { lang, id }
            }
            _ => return None,
        })
    }
}

/// How a button press reads in a transcript.
pub(super) const PRESSED: &str = "[pressed: ";

/// A button press as agents read it in a transcript: what the button meant, not its payload.
pub(super) fn pressed(payload: &str) -> String {
    let what = match Payload::parse(payload) {
        Some(Payload::Human) => "Talk to a person".to_owned(),
        Some(Payload::Solved(_)) => "Solved".to_owned(),
        Some(Payload::Unsolved(_)) => "Not solved, talk to a person".to_owned(),
        Some(Payload::Entry { id, .. }) => format!("did you mean `{id}`"),
        Some(Payload::Rate { score, .. }) => format!("rated {score}/5"),
        Some(Payload::Answer {
            question, value, ..
        }) => match question {
            SurveyQuestion::Nps => format!("would recommend {value}/10"),
            SurveyQuestion::Ces => format!("easy {value}/7"),
        },
        Some(Payload::NoComment(_)) => "no comment".to_owned(),
        Some(Payload::Claim(_)) => "Claim".to_owned(),
        Some(Payload::Forget) => "Erase my data".to_owned(),
        Some(Payload::KeepData) => "Keep my data".to_owned(),
        None => format!("button {payload}"),
    };
    format!("{PRESSED}{what}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_presses_read_as_what_they_meant() {
        assert_eq!(pressed("human"), "[pressed: Talk to a person]");
        assert_eq!(
            pressed("unsolved:3"),
            "[pressed: Not solved, talk to a person]"
        );
        assert_eq!(pressed("rate:7:4"), "[pressed: rated 4/5]");
        assert_eq!(
            pressed("kb:lt:order-status"),
            "[pressed: did you mean `order-status`]"
        );
        assert_eq!(pressed("zzz"), "[pressed: button zzz]");
        assert!(pressed("solved:1").starts_with(PRESSED));
    }

    #[test]
    fn payloads_round_trip() {
        let all = [
            Payload::Human,
            Payload::Solved(BotReplyId(12)),
            Payload::Unsolved(BotReplyId(3)),
            Payload::Rate {
                ticket: TicketId(9),
                score: 4,
            },
            Payload::NoComment(TicketId(5)),
            Payload::Answer {
                ticket: TicketId(5),
                question: SurveyQuestion::Nps,
                value: 10,
            },
            Payload::Answer {
                ticket: TicketId(6),
                question: SurveyQuestion::Ces,
                value: 1,
            },
            Payload::Claim(TicketId(77)),
            Payload::Entry {
                lang: "lt".into(),
                id: "order-status".into(),
            },
        ];
        for p in all {
            let s = p.encode().expect("short payload");
            assert_eq!(Payload::parse(&s), Some(p), "{s}");
        }
        assert_eq!(Payload::parse("solved:x"), None);
        assert_eq!(Payload::parse("bogus"), None);
    }

    #[test]
    fn too_long_payloads_are_not_encoded() {
        let p = Payload::Entry {
            lang: "en".into(),
            id: "x".repeat(70),
        };
        assert_eq!(p.encode(), None);
    }
}

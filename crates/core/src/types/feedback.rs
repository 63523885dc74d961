//! What the bot answered, what the customer thought of it, and the satisfaction survey.

use serde::{Deserialize, Serialize};

use super::{BotReplyId, CustomerId, TicketId, Timestamp};

/// What the bot did with a customer's question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyOutcome {
    /// Answered from the knowledge base.
    Answered,
    /// Offered "did you mean" choices.
    Suggested,
    /// Escalated to a person.
    Escalated,
}

impl ReplyOutcome {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyOutcome::Answered => "answered",
            ReplyOutcome::Suggested => "suggested",
            ReplyOutcome::Escalated => "escalated",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<ReplyOutcome> {
        match s {
            "answered" => Some(ReplyOutcome::Answered),
            "suggested" => Some(ReplyOutcome::Suggested),
            "escalated" => Some(ReplyOutcome::Escalated),
            _ => None,
        }
    }
}

/// The customer's verdict on a bot answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// "Solved".
    Solved,
    /// "Not solved" / "Talk to a person" after an answer.
    NotSolved,
}

impl Feedback {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Feedback::Solved => "solved",
            Feedback::NotSolved => "not_solved",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Feedback> {
        match s {
            "solved" => Some(Feedback::Solved),
            "not_solved" => Some(Feedback::NotSolved),
            _ => None,
        }
    }
}

/// A bot reply to record (one per customer question the bot handled).
#[derive(Clone, Debug, PartialEq)]
pub struct NewBotReply {
    /// The customer.
    pub customer: CustomerId,
    /// The question as written.
    pub question: String,
    /// What the bot did.
    pub outcome: ReplyOutcome,
    /// The entry answered with (or the best suggestion).
    pub entry_id: Option<String>,
    /// The entry's language.
    pub lang: Option<String>,
    /// The matcher's confidence.
    pub confidence: f32,
    /// When.
    pub at: Timestamp,
}

/// A recorded bot reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BotReply {
    /// Database id.
    pub id: BotReplyId,
    /// The customer.
    pub customer: CustomerId,
    /// The question.
    pub question: String,
    /// What the bot did.
    pub outcome: ReplyOutcome,
    /// The entry.
    pub entry_id: Option<String>,
    /// The entry's language.
    pub lang: Option<String>,
    /// The matcher's confidence.
    pub confidence: f32,
    /// When.
    pub at: Timestamp,
    /// The customer's verdict, if given.
    pub feedback: Option<Feedback>,
    /// When the verdict was given.
    pub feedback_at: Option<Timestamp>,
}

/// A satisfaction survey of one ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    /// The ticket.
    pub ticket: TicketId,
    /// When it was offered (last close).
    pub asked_at: Timestamp,
    /// The 1–5 score, once given.
    pub score: Option<i64>,
    /// The optional comment.
    pub comment: Option<String>,
    /// When the score was given.
    pub answered_at: Option<Timestamp>,
    /// The optional Net Promoter question's answer, 0–10.
    #[serde(default)]
    pub nps: Option<i64>,
    /// The optional Customer Effort question's answer, 1–7.
    #[serde(default)]
    pub ces: Option<i64>,
}

/// An optional question asked after the 1–5 satisfaction score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyQuestion {
    /// Net Promoter Score: "How likely are you to recommend us?", 0–10.
    Nps,
    /// Customer Effort Score: "It was easy to get my issue handled", 1 (disagree) – 7 (agree).
    Ces,
}

impl SurveyQuestion {
    /// The answers it accepts.
    pub fn scale(self) -> std::ops::RangeInclusive<i64> {
        match self {
            SurveyQuestion::Nps => 0..=10,
            SurveyQuestion::Ces => 1..=7,
        }
    }
}

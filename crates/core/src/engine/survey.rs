//! The satisfaction survey: the 1–5 score, then the optional NPS and CES questions, then an
//! optional comment.

use super::EngineError;
use super::payload::Payload;
use super::unit::{Effect, Unit};
use crate::texts::Text;
use crate::types::*;
use tracing::{info, warn};

impl Unit<'_> {
    pub(super) async fn rate(
        &mut self,
        customer: &mut Customer,
        ticket: TicketId,
        score: i64,
        lang: &str,
    ) -> Result<(), EngineError> {
        let Some(t) = self.tx.ticket(ticket).await? else {
            return Ok(());
        };
        if t.customer != customer.id {
            warn!(
                ticket = t.number,
                "survey answer for another customer's ticket"
            );
            return Ok(());
        }
        if !self.tx.survey_score(ticket, score, self.now).await? {
            return Ok(());
        }
        self.count(Effect::SurveyScore(score));
        info!(ticket = t.number, score, "survey answered");
        self.survey_next(customer, ticket, None, lang).await?;
        let (number, score) = (t.number.to_string(), score.to_string());
        let note = self
            .e
            .desk_text(Text::SurveyRated, &[("number", &number), ("score", &score)]);
        self.notice(&t, &note, false).await
    }

    /// Records the customer's answer to an optional survey question of their ticket, then
    /// asks the next one or invites the comment.
    pub(super) async fn answer(
        &mut self,
        customer: &mut Customer,
        ticket: TicketId,
        question: SurveyQuestion,
        value: i64,
        lang: &str,
    ) -> Result<(), EngineError> {
        match self.tx.ticket(ticket).await? {
            Some(t) if t.customer == customer.id => {}
            _ => return Ok(()),
        }
        if !self.tx.survey_answer(ticket, question, value).await? {
            return Ok(());
        }
        info!(
            ticket = ticket.0,
            ?question,
            value,
            "survey question answered"
        );
        self.survey_next(customer, ticket, Some(question), lang)
            .await
    }

    /// After the score (`after` = `None`) or an optional question: the next configured
    /// question with its scale as buttons, or the invitation to comment.
    pub(super) async fn survey_next(
        &mut self,
        customer: &mut Customer,
        ticket: TicketId,
        after: Option<SurveyQuestion>,
        lang: &str,
    ) -> Result<(), EngineError> {
        if let Some(question) = self.e.cfg.survey.next(after) {
            self.set_state(
                customer,
                ConversationState::SurveyAsking { ticket, question },
            )
            .await?;
            let buttons = question
                .scale()
                .filter_map(|value| {
                    let payload = Payload::Answer {
                        ticket,
                        question,
                        value,
                    }
                    .encode()?;
                    Some(Button {
                        label: value.to_string(),
                        payload,
                    })
                })
                .collect();
            let text = match question {
                SurveyQuestion::Nps => Text::SurveyNps,
                SurveyQuestion::Ces => Text::SurveyCes,
            };
            return self.say(customer, lang, text, &[], buttons).await;
        }
        self.set_state(customer, ConversationState::SurveyComment { ticket })
            .await?;
        let mut buttons = Vec::new();
        if let Some(payload) = Payload::NoComment(ticket).encode() {
            buttons.push(Button {
                label: self.e.texts.get(lang, Text::ButtonNoComment).to_owned(),
                payload,
            });
        }
        self.say(customer, lang, Text::SurveyThanks, &[], buttons)
            .await
    }
}

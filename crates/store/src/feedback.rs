//! Bot replies, the customers' verdicts on them, and the satisfaction surveys.

use async_trait::async_trait;
use frontdesk_core::*;
use sqlx::Row;

use crate::rows::*;
use crate::{Sql, SqlStore, sql};

#[async_trait]
impl FeedbackStore for SqlStore {
    async fn record_bot_reply(&self, r: &NewBotReply) -> StoreResult<BotReplyId> {
        let row = sqlx::query(
            "INSERT INTO bot_replies (customer_id, question, outcome, entry_id, lang, confidence, at, \
               question_key, next_ticket_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT MIN(t.opened_at) FROM tickets t \
               WHERE t.customer_id = $1 AND t.opened_at >= $7 AND t.opened_at < $7 + 86400000)) \
             RETURNING id",
        )
        .bind(r.customer.0)
        .bind(r.question.as_str())
        .bind(r.outcome.as_str())
        .bind(r.entry_id.clone())
        .bind(r.lang.clone())
        .bind(f64::from(r.confidence))
        .bind(r.at.0)
        .bind(frontdesk_core::fold::fold(&r.question))
        .fetch_one(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(BotReplyId(row.try_get("id").sql()?))
    }

    async fn bot_reply(&self, id: BotReplyId) -> StoreResult<Option<BotReply>> {
        let q = sql!("SELECT {REPLY_COLS} FROM bot_replies WHERE id = $1");
        match sqlx::query(q)
            .bind(id.0)
            .fetch_optional(&mut *self.read().await?)
            .await
            .sql()?
        {
            Some(r) => Ok(Some(reply_from_row(&r)?)),
            None => Ok(None),
        }
    }

    async fn set_bot_reply_feedback(
        &self,
        id: BotReplyId,
        customer: CustomerId,
        feedback: Feedback,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let r = sqlx::query(
            "UPDATE bot_replies SET feedback = $1, feedback_at = $2 \
             WHERE id = $3 AND customer_id = $4 AND feedback IS NULL",
        )
        .bind(feedback.as_str())
        .bind(now.0)
        .bind(id.0)
        .bind(customer.0)
        .execute(&mut *self.conn().await?)
        .await
        .sql()?;
        Ok(r.rows_affected() == 1)
    }

    async fn bot_replies_since(&self, since: Timestamp) -> StoreResult<Vec<BotReply>> {
        let q = sql!("SELECT {REPLY_COLS} FROM bot_replies WHERE at >= $1 ORDER BY id");
        let rows = sqlx::query(q)
            .bind(since.0)
            .fetch_all(&mut *self.read().await?)
            .await
            .sql()?;
        rows.iter().map(reply_from_row).collect()
    }
}

#[async_trait]
impl SurveyStore for SqlStore {
    async fn survey_offered(&self, ticket: TicketId, now: Timestamp) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        sqlx::query(
            "INSERT INTO surveys (ticket_id, asked_at) VALUES ($1, $2) \
             ON CONFLICT (ticket_id) DO UPDATE SET asked_at = excluded.asked_at",
        )
        .bind(ticket.0)
        .bind(now.0)
        .execute(&mut *tx)
        .await
        .sql()?;
        crate::report::facts::on_survey(&mut tx, ticket).await?;
        tx.commit().await.sql()
    }

    async fn survey_score(
        &self,
        ticket: TicketId,
        score: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        let r = sqlx::query("UPDATE surveys SET score = $1, answered_at = $2 WHERE ticket_id = $3")
            .bind(score)
            .bind(now.0)
            .bind(ticket.0)
            .execute(&mut *tx)
            .await
            .sql()?;
        crate::report::facts::on_survey(&mut tx, ticket).await?;
        tx.commit().await.sql()?;
        Ok(r.rows_affected() == 1)
    }

    async fn survey_answer(
        &self,
        ticket: TicketId,
        question: SurveyQuestion,
        value: i64,
    ) -> StoreResult<bool> {
        if !question.scale().contains(&value) {
            return Ok(false);
        }
        let q = match question {
            SurveyQuestion::Nps => "UPDATE surveys SET nps = $1 WHERE ticket_id = $2",
            SurveyQuestion::Ces => "UPDATE surveys SET ces = $1 WHERE ticket_id = $2",
        };
        let mut conn = self.conn().await?;
        let mut tx = conn.atomic().await?;
        let r = sqlx::query(q)
            .bind(value)
            .bind(ticket.0)
            .execute(&mut *tx)
            .await
            .sql()?;
        crate::report::facts::on_survey(&mut tx, ticket).await?;
        tx.commit().await.sql()?;
        Ok(r.rows_affected() == 1)
    }

    async fn survey_comment(&self, ticket: TicketId, comment: &str) -> StoreResult<()> {
        sqlx::query("UPDATE surveys SET comment = $1 WHERE ticket_id = $2")
            .bind(comment)
            .bind(ticket.0)
            .execute(&mut *self.conn().await?)
            .await
            .sql()?;
        Ok(())
    }

    async fn survey(&self, ticket: TicketId) -> StoreResult<Option<Survey>> {
        let row = sqlx::query(
            "SELECT ticket_id, asked_at, score, comment, answered_at, nps, ces FROM surveys \
             WHERE ticket_id = $1",
        )
        .bind(ticket.0)
        .fetch_optional(&mut *self.read().await?)
        .await
        .sql()?;
        match row {
            Some(r) => Ok(Some(Survey {
                ticket: TicketId(r.try_get("ticket_id").sql()?),
                asked_at: Timestamp(r.try_get("asked_at").sql()?),
                score: r.try_get("score").sql()?,
                comment: r.try_get("comment").sql()?,
                answered_at: r
                    .try_get::<Option<i64>, _>("answered_at")
                    .sql()?
                    .map(Timestamp),
                nps: r.try_get("nps").sql()?,
                ces: r.try_get("ces").sql()?,
            })),
            None => Ok(None),
        }
    }
}

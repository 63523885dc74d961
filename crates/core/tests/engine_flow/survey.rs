//! The optional NPS and CES questions after the satisfaction score (`survey.nps`, `survey.ces`).

use frontdesk_core::testing::MemoryStore;
use frontdesk_core::*;

use crate::harness::*;

#[tokio::test]
async fn nps_then_ces_then_the_comment_when_both_are_switched_on() {
    let mut cfg = config();
    cfg.survey = SurveyConfig {
        nps: true,
        ces: true,
    };
    let h = harness_with(cfg, MemoryStore::new());
    let room = h.open_ticket("n").await;
    h.agent("Alice", &room, "Done.").await;
    h.agent("Alice", &room, "/close").await;
    let t = h.ticket(1).await;
    h.press("n", "rate:1:5").await;
    let q = h.last_to_customer("n");
    assert!(q.text.contains("recommend"), "{}", q.text);
    let want: Vec<String> = (0..=10).map(|v| format!("nps:1:{v}")).collect();
    assert_eq!(payloads(&q), want);
    h.press("n", "nps:1:9").await;
    let q = h.last_to_customer("n");
    assert!(q.text.contains("easy"), "{}", q.text);
    assert_eq!(payloads(&q).len(), 7);
    // A typed number on the scale answers too.
    h.say("n", "6").await;
    assert_eq!(
        h.state("n").await,
        ConversationState::SurveyComment { ticket: t.id }
    );
    h.say("n", "Smooth").await;
    let s = h.store.survey(t.id).await.unwrap().unwrap();
    assert_eq!(
        (s.score, s.nps, s.ces, s.comment.as_deref()),
        (Some(5), Some(9), Some(6), Some("Smooth"))
    );
    // Off the scale or another customer's ticket: nothing recorded.
    h.press("n", "ces:1:9").await;
    h.say("x", "hello").await;
    h.press("x", "nps:1:0").await;
    let s = h.store.survey(t.id).await.unwrap().unwrap();
    assert_eq!((s.nps, s.ces), (Some(9), Some(6)));
}

#[tokio::test]
async fn off_by_default_and_text_that_is_no_answer_ends_the_survey() {
    let h = harness();
    let room = h.open_ticket("o").await;
    h.agent("Alice", &room, "/close").await;
    let t = h.ticket(1).await;
    h.press("o", "rate:1:4").await;
    // Default: straight to the comment, as before.
    assert_eq!(
        h.state("o").await,
        ConversationState::SurveyComment { ticket: t.id }
    );

    let mut cfg = config();
    cfg.survey.ces = true;
    let h = harness_with(cfg, MemoryStore::new());
    let room = h.open_ticket("p").await;
    h.agent("Alice", &room, "/close").await;
    h.press("p", "rate:1:3").await;
    assert!(matches!(
        h.state("p").await,
        ConversationState::SurveyAsking {
            question: SurveyQuestion::Ces,
            ..
        }
    ));
    h.say("p", "where is my parcel").await;
    assert!(!matches!(
        h.state("p").await,
        ConversationState::SurveyAsking { .. }
    ));
    let s = h.store.survey(h.ticket(1).await.id).await.unwrap().unwrap();
    assert_eq!((s.score, s.ces), (Some(3), None));
}

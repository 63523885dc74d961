//! The conformance cases of blocks, erasure and the retention policy.

use std::sync::Arc;

use frontdesk_core::*;

use super::*;

pub(crate) async fn blocks_are_set_once_told_once_and_listed(s: Arc<dyn Store>) {
    let a = customer(s.as_ref(), "1").await;
    let b = customer(s.as_ref(), "2").await;
    assert_eq!(a.blocked, None);
    assert!(
        s.set_block(a.id, Some(("spam", "Alice")), T0)
            .await
            .unwrap()
    );
    // Blocking a blocked customer changes nothing (the first reason stays).
    assert!(
        !s.set_block(a.id, Some(("other", "Bob")), T0.plus_millis(5))
            .await
            .unwrap()
    );
    assert!(
        s.set_block(b.id, Some(("", "cli")), T0.plus_millis(10))
            .await
            .unwrap()
    );
    let got = s.customer(a.id).await.unwrap().unwrap().blocked.unwrap();
    assert_eq!(
        got,
        Block {
            reason: "spam".into(),
            by: "Alice".into(),
            at: T0,
            told: false,
        }
    );
    // The upsert on the next message reads the block too.
    let again = customer(s.as_ref(), "1").await;
    assert_eq!(
        again.blocked.as_ref().map(|b| b.reason.as_str()),
        Some("spam")
    );
    assert!(s.mark_block_told(a.id).await.unwrap());
    assert!(!s.mark_block_told(a.id).await.unwrap(), "told once");
    assert!(
        s.customer(a.id)
            .await
            .unwrap()
            .unwrap()
            .blocked
            .unwrap()
            .told
    );
    let listed: Vec<CustomerId> = s
        .blocked_customers()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(listed, vec![b.id, a.id], "most recent block first");
    // Unblocking, once; a new block is told again.
    assert!(s.set_block(a.id, None, T0).await.unwrap());
    assert!(!s.set_block(a.id, None, T0).await.unwrap());
    assert!(!s.mark_block_told(a.id).await.unwrap(), "not blocked");
    assert_eq!(s.customer(a.id).await.unwrap().unwrap().blocked, None);
    assert!(
        s.set_block(a.id, Some(("again", "Alice")), T0)
            .await
            .unwrap()
    );
    assert!(s.mark_block_told(a.id).await.unwrap());
    assert_eq!(s.blocked_customers().await.unwrap().len(), 2);
    assert!(
        s.customer_by_user(&Platform::telegram(), "2")
            .await
            .unwrap()
            .is_some_and(|c| c.id == b.id)
    );
    assert!(
        s.customer_by_user(&Platform::discord(), "2")
            .await
            .unwrap()
            .is_none()
    );
}

pub(crate) async fn erasure_anonymises_and_keeps_the_figures(s: Arc<dyn Store>) {
    let c = customer(s.as_ref(), "7").await;
    let other = customer(s.as_ref(), "8").await;
    s.record_message(&msg(&c, None, "my secret question", Some("p7"), T0))
        .await
        .unwrap();
    s.record_message(&msg(&other, None, "kept", Some("p8"), T0))
        .await
        .unwrap();
    let t = s.open_ticket(&new_ticket(&c, "support", T0)).await.unwrap();
    let reply = s
        .record_bot_reply(&NewBotReply {
            customer: c.id,
            question: "my secret question".into(),
            outcome: ReplyOutcome::Escalated,
            entry_id: None,
            lang: None,
            confidence: 0.0,
            at: T0,
        })
        .await
        .unwrap();
    s.close_ticket(t.id, None, T0.plus_millis(1000))
        .await
        .unwrap();
    s.survey_offered(t.id, T0.plus_millis(1000)).await.unwrap();
    s.survey_score(t.id, 5, T0.plus_millis(2000)).await.unwrap();
    s.survey_comment(t.id, "secret comment").await.unwrap();
    s.set_block(c.id, Some(("x", "Alice")), T0).await.unwrap();

    let u = s.begin("erase").await.unwrap();
    let e = u.erase_customer(c.id, T0.plus_millis(3000)).await.unwrap();
    u.commit().await.unwrap();
    assert_eq!(
        (e.messages, e.tickets, e.bot_replies, e.comments),
        (1, 1, 1, 1)
    );
    let gone = s.customer(c.id).await.unwrap().unwrap();
    assert_eq!(gone.display_name, ERASED_NAME);
    assert_ne!(gone.user_id, "7");
    assert_eq!(gone.endpoint.chat_id, "");
    assert_eq!(gone.blocked, None);
    assert!(
        s.customer_by_user(&Platform::telegram(), "7")
            .await
            .unwrap()
            .is_none()
    );
    let t2 = s.ticket(t.id).await.unwrap().unwrap();
    assert_eq!(
        (t2.customer_name.as_str(), t2.subject.as_str()),
        (ERASED_NAME, "")
    );
    assert_eq!(
        (t2.opened_at, t2.closed_at),
        (t.opened_at, Some(T0.plus_millis(1000)))
    );
    let msgs = s.ticket_messages(t.id).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert!(
        msgs.iter()
            .all(|m| m.body.is_empty() && m.author_id.is_none())
    );
    assert_eq!(msgs[0].author_name, ERASED_NAME);
    let r = s.bot_reply(reply).await.unwrap().unwrap();
    assert_eq!(
        (r.question.as_str(), r.outcome),
        ("", ReplyOutcome::Escalated)
    );
    let sv = s.survey(t.id).await.unwrap().unwrap();
    assert_eq!((sv.score, sv.comment.as_deref()), (Some(5), Some("")));
    // The other customer is untouched.
    let kept = s.customer_messages(other.id, 10).await.unwrap();
    assert_eq!(kept[0].body, "kept");
    assert_eq!(
        s.customer(other.id).await.unwrap().unwrap().display_name,
        "User 8"
    );
    // Once only.
    assert_eq!(
        s.erase_customer(c.id, T0.plus_millis(4000)).await.unwrap(),
        Erasure::default()
    );
    let erased_events = s
        .ticket_events(t.id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == EventKind::Erased)
        .count();
    assert_eq!(erased_events, 1);
}

pub(crate) async fn retention_takes_each_closed_ticket_once(s: Arc<dyn Store>) {
    let day = 86_400_000;
    let mut closed = Vec::new();
    for i in 0..6 {
        let c = customer(s.as_ref(), &format!("r{i}")).await;
        let at = T0.plus_millis(i * day);
        s.record_message(&msg(&c, None, &format!("question {i}"), None, at))
            .await
            .unwrap();
        let t = s.open_ticket(&new_ticket(&c, "support", at)).await.unwrap();
        if i < 5 {
            s.close_ticket(t.id, None, at.plus_millis(1000))
                .await
                .unwrap();
            closed.push(t.id);
        }
    }
    // Closed before day 3: tickets 0, 1, 2 (ticket 5 is open). Several callers at once, as
    // replicas would: each ticket is erased by exactly one of them.
    let cutoff = T0.plus_millis(3 * day);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let u = s.begin("retention").await.unwrap();
            let got = u
                .erase_closed_transcripts(cutoff, T0.plus_millis(10 * day), 100)
                .await
                .unwrap();
            u.commit().await.unwrap();
            got
        }));
    }
    let mut taken = Vec::new();
    for t in tasks {
        taken.extend(t.await.unwrap());
    }
    taken.sort();
    assert_eq!(taken, closed[..3].to_vec());
    for (i, t) in closed.iter().enumerate() {
        let msgs = s.ticket_messages(*t).await.unwrap();
        let subject = s.ticket(*t).await.unwrap().unwrap().subject;
        let erased = s
            .ticket_events(*t)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.kind == EventKind::Erased && e.detail == "retention")
            .count();
        if i < 3 {
            assert!(msgs.iter().all(|m| m.body.is_empty()), "ticket {i}");
            assert_eq!((subject.as_str(), erased), ("", 1), "ticket {i}");
        } else {
            assert_eq!(msgs[0].body, format!("question {i}"));
            assert_eq!((subject.is_empty(), erased), (false, 0), "ticket {i}");
        }
    }
    // Nothing is taken twice; the limit is honoured.
    let later = T0.plus_millis(30 * day);
    assert_eq!(
        s.erase_closed_transcripts(later, later, 1).await.unwrap(),
        vec![closed[3]]
    );
    assert_eq!(
        s.erase_closed_transcripts(later, later, 10).await.unwrap(),
        vec![closed[4]]
    );
    assert!(
        s.erase_closed_transcripts(later, later, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

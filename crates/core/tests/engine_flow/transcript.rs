//! Transcripts as files: `/transcript file` and `transcript.on_close` post the ticket's
//! transcript in its room as a plain-text and an HTML document, through the outbox.

use frontdesk_core::testing::{Call, MemoryStore};
use frontdesk_core::*;

use crate::harness::*;

fn files(m: &OutMessage) -> Vec<(&str, &str, String)> {
    m.files
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.mime.as_str(),
                String::from_utf8(f.content.clone()).unwrap(),
            )
        })
        .collect()
}

fn with_files(h: &Harness, room: &Endpoint) -> Vec<OutMessage> {
    h.to_room(room)
        .into_iter()
        .filter(|m| !m.files.is_empty())
        .collect()
}

#[tokio::test]
async fn transcript_file_posts_text_and_html_documents_in_the_room() {
    let h = harness();
    let room = h.open_ticket("tf").await;
    h.say("tf", "<script>alert('x')</script> \u{1b}[2J").await;
    h.agent("Alice", &room, "On it!").await;
    h.agent("Alice", &room, "/note check the warehouse").await;
    let to_customer = h.to_customer("tf").len();
    h.agent("Alice", &room, "/transcript file").await;

    let docs = with_files(&h, &room);
    assert_eq!(docs.len(), 1, "one message with the files");
    let m = &docs[0];
    assert_eq!(m.kind, MessageKind::Notice);
    assert!(m.text.starts_with("📎 Transcript of #1 ("), "{}", m.text);
    let f = files(m);
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0].0, f[0].1),
        ("ticket-support-1.txt", "text/plain; charset=utf-8")
    );
    assert_eq!(
        (f[1].0, f[1].1),
        ("ticket-support-1.html", "text/html; charset=utf-8")
    );
    let (txt, html) = (&f[0].2, &f[1].2);
    assert!(txt.starts_with("Transcript of ticket #1 · "), "{txt}");
    assert!(txt.contains("Where is my order?"));
    assert!(txt.contains("Alice (agent):\n    On it!"), "{txt}");
    assert!(
        txt.contains("Alice (internal note):\n    check the warehouse"),
        "{txt}"
    );
    assert!(txt.contains("<script>alert('x')</script> \u{FFFD}[2J"));
    assert!(!txt.contains('\u{1b}') && !html.contains('\u{1b}'));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(!html.contains("<script"));
    assert!(html.contains("<span class=\"badge\">internal</span>"));
    // Nothing reaches the customer.
    assert_eq!(h.to_customer("tf").len(), to_customer);
    // The ticket stays open; plain /transcript still answers in text.
    assert_eq!(h.ticket(1).await.status, TicketStatus::Open);
    h.agent("Alice", &room, "/transcript").await;
    let last = h.to_room(&room).pop().unwrap();
    assert!(last.files.is_empty() && last.text.starts_with("Transcript of #1"));
}

#[tokio::test]
async fn closing_posts_no_files_unless_configured() {
    let h = harness();
    let room = h.open_ticket("c0").await;
    h.agent("Alice", &room, "/close").await;
    assert!(with_files(&h, &room).is_empty());
}

#[tokio::test]
async fn on_close_the_room_gets_the_transcript_before_it_is_closed() {
    let mut cfg = config();
    cfg.transcript.on_close = true;
    let h = harness_with(cfg, MemoryStore::new());
    let room = h.open_ticket("c1").await;
    h.agent("Alice", &room, "/claim").await;
    h.agent("Alice", &room, "Sorted, see you").await;
    h.agent("Alice", &room, "/close").await;

    let docs = with_files(&h, &room);
    assert_eq!(docs.len(), 1);
    let f = files(&docs[0]);
    let txt = &f[0].2;
    assert!(txt.contains("Status: closed"), "{txt}");
    assert!(txt.contains("Agent: Alice"), "{txt}");
    assert!(txt.contains("Alice (agent):\n    Sorted, see you"), "{txt}");
    // The closing survey sent to the customer is part of it.
    assert!(txt.contains("Bot:\n    Ticket #1 is now closed"), "{txt}");
    let json_free = !f.iter().any(|(n, _, _)| n.ends_with(".json"));
    assert!(json_free);

    // Order in the room: the close notice, the files, then the room is closed.
    let calls = h.channel.calls();
    let pos = |pred: &dyn Fn(&Call) -> bool| calls.iter().position(pred).unwrap();
    let notice = pos(
        &|c| matches!(c, Call::Send(to, m) if *to == room && m.files.is_empty() && m.text.contains("closed ticket #1")),
    );
    let doc = pos(&|c| matches!(c, Call::Send(to, m) if *to == room && !m.files.is_empty()));
    let closed = pos(&|c| matches!(c, Call::Close(r) if *r == room));
    assert!(notice < doc && doc < closed, "{calls:?}");
}

#[tokio::test]
async fn the_files_wait_in_the_outbox_while_the_platform_is_down() {
    let h = harness();
    let room = h.open_ticket("d").await;
    h.channel.set_failing(true);
    h.agent("Alice", &room, "/transcript file").await;
    let t = h.ticket(1).await;
    let pending = h.store.ticket_outbox(t.id).await.unwrap();
    let row = pending
        .iter()
        .find_map(|p| match &p.row.delivery {
            Delivery::Send(m) if !m.files.is_empty() => Some(m.clone()),
            _ => None,
        })
        .expect("the files are in the outbox");
    assert_eq!(row.files.len(), 2);
    assert!(with_files(&h, &room).is_empty());
    h.channel.set_failing(false);
    h.clock.advance_millis(1_000);
    h.engine.tick().await.unwrap();
    let docs = with_files(&h, &room);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].files, row.files);
}

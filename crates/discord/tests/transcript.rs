//! Transcripts as files on Discord: `/transcript file` in a ticket thread posts one message
//! with the text and HTML transcripts as attachments (`multipart/form-data`: `payload_json`
//! and `files[n]`), and the Channel uploads any message's files the same way.

mod support;

use frontdesk_core::ports::*;
use frontdesk_core::{Endpoint, MessageKind, OutFile, OutMessage, Platform};
use frontdesk_discord::{DiscordAdapter, DiscordConfig};
use frontdesk_testkit::discord::FakeDiscord;
use serde_json::json;
use support::Harness;

const STAFF: u64 = 500;
const AGENT_ROLE: u64 = 600;
const CUSTOMER: u64 = 42;
const AGENT: u64 = 7;

fn config(fake: &FakeDiscord) -> DiscordConfig {
    DiscordConfig {
        token: "test-token".into(),
        api_url: Some(fake.api_url()),
        staff_channel_id: Some(STAFF),
        support_channel_id: None,
        agent_role_id: Some(AGENT_ROLE),
        guild_id: None,
        thread: Default::default(),
    }
}

#[tokio::test]
async fn transcript_file_posts_one_message_with_both_files() {
    let fake = FakeDiscord::start().await;
    let cfg = config(&fake);
    let h = Harness::start(fake, cfg, STAFF).await;
    h.fake
        .dispatch("MESSAGE_CREATE", h.fake.dm_message(CUSTOMER, "/human"))
        .await;
    let created = h
        .fake
        .wait_for(|r| r.method == "POST" && r.path == format!("/channels/{STAFF}/threads"))
        .await;
    let thread: u64 = created.created_id.unwrap().parse().unwrap();
    h.fake.wait_message(thread, 0).await;
    h.fake
        .dispatch(
            "MESSAGE_CREATE",
            h.fake
                .dm_message(CUSTOMER, "my order **<@&600>** <script>x</script>"),
        )
        .await;
    h.fake.wait_message(thread, 1).await;
    let m = h
        .fake
        .thread_message(thread, AGENT, &[AGENT_ROLE], "/transcript file");
    h.fake.dispatch("MESSAGE_CREATE", m).await;
    let posted = h
        .fake
        .wait_for(|r| r.is_message_to(thread) && !r.files.is_empty())
        .await;
    assert!(
        posted.content().contains("Transcript of #1"),
        "{}",
        posted.body
    );
    let names: Vec<&str> = posted.files.iter().map(|f| f.file_name.as_str()).collect();
    assert_eq!(names, ["ticket-support-1.txt", "ticket-support-1.html"]);
    assert_eq!(posted.files[0].field, "files[0]");
    assert_eq!(posted.files[1].field, "files[1]");
    assert_eq!(
        posted.body["attachments"],
        json!([{"id": 0, "filename": "ticket-support-1.txt"}, {"id": 1, "filename": "ticket-support-1.html"}])
    );
    // Mentions stay off in the multipart payload too.
    assert_eq!(posted.body["allowed_mentions"]["parse"], json!([]));
    let txt = posted.files[0].text();
    assert!(
        txt.contains("my order **<@&600>** <script>x</script>"),
        "{txt}"
    );
    let html = posted.files[1].text();
    assert!(html.contains("&lt;script&gt;x&lt;/script&gt;") && !html.contains("<script"));
    assert_eq!(
        posted.files[1].content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    // The ticket stays open: the files are a copy, not a close.
    let room = Endpoint::chat(Platform::discord(), thread.to_string());
    let t = h
        .store
        .ticket_by_room(&room)
        .await
        .unwrap()
        .expect("the ticket");
    assert_eq!(t.status, frontdesk_core::TicketStatus::Open);
    h.shutdown().await;
}

#[tokio::test]
async fn the_channel_uploads_files_with_the_last_part_and_the_fake_checks_the_form() {
    let fake = FakeDiscord::start().await;
    let adapter = DiscordAdapter::new(config(&fake)).unwrap();
    let ch = adapter.channel();
    let to = Endpoint::chat(Platform::discord(), "321");
    let file = OutFile {
        name: "ticket-support-9.txt".into(),
        mime: "text/plain; charset=utf-8".into(),
        content: "héllo\r\n--not-a-boundary\r\n".into(),
    };
    let msg = OutMessage::plain(MessageKind::Notice, "line\n".repeat(500)).with_file(file.clone());
    let sent = ch.send(&to, &msg).await.expect("sent");
    let parts = fake.messages_to(321);
    assert_eq!(parts.len(), 2, "a long caption is split");
    assert!(parts[0].files.is_empty());
    assert_eq!(parts[1].files.len(), 1);
    assert_eq!(parts[1].files[0].content, file.content, "byte for byte");
    assert_eq!(sent.message_id, parts[1].created_id);
}

//! `/transcript file` in a forum topic: teloxide uploads the text and HTML transcripts with
//! `sendDocument` (multipart), into the ticket's topic, the caption on the first.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcript_file_uploads_two_documents_into_the_topic() {
    let tg = FakeTelegram::start().await;
    let store = MemoryStore::new();
    let bot = Bot::start(&tg, store.clone());
    let (thread, _) = open_ticket(&tg, ANN, "I want to talk to a person").await;
    summary_in(&tg, thread).await;
    tg.customer_text(ANN, "My parcel <b>never</b> came");
    tg.wait_for(|r| r.thread_id() == Some(thread) && text_has(r, "never"))
        .await;
    let mark = tg.mark();
    tg.agent_text_in_topic(DESK, thread, AGENT, "/transcript file");
    let is_upload = |r: &Request| {
        r.is("sendDocument") && r.ok && r.thread_id() == Some(thread) && r.chat_id() == Some(DESK)
    };
    let first = tg.wait_for_since(mark, is_upload).await;
    let (name, txt) = first.uploaded_document().expect("an uploaded file");
    assert_eq!(name, "ticket-support-1.txt");
    assert!(txt.starts_with("Transcript of ticket #1 · "), "{txt}");
    assert!(txt.contains("My parcel <b>never</b> came"), "{txt}");
    assert!(
        first
            .text()
            .is_some_and(|c| c.starts_with("📎 Transcript of #1")),
        "{:?}",
        first.text()
    );
    assert_eq!(first.parse_mode(), Some("HTML"));
    assert_eq!(
        first.result["document"]["file_name"],
        "ticket-support-1.txt"
    );
    tg.wait_for_since(mark, |r| {
        is_upload(r)
            && r.uploaded_document().is_some_and(|(n, html)| {
                n == "ticket-support-1.html"
                    && html.contains("My parcel &lt;b&gt;never&lt;/b&gt; came")
                    && !html.contains("<b>never")
            })
    })
    .await;
    let uploads = tg.matching(|r| r.is("sendDocument"));
    assert_eq!(uploads.len(), 2, "{}", tg.dump(mark));
    assert_eq!(
        uploads[1].text(),
        None,
        "the caption only on the first file"
    );
    // Nothing reached the customer.
    assert!(
        tg.matching(|r| r.chat_id() == Some(ANN) && r.is("sendDocument"))
            .is_empty()
    );
    bot.stop().await;
}

//! Test support (feature `testing`): a ticket whose every customer-written text is an HTML or
//! script payload, for the escaping tests of the pages and the browser test.

use frontdesk_core::ports::Data;
use frontdesk_core::*;

/// The hostile customer's display name.
pub const HOSTILE_NAME: &str = "\"><img src=x onerror=alert(1)>";
/// The hostile ticket's subject.
pub const HOSTILE_SUBJECT: &str = "<script>alert('subject')</script> refund";
/// The hostile customer message.
pub const HOSTILE_BODY: &str =
    "</div><script>alert(\"body\")</script><a href=\"javascript:alert(2)\">x</a>";
/// The hostile tag.
pub const HOSTILE_TAG: &str = "<b>vip</b>";
/// An attachment reference that must never become a link.
pub const HOSTILE_FILE: &str = "javascript:alert(3)";
/// An internal note of the hostile ticket.
pub const NOTE: &str = "internal: check the refund <i>first</i>";

/// Writes, through the Store API, a ticket on desk `desk` opened at `at` whose customer name,
/// subject, message, tag and attachment are HTML and script payloads, with an agent reply
/// and an internal note after the customer's message. Returns the ticket.
pub async fn hostile_ticket(s: &dyn Data, desk: &str, at: Timestamp) -> StoreResult<Ticket> {
    let party = Party {
        platform: Platform::discord(),
        user_id: "hostile".into(),
        display_name: HOSTILE_NAME.into(),
        locale: None,
        role: Role::Customer,
    };
    let c = s
        .upsert_customer(
            &party,
            &Endpoint::chat(Platform::discord(), "dm-hostile"),
            at,
        )
        .await?;
    let t = s
        .open_ticket(&NewTicket {
            desk: desk.into(),
            customer: c.id,
            customer_endpoint: c.endpoint.clone(),
            customer_name: c.display_name.clone(),
            subject: HOSTILE_SUBJECT.into(),
            lang: "en".into(),
            priority: Priority::High,
            bot_tried: "<svg onload=alert(4)>".into(),
            opened_at: at,
            transcript_since: at,
        })
        .await?;
    let msg =
        |author: AuthorKind, name: &str, body: &str, min: i64, files: Vec<Attachment>| NewMessage {
            customer: c.id,
            ticket: Some(t.id),
            author,
            author_id: Some(name.to_owned()),
            author_name: name.to_owned(),
            body: body.to_owned(),
            attachments: files,
            platform_msg: None,
            at: at.plus_millis(min * 60_000),
        };
    let files = vec![
        Attachment {
            platform: Platform::discord(),
            kind: AttachmentKind::Photo,
            file_ref: HOSTILE_FILE.into(),
            file_name: Some("<img src=y onerror=alert(5)>.png".into()),
        },
        Attachment {
            platform: Platform::discord(),
            kind: AttachmentKind::Document,
            file_ref: "https://cdn.example.invalid/receipt.pdf".into(),
            file_name: Some("receipt.pdf".into()),
        },
    ];
    s.record_message(&msg(
        AuthorKind::Customer,
        HOSTILE_NAME,
        HOSTILE_BODY,
        0,
        files,
    ))
    .await?;
    let agent = Agent {
        id: "discord:alice".into(),
        name: "Alice".into(),
    };
    s.record_message(&msg(
        AuthorKind::Agent,
        "Alice",
        "Looking into it.",
        2,
        vec![],
    ))
    .await?;
    s.record_agent_reply(t.id, &agent, at.plus_millis(2 * 60_000))
        .await?;
    s.record_message(&msg(AuthorKind::Note, "Alice", NOTE, 3, vec![]))
        .await?;
    s.add_tags(
        t.id,
        &[HOSTILE_TAG.into()],
        &agent,
        at.plus_millis(3 * 60_000),
    )
    .await?;
    s.record_message(&msg(
        AuthorKind::Customer,
        HOSTILE_NAME,
        "still waiting",
        5,
        vec![],
    ))
    .await?;
    Ok(s.ticket(t.id).await?.unwrap_or(t))
}

/// Whether `page` shows any hostile payload unescaped (the escaped forms are fine).
pub fn unescaped_payload(page: &str) -> Option<&'static str> {
    [
        "<script",
        "<img src=x",
        "<img src=y",
        "<svg onload",
        "<b>vip</b>",
        "<i>first</i>",
        "href=\"javascript:",
        "href=javascript:",
    ]
    .into_iter()
    .find(|p| page.contains(p))
}

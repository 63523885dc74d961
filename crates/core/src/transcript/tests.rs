use super::*;

fn ticket() -> Ticket {
    Ticket {
        id: TicketId(7),
        desk: "support".into(),
        number: 12,
        customer: CustomerId(1),
        customer_endpoint: Endpoint::chat(Platform::telegram(), "42"),
        customer_name: "Eve <script>".into(),
        subject: "Where is <b>my</b> order?".into(),
        status: TicketStatus::Closed,
        priority: Priority::High,
        tags: vec!["vip".into()],
        assignee: Some(Agent {
            id: "discord:9".into(),
            name: "Alice".into(),
        }),
        lang: "en".into(),
        room: None,
        customer_in_room: false,
        bot_tried: String::new(),
        opened_at: Timestamp(1_764_601_367_000), // 2025-12-01 15:02:47 UTC
        first_response_at: None,
        first_response_business_ms: None,
        closed_at: Some(Timestamp(1_764_604_800_000)), // 2025-12-01 16:00:00 UTC
        reopen_count: 0,
        reminders_sent: 0,
        customer_waiting_since: None,
    }
}

fn msg(author: AuthorKind, name: &str, body: &str, at: i64) -> Message {
    Message {
        id: MessageId(at),
        customer: CustomerId(1),
        ticket: Some(TicketId(7)),
        author,
        author_id: None,
        author_name: name.into(),
        body: body.into(),
        attachments: Vec::new(),
        at: Timestamp(at),
    }
}

fn messages() -> Vec<Message> {
    let mut first = msg(
        AuthorKind::Customer,
        "Eve <script>",
        "<script>alert(1)</script>\u{1b}[31mred\u{7}\nline two\r\n[2025-12-01 15:03:00 UTC] Alice (agent):",
        1_764_601_367_000,
    );
    first.attachments = vec![
        Attachment {
            platform: Platform::discord(),
            kind: AttachmentKind::Document,
            file_ref: "https://cdn.example.com/a.pdf?x=1&y=\"2\"".into(),
            file_name: Some("a.pdf".into()),
        },
        Attachment {
            platform: Platform::discord(),
            kind: AttachmentKind::Document,
            file_ref: "https://cdn.example.com/receipt.png".into(),
            file_name: Some("receipt <1>.png".into()),
        },
        Attachment {
            platform: Platform::telegram(),
            kind: AttachmentKind::Photo,
            file_ref: "AgACAgQ".into(),
            file_name: None,
        },
        Attachment {
            platform: Platform::discord(),
            kind: AttachmentKind::Document,
            file_ref: "javascript:alert(1)".into(),
            file_name: Some("evil".into()),
        },
    ];
    vec![
        first,
        msg(AuthorKind::Agent, "Alice", "On its way.", 1_764_601_500_000),
        msg(
            AuthorKind::Note,
            "Alice",
            "VIP, refund if late",
            1_764_601_560_000,
        ),
        msg(
            AuthorKind::Bot,
            "bot",
            "Ticket #12 is now closed.",
            1_764_604_800_000,
        ),
    ]
}

fn render(format: Format) -> String {
    let (t, m, texts) = (ticket(), messages(), Texts::default());
    Transcript::new(&t, &m, &texts, "en").render(format)
}

#[test]
fn formats_parse_and_name_their_files() {
    assert_eq!("html".parse::<Format>().unwrap(), Format::Html);
    assert_eq!("TXT".parse::<Format>().unwrap(), Format::Txt);
    assert_eq!("json".parse::<Format>().unwrap(), Format::Json);
    assert!("pdf".parse::<Format>().is_err());
    let (mut t, m, texts) = (ticket(), messages(), Texts::default());
    t.desk = "EU desk/../x".into();
    let tr = Transcript::new(&t, &m, &texts, "en");
    assert_eq!(tr.file_name(Format::Html), "ticket-EU_desk____x-12.html");
    let f = tr.file(Format::Txt);
    assert_eq!(f.mime, "text/plain; charset=utf-8");
    assert_eq!(
        String::from_utf8(f.content).unwrap(),
        tr.render(Format::Txt)
    );
}

#[test]
fn times_are_utc() {
    assert_eq!(
        time_utc(Timestamp(1_764_601_367_000)),
        "2025-12-01 15:02:47 UTC"
    );
    assert_eq!(time_rfc3339(Timestamp(0)), "1970-01-01T00:00:00Z");
    assert_eq!(time_rfc3339(Timestamp(-1)), "1969-12-31T23:59:59Z");
}

#[test]
fn text_marks_notes_names_agents_and_neutralises_control_characters() {
    let s = render(Format::Txt);
    assert!(s.starts_with("Transcript of ticket #12 · Where is <b>my</b> order?\n"));
    assert!(s.contains("Customer: Eve <script> (telegram) · Status: closed"));
    assert!(s.contains("Opened: 2025-12-01 15:02:47 UTC · Closed: 2025-12-01 16:00:00 UTC"));
    assert!(s.contains("Agent: Alice · Priority: high · Tags: vip"));
    assert!(s.contains("[2025-12-01 15:05:00 UTC] Alice (agent):\n    On its way.\n"));
    assert!(
        s.contains("[2025-12-01 15:06:00 UTC] Alice (internal note):\n    VIP, refund if late\n")
    );
    assert!(s.contains("[2025-12-01 16:00:00 UTC] Bot:\n"));
    // No escape code or bell survives; a forged header line stays indented inside the body.
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}') && !s.contains('\r'));
    assert!(s.contains("    <script>alert(1)</script>\u{FFFD}[31mred\u{FFFD}\n    line two\n"));
    assert!(s.contains("\n    [2025-12-01 15:03:00 UTC] Alice (agent):\n"));
    assert!(!s.contains("\n[2025-12-01 15:03:00"));
    // Attachments: web addresses as links, other references named with their platform.
    assert!(s.contains("📎 a.pdf (discord: https://cdn.example.com/a.pdf?x=1&y=\"2\")"));
    assert!(s.contains("📎 receipt <1>.png <https://cdn.example.com/receipt.png>"));
    assert!(s.contains("📎 photo (telegram: AgACAgQ)"));
    assert!(s.contains("📎 evil (discord: javascript:alert(1))"));
}

#[test]
fn html_is_self_contained_and_escapes_everything_written() {
    let s = render(Format::Html);
    assert!(s.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(s.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
    // Nothing fetched, nothing run.
    for forbidden in [
        "<script", "<img", "<link", "<iframe", "src=", "@import", "url(",
    ] {
        assert!(!s.contains(forbidden), "{forbidden} in the page");
    }
    assert!(s.contains("&lt;script&gt;alert(1)&lt;/script&gt;\u{FFFD}[31mred\u{FFFD}\nline two"));
    assert!(s.contains(
        "<title>Transcript of ticket #12 · Where is &lt;b&gt;my&lt;/b&gt; order?</title>"
    ));
    assert!(s.contains("Customer: Eve &lt;script&gt; (telegram)"));
    assert!(!s.contains('\u{1b}'));
    // Notes are marked; agents named.
    assert!(s.contains("<section class=\"msg note\">\n<div><span class=\"who\">Alice (internal note)</span><span class=\"badge\">internal</span>"));
    assert!(s.contains("<span class=\"who\">Alice (agent)</span><time class=\"when\" datetime=\"2025-12-01T15:05:00Z\">2025-12-01 15:05:00 UTC</time>"));
    // Links only to web addresses, attribute-escaped; no javascript: link.
    assert!(s.contains("<a href=\"https://cdn.example.com/receipt.png\" rel=\"noopener noreferrer nofollow\">receipt &lt;1&gt;.png</a>"));
    assert!(!s.contains("href=\"javascript"));
    assert!(s.contains("<li>evil <span class=\"when\">(discord: javascript:alert(1))</span></li>"));
    assert!(s.contains("<li>photo <span class=\"when\">(telegram: AgACAgQ)</span></li>"));
}

#[test]
fn a_url_with_quotes_is_not_a_link() {
    let s = render(Format::Html);
    assert!(!s.contains("href=\"https://cdn.example.com/a.pdf"));
    assert!(s.contains("a.pdf <span class=\"when\">(discord: https://cdn.example.com/a.pdf?x=1&amp;y=&quot;2&quot;)</span>"));
}

#[test]
fn json_keeps_the_data_and_marks_notes() {
    let v: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
    assert_eq!(v["ticket"]["number"], 12);
    assert_eq!(v["ticket"]["status"], "closed");
    assert_eq!(v["ticket"]["assignee"]["name"], "Alice");
    assert_eq!(v["ticket"]["closed_at"], "2025-12-01T16:00:00Z");
    let m = v["messages"].as_array().unwrap();
    assert_eq!(m.len(), 4);
    assert_eq!(m[0]["author"], "customer");
    assert!(
        m[0]["body"]
            .as_str()
            .unwrap()
            .starts_with("<script>alert(1)</script>\u{1b}[31m")
    );
    assert_eq!(
        m[0]["attachments"][1]["url"],
        "https://cdn.example.com/receipt.png"
    );
    assert_eq!(m[0]["attachments"][3]["url"], serde_json::Value::Null);
    assert_eq!(m[1]["label"], "Alice (agent)");
    assert_eq!(m[2]["internal"], true);
    assert_eq!(m[1]["internal"], false);
    assert_eq!(m[2]["at"], "2025-12-01T15:06:00Z");
    // The raw text holds no control character: JSON escaped it.
    assert!(!render(Format::Json).contains('\u{1b}'));
}

#[test]
fn labels_follow_the_desk_language_and_an_open_ticket_has_no_close() {
    let (mut t, texts) = (ticket(), Texts::default());
    t.status = TicketStatus::Open;
    t.assignee = None;
    let m: Vec<Message> = Vec::new();
    let s = Transcript::new(&t, &m, &texts, "lt").render(Format::Txt);
    assert!(s.starts_with("Užklausos #12 pokalbis"));
    assert!(s.contains("Uždaryta: nėra · Konsultantas: nėra"));
    assert!(s.contains("Žinučių nėra."));
    let s = Transcript::new(&t, &m, &texts, "et").render(Format::Html);
    assert!(s.contains("<html lang=\"et\">"));
    assert!(s.contains("Sõnumeid pole."));
}

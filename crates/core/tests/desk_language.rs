//! The desk's language (`desk.lang`): agents read command replies, room summaries, reminders
//! and notices in it, while each customer keeps being answered in their own language.

use std::collections::BTreeMap;
use std::sync::Arc;

use frontdesk_core::testing::{ManualClock, MemoryStore, RecordingChannel};
use frontdesk_core::texts::{Audience, Text, builtin};
use frontdesk_core::*;
use frontdesk_kb::Kb;

mod common;
use common::{T0, entry};

fn kb() -> Kb {
    Kb::from_entries(vec![
        entry(
            "order-status",
            "en",
            &["Where is my order?", "How can I track my parcel?"],
            "Track your order under My account.",
        ),
        entry(
            "order-status",
            "lt",
            &["Kur mano užsakymas?", "Kaip sekti siuntą?"],
            "Užsakymą galite sekti skiltyje Mano paskyra.",
        ),
    ])
    .expect("the test knowledge base builds")
}

struct H {
    engine: Engine,
    channel: Arc<RecordingChannel>,
    clock: Arc<ManualClock>,
}

fn harness(cfg: EngineConfig) -> Result<H, EngineError> {
    let channel = RecordingChannel::new(Platform::terminal());
    let clock = ManualClock::new(T0);
    let engine = Engine::new(
        cfg,
        MemoryStore::new(),
        Router::new().with(channel.clone()),
        clock.clone(),
        kb(),
    )?;
    Ok(H {
        engine,
        channel,
        clock,
    })
}

fn desk(lang: &str) -> EngineConfig {
    let mut cfg = EngineConfig::default();
    cfg.desk.lang = lang.into();
    cfg
}

fn dm(user: &str) -> Endpoint {
    Endpoint::chat(Platform::terminal(), format!("dm-{user}"))
}

/// A built-in text with its placeholders filled, as the Engine fills them.
fn text(lang: &str, t: Text, vars: &[(&str, &str)]) -> String {
    let mut s = builtin(lang, t).expect("built in").to_owned();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

static IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn next_id() -> String {
    format!("d{}", IDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
}

impl H {
    async fn customer(&self, user: &str, body: &str) {
        let from = Party {
            platform: Platform::terminal(),
            user_id: user.into(),
            display_name: format!("Customer {user}"),
            locale: None,
            role: Role::Customer,
        };
        let msg = Inbound {
            platform_msg_id: next_id(),
            from,
            at: dm(user),
            content: Content::Text(body.into()),
            sent_at: None,
        };
        assert_eq!(self.engine.handle(msg).await.unwrap(), Handled::Done);
    }

    async fn agent(&self, name: &str, room: &Endpoint, body: &str) {
        let from = Party {
            platform: Platform::terminal(),
            user_id: format!("agent-{name}"),
            display_name: name.into(),
            locale: None,
            role: Role::Agent,
        };
        let msg = Inbound {
            platform_msg_id: next_id(),
            from,
            at: room.clone(),
            content: Content::Text(body.into()),
            sent_at: None,
        };
        assert_eq!(self.engine.handle(msg).await.unwrap(), Handled::Done);
    }

    fn last_to(&self, to: &Endpoint) -> OutMessage {
        self.channel.sent_to(to).pop().expect("a message")
    }

    fn last_room(&self) -> Endpoint {
        self.channel.rooms().last().expect("a room").1.clone()
    }
}

#[tokio::test]
async fn a_lithuanian_desk_reads_lithuanian_while_the_customer_keeps_english() {
    let h = harness(desk("lt")).unwrap();
    h.customer("p", "Where is my order?").await;
    assert_eq!(
        h.last_to(&dm("p")).text,
        "Track your order under My account."
    );
    h.customer("p", "/human").await;
    assert_eq!(
        h.last_to(&dm("p")).text,
        text("en", Text::TicketOpened, &[("number", "1")]),
        "the customer is told in English"
    );

    // The summary: every line in Lithuanian, the customer's own words as they were.
    let room = h.last_room();
    let summary = h.channel.sent_to(&room).remove(0);
    assert_eq!(summary.kind, MessageKind::Summary);
    let expected = [
        text(
            "lt",
            Text::SummaryTitle,
            &[("number", "1"), ("subject", "Where is my order?")],
        ),
        text(
            "lt",
            Text::SummaryCustomer,
            &[
                ("customer", "Customer p"),
                ("platform", "terminal"),
                ("lang", "en"),
            ],
        ),
        text("lt", Text::SummaryPriority, &[("priority", "normal")]),
        text(
            "lt",
            Text::SummaryBotTried,
            &[("tried", builtin("lt", Text::TriedSlashHuman).unwrap())],
        ),
        String::new(),
        text("lt", Text::SummaryConversation, &[]),
        "Customer p: Where is my order?".to_owned(),
        format!(
            "{}: Track your order under My account.",
            text("lt", Text::TranscriptBot, &[])
        ),
        "Customer p: /human".to_owned(),
    ];
    let lines: Vec<&str> = summary.text.lines().collect();
    assert_eq!(
        &lines[..expected.len()],
        &expected.each_ref().map(String::as_str)
    );
    assert!(
        summary
            .text
            .ends_with(builtin("lt", Text::SummaryFooter).unwrap()),
        "{}",
        summary.text
    );
    assert_eq!(summary.buttons[0].label, "Perimti");

    // Command replies.
    h.agent("Ona", &room, "/claim").await;
    assert_eq!(
        h.last_to(&room).text,
        "✋ Ona perėmė užklausą #1.",
        "the room is told in Lithuanian"
    );
    assert_eq!(
        h.last_to(&dm("p")).text,
        text(
            "en",
            Text::AgentJoined,
            &[("agent", "Ona"), ("number", "1")]
        ),
        "the customer in English"
    );
    h.agent("Ona", &room, "/claim").await;
    assert_eq!(
        h.last_to(&room).text,
        text("lt", Text::ClaimAlreadyYours, &[("number", "1")])
    );
    h.agent("Jonas", &room, "/claim").await;
    assert_eq!(
        h.last_to(&room).text,
        text(
            "lt",
            Text::ClaimTaken,
            &[("number", "1"), ("holder", "Ona")]
        )
    );
    h.agent("Ona", &room, "/frobnicate").await;
    assert_eq!(
        h.last_to(&room).text,
        format!(
            "{}\n{}",
            text("lt", Text::UnknownCommand, &[("command", "/frobnicate")]),
            text("lt", Text::AgentHelp, &[])
        )
    );
    h.agent("Ona", &room, "/priority").await;
    assert_eq!(h.last_to(&room).text, text("lt", Text::PriorityUsage, &[]));
    h.agent("Ona", &room, "/priority high").await;
    assert_eq!(
        h.last_to(&room).text,
        "Užklausos #1 prioritetas dabar high."
    );
    h.agent("Ona", &room, "/tag vip").await;
    assert_eq!(h.last_to(&room).text, "Užklausos #1 žymos: vip");
    h.agent("Ona", &room, "/note").await;
    assert_eq!(h.last_to(&room).text, text("lt", Text::NoteUsage, &[]));
    h.agent("Ona", &room, "/snippet").await;
    assert_eq!(h.last_to(&room).text, text("lt", Text::NoSnippets, &[]));
    h.agent("Ona", &room, "/kb nope").await;
    assert_eq!(
        h.last_to(&room).text,
        text("lt", Text::KbUnknownEntry, &[("entry", "nope")])
    );
    h.agent("Ona", &room, "Your parcel leaves today.").await;
    assert_eq!(h.last_to(&dm("p")).text, "Your parcel leaves today.");
    h.agent("Ona", &room, "/transcript").await;
    let transcript = h.last_to(&room).text;
    let header = transcript.lines().next().unwrap();
    let (before, after) = builtin("lt", Text::TranscriptHeader)
        .unwrap()
        .split_once("{count}")
        .unwrap();
    assert!(
        header.starts_with(&before.replace("{number}", "1")) && header.ends_with(after),
        "{transcript}"
    );
    assert!(
        transcript.contains("Ona (konsultantas): Your parcel leaves today.")
            && transcript.contains("Ona (komanda): /claim"),
        "{transcript}"
    );

    // Close: the customer gets the survey in English, the room the notice in Lithuanian.
    h.agent("Ona", &room, "/close").await;
    let room_msgs = h.channel.sent_to(&room);
    assert_eq!(
        room_msgs.last().unwrap().text,
        text(
            "lt",
            Text::ClosedByAgent,
            &[("agent", "Ona"), ("number", "1")]
        )
    );
    assert_eq!(
        h.last_to(&dm("p")).text,
        text("en", Text::TicketClosedSurvey, &[("number", "1")])
    );
    h.agent("Ona", &room, "/close").await;
    assert_eq!(
        h.last_to(&room).text,
        text("lt", Text::CloseAlreadyClosed, &[("number", "1")])
    );
    h.agent("Ona", &room, "One more thing").await;
    assert_eq!(
        h.last_to(&room).text,
        text("lt", Text::ClosedNoteKept, &[("number", "1")])
    );
    // The customer writes again within the reopen window: reopened.
    h.customer("p", "It still has not arrived").await;
    assert_eq!(
        h.last_to(&dm("p")).text,
        text("en", Text::TicketReopened, &[("number", "1")])
    );
    let notices: Vec<String> = h
        .channel
        .sent_to(&room)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        notices.contains(&text("lt", Text::ReopenedByCustomer, &[("number", "1")])),
        "{notices:?}"
    );
    h.agent("Ona", &room, "/reopen").await;
    assert_eq!(
        h.last_to(&room).text,
        text("lt", Text::ReopenAlreadyOpen, &[("number", "1")])
    );
    // Closed again and rated.
    h.agent("Ona", &room, "/close").await;
    h.customer("p", "5").await;
    assert_eq!(
        h.last_to(&dm("p")).text,
        text("en", Text::SurveyThanks, &[])
    );
    assert_eq!(
        h.last_to(&room).text,
        "⭐ Klientas įvertino užklausą #1: 5/5"
    );
    h.agent("Ona", &room, "/reopen").await;
    assert_eq!(
        h.last_to(&room).text,
        text(
            "lt",
            Text::ReopenedByAgent,
            &[("agent", "Ona"), ("number", "1")]
        )
    );
}

#[tokio::test]
async fn reminders_are_in_the_desk_language() {
    let h = harness(desk("lt")).unwrap();
    h.customer("q", "Where is my order?").await;
    h.customer("q", "/human").await;
    let room = h.last_room();
    h.clock.advance_minutes(15);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 1);
    assert_eq!(
        h.last_to(&room).text,
        "⏰ Užklausa #1 jau 15 min. laukia atsakymo (tikslas – 15 min.)."
    );
    h.clock.advance_minutes(15);
    assert_eq!(h.engine.tick().await.unwrap().reminders, 1);
    let again = h.last_to(&room);
    assert_eq!(
        again.text,
        text(
            "lt",
            Text::ReminderAgain,
            &[("number", "1"), ("waited", "30"), ("target", "15")]
        )
    );
    assert!(again.mention_agents);
}

#[tokio::test]
async fn an_estonian_desk_serves_a_lithuanian_customer() {
    let h = harness(desk("et")).unwrap();
    h.customer("r", "Kur mano užsakymas?").await;
    assert_eq!(
        h.last_to(&dm("r")).text,
        "Užsakymą galite sekti skiltyje Mano paskyra."
    );
    h.customer("r", "Noriu kalbėti su žmogumi").await;
    assert_eq!(
        h.last_to(&dm("r")).text,
        text("lt", Text::TicketOpened, &[("number", "1")])
    );
    let room = h.last_room();
    let summary = h.channel.sent_to(&room).remove(0);
    assert!(
        summary.text.starts_with("Uus pöördumine #1 · ")
            && summary
                .text
                .contains("Klient: Customer r (terminal, keel lt)")
            && summary.text.contains(
                builtin("et", Text::TriedAnswerCustomerSaid)
                    .unwrap()
                    .split('`')
                    .next()
                    .unwrap()
            ),
        "{}",
        summary.text
    );
    assert_eq!(summary.buttons[0].label, "Võta enda peale");
    h.agent("Mari", &room, "/unclaim").await;
    assert_eq!(h.last_to(&room).text, "Pöördumine #1 ei ole teie käes.");
}

#[tokio::test]
async fn the_dispatchers_notices_are_in_the_desk_language() {
    let h = harness(desk("lt")).unwrap();
    h.customer("s", "Where is my order?").await;
    h.customer("s", "/human").await;
    let room = h.last_room();

    // The room is deleted on the platform: a new one, told in Lithuanian.
    h.channel.delete_room(&room);
    h.customer("s", "Hello?").await;
    let new_room = h.last_room();
    assert_ne!(new_room, room);
    let msgs = h.channel.sent_to(&new_room);
    assert_eq!(msgs[0].kind, MessageKind::Summary);
    assert_eq!(
        msgs[1].text,
        text("lt", Text::RoomReplaced, &[("number", "1")])
    );

    // The customer blocks the bot: the agents are told plainly, in Lithuanian.
    h.channel.block("dm-s");
    h.agent("Ona", &new_room, "Are you there?").await;
    assert_eq!(
        h.last_to(&new_room).text,
        text(
            "lt",
            Text::CustomerUnreachable,
            &[
                ("number", "1"),
                ("platform", "terminal"),
                ("preview", "Are you there?")
            ]
        )
    );
}

#[tokio::test]
async fn desk_language_is_checked_and_may_be_given_in_configuration() {
    // A language without built-in texts: a clear error naming what is missing.
    let err = harness(desk("fi")).err().expect("refused").to_string();
    assert!(
        err.contains("desk.lang = \"fi\"") && err.contains("[texts.fi]") && err.contains("claimed"),
        "{err}"
    );

    // The same language with every desk text given works, and is used.
    let mut cfg = desk("fi");
    let fi: BTreeMap<String, String> = Text::ALL
        .into_iter()
        .filter(|t| t.audience() == Audience::Desk)
        .map(|t| {
            (
                t.key().to_owned(),
                format!("FI {}", builtin("en", t).unwrap()),
            )
        })
        .collect();
    let mut partial = fi.clone();
    partial.remove("reminder_first");
    cfg.texts.insert("fi".into(), partial);
    let err = harness(cfg.clone())
        .err()
        .expect("still incomplete")
        .to_string();
    assert!(
        err.contains("reminder_first") && !err.contains("claimed"),
        "{err}"
    );
    cfg.texts.insert("fi".into(), fi);
    cfg.texts.insert(
        "fi".into(),
        cfg.texts["fi"]
            .clone()
            .into_iter()
            .chain([("claimed".to_owned(), "{agent} otti #{number}".to_owned())])
            .collect(),
    );
    let h = harness(cfg).unwrap();
    h.customer("t", "/human").await;
    let room = h.last_room();
    h.agent("Aino", &room, "/claim").await;
    assert_eq!(h.last_to(&room).text, "Aino otti #1");
    assert!(
        h.channel.sent_to(&room)[0]
            .text
            .starts_with("FI New ticket #1"),
        "{}",
        h.channel.sent_to(&room)[0].text
    );
}

#[tokio::test]
async fn an_english_desk_may_override_a_desk_text() {
    let mut cfg = desk("en");
    cfg.texts.insert(
        "en".into(),
        BTreeMap::from([(
            "reopened_by_customer".to_owned(),
            "↩ #{number} is back: the customer wrote again.".to_owned(),
        )]),
    );
    let h = harness(cfg).unwrap();
    h.customer("u", "/human").await;
    let room = h.last_room();
    h.agent("Alice", &room, "/close").await;
    h.customer("u", "Actually, one more question").await;
    let texts: Vec<String> = h
        .channel
        .sent_to(&room)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        texts.contains(&"↩ #1 is back: the customer wrote again.".to_owned()),
        "{texts:?}"
    );
    // Unknown placeholders in an override are refused.
    let mut cfg = desk("en");
    cfg.texts.insert(
        "lt".into(),
        BTreeMap::from([("tags_set".to_owned(), "#{number}: {tgas}".to_owned())]),
    );
    let err = harness(cfg).err().expect("refused").to_string();
    assert!(err.contains("{tgas}") && err.contains("tags_set"), "{err}");
}

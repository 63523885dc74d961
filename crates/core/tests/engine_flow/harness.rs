//! The Engine under test: the in-memory Store, a recording Channel, a manual clock and a small
//! knowledge base in en/lt/et, with helpers that play customers and agents.

use std::collections::BTreeMap;
use std::sync::Arc;

use frontdesk_core::testing::{ManualClock, MemoryStore, RecordingChannel};
use frontdesk_core::*;
use frontdesk_kb::Kb;

use crate::common::{T0, entry};

pub(crate) fn kb() -> Kb {
    Kb::from_entries(vec![
        entry(
            "order-status",
            "en",
            &[
                "Where is my order?",
                "How can I track my parcel?",
                "My package has not arrived yet",
            ],
            "Track your order under **My account → Orders**.",
        ),
        entry(
            "return-policy",
            "en",
            &[
                "How do I return an item?",
                "Can I send a product back?",
                "What is your return policy?",
            ],
            "You can return items within 30 days.",
        ),
        entry(
            "reset-password",
            "en",
            &[
                "I forgot my password",
                "How do I reset my password?",
                "Cannot log in, password lost",
            ],
            "Use *Forgot password* on the login page.",
        ),
        entry(
            "order-status",
            "lt",
            &[
                "Kur mano užsakymas?",
                "Kaip sekti siuntą?",
                "Siunta dar neatkeliavo",
            ],
            "Užsakymą galite sekti skiltyje **Mano paskyra → Užsakymai**.",
        ),
        entry(
            "invoice",
            "lt",
            &[
                "Kur rasti sąskaitą faktūrą?",
                "Reikia sąskaitos faktūros",
                "Kaip gauti sąskaitą?",
            ],
            "Sąskaitą faktūrą rasite skiltyje **Mano paskyra**.",
        ),
        entry(
            "order-status",
            "et",
            &[
                "Kus on minu tellimus?",
                "Kuidas oma pakki jälgida?",
                "Pakk pole veel kohale jõudnud",
            ],
            "Tellimust saate jälgida jaotises **Minu konto → Tellimused**.",
        ),
    ])
    .expect("test KB builds")
}

pub(crate) struct Harness {
    pub(crate) engine: Engine,
    pub(crate) store: Arc<MemoryStore>,
    pub(crate) channel: Arc<RecordingChannel>,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) seq: std::sync::atomic::AtomicU64,
}

pub(crate) fn config() -> EngineConfig {
    let mut cfg = EngineConfig::default();
    cfg.matching.answer_threshold = 0.5;
    cfg.matching.suggest_threshold = 0.15;
    cfg.snippets.insert(
        "thanks".into(),
        BTreeMap::from([
            ("en".to_owned(), "Thanks for waiting!".to_owned()),
            ("lt".to_owned(), "Ačiū, kad palaukėte!".to_owned()),
        ]),
    );
    cfg
}

pub(crate) fn harness_with(cfg: EngineConfig, store: Arc<MemoryStore>) -> Harness {
    let channel = RecordingChannel::new(Platform::terminal());
    let clock = ManualClock::new(T0);
    let engine = Engine::new(
        cfg,
        store.clone(),
        Router::new().with(channel.clone()),
        clock.clone(),
        kb(),
    )
    .unwrap();
    Harness {
        engine,
        store,
        channel,
        clock,
        seq: Default::default(),
    }
}

pub(crate) fn harness() -> Harness {
    harness_with(config(), MemoryStore::new())
}

pub(crate) fn customer_ep(user: &str) -> Endpoint {
    Endpoint::chat(Platform::terminal(), format!("dm-{user}"))
}

impl Harness {
    pub(crate) fn next_id(&self) -> String {
        // Unique across harnesses too: a restarted Engine sees new updates, not replays.
        static IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        self.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let n = IDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        format!("u{n}")
    }

    pub(crate) async fn customer(&self, user: &str, content: Content) -> Handled {
        let id = self.next_id();
        self.customer_with_id(user, content, &id).await
    }

    pub(crate) async fn customer_with_id(&self, user: &str, content: Content, id: &str) -> Handled {
        self.customer_sent(user, content, id, None).await
    }

    /// A customer message the platform says was sent at `sent_at`.
    pub(crate) async fn customer_sent(
        &self,
        user: &str,
        content: Content,
        id: &str,
        sent_at: Option<Timestamp>,
    ) -> Handled {
        self.engine
            .handle(Inbound {
                platform_msg_id: id.to_owned(),
                from: Party {
                    platform: Platform::terminal(),
                    user_id: user.into(),
                    display_name: format!("Customer {user}"),
                    locale: None,
                    role: Role::Customer,
                },
                at: customer_ep(user),
                content,
                sent_at,
            })
            .await
            .unwrap()
    }

    pub(crate) async fn say(&self, user: &str, text: &str) -> Handled {
        self.customer(user, Content::Text(text.into())).await
    }

    pub(crate) async fn press(&self, user: &str, payload: &str) -> Handled {
        self.customer(user, Content::Button(payload.into())).await
    }

    pub(crate) async fn agent(&self, name: &str, room: &Endpoint, text: &str) -> Handled {
        self.agent_as(name, Role::Agent, room, text).await
    }

    pub(crate) async fn agent_as(
        &self,
        name: &str,
        role: Role,
        room: &Endpoint,
        text: &str,
    ) -> Handled {
        let id = self.next_id();
        self.engine
            .handle(Inbound {
                platform_msg_id: id,
                from: Party {
                    platform: Platform::terminal(),
                    user_id: format!("agent-{name}"),
                    display_name: name.into(),
                    locale: None,
                    role,
                },
                at: room.clone(),
                content: Content::Text(text.into()),
                sent_at: None,
            })
            .await
            .unwrap()
    }

    pub(crate) fn to_customer(&self, user: &str) -> Vec<OutMessage> {
        self.channel.sent_to(&customer_ep(user))
    }

    pub(crate) fn last_to_customer(&self, user: &str) -> OutMessage {
        self.to_customer(user)
            .pop()
            .expect("a message to the customer")
    }

    pub(crate) fn room(&self, n: usize) -> Endpoint {
        self.channel.rooms()[n].1.clone()
    }

    pub(crate) fn to_room(&self, room: &Endpoint) -> Vec<OutMessage> {
        self.channel.sent_to(room)
    }

    pub(crate) async fn ticket(&self, number: i64) -> Ticket {
        self.store
            .ticket_by_number("support", number)
            .await
            .unwrap()
            .expect("ticket exists")
    }

    pub(crate) async fn state(&self, user: &str) -> ConversationState {
        let c = self
            .store
            .upsert_customer(
                &Party {
                    platform: Platform::terminal(),
                    user_id: user.into(),
                    display_name: format!("Customer {user}"),
                    locale: None,
                    role: Role::Customer,
                },
                &customer_ep(user),
                T0,
            )
            .await
            .unwrap();
        c.state
    }

    /// Escalates `user` with /human and returns the room.
    pub(crate) async fn open_ticket(&self, user: &str) -> Endpoint {
        self.say(user, "Where is my order?").await;
        self.say(user, "/human").await;
        let rooms = self.channel.rooms();
        rooms.last().expect("room opened").1.clone()
    }
}

pub(crate) fn payloads(m: &OutMessage) -> Vec<&str> {
    m.buttons.iter().map(|b| b.payload.as_str()).collect()
}

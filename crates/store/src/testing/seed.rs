//! A synthetic history of a busy support desk, written through the real schema in bulk (big
//! multi-row inserts in big transactions), for the report tests and the report benchmark.
//!
//! Per ticket, on average: 8 transcript messages (customer, agent, bot), 3 bot questions
//! (two right before the ticket, one two days earlier, which mostly ends deflected), a
//! timeline (opened, claimed, 1–3 agent replies, notes, closed; 6 % reopened and closed again by a
//! second agent; 8 % still open, 3 % without any reply), and a survey for every closed ticket
//! (45 % answered; of those 60 % also answer NPS and CES). Tickets are spread evenly over
//! `span_ms` from `start`, over three desks and twelve agents; rows of consecutive tickets are
//! interleaved in time order, as a live desk writes them. Deterministic for a given `seed`.

use std::fmt::Write as _;

use frontdesk_core::StoreResult;
use sqlx::AssertSqlSafe;

use crate::{Backend, Sql, SqlStore};

/// What to seed.
#[derive(Clone, Debug)]
pub struct SeedSpec {
    /// Tickets.
    pub tickets: usize,
    /// Time of the first ticket (Unix ms).
    pub start: i64,
    /// The tickets are spread over this long.
    pub span_ms: i64,
    /// The random seed.
    pub seed: u64,
}

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Customers.
    pub customers: usize,
    /// Tickets.
    pub tickets: usize,
    /// Transcript messages.
    pub messages: usize,
    /// Timeline events.
    pub events: usize,
    /// Bot replies.
    pub bot_replies: usize,
    /// Surveys.
    pub surveys: usize,
}

const DESKS: &[&str] = &["support", "billing", "sales"];
const QUESTIONS: &[&str] = &[
    "Where is my parcel",
    "where is my parcel?",
    "How do I return an item",
    "delivery time to Vilnius",
    "payment failed",
    "Payment failed!",
    "change my address",
    "cancel my order",
    "refund status",
    "talk to a human",
    "invoice copy",
    "discount code does not work",
    "Kur mano siunta?",
    "Kus on mu pakk?",
    "opening hours",
    "warranty claim",
];
const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
/// Tickets whose rows are interleaved in time order per batch.
const BLOCK: usize = 2048;
/// Rows per INSERT statement.
const ROWS: usize = 500;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    /// Uniform in `lo..hi` ms.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(1) as u64) as i64
    }
}

/// A row of one table, as SQL literals, with the time it sorts by.
struct Row {
    at: i64,
    values: String,
}

fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt(v: Option<i64>) -> String {
    v.map_or_else(|| "NULL".into(), |v| v.to_string())
}

#[derive(Default)]
struct Block {
    tickets: Vec<String>,
    messages: Vec<Row>,
    events: Vec<Row>,
    replies: Vec<Row>,
    surveys: Vec<String>,
}

struct Ids {
    /// Customer messages' platform ids.
    message: i64,
    message_rows: i64,
    event: i64,
    reply: i64,
    numbers: Vec<i64>,
}

fn agent(i: u64) -> (String, String) {
    (format!("telegram:{}", 900 + i), format!("Agent {}", i + 1))
}

/// Generates ticket `id`'s rows into `b`.
fn ticket(rng: &mut Rng, spec: &SeedSpec, customers: usize, id: i64, ids: &mut Ids, b: &mut Block) {
    let slot = spec.span_ms / spec.tickets.max(1) as i64;
    let opened = spec.start + (id - 1) * slot + rng.between(0, slot.max(1));
    let desk_i = rng.below(DESKS.len() as u64) as usize;
    ids.numbers[desk_i] += 1;
    let number = ids.numbers[desk_i];
    let cust = 1 + rng.below(customers as u64) as i64;
    let q = |rng: &mut Rng| QUESTIONS[rng.below(QUESTIONS.len() as u64) as usize];
    // Bot questions: one two days before (no ticket follows it within 24 h unless the
    // customer opened another), two right before the ticket.
    for (k, before) in [(0, 2 * 24 * HOUR), (1, 4 * MINUTE), (2, MINUTE)] {
        let at = opened - before - rng.between(0, 30_000);
        let outcome = match (k, rng.below(10)) {
            (2, 0..=4) => "escalated",
            (_, 0..=1) => "suggested",
            (_, 2) if k < 2 => "escalated",
            _ => "answered",
        };
        let entry = (outcome != "escalated").then(|| format!("entry-{}", rng.below(30)));
        let fb = match (outcome, rng.below(10)) {
            ("answered", 0..=2) => Some("solved"),
            ("answered", 3..=4) => Some("not_solved"),
            _ => None,
        };
        b.replies.push(Row {
            at,
            values: format!(
                "{cust}, {}, '{outcome}', {}, 'en', 0.5, {at}, {}, {})",
                text(q(rng)),
                entry.as_deref().map_or_else(|| "NULL".into(), text),
                fb.map_or_else(|| "NULL".into(), text),
                opt(fb.map(|_| at + 30_000)),
            ),
        });
    }
    let (a1, n1) = agent(rng.below(12));
    let (a2, n2) = agent(rng.below(12));
    let msg = |b: &mut Block, ids: &mut Ids, author: &str, who: Option<(&str, &str)>, at: i64| {
        ids.message += 1;
        let (aid, name) = who.map_or(("NULL".to_owned(), "Customer".to_owned()), |(i, n)| {
            (text(i), n.to_owned())
        });
        let (platform, pmid) = if author == "customer" {
            ("'telegram'".to_owned(), format!("'m{}'", ids.message))
        } else {
            ("NULL".to_owned(), "NULL".to_owned())
        };
        b.messages.push(Row {
            at,
            values: format!(
                "{cust}, {id}, '{author}', {aid}, {}, 'message text of a usual length here', \
                 {platform}, {pmid}, {at})",
                text(&name)
            ),
        });
    };
    let ev = |b: &mut Block, kind: &str, who: Option<(&str, &str)>, at: i64| {
        let (aid, name) = who.map_or(("NULL".into(), "NULL".into()), |(i, n)| (text(i), text(n)));
        b.events.push(Row {
            at,
            values: format!("{id}, '{kind}', {aid}, {name}, '', {at})"),
        });
    };
    ev(b, "opened", None, opened);
    msg(b, ids, "customer", None, opened);
    let mut status = "open";
    let (mut first, mut closed, mut reopens, mut assignee) = (None, None, 0, None);
    if !rng.pct(3) {
        let frt = match rng.below(100) {
            0..=39 => rng.between(MINUTE, 15 * MINUTE),
            40..=69 => rng.between(15 * MINUTE, HOUR),
            70..=89 => rng.between(HOUR, 8 * HOUR),
            _ => rng.between(8 * HOUR, 48 * HOUR),
        };
        let mut t = opened + frt;
        let who = Some((a1.as_str(), n1.as_str()));
        assignee = Some((a1.clone(), n1.clone()));
        ev(b, "claimed", who, t - rng.between(0, frt.min(5 * MINUTE)));
        first = Some(t);
        // 1, 2 or 3 agent replies (20 %, 30 %, 50 %); the customer writes about as often.
        let replies = match rng.below(10) {
            0..=1 => 1,
            2..=4 => 2,
            _ => 3,
        };
        for k in 0..3 {
            if k > 0 {
                t += rng.between(2 * MINUTE, 2 * HOUR);
                msg(b, ids, "customer", None, t);
                t += rng.between(MINUTE, 25 * MINUTE);
            }
            if k >= replies {
                continue;
            }
            ev(b, "replied", who, t);
            msg(b, ids, "agent", who, t);
            if rng.pct(7) {
                ev(b, "note", who, t + 1000);
            }
        }
        if !rng.pct(5) {
            t += rng.between(MINUTE, 30 * MINUTE);
            msg(b, ids, "customer", None, t);
            t += rng.between(MINUTE, HOUR);
            ev(b, "closed", who, t);
            msg(b, ids, "bot", None, t);
            status = "closed";
            if rng.pct(6) {
                // Reopened by the customer; a second agent answers and closes.
                t += rng.between(HOUR, 20 * HOUR);
                ev(b, "reopened", None, t);
                msg(b, ids, "customer", None, t);
                t += rng.between(2 * MINUTE, 40 * MINUTE);
                let who2 = Some((a2.as_str(), n2.as_str()));
                ev(b, "replied", who2, t);
                msg(b, ids, "agent", who2, t);
                t += rng.between(MINUTE, 20 * MINUTE);
                ev(b, "closed", who2, t);
                reopens = 1;
            }
            closed = Some(t);
            let answered = rng.pct(45);
            let score = answered.then(|| match rng.below(100) {
                0..=49 => 5,
                50..=74 => 4,
                75..=84 => 3,
                85..=91 => 2,
                _ => 1,
            });
            let more = answered && rng.pct(60);
            let nps = more.then(|| [10, 10, 9, 9, 8, 7, 6, 5, 3, 0][rng.below(10) as usize]);
            let ces = more.then(|| 1 + rng.below(7) as i64);
            b.surveys.push(format!(
                "({id}, {t}, {}, NULL, {}, {}, {})",
                opt(score),
                opt(score.map(|_| t + 60_000)),
                opt(nps),
                opt(ces)
            ));
        }
    }
    let (aid, aname) = assignee.map_or(("NULL".into(), "NULL".into()), |(i, n)| {
        (text(&i), text(&n))
    });
    b.tickets.push(format!(
        "({id}, '{}', {number}, {cust}, 'telegram', 'c{cust}', '', 'Customer {cust}', 'subject', \
         '{status}', 'normal', '[]', {aid}, {aname}, 'en', '', {opened}, {}, {}, {reopens}, 0)",
        DESKS[desk_i],
        opt(first),
        opt(closed)
    ));
}

/// Runs `INSERT INTO table (cols) [overriding] VALUES …` for `rows` in statements of [`ROWS`].
async fn insert(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
    cols: &str,
    rows: impl Iterator<Item = String>,
) -> StoreResult<()> {
    let overriding = match (backend, table) {
        (Backend::Postgres, "surveys" | "desks") | (Backend::Sqlite, _) => "",
        (Backend::Postgres, _) => "OVERRIDING SYSTEM VALUE ",
    };
    let head = format!("INSERT INTO {table} ({cols}) {overriding}VALUES ");
    let mut sql = head.clone();
    let mut n = 0;
    for r in rows {
        if n > 0 {
            sql.push(',');
        }
        sql.push_str(&r);
        n += 1;
        if n == ROWS {
            sqlx::raw_sql(AssertSqlSafe(std::mem::replace(&mut sql, head.clone())))
                .execute(&mut *tx)
                .await
                .sql()?;
            n = 0;
        }
    }
    if n > 0 {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .sql()?;
    }
    Ok(())
}

/// Writes the history described by `spec` into an empty database.
pub async fn seed(store: &SqlStore, spec: &SeedSpec) -> StoreResult<Seeded> {
    let backend = store.backend();
    let mut rng = Rng(spec.seed);
    let customers = (spec.tickets * 2 / 3).max(1);
    let mut out = Seeded {
        customers,
        tickets: spec.tickets,
        ..Seeded::default()
    };
    let mut conn = store.pool().acquire().await.sql()?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await.sql()?;
    insert(
        &mut tx,
        backend,
        "customers",
        "id, platform, user_id, display_name, ep_chat, created_at",
        (1..=customers).map(|c| {
            format!(
                "({c}, 'telegram', 'u{c}', 'Customer {c}', 'c{c}', {})",
                spec.start - 3 * 24 * HOUR
            )
        }),
    )
    .await?;
    let mut ids = Ids {
        message: 0,
        message_rows: 0,
        event: 0,
        reply: 0,
        numbers: vec![0; DESKS.len()],
    };
    let mut id = 0i64;
    while (id as usize) < spec.tickets {
        let mut b = Block::default();
        for _ in 0..BLOCK.min(spec.tickets - id as usize) {
            id += 1;
            ticket(&mut rng, spec, customers, id, &mut ids, &mut b);
        }
        // As a live desk writes them: the rows of these tickets in time order.
        renumber(&mut b.messages, &mut ids.message_rows);
        renumber(&mut b.events, &mut ids.event);
        renumber(&mut b.replies, &mut ids.reply);
        out.messages += b.messages.len();
        out.events += b.events.len();
        out.bot_replies += b.replies.len();
        out.surveys += b.surveys.len();
        insert(
            &mut tx,
            backend,
            "tickets",
            "id, desk, number, customer_id, cust_platform, cust_chat, cust_thread, customer_name, \
             subject, status, priority, tags, assignee_id, assignee_name, lang, bot_tried, \
             opened_at, first_response_at, closed_at, reopen_count, reminders_sent",
            b.tickets.into_iter(),
        )
        .await?;
        insert(
            &mut tx,
            backend,
            "messages",
            "id, customer_id, ticket_id, author, author_id, author_name, body, platform, \
             platform_msg_id, at",
            b.messages.into_iter().map(|r| r.values),
        )
        .await?;
        insert(
            &mut tx,
            backend,
            "ticket_events",
            "id, ticket_id, kind, actor_id, actor_name, detail, at",
            b.events.into_iter().map(|r| r.values),
        )
        .await?;
        insert(&mut tx, backend, "bot_replies",
            "id, customer_id, question, outcome, entry_id, lang, confidence, at, feedback, feedback_at",
            b.replies.into_iter().map(|r| r.values)).await?;
        insert(
            &mut tx,
            backend,
            "surveys",
            "ticket_id, asked_at, score, comment, answered_at, nps, ces",
            b.surveys.into_iter(),
        )
        .await?;
        if (id as usize).is_multiple_of(BLOCK * 50) {
            tx.commit().await.sql()?;
            tx = sqlx::Connection::begin(&mut *conn).await.sql()?;
        }
    }
    insert(
        &mut tx,
        backend,
        "desks",
        "name, next_number",
        DESKS
            .iter()
            .zip(&ids.numbers)
            .map(|(d, n)| format!("('{d}', {})", n + 1)),
    )
    .await?;
    if backend == Backend::Postgres {
        let mut sql = String::new();
        for t in [
            "customers",
            "tickets",
            "messages",
            "ticket_events",
            "bot_replies",
        ] {
            let _ = write!(
                sql,
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), \
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM {t}), false);"
            );
        }
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .sql()?;
    }
    crate::report::facts::rebuild(&mut tx, None).await?;
    crate::report::facts::fill_question_keys(&mut tx).await?;
    tx.commit().await.sql()?;
    // As autovacuum would: statistics, and on PostgreSQL the visibility map that lets
    // index-only scans skip the table.
    let analyze = match backend {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "VACUUM ANALYZE",
    };
    sqlx::raw_sql(analyze).execute(&mut *conn).await.sql()?;
    Ok(out)
}

/// Sorts a block's rows by time (stably: a ticket's rows keep their order) and puts
/// consecutive ids after `last` in front of them in that order.
fn renumber(rows: &mut [Row], last: &mut i64) {
    rows.sort_by_key(|r| r.at);
    for r in rows.iter_mut() {
        *last += 1;
        r.values = format!("({last}, {}", r.values);
    }
}

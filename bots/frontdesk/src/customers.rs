//! `frontdesk customers`: blocked customers, blocking and unblocking, the right of access
//! (everything stored about a customer, as JSON) and erasure.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use frontdesk_core::ports::*;
use frontdesk_core::{
    Customer, EventKind, Platform, Ticket, TicketFilter, TicketStatus, Timestamp,
};
use frontdesk_store::SqlStore;
use serde::Serialize;

use crate::config::Config;
use crate::terminal::clean_line;

/// `frontdesk customers`.
#[derive(Args, Debug)]
pub(crate) struct CustomersArgs {
    #[command(subcommand)]
    command: Option<CustomersCommand>,
    /// List the blocked customers (when, by whom, why).
    #[arg(long)]
    blocked: bool,
}

#[derive(Subcommand, Debug)]
enum CustomersCommand {
    /// Block a customer: their messages are recorded, not answered or relayed (told once).
    Block {
        /// The customer: `PLATFORM:USER_ID` (e.g. `telegram:12345`), or a user id found on
        /// one platform only.
        user: String,
        /// Why (recorded on the block and on their open tickets' timelines).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Lift a customer's block.
    Unblock {
        /// The customer (see `block`).
        user: String,
    },
    /// Print everything stored about a customer as JSON (right of access).
    Export {
        /// The customer (see `block`).
        user: String,
    },
    /// Erase a customer's data for good: name, ids, messages, files, ticket subjects, survey
    /// comments, undelivered messages, dead letters. The figures of the reports stay.
    Erase {
        /// The customer (see `block`).
        user: String,
    },
}

/// Who the CLI is on timelines and blocks.
const CLI: &str = "cli";

/// The right of access: everything the Store keeps about one customer.
#[derive(Serialize)]
struct Export {
    exported_at: i64,
    customer: Customer,
    messages: Vec<frontdesk_core::Message>,
    tickets: Vec<TicketExport>,
    bot_replies: Vec<frontdesk_core::BotReply>,
}

#[derive(Serialize)]
struct TicketExport {
    ticket: Ticket,
    events: Vec<frontdesk_core::TicketEvent>,
    survey: Option<frontdesk_core::Survey>,
}

/// The unit-of-work key the Engine uses for a customer, so the CLI never interleaves with it.
fn unit_key(c: &Customer) -> String {
    format!("customer:{}:{}", c.platform, c.user_id)
}

/// Finds the customer named on the command line.
async fn find(store: &SqlStore, user: &str) -> Result<Customer> {
    if let Some((platform, id)) = user.split_once(':')
        && let Some(c) = store
            .customer_by_user(&Platform(platform.to_owned()), id)
            .await?
    {
        return Ok(c);
    }
    let mut found = Vec::new();
    for p in [
        Platform::telegram(),
        Platform::discord(),
        Platform::terminal(),
    ] {
        if let Some(c) = store.customer_by_user(&p, user).await? {
            found.push(c);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => bail!(
            "no customer `{}` (write PLATFORM:USER_ID, e.g. telegram:12345)",
            clean_line(user)
        ),
        _ => bail!(
            "`{}` is a customer on several platforms: write PLATFORM:USER_ID",
            clean_line(user)
        ),
    }
}

async fn tickets_of(
    store: &SqlStore,
    c: &Customer,
    status: Option<TicketStatus>,
) -> Result<Vec<Ticket>> {
    Ok(store
        .list_tickets(&TicketFilter {
            customer: Some(c.id),
            status,
            ..TicketFilter::default()
        })
        .await?)
}

/// Runs `frontdesk customers`.
pub(crate) async fn customers(cfg: &Config, args: CustomersArgs) -> Result<()> {
    let store = crate::open_store(cfg).await?;
    let now = Timestamp(chrono::Utc::now().timestamp_millis());
    let result = match (args.command, args.blocked) {
        (None, true) => list_blocked(&store).await,
        (None, false) => {
            bail!("say what: `customers --blocked`, or block, unblock, export, erase USER")
        }
        (Some(_), true) => bail!("--blocked lists blocks; it takes no subcommand"),
        (Some(CustomersCommand::Block { user, reason }), _) => {
            let c = find(&store, &user).await?;
            let u = store.begin(&unit_key(&c)).await?;
            if !u.set_block(c.id, Some((&reason, CLI)), now).await? {
                bail!(
                    "{}:{} is blocked already",
                    c.platform,
                    clean_line(&c.user_id)
                );
            }
            for t in tickets_of(&store, &c, Some(TicketStatus::Open)).await? {
                u.add_event(t.id, EventKind::Blocked, None, &reason, now)
                    .await?;
            }
            u.commit().await?;
            println!("blocked {}:{}", c.platform, clean_line(&c.user_id));
            Ok(())
        }
        (Some(CustomersCommand::Unblock { user }), _) => {
            let c = find(&store, &user).await?;
            let u = store.begin(&unit_key(&c)).await?;
            if !u.set_block(c.id, None, now).await? {
                bail!("{}:{} is not blocked", c.platform, clean_line(&c.user_id));
            }
            for t in tickets_of(&store, &c, Some(TicketStatus::Open)).await? {
                u.add_event(t.id, EventKind::Unblocked, None, "", now)
                    .await?;
            }
            u.commit().await?;
            println!("unblocked {}:{}", c.platform, clean_line(&c.user_id));
            Ok(())
        }
        (Some(CustomersCommand::Export { user }), _) => {
            let c = find(&store, &user).await?;
            export(&store, c, now).await
        }
        (Some(CustomersCommand::Erase { user }), _) => {
            let c = find(&store, &user).await?;
            let u = store.begin(&unit_key(&c)).await?;
            for t in tickets_of(&store, &c, Some(TicketStatus::Open)).await? {
                u.close_ticket(t.id, None, now).await?;
            }
            let e = u.erase_customer(c.id, now).await?;
            u.commit().await?;
            println!(
                "erased {}:{}: {} messages, {} tickets, {} bot replies, {} survey comments, \
                 {} outbox rows, {} dead letters",
                c.platform,
                clean_line(&c.user_id),
                e.messages,
                e.tickets,
                e.bot_replies,
                e.comments,
                e.outbox,
                e.dead_letters
            );
            Ok(())
        }
    };
    store.close().await;
    result
}

async fn list_blocked(store: &SqlStore) -> Result<()> {
    let blocked = store.blocked_customers().await?;
    if blocked.is_empty() {
        println!("no blocked customers");
    }
    for c in blocked {
        let Some(b) = &c.blocked else { continue };
        println!(
            "{}:{}  {}  blocked {} by {}{}{}",
            c.platform,
            clean_line(&c.user_id),
            clean_line(&c.display_name),
            crate::fmt_time(b.at.millis()),
            clean_line(&b.by),
            if b.reason.is_empty() { "" } else { ": " },
            clean_line(&b.reason)
        );
    }
    Ok(())
}

async fn export(store: &SqlStore, c: Customer, now: Timestamp) -> Result<()> {
    let messages = store.customer_messages(c.id, 10_000_000).await?;
    let mut tickets = Vec::new();
    for t in tickets_of(store, &c, None).await? {
        tickets.push(TicketExport {
            events: store.ticket_events(t.id).await?,
            survey: store.survey(t.id).await?,
            ticket: t,
        });
    }
    let bot_replies = store
        .bot_replies_since(Timestamp(0))
        .await?
        .into_iter()
        .filter(|r| r.customer == c.id)
        .collect();
    let out = Export {
        exported_at: now.millis(),
        customer: c,
        messages,
        tickets,
        bot_replies,
    };
    // serde_json escapes control characters: what a customer wrote cannot drive the terminal.
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

//! What `frontdesk tickets` shows of the outbox: messages of a ticket not delivered yet or
//! given up, the outbox depth, and the updates kept as dead letters.

use anyhow::Result;
use frontdesk_core::ports::*;
use frontdesk_core::{Delivery, OutboxStatus, Ticket, Timestamp};

use crate::fmt_time;
use crate::terminal::clean_line;

fn what(d: &Delivery) -> String {
    match d {
        Delivery::Send(_) => format!("«{}»", clean_line(&d.preview(80))),
        _ => d.preview(80),
    }
}

/// The ticket's outbox rows that are still waiting or were given up.
pub(crate) async fn print_ticket(store: &dyn OutboxStore, t: &Ticket) -> Result<()> {
    let rows = store.ticket_outbox(t.id).await?;
    if rows.is_empty() {
        return Ok(());
    }
    println!("\nundelivered:");
    for r in rows {
        let state = match r.status {
            OutboxStatus::Pending => format!("waiting, {} failed attempts", r.attempts),
            OutboxStatus::Failed => "given up".to_owned(),
            OutboxStatus::Delivered => "delivered".to_owned(),
        };
        println!(
            "  {}  {} to {} ({state}){}",
            fmt_time(r.row.created_at.millis()),
            what(&r.row.delivery),
            clean_line(&r.row.queue),
            r.error
                .map(|e| format!(": {}", clean_line(&e)))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// The outbox depth per platform and the latest dead letters, when there are any.
pub(crate) async fn print_summary(
    store: &(impl OutboxStore + MessageStore + ?Sized),
) -> Result<()> {
    let now = frontdesk_core::SystemClock.now();
    for d in store.outbox_depth().await? {
        let age = d
            .oldest
            .map(|o: Timestamp| (now.millis() - o.millis()) / 1000)
            .unwrap_or(0);
        println!(
            "outbox: {} message(s) waiting for {} (oldest {age} s)",
            d.pending, d.platform
        );
    }
    let dead = store.dead_letters(10).await?;
    if !dead.is_empty() {
        println!("\nupdates that could not be handled (dead letters, newest first):");
        for d in dead {
            println!(
                "  {}  {} update {}: {}",
                fmt_time(d.at.millis()),
                clean_line(d.platform.as_str()),
                clean_line(&d.platform_msg_id),
                clean_line(&d.error)
            );
        }
    }
    Ok(())
}

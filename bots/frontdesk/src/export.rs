//! `frontdesk tickets N --export txt|html|json [--out PATH]`: the ticket's transcript as the
//! file the room gets (`/transcript file`, `transcript.on_close`), rendered by the core's
//! [`frontdesk_core::transcript`] in the desk's language with the configured texts.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use frontdesk_core::ports::*;
use frontdesk_core::texts::Texts;
use frontdesk_core::transcript::{Format, Transcript};
use frontdesk_core::{Message, Ticket};

use crate::config::Config;

/// The transcript of `t` in `format`.
pub(crate) fn render(
    cfg: &Config,
    t: &Ticket,
    messages: &[Message],
    format: Format,
) -> Result<String> {
    let texts = Texts::with_overrides(&cfg.texts).context("invalid [texts] configuration")?;
    Ok(Transcript::new(t, messages, &texts, &cfg.desk.lang).render(format))
}

/// Writes the transcript of `t` to `out` (a file, created or replaced), or to stdout.
pub(crate) async fn export(
    cfg: &Config,
    store: &dyn MessageStore,
    t: &Ticket,
    format: Format,
    out: Option<&Path>,
) -> Result<()> {
    let messages = store.ticket_messages(t.id).await?;
    let file = render(cfg, t, &messages, format)?;
    match out {
        Some(path) => {
            std::fs::write(path, file)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(file.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(())
}

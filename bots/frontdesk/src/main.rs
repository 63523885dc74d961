//! The `frontdesk` binary: configuration, the bot on Telegram and Discord, the terminal chat,
//! knowledge-base tools, ticket listings and support reports. See README.md at the workspace
//! root.

mod ask;
mod chat;
mod config;
mod customers;
mod dashboard;
mod eval;
mod export;
mod http;
mod lease;
mod metrics;
mod report;
mod run;
mod serve;
mod terminal;
mod undelivered;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use frontdesk_core::ports::*;
use frontdesk_core::{Engine, SystemClock, Ticket, TicketFilter, TicketStatus, transcript_line};
use frontdesk_kb::Kb;
use frontdesk_store::SqlStore;

use crate::config::Config;

/// Frontdesk: customer support inside chat platforms.
#[derive(Parser, Debug)]
#[command(name = "frontdesk", version, about, long_about = None)]
struct Cli {
    /// Configuration file (default: ./frontdesk.toml when it exists).
    #[arg(long, short, global = true, env = "FRONTDESK_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Chat with the bot in the terminal as a customer, and act as an agent with `@agent …`.
    Chat(ChatArgs),
    /// What the bot would do with a customer's first message (answer, suggest, handoff,
    /// not solved, escalate), with the matches, their confidence and margin.
    Ask(ask::AskArgs),
    /// Knowledge-base tools.
    #[command(subcommand)]
    Kb(KbCommand),
    /// List tickets, or show one with its transcript.
    Tickets(TicketsArgs),
    /// Customers: `--blocked` lists blocks; block, unblock, export (JSON, right of access)
    /// and erase USER.
    Customers(customers::CustomersArgs),
    /// Measure answer quality on a labelled CSV (see shared/data/README.md).
    Eval(eval::EvalArgs),
    /// Run the bot on Telegram and/or Discord (tokens from the environment), with the
    /// `/metrics` and `/healthz` endpoint.
    Run,
    /// Support metrics over a period: response and resolution times, CSAT, deflection, per
    /// agent, knowledge-base gaps.
    Report(report::ReportArgs),
    /// Serve the web dashboard alone on the configured database (`dashboard.listen`), or
    /// manage its sign-in tokens (`dashboard token add NAME`).
    Dashboard(dashboard::DashboardArgs),
    /// Print the configuration in effect (defaults, file and environment) as TOML.
    Config,
}

#[derive(Args, Debug)]
struct ChatArgs {
    /// Your name as the customer.
    #[arg(long, default_value = "Customer")]
    name: String,
    /// Your customer id (another id is another customer with their own history).
    #[arg(long, default_value = "terminal-user")]
    user: String,
    /// Your language hint (en, lt, et); the bot also detects it from what you write.
    #[arg(long)]
    lang: Option<String>,
}

#[derive(Subcommand, Debug)]
enum KbCommand {
    /// Validate a knowledge-base directory: every problem with file:line, and near-duplicate
    /// phrasings across entries. Exits non-zero when the directory is invalid.
    Check {
        /// The directory (default: the configured one).
        dir: Option<PathBuf>,
        /// Warn about phrasings of different entries at least this similar (default: the
        /// answer threshold).
        #[arg(long)]
        similarity: Option<f32>,
    },
}

#[derive(Args, Debug)]
struct TicketsArgs {
    /// Show this ticket number with its transcript and timeline.
    number: Option<i64>,
    /// Only open or closed tickets.
    #[arg(long, value_parser = ["open", "closed"])]
    status: Option<String>,
    /// How many to list.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Write ticket N's transcript as a file instead: plain text, a self-contained HTML page,
    /// or JSON (the same file `/transcript file` posts in the room).
    #[arg(long, value_name = "FORMAT", requires = "number")]
    export: Option<frontdesk_core::transcript::Format>,
    /// Where `--export` writes (default: stdout).
    #[arg(long, value_name = "PATH", requires = "export")]
    out: Option<PathBuf>,
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[tokio::main]
async fn main() {
    init_logging();
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e}");
        for cause in e.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let cfg = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Chat(args) => chat(cfg, args).await,
        Command::Ask(args) => ask::ask(&cfg, args),
        Command::Kb(KbCommand::Check { dir, similarity }) => kb_check(&cfg, dir, similarity),
        Command::Tickets(args) => tickets(&cfg, args).await,
        Command::Customers(args) => customers::customers(&cfg, args).await,
        Command::Eval(args) => eval::eval(&cfg, args),
        Command::Run => run::run(cfg).await,
        Command::Report(args) => report::report(&cfg, args).await,
        Command::Dashboard(args) => dashboard::command(&cfg, args).await,
        Command::Config => {
            print!("{}", toml::to_string_pretty(&cfg)?);
            Ok(())
        }
    }
}

pub(crate) fn load_kb(dir: &Path) -> Result<Kb> {
    Kb::load_dir(dir).with_context(|| format!("loading the knowledge base from {}", dir.display()))
}

pub(crate) async fn open_store(cfg: &Config) -> Result<Arc<SqlStore>> {
    let store = SqlStore::connect(&cfg.database.url)
        .await
        .with_context(|| format!("opening the database {}", cfg.database.url))?;
    Ok(Arc::new(store))
}

async fn chat(cfg: Config, args: ChatArgs) -> Result<()> {
    let kb_dir = cfg.kb_dir();
    let kb = load_kb(&kb_dir)?;
    let store = open_store(&cfg).await?;
    let mut engine_cfg = cfg.engine();
    if engine_cfg.desk.platform != "terminal" {
        // The terminal chat is its own desk, whatever the configured one is.
        engine_cfg.desk.platform = "terminal".into();
        engine_cfg.desk.chat_id = "desk".into();
    }
    let channel = chat::TerminalChannel::stdout();
    let engine = Engine::new(
        engine_cfg,
        store.clone(),
        Router::new().with(channel.clone()),
        Arc::new(SystemClock),
        kb,
    )?;
    chat::run(
        Arc::new(engine),
        channel,
        chat::ChatOptions {
            customer_name: args.name,
            customer_id: args.user,
            locale: args.lang,
            kb_dir,
        },
    )
    .await?;
    store.close().await;
    Ok(())
}

/// Most near-duplicate warnings `kb check` prints (the most similar pairs; the rest counted).
const MAX_WARNINGS: usize = 200;
/// `kb check` stops looking for near-duplicates after this many pairs: the search takes time in
/// proportion to the pairs, and a knowledge base with this many has to be fixed first.
const STOP_COUNTING_AFTER: usize = 10_000;

fn kb_check(cfg: &Config, dir: Option<PathBuf>, similarity: Option<f32>) -> Result<()> {
    let dir = dir.unwrap_or_else(|| cfg.kb_dir());
    let kb = match Kb::load_dir(&dir) {
        Ok(kb) => kb,
        Err(e) => {
            eprintln!("{e}");
            bail!("the knowledge base in {} is invalid", dir.display());
        }
    };
    let langs = kb.languages();
    println!(
        "{}: {} entries, {} phrasings, languages: {}",
        dir.display(),
        kb.entries().len(),
        kb.entries()
            .iter()
            .map(|e| e.questions.len())
            .sum::<usize>(),
        langs.join(", ")
    );
    if kb.uses_sentence_vectors() {
        println!("matching: words, and sentence vectors for English (the embedding model)");
    } else {
        match frontdesk_kb::semantic::Embedder::configured_dir() {
            None => println!("matching: words only (FRONTDESK_MODEL_DIR=off)"),
            Some(dir) => println!(
                "matching: words only (no embedding model in {}: models/fetch.sh brings it)",
                dir.display()
            ),
        }
    }
    for lang in &langs {
        let ids: std::collections::BTreeSet<&str> = kb
            .entries()
            .iter()
            .filter(|e| &e.lang == lang)
            .map(|e| e.id.as_str())
            .collect();
        for other in &langs {
            if other == lang {
                continue;
            }
            for e in kb.entries().iter().filter(|e| &e.lang == other) {
                if !ids.contains(e.id.as_str()) {
                    println!("note: `{}` exists in {other} but not in {lang}", e.id);
                }
            }
        }
    }
    let threshold = similarity.unwrap_or(cfg.kb.answer_threshold);
    let (dups, total, complete) =
        kb.near_duplicates_until(threshold, MAX_WARNINGS, STOP_COUNTING_AFTER);
    for d in &dups {
        println!("warning: {d}");
    }
    if !complete {
        println!(
            "… stopped counting at {total} near-duplicate pairs: phrasings of different \
             entries this alike make answers a toss-up; merge or reword them first (the \
             {} most similar of those found are shown)",
            dups.len()
        );
    } else if total > dups.len() {
        println!(
            "… and {} more near-duplicate pairs (the {MAX_WARNINGS} most similar are shown)",
            total - dups.len()
        );
    }
    println!(
        "ok ({}{total} near-duplicate warning{} at similarity ≥ {threshold:.2})",
        if complete { "" } else { "at least " },
        if total == 1 { "" } else { "s" }
    );
    Ok(())
}

async fn tickets(cfg: &Config, args: TicketsArgs) -> Result<()> {
    let store = open_store(cfg).await?;
    let desk = cfg.desk.name.clone();
    match args.number {
        Some(n) => {
            let Some(t) = store.ticket_by_number(&desk, n).await? else {
                bail!("no ticket #{n} in desk `{desk}`");
            };
            match args.export {
                Some(format) => {
                    export::export(cfg, store.as_ref(), &t, format, args.out.as_deref()).await?;
                }
                None => show_ticket(store.as_ref(), &t).await?,
            }
        }
        None => {
            let status = args.status.as_deref().and_then(TicketStatus::parse);
            let list = store
                .list_tickets(&TicketFilter {
                    desk: Some(desk),
                    status,
                    customer: None,
                    limit: args.limit,
                })
                .await?;
            if list.is_empty() {
                println!("no tickets");
            }
            for t in list {
                println!("{}", ticket_row(&t));
            }
            undelivered::print_summary(store.as_ref()).await?;
        }
    }
    store.close().await;
    Ok(())
}

pub(crate) fn fmt_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// One line of `frontdesk tickets`, with what customers and agents wrote neutralised.
fn ticket_row(t: &Ticket) -> String {
    use terminal::clean_line;
    format!(
        "#{:<5} {:<6} {:<7} {:<20} {:<16} {}",
        t.number,
        t.status.as_str(),
        t.priority.as_str(),
        fmt_time(t.opened_at.millis()),
        clean_line(t.assignee.as_ref().map_or("-", |a| a.name.as_str())),
        clean_line(&t.subject)
    )
}

async fn show_ticket(store: &SqlStore, t: &Ticket) -> Result<()> {
    let survey = store.survey(t.id).await?;
    let messages = store.ticket_messages(t.id).await?;
    let events = store.ticket_events(t.id).await?;
    print!(
        "{}",
        ticket_details(t, survey.as_ref(), &messages, &events)?
    );
    undelivered::print_ticket(store, t).await?;
    Ok(())
}

/// `frontdesk tickets N`: the ticket, its transcript and timeline, with every control
/// character in what customers and agents wrote neutralised.
fn ticket_details(
    t: &Ticket,
    survey: Option<&frontdesk_core::Survey>,
    messages: &[frontdesk_core::Message],
    events: &[frontdesk_core::TicketEvent],
) -> Result<String> {
    use std::fmt::Write as _;
    use terminal::clean_line;
    let mut o = String::new();
    writeln!(o, "Ticket #{} · {}", t.number, clean_line(&t.subject))?;
    writeln!(
        o,
        "status:    {} (reopened {}×)",
        t.status.as_str(),
        t.reopen_count
    )?;
    writeln!(
        o,
        "customer:  {} ({}, {})",
        clean_line(&t.customer_name),
        clean_line(t.customer_endpoint.platform.as_str()),
        clean_line(&t.lang)
    )?;
    writeln!(o, "priority:  {}", t.priority.as_str())?;
    let tags = if t.tags.is_empty() {
        "-".into()
    } else {
        t.tags.join(", ")
    };
    writeln!(o, "tags:      {}", clean_line(&tags))?;
    writeln!(
        o,
        "assignee:  {}",
        clean_line(t.assignee.as_ref().map_or("-", |a| a.name.as_str()))
    )?;
    writeln!(o, "opened:    {}", fmt_time(t.opened_at.millis()))?;
    if let Some(f) = t.first_response_at {
        writeln!(
            o,
            "first response: {} (after {} s)",
            fmt_time(f.millis()),
            (f.millis() - t.opened_at.millis()) / 1000
        )?;
    }
    if let Some(c) = t.closed_at {
        writeln!(o, "closed:    {}", fmt_time(c.millis()))?;
    }
    writeln!(o, "bot tried: {}", t.bot_tried)?;
    if let Some(s) = survey {
        match s.score {
            Some(score) => writeln!(
                o,
                "survey:    {score}/5{}",
                s.comment
                    .as_deref()
                    .map(|c| format!(" — “{}”", clean_line(c)))
                    .unwrap_or_default()
            )?,
            None => writeln!(o, "survey:    offered, not answered")?,
        }
    }
    writeln!(o, "\ntranscript:")?;
    for m in messages {
        writeln!(
            o,
            "  {}  {}",
            fmt_time(m.at.millis()),
            clean_line(&transcript_line(m))
        )?;
    }
    writeln!(o, "\ntimeline:")?;
    for e in events {
        writeln!(
            o,
            "  {}  {}{}{}",
            fmt_time(e.at.millis()),
            serde_json::to_string(&e.kind)?.trim_matches('"'),
            e.actor_name
                .as_deref()
                .map(|a| format!(" by {}", clean_line(a)))
                .unwrap_or_default(),
            if e.detail.is_empty() {
                String::new()
            } else {
                format!(" ({})", clean_line(&e.detail))
            }
        )?;
    }
    Ok(o)
}

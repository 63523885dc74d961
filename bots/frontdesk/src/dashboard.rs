//! The web dashboard in the binary: its settings (`[dashboard]`, `FRONTDESK_DASHBOARD_TOKEN`),
//! serving it within the HTTP limits of the other endpoints, `frontdesk dashboard` (the
//! dashboard alone on an existing database) and `frontdesk dashboard token add NAME`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use frontdesk_core::ports::DashboardTokenStore;
use frontdesk_core::{Clock, SystemClock};
use frontdesk_dashboard::{DashboardStore, KbView, Options};
use frontdesk_kb::decide::Thresholds;
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

use crate::config::Config;

#[derive(Args, Debug)]
pub(crate) struct DashboardArgs {
    #[command(subcommand)]
    command: Option<DashboardCommand>,
    /// Serve on this address instead of `dashboard.listen`.
    #[arg(long)]
    listen: Option<String>,
}

#[derive(Subcommand, Debug)]
enum DashboardCommand {
    /// Per-agent sign-in tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Makes a token for NAME, stores its salted hash, and prints the token once.
    Add {
        /// Whom it is for (shown as "signed in as").
        name: String,
    },
}

/// The dashboard's settings in effect, checked: where to listen and how to sign in.
pub(crate) struct Settings {
    addr: SocketAddr,
    opts: Options,
}

/// The dashboard's settings, or `None` when `listen` is empty; a bad address, session length
/// or `FRONTDESK_DASHBOARD_TOKEN` is refused with the key and the reason.
pub(crate) fn settings(cfg: &Config, listen: &str) -> Result<Option<Settings>> {
    let listen = listen.trim();
    if listen.is_empty() {
        return Ok(None);
    }
    let addr: SocketAddr = listen.parse().with_context(|| {
        format!("dashboard.listen {listen:?}: expected an address and port such as 127.0.0.1:8080")
    })?;
    if cfg.dashboard.session_hours == 0 || cfg.dashboard.session_hours > 24 * 30 {
        bail!(
            "dashboard.session_hours {}: from 1 to 720",
            cfg.dashboard.session_hours
        );
    }
    let env_token = std::env::var("FRONTDESK_DASHBOARD_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    if let Some(t) = &env_token {
        frontdesk_dashboard::check_env_token(t)?;
    }
    Ok(Some(Settings {
        addr,
        opts: Options {
            env_token,
            session_ttl: Duration::from_secs(cfg.dashboard.session_hours * 3600),
            ..Options::default()
        },
    }))
}

/// The thresholds and intents the bot decides with, for the knowledge-base page.
pub(crate) fn kb_view(
    cfg: &Config,
    kb: impl Fn() -> Arc<frontdesk_kb::Kb> + Send + Sync + 'static,
) -> KbView {
    KbView::new(
        kb,
        Thresholds {
            answer: cfg.kb.answer_threshold,
            suggest: cfg.kb.suggest_threshold,
            suggestions: cfg.kb.suggestions,
        },
        Some(crate::ask::intents(cfg)),
    )
}

/// Binds the dashboard's address, says where it listens, and serves it until `stop`.
pub(crate) async fn spawn(
    s: Settings,
    store: Arc<dyn DashboardStore>,
    kb: KbView,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<JoinHandle<()>> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let signs_in_with = if s.opts.env_token.is_some() {
        "FRONTDESK_DASHBOARD_TOKEN or a token from `frontdesk dashboard token add NAME`"
    } else {
        "a token from `frontdesk dashboard token add NAME` (FRONTDESK_DASHBOARD_TOKEN is not set)"
    };
    let app = frontdesk_dashboard::router(store, kb, clock, s.opts)?;
    let listener = tokio::net::TcpListener::bind(s.addr)
        .await
        .with_context(|| format!("dashboard.listen {}: cannot listen there", s.addr))?;
    let addr = listener.local_addr().unwrap_or(s.addr);
    info!(%addr, "serving the dashboard");
    eprintln!("dashboard: listening on http://{addr}/ (sign in with {signs_in_with})");
    if !addr.ip().is_loopback() {
        warn!(%addr, "the dashboard is reachable from other machines: put it behind TLS");
    }
    Ok(tokio::spawn(async move {
        let limits = frontdesk_telegram::HttpLimits {
            max_connections: 64,
            max_in_flight: 16,
            max_body_bytes: 16 << 10,
            ..frontdesk_telegram::HttpLimits::default()
        };
        if let Err(e) =
            frontdesk_telegram::serve_http(listener, app, limits, stop, Duration::from_secs(5))
                .await
        {
            error!(error = %e, "dashboard stopped");
        }
    }))
}

/// `frontdesk dashboard …`.
pub(crate) async fn command(cfg: &Config, args: DashboardArgs) -> Result<()> {
    match args.command {
        Some(DashboardCommand::Token(TokenCommand::Add { name })) => add_token(cfg, &name).await,
        None => serve_alone(cfg, args.listen).await,
    }
}

async fn add_token(cfg: &Config, name: &str) -> Result<()> {
    let t = frontdesk_dashboard::new_agent_token(name, SystemClock.now())?;
    let store = crate::open_store(cfg).await?;
    store
        .add_dashboard_token(&t.stored)
        .await
        .context("storing the token")?;
    store.close().await;
    eprintln!(
        "dashboard token for {} (shown once; only its salted hash is stored):",
        t.stored.name
    );
    println!("{}", t.token);
    Ok(())
}

async fn serve_alone(cfg: &Config, listen: Option<String>) -> Result<()> {
    let listen = listen.unwrap_or_else(|| cfg.dashboard.listen.clone());
    let Some(s) = settings(cfg, &listen)? else {
        bail!(
            "dashboard.listen is empty: set it (e.g. FRONTDESK_DASHBOARD_LISTEN=127.0.0.1:8080) or pass --listen"
        );
    };
    let kb = Arc::new(crate::load_kb(&cfg.kb_dir())?);
    let store = crate::open_store(cfg).await?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = spawn(
        s,
        store.clone(),
        kb_view(cfg, move || kb.clone()),
        async move {
            let _ = rx.await;
        },
    )
    .await?;
    crate::serve::shutdown_signal().await;
    let _ = tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    store.close().await;
    Ok(())
}

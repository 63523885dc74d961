//! `frontdesk run`: the bot on its platforms.
//!
//! Starts the Telegram adapter when `TELOXIDE_TOKEN` (or `FRONTDESK_TELEGRAM_TOKEN`) is set
//! and the Discord adapter when `DISCORD_TOKEN` (or `FRONTDESK_DISCORD_TOKEN`) is set, one
//! Engine for both, the periodic tick (reminders), the outbox dispatcher, knowledge-base hot reload
//! and the `/metrics` + `/healthz` endpoint. Several replicas may share one database: each
//! platform's receiver runs in one replica at a time, under a lease in the Store (Telegram
//! allows one `getUpdates` poller per bot; one gateway session avoids double work), and
//! another replica takes over within the lease's time when the holder dies. In Telegram's
//! webhook mode (`telegram.webhook_url`) every replica serves the endpoint instead.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use frontdesk_core::StopSignal;
use frontdesk_core::{Clock, Engine, Router, Store, SystemClock};
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::config::Config;
use crate::lease::run_exclusive;

/// The first non-empty environment variable of `names`.
fn env_any(names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
}

fn parse_id<T: std::str::FromStr>(what: &str, s: &str) -> Result<Option<T>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    s.trim()
        .parse()
        .map(Some)
        .map_err(|_| anyhow::anyhow!("{what} must be a number, got {s:?}"))
}

/// A name for this replica in leases: host, process id and start time.
fn holder() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        SystemClock.now().millis()
    )
}

/// Runs until Ctrl-C / SIGTERM.
pub(crate) async fn run(cfg: Config) -> Result<()> {
    let tg_token = env_any(&["FRONTDESK_TELEGRAM_TOKEN", "TELOXIDE_TOKEN"]);
    let dc_token = env_any(&["FRONTDESK_DISCORD_TOKEN", "DISCORD_TOKEN"]);
    if tg_token.is_none() && dc_token.is_none() {
        bail!(
            "no platform to run on: set TELOXIDE_TOKEN (Telegram) and/or DISCORD_TOKEN (Discord) \
             in the environment; to try the bot without a platform, use `frontdesk chat`"
        );
    }
    let desk = &cfg.desk;
    let desk_ok = match desk.platform.as_str() {
        "telegram" => tg_token.is_some(),
        "discord" => dc_token.is_some(),
        _ => false,
    };
    if !desk_ok {
        bail!(
            "desk.platform is {:?}: set it to a platform that runs here (\"telegram\" with \
             TELOXIDE_TOKEN, \"discord\" with DISCORD_TOKEN) and desk.chat_id to the forum \
             supergroup or staff channel where ticket rooms are opened",
            desk.platform
        );
    }

    // Refused before anything starts: a bad dashboard address or token.
    let dashboard = crate::dashboard::settings(&cfg, &cfg.dashboard.listen)?;
    let kb_dir = cfg.kb_dir();
    let kb = crate::load_kb(&kb_dir)?;
    let store = crate::open_store(&cfg).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut router = Router::new();

    let webhook = if cfg.telegram.webhook_url.is_empty() {
        None
    } else {
        let secret = env_any(&["FRONTDESK_TELEGRAM_WEBHOOK_SECRET"]).context(
            "telegram.webhook_url is set: set FRONTDESK_TELEGRAM_WEBHOOK_SECRET too (1-256 of \
             A-Z a-z 0-9 _ -); Telegram sends it back with every update",
        )?;
        Some(frontdesk_telegram::WebhookConfig {
            url: cfg.telegram.webhook_url.clone(),
            listen: cfg.telegram.webhook_listen.parse().with_context(|| {
                format!("telegram.webhook_listen {:?}", cfg.telegram.webhook_listen)
            })?,
            secret,
        })
    };
    let telegram = match &tg_token {
        Some(token) => {
            let api_url = Some(cfg.telegram.api_url.clone())
                .filter(|u| !u.is_empty())
                .or_else(|| env_any(&["TELOXIDE_API_URL"]));
            let adapter =
                frontdesk_telegram::TelegramAdapter::new(frontdesk_telegram::TelegramConfig {
                    token: token.clone(),
                    api_url,
                    desk_chat_id: if desk.platform == "telegram" {
                        parse_id("desk.chat_id", &desk.chat_id)?
                    } else {
                        None
                    },
                    agent_mention: Some(cfg.telegram.agent_mention.clone())
                        .filter(|m| !m.is_empty()),
                    poll_timeout_secs: cfg.telegram.poll_timeout_secs,
                    webhook: webhook.clone(),
                })
                .context("starting the Telegram adapter")?
                .with_store(store.clone());
            router = router.with(adapter.channel());
            Some(Arc::new(adapter))
        }
        None => None,
    };
    let discord = match &dc_token {
        Some(token) => {
            let d = &cfg.discord;
            let adapter =
                frontdesk_discord::DiscordAdapter::new(frontdesk_discord::DiscordConfig {
                    token: token.clone(),
                    api_url: Some(d.api_url.clone()).filter(|u| !u.is_empty()),
                    staff_channel_id: if desk.platform == "discord" {
                        parse_id("desk.chat_id", &desk.chat_id)?
                    } else {
                        None
                    },
                    support_channel_id: parse_id(
                        "discord.support_channel_id",
                        &d.support_channel_id,
                    )?,
                    agent_role_id: parse_id("discord.agent_role_id", &d.agent_role_id)?,
                    guild_id: parse_id("discord.guild_id", &d.guild_id)?,
                    thread: d.thread.parse()?,
                })
                .context("starting the Discord adapter")?;
            router = router.with(adapter.channel());
            Some(Arc::new(adapter))
        }
        None => None,
    };

    let store_dyn: Arc<dyn Store> = store.clone();
    let engine = Arc::new(Engine::new(
        cfg.engine(),
        store_dyn.clone(),
        router,
        clock.clone(),
        kb,
    )?);
    let prom = Arc::new(crate::metrics::PromMetrics::new());
    engine.metrics().set_recorder(prom.clone());
    let ticker = crate::serve::spawn_ticker(engine.clone(), Duration::from_secs(5));
    let dispatcher = crate::serve::spawn_dispatcher(engine.clone(), Duration::from_millis(500));
    let reload = crate::serve::spawn_kb_reload(engine.clone(), kb_dir, Duration::from_secs(3));

    let (stop_tx, stop_rx) = watch::channel(false);
    let shutdown = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let mut tasks = Vec::new();
    if !cfg.metrics.listen.is_empty() {
        let addr: SocketAddr = cfg
            .metrics
            .listen
            .parse()
            .with_context(|| format!("metrics.listen {:?}", cfg.metrics.listen))?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr} for /metrics"))?;
        // The bound address (port 0 picks a free one).
        let addr = listener.local_addr().unwrap_or(addr);
        info!(%addr, "serving /metrics and /healthz");
        let app = crate::http::router(
            engine.clone(),
            prom.clone(),
            Duration::from_secs(cfg.metrics.degraded_after_seconds),
        );
        let stop = shutdown();
        tasks.push(tokio::spawn(async move {
            let limits = frontdesk_telegram::HttpLimits {
                max_connections: 64,
                max_in_flight: 16,
                ..frontdesk_telegram::HttpLimits::default()
            };
            let drain = Duration::from_secs(5);
            if let Err(e) = frontdesk_telegram::serve_http(listener, app, limits, stop, drain).await
            {
                error!(error = %e, "metrics endpoint failed");
            }
        }));
    }
    if let Some(d) = dashboard {
        let e = engine.clone();
        let view = crate::dashboard::kb_view(&cfg, move || e.kb());
        tasks.push(crate::dashboard::spawn(d, store.clone(), view, shutdown()).await?);
    }
    if cfg.replicas.lease_seconds < 1 {
        bail!("replicas.lease_seconds must be at least 1");
    }
    let lease_ttl = Duration::from_secs(cfg.replicas.lease_seconds);
    let holder = holder();
    info!(%holder, desk = %desk.name, platform = %desk.platform, "frontdesk running");
    if let (Some(tg), Some(_)) = (&telegram, &webhook) {
        // Webhooks: every replica serves its endpoint behind the load balancer; no lease.
        let (tg, engine, stop) = (tg.clone(), engine.clone(), shutdown());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = tg.run(engine, Box::pin(stop)).await {
                error!(error = %e, "Telegram webhook endpoint stopped");
            }
        }));
    } else if let Some(tg) = telegram {
        tasks.push(spawn_receiver(
            "telegram.poll",
            (engine.clone(), store_dyn.clone(), clock.clone()),
            (holder.clone(), lease_ttl),
            shutdown(),
            move |engine, stop| {
                let tg = tg.clone();
                async move {
                    if let Err(e) = tg.run(engine, stop).await {
                        warn!(error = %e, "Telegram polling stopped");
                    }
                }
            },
        ));
    }
    if let Some(dc) = discord {
        tasks.push(spawn_receiver(
            "discord.gateway",
            (engine.clone(), store_dyn.clone(), clock.clone()),
            (holder.clone(), lease_ttl),
            shutdown(),
            move |engine, stop| {
                let dc = dc.clone();
                async move {
                    if let Err(e) = dc.run(engine, stop).await {
                        warn!(error = %e, "Discord gateway stopped");
                    }
                }
            },
        ));
    }
    crate::serve::shutdown_signal().await;
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
    }
    ticker.abort();
    dispatcher.abort();
    reload.abort();
    store.close().await;
    Ok(())
}

/// Runs a platform's receiver in this replica whenever it holds the lease `lease`, until
/// `stop` resolves (see [`run_exclusive`]).
fn spawn_receiver<R, F>(
    lease: &'static str,
    (engine, store, clock): (Arc<Engine>, Arc<dyn Store>, Arc<dyn Clock>),
    (holder, ttl): (String, Duration),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    receive: R,
) -> tokio::task::JoinHandle<()>
where
    R: Fn(Arc<Engine>, StopSignal) -> F + Send + 'static,
    F: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        run_exclusive(
            store,
            clock,
            lease,
            &holder,
            ttl,
            move |s| receive(engine.clone(), s),
            stop,
        )
        .await;
    })
}

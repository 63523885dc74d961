//! `frontdesk.toml`: every setting with its default; any key may be overridden by an
//! environment variable `FRONTDESK_<SECTION>_<KEY>` (upper case, e.g. `FRONTDESK_DATABASE_URL`,
//! `FRONTDESK_KB_ANSWER_THRESHOLD`, `FRONTDESK_SLA_FIRST_RESPONSE_MINUTES`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use frontdesk_core::{
    ConversationConfig, DeskConfig, EngineConfig, FollowupsConfig, MatchingConfig, OutboxConfig,
    RetentionConfig, SlaConfig, SurveyConfig, TranscriptConfig,
};
use serde::{Deserialize, Serialize};

/// Knowledge base and answer thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct KbConfig {
    /// Directory of the FAQ files (`faq/<lang>/*.md`).
    pub(crate) dir: PathBuf,
    /// Answer at or above this confidence (see `frontdesk eval`).
    pub(crate) answer_threshold: f32,
    /// Offer "did you mean" at or above this confidence; below, escalate.
    pub(crate) suggest_threshold: f32,
    /// How many "did you mean" choices.
    pub(crate) suggestions: usize,
}

impl Default for KbConfig {
    fn default() -> Self {
        let m = MatchingConfig::default();
        KbConfig {
            dir: PathBuf::from("faq"),
            answer_threshold: m.answer_threshold,
            suggest_threshold: m.suggest_threshold,
            suggestions: m.suggestions,
        }
    }
}

/// Where state lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct DatabaseConfig {
    /// `sqlite://frontdesk.db` (default, created if missing), a bare file path, or `postgres://…`.
    /// `DATABASE_URL` is honoured too; `FRONTDESK_DATABASE_URL` wins over it.
    pub(crate) url: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "sqlite://frontdesk.db".into(),
        }
    }
}

/// The Telegram adapter. The token comes only from the environment (`TELOXIDE_TOKEN` or
/// `FRONTDESK_TELEGRAM_TOKEN`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct TelegramConfig {
    /// Bot API base URL; empty means Telegram's. `TELOXIDE_API_URL` is honoured too.
    pub(crate) api_url: String,
    /// Text added to a new ticket's summary to alert the agents (e.g. `@support_team`).
    pub(crate) agent_mention: String,
    /// Long-polling timeout in seconds.
    pub(crate) poll_timeout_secs: u32,
    /// Webhook mode instead of long polling: the public HTTPS URL Telegram posts updates to
    /// (empty: long polling). The secret comes only from the environment
    /// (`FRONTDESK_TELEGRAM_WEBHOOK_SECRET`).
    pub(crate) webhook_url: String,
    /// Local address the webhook endpoint listens on (behind the proxy serving `webhook_url`).
    pub(crate) webhook_listen: String,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            api_url: String::new(),
            agent_mention: String::new(),
            poll_timeout_secs: 25,
            webhook_url: String::new(),
            webhook_listen: "0.0.0.0:8443".into(),
        }
    }
}

/// The Discord adapter. The token comes only from the environment (`DISCORD_TOKEN` or
/// `FRONTDESK_DISCORD_TOKEN`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct DiscordConfig {
    /// The role whose members are agents, and the only role the bot ever mentions.
    pub(crate) agent_role_id: String,
    /// A public channel where customers may ask (besides DMs and `/ask`).
    pub(crate) support_channel_id: String,
    /// The server (guild) the bot serves; empty: any. Slash commands are registered there.
    pub(crate) guild_id: String,
    /// For tests only: a fake REST/gateway base URL.
    pub(crate) api_url: String,
    /// Ticket threads: `private` (default; agents of the role are added) or `public`.
    pub(crate) thread: String,
}

/// The HTTP endpoint of `frontdesk run`: `/metrics` (Prometheus) and `/healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct MetricsConfig {
    /// Address to listen on; empty turns the endpoint off.
    pub(crate) listen: String,
    /// `/healthz` reports degraded (503) once a message has waited in the outbox this long.
    pub(crate) degraded_after_seconds: u64,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            listen: "127.0.0.1:9464".into(),
            degraded_after_seconds: 300,
        }
    }
}

/// The web dashboard (`frontdesk run` and `frontdesk dashboard`). The sign-in token comes
/// only from the environment (`FRONTDESK_DASHBOARD_TOKEN`) or from
/// `frontdesk dashboard token add NAME`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct DashboardConfig {
    /// Address to serve the dashboard on (e.g. `127.0.0.1:8080`); empty turns it off.
    pub(crate) listen: String,
    /// How long a sign-in lasts, in hours.
    pub(crate) session_hours: u64,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            listen: String::new(),
            session_hours: 12,
        }
    }
}

/// Several replicas on one database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ReplicasConfig {
    /// How long a platform receiver's lease lasts without renewal (renewed every third of
    /// it): when its replica dies, another one (or the restarted process) takes over within
    /// this time. Shorter means faster takeover and more database writes.
    pub(crate) lease_seconds: u64,
}

impl Default for ReplicasConfig {
    fn default() -> Self {
        ReplicasConfig { lease_seconds: 15 }
    }
}

/// The whole configuration file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Config {
    pub(crate) kb: KbConfig,
    pub(crate) database: DatabaseConfig,
    pub(crate) desk: DeskConfig,
    pub(crate) conversation: ConversationConfig,
    pub(crate) sla: SlaConfig,
    /// `[followups]`: the reminder to a silent customer and the automatic close (off by default).
    pub(crate) followups: FollowupsConfig,
    pub(crate) outbox: OutboxConfig,
    /// `[survey]`: the optional NPS and CES questions after the satisfaction score.
    pub(crate) survey: SurveyConfig,
    /// `[retention]`: how long transcripts of closed tickets are kept.
    pub(crate) retention: RetentionConfig,
    /// `[transcript]`: `on_close` posts the transcript files in the room when a ticket closes.
    pub(crate) transcript: TranscriptConfig,
    /// Canned replies: `[snippets.NAME]` with one text per language.
    pub(crate) snippets: BTreeMap<String, BTreeMap<String, String>>,
    /// Bot text overrides: `[texts.LANG]` with `key = "text"`.
    pub(crate) texts: BTreeMap<String, BTreeMap<String, String>>,
    pub(crate) telegram: TelegramConfig,
    pub(crate) discord: DiscordConfig,
    pub(crate) metrics: MetricsConfig,
    pub(crate) dashboard: DashboardConfig,
    pub(crate) replicas: ReplicasConfig,
}

impl Config {
    /// Loads `path` (or `frontdesk.toml` in the working directory when it exists, else the
    /// defaults), then applies environment overrides.
    pub(crate) fn load(path: Option<&Path>) -> Result<Config> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Config::load_with_env(path, &env)
    }

    pub(crate) fn load_with_env(path: Option<&Path>, env: &[(String, String)]) -> Result<Config> {
        let (text, origin) = match path {
            Some(p) => (
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?,
                p.display().to_string(),
            ),
            None if Path::new("frontdesk.toml").exists() => (
                std::fs::read_to_string("frontdesk.toml").context("cannot read frontdesk.toml")?,
                "frontdesk.toml".to_owned(),
            ),
            None => (String::new(), "defaults".to_owned()),
        };
        let mut value: toml::Table =
            toml::from_str(&text).with_context(|| format!("invalid configuration in {origin}"))?;
        apply_env(&mut value, env)?;
        let cfg: Config = toml::Value::Table(value)
            .try_into()
            .with_context(|| format!("invalid configuration in {origin}"))?;
        // Support hours and follow-up durations are checked here, before anything starts.
        if let Err(reason) = cfg.engine().support_hours() {
            bail!("invalid configuration in {origin}: {reason}");
        }
        Ok(cfg)
    }

    /// The Engine's part.
    pub(crate) fn engine(&self) -> EngineConfig {
        EngineConfig {
            desk: self.desk.clone(),
            matching: MatchingConfig {
                answer_threshold: self.kb.answer_threshold,
                suggest_threshold: self.kb.suggest_threshold,
                suggestions: self.kb.suggestions,
            },
            conversation: self.conversation.clone(),
            sla: self.sla.clone(),
            followups: self.followups.clone(),
            outbox: self.outbox.clone(),
            survey: self.survey.clone(),
            retention: self.retention.clone(),
            transcript: self.transcript.clone(),
            snippets: self.snippets.clone(),
            texts: self.texts.clone(),
        }
    }

    /// The knowledge-base directory: as configured; for the default `faq`, the checkout's
    /// sample knowledge base when the working directory has none.
    pub(crate) fn kb_dir(&self) -> PathBuf {
        if self.kb.dir == Path::new("faq") && !self.kb.dir.exists() {
            let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../faq");
            if shipped.exists() {
                return shipped;
            }
        }
        self.kb.dir.clone()
    }
}

/// Applies `FRONTDESK_<SECTION>_<KEY>` overrides. The variable names are matched against the
/// keys the defaults have, so `FRONTDESK_SLA_FIRST_RESPONSE_MINUTES` finds
/// `sla.first_response_minutes`; values are parsed as the default's type.
fn apply_env(table: &mut toml::Table, env: &[(String, String)]) -> Result<()> {
    let defaults = toml::Table::try_from(Config::default()).context("serialising defaults")?;
    let mut paths = Vec::new();
    collect_paths(&defaults, &mut Vec::new(), &mut paths);
    for (name, raw) in env {
        let name =
            if name == "DATABASE_URL" && !env.iter().any(|(n, _)| n == "FRONTDESK_DATABASE_URL") {
                "FRONTDESK_DATABASE_URL"
            } else {
                name.as_str()
            };
        let Some(rest) = name.strip_prefix("FRONTDESK_") else {
            continue;
        };
        let Some((path, default)) = paths
            .iter()
            .find(|(p, _)| p.join("_").to_uppercase() == rest)
        else {
            // Variables for adapters and logging are read where they are used.
            continue;
        };
        let value = parse_like(default, raw)
            .with_context(|| format!("environment variable {name}={raw:?}"))?;
        set_path(table, path, value);
    }
    Ok(())
}

fn collect_paths(
    t: &toml::Table,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, toml::Value)>,
) {
    for (k, v) in t {
        prefix.push(k.clone());
        match v {
            // Maps keyed by user names (snippets, texts, phrases) are not env-addressable.
            toml::Value::Table(inner)
                if !matches!(
                    k.as_str(),
                    "snippets" | "texts" | "handoff_phrases" | "not_solved_phrases"
                ) =>
            {
                collect_paths(inner, prefix, out);
            }
            toml::Value::Table(_) => {}
            other => out.push((prefix.clone(), other.clone())),
        }
        prefix.pop();
    }
}

fn parse_like(default: &toml::Value, raw: &str) -> Result<toml::Value> {
    Ok(match default {
        toml::Value::Integer(_) => {
            toml::Value::Integer(raw.trim().parse().context("expected an integer")?)
        }
        toml::Value::Float(_) => {
            toml::Value::Float(raw.trim().parse().context("expected a number")?)
        }
        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => bail!("expected true or false"),
        }),
        toml::Value::Array(_) => toml::Value::Array(
            raw.split(',')
                .map(|s| toml::Value::String(s.trim().to_owned()))
                .collect(),
        ),
        _ => toml::Value::String(raw.to_owned()),
    })
}

fn set_path(t: &mut toml::Table, path: &[String], value: toml::Value) {
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut cur = t;
    for p in parents {
        let entry = cur
            .entry(p.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        cur = entry.as_table_mut().expect("just made a table");
    }
    cur.insert(last.clone(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_without_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("none.toml");
        std::fs::write(&p, "").unwrap();
        let c = Config::load_with_env(Some(&p), &[]).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.database.url, "sqlite://frontdesk.db");
    }

    #[test]
    fn file_then_env_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.toml");
        std::fs::write(
            &p,
            "[kb]\nanswer_threshold = 0.7\n[desk]\nname = \"eu\"\n[snippets.thanks]\nen = \"Thanks!\"\n",
        )
        .unwrap();
        let c = Config::load_with_env(
            Some(&p),
            &env(&[
                ("FRONTDESK_SLA_FIRST_RESPONSE_MINUTES", "30"),
                ("FRONTDESK_KB_SUGGEST_THRESHOLD", "0.25"),
                ("DATABASE_URL", "postgres://x@y/z"),
                ("FRONTDESK_DESK_CHAT_ID", "-100123"),
            ]),
        )
        .unwrap();
        assert_eq!(c.kb.answer_threshold, 0.7);
        assert_eq!(c.kb.suggest_threshold, 0.25);
        assert_eq!(c.sla.first_response_minutes, 30);
        assert_eq!(c.database.url, "postgres://x@y/z");
        assert_eq!(c.desk.name, "eu");
        assert_eq!(c.desk.chat_id, "-100123");
        assert_eq!(c.snippets["thanks"]["en"], "Thanks!");
    }

    #[test]
    fn frontdesk_database_url_wins_over_database_url() {
        let c = Config::load_with_env(
            Some(&write_tmp("")),
            &env(&[("DATABASE_URL", "a.db"), ("FRONTDESK_DATABASE_URL", "b.db")]),
        )
        .unwrap();
        assert_eq!(c.database.url, "b.db");
    }

    #[test]
    fn bad_values_are_named() {
        let err = Config::load_with_env(
            Some(&write_tmp("")),
            &env(&[("FRONTDESK_SLA_FIRST_RESPONSE_MINUTES", "soon")]),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("FRONTDESK_SLA_FIRST_RESPONSE_MINUTES"));
        let err =
            Config::load_with_env(Some(&write_tmp("[kb]\nthreshold = 1\n")), &[]).unwrap_err();
        assert!(format!("{err:#}").contains("threshold"), "{err:#}");
    }

    #[test]
    fn support_hours_and_follow_ups_are_read_and_checked() {
        let c = Config::load_with_env(
            Some(&write_tmp(
                "[desk.hours]\ntime_zone = \"Europe/Vilnius\"\nmon = [\"09:00-12:00\", \"13:00-17:00\"]\nholidays = [\"2026-12-24\"]\n[followups]\nremind_after_hours = 24\nclose_after_hours = 72\n[sla]\nnext_response_minutes = 60\n",
            )),
            &env(&[("FRONTDESK_DESK_HOURS_FRI", "10:00-14:00,22:00-02:00+1")]),
        )
        .unwrap();
        let e = c.engine();
        assert_eq!(e.desk.hours.mon, ["09:00-12:00", "13:00-17:00"]);
        assert_eq!(e.desk.hours.fri, ["10:00-14:00", "22:00-02:00+1"]);
        assert_eq!(e.followups.close_after_hours, 72);
        assert_eq!(e.sla.next_response_minutes, 60);
        assert!(e.support_hours().unwrap().is_set());

        let bad = |toml: &str| {
            format!(
                "{:#}",
                Config::load_with_env(Some(&write_tmp(toml)), &[]).unwrap_err()
            )
        };
        let e = bad("[desk.hours]\ntime_zone = \"Mars/Olympus\"\nmon = [\"09:00-17:00\"]\n");
        assert!(
            e.contains("desk.hours.time_zone") && e.contains("unknown time zone"),
            "{e}"
        );
        let e = bad("[desk.hours]\ntime_zone = \"UTC\"\ntue = [\"17:00-09:00\"]\n");
        assert!(
            e.contains("desk.hours.tue") && e.contains("ends before it starts"),
            "{e}"
        );
        let e = bad("[followups]\nclose_after_hours = -1\n");
        assert!(
            e.contains("followups.close_after_hours") && e.contains("negative"),
            "{e}"
        );
    }

    #[test]
    fn transcript_on_close_from_the_file_or_the_environment() {
        assert!(!Config::default().engine().transcript.on_close);
        let c = Config::load_with_env(Some(&write_tmp("[transcript]\non_close = true\n")), &[])
            .unwrap();
        assert!(c.engine().transcript.on_close);
        let c = Config::load_with_env(
            Some(&write_tmp("")),
            &env(&[("FRONTDESK_TRANSCRIPT_ON_CLOSE", "true")]),
        )
        .unwrap();
        assert!(c.engine().transcript.on_close);
        let err =
            Config::load_with_env(Some(&write_tmp("[transcript]\non_close = \"yes\"\n")), &[])
                .unwrap_err();
        assert!(format!("{err:#}").contains("on_close"), "{err:#}");
        let err = Config::load_with_env(Some(&write_tmp("[transcript]\nformat = \"pdf\"\n")), &[])
            .unwrap_err();
        assert!(format!("{err:#}").contains("format"), "{err:#}");
    }

    #[test]
    fn defaults_print_and_parse_back() {
        let text = toml::to_string_pretty(&Config::default()).unwrap();
        let c: Config = toml::from_str(&text).unwrap();
        assert_eq!(c, Config::default());
    }

    fn write_tmp(s: &str) -> PathBuf {
        let dir = tempfile::tempdir().unwrap().keep();
        let p = dir.join("c.toml");
        std::fs::write(&p, s).unwrap();
        p
    }
}

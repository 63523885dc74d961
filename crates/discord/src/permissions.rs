//! The permission check at start: the bot's permissions in the staff channel and the support
//! channel, computed from the guild's roles and the channel's overwrites the way Discord
//! defines it (<https://discord.com/developers/docs/topics/permissions>), compared with what
//! the adapter needs. A missing required permission refuses the start with the list; a
//! missing optional one is a warning.

use serde_json::Value;
use serenity::all::{ChannelId, GuildId, UserId};
use serenity::http::{LightMethod, Route};
use tracing::warn;

use crate::rest::{Rest, RestError};
use crate::{DiscordConfig, DiscordError, ThreadMode};

/// `VIEW_CHANNEL`.
pub(crate) const VIEW_CHANNEL: u64 = 1 << 10;
/// `SEND_MESSAGES`.
pub(crate) const SEND_MESSAGES: u64 = 1 << 11;
/// `READ_MESSAGE_HISTORY`.
pub(crate) const READ_MESSAGE_HISTORY: u64 = 1 << 16;
/// `MENTION_EVERYONE` (also: mention roles that are not mentionable).
pub(crate) const MENTION_EVERYONE: u64 = 1 << 17;
/// `ADMINISTRATOR`.
pub(crate) const ADMINISTRATOR: u64 = 1 << 3;
/// `MANAGE_THREADS`.
pub(crate) const MANAGE_THREADS: u64 = 1 << 34;
/// `CREATE_PUBLIC_THREADS`.
pub(crate) const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
/// `CREATE_PRIVATE_THREADS`.
pub(crate) const CREATE_PRIVATE_THREADS: u64 = 1 << 36;
/// `SEND_MESSAGES_IN_THREADS`.
pub(crate) const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;

/// One permission the adapter checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Need {
    pub(crate) bit: u64,
    pub(crate) name: &'static str,
    /// Why, in the words of the refusal or warning.
    pub(crate) why: &'static str,
}

const fn need(bit: u64, name: &'static str, why: &'static str) -> Need {
    Need { bit, name, why }
}

/// What the staff channel needs: required, then optional.
pub(crate) fn staff_needs(mode: ThreadMode) -> (Vec<Need>, Vec<Need>) {
    let create = match mode {
        ThreadMode::Private => need(
            CREATE_PRIVATE_THREADS,
            "Create Private Threads",
            "to open a ticket thread",
        ),
        ThreadMode::Public => need(
            CREATE_PUBLIC_THREADS,
            "Create Public Threads",
            "to open a ticket thread",
        ),
    };
    (
        vec![
            need(VIEW_CHANNEL, "View Channel", "to see the staff channel"),
            create,
            need(
                SEND_MESSAGES_IN_THREADS,
                "Send Messages in Threads",
                "to post summaries, relays and notices in ticket threads",
            ),
        ],
        vec![
            need(
                MANAGE_THREADS,
                "Manage Threads",
                "to lock closed ticket threads (without it they are only archived)",
            ),
            need(
                READ_MESSAGE_HISTORY,
                "Read Message History",
                "to read ticket threads back",
            ),
        ],
    )
}

/// What the support channel needs (all required).
pub(crate) fn support_needs() -> Vec<Need> {
    vec![
        need(VIEW_CHANNEL, "View Channel", "to see customers' questions"),
        need(SEND_MESSAGES, "Send Messages", "to answer them"),
        need(
            READ_MESSAGE_HISTORY,
            "Read Message History",
            "to answer as a reply to the question",
        ),
    ]
}

/// A permission overwrite of a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Overwrite {
    /// The role's or member's id.
    pub(crate) id: u64,
    /// A member's (else a role's).
    pub(crate) member: bool,
    pub(crate) allow: u64,
    pub(crate) deny: u64,
}

fn bits(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.parse().unwrap_or(0),
        Value::Number(n) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

fn id(v: &Value) -> u64 {
    bits(v)
}

pub(crate) fn overwrites_of(channel: &Value) -> Vec<Overwrite> {
    channel["permission_overwrites"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| Overwrite {
                    id: id(&o["id"]),
                    member: o["type"].as_u64() == Some(1) || o["type"] == "member",
                    allow: bits(&o["allow"]),
                    deny: bits(&o["deny"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The member's permissions in a channel, as Discord computes them: the guild owner and
/// administrators have all; otherwise the `@everyone` role's and the member's roles'
/// permissions, then the channel's `@everyone` overwrite (deny, then allow), the overwrites
/// of the member's roles (all denies, then all allows), and the member's own overwrite.
pub(crate) fn compute(
    guild: u64,
    owner: bool,
    roles: &[(u64, u64)],
    member: u64,
    member_roles: &[u64],
    overwrites: &[Overwrite],
) -> u64 {
    if owner {
        return u64::MAX;
    }
    let role_perms = |r: u64| roles.iter().find(|(id, _)| *id == r).map_or(0, |(_, p)| *p);
    let mut base = role_perms(guild);
    for r in member_roles {
        base |= role_perms(*r);
    }
    if base & ADMINISTRATOR != 0 {
        return u64::MAX;
    }
    let mut p = base;
    if let Some(o) = overwrites.iter().find(|o| !o.member && o.id == guild) {
        p &= !o.deny;
        p |= o.allow;
    }
    let (mut allow, mut deny) = (0, 0);
    for o in overwrites
        .iter()
        .filter(|o| !o.member && member_roles.contains(&o.id))
    {
        allow |= o.allow;
        deny |= o.deny;
    }
    p &= !deny;
    p |= allow;
    if let Some(o) = overwrites.iter().find(|o| o.member && o.id == member) {
        p &= !o.deny;
        p |= o.allow;
    }
    p
}

/// What the check found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Report {
    /// Missing required permissions: "where: Name (why)".
    pub(crate) missing: Vec<String>,
    /// Missing optional ones.
    pub(crate) warnings: Vec<String>,
    /// Whether the bot has Manage Threads in the staff channel.
    pub(crate) manage_threads: bool,
}

fn check(have: u64, needs: &[Need], place: &str, out: &mut Vec<String>) {
    for n in needs {
        if have & n.bit != n.bit {
            out.push(format!("{place}: {} ({})", n.name, n.why));
        }
    }
}

fn fetch_err(what: &str) -> impl Fn(RestError) -> DiscordError + '_ {
    move |e| DiscordError::PermissionCheck(format!("could not read {what}: {e}"))
}

/// Reads the bot, the guild and the channels, and checks the permissions.
pub(crate) async fn check_start(rest: &Rest, cfg: &DiscordConfig) -> Result<Report, DiscordError> {
    let channels: Vec<(&str, u64)> = [
        ("staff channel", cfg.staff_channel_id),
        ("support channel", cfg.support_channel_id),
    ]
    .into_iter()
    .filter_map(|(n, c)| c.map(|c| (n, c)))
    .collect();
    let mut report = Report {
        manage_threads: true,
        ..Report::default()
    };
    if channels.is_empty() {
        return Ok(report);
    }
    let me = rest
        .call(LightMethod::Get, Route::UserMe, None)
        .await
        .map_err(fetch_err("the bot's user"))?;
    let me = id(&me["id"]);
    let mut guild_cache: Option<(u64, Value, Vec<u64>)> = None;
    for (place, channel) in channels {
        let route = Route::Channel {
            channel_id: ChannelId::new(channel),
        };
        let c = match rest.call(LightMethod::Get, route, None).await {
            Ok(c) => c,
            Err(RestError::Status { status, .. }) if status == 403 || status == 404 => {
                report.missing.push(format!(
                    "{place} {channel}: View Channel (the bot cannot see the channel)"
                ));
                continue;
            }
            Err(e) => return Err(fetch_err(place)(e)),
        };
        let g = cfg.guild_id.unwrap_or_else(|| id(&c["guild_id"]));
        if guild_cache.as_ref().is_none_or(|(id, ..)| *id != g) {
            let guild = rest
                .call(
                    LightMethod::Get,
                    Route::Guild {
                        guild_id: GuildId::new(g.max(1)),
                    },
                    None,
                )
                .await
                .map_err(fetch_err("the server"))?;
            let member = rest
                .call(
                    LightMethod::Get,
                    Route::GuildMember {
                        guild_id: GuildId::new(g.max(1)),
                        user_id: UserId::new(me.max(1)),
                    },
                    None,
                )
                .await
                .map_err(fetch_err("the bot's server member"))?;
            let member_roles: Vec<u64> = member["roles"]
                .as_array()
                .map(|r| r.iter().map(id).collect())
                .unwrap_or_default();
            guild_cache = Some((g, guild, member_roles));
        }
        let Some((g, guild, member_roles)) = guild_cache.as_ref() else {
            continue;
        };
        let roles: Vec<(u64, u64)> = guild["roles"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|r| (id(&r["id"]), bits(&r["permissions"])))
                    .collect()
            })
            .unwrap_or_default();
        let owner = id(&guild["owner_id"]) == me;
        let have = compute(*g, owner, &roles, me, member_roles, &overwrites_of(&c));
        let place = format!("{place} {channel}");
        if Some(channel) == cfg.staff_channel_id {
            let (required, optional) = staff_needs(cfg.thread);
            check(have, &required, &place, &mut report.missing);
            check(have, &optional, &place, &mut report.warnings);
            report.manage_threads = have & MANAGE_THREADS != 0;
            // The agent role is pinged on new tickets: it must be mentionable, or the bot
            // needs Mention Everyone.
            if let Some(role) = cfg.agent_role_id {
                let mentionable = guild["roles"].as_array().is_some_and(|r| {
                    r.iter()
                        .any(|r| id(&r["id"]) == role && r["mentionable"] == true)
                });
                if !mentionable && have & MENTION_EVERYONE == 0 {
                    report.warnings.push(format!(
                        "{place}: Mention @everyone, @here and All Roles (the agent role is not mentionable: new tickets will not ping the agents)"
                    ));
                }
            }
        } else {
            check(have, &support_needs(), &place, &mut report.missing);
        }
    }
    for w in &report.warnings {
        warn!("discord: missing optional permission: {w}");
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: u64 = 100;
    const BOT: u64 = 1;
    const BOT_ROLE: u64 = 200;
    const OTHER_ROLE: u64 = 201;

    fn ow(id: u64, member: bool, allow: u64, deny: u64) -> Overwrite {
        Overwrite {
            id,
            member,
            allow,
            deny,
        }
    }

    #[test]
    fn roles_then_overwrites_in_discords_order() {
        let roles = [
            (G, VIEW_CHANNEL | SEND_MESSAGES),
            (BOT_ROLE, MANAGE_THREADS),
        ];
        // No overwrites: @everyone's and the bot role's.
        let p = compute(G, false, &roles, BOT, &[BOT_ROLE], &[]);
        assert_eq!(p, VIEW_CHANNEL | SEND_MESSAGES | MANAGE_THREADS);
        // @everyone denied View Channel; the bot role's overwrite allows it back.
        let o = [
            ow(G, false, 0, VIEW_CHANNEL),
            ow(BOT_ROLE, false, VIEW_CHANNEL, 0),
        ];
        let p = compute(G, false, &roles, BOT, &[BOT_ROLE], &o);
        assert!(p & VIEW_CHANNEL != 0);
        // A role's allow beats another role's deny (allows applied after all denies).
        let o = [
            ow(OTHER_ROLE, false, 0, SEND_MESSAGES),
            ow(BOT_ROLE, false, SEND_MESSAGES, 0),
        ];
        let p = compute(G, false, &roles, BOT, &[BOT_ROLE, OTHER_ROLE], &o);
        assert!(p & SEND_MESSAGES != 0);
        // The member's own overwrite comes last.
        let o = [
            ow(BOT_ROLE, false, SEND_MESSAGES, 0),
            ow(BOT, true, 0, SEND_MESSAGES),
        ];
        let p = compute(G, false, &roles, BOT, &[BOT_ROLE], &o);
        assert_eq!(p & SEND_MESSAGES, 0);
        // An overwrite of a role the bot does not have changes nothing.
        let o = [ow(OTHER_ROLE, false, 0, VIEW_CHANNEL)];
        let p = compute(G, false, &roles, BOT, &[BOT_ROLE], &o);
        assert!(p & VIEW_CHANNEL != 0);
    }

    #[test]
    fn administrators_and_the_owner_have_everything() {
        let roles = [(G, 0), (BOT_ROLE, ADMINISTRATOR)];
        let o = [ow(G, false, 0, u64::MAX)];
        assert_eq!(compute(G, false, &roles, BOT, &[BOT_ROLE], &o), u64::MAX);
        assert_eq!(compute(G, true, &[(G, 0)], BOT, &[], &o), u64::MAX);
    }

    #[test]
    fn missing_permissions_are_listed_by_place() {
        let (required, optional) = staff_needs(ThreadMode::Private);
        let mut missing = Vec::new();
        check(VIEW_CHANNEL, &required, "staff channel 5", &mut missing);
        assert_eq!(missing.len(), 2, "{missing:?}");
        assert!(missing[0].contains("Create Private Threads"), "{missing:?}");
        assert!(
            missing[1].contains("Send Messages in Threads"),
            "{missing:?}"
        );
        let mut warnings = Vec::new();
        check(u64::MAX, &optional, "staff channel 5", &mut warnings);
        assert!(warnings.is_empty());
    }
}

//! Support hours: when the desk's team works, as a pure calendar.
//!
//! A desk's hours are configured in `[desk.hours]` ([`HoursConfig`]): an IANA time zone, the
//! opening intervals of each weekday (several per day, `"09:00-12:00"`; past midnight with
//! `+1`, `"22:00-02:00+1"`; up to the end of the day with `"24:00"`) and holidays (local dates
//! on which the desk is closed all day). Left out, the desk is always open.
//!
//! [`SupportHours`] answers three questions about instants ([`Timestamp`], unix milliseconds):
//! [`SupportHours::is_open`], [`SupportHours::next_open`] and [`SupportHours::business_ms`]
//! (the business time between two instants: what SLA reminders and the report's business-hours
//! first-response time count). Local times are converted through the time zone database, so
//! a day on which clocks change (Europe/Vilnius: 03:00 becomes 04:00 on the last Sunday of
//! March, 04:00 becomes 03:00 on the last Sunday of October) has an hour less or more.

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::types::Timestamp;

/// How many days ahead [`SupportHours::next_open`] looks before it gives up.
const LOOKAHEAD_DAYS: usize = 3 * 366;

/// The weekday keys of [`HoursConfig`], Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `[desk.hours]`: the desk's support hours as configured. Every field empty (the default)
/// means always open.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HoursConfig {
    /// IANA time zone name (`Europe/Vilnius`) the schedule and holidays are in.
    pub time_zone: String,
    /// Monday's opening intervals (`"09:00-17:00"`, `"22:00-02:00+1"`).
    pub mon: Vec<String>,
    /// Tuesday's opening intervals.
    pub tue: Vec<String>,
    /// Wednesday's opening intervals.
    pub wed: Vec<String>,
    /// Thursday's opening intervals.
    pub thu: Vec<String>,
    /// Friday's opening intervals.
    pub fri: Vec<String>,
    /// Saturday's opening intervals.
    pub sat: Vec<String>,
    /// Sunday's opening intervals.
    pub sun: Vec<String>,
    /// Local dates (`YYYY-MM-DD`) on which the desk is closed all day.
    pub holidays: Vec<String>,
}

impl HoursConfig {
    /// Whether nothing is configured (always open).
    pub fn is_unset(&self) -> bool {
        self == &HoursConfig::default()
    }

    fn day(&self, i: usize) -> &[String] {
        match i {
            0 => &self.mon,
            1 => &self.tue,
            2 => &self.wed,
            3 => &self.thu,
            4 => &self.fri,
            5 => &self.sat,
            _ => &self.sun,
        }
    }
}

/// Support hours that cannot be used: the configuration key and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct HoursError {
    /// The key, e.g. `desk.hours.tue`.
    pub key: String,
    /// Why it is refused.
    pub reason: String,
}

fn refuse(key: impl Into<String>, reason: impl Into<String>) -> HoursError {
    HoursError {
        key: key.into(),
        reason: reason.into(),
    }
}

/// One opening stretch within a local day, in minutes from midnight (`end` up to 1440).
#[derive(Clone, Debug)]
struct Segment {
    start: u16,
    end: u16,
    /// Where it was written, for messages: the key and the interval.
    from: (String, String),
}

#[derive(Clone, Debug)]
struct Calendar {
    tz: TimeZone,
    zone: String,
    /// Per weekday (Monday first), sorted, not overlapping.
    days: [Vec<Segment>; 7],
    holidays: BTreeSet<Date>,
}

/// A desk's support hours (see the [module](self) documentation). [`SupportHours::always`]
/// is open at every instant.
#[derive(Clone, Debug, Default)]
pub struct SupportHours {
    cal: Option<Calendar>,
}

/// An instant in the desk's local time, for texts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalTime {
    /// The weekday, 0 = Monday.
    pub weekday: usize,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub time: String,
    /// The time zone's IANA name.
    pub zone: String,
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.date, self.time, self.zone)
    }
}

/// Parses `HH:MM` (`24:00` allowed) into minutes.
fn minutes(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Parses one interval: `(start, end, past_midnight)`.
fn interval(s: &str) -> Result<(u16, u16, bool), String> {
    let form = "write HH:MM-HH:MM, e.g. 09:00-17:00 (past midnight: 22:00-02:00+1)";
    let Some((a, b)) = s.split_once('-') else {
        return Err(format!("{s:?} is not an interval; {form}"));
    };
    let (b, next_day) = match b.trim().strip_suffix("+1") {
        Some(b) => (b, true),
        None => (b, false),
    };
    let (Some(start), Some(end)) = (minutes(a), minutes(b)) else {
        return Err(format!("{s:?} is not an interval; {form}"));
    };
    if start >= 1440 {
        return Err(format!(
            "{s:?} starts at 24:00; start at 00:00 the next day"
        ));
    }
    if next_day {
        if end > start || end == 1440 {
            return Err(format!(
                "{s:?} lasts longer than a day (the end after +1 must be before the start)"
            ));
        }
    } else if end < start {
        return Err(format!(
            "{s:?} ends before it starts (an interval past midnight is written {}-{}+1)",
            hhmm(start),
            hhmm(end)
        ));
    } else if end == start {
        return Err(format!("{s:?} is empty: it ends when it starts"));
    }
    Ok((start, end, next_day))
}

impl SupportHours {
    /// Always open: what an unset `[desk.hours]` means.
    pub fn always() -> SupportHours {
        SupportHours::default()
    }

    /// Checks and compiles a configuration; `prefix` is its key (`desk.hours`). Refuses an
    /// unknown time zone, a malformed interval, one that ends before it starts, overlapping
    /// intervals (also across midnight), a bad holiday date, a schedule without a time zone
    /// and a time zone without any opening interval.
    pub fn from_config(c: &HoursConfig, prefix: &str) -> Result<SupportHours, HoursError> {
        if c.is_unset() {
            return Ok(SupportHours::always());
        }
        let key = |k: &str| format!("{prefix}.{k}");
        if c.time_zone.trim().is_empty() {
            return Err(refuse(
                key("time_zone"),
                "required when a schedule or holidays are given (an IANA name such as Europe/Vilnius)",
            ));
        }
        let zone = c.time_zone.trim().to_owned();
        let tz = TimeZone::get(&zone).map_err(|e| {
            refuse(
                key("time_zone"),
                format!("unknown time zone {zone:?} (an IANA name such as Europe/Vilnius): {e}"),
            )
        })?;
        let mut days: [Vec<Segment>; 7] = Default::default();
        for (i, day) in WEEKDAYS.iter().enumerate() {
            for s in c.day(i) {
                let (start, end, next_day) = interval(s).map_err(|r| refuse(key(day), r))?;
                let from = (key(day), s.clone());
                if next_day {
                    days[i].push(Segment {
                        start,
                        end: 1440,
                        from: from.clone(),
                    });
                    if end > 0 {
                        days[(i + 1) % 7].push(Segment {
                            start: 0,
                            end,
                            from,
                        });
                    }
                } else {
                    days[i].push(Segment { start, end, from });
                }
            }
        }
        for (i, segs) in days.iter_mut().enumerate() {
            segs.sort_by_key(|s| (s.start, s.end));
            for w in segs.windows(2) {
                if w[1].start < w[0].end {
                    let (k0, s0) = &w[0].from;
                    let (k1, s1) = &w[1].from;
                    let other = if k0 == k1 {
                        format!("{s0:?}")
                    } else {
                        format!("{s0:?} of {k0}")
                    };
                    return Err(refuse(
                        k1.clone(),
                        format!(
                            "{s1:?} overlaps {other} on {}",
                            WEEKDAYS[i].to_owned() + "day"
                        ),
                    ));
                }
            }
        }
        if days.iter().all(Vec::is_empty) {
            return Err(refuse(
                prefix,
                "no opening interval on any day (leave [desk.hours] out for always open)",
            ));
        }
        let mut holidays = BTreeSet::new();
        for h in &c.holidays {
            let d: Date = h.trim().parse().map_err(|_| {
                refuse(key("holidays"), format!("{h:?} is not a date (YYYY-MM-DD)"))
            })?;
            holidays.insert(d);
        }
        Ok(SupportHours {
            cal: Some(Calendar {
                tz,
                zone,
                days,
                holidays,
            }),
        })
    }

    /// Whether hours are configured (false: always open).
    pub fn is_set(&self) -> bool {
        self.cal.is_some()
    }

    /// Whether the desk is open at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let Some(cal) = &self.cal else {
            return true;
        };
        let Some(d) = cal.local_date(at.millis()) else {
            return false;
        };
        cal.open_spans(d)
            .any(|(s, e)| s <= at.millis() && at.millis() < e)
    }

    /// The first instant at or after `at` when the desk is open: `at` itself when it is open
    /// (or no hours are set); `None` when it does not open within three years (every day a
    /// holiday).
    pub fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        let Some(cal) = &self.cal else {
            return Some(at);
        };
        let mut d = cal.local_date(at.millis())?;
        for _ in 0..LOOKAHEAD_DAYS {
            if let Some((s, _)) = cal.open_spans(d).find(|(_, e)| *e > at.millis()) {
                return Some(Timestamp(s.max(at.millis())));
            }
            d = d.tomorrow().ok()?;
        }
        None
    }

    /// Business milliseconds between two instants: the part of `[from, to)` when the desk is
    /// open. `to - from` when no hours are set; 0 when `to` is not after `from`.
    pub fn business_ms(&self, from: Timestamp, to: Timestamp) -> i64 {
        let (from, to) = (from.millis(), to.millis());
        if to <= from {
            return 0;
        }
        let Some(cal) = &self.cal else {
            return to - from;
        };
        let (Some(mut d), Some(last)) = (cal.local_date(from), cal.local_date(to)) else {
            return 0;
        };
        let mut total = 0;
        loop {
            for (s, e) in cal.open_spans(d) {
                let (lo, hi) = (s.max(from), e.min(to));
                if hi > lo {
                    total += hi - lo;
                }
            }
            if d >= last {
                break;
            }
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        total
    }

    /// The latest instant `c` at or before `now` from which `ms` business milliseconds have
    /// passed by `now` (`business_ms(c, now) >= ms`, the greatest such `c`): a ticket opened at
    /// or before it has waited `ms` of business time. `None` when there is none within three
    /// years back.
    pub fn business_start(&self, now: Timestamp, ms: i64) -> Option<Timestamp> {
        let ms = ms.max(0);
        if ms == 0 {
            return Some(now);
        }
        let Some(cal) = &self.cal else {
            return Some(now.plus_millis(-ms));
        };
        let mut left = ms;
        let mut d = cal.local_date(now.millis())?;
        for _ in 0..LOOKAHEAD_DAYS {
            let spans: Vec<(i64, i64)> = cal.open_spans(d).collect();
            for (s, e) in spans.into_iter().rev() {
                let e = e.min(now.millis());
                if e <= s {
                    continue;
                }
                if e - s >= left {
                    return Some(Timestamp(e - left));
                }
                left -= e - s;
            }
            d = d.yesterday().ok()?;
        }
        None
    }

    /// `at` in the desk's local time (UTC when no hours are set).
    pub fn local(&self, at: Timestamp) -> Option<LocalTime> {
        let (tz, zone) = match &self.cal {
            Some(c) => (c.tz.clone(), c.zone.clone()),
            None => (TimeZone::UTC, "UTC".to_owned()),
        };
        let z = jiff::Timestamp::from_millisecond(at.millis())
            .ok()?
            .to_zoned_datetime(tz);
        let (d, t) = (z.date(), z.time());
        Some(LocalTime {
            weekday: d.weekday().to_monday_zero_offset() as usize,
            date: format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
            time: format!("{:02}:{:02}", t.hour(), t.minute()),
            zone,
        })
    }
}

impl Calendar {
    fn local_date(&self, ms: i64) -> Option<Date> {
        let ts = jiff::Timestamp::from_millisecond(ms).ok()?;
        Some(ts.to_zoned_datetime(self.tz.clone()).date())
    }

    /// The instant of `minute` (0–1440) of local day `d`; a time in a gap moves forward.
    fn instant(&self, d: Date, minute: u16) -> Option<i64> {
        let dt = if minute >= 1440 {
            d.tomorrow().ok()?.at(0, 0, 0, 0)
        } else {
            d.at((minute / 60) as i8, (minute % 60) as i8, 0, 0)
        };
        let z = dt.to_zoned_datetime(self.tz.clone()).ok()?;
        Some(z.timestamp().as_millisecond())
    }

    /// The open stretches of local day `d` as instants, in order (none on a holiday).
    fn open_spans(&self, d: Date) -> impl Iterator<Item = (i64, i64)> + '_ {
        let holiday = self.holidays.contains(&d);
        let day = d.weekday().to_monday_zero_offset() as usize;
        self.days[day]
            .iter()
            .filter(move |_| !holiday)
            .filter_map(move |s| Some((self.instant(d, s.start)?, self.instant(d, s.end)?)))
            .filter(|(s, e)| e > s)
    }
}

#[cfg(test)]
#[path = "hours_tests.rs"]
mod tests;

//! Unit tests of [`super::SupportHours`] (Europe/Vilnius: EET, EEST from the last Sunday of
//! March at 03:00 to the last Sunday of October at 04:00).

use super::*;

fn at(s: &str) -> Timestamp {
    let ts: jiff::Timestamp = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
    Timestamp(ts.as_millisecond())
}

const H: i64 = 3_600_000;

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| (*s).to_owned()).collect()
}

/// Monday to Friday 09:00–17:00 in Vilnius.
fn office() -> HoursConfig {
    let day = strings(&["09:00-17:00"]);
    HoursConfig {
        time_zone: "Europe/Vilnius".into(),
        mon: day.clone(),
        tue: day.clone(),
        wed: day.clone(),
        thu: day.clone(),
        fri: day,
        ..HoursConfig::default()
    }
}

fn hours(c: &HoursConfig) -> SupportHours {
    SupportHours::from_config(c, "desk.hours").unwrap()
}

fn refused(c: &HoursConfig) -> HoursError {
    SupportHours::from_config(c, "desk.hours").unwrap_err()
}

#[test]
fn unset_hours_are_always_open() {
    let h = hours(&HoursConfig::default());
    assert!(!h.is_set());
    let t = at("2026-12-05T03:00:00+02:00");
    assert!(h.is_open(t));
    assert_eq!(h.next_open(t), Some(t));
    assert_eq!(h.business_ms(t, t.plus_millis(5 * H)), 5 * H);
    assert_eq!(h.business_ms(t.plus_millis(5 * H), t), 0);
    assert_eq!(h.business_start(t, 2 * H), Some(t.plus_millis(-2 * H)));
}

#[test]
fn weekdays_nine_to_five() {
    let h = hours(&office());
    // 2026-12-01 is a Tuesday.
    assert!(!h.is_open(at("2026-12-01T08:59:59+02:00")));
    assert!(h.is_open(at("2026-12-01T09:00:00+02:00")));
    assert!(h.is_open(at("2026-12-01T16:59:59+02:00")));
    assert!(!h.is_open(at("2026-12-01T17:00:00+02:00")));
    assert!(!h.is_open(at("2026-12-05T12:00:00+02:00")), "Saturday");
    let open = at("2026-12-01T10:00:00+02:00");
    assert_eq!(h.next_open(open), Some(open));
    assert_eq!(
        h.next_open(at("2026-12-04T18:00:00+02:00")),
        Some(at("2026-12-07T09:00:00+02:00")),
        "Friday evening: back on Monday"
    );
    assert_eq!(
        h.business_ms(
            at("2026-12-04T16:00:00+02:00"),
            at("2026-12-07T10:00:00+02:00")
        ),
        2 * H
    );
    // A whole week is 40 hours.
    assert_eq!(
        h.business_ms(
            at("2026-11-30T00:00:00+02:00"),
            at("2026-12-07T00:00:00+02:00")
        ),
        40 * H
    );
    assert_eq!(
        h.business_ms(
            at("2026-12-05T00:00:00+02:00"),
            at("2026-12-06T23:00:00+02:00")
        ),
        0,
        "a weekend has no business time"
    );
}

#[test]
fn several_intervals_a_day() {
    let mut c = office();
    c.tue = strings(&["13:00-17:00", "09:00-12:00"]);
    let h = hours(&c);
    assert!(h.is_open(at("2026-12-01T11:59:00+02:00")));
    assert!(!h.is_open(at("2026-12-01T12:30:00+02:00")));
    assert_eq!(
        h.next_open(at("2026-12-01T12:30:00+02:00")),
        Some(at("2026-12-01T13:00:00+02:00"))
    );
    assert_eq!(
        h.business_ms(
            at("2026-12-01T11:00:00+02:00"),
            at("2026-12-01T14:00:00+02:00")
        ),
        2 * H
    );
    // Touching intervals are allowed and count once.
    c.wed = strings(&["09:00-12:00", "12:00-17:00"]);
    let h = hours(&c);
    assert_eq!(
        h.business_ms(
            at("2026-12-02T00:00:00+02:00"),
            at("2026-12-03T00:00:00+02:00")
        ),
        8 * H
    );
}

#[test]
fn overnight_intervals_run_into_the_next_day() {
    let c = HoursConfig {
        time_zone: "Europe/Vilnius".into(),
        fri: strings(&["22:00-02:00+1"]),
        sun: strings(&["20:00-24:00"]),
        ..HoursConfig::default()
    };
    let h = hours(&c);
    assert!(h.is_open(at("2026-12-04T23:30:00+02:00")));
    assert!(h.is_open(at("2026-12-05T01:59:00+02:00")), "Saturday night");
    assert!(!h.is_open(at("2026-12-05T02:00:00+02:00")));
    assert_eq!(
        h.business_ms(
            at("2026-12-04T21:00:00+02:00"),
            at("2026-12-05T03:00:00+02:00")
        ),
        4 * H
    );
    assert_eq!(
        h.next_open(at("2026-12-05T02:00:00+02:00")),
        Some(at("2026-12-06T20:00:00+02:00"))
    );
    assert!(
        h.is_open(at("2026-12-06T23:59:59+02:00")),
        "24:00 is the day's end"
    );
    assert!(!h.is_open(at("2026-12-07T00:00:00+02:00")));
}

#[test]
fn holidays_close_the_whole_local_day() {
    let mut c = office();
    c.wed = strings(&["09:00-17:00", "22:00-02:00+1"]);
    c.holidays = strings(&["2026-12-24", "2026-12-25"]);
    let h = hours(&c);
    assert!(h.is_open(at("2026-12-23T23:00:00+02:00")));
    assert!(
        !h.is_open(at("2026-12-24T01:00:00+02:00")),
        "the night's part on the holiday is closed"
    );
    assert!(!h.is_open(at("2026-12-24T10:00:00+02:00")));
    assert_eq!(
        h.next_open(at("2026-12-23T23:30:00+02:00")),
        Some(at("2026-12-23T23:30:00+02:00"))
    );
    assert_eq!(
        h.next_open(at("2026-12-24T08:00:00+02:00")),
        Some(at("2026-12-28T09:00:00+02:00")),
        "Thursday and Friday are holidays, then the weekend"
    );
    assert_eq!(
        h.business_ms(
            at("2026-12-23T16:00:00+02:00"),
            at("2026-12-28T10:00:00+02:00")
        ),
        H + 2 * H + H,
        "Wednesday 16-17 and 22-24, Monday 9-10"
    );
    // A desk whose every opening day is a holiday for years never opens.
    let mut mondays = Vec::new();
    let mut d: jiff::civil::Date = "2026-11-30".parse().unwrap();
    for _ in 0..170 {
        mondays.push(d.to_string());
        for _ in 0..7 {
            d = d.tomorrow().unwrap();
        }
    }
    let never = HoursConfig {
        time_zone: "UTC".into(),
        mon: strings(&["09:00-10:00"]),
        holidays: mondays,
        ..HoursConfig::default()
    };
    assert_eq!(hours(&never).next_open(at("2026-12-01T00:00:00Z")), None);
}

#[test]
fn daylight_saving_changes_in_vilnius() {
    let c = HoursConfig {
        time_zone: "Europe/Vilnius".into(),
        sun: strings(&["00:00-06:00"]),
        mon: strings(&["09:00-17:00"]),
        ..HoursConfig::default()
    };
    let h = hours(&c);
    // 2026-03-29: 03:00 EET becomes 04:00 EEST, the night is an hour shorter.
    assert_eq!(
        h.business_ms(
            at("2026-03-29T00:00:00+02:00"),
            at("2026-03-30T00:00:00+03:00")
        ),
        5 * H
    );
    // 2026-10-25: 04:00 EEST becomes 03:00 EET, the night is an hour longer.
    assert_eq!(
        h.business_ms(
            at("2026-10-25T00:00:00+03:00"),
            at("2026-10-26T00:00:00+02:00")
        ),
        7 * H
    );
    // Opening at 09:00 local time on both sides of the change.
    assert_eq!(
        h.next_open(at("2026-03-28T12:00:00+02:00")),
        Some(at("2026-03-29T00:00:00+02:00"))
    );
    assert_eq!(
        h.next_open(at("2026-03-29T07:00:00+03:00")),
        Some(at("2026-03-30T09:00:00+03:00"))
    );
    assert!(h.is_open(at("2026-03-30T06:00:00Z")), "09:00 EEST");
    assert!(!h.is_open(at("2026-03-30T05:59:00Z")));
    assert!(h.is_open(at("2026-10-26T07:00:00Z")), "09:00 EET");
    assert!(!h.is_open(at("2026-10-26T06:30:00Z")));
    // Across the change: Sunday 5 h + Monday 8 h.
    assert_eq!(
        h.business_ms(
            at("2026-03-28T00:00:00+02:00"),
            at("2026-03-31T00:00:00+03:00")
        ),
        13 * H
    );
}

#[test]
fn business_start_inverts_business_ms() {
    let mut c = office();
    c.fri = strings(&["09:00-12:00", "22:00-02:00+1"]);
    c.holidays = strings(&["2026-12-08"]);
    let h = hours(&c);
    let nows = [
        at("2026-12-01T09:30:00+02:00"),
        at("2026-12-05T01:00:00+02:00"),
        at("2026-12-07T08:00:00+02:00"),
        at("2026-12-09T16:00:00+02:00"),
        at("2026-03-30T10:00:00+03:00"),
    ];
    for now in nows {
        for ms in [1, 60_000, 15 * 60_000, 2 * H, 9 * H, 30 * H] {
            let c = h.business_start(now, ms).unwrap();
            assert!(h.business_ms(c, now) >= ms, "{now:?} {ms}");
            assert!(
                h.business_ms(c.plus_millis(1), now) < ms,
                "{now:?} {ms}: not the latest"
            );
        }
    }
    assert_eq!(h.business_start(nows[0], 0), Some(nows[0]));
}

#[test]
fn local_time_for_texts() {
    let h = hours(&office());
    let l = h.local(at("2026-12-07T07:00:00Z")).unwrap();
    assert_eq!(l.weekday, 0);
    assert_eq!(l.to_string(), "2026-12-07 09:00 (Europe/Vilnius)");
    let summer = h.local(at("2026-07-01T06:30:00Z")).unwrap();
    assert_eq!((summer.time.as_str(), summer.weekday), ("09:30", 2));
    assert_eq!(
        SupportHours::always()
            .local(at("2026-12-07T07:00:00Z"))
            .unwrap()
            .to_string(),
        "2026-12-07 07:00 (UTC)"
    );
}

#[test]
fn bad_hours_are_refused_with_the_key_and_the_reason() {
    let mut c = office();
    c.time_zone = "Europe/Vilnus".into();
    let e = refused(&c);
    assert_eq!(e.key, "desk.hours.time_zone");
    assert!(
        e.reason.contains("unknown time zone \"Europe/Vilnus\""),
        "{e}"
    );

    let mut c = office();
    c.time_zone = String::new();
    assert_eq!(refused(&c).key, "desk.hours.time_zone");

    let mut c = office();
    c.tue = strings(&["09:00-12:00", "11:00-13:00"]);
    let e = refused(&c);
    assert_eq!(e.key, "desk.hours.tue");
    assert!(e.reason.contains("overlaps \"09:00-12:00\""), "{e}");

    let mut c = office();
    c.fri = strings(&["22:00-02:00+1"]);
    c.sat = strings(&["01:00-05:00"]);
    let e = refused(&c);
    assert_eq!(e.key, "desk.hours.sat");
    assert!(e.reason.contains("of desk.hours.fri"), "{e}");

    let mut c = office();
    c.sun = strings(&["23:00-01:00+1"]);
    c.mon = strings(&["00:30-17:00"]);
    assert_eq!(
        refused(&c).key,
        "desk.hours.mon",
        "Sunday night runs into Monday"
    );

    let mut c = office();
    c.wed = strings(&["17:00-09:00"]);
    let e = refused(&c);
    assert_eq!(e.key, "desk.hours.wed");
    assert!(e.reason.contains("ends before it starts"), "{e}");
    assert!(e.reason.contains("17:00-09:00+1"), "{e}");

    for bad in [
        "9-17",
        "09:00",
        "09:00-25:00",
        "09:60-10:00",
        "10:00-10:00",
        "09:00-10:00+1",
        "24:00-01:00+1",
    ] {
        let mut c = office();
        c.thu = strings(&[bad]);
        let e = refused(&c);
        assert_eq!(e.key, "desk.hours.thu", "{bad}");
    }

    let mut c = office();
    c.holidays = strings(&["2026-12-32"]);
    let e = refused(&c);
    assert_eq!(e.key, "desk.hours.holidays");
    assert!(e.reason.contains("not a date"), "{e}");

    let c = HoursConfig {
        time_zone: "Europe/Vilnius".into(),
        ..HoursConfig::default()
    };
    assert_eq!(refused(&c).key, "desk.hours");
    assert!(
        refused(&c)
            .to_string()
            .starts_with("desk.hours: no opening interval")
    );
}

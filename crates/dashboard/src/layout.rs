//! The page shell (head, navigation, who is signed in) and the small formatting helpers every
//! page uses. maud escapes every value put into a page.

use axum::response::Html;
use frontdesk_core::Timestamp;
use maud::{DOCTYPE, Markup, html};

use crate::auth::Who;

/// Which navigation entry is the current page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Queue,
    Reports,
    Kb,
    Other,
}

/// A whole page for a signed-in person.
pub(crate) fn page(title: &str, nav: Nav, who: &Who, content: Markup) -> Html<String> {
    let link = |href: &str, label: &str, me: Nav| {
        html! { a href=(href) class=[(nav == me).then_some("here")] { (label) } }
    };
    shell(
        title,
        html! {
            header.top {
                span.brand { "Frontdesk" }
                nav {
                    (link("/", "Queue", Nav::Queue))
                    (link("/reports", "Reports", Nav::Reports))
                    (link("/kb", "Knowledge base", Nav::Kb))
                }
                span.who {
                    "Signed in as " strong { (who.name) }
                    @if let Some(csrf) = &who.csrf {
                        " · "
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button.link type="submit" { "Sign out" }
                        }
                    }
                }
            }
            main { (content) }
        },
    )
    .into_string()
    .into()
}

/// The document around `body`.
pub(crate) fn shell(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · Frontdesk" }
                link rel="stylesheet" href="/style.css";
            }
            body { (body) }
        }
    }
}

/// A span of milliseconds as `3 d 4 h`, `2 h 05 min`, `12 min`, `40 s`.
pub(crate) fn span(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        s if s >= 86_400 => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
        s if s >= 3600 => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// A time as `2026-03-02 14:05 UTC`.
pub(crate) fn when(t: Timestamp) -> String {
    let ms = t.millis();
    let day = ms.div_euclid(frontdesk_core::report::DAY_MS);
    let in_day = ms.rem_euclid(frontdesk_core::report::DAY_MS) / 1000;
    format!(
        "{} {:02}:{:02} UTC",
        frontdesk_core::report::date_of_day(day),
        in_day / 3600,
        (in_day % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_times_read_naturally() {
        assert_eq!(span(40_000), "40 s");
        assert_eq!(span(12 * 60_000 + 5), "12 min");
        assert_eq!(span(2 * 3_600_000 + 5 * 60_000), "2 h 05 min");
        assert_eq!(span(3 * 86_400_000 + 4 * 3_600_000), "3 d 4 h");
        assert_eq!(span(-5), "0 s");
        // 2026-01-05 00:00 UTC plus 14 h 05 min.
        assert_eq!(
            when(Timestamp(1_767_571_200_000 + 14 * 3_600_000 + 5 * 60_000)),
            "2026-01-05 14:05 UTC"
        );
    }
}

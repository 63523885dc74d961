//! The dashboard's pages on a seeded SQLite database: access (sign-in with CSRF, session
//! cookie, bearer tokens, rate limit), what each page shows, and that no customer-written
//! text reaches a page unescaped.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use frontdesk_core::ports::*;
use frontdesk_core::report::DAY_MS;
use frontdesk_core::testing::ManualClock;
use frontdesk_core::{Ticket, Timestamp};
use frontdesk_dashboard::testing::*;
use frontdesk_dashboard::{KbView, Options, new_agent_token, router};
use frontdesk_kb::Kb;
use frontdesk_kb::decide::Thresholds;
use frontdesk_kb::intents::Intents;
use frontdesk_store::SqlStore;
use frontdesk_store::testing::seed::{SeedSpec, seed};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// 2026-01-05 00:00 UTC.
const START: i64 = 1_767_571_200_000;
const TOKEN: &str = "env-token-0123456789abcdef";

struct Fixture {
    app: Router,
    store: Arc<SqlStore>,
    hostile: Ticket,
    agent_token: String,
    _dir: tempfile::TempDir,
}

async fn fixture(opts: Options) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Arc::new(SqlStore::connect(&url).await.unwrap());
    seed(
        &store,
        &SeedSpec {
            tickets: 300,
            start: START,
            span_ms: 20 * DAY_MS,
            seed: 7,
        },
    )
    .await
    .unwrap();
    let hostile = hostile_ticket(&*store, "support", Timestamp(START + 21 * DAY_MS))
        .await
        .unwrap();
    let t = new_agent_token("alice", Timestamp(START)).unwrap();
    store.add_dashboard_token(&t.stored).await.unwrap();
    let kb = Arc::new(Kb::load_dir(std::path::Path::new("../../faq")).unwrap());
    let app = router(
        store.clone(),
        KbView::new(
            move || kb.clone(),
            Thresholds::default(),
            Some(Intents::builtin()),
        ),
        ManualClock::new(Timestamp(START + 25 * DAY_MS)),
        Options {
            env_token: Some(TOKEN.into()),
            page_size: 10,
            ..opts
        },
    )
    .unwrap();
    Fixture {
        app,
        store,
        hostile,
        agent_token: t.token,
        _dir: dir,
    }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &Router, req: Request<Body>) -> Answer {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn get(path: &str) -> axum::http::request::Builder {
    Request::get(path)
}

async fn get_with(app: &Router, path: &str, auth: &Auth) -> Answer {
    let b = get(path);
    let b = match auth {
        Auth::None => b,
        Auth::Bearer(t) => b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Cookie(c) => b.header(header::COOKIE, format!("fd_session={c}")),
    };
    send(app, b.body(Body::empty()).unwrap()).await
}

enum Auth {
    None,
    Bearer(String),
    Cookie(String),
}

fn set_cookies(a: &Answer) -> Vec<String> {
    a.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_value(a: &Answer, name: &str) -> Option<String> {
    set_cookies(a).iter().find_map(|c| {
        c.split(';')
            .next()?
            .split_once('=')
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    })
}

fn hidden_csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..at + 64].to_owned()
}

async fn login(app: &Router, token: &str, csrf_cookie: Option<&str>, csrf: &str) -> Answer {
    let mut b =
        Request::post("/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = csrf_cookie {
        b = b.header(header::COOKIE, format!("fd_login_csrf={c}"));
    }
    let body = serde_urlencoded::to_string([("token", token), ("csrf", csrf)]).unwrap();
    send(app, b.body(Body::from(body)).unwrap()).await
}

/// Signs in through the form; the session cookie.
async fn sign_in(app: &Router, token: &str) -> String {
    let form = send(app, get("/login").body(Body::empty()).unwrap()).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = hidden_csrf(&form.body);
    assert_eq!(
        cookie_value(&form, "fd_login_csrf").as_deref(),
        Some(csrf.as_str())
    );
    let r = login(app, token, Some(&csrf), &csrf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    cookie_value(&r, "fd_session").expect("a session cookie")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_needs_a_session_or_a_bearer_token() {
    let f = fixture(Options::default()).await;
    let pages = [
        "/".to_owned(),
        format!("/ticket/{}", f.hostile.id.0),
        "/reports".into(),
        "/kb".into(),
    ];
    for p in &pages {
        let r = get_with(&f.app, p, &Auth::None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
        assert_eq!(r.headers[header::LOCATION], "/login", "{p}");
        assert!(!r.body.contains("Queue"), "{p}");
        let r = get_with(&f.app, p, &Auth::Cookie("0".repeat(64))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "an unknown session: {p}");
        let r = get_with(&f.app, p, &Auth::Bearer("fdd_0011223344556677_00".into())).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{p}");
        for token in [TOKEN, f.agent_token.as_str()] {
            let r = get_with(&f.app, p, &Auth::Bearer(token.into())).await;
            assert_eq!(r.status, StatusCode::OK, "{p}: {}", r.body);
            let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"));
            assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        }
    }
    // The stored token is not the token: its secret is nowhere in the row.
    let id = &f.agent_token[4..20];
    let row = f.store.dashboard_token(id).await.unwrap().unwrap();
    let secret = &f.agent_token[21..];
    assert!(!row.hash.contains(secret) && !row.salt.contains(secret));
    let r = get_with(&f.app, "/", &Auth::Bearer(f.agent_token.clone())).await;
    assert!(
        r.body.contains("Signed in as <strong>alice</strong>"),
        "{}",
        r.body
    );
    // A token with the right id and a wrong secret.
    let wrong = format!("{}{}", &f.agent_token[..21], "0".repeat(64));
    let r = get_with(&f.app, "/", &Auth::Bearer(wrong)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_takes_the_form_csrf_token_and_sets_a_strict_cookie() {
    let f = fixture(Options::default()).await;
    let form = send(&f.app, get("/login").body(Body::empty()).unwrap()).await;
    let csrf = hidden_csrf(&form.body);
    // No CSRF cookie, or a different one: refused even with the right token.
    assert_eq!(
        login(&f.app, TOKEN, None, &csrf).await.status,
        StatusCode::FORBIDDEN
    );
    let other = "1".repeat(64);
    assert_eq!(
        login(&f.app, TOKEN, Some(&other), &csrf).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        login(&f.app, TOKEN, Some(""), "").await.status,
        StatusCode::FORBIDDEN
    );
    let r = login(&f.app, "not-the-token", Some(&csrf), &csrf).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Unknown token."));
    assert!(cookie_value(&r, "fd_session").is_none());
    let r = login(&f.app, TOKEN, Some(&csrf), &csrf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/");
    let session = set_cookies(&r)
        .into_iter()
        .find(|c| c.starts_with("fd_session="))
        .unwrap();
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(attr), "{session}");
    }
    let id = cookie_value(&r, "fd_session").unwrap();
    assert_eq!(id.len(), 64);
    let q = get_with(&f.app, "/", &Auth::Cookie(id.clone())).await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("Signed in as <strong>admin</strong>"));
    // Signing out needs the session's CSRF token.
    let out = |csrf: &str| {
        Request::post("/logout")
            .header(header::COOKIE, format!("fd_session={id}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap()
    };
    assert_eq!(
        send(&f.app, out("nope")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get_with(&f.app, "/", &Auth::Cookie(id.clone()))
            .await
            .status,
        StatusCode::OK
    );
    let session_csrf = hidden_csrf(&q.body);
    let r = send(&f.app, out(&session_csrf)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get_with(&f.app, "/", &Auth::Cookie(id)).await.status,
        StatusCode::SEE_OTHER,
        "the session ended"
    );
    // The per-agent token signs in as its agent.
    let s = sign_in(&f.app, &f.agent_token).await;
    let q = get_with(&f.app, "/", &Auth::Cookie(s)).await;
    assert!(q.body.contains("Signed in as <strong>alice</strong>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_limited() {
    let f = fixture(Options {
        attempts_per_client: 3,
        ..Options::default()
    })
    .await;
    let form = send(&f.app, get("/login").body(Body::empty()).unwrap()).await;
    let csrf = hidden_csrf(&form.body);
    for _ in 0..3 {
        let r = login(&f.app, "wrong", Some(&csrf), &csrf).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right token waits, in the form and as a bearer token.
    let r = login(&f.app, TOKEN, Some(&csrf), &csrf).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let r = get_with(&f.app, "/", &Auth::Bearer(TOKEN.into())).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_lists_filters_searches_and_pages_open_tickets() {
    let f = fixture(Options::default()).await;
    let auth = Auth::Bearer(TOKEN.into());
    let all = f
        .store
        .queue(&QueueQuery {
            limit: 1000,
            ..QueueQuery::default()
        })
        .await
        .unwrap();
    assert!(
        all.total > 15,
        "the seeded history has open tickets: {}",
        all.total
    );
    let r = get_with(&f.app, "/", &auth).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(&format!("{} open", all.total)),
        "{}",
        r.body
    );
    // The first page: the ten longest waits, in order.
    let mut at = 0;
    for i in &all.items[..10] {
        let link = format!("href=\"/ticket/{}\"", i.ticket.id.0);
        let p = r.body[at..]
            .find(&link)
            .unwrap_or_else(|| panic!("{link} after {at}"));
        at += p + link.len();
    }
    let eleventh = format!("href=\"/ticket/{}\"", all.items[10].ticket.id.0);
    assert!(!r.body.contains(&eleventh));
    assert!(r.body.contains("rel=\"next\" href=\"/?page=2\""));
    let p2 = get_with(&f.app, "/?page=2", &auth).await;
    assert!(p2.body.contains(&eleventh));
    assert!(p2.body.contains("rel=\"prev\""));
    // Search over subjects and messages, with the filters kept in the page links.
    let r = get_with(&f.app, "/?q=REFUND&desk=support&priority=high", &auth).await;
    assert!(
        r.body
            .contains(&format!("href=\"/ticket/{}\"", f.hostile.id.0))
    );
    assert!(r.body.contains("1 open"), "{}", r.body);
    let r = get_with(&f.app, "/?q=still+waiting", &auth).await;
    assert!(
        r.body
            .contains(&format!("href=\"/ticket/{}\"", f.hostile.id.0))
    );
    let r = get_with(&f.app, "/?waiting=customer&desk=nowhere", &auth).await;
    assert!(r.body.contains("0 open") && r.body.contains("No open ticket matches."));
    let r = get_with(&f.app, "/?priority=extreme", &auth).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("priority"));
    // Whose turn: the hostile ticket's customer wrote after the agent.
    let r = get_with(&f.app, "/?q=refund&waiting=agent", &auth).await;
    assert!(
        r.body
            .contains(&format!("href=\"/ticket/{}\"", f.hostile.id.0))
    );
    let r = get_with(&f.app, "/?q=still+waiting&waiting=customer", &auth).await;
    assert!(r.body.contains("0 open"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticket_page_shows_transcript_notes_timeline_and_times() {
    let f = fixture(Options::default()).await;
    let auth = Auth::Bearer(TOKEN.into());
    let r = get_with(&f.app, &format!("/ticket/{}", f.hostile.id.0), &auth).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("Looking into it.") && b.contains("still waiting"));
    assert!(b.contains("class=\"msg internal\"") && b.contains("internal note"));
    assert!(b.contains("href=\"https://cdn.example.invalid/receipt.pdf\""));
    assert!(
        !b.contains("href=\"javascript:"),
        "no link for a non-web reference"
    );
    assert!(b.contains("<dd id=\"first-response\">2 min</dd>"), "{b}");
    assert!(b.contains("<dd id=\"resolution\">open</dd>"));
    assert!(b.contains("<strong>opened</strong>") && b.contains("<strong>tagged</strong>"));
    // A closed seeded ticket with a survey.
    let closed = f
        .store
        .list_tickets(&frontdesk_core::TicketFilter {
            status: Some(frontdesk_core::TicketStatus::Closed),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut with_survey = 0;
    for t in &closed {
        let r = get_with(&f.app, &format!("/ticket/{}", t.id.0), &auth).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("<dd id=\"resolution\">open</dd>"));
        if f.store.survey(t.id).await.unwrap().is_some() {
            assert!(r.body.contains("id=\"survey\""));
            with_survey += 1;
        }
    }
    assert!(with_survey > 0);
    assert_eq!(
        get_with(&f.app, "/ticket/999999", &auth).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_and_the_knowledge_base_page() {
    let f = fixture(Options::default()).await;
    let auth = Auth::Bearer(TOKEN.into());
    let r = get_with(&f.app, "/reports?since=2026-01-05&until=2026-01-31", &auth).await;
    assert_eq!(r.status, StatusCode::OK);
    for id in ["tickets-per-day", "first-response", "csat", "deflection"] {
        assert!(r.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let report = frontdesk_core::report::from_store(
        &*f.store,
        &frontdesk_core::report::ReportRange {
            since: Some(Timestamp(START)),
            until: Some(Timestamp(START + 27 * DAY_MS)),
            desk: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(report.tickets_opened, 301);
    assert!(
        r.body
            .contains("<tr><th>Tickets opened</th><td>301</td></tr>"),
        "{}",
        r.body
    );
    let billing = get_with(
        &f.app,
        "/reports?since=2026-01-05&until=2026-01-31&desk=billing",
        &auth,
    )
    .await;
    assert!(!billing.body.contains("<td>301</td>"));
    assert_eq!(
        get_with(&f.app, "/reports?since=yesterday", &auth)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let r = get_with(&f.app, "/kb?since=2026-01-01&until=2026-01-31", &auth).await;
    assert_eq!(r.status, StatusCode::OK);
    for lang in ["en", "lt", "et"] {
        assert!(r.body.contains(&format!("data-lang=\"{lang}\"")), "{lang}");
    }
    assert!(r.body.contains("id=\"gaps\""));
    assert!(
        !r.body.contains("No gaps in this period."),
        "the seeded history has gaps"
    );
    let r = get_with(&f.app, "/kb?q=where+is+my+parcel&lang=en", &auth).await;
    assert!(r.body.contains("id=\"explanation\""));
    assert!(r.body.contains("terms: "));
    assert!(r.body.contains("Runner-up"));
    let r = get_with(&f.app, "/kb?q=I+want+to+talk+to+a+person", &auth).await;
    assert!(
        r.body.contains("<strong id=\"decision\">handoff</strong>"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_customer_text_reaches_a_page_unescaped() {
    let f = fixture(Options::default()).await;
    let auth = Auth::Bearer(TOKEN.into());
    let pages = [
        "/".to_owned(),
        "/?q=refund".into(),
        format!("/ticket/{}", f.hostile.id.0),
        "/reports?since=2026-01-01&until=2026-02-28".into(),
        "/kb?since=2026-01-01&until=2026-02-28".into(),
        format!("/kb?q={}", "%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        format!("/?q={}", "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"),
    ];
    for p in &pages {
        let r = get_with(&f.app, p, &auth).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        assert_eq!(unescaped_payload(&r.body), None, "{p}:\n{}", r.body);
    }
    let r = get_with(&f.app, &format!("/ticket/{}", f.hostile.id.0), &auth).await;
    assert!(
        r.body
            .contains("&lt;script&gt;alert('subject')&lt;/script&gt;")
    );
    assert!(
        r.body
            .contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
    );
    assert!(r.body.contains("&lt;b&gt;vip&lt;/b&gt;"));
}

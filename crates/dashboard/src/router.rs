//! The routes, the state they share, sign-in and sign-out, and the gate in front of every
//! page.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use frontdesk_core::ports::*;
use frontdesk_core::{Clock, StoreError};
use frontdesk_kb::Kb;
use frontdesk_kb::decide::Thresholds;
use frontdesk_kb::intents::Intents;
use maud::{Markup, html};
use serde::Deserialize;
use tracing::{error, info};

use crate::DashboardError;
use crate::auth::*;
use crate::layout::shell;

/// Everything the dashboard reads: the Store roles of its pages.
pub trait DashboardStore:
    TicketStore
    + MessageStore
    + FeedbackStore
    + SurveyStore
    + ReportStore
    + QueueStore
    + DashboardTokenStore
{
}

impl<T> DashboardStore for T where
    T: TicketStore
        + MessageStore
        + FeedbackStore
        + SurveyStore
        + ReportStore
        + QueueStore
        + DashboardTokenStore
        + ?Sized
{
}

/// The knowledge base as the bot has it now (it may be reloaded), with the bot's thresholds
/// and intents, for the knowledge-base page.
#[derive(Clone)]
pub struct KbView {
    kb: Arc<dyn Fn() -> Arc<Kb> + Send + Sync>,
    thresholds: Thresholds,
    intents: Option<Arc<Intents>>,
}

impl KbView {
    /// `kb` gives the knowledge base in use each time it is called.
    pub fn new(
        kb: impl Fn() -> Arc<Kb> + Send + Sync + 'static,
        thresholds: Thresholds,
        intents: Option<Intents>,
    ) -> KbView {
        KbView {
            kb: Arc::new(kb),
            thresholds,
            intents: intents.map(Arc::new),
        }
    }

    pub(crate) fn kb(&self) -> Arc<Kb> {
        (self.kb)()
    }

    pub(crate) fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    pub(crate) fn intents(&self) -> Option<&Intents> {
        self.intents.as_deref()
    }
}

/// Settings of the dashboard.
#[derive(Clone, Debug)]
pub struct Options {
    /// The token of `FRONTDESK_DASHBOARD_TOKEN`, if set (checked by [`check_env_token`]).
    pub env_token: Option<String>,
    /// How long a sign-in lasts.
    pub session_ttl: Duration,
    /// Failed sign-in attempts allowed per client address in a minute.
    pub attempts_per_client: u32,
    /// Failed sign-in attempts allowed in all in a minute.
    pub attempts_overall: u32,
    /// Tickets per queue page.
    pub page_size: usize,
}

impl Default for Options {
    /// No environment token, 12 h sessions, 5 failed attempts a minute per client and 50 in
    /// all, 50 tickets a page.
    fn default() -> Self {
        Options {
            env_token: None,
            session_ttl: Duration::from_secs(12 * 3600),
            attempts_per_client: 5,
            attempts_overall: 50,
            page_size: 50,
        }
    }
}

/// What the handlers share.
pub(crate) struct App {
    pub(crate) store: Arc<dyn DashboardStore>,
    pub(crate) kb: KbView,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) auth: Auth,
    pub(crate) page_size: usize,
}

pub(crate) type Shared = State<Arc<App>>;

/// The dashboard's routes. Every page but `/login` and `/style.css` needs a session cookie or
/// a bearer token.
pub fn router(
    store: Arc<dyn DashboardStore>,
    kb: KbView,
    clock: Arc<dyn Clock>,
    opts: Options,
) -> Result<Router, DashboardError> {
    if let Some(t) = &opts.env_token {
        check_env_token(t)?;
    }
    let app = Arc::new(App {
        store,
        kb,
        clock,
        auth: Auth::new(
            opts.env_token,
            opts.session_ttl,
            Limiter::new(
                opts.attempts_per_client.max(1),
                opts.attempts_overall.max(1),
                Duration::from_secs(60),
            ),
        ),
        page_size: opts.page_size.clamp(1, 500),
    });
    let pages = Router::new()
        .route("/", get(crate::queue::page))
        .route("/ticket/{id}", get(crate::ticket::page))
        .route("/reports", get(crate::reports::page))
        .route("/kb", get(crate::kb::page))
        .route("/logout", post(logout))
        .route_layer(middleware::from_fn_with_state(app.clone(), gate));
    Ok(Router::new()
        .route("/login", get(login_page).post(login))
        .route("/style.css", get(style))
        .merge(pages)
        .layer(middleware::from_fn(headers))
        .with_state(app))
}

/// Headers of every answer: no caching, no framing, no sniffing, nothing loaded from
/// elsewhere and no script at all.
async fn headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    r
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        crate::style::sheet(),
    )
        .into_response()
}

fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, secs.to_string())],
        "Too many failed sign-in attempts: try again later.\n",
    )
        .into_response()
}

/// Lets signed-in requests through (a bearer token, or a session cookie) with [`Who`] in
/// their extensions. Without either: to the sign-in page; a wrong bearer token: 401.
async fn gate(State(app): Shared, mut req: Request, next: Next) -> Response {
    let ip = client(req.extensions());
    if let Some(token) = bearer(req.headers()).map(str::to_owned) {
        let limited = app
            .auth
            .limiter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .check(ip);
        if let Err(wait) = limited {
            return too_many(wait);
        }
        return match app.auth.token_owner(&*app.store, &token).await {
            Some(name) => {
                req.extensions_mut().insert(Who { name, csrf: None });
                next.run(req).await
            }
            None => {
                app.auth
                    .limiter
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .failed(ip);
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                    "Unknown token.\n",
                )
                    .into_response()
            }
        };
    }
    match cookie(req.headers(), SESSION_COOKIE).and_then(|id| app.auth.session(&id)) {
        Some(who) => {
            req.extensions_mut().insert(who);
            next.run(req).await
        }
        None => Redirect::to("/login").into_response(),
    }
}

fn login_form(csrf: &str, problem: Option<&str>) -> Markup {
    shell(
        "Sign in",
        html! {
            main {
                form.login method="post" action="/login" {
                    h1 { "Frontdesk dashboard" }
                    @if let Some(p) = problem { p.error role="alert" { (p) } }
                    label for="token" { "Token" }
                    input #token type="password" name="token" autocomplete="current-password" required autofocus;
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" { "Sign in" }
                    p.note { "Your token is FRONTDESK_DASHBOARD_TOKEN or one made with "
                        code { "frontdesk dashboard token add NAME" } "." }
                }
            }
        },
    )
}

/// The sign-in form with a fresh CSRF token (also in a cookie of the sign-in page).
fn login_response(status: StatusCode, problem: Option<&str>) -> Response {
    let csrf = match random_hex(32) {
        Ok(c) => c,
        Err(e) => return internal(&e),
    };
    (
        status,
        [(
            header::SET_COOKIE,
            set_cookie(
                LOGIN_CSRF_COOKIE,
                &csrf,
                "/login",
                Duration::from_secs(3600),
            ),
        )],
        Html(login_form(&csrf, problem).into_string()),
    )
        .into_response()
}

async fn login_page() -> Response {
    login_response(StatusCode::OK, None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}

async fn login(State(app): Shared, req: Request) -> Response {
    let ip = client(req.extensions());
    let expected = cookie(req.headers(), LOGIN_CSRF_COOKIE);
    let Form(f) = match Form::<LoginForm>::from_request(req, &()).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let limited = app
        .auth
        .limiter
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .check(ip);
    if let Err(wait) = limited {
        return too_many(wait);
    }
    if !expected.is_some_and(|e| !f.csrf.is_empty() && same(&e, &f.csrf)) {
        return login_response(
            StatusCode::FORBIDDEN,
            Some("The form expired or did not come from this page: sign in again."),
        );
    }
    let Some(name) = app.auth.token_owner(&*app.store, &f.token).await else {
        app.auth
            .limiter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .failed(ip);
        return login_response(StatusCode::UNAUTHORIZED, Some("Unknown token."));
    };
    let id = match app.auth.open_session(name.clone()) {
        Ok(id) => id,
        Err(e) => return internal(&e),
    };
    info!(%name, "signed in to the dashboard");
    let mut r = Redirect::to("/").into_response();
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &id, "/", app.auth.ttl()),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, "", "/login", Duration::ZERO),
    );
    r
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(app): Shared,
    axum::Extension(who): axum::Extension<Who>,
    headers: axum::http::HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Response {
    if !who.csrf.as_deref().is_some_and(|c| same(c, &f.csrf)) {
        return (StatusCode::FORBIDDEN, "Missing or wrong CSRF token.\n").into_response();
    }
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        app.auth.close_session(&id);
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", "/", Duration::ZERO),
    );
    r
}

/// A 500 page; the reason goes to the log only.
pub(crate) fn internal(e: &dyn std::fmt::Display) -> Response {
    error!(error = %e, "dashboard page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The dashboard could not read the database; see the bot's log.\n",
    )
        .into_response()
}

/// [`internal`] for Store errors.
pub(crate) fn store_error(e: StoreError) -> Response {
    internal(&e)
}

/// A 400 page naming the bad parameter.
pub(crate) fn bad_request(what: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("{what}\n")).into_response()
}

use axum::extract::FromRequest;

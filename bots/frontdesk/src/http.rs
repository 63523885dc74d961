//! The HTTP endpoint of a running bot: `/metrics` (Prometheus text format) and `/healthz`
//! (200 when the database answers, 503 otherwise).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use frontdesk_core::Engine;

/// The routes, sharing the Engine.
pub(crate) fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(engine)
}

async fn metrics(State(engine): State<Arc<Engine>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        engine.metrics().render(),
    )
}

async fn healthz(State(engine): State<Arc<Engine>>) -> impl IntoResponse {
    match engine.store().cursor("healthz").await {
        Ok(_) => (StatusCode::OK, "ok\n".to_owned()),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable: {e}\n"),
        ),
    }
}

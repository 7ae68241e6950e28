use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use crate::App;
use crate::error::ApiError;

/// Liveness: the process answers.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// Readiness: the stores answer and the batch writer is not failing.
pub async fn readyz(State(app): State<Arc<App>>) -> Result<impl IntoResponse, ApiError> {
    let probe = app.clone();
    let store_ok = tokio::task::spawn_blocking(move || {
        probe.events.ingest_position().is_ok() && probe.meta.list_sites().is_ok()
    })
    .await?;
    let writer_error = app
        .writer
        .status
        .last_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let lag = app.writer.lag_bytes();
    let ready = store_ok && writer_error.is_none();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((
        status,
        Json(
            json!({"ready": ready, "stores": store_ok, "writer_error": writer_error, "spool_lag_bytes": lag}),
        ),
    ))
}

pub async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    metrics::gauge!("sightline_spool_lag_bytes").set(app.writer.lag_bytes() as f64);
    let durable = app.spool.durable().get();
    metrics::gauge!("sightline_spool_segment").set(durable.segment as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics_export::render(),
    )
}

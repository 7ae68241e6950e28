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
        probe.events.health().is_ok() && probe.meta.list_sites().is_ok()
    })
    .await?;
    let writer_error = app.writer.status.last_error();
    let lag = app.writer.lag_bytes();
    let lag_limit = app.max_writer_lag_bytes();
    let ready = store_ok && writer_error.is_none() && lag <= lag_limit;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((
        status,
        Json(
            json!({"ready": ready, "stores": store_ok, "writer_error": writer_error, "spool_lag_bytes": lag,
                "max_spool_lag_bytes": lag_limit,
                "dead_letters": app.writer.status.dead_letters.load(std::sync::atomic::Ordering::Relaxed)}),
        ),
    ))
}

/// Prometheus metrics; with `metrics_token` set, only for `Authorization: Bearer <metrics_token>`.
pub async fn metrics(
    State(app): State<Arc<App>>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if !app.config.metrics_token.is_empty() {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !crate::auth::constant_time_eq(
            sent.trim().as_bytes(),
            app.config.metrics_token.as_bytes(),
        ) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "/metrics needs Authorization: Bearer <metrics_token>",
            ));
        }
    }
    metrics::gauge!("sightline_spool_lag_bytes").set(app.writer.lag_bytes() as f64);
    let durable = app.spool.durable().get();
    metrics::gauge!("sightline_spool_segment").set(durable.segment as f64);
    // Memory is a diagnostic: the other metrics are still served when it cannot be read. glibc's and the engine's
    // accounting both take locks, so they are read off the async workers.
    let events = app.events.clone();
    let memory = tokio::task::spawn_blocking(move || {
        (
            sightline_ingest::allocator::c_heap(),
            events.engine_memory(),
        )
    })
    .await;
    if let Ok((Some(heap), _)) = &memory {
        metrics::gauge!("sightline_c_heap_bytes", "state" => "in_use").set(heap.in_use as f64);
        metrics::gauge!("sightline_c_heap_bytes", "state" => "free").set(heap.free as f64);
    }
    match memory.map(|(_, engine)| engine) {
        Ok(Ok(tags)) => {
            for (tag, bytes) in tags {
                metrics::gauge!("sightline_store_memory_bytes", "tag" => tag).set(bytes as f64);
            }
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "store memory not readable for /metrics"),
        Err(e) => tracing::warn!(error = %e, "store memory task failed"),
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics_export::render(),
    ))
}

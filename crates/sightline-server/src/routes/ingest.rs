//! `POST /api/v1/batch`: wire format v1 (shared/WIRE.md). 202 only once the batch is durable.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use sightline_ingest::{IngestError, RequestContext};
use sightline_model::limits::MAX_BODY_BYTES;
use sightline_model::wire::BatchAccepted;

use http_body_util::BodyExt;

use crate::App;
use crate::error::ApiError;
use sightline_model::now_ms;

/// Oversized bodies up to this size are read and discarded before the 413; larger ones are cut off.
const MAX_DRAINED_BODY_BYTES: usize = 4 * MAX_BODY_BYTES;

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A client has this long to send its whole body (slow uploads must not hold a connection forever).
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads and drops up to `max` bytes of a body, one frame at a time (nothing is buffered).
async fn discard(mut body: axum::body::Body, max: usize) {
    let mut seen = 0;
    while let Some(Ok(frame)) = body.frame().await {
        seen += frame.data_ref().map_or(0, |d| d.len());
        if seen > max {
            break;
        }
    }
}

#[utoipa::path(post, path = "/api/v1/batch", tag = "ingest",
    request_body(content = String, description = "wire format v1 batch (shared/WIRE.md), JSON, optionally gzip", content_type = "application/json"),
    responses((status = 202, body = BatchAccepted), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody),
        (status = 429, description = "rate limited (per client IP or per site); wait `Retry-After` seconds", body = crate::error::ErrorBody),
        (status = 503, description = "overloaded or spool unavailable; wait `Retry-After` seconds", body = crate::error::ErrorBody)))]
pub async fn batch(
    State(app): State<Arc<App>>,
    request: Request,
) -> Result<(StatusCode, Json<BatchAccepted>), ApiError> {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = app.client_ip(headers, peer);
    // Refuse before buffering the body: an overloaded server must not hold bodies while it waits. The body is
    // still read (and dropped) so that the client sees the answer and its Retry-After, not a broken pipe.
    let lag_bytes = app.writer.lag_bytes();
    let refusal = app.ingestor.check_client(ip).err().or_else(|| {
        (lag_bytes > app.max_writer_lag_bytes()).then(|| IngestError::Overloaded {
            lag_bytes,
            limit_bytes: app.max_writer_lag_bytes(),
        })
    });
    if let Some(refusal) = refusal {
        discard(body, MAX_DRAINED_BODY_BYTES).await;
        return Err(refusal.into());
    }
    let declared =
        header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared.filter(|len| *len > MAX_BODY_BYTES) {
        // Read (and discard) a moderately oversized body so the client sees the 413 instead of a broken pipe.
        if len <= MAX_DRAINED_BODY_BYTES {
            discard(body, MAX_DRAINED_BODY_BYTES).await;
        }
        return Err(IngestError::BodyTooLarge(len).into());
    }
    let body = tokio::time::timeout(
        BODY_READ_TIMEOUT,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    )
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!(
                "the request body did not arrive within {} s",
                BODY_READ_TIMEOUT.as_secs()
            ),
        )
    })?
    .map_err(|_| ApiError::from(IngestError::BodyTooLarge(MAX_BODY_BYTES + 1)))?;
    // Decompressing, parsing and waiting for the fsync hold up to 9 MiB per batch: bound how many at once.
    let _in_flight = app.ingest_slots.clone().try_acquire_owned().map_err(|_| {
        ApiError::from(IngestError::Overloaded {
            lag_bytes,
            limit_bytes: app.max_writer_lag_bytes(),
        })
    })?;
    let gzip = header_str(headers, header::CONTENT_ENCODING)
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let context = RequestContext {
        origin: header_str(headers, header::ORIGIN).map(str::to_string),
        user_agent: header_str(headers, header::USER_AGENT)
            .unwrap_or_default()
            .to_string(),
        ip,
        gzip,
        received_at: now_ms(),
    };
    let accepted = app.ingestor.ingest(body, context).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

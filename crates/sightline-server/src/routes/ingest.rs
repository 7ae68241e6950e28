//! `POST /api/v1/batch`: wire format v1 (shared/WIRE.md). 202 only once the batch is durable.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
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

pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, trust_proxy: bool) -> IpAddr {
    let forwarded = trust_proxy
        .then(|| header_str(headers, header::HeaderName::from_static("x-forwarded-for")))
        .flatten()
        .and_then(|v| v.split(',').next())
        .and_then(|ip| ip.trim().parse().ok());
    forwarded
        .or(peer.map(|p| p.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

#[utoipa::path(post, path = "/api/v1/batch", tag = "ingest",
    request_body(content = String, description = "wire format v1 batch (shared/WIRE.md), JSON, optionally gzip", content_type = "application/json"),
    responses((status = 202, body = BatchAccepted), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn batch(
    State(app): State<Arc<App>>,
    request: Request,
) -> Result<(StatusCode, Json<BatchAccepted>), ApiError> {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let declared =
        header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared.filter(|len| *len > MAX_BODY_BYTES) {
        // Read (and discard) a moderately oversized body so the client sees the 413 instead of a broken pipe.
        if len <= MAX_DRAINED_BODY_BYTES {
            let mut body = body;
            while let Some(Ok(_)) = body.frame().await {}
        }
        return Err(IngestError::BodyTooLarge(len).into());
    }
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::from(IngestError::BodyTooLarge(MAX_BODY_BYTES + 1)))?;
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let gzip = header_str(headers, header::CONTENT_ENCODING)
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let context = RequestContext {
        origin: header_str(headers, header::ORIGIN).map(str::to_string),
        user_agent: header_str(headers, header::USER_AGENT)
            .unwrap_or_default()
            .to_string(),
        ip: client_ip(headers, peer, app.config.trust_proxy_headers),
        gzip,
        received_at: now_ms(),
    };
    let accepted = app.ingestor.ingest(body, context).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

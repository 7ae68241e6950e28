//! Sessions of a site: the list (filter, sort, page), one session's events, and its replay (whole, or chunk by
//! chunk for players that start playing before everything arrived).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sightline_model::limits::MAX_ID_LEN;
use sightline_model::validate::is_id_char;
use sightline_store::{ReplayChunk, SessionPage, SessionQuery, SessionSort, StoredEvent};

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::routes::query;

/// Most events returned for one session.
pub const MAX_SESSION_EVENTS: usize = 50_000;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionEvents {
    pub session: String,
    pub events: Vec<StoredEvent>,
    /// True when the session has more events than were returned.
    pub truncated: bool,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/sessions/{session}/events", tag = "reports",
    params(("site" = String, Path, description = "site key or id"), ("session" = String, Path)),
    responses((status = 200, body = SessionEvents), (status = 404, body = crate::error::ErrorBody)))]
pub async fn events(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, session)): ApiPath<(String, String)>,
) -> Result<Json<SessionEvents>, ApiError> {
    check_session_id(&session)?;
    let response = tokio::task::spawn_blocking(move || -> Result<SessionEvents, ApiError> {
        let entry = access.site(&app, &site)?;
        let mut events =
            app.events
                .session_events(entry.site.id, &session, MAX_SESSION_EVENTS + 1)?;
        if events.is_empty() {
            return Err(ApiError::not_found(format!(
                "session {session:?} not found"
            )));
        }
        let truncated = events.len() > MAX_SESSION_EVENTS;
        events.truncate(MAX_SESSION_EVENTS);
        Ok(SessionEvents {
            session,
            events,
            truncated,
        })
    })
    .await??;
    Ok(Json(response))
}

const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 500;
pub const MAX_OFFSET: usize = 1_000_000;

/// Reads the sessions list's query string: range, shared filters, sort, order, paging.
pub fn parse_list_query(
    params: &HashMap<String, String>,
    now: i64,
) -> Result<SessionQuery, ApiError> {
    query::reject_unknown(params, &["sort", "order", "limit", "offset"])?;
    let (from, to) = query::parse_range(params, now)?;
    let sort = match params.get("sort").map(String::as_str) {
        None | Some("") => SessionSort::Started,
        Some(raw) => serde_json::from_value(serde_json::Value::String(raw.to_string())).map_err(|_| {
            ApiError::bad_request(
                "invalid_parameter",
                format!("`sort` = {raw:?}: expected started, duration, active_time, pages, clicks, errors, revenue or friction"),
            )
        })?,
    };
    let descending = match params.get("order").map(String::as_str) {
        None | Some("") | Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_parameter",
                format!("`order` = {other:?}: expected asc or desc"),
            ));
        }
    };
    Ok(SessionQuery {
        from,
        to,
        filters: query::parse_filters(params)?,
        sort,
        descending,
        limit: query::parse_number(params, "limit", 1..=MAX_PAGE_SIZE, Some(DEFAULT_PAGE_SIZE))?
            .unwrap_or(DEFAULT_PAGE_SIZE),
        offset: query::parse_number(params, "offset", 0..=MAX_OFFSET, Some(0))?.unwrap_or(0),
    })
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/sessions", tag = "reports",
    params(
        ("site" = String, Path, description = "site key or id"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("sort" = Option<String>, Query, description = "started (default), duration, active_time, pages, clicks, errors, revenue, friction"),
        ("order" = Option<String>, Query, description = "desc (default) or asc"),
        ("limit" = Option<u32>, Query, description = "1-500, default 50"), ("offset" = Option<u32>, Query),
        ("page" = Option<String>, Query, description = "visited page path"), ("clicked" = Option<String>, Query, description = "clicked element selector"),
        ("had_error" = Option<bool>, Query), ("converted" = Option<bool>, Query), ("has_replay" = Option<bool>, Query),
        ("min_duration_ms" = Option<i64>, Query), ("max_duration_ms" = Option<i64>, Query), ("min_active_ms" = Option<i64>, Query),
        ("min_pages" = Option<i64>, Query), ("max_pages" = Option<i64>, Query), ("min_revenue" = Option<f64>, Query),
        ("device" = Option<String>, Query), ("browser" = Option<String>, Query), ("os" = Option<String>, Query),
        ("channel" = Option<String>, Query), ("utm_source" = Option<String>, Query), ("utm_medium" = Option<String>, Query),
        ("utm_campaign" = Option<String>, Query), ("entry_page" = Option<String>, Query), ("visitor_type" = Option<String>, Query),
        ("frustration" = Option<String>, Query, description = "sessions with a detection of this kind"),
        ("frustration_page" = Option<String>, Query, description = "… on this page group"),
        ("frustration_element" = Option<String>, Query, description = "… on this element"),
    ),
    responses((status = 200, body = SessionPage), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<SessionPage>, ApiError> {
    let query = parse_list_query(&params, crate::auth::now_ms())?;
    let page = tokio::task::spawn_blocking(move || -> Result<SessionPage, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        Ok(app.events.sessions(site_id, &query)?)
    })
    .await??;
    Ok(Json(page))
}

/// A session id: a tracker `sid`, or `<sid>.<n>` for a continuation after 30 minutes idle.
fn check_session_id(session: &str) -> Result<(), ApiError> {
    let (sid, continuation) =
        match session.split_once(sightline_insight::session::CONTINUATION_SEPARATOR) {
            Some((sid, n)) => (sid, Some(n)),
            None => (session, None),
        };
    let valid_sid = !sid.is_empty() && sid.len() <= MAX_ID_LEN && sid.bytes().all(is_id_char);
    let valid_continuation = continuation.is_none_or(|n| n.parse::<u32>().is_ok_and(|n| n > 0));
    if !valid_sid || !valid_continuation {
        return Err(ApiError::bad_request(
            "invalid_id",
            "session ids are 1-64 characters of [A-Za-z0-9_-], optionally followed by .<number> (a continuation)",
        ));
    }
    Ok(())
}

/// Reads and decompresses one chunk's rrweb events (a JSON array). Blocking.
fn chunk_events(app: &App, chunk: &ReplayChunk) -> Result<Vec<u8>, ApiError> {
    replay_blob(app, &chunk.blob_key, chunk.raw_bytes)
}

/// Reads and decompresses a replay blob (a JSON array of rrweb events) of at most `raw_bytes`. Blocking.
pub(crate) fn replay_blob(app: &App, key: &str, raw_bytes: u64) -> Result<Vec<u8>, ApiError> {
    let compressed = app
        .blobs
        .get(key)?
        .ok_or_else(|| ApiError::internal(format!("replay blob {key} is missing")))?;
    let limit = usize::try_from(raw_bytes)
        .unwrap_or(usize::MAX)
        .min(MAX_CHUNK_RAW_BYTES);
    zstd::bulk::decompress(&compressed, limit)
        .map_err(|e| ApiError::internal(format!("replay blob {key}: {e}")))
}

/// Largest decompressed chunk served (the ingest limit on a chunk's rrweb JSON).
const MAX_CHUNK_RAW_BYTES: usize = sightline_model::limits::MAX_REPLAY_CHUNK_BYTES;

/// The session's replay chunk index (playback order) — players fetch chunks one by one from it.
#[utoipa::path(get, path = "/api/v1/sites/{site}/sessions/{session}/replay/chunks", tag = "replay",
    params(("site" = String, Path, description = "site key or id"), ("session" = String, Path)),
    responses((status = 200, body = Vec<ReplayChunk>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn replay_chunks(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, session)): ApiPath<(String, String)>,
) -> Result<Json<Vec<ReplayChunk>>, ApiError> {
    check_session_id(&session)?;
    let chunks = tokio::task::spawn_blocking(move || -> Result<Vec<ReplayChunk>, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        let chunks = app.events.replay_chunks(site_id, &session)?;
        if chunks.is_empty() {
            return Err(ApiError::not_found(format!(
                "session {session:?} has no replay"
            )));
        }
        Ok(chunks)
    })
    .await??;
    Ok(Json(chunks))
}

/// One chunk's rrweb events, by its position in the index.
#[utoipa::path(get, path = "/api/v1/sites/{site}/sessions/{session}/replay/chunks/{index}", tag = "replay",
    params(("site" = String, Path, description = "site key or id"), ("session" = String, Path), ("index" = usize, Path, description = "position in the chunk index")),
    responses((status = 200, description = "a JSON array of rrweb events"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn replay_chunk(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, session, index)): ApiPath<(String, String, usize)>,
) -> Result<Response, ApiError> {
    check_session_id(&session)?;
    let body = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        let chunks = app.events.replay_chunks(site_id, &session)?;
        let chunk = chunks
            .get(index)
            .ok_or_else(|| ApiError::not_found(format!("no replay chunk {index}")))?;
        chunk_events(&app, chunk)
    })
    .await??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        body,
    )
        .into_response())
}

/// Largest whole replay served by `…/replay` (its chunks' decompressed sizes summed); longer recordings are
/// played chunk by chunk from `…/replay/chunks`.
pub const MAX_WHOLE_REPLAY_BYTES: u64 = 256 * 1024 * 1024;
/// Chunks decompressed ahead of the client while streaming (bounds memory per request).
const STREAM_AHEAD_CHUNKS: usize = 2;

/// The whole replay as one plain array of rrweb events, playable by any rrweb player. Streamed chunk by
/// chunk, so memory stays at a few chunks whatever the recording's length.
#[utoipa::path(get, path = "/api/v1/sites/{site}/sessions/{session}/replay", tag = "replay",
    description = "Streamed; at most 256 MiB of rrweb JSON (longer recordings: use `/replay/chunks`).",
    params(("site" = String, Path, description = "site key or id"), ("session" = String, Path)),
    responses((status = 200, description = "a JSON array of rrweb events in time order"), (status = 404, body = crate::error::ErrorBody),
        (status = 413, description = "longer than 256 MiB: play it chunk by chunk", body = crate::error::ErrorBody)))]
pub async fn replay(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, session)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    check_session_id(&session)?;
    let reader = app.clone();
    let chunks = tokio::task::spawn_blocking(move || -> Result<Vec<ReplayChunk>, ApiError> {
        let site_id = access.site(&reader, &site)?.site.id;
        let chunks = reader.events.replay_chunks(site_id, &session)?;
        if chunks.is_empty() {
            return Err(ApiError::not_found(format!(
                "session {session:?} has no replay"
            )));
        }
        let total: u64 = chunks.iter().map(|c| c.raw_bytes).sum();
        if total > MAX_WHOLE_REPLAY_BYTES {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "replay_too_large",
                format!(
                    "this replay has {total} bytes of events, more than {MAX_WHOLE_REPLAY_BYTES} served at once; \
                     fetch it chunk by chunk from /replay/chunks"
                ),
            ));
        }
        Ok(chunks)
    })
    .await??;
    let (sender, receiver) =
        tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(STREAM_AHEAD_CHUNKS);
    // Splice the chunks' arrays into one: `[` + inner parts joined by `,` + `]`.
    tokio::task::spawn_blocking(move || {
        let mut first = true;
        let send = |part: Result<Vec<u8>, std::io::Error>| sender.blocking_send(part).is_ok();
        if !send(Ok(b"[".to_vec())) {
            return;
        }
        for chunk in &chunks {
            let events = match chunk_events(&app, chunk) {
                Ok(events) => events,
                Err(e) => {
                    // The status is already sent: cut the stream so the client sees invalid JSON, not a short replay.
                    let _ = send(Err(std::io::Error::other(e.message)));
                    return;
                }
            };
            let inner = events
                .get(1..events.len().saturating_sub(1))
                .unwrap_or_default();
            if inner.iter().any(|b| !b.is_ascii_whitespace()) {
                let mut part = Vec::with_capacity(inner.len() + 1);
                if !first {
                    part.push(b',');
                }
                part.extend_from_slice(inner);
                first = false;
                if !send(Ok(part)) {
                    return;
                }
            }
        }
        send(Ok(b"]".to_vec()));
    });
    // `poll_fn` over the channel may be polled again after its end (body layers do), unlike `unfold`.
    let mut receiver = receiver;
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionDetections {
    pub session: String,
    pub detections: Vec<sightline_store::StoredDetection>,
}

/// What the analysis pass found in one session (the replay's markers).
#[utoipa::path(get, path = "/api/v1/sites/{site}/sessions/{session}/detections", tag = "reports",
    params(("site" = String, Path, description = "site key or id"), ("session" = String, Path)),
    responses((status = 200, body = SessionDetections), (status = 404, body = crate::error::ErrorBody)))]
pub async fn detections(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, session)): ApiPath<(String, String)>,
) -> Result<Json<SessionDetections>, ApiError> {
    check_session_id(&session)?;
    let response = tokio::task::spawn_blocking(move || -> Result<SessionDetections, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        if app.events.session_row(site_id, &session)?.is_none() {
            return Err(ApiError::not_found(format!(
                "session {session:?} not found"
            )));
        }
        Ok(SessionDetections {
            detections: app.events.session_detections(site_id, &session)?,
            session,
        })
    })
    .await??;
    Ok(Json(response))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionSummaryResponse {
    pub session: String,
    pub started: i64,
    #[serde(flatten)]
    pub summary: sightline_insight::summary::Summary,
}

/// A deterministic summary of one session (no network): its detections are computed from its events now, so
/// it does not wait for the analysis pass.
#[utoipa::path(get, path = "/api/v1/sites/{site}/sessions/{session}/summary", tag = "reports",
    params(("site" = String, Path, description = "site key or id"), ("session" = String, Path)),
    responses((status = 200, body = SessionSummaryResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn summary(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, session)): ApiPath<(String, String)>,
) -> Result<Json<SessionSummaryResponse>, ApiError> {
    check_session_id(&session)?;
    let response =
        tokio::task::spawn_blocking(move || -> Result<SessionSummaryResponse, ApiError> {
            let site_id = access.site(&app, &site)?.site.id;
            let row = app
                .events
                .session_row(site_id, &session)?
                .ok_or_else(|| ApiError::not_found(format!("session {session:?} not found")))?;
            let events = app
                .events
                .analysis_events(&[sightline_store::SessionVersion {
                    site_id,
                    session: session.clone(),
                    received_at: row.received_at,
                }])?;
            let thresholds = sightline_ingest::analyzer::site_thresholds(
                &app.sites,
                site_id,
                &app.config.detection,
            )?;
            let detections = sightline_insight::detect::detect(&events, &thresholds);
            Ok(SessionSummaryResponse {
                started: row.started,
                summary: sightline_insight::summary::summarize(&row, &events, &detections),
                session,
            })
        })
        .await??;
    Ok(Json(response))
}

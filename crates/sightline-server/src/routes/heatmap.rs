//! `GET /api/v1/sites/{site}/heatmap` and `/zones`: how visitors behaved on one page — clicks per element and
//! position in it, pointer density, scroll reach and attention, and per element ("zone") its exposure, clicks,
//! hovers, hesitation, frustration and the conversion and revenue of the sessions that used it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Query, State};
use serde::Serialize;
use serde_json::Value;
use sightline_store::{Heatmap, HeatmapKind, PageQuery, PageSnapshotRef, ZoneSession, ZoneStats};

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::routes::{query, sessions::replay_blob, site_report};

/// The page (required) and range; the other filters select sessions as everywhere. `page` here names the page
/// the heatmap is of (a path or a page group), not the "sessions that viewed it" filter.
fn parse(params: &HashMap<String, String>, own: &[&str], now: i64) -> Result<PageQuery, ApiError> {
    query::reject_unknown(params, own)?;
    let (from, to) = query::parse_range(params, now)?;
    let page = query::text_param(params, "page")?.ok_or_else(|| {
        ApiError::bad_request(
            "missing_parameter",
            "`page` is required: a path (/product/42) or a page group (/product/*)",
        )
    })?;
    let mut filters = query::parse_filters(params)?;
    filters.page = None;
    Ok(PageQuery {
        from,
        to,
        filters,
        page,
    })
}

fn parse_kind(params: &HashMap<String, String>) -> Result<HeatmapKind, ApiError> {
    match params.get("kind").map(String::as_str) {
        None | Some("") | Some("click") => Ok(HeatmapKind::Click),
        Some("move") => Ok(HeatmapKind::Move),
        Some("scroll") => Ok(HeatmapKind::Scroll),
        Some("attention") => Ok(HeatmapKind::Attention),
        Some(other) => Err(ApiError::bad_request(
            "invalid_parameter",
            format!("`kind` = {other:?}: expected click, move, scroll or attention"),
        )),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HeatmapResponse {
    pub from: i64,
    pub to: i64,
    pub page: String,
    pub kind: HeatmapKind,
    #[serde(flatten)]
    pub heatmap: Heatmap,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/heatmap", tag = "reports",
    params(("site" = String, Path, description = "site key or id"),
        ("page" = String, Query, description = "path or page group of the page"),
        ("kind" = Option<HeatmapKind>, Query, description = "click (default): clicks and taps per element and position in it (rx, ry: 0..1 inside the element's box, cells of 1 %); move: pointer density in 20 px cells of the page and hovers per element; scroll: share of pageviews reaching each depth (0, 5, … 100 % of the document) and the fold per device class; attention: mean ms per pageview each 5 % band of the page was in view"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("device" = Option<String>, Query), ("browser" = Option<String>, Query), ("channel" = Option<String>, Query)),
    responses((status = 200, body = HeatmapResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn heatmap(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<HeatmapResponse>, ApiError> {
    let q = parse(&params, &["kind"], crate::auth::now_ms())?;
    let kind = parse_kind(&params)?;
    let (q, heatmap) = site_report(app, access, site, q, move |app, site, q| {
        app.events.heatmap(site, q, kind)
    })
    .await?;
    Ok(Json(HeatmapResponse {
        from: q.from,
        to: q.to,
        page: q.page,
        kind,
        heatmap,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ZonesResponse {
    pub from: i64,
    pub to: i64,
    pub page: String,
    /// One row per element seen on the page (in a `layout` box, a click or a hover), most clicked first, at
    /// most 500.
    pub zones: Vec<ZoneStats>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/zones", tag = "reports",
    params(("site" = String, Path, description = "site key or id"),
        ("page" = String, Query, description = "path or page group of the page"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("device" = Option<String>, Query), ("browser" = Option<String>, Query), ("channel" = Option<String>, Query)),
    responses((status = 200, body = ZonesResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn zones(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<ZonesResponse>, ApiError> {
    let q = parse(&params, &[], crate::auth::now_ms())?;
    let (q, zones) = site_report(app, access, site, q, |app, site, q| {
        app.events.zones(site, q)
    })
    .await?;
    Ok(Json(ZonesResponse {
        from: q.from,
        to: q.to,
        page: q.page,
        zones,
    }))
}

/// rrweb event types: the Meta event (viewport size) that precedes every FullSnapshot.
const RRWEB_META: i64 = 4;
const RRWEB_FULL_SNAPSHOT: i64 = 2;

#[derive(Serialize, utoipa::ToSchema)]
pub struct PageSnapshot {
    pub session: String,
    pub pageview: String,
    /// The pageview's start (ms since the epoch).
    pub taken_at: i64,
    /// Device class of the pageview (the one asked for, unless it had no snapshot: then the newest of any).
    pub device: String,
    /// Recorded viewport size (px), from the Meta event.
    pub width: u32,
    pub height: u32,
    /// A sampled heatmap snapshot (true) or the first moment of a recording (false).
    pub sampled: bool,
    /// rrweb events: one Meta, one FullSnapshot (masked in the browser, as in replays).
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SnapshotResponse {
    pub page: String,
    /// `null` when no pageview of the page in the range has a snapshot.
    pub snapshot: Option<PageSnapshot>,
}

/// The Meta and FullSnapshot events at the start of a snapshot or recording blob.
fn snapshot_events(raw: &[u8]) -> Option<(u32, u32, Vec<Value>)> {
    let events: Vec<Value> = serde_json::from_slice(raw).ok()?;
    let kind = |e: &Value| e.get("type").and_then(Value::as_i64);
    let meta_at = events.iter().position(|e| kind(e) == Some(RRWEB_META))?;
    let full_at = meta_at
        + events[meta_at..]
            .iter()
            .position(|e| kind(e) == Some(RRWEB_FULL_SNAPSHOT))?;
    let size = |k: &str| {
        events[meta_at]
            .pointer(&format!("/data/{k}"))
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
    };
    let (width, height) = (size("width")?, size("height")?);
    let mut events = events;
    let full = events.swap_remove(full_at);
    let meta = events.swap_remove(meta_at);
    Some((width, height, vec![meta, full]))
}

/// The page as a recent visitor saw it, to draw heatmaps on: the newest snapshot of the page on the device class
/// asked for, else on any device class.
#[utoipa::path(get, path = "/api/v1/sites/{site}/heatmap/snapshot", tag = "reports",
    params(("site" = String, Path, description = "site key or id"),
        ("page" = String, Query, description = "path or page group of the page"),
        ("device" = Option<String>, Query, description = "device class wanted (desktop, tablet, mobile); falls back to any"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("browser" = Option<String>, Query), ("channel" = Option<String>, Query)),
    responses((status = 200, body = SnapshotResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn snapshot(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<SnapshotResponse>, ApiError> {
    let q = parse(&params, &[], crate::auth::now_ms())?;
    let (q, snapshot) = site_report(app, access, site, q, |app, site, q| {
        let mut found = app.events.page_snapshot(site, q)?;
        if found.is_none() && q.filters.device.is_some() {
            let mut any_device = q.clone();
            any_device.filters.device = None;
            found = app.events.page_snapshot(site, &any_device)?;
        }
        match found {
            Some(found) => page_snapshot(app, found),
            None => Ok(None),
        }
    })
    .await?;
    Ok(Json(SnapshotResponse {
        page: q.page,
        snapshot,
    }))
}

/// The snapshot's Meta and FullSnapshot events; none (and a warning) when its blob holds no full snapshot.
fn page_snapshot(app: &App, found: PageSnapshotRef) -> Result<Option<PageSnapshot>, ApiError> {
    let raw = replay_blob(app, &found.blob_key, found.raw_bytes)?;
    let Some((width, height, events)) = snapshot_events(&raw) else {
        tracing::warn!(blob = %found.blob_key, "page snapshot without a full snapshot; not shown");
        return Ok(None);
    };
    Ok(Some(PageSnapshot {
        session: found.session,
        pageview: found.pageview,
        taken_at: found.taken_at,
        device: found.device,
        width,
        height,
        sampled: found.sampled,
        events,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ZoneSessionsResponse {
    pub page: String,
    pub selector: String,
    /// Newest first click first, at most 50.
    pub sessions: Vec<ZoneSession>,
}

/// The sessions that clicked one element of the page, each with the moment of its first click there (to open
/// the replay at it).
#[utoipa::path(get, path = "/api/v1/sites/{site}/heatmap/sessions", tag = "reports",
    params(("site" = String, Path, description = "site key or id"),
        ("page" = String, Query, description = "path or page group of the page"),
        ("selector" = String, Query, description = "the element, as in click points and zones"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("device" = Option<String>, Query), ("browser" = Option<String>, Query), ("channel" = Option<String>, Query)),
    responses((status = 200, body = ZoneSessionsResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn sessions(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<ZoneSessionsResponse>, ApiError> {
    let q = parse(&params, &["selector"], crate::auth::now_ms())?;
    let selector = query::text_param(&params, "selector")?.ok_or_else(|| {
        ApiError::bad_request(
            "missing_parameter",
            "`selector` is required: the element, as a click point or zone names it",
        )
    })?;
    let (q, (selector, sessions)) = site_report(app, access, site, q, move |app, site, q| {
        let sessions = app.events.zone_sessions(site, q, &selector);
        sessions.map(|sessions| (selector, sessions))
    })
    .await?;
    Ok(Json(ZoneSessionsResponse {
        page: q.page,
        selector,
        sessions,
    }))
}

//! `GET /api/v1/sites/{site}/heatmap` and `/zones`: how visitors behaved on one page — clicks per element and
//! position in it, pointer density, scroll reach and attention, and per element ("zone") its exposure, clicks,
//! hovers, hesitation, frustration and the conversion and revenue of the sessions that used it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Query, State};
use serde::Serialize;
use sightline_store::{Heatmap, HeatmapKind, PageQuery, ZoneStats};

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::routes::query;

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
    tokio::task::spawn_blocking(move || -> Result<Json<HeatmapResponse>, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        let heatmap = app.events.heatmap(site_id, &q, kind)?;
        Ok(Json(HeatmapResponse {
            from: q.from,
            to: q.to,
            page: q.page,
            kind,
            heatmap,
        }))
    })
    .await?
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
    tokio::task::spawn_blocking(move || -> Result<Json<ZonesResponse>, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        let zones = app.events.zones(site_id, &q)?;
        Ok(Json(ZonesResponse {
            from: q.from,
            to: q.to,
            page: q.page,
            zones,
        }))
    })
    .await?
}

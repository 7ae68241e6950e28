//! `GET /api/v1/sites/{site}/overview?from&to&<filters>`: computed by the event store.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Query, State};
use serde::Serialize;
use sightline_store::{Overview, OverviewQuery, SeriesPoint};

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::routes::query;

#[derive(Serialize, utoipa::ToSchema)]
pub struct OverviewResponse {
    pub site_id: i64,
    pub from: i64,
    pub to: i64,
    #[serde(flatten)]
    pub overview: Overview,
    /// Per-day visitors, sessions and pageviews (UTC days).
    pub series: Vec<SeriesPoint>,
}

const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

/// Reads the overview's query string.
pub fn parse_query(params: &HashMap<String, String>, now: i64) -> Result<OverviewQuery, ApiError> {
    query::reject_unknown(params, &["limit"])?;
    let (from, to) = query::parse_range(params, now)?;
    let limit = query::parse_number(params, "limit", 1..=MAX_LIMIT, Some(DEFAULT_LIMIT))?
        .unwrap_or(DEFAULT_LIMIT);
    Ok(OverviewQuery {
        from,
        to,
        limit,
        filters: query::parse_filters(params)?,
    })
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/overview", tag = "reports",
    params(
        ("site" = String, Path, description = "site key or id"),
        ("from" = Option<String>, Query, description = "YYYY-MM-DD (UTC) or ms since the epoch; default: 30 days before `to`"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD (inclusive) or ms (exclusive); default: now"),
        ("limit" = Option<u32>, Query, description = "rows per breakdown, 1-100"),
        ("device" = Option<String>, Query), ("browser" = Option<String>, Query), ("os" = Option<String>, Query),
        ("channel" = Option<String>, Query), ("utm_source" = Option<String>, Query), ("utm_medium" = Option<String>, Query),
        ("utm_campaign" = Option<String>, Query), ("page" = Option<String>, Query, description = "sessions that viewed this path"),
        ("entry_page" = Option<String>, Query), ("visitor_type" = Option<String>, Query, description = "new or returning"),
    ),
    responses((status = 200, body = OverviewResponse), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn overview(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<OverviewResponse>, ApiError> {
    let query = parse_query(&params, crate::auth::now_ms())?;
    let response = tokio::task::spawn_blocking(move || -> Result<OverviewResponse, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        Ok(OverviewResponse {
            site_id,
            from: query.from,
            to: query.to,
            overview: app.events.overview(site_id, &query)?,
            series: app.events.overview_series(site_id, &query)?,
        })
    })
    .await??;
    Ok(Json(response))
}

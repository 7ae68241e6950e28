//! Experience monitoring: JS errors grouped by fingerprint, failed requests grouped by method and URL pattern, and
//! web vitals per page group and device class (`/errors`, `/requests`, `/vitals`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Query, State};
use serde::Serialize;
use sightline_store::{IssueGroup, OverviewQuery, VitalStats};

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::routes::query;

fn parse(params: &HashMap<String, String>, now: i64) -> Result<OverviewQuery, ApiError> {
    query::reject_unknown(params, &[])?;
    let (from, to) = query::parse_range(params, now)?;
    Ok(OverviewQuery {
        from,
        to,
        filters: query::parse_filters(params)?,
        limit: sightline_store::MAX_ISSUE_GROUPS,
    })
}

/// Answers `f` for the site with the parsed range and filters.
async fn report<T: Send + 'static>(
    app: Arc<App>,
    access: Access,
    site: String,
    params: HashMap<String, String>,
    f: fn(&App, i64, &OverviewQuery) -> sightline_store::Result<T>,
) -> Result<(OverviewQuery, T), ApiError> {
    let query = parse(&params, crate::auth::now_ms())?;
    crate::routes::site_report(app, access, site, query, f).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorsResponse {
    pub from: i64,
    pub to: i64,
    pub errors: Vec<IssueGroup>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/errors", tag = "reports",
    params(("site" = String, Path, description = "site key or id"), ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("device" = Option<String>, Query), ("browser" = Option<String>, Query), ("page" = Option<String>, Query)),
    responses((status = 200, body = ErrorsResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn errors(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<ErrorsResponse>, ApiError> {
    let (q, errors) = report(app, access, site, params, |app, site, q| {
        app.events.error_groups(site, q)
    })
    .await?;
    Ok(Json(ErrorsResponse {
        from: q.from,
        to: q.to,
        errors,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RequestsResponse {
    pub from: i64,
    pub to: i64,
    pub failed_requests: Vec<IssueGroup>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/requests", tag = "reports",
    params(("site" = String, Path, description = "site key or id"), ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("device" = Option<String>, Query), ("browser" = Option<String>, Query), ("page" = Option<String>, Query)),
    responses((status = 200, body = RequestsResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn requests(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<RequestsResponse>, ApiError> {
    let (q, failed_requests) = report(app, access, site, params, |app, site, q| {
        app.events.failed_requests(site, q)
    })
    .await?;
    Ok(Json(RequestsResponse {
        from: q.from,
        to: q.to,
        failed_requests,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VitalsResponse {
    pub from: i64,
    pub to: i64,
    pub vitals: Vec<VitalStats>,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/vitals", tag = "reports",
    params(("site" = String, Path, description = "site key or id"), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = VitalsResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn vitals(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<VitalsResponse>, ApiError> {
    let (q, vitals) = report(app, access, site, params, |app, site, q| {
        app.events.vitals(site, q)
    })
    .await?;
    Ok(Json(VitalsResponse {
        from: q.from,
        to: q.to,
        vitals,
    }))
}

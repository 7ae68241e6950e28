//! Saved segments and funnels of a site: named definitions its users share. Reading needs access to the site;
//! saving and deleting need the analyst role. A definition is checked before it is saved, so a saved one
//! always runs.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sightline_store::{Role, SavedView};

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::routes::journeys::FunnelRequest;
use crate::routes::query;

const MAX_NAME_LEN: usize = 120;
const SEGMENT: &str = "segment";
const FUNNEL: &str = "funnel";

fn check_name(name: &str) -> Result<(), ApiError> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("names are 1-{MAX_NAME_LEN} bytes"),
        ));
    }
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavedSegment {
    pub id: i64,
    pub name: String,
    pub expression: String,
    pub created_at: i64,
}

impl From<SavedView> for SavedSegment {
    fn from(v: SavedView) -> Self {
        SavedSegment {
            id: v.id,
            name: v.name,
            expression: v.body,
            created_at: v.created_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SegmentList {
    pub segments: Vec<SavedSegment>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSegment {
    pub name: String,
    pub expression: String,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/segments", tag = "reports",
    params(("site" = String, Path, description = "site key or id")),
    responses((status = 200, body = SegmentList), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_segments(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
) -> Result<Json<SegmentList>, ApiError> {
    let segments = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        Ok(app.meta.saved_views(site_id, SEGMENT)?)
    })
    .await??;
    Ok(Json(SegmentList {
        segments: segments.into_iter().map(SavedSegment::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/sites/{site}/segments", tag = "reports", request_body = NewSegment,
    params(("site" = String, Path, description = "site key or id")),
    responses((status = 201, body = SavedSegment), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_segment(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    ApiJson(body): ApiJson<NewSegment>,
) -> Result<(StatusCode, Json<SavedSegment>), ApiError> {
    access.require(Role::Analyst)?;
    check_name(&body.name)?;
    if query::parse_segment(&body.expression)?.is_none() {
        return Err(ApiError::bad_request(
            "invalid_segment",
            "the expression is empty",
        ));
    }
    let saved = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        Ok(app
            .meta
            .create_saved_view(site_id, SEGMENT, &body.name, body.expression.trim())?)
    })
    .await??;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site}/segments/{id}", tag = "reports",
    params(("site" = String, Path, description = "site key or id"), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_segment(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    delete(app, access, site, SEGMENT, id).await
}

async fn delete(
    app: Arc<App>,
    access: Access,
    site: String,
    kind: &'static str,
    id: i64,
) -> Result<StatusCode, ApiError> {
    access.require(Role::Analyst)?;
    tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        Ok(app.meta.delete_saved_view(site_id, kind, id)?)
    })
    .await??;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavedFunnel {
    pub id: i64,
    pub name: String,
    pub definition: FunnelRequest,
    pub created_at: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FunnelList {
    pub funnels: Vec<SavedFunnel>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFunnel {
    pub name: String,
    pub definition: FunnelRequest,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/funnels", tag = "reports",
    params(("site" = String, Path, description = "site key or id")),
    responses((status = 200, body = FunnelList), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_funnels(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
) -> Result<Json<FunnelList>, ApiError> {
    let views = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        Ok(app.meta.saved_views(site_id, FUNNEL)?)
    })
    .await??;
    // Definitions were checked when saved; one that no longer parses (a field since renamed) is left out.
    let funnels = views
        .into_iter()
        .filter_map(|v| {
            Some(SavedFunnel {
                definition: serde_json::from_str(&v.body).ok()?,
                id: v.id,
                name: v.name,
                created_at: v.created_at,
            })
        })
        .collect();
    Ok(Json(FunnelList { funnels }))
}

#[utoipa::path(post, path = "/api/v1/sites/{site}/funnels", tag = "reports", request_body = NewFunnel,
    params(("site" = String, Path, description = "site key or id")),
    responses((status = 201, body = SavedFunnel), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_funnel(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    ApiJson(body): ApiJson<NewFunnel>,
) -> Result<(StatusCode, Json<SavedFunnel>), ApiError> {
    access.require(Role::Analyst)?;
    check_name(&body.name)?;
    crate::routes::journeys::check_funnel(&body.definition)?;
    let text = serde_json::to_string(&body.definition)
        .map_err(|e| ApiError::bad_request("invalid_funnel", e.to_string()))?;
    let saved = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        Ok(app
            .meta
            .create_saved_view(site_id, FUNNEL, &body.name, &text)?)
    })
    .await??;
    Ok((
        StatusCode::CREATED,
        Json(SavedFunnel {
            id: saved.id,
            name: saved.name,
            definition: body.definition,
            created_at: saved.created_at,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/sites/{site}/funnels/{id}", tag = "reports",
    params(("site" = String, Path, description = "site key or id"), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_funnel(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    delete(app, access, site, FUNNEL, id).await
}

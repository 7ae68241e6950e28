//! Settings: sites and their privacy options, members, users and API tokens.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use sightline_ingest::enrich::PageGroups;
use sightline_store::{Member, NewSite, NewToken, Role, Site, SiteUpdate, TokenInfo, User};
use utoipa::ToSchema;

use crate::App;
use crate::auth::{self, Access};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::extract::ApiPath;

/// Bounds on site settings.
const MAX_LIST_ENTRIES: usize = 50;
const MAX_ENTRY_LEN: usize = 200;
const MAX_RETENTION_DAYS: u32 = 3_650;
const MAX_TOKEN_NAME_LEN: usize = 100;
const MAX_REPLAY_QUOTA_MB: u32 = 10_000_000;
/// How long a visitor deletion waits for the batch writer to store what is still in the spool.
const VISITOR_DELETE_DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A site as the API shows it: its settings plus the ready-to-paste tracker snippet.
#[derive(Serialize, ToSchema)]
pub struct SiteView {
    #[serde(flatten)]
    pub site: Site,
    pub snippet: String,
    /// Disk used by the site's replays (compare with `replay_quota_mb`).
    pub replay_bytes: u64,
}

#[derive(Serialize, ToSchema)]
pub struct VisitorDeleted {
    pub events: u64,
    pub replay_chunks: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct NewSiteRequest {
    pub name: String,
    #[serde(default)]
    pub domains: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct AddMemberRequest {
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub email: String,
    pub password: String,
    pub role: Role,
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    pub name: String,
    /// Restrict the token to this site (key or id); `null` = every site the caller can see.
    #[serde(default)]
    pub site: Option<String>,
    pub role: Role,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret, shown once: only its hash is stored.
    pub token: String,
    pub info: TokenInfo,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await?
}

/// Public base URL for snippets: the configured one, else what the browser used to reach us.
fn public_base(app: &App, headers: &HeaderMap) -> String {
    if !app.config.public_url.is_empty() {
        return app.config.public_url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(&app.config.listen);
    format!("http://{host}")
}

/// The API view of a site. Blocking (reads the replay usage).
fn view(app: &App, base: &str, site: Site) -> Result<SiteView, ApiError> {
    Ok(SiteView {
        snippet: crate::snippet::snippet(base, &site),
        replay_bytes: app.events.replay_bytes(site.id)?,
        site,
    })
}

fn check_list(field: &str, list: &[String], valid: impl Fn(&str) -> bool) -> Result<(), ApiError> {
    if list.len() > MAX_LIST_ENTRIES {
        return Err(ApiError::bad_request(
            "invalid_settings",
            format!("`{field}` has more than {MAX_LIST_ENTRIES} entries"),
        ));
    }
    if let Some(bad) = list
        .iter()
        .find(|v| v.is_empty() || v.len() > MAX_ENTRY_LEN || !valid(v))
    {
        return Err(ApiError::bad_request(
            "invalid_settings",
            format!("`{field}` entry {bad:?} is not valid"),
        ));
    }
    Ok(())
}

fn is_host(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !value.starts_with('.')
}

fn is_origin(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.path() == "/"
    })
}

fn normalize(list: Vec<String>) -> Vec<String> {
    list.into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

fn validate_update(mut update: SiteUpdate) -> Result<SiteUpdate, ApiError> {
    update.domains = normalize(update.domains)
        .into_iter()
        .map(|d| d.to_ascii_lowercase())
        .collect();
    update.allowed_origins = normalize(update.allowed_origins);
    update.page_groups = normalize(update.page_groups);
    update.mask_selectors = normalize(update.mask_selectors);
    check_list("domains", &update.domains, is_host)?;
    check_list("allowed_origins", &update.allowed_origins, is_origin)?;
    check_list("mask_selectors", &update.mask_selectors, |s| {
        !s.contains(['{', '}', '<'])
    })?;
    PageGroups::new(&update.page_groups)
        .map_err(|e| ApiError::bad_request("invalid_settings", e.to_string()))?;
    update.block_selectors = normalize(update.block_selectors);
    check_list("block_selectors", &update.block_selectors, |s| {
        !s.contains(['{', '}', '<'])
    })?;
    if !(0.0..=1.0).contains(&update.replay_sample_rate) {
        return Err(ApiError::bad_request(
            "invalid_settings",
            "`replay_sample_rate` must be 0..=1",
        ));
    }
    if !(1..=MAX_REPLAY_QUOTA_MB).contains(&update.replay_quota_mb) {
        return Err(ApiError::bad_request(
            "invalid_settings",
            format!("`replay_quota_mb` must be 1..={MAX_REPLAY_QUOTA_MB}"),
        ));
    }
    if !(1..=MAX_RETENTION_DAYS).contains(&update.retention_days) {
        return Err(ApiError::bad_request(
            "invalid_settings",
            format!("`retention_days` must be 1..={MAX_RETENTION_DAYS}"),
        ));
    }
    Ok(update)
}

#[utoipa::path(get, path = "/api/v1/sites", tag = "settings", responses((status = 200, body = Vec<SiteView>)))]
pub async fn list_sites(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
) -> Result<Json<Vec<SiteView>>, ApiError> {
    let base = public_base(&app, &headers);
    let views = blocking(move || {
        let sites = app.meta.list_sites()?;
        sites
            .into_iter()
            .filter(|s| access.can_see(s.id))
            .map(|s| view(&app, &base, s))
            .collect()
    })
    .await?;
    Ok(Json(views))
}

#[utoipa::path(post, path = "/api/v1/sites", tag = "settings", request_body = NewSiteRequest, responses((status = 201, body = SiteView)))]
pub async fn create_site(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewSiteRequest>,
) -> Result<(StatusCode, Json<SiteView>), ApiError> {
    access.require(Role::Admin)?;
    let domains: Vec<String> = normalize(body.domains)
        .into_iter()
        .map(|d| d.to_ascii_lowercase())
        .collect();
    check_list("domains", &domains, is_host)?;
    let base = public_base(&app, &headers);
    let created = blocking(move || {
        let site = app.meta.create_site(&NewSite {
            name: body.name,
            domains,
        })?;
        app.sites.invalidate();
        view(&app, &base, site)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/sites/{site}", tag = "settings", params(("site" = String, Path, description = "site key or id")),
    responses((status = 200, body = SiteView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_site(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    ApiPath(site): ApiPath<String>,
) -> Result<Json<SiteView>, ApiError> {
    let base = public_base(&app, &headers);
    let found = blocking(move || {
        let entry = access.site(&app, &site)?;
        view(&app, &base, entry.site.clone())
    })
    .await?;
    Ok(Json(found))
}

#[utoipa::path(put, path = "/api/v1/sites/{site}", tag = "settings", params(("site" = String, Path, description = "site key or id")),
    request_body = SiteUpdate, responses((status = 200, body = SiteView)))]
pub async fn update_site(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    ApiPath(site): ApiPath<String>,
    ApiJson(body): ApiJson<SiteUpdate>,
) -> Result<Json<SiteView>, ApiError> {
    access.require(Role::Analyst)?;
    let update = validate_update(body)?;
    let base = public_base(&app, &headers);
    let updated = blocking(move || {
        let entry = access.site(&app, &site)?;
        let updated = app.meta.update_site(entry.site.id, &update)?;
        app.sites.invalidate();
        view(&app, &base, updated)
    })
    .await?;
    Ok(Json(updated))
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/members", tag = "settings", params(("site" = String, Path, description = "site key or id")),
    responses((status = 200, body = Vec<Member>)))]
pub async fn list_members(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
) -> Result<Json<Vec<Member>>, ApiError> {
    access.require(Role::Admin)?;
    blocking(move || {
        let entry = access.site(&app, &site)?;
        Ok(Json(app.meta.members(entry.site.id)?))
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/sites/{site}/members", tag = "settings", params(("site" = String, Path, description = "site key or id")),
    request_body = AddMemberRequest, responses((status = 201, body = Vec<Member>)))]
pub async fn add_member(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    ApiJson(body): ApiJson<AddMemberRequest>,
) -> Result<(StatusCode, Json<Vec<Member>>), ApiError> {
    access.require(Role::Admin)?;
    blocking(move || {
        let entry = access.site(&app, &site)?;
        let (user, _) = app.meta.user_by_email(&body.email)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "no user with email {:?}; add the user first",
                body.email
            ))
        })?;
        app.meta.add_member(entry.site.id, user.id)?;
        Ok((StatusCode::CREATED, Json(app.meta.members(entry.site.id)?)))
    })
    .await
}

#[utoipa::path(delete, path = "/api/v1/sites/{site}/members/{user_id}", tag = "settings",
    params(("site" = String, Path, description = "site key or id"), ("user_id" = i64, Path)), responses((status = 204)))]
pub async fn remove_member(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, user_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    access.require(Role::Admin)?;
    blocking(move || {
        let entry = access.site(&app, &site)?;
        app.meta.remove_member(entry.site.id, user_id)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/users", tag = "settings", responses((status = 200, body = Vec<User>)))]
pub async fn list_users(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
) -> Result<Json<Vec<User>>, ApiError> {
    access.require(Role::Admin)?;
    blocking(move || Ok(Json(app.meta.list_users()?))).await
}

#[utoipa::path(post, path = "/api/v1/users", tag = "settings", request_body = NewUserRequest, responses((status = 201, body = User), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_user(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiJson(body): ApiJson<NewUserRequest>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    access.require(Role::Admin)?;
    auth::validate_credentials(&body.email, &body.password)?;
    blocking(move || {
        let hash = auth::hash_password(&body.password)?;
        Ok((
            StatusCode::CREATED,
            Json(app.meta.create_user(&body.email, &hash, body.role)?),
        ))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "settings", responses((status = 200, body = Vec<TokenInfo>)))]
pub async fn list_tokens(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    let owner = if access.role == Role::Admin {
        None
    } else {
        Some(access.user.as_ref().map_or(-1, |u| u.id))
    };
    blocking(move || Ok(Json(app.meta.list_tokens(owner)?))).await
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "settings", request_body = NewTokenRequest, responses((status = 201, body = CreatedToken)))]
pub async fn create_token(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let name = body.name.trim().to_string();
    if name.is_empty() || name.len() > MAX_TOKEN_NAME_LEN {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("token names are 1-{MAX_TOKEN_NAME_LEN} characters"),
        ));
    }
    access.require(body.role)?;
    let user = access.user.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "tokens are created by users",
        )
    })?;
    blocking(move || {
        let site_id = body
            .site
            .as_deref()
            .map(|site| access.site(&app, site).map(|e| e.site.id))
            .transpose()?;
        let secret = format!("{}{}", auth::TOKEN_PREFIX, auth::new_secret());
        let info = app.meta.create_token(&NewToken {
            name,
            token_hash: auth::sha256_hex(&secret),
            user_id: Some(user.id),
            site_id,
            role: body.role,
        })?;
        Ok((
            StatusCode::CREATED,
            Json(CreatedToken {
                token: secret,
                info,
            }),
        ))
    })
    .await
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "settings", params(("id" = i64, Path)), responses((status = 204)))]
pub async fn delete_token(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    blocking(move || {
        let owner = if access.role == Role::Admin {
            None
        } else {
            Some(access.user.as_ref().map_or(-1, |u| u.id))
        };
        if !app.meta.list_tokens(owner)?.iter().any(|t| t.id == id) {
            return Err(ApiError::not_found(format!("token {id} not found")));
        }
        app.meta.delete_token(id)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// Deletes everything stored about one visitor of a site: events, replay chunks and their blobs.
#[utoipa::path(delete, path = "/api/v1/sites/{site}/visitors/{visitor}", tag = "settings",
    params(("site" = String, Path, description = "site key or id"), ("visitor" = String, Path)),
    responses((status = 200, body = VisitorDeleted),
        (status = 503, description = "the batch writer has not stored the spooled batches yet; retry after Retry-After", body = crate::error::ErrorBody)))]
pub async fn delete_visitor(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath((site, visitor)): ApiPath<(String, String)>,
) -> Result<Json<VisitorDeleted>, ApiError> {
    access.require(Role::Admin)?;
    if visitor.is_empty() || visitor.len() > sightline_model::limits::MAX_ID_LEN {
        return Err(ApiError::bad_request(
            "invalid_id",
            "visitor ids are 1-64 characters",
        ));
    }
    blocking(move || {
        let entry = access.site(&app, &site)?;
        // The visitor's latest batches may still be in the spool: store them first, so the deletion below
        // reaches them and their segments leave the disk.
        app.drain_spool(VISITOR_DELETE_DRAIN_TIMEOUT).map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "spool_unavailable",
                e.to_string(),
            )
            .retry_after(sightline_ingest::pipeline::SPOOL_RETRY_AFTER_SECS)
        })?;
        let deleted = app.events.delete_visitor(entry.site.id, &visitor)?;
        crate::retention::delete_blobs(app.blobs.as_ref(), &deleted)?;
        Ok(Json(VisitorDeleted {
            events: deleted.events,
            replay_chunks: deleted.replay_chunks,
        }))
    })
    .await
}

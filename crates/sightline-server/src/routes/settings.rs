//! Settings: sites and their privacy options, members, users and API tokens.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use sightline_ingest::enrich::PageGroups;
use sightline_store::{
    Member, NewSite, NewToken, Role, Site, SiteUpdate, StoreError, TokenInfo, User,
};
use utoipa::ToSchema;

use crate::App;
use crate::auth::{self, Access, SiteScope};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::extract::ApiPath;
use crate::policy::{self, Reach};

/// Bounds on site settings.
const MAX_LIST_ENTRIES: usize = 50;
const MAX_ENTRY_LEN: usize = 200;
const MAX_RETENTION_DAYS: u32 = 3_650;
const MAX_TOKEN_NAME_LEN: usize = 100;
const MAX_REPLAY_QUOTA_MB: u32 = 10_000_000;
/// Most sites a new user can be made a member of in one request.
const MAX_NEW_USER_SITES: usize = 100;
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
    /// Sites (keys or ids) the new user becomes a member of. Absent: none for callers who see every site,
    /// otherwise the caller's own sites (so the new user is visible to its creator).
    #[serde(default)]
    pub sites: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
pub struct UserRoleUpdate {
    pub role: Role,
}

/// What lowering a site's retention to `retention_days` would delete now.
#[derive(Serialize, ToSchema)]
pub struct RetentionPreview {
    pub retention_days: u32,
    /// Data older than this (ms since the epoch) would be deleted.
    pub cutoff_ms: i64,
    pub events: u64,
    pub replay_chunks: u64,
    /// Stored bytes of those replay chunks.
    pub replay_bytes: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    pub name: String,
    /// Restrict the token to this site (key or id); `null` = every site the caller can see. Callers limited to
    /// one site (e.g. a site's token) get that site; callers limited to several must name one.
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
    if let Err(e) =
        sightline_insight::detect::Thresholds::default().with_overrides(&update.detection)
    {
        return Err(ApiError::bad_request(
            "invalid_settings",
            format!("`detection`: {e} (see docs/frustration.md for the thresholds)"),
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

/// What a retention of `retention_days` would delete from a site now. Blocking.
fn retention_preview_of(
    app: &App,
    site_id: i64,
    retention_days: u32,
) -> Result<RetentionPreview, ApiError> {
    let cutoff_ms = crate::retention::cutoff_ms(auth::now_ms(), retention_days);
    let count = app.events.count_before(site_id, cutoff_ms)?;
    Ok(RetentionPreview {
        retention_days,
        cutoff_ms,
        events: count.events,
        replay_chunks: count.replay_chunks,
        replay_bytes: count.replay_bytes,
    })
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
    // A new site is outside every scope but "all sites": only an admin of every site can make one.
    policy::authorize(&access, &Reach::everything(), "creating a site")?;
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

/// Changes a site's settings (analyst). Lowering `retention_days` so that stored data would be deleted needs
/// the admin role (see `GET /api/v1/sites/{site}/retention-preview`).
#[utoipa::path(put, path = "/api/v1/sites/{site}", tag = "settings", params(("site" = String, Path, description = "site key or id")),
    request_body = SiteUpdate, responses((status = 200, body = SiteView), (status = 403, body = crate::error::ErrorBody)))]
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
        if update.retention_days < entry.site.retention_days && access.role < Role::Admin {
            let preview = retention_preview_of(&app, entry.site.id, update.retention_days)?;
            if preview.events + preview.replay_chunks > 0 {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "retention_needs_admin",
                    format!(
                        "lowering retention to {} days deletes {} events and {} replay chunks; that needs the admin role",
                        update.retention_days, preview.events, preview.replay_chunks
                    ),
                ));
            }
        }
        let updated = app.meta.update_site(entry.site.id, &update)?;
        app.sites.invalidate();
        view(&app, &base, updated)
    })
    .await?;
    Ok(Json(updated))
}

/// How much stored data a retention of `retention_days` would delete from the site now (analyst).
#[utoipa::path(get, path = "/api/v1/sites/{site}/retention-preview", tag = "settings",
    params(("site" = String, Path, description = "site key or id"),
        ("retention_days" = u32, Query, description = "the retention to preview, in days")),
    responses((status = 200, body = RetentionPreview), (status = 400, body = crate::error::ErrorBody)))]
pub async fn retention_preview(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(site): ApiPath<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<RetentionPreview>, ApiError> {
    access.require(Role::Analyst)?;
    if params.keys().any(|k| k != "retention_days") {
        return Err(ApiError::bad_request(
            "unknown_parameter",
            "the only query parameter is `retention_days`",
        ));
    }
    let retention_days = crate::routes::query::parse_number(
        &params,
        "retention_days",
        1..=MAX_RETENTION_DAYS,
        None,
    )?
    .ok_or_else(|| {
        ApiError::bad_request(
            "invalid_parameter",
            format!("`retention_days` is required (1..={MAX_RETENTION_DAYS})"),
        )
    })?;
    blocking(move || {
        let entry = access.site(&app, &site)?;
        Ok(Json(retention_preview_of(
            &app,
            entry.site.id,
            retention_days,
        )?))
    })
    .await
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

/// What a membership grants: the user's role on that one site. Adding or removing a member needs the admin
/// role and a reach covering that grant, i.e. the site in the caller's scope and the user's role not above the
/// caller's. The user's other sites are neither changed nor revealed, so a site's admin may add anyone by email
/// to its own site (and only there); it cannot reach other sites through them. Members with the admin role
/// already reach every site, so their memberships grant nothing new.
fn membership(user: &User, site_id: i64) -> Reach {
    Reach {
        role: user.role,
        scope: SiteScope::only([site_id]),
    }
}

#[utoipa::path(post, path = "/api/v1/sites/{site}/members", tag = "settings", params(("site" = String, Path, description = "site key or id")),
    request_body = AddMemberRequest, responses((status = 201, body = Vec<Member>), (status = 403, body = crate::error::ErrorBody)))]
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
        policy::authorize(
            &access,
            &membership(&user, entry.site.id),
            "adding this member",
        )?;
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
        let not_member = || ApiError::not_found(format!("member {user_id} not found"));
        let user = app.meta.user_by_id(user_id)?.ok_or_else(not_member)?;
        policy::authorize(
            &access,
            &membership(&user, entry.site.id),
            "removing this member",
        )?;
        app.meta
            .remove_member(entry.site.id, user_id)
            .map_err(|e| match e {
                StoreError::NotFound(_) => not_member(),
                other => other.into(),
            })?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// Users the caller administers: everyone for admins of every site, otherwise the members of its sites.
#[utoipa::path(get, path = "/api/v1/users", tag = "settings", responses((status = 200, body = Vec<User>)))]
pub async fn list_users(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
) -> Result<Json<Vec<User>>, ApiError> {
    access.require(Role::Admin)?;
    blocking(move || Ok(Json(policy::visible_users(app.meta.as_ref(), &access)?))).await
}

/// Creates a user. The new user's reach (an admin reaches every site; others their `sites`) must be covered by
/// the caller's: a site's admin can add analysts and viewers of its site, only an admin of every site an admin.
#[utoipa::path(post, path = "/api/v1/users", tag = "settings", request_body = NewUserRequest,
    responses((status = 201, body = User), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_user(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiJson(body): ApiJson<NewUserRequest>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    access.require(Role::Admin)?;
    auth::validate_credentials(&body.email, &body.password)?;
    if body
        .sites
        .as_ref()
        .is_some_and(|s| s.len() > MAX_NEW_USER_SITES)
    {
        return Err(ApiError::bad_request(
            "invalid_sites",
            format!("`sites` has more than {MAX_NEW_USER_SITES} entries"),
        ));
    }
    blocking(move || {
        let sites: Vec<i64> = match (&body.sites, &access.scope) {
            (Some(sites), _) => {
                let mut ids = BTreeSet::new();
                for site in sites {
                    ids.insert(access.site(&app, site)?.site.id);
                }
                ids.into_iter().collect()
            }
            (None, SiteScope::All) => Vec::new(),
            (None, SiteScope::Only(own)) => own.clone(),
        };
        policy::authorize(
            &access,
            &Reach::of_member(body.role, &sites),
            "creating this user",
        )?;
        let hash = auth::hash_password(&body.password)?;
        let user = app.meta.create_user(&body.email, &hash, body.role)?;
        for site in &sites {
            if let Err(e) = app.meta.add_member(*site, user.id) {
                // Leave no half-made account behind.
                if let Err(undo) = app.meta.delete_user(user.id) {
                    tracing::error!(error = %undo, user = user.id, "could not remove a half-created user");
                }
                return Err(e.into());
            }
        }
        Ok((StatusCode::CREATED, Json(user)))
    })
    .await
}

/// A user the caller administers (see [`list_users`]); others are "not found". Blocking.
fn administered_user(app: &App, access: &Access, id: i64) -> Result<User, ApiError> {
    policy::visible_users(app.meta.as_ref(), access)?
        .into_iter()
        .find(|u| u.id == id)
        .ok_or_else(|| ApiError::not_found(format!("user {id} not found")))
}

fn last_admin(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "last_admin", message),
        other => other.into(),
    }
}

/// Changes a user's role (admin). The caller must cover both the user's current reach and the one that results:
/// a site's admin may change its own site's analysts and viewers between those roles, but not promote anyone to
/// admin nor touch users who also reach other sites. The last admin cannot be demoted.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "settings", params(("id" = i64, Path)), request_body = UserRoleUpdate,
    responses((status = 200, body = User), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn update_user(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserRoleUpdate>,
) -> Result<Json<User>, ApiError> {
    access.require(Role::Admin)?;
    blocking(move || {
        let user = administered_user(&app, &access, id)?;
        let current = Reach::of_user(app.meta.as_ref(), &user)?;
        policy::authorize(&access, &current, "changing this user")?;
        let sites = app.meta.member_sites(user.id)?;
        policy::authorize(
            &access,
            &Reach::of_member(body.role, &sites),
            "this role change",
        )?;
        Ok(Json(
            app.meta
                .set_user_role(user.id, body.role)
                .map_err(last_admin)?,
        ))
    })
    .await
}

/// Deletes a user with their memberships, logins and tokens (admin; the caller must cover the user's reach).
/// The last admin cannot be deleted.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "settings", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn delete_user(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    access.require(Role::Admin)?;
    blocking(move || {
        let user = administered_user(&app, &access, id)?;
        let current = Reach::of_user(app.meta.as_ref(), &user)?;
        policy::authorize(&access, &current, "deleting this user")?;
        app.meta.delete_user(user.id).map_err(last_admin)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// Tokens the caller could have made: those whose reach it covers (non-admins: only their own).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "settings", responses((status = 200, body = Vec<TokenInfo>)))]
pub async fn list_tokens(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    blocking(move || Ok(Json(policy::visible_tokens(app.meta.as_ref(), &access)?))).await
}

/// Creates a token owned by the calling user. Its reach (role capped by the owner's, the owner's sites narrowed
/// to `site`) must be covered by the caller's.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "settings", request_body = NewTokenRequest,
    responses((status = 201, body = CreatedToken), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
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
    let user = access.user.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "tokens are created by users",
        )
    })?;
    blocking(move || {
        let owner = Reach::of_user(app.meta.as_ref(), &user)?;
        let mut site_id = body
            .site
            .as_deref()
            .map(|site| access.site(&app, site).map(|e| e.site.id))
            .transpose()?;
        // Without a site a token follows its owner everywhere. A site's token makes tokens for its site; other
        // callers limited to fewer sites than their owner must name one.
        if site_id.is_none() {
            site_id = match (&access.scope, access.token.as_ref().and_then(|t| t.site_id)) {
                (_, Some(own_site)) => Some(own_site),
                (scope, None) if scope.contains(&owner.scope) => None,
                (SiteScope::Only(ids), None) if ids.len() == 1 => Some(ids[0]),
                _ => {
                    return Err(ApiError::bad_request(
                        "site_required",
                        "you can use only some of your sites: give the token a `site`",
                    ));
                }
            };
        }
        // Judged by the role asked for, not only the capped one, so a token never claims more than its maker has.
        let requested = Reach {
            role: body.role,
            ..owner.narrowed(body.role, site_id)
        };
        policy::authorize(&access, &requested, "creating this token")?;
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
        if !policy::visible_tokens(app.meta.as_ref(), &access)?
            .iter()
            .any(|t| t.id == id)
        {
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

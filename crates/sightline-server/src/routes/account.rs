//! First-run setup, login, logout and "who am I".

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sightline_store::{LoginSession, Role, User};
use utoipa::ToSchema;

use crate::App;
use crate::auth::{self, Access, SESSION_COOKIE, SESSION_TTL_MS};
use crate::error::ApiError;
use crate::extract::ApiJson;

#[derive(Serialize, ToSchema)]
pub struct SetupStatus {
    /// True while no user exists: the dashboard shows the first-run page.
    pub needs_setup: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    /// Send as `X-CSRF-Token` on every state-changing request made with the login cookie.
    pub csrf_token: String,
}

/// Serialises first-run setup so two racing requests cannot both create an admin.
static SETUP_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn is_https(app: &App, headers: &HeaderMap) -> bool {
    app.config.public_url.starts_with("https://")
        || (app.config.trust_proxy_headers
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                == Some("https"))
}

fn session_cookie(value: &str, max_age_secs: i64, secure: bool) -> Result<HeaderValue, ApiError> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"))
        .map_err(ApiError::internal)
}

/// Starts a login for `user`: stores the cookie's hash and answers with the cookie and the CSRF token.
async fn start_session(
    app: &Arc<App>,
    headers: &HeaderMap,
    user: User,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let secret = auth::new_secret();
    let csrf_token = auth::new_secret();
    let session = LoginSession {
        user_id: user.id,
        csrf_token: csrf_token.clone(),
        expires_at: auth::now_ms() + SESSION_TTL_MS,
    };
    let meta = app.meta.clone();
    let hash = auth::sha256_hex(&secret);
    tokio::task::spawn_blocking(move || meta.create_login_session(&hash, &session)).await??;
    let cookie = session_cookie(&secret, SESSION_TTL_MS / 1000, is_https(app, headers))?;
    let mut response = (status, Json(Me { user, csrf_token })).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/setup", tag = "account", responses((status = 200, body = SetupStatus)))]
pub async fn setup_status(State(app): State<Arc<App>>) -> Result<Json<SetupStatus>, ApiError> {
    let meta = app.meta.clone();
    let users = tokio::task::spawn_blocking(move || meta.count_users()).await??;
    Ok(Json(SetupStatus {
        needs_setup: users == 0,
    }))
}

#[utoipa::path(post, path = "/api/v1/setup", tag = "account", request_body = Credentials,
    responses((status = 201, body = Me), (status = 409, body = crate::error::ErrorBody)))]
pub async fn setup(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    auth::validate_credentials(&body.email, &body.password)?;
    let _guard = SETUP_LOCK.lock().await;
    let meta = app.meta.clone();
    let user = tokio::task::spawn_blocking(move || -> Result<User, ApiError> {
        if meta.count_users()? > 0 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "already_set_up",
                "an admin exists; log in instead",
            ));
        }
        let hash = auth::hash_password(&body.password)?;
        Ok(meta.create_user(&body.email, &hash, Role::Admin)?)
    })
    .await??;
    start_session(&app, &headers, user, StatusCode::CREATED).await
}

#[utoipa::path(post, path = "/api/v1/login", tag = "account", request_body = Credentials,
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    State(app): State<Arc<App>>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let peer = connect.map(|Extension(ConnectInfo(addr))| addr);
    let ip = app.client_ip(&headers, peer);
    if app.login_limiter.blocked(ip, &body.email) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "too many failed logins; try again in {} minutes",
                auth::LOGIN_WINDOW.as_secs() / 60
            ),
        ));
    }
    let meta = app.meta.clone();
    let email = body.email.clone();
    let user = tokio::task::spawn_blocking(move || -> Result<Option<User>, ApiError> {
        let found = meta.user_by_email(&email)?;
        // Verify against a decoy for unknown emails so the answer takes as long either way.
        let hash = found
            .as_ref()
            .map_or(auth::decoy_hash(), |(_, h)| h.as_str());
        let valid = auth::verify_password(&body.password, hash);
        Ok(found.filter(|_| valid).map(|(user, _)| user))
    })
    .await??;
    let Some(user) = user else {
        app.login_limiter.failed(ip, &body.email);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong email or password",
        ));
    };
    app.login_limiter.succeeded(&body.email);
    start_session(&app, &headers, user, StatusCode::OK).await
}

fn logged_out(app: &App, headers: &HeaderMap) -> Result<Response, ApiError> {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, is_https(app, headers))?,
    );
    Ok(response)
}

#[utoipa::path(post, path = "/api/v1/logout", tag = "account", responses((status = 204)))]
pub async fn logout(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(hash) = access.session_hash {
        let meta = app.meta.clone();
        tokio::task::spawn_blocking(move || meta.delete_login_session(&hash)).await??;
    }
    logged_out(&app, &headers)
}

#[utoipa::path(post, path = "/api/v1/logout-everywhere", tag = "account", responses((status = 204)))]
pub async fn logout_everywhere(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let user = access.user.ok_or_else(|| {
        ApiError::bad_request("no_user", "API tokens without an owner have no logins")
    })?;
    let meta = app.meta.clone();
    tokio::task::spawn_blocking(move || meta.delete_user_sessions(user.id)).await??;
    logged_out(&app, &headers)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(Extension(access): Extension<Access>) -> Result<Json<Me>, ApiError> {
    let user = access
        .user
        .ok_or_else(|| ApiError::bad_request("no_user", "this API token has no owner"))?;
    Ok(Json(Me {
        user,
        csrf_token: access.csrf_token.unwrap_or_default(),
    }))
}

//! Who is calling: a dashboard login (HttpOnly cookie + CSRF header) or an API token (`Authorization: Bearer`),
//! and what they may see (`Access`). Passwords are argon2id; cookies and tokens are stored only as SHA-256.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sightline_ingest::SiteEntry;
use sightline_store::{MetaStore, Role, TokenInfo, User};

use crate::App;
use crate::error::ApiError;
use crate::policy::Reach;
pub use sightline_model::now_ms;

pub const SESSION_COOKIE: &str = "sl_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const TOKEN_PREFIX: &str = "slt_";
/// How long a dashboard login lasts.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 1_024;
pub const MAX_EMAIL_LEN: usize = 254;
/// Failed logins allowed per client IP and per email within [`LOGIN_WINDOW`] before 429.
pub const LOGIN_FAILURES_ALLOWED: u32 = 10;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// 32 random bytes, hex: cookie values, CSRF tokens, API tokens.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of a password nobody has, verified against when the email is unknown so timing reveals nothing.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_secret()).unwrap_or_default())
}

pub fn validate_credentials(email: &str, password: &str) -> Result<(), ApiError> {
    let email = email.trim();
    let at = email.find('@');
    if email.len() > MAX_EMAIL_LEN
        || at.is_none_or(|i| i == 0 || i == email.len() - 1)
        || email.contains(char::is_whitespace)
    {
        return Err(ApiError::bad_request(
            "invalid_email",
            "`email` must be an email address",
        ));
    }
    if password.chars().count() < MIN_PASSWORD_LEN || password.len() > MAX_PASSWORD_LEN {
        return Err(ApiError::bad_request(
            "weak_password",
            format!("passwords must be {MIN_PASSWORD_LEN}-{MAX_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

/// Which sites a caller may see (`Only` lists are sorted and without duplicates: see `SiteScope::only`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteScope {
    All,
    Only(Vec<i64>),
}

/// The authenticated caller of a dashboard API request.
#[derive(Debug, Clone)]
pub struct Access {
    pub role: Role,
    pub scope: SiteScope,
    /// The logged-in user, or the token's owner.
    pub user: Option<User>,
    pub token: Option<TokenInfo>,
    /// Hash of the login cookie (for logout), when authenticated by cookie.
    pub session_hash: Option<String>,
    pub csrf_token: Option<String>,
}

impl Access {
    pub fn can_see(&self, site_id: i64) -> bool {
        match &self.scope {
            SiteScope::All => true,
            SiteScope::Only(ids) => ids.contains(&site_id),
        }
    }

    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this needs the {} role", role.as_str()),
            ))
        }
    }

    /// Resolves `{site}` (key or id) among the sites this caller may see; others are "not found". Blocking.
    pub fn site(&self, app: &App, id_or_key: &str) -> Result<Arc<SiteEntry>, ApiError> {
        app.sites
            .resolve(id_or_key)?
            .filter(|entry| self.can_see(entry.site.id))
            .ok_or_else(|| ApiError::not_found(format!("site {id_or_key:?} not found")))
    }
}

fn cookie_value<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Authenticates from headers. Blocking (metadata lookups).
pub fn authenticate(
    meta: &dyn MetaStore,
    headers: &axum::http::HeaderMap,
) -> Result<Option<Access>, ApiError> {
    let now = now_ms();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let Some(token) = bearer {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let Some(info) = meta.use_token(&sha256_hex(token), now)? else {
            return Ok(None);
        };
        let owner = match info.user_id {
            Some(id) => match meta.user_by_id(id)? {
                Some(user) => Some(user),
                None => return Ok(None),
            },
            None => None,
        };
        let reach = Reach::of_token(meta, &info, owner.as_ref())?;
        return Ok(Some(Access {
            role: reach.role,
            scope: reach.scope,
            user: owner,
            token: Some(info),
            session_hash: None,
            csrf_token: None,
        }));
    }
    let Some(cookie) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = sha256_hex(cookie);
    let Some(session) = meta.login_session(&hash, now)? else {
        return Ok(None);
    };
    let Some(user) = meta.user_by_id(session.user_id)? else {
        return Ok(None);
    };
    let reach = Reach::of_user(meta, &user)?;
    Ok(Some(Access {
        role: reach.role,
        scope: reach.scope,
        user: Some(user),
        token: None,
        session_hash: Some(hash),
        csrf_token: Some(session.csrf_token),
    }))
}

fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "log in or send an API token (Authorization: Bearer …)",
    )
}

/// Middleware for every dashboard API route: 401 without a login or token; for cookie logins, state-changing
/// methods need the session's CSRF token in `X-CSRF-Token`. Puts [`Access`] into the request extensions.
pub async fn require_auth(
    State(app): State<Arc<App>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    let meta = app.meta.clone();
    let access = tokio::task::spawn_blocking(move || authenticate(meta.as_ref(), &headers))
        .await??
        .ok_or_else(unauthenticated)?;
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && let Some(expected) = &access.csrf_token {
        let sent = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "missing or wrong X-CSRF-Token header",
            ));
        }
    }
    request.extensions_mut().insert(access);
    Ok(next.run(request).await)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Counts failed logins per IP and per email in a sliding window.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Entries kept at most; the oldest are dropped beyond it.
const MAX_LIMITER_KEYS: usize = 100_000;

impl LoginLimiter {
    fn keys(ip: IpAddr, email: &str) -> [String; 2] {
        [
            format!("ip:{ip}"),
            format!("email:{}", email.trim().to_ascii_lowercase()),
        ]
    }

    pub fn blocked(&self, ip: IpAddr, email: &str) -> bool {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        Self::keys(ip, email).iter().any(|k| {
            map.get(k).is_some_and(|(n, since)| {
                *n >= LOGIN_FAILURES_ALLOWED && since.elapsed() < LOGIN_WINDOW
            })
        })
    }

    pub fn failed(&self, ip: IpAddr, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_LIMITER_KEYS {
            map.retain(|_, (_, since)| since.elapsed() < LOGIN_WINDOW);
        }
        for key in Self::keys(ip, email) {
            let entry = map.entry(key).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= LOGIN_WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
    }

    pub fn succeeded(&self, email: &str) {
        let key = format!("email:{}", email.trim().to_ascii_lowercase());
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_limiter_blocks_after_repeated_failures_per_ip_or_email() {
        let limiter = LoginLimiter::default();
        let ip: IpAddr = "198.51.100.7".parse().expect("ip");
        for _ in 0..LOGIN_FAILURES_ALLOWED {
            assert!(!limiter.blocked(ip, "a@b.c"));
            limiter.failed(ip, "a@b.c");
        }
        assert!(limiter.blocked(ip, "other@b.c"), "same IP");
        assert!(
            limiter.blocked("198.51.100.8".parse().expect("ip"), "A@B.C"),
            "same email"
        );
        assert!(!limiter.blocked("198.51.100.8".parse().expect("ip"), "other@b.c"));
    }

    #[test]
    fn credentials_are_checked() {
        assert!(validate_credentials("admin@example.com", "long enough pw").is_ok());
        assert_eq!(
            validate_credentials("admin", "long enough pw").map_err(|e| e.code),
            Err("invalid_email")
        );
        assert_eq!(
            validate_credentials("a@b.c", "short").map_err(|e| e.code),
            Err("weak_password")
        );
    }
}

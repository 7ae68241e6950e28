//! The dashboard SPA, embedded: hashed assets cached forever, `index.html` for every other page path.
//! A replay page's document carries a CSP that lets that site's own origins serve images and fonts
//! (`security`); the dashboard loads that page as a document of its own.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::App;
use crate::auth;
use crate::error::ApiError;
use crate::security;

#[derive(RustEmbed)]
#[folder = "../../web/dashboard/dist"]
struct DashboardAssets;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NOT_BUILT: &str = "<!doctype html><title>Sightline</title><p>The dashboard is not built into this binary. \
Run <code>make build</code> (it builds <code>web/dashboard</code> before cargo).</p>";

fn asset(path: &str, cache: &'static str) -> Option<Response> {
    let file = DashboardAssets::get(path)?;
    let mut response = Response::new(Body::from(file.data.into_owned()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(super::assets::content_type(path)),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Some(response)
}

/// Fallback for every path no other route took.
pub async fn fallback(State(app): State<Arc<App>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return ApiError::not_found("no such route").into_response();
    }
    if path.starts_with("assets/") {
        return asset(path, IMMUTABLE)
            .unwrap_or_else(|| ApiError::not_found("no such asset").into_response());
    }
    if let Some(file) = (!path.is_empty() && path.contains('.'))
        .then(|| asset(path, "no-cache"))
        .flatten()
    {
        return file;
    }
    let mut document = asset("index.html", "no-cache")
        .unwrap_or_else(|| (StatusCode::OK, Html(NOT_BUILT)).into_response());
    if let Some(site) = security::replay_site_segment(uri.path()) {
        let policy = replay_policy(app, site.to_string(), headers).await;
        let h = document.headers_mut();
        h.insert(header::CONTENT_SECURITY_POLICY, policy);
        // the header depends on who asks (and names the site's domains)
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
        h.insert(
            header::VARY,
            HeaderValue::from_static("cookie, authorization"),
        );
    }
    document
}

/// The replay page's CSP: the site's own origins when the caller is logged in and may see the site; the
/// default policy (no external image or font) for anyone else, an unknown site, or a store error.
async fn replay_policy(app: Arc<App>, site: String, headers: HeaderMap) -> HeaderValue {
    let found = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let Some(access) = auth::authenticate(app.meta.as_ref(), &headers)? else {
            return Ok(None);
        };
        Ok(app
            .sites
            .resolve(&site)?
            .filter(|entry| access.can_see(entry.site.id)))
    })
    .await;
    match found {
        Ok(Ok(Some(entry))) => security::replay_policy(&entry.site),
        Ok(Ok(None)) => security::default_policy(),
        Ok(Err(error)) => {
            tracing::warn!(code = error.code, "replay page policy: {}", error.message);
            security::default_policy()
        }
        Err(error) => {
            tracing::warn!("replay page policy: {error}");
            security::default_policy()
        }
    }
}

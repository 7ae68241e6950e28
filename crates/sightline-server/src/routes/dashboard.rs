//! The dashboard SPA, embedded: hashed assets cached forever, `index.html` for every other page path.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::ApiError;

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
pub async fn fallback(uri: Uri) -> Response {
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
    asset("index.html", "no-cache")
        .unwrap_or_else(|| (StatusCode::OK, Html(NOT_BUILT)).into_response())
}

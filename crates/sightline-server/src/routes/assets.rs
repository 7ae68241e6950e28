//! Static assets embedded in the binary: the tracker at `/t.js` and the demo shop at `/demo/`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::App;
use crate::error::ApiError;
use crate::extract::ApiPath;

#[derive(RustEmbed)]
#[folder = "../../web/tracker/dist"]
#[include = "t.js"]
#[include = "replay.js"]
struct TrackerAssets;

#[derive(RustEmbed)]
#[folder = "../../demo"]
#[exclude = "*.md"]
#[exclude = "snapshots/*"]
struct DemoAssets;

/// The tracker's URL is stable (sites embed it), so it is cached briefly and revalidated by ETag.
const TRACKER_CACHE_CONTROL: &str = "public, max-age=3600, stale-while-revalidate=86400";
/// Placeholder in the demo pages that becomes the demo site's key.
const SITE_KEY_PLACEHOLDER: &str = "__SITE_KEY__";

pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "map" => "application/json",
        _ => "application/octet-stream",
    }
}

fn etag_of(hash: [u8; 32]) -> String {
    let hex: String = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The tracker core (`/t.js`) and its lazily loaded replay add-on (`/replay.js`).
pub async fn tracker(headers: HeaderMap) -> Result<Response, ApiError> {
    script("t.js", headers)
}

pub async fn replay_addon(headers: HeaderMap) -> Result<Response, ApiError> {
    script("replay.js", headers)
}

fn script(name: &str, headers: HeaderMap) -> Result<Response, ApiError> {
    let file = TrackerAssets::get(name).ok_or_else(|| {
        ApiError::not_found(
            "the tracker is not built into this binary (run `make web` before cargo)",
        )
    })?;
    let etag = etag_of(file.metadata.sha256_hash());
    let mut response = if matches_etag(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(file.data.into_owned()))
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(TRACKER_CACHE_CONTROL),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    Ok(response)
}

pub async fn demo_index(state: State<Arc<App>>) -> Result<Response, ApiError> {
    demo_file(state, ApiPath("index.html".to_string())).await
}

pub async fn demo_file(
    State(app): State<Arc<App>>,
    ApiPath(path): ApiPath<String>,
) -> Result<Response, ApiError> {
    let key = app
        .demo_site_key
        .get()
        .ok_or_else(|| ApiError::not_found("the demo shop is served by `sightline demo` only"))?;
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    };
    let file = DemoAssets::get(&path)
        .ok_or_else(|| ApiError::not_found(format!("no demo file {path:?}")))?;
    let body = if path.ends_with(".html") {
        Body::from(String::from_utf8_lossy(&file.data).replace(SITE_KEY_PLACEHOLDER, key))
    } else {
        Body::from(file.data.into_owned())
    };
    let mut response = Response::new(body);
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

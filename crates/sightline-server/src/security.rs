//! Security headers on every response. The demo shop (a stand-in for a customer's site, with an inline
//! tracker stub) and the tracker script itself get only the headers that cannot break embedding.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// No inline scripts; inline styles are needed by ECharts; replays render in sandboxed same-origin iframes and
/// show the recorded site's own images and fonts (https) the way it did.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob: https:; font-src 'self' data: https:; connect-src 'self'; frame-src 'self' blob:; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    let embeddable = matches!(
        path.as_str(),
        "/t.js" | "/replay.js" | "/demo" | "/api/v1/batch" | "/api/v1/tracker-config"
    ) || path.starts_with("/demo/");
    if !embeddable {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
    }
    response
}

//! HTTP for Sightline: ingest, the dashboard JSON API, health and metrics. `router` is shared by `serve`,
//! the tests and (later) the OpenAPI export.

pub mod app;
pub mod auth;
pub mod config;
pub mod error;
mod extract;
mod metrics_export;
pub mod openapi;
pub mod policy;
pub mod retention;
mod routes;
mod security;
pub mod snippet;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::routing::{any, delete, get, post, put};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use app::App;
pub use config::Config;
use error::ApiError;

/// How long browsers may cache the CORS preflight of the ingest endpoint.
const PREFLIGHT_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(86_400);

pub fn router(app: Arc<App>) -> Router {
    metrics_export::install();
    // Any page may post to the ingest endpoint; whether its origin is allowed for the site is checked per batch.
    let ingest_cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([axum::http::Method::POST])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::CONTENT_ENCODING,
        ])
        .max_age(PREFLIGHT_MAX_AGE);
    // OPTIONS is routed explicitly so the CORS layer answers preflights before the 405 fallback can.
    let ingest = Router::new().route(
        "/api/v1/batch",
        post(routes::ingest::batch)
            .options(|| async { StatusCode::NO_CONTENT })
            .layer(ingest_cors),
    );
    let public_api = Router::new()
        .route(
            "/api/v1/setup",
            get(routes::account::setup_status).post(routes::account::setup),
        )
        .route("/api/v1/login", post(routes::account::login))
        .route(
            "/api/v1/tracker-config",
            get(routes::tracker_config::tracker_config),
        )
        .route(
            "/api/v1/openapi.json",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    openapi::document(),
                )
            }),
        );
    // Every route here needs a login or token (401 otherwise) and checks site access itself.
    let dashboard_api = Router::new()
        .route("/api/v1/me", get(routes::account::me))
        .route("/api/v1/logout", post(routes::account::logout))
        .route(
            "/api/v1/logout-everywhere",
            post(routes::account::logout_everywhere),
        )
        .route(
            "/api/v1/sites",
            get(routes::settings::list_sites).post(routes::settings::create_site),
        )
        .route(
            "/api/v1/sites/{site}",
            get(routes::settings::get_site).put(routes::settings::update_site),
        )
        .route(
            "/api/v1/sites/{site}/members",
            get(routes::settings::list_members).post(routes::settings::add_member),
        )
        .route(
            "/api/v1/sites/{site}/members/{user_id}",
            delete(routes::settings::remove_member),
        )
        .route(
            "/api/v1/users",
            get(routes::settings::list_users).post(routes::settings::create_user),
        )
        .route(
            "/api/v1/users/{id}",
            put(routes::settings::update_user).delete(routes::settings::delete_user),
        )
        .route(
            "/api/v1/sites/{site}/retention-preview",
            get(routes::settings::retention_preview),
        )
        .route(
            "/api/v1/tokens",
            get(routes::settings::list_tokens).post(routes::settings::create_token),
        )
        .route(
            "/api/v1/tokens/{id}",
            delete(routes::settings::delete_token),
        )
        .route(
            "/api/v1/sites/{site}/overview",
            get(routes::overview::overview),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}/events",
            get(routes::sessions::events),
        )
        .route("/api/v1/sites/{site}/sessions", get(routes::sessions::list))
        .route(
            "/api/v1/sites/{site}/sessions/{session}/replay",
            get(routes::sessions::replay),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}/replay/chunks",
            get(routes::sessions::replay_chunks),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}/replay/chunks/{index}",
            get(routes::sessions::replay_chunk),
        )
        .route(
            "/api/v1/sites/{site}/visitors/{visitor}",
            delete(routes::settings::delete_visitor),
        )
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            auth::require_auth,
        ))
        .layer(CompressionLayer::new());
    Router::new()
        .merge(ingest)
        .merge(public_api)
        .merge(dashboard_api)
        .route(
            "/replay.js",
            get(routes::assets::replay_addon).layer(CompressionLayer::new()),
        )
        .route(
            "/t.js",
            get(routes::assets::tracker).layer(CompressionLayer::new()),
        )
        .route(
            "/demo",
            get(|| async { axum::response::Redirect::permanent("/demo/") }),
        )
        .route("/demo/", get(routes::assets::demo_index))
        .route("/demo/{*path}", get(routes::assets::demo_file))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::health::metrics))
        .fallback_service(any(routes::dashboard::fallback).layer(CompressionLayer::new()))
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            )
        })
        .layer(middleware::from_fn(security::headers))
        .with_state(app)
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains ingest.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    retention::spawn(Arc::downgrade(&app));
    let service = router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await?;
    let drain = app.clone();
    tokio::task::spawn_blocking(move || drain.shutdown())
        .await
        .map_err(std::io::Error::other)?;
    Ok(())
}

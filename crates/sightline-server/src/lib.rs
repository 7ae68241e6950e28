//! HTTP for Sightline: ingest, the dashboard JSON API, health and metrics. `router` is shared by `serve`,
//! the tests and (later) the OpenAPI export.

pub mod app;
pub mod auth;
pub mod backends;
pub mod client_ip;
pub mod config;
pub mod error;
mod extract;
mod load;
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

/// Largest JSON body of a dashboard API request (settings, users, tokens: all small).
pub const MAX_API_BODY_BYTES: usize = 64 * 1024;

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
        .layer(axum::extract::DefaultBodyLimit::max(MAX_API_BODY_BYTES))
        .route(
            "/api/v1/openapi.json",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    openapi::document(),
                )
            }),
        );
    // Reports share a few query slots so that one heavy query cannot starve the rest of the API.
    let reports = Router::new()
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
            "/api/v1/sites/{site}/sessions/{session}/summary",
            get(routes::sessions::summary),
        )
        .route(
            "/api/v1/sites/{site}/sessions/{session}/detections",
            get(routes::sessions::detections),
        )
        .route(
            "/api/v1/sites/{site}/problems",
            get(routes::problems::problems),
        )
        .route(
            "/api/v1/sites/{site}/errors",
            get(routes::experience::errors),
        )
        .route(
            "/api/v1/sites/{site}/requests",
            get(routes::experience::requests),
        )
        .route(
            "/api/v1/sites/{site}/vitals",
            get(routes::experience::vitals),
        )
        .route(
            "/api/v1/sites/{site}/heatmap",
            get(routes::heatmap::heatmap),
        )
        .route("/api/v1/sites/{site}/zones", get(routes::heatmap::zones))
        .route(
            "/api/v1/sites/{site}/heatmap/snapshot",
            get(routes::heatmap::snapshot),
        )
        .route(
            "/api/v1/sites/{site}/heatmap/sessions",
            get(routes::heatmap::sessions),
        )
        .route("/api/v1/sites/{site}/paths", get(routes::journeys::paths))
        .route(
            "/api/v1/sites/{site}/paths/sessions",
            get(routes::journeys::path_sessions),
        )
        .route(
            "/api/v1/sites/{site}/funnel",
            post(routes::journeys::funnel),
        )
        .route(
            "/api/v1/sites/{site}/funnel/sessions",
            post(routes::journeys::funnel_sessions),
        )
        .route(
            "/api/v1/sites/{site}/retention",
            get(routes::journeys::retention),
        )
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
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            load::report_slot,
        ));
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
            "/api/v1/sites/{site}/visitors/{visitor}",
            delete(routes::settings::delete_visitor),
        )
        .route(
            "/api/v1/sites/{site}/segments",
            get(routes::saved::list_segments).post(routes::saved::create_segment),
        )
        .route(
            "/api/v1/sites/{site}/segments/{id}",
            delete(routes::saved::delete_segment),
        )
        .route(
            "/api/v1/sites/{site}/funnels",
            get(routes::saved::list_funnels).post(routes::saved::create_funnel),
        )
        .route(
            "/api/v1/sites/{site}/funnels/{id}",
            delete(routes::saved::delete_funnel),
        )
        .merge(reports)
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            auth::require_auth,
        ))
        .route_layer(middleware::from_fn_with_state(app.clone(), load::deadline))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_API_BODY_BYTES))
        .layer(CompressionLayer::new());
    // With `metrics_listen`, /metrics lives only on that second listener (see [`serve`]).
    let metrics = if app.config.metrics_listen.is_empty() {
        metrics_router()
    } else {
        Router::new().route(
            "/metrics",
            get(|| async {
                ApiError::not_found("/metrics is served on `metrics_listen`, not on this address")
            }),
        )
    };
    Router::new()
        .merge(ingest)
        .merge(metrics)
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
        .fallback_service(
            any(routes::dashboard::fallback)
                .layer(CompressionLayer::new())
                .with_state(app.clone()),
        )
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

fn metrics_router() -> Router<Arc<App>> {
    Router::new().route("/metrics", get(routes::health::metrics))
}

/// Serves `app` on `listener` (and /metrics on `metrics_listen` when set) until `shutdown` resolves,
/// then drains ingest.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    retention::spawn(Arc::downgrade(&app));
    if !app.config.metrics_listen.is_empty() {
        let metrics_listener = tokio::net::TcpListener::bind(&app.config.metrics_listen).await?;
        tracing::info!(
            "metrics on http://{}/metrics",
            metrics_listener.local_addr()?
        );
        metrics_export::install();
        let service = metrics_router()
            .layer(middleware::from_fn(security::headers))
            .with_state(app.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics_listener, service).await {
                tracing::error!(error = %e, "metrics listener stopped");
            }
        });
    }
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

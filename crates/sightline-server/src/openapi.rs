//! The OpenAPI document, generated from the handlers and types; published at `/api/v1/openapi.json` and
//! written to `web/dashboard/src/api/openapi.json` (a test keeps the two identical).

use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Sightline API", description = "Self-hosted customer behaviour analytics. Dashboard routes need a login cookie (plus `X-CSRF-Token` on changes) or `Authorization: Bearer <token>`."),
    paths(
        routes::ingest::batch,
        routes::account::setup_status,
        routes::account::setup,
        routes::account::login,
        routes::account::logout,
        routes::account::logout_everywhere,
        routes::account::me,
        routes::settings::list_sites,
        routes::settings::create_site,
        routes::settings::get_site,
        routes::settings::update_site,
        routes::settings::list_members,
        routes::settings::add_member,
        routes::settings::remove_member,
        routes::settings::list_users,
        routes::settings::create_user,
        routes::settings::update_user,
        routes::settings::delete_user,
        routes::settings::retention_preview,
        routes::settings::list_tokens,
        routes::settings::create_token,
        routes::settings::delete_token,
        routes::overview::overview,
        routes::sessions::events,
        routes::sessions::list,
        routes::sessions::replay,
        routes::sessions::replay_chunks,
        routes::sessions::replay_chunk,
        routes::sessions::summary,
        routes::sessions::detections,
        routes::problems::problems,
        routes::experience::errors,
        routes::experience::requests,
        routes::experience::vitals,
        routes::heatmap::heatmap,
        routes::heatmap::zones,
        routes::heatmap::snapshot,
        routes::heatmap::sessions,
        routes::settings::delete_visitor,
        routes::tracker_config::tracker_config,
        routes::journeys::paths,
        routes::journeys::path_sessions,
        routes::journeys::funnel,
        routes::journeys::funnel_sessions,
        routes::journeys::retention,
        routes::saved::list_segments,
        routes::saved::create_segment,
        routes::saved::delete_segment,
        routes::saved::list_funnels,
        routes::saved::create_funnel,
        routes::saved::delete_funnel,
    ),
    modifiers(&Security, &Limits),
    tags((name = "ingest"), (name = "account"), (name = "settings"), (name = "reports"), (name = "replay"))
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Every limit of the API, stated in the document's description from the constants that enforce them.
struct Limits;

impl utoipa::Modify for Limits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use sightline_ingest::rate_limit as rl;
        use sightline_model::limits as l;
        let c = crate::config::Config::default();
        let limits = format!(
            "\n\n## Limits\n\
             - Ingest (`POST /api/v1/batch`): body {} bytes as sent, {} decompressed, {} events per batch; events at most \
             `max_event_age_days` (default {}) old. Rate limits (defaults): {} batches/s per client IP (burst {}), \
             {} events/s per site (burst {}) → 429 with `Retry-After`. Overload (writer more than `max_writer_lag_mb`, \
             default {} MiB, behind) or spool trouble → 503 with `Retry-After`.\n\
             - Reports: `from`/`to` between 1970-01-01 and 9999-12-31, a range of at most {} days; sessions list `limit` \
             1..={}, `offset` ≤ {}; at most {} events per session; whole replay ≤ {} bytes (streamed; longer: \
             `/replay/chunks`).\n\
             - Dashboard API: JSON bodies ≤ {} bytes; each request ≤ `api_timeout_secs` (default {} s) → 503 `timeout`; \
             {} report queries at once (`api_max_concurrent_queries`), others wait within their time.",
            l::MAX_BODY_BYTES,
            l::MAX_DECOMPRESSED_BYTES,
            l::MAX_EVENTS_PER_BATCH,
            c.max_event_age_days,
            rl::DEFAULT_IP_BATCHES_PER_SEC,
            rl::DEFAULT_IP_BURST,
            rl::DEFAULT_SITE_EVENTS_PER_SEC,
            rl::DEFAULT_SITE_BURST,
            c.max_writer_lag_mb,
            routes::query::MAX_RANGE_DAYS,
            routes::sessions::MAX_PAGE_SIZE,
            routes::sessions::MAX_OFFSET,
            routes::sessions::MAX_SESSION_EVENTS,
            routes::sessions::MAX_WHOLE_REPLAY_BYTES,
            crate::MAX_API_BODY_BYTES,
            c.api_timeout_secs,
            c.api_max_concurrent_queries,
        );
        let description = openapi.info.description.get_or_insert_with(String::new);
        description.push_str(&limits);
    }
}

/// The document as pretty JSON (stable: the same build gives the same bytes).
pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

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
        routes::settings::delete_visitor,
        routes::tracker_config::tracker_config,
    ),
    modifiers(&Security),
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

/// The document as pretty JSON (stable: the same build gives the same bytes).
pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

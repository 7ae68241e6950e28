//! Sessions of a site. `GET /api/v1/sites/{site}/sessions/{session}/events`: the stored events in time order.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, State};
use serde::Serialize;
use sightline_model::limits::MAX_ID_LEN;
use sightline_model::validate::is_id_char;
use sightline_store::StoredEvent;

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;

/// Most events returned for one session.
const MAX_SESSION_EVENTS: usize = 50_000;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionEvents {
    pub session: String,
    pub events: Vec<StoredEvent>,
    /// True when the session has more events than were returned.
    pub truncated: bool,
}

#[utoipa::path(get, path = "/api/v1/sites/{site}/sessions/{session}/events", tag = "reports",
    params(("site" = String, Path, description = "site key or id"), ("session" = String, Path)),
    responses((status = 200, body = SessionEvents), (status = 404, body = crate::error::ErrorBody)))]
pub async fn events(
    State(app): State<Arc<App>>,
    Extension(access): Extension<Access>,
    Path((site, session)): Path<(String, String)>,
) -> Result<Json<SessionEvents>, ApiError> {
    if session.is_empty() || session.len() > MAX_ID_LEN || !session.bytes().all(is_id_char) {
        return Err(ApiError::bad_request(
            "invalid_id",
            "session ids are 1-64 characters of [A-Za-z0-9_-]",
        ));
    }
    let response = tokio::task::spawn_blocking(move || -> Result<SessionEvents, ApiError> {
        let entry = access.site(&app, &site)?;
        let mut events =
            app.events
                .session_events(entry.site.id, &session, MAX_SESSION_EVENTS + 1)?;
        if events.is_empty() {
            return Err(ApiError::not_found(format!(
                "session {session:?} not found"
            )));
        }
        let truncated = events.len() > MAX_SESSION_EVENTS;
        events.truncate(MAX_SESSION_EVENTS);
        Ok(SessionEvents {
            session,
            events,
            truncated,
        })
    })
    .await??;
    Ok(Json(response))
}

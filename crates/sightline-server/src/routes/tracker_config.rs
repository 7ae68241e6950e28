//! `GET /api/v1/tracker-config?site=KEY`: what the tracker on a customer's page needs to know at start —
//! public (any page may ask), cached briefly, and without anything secret.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::App;
use crate::error::ApiError;

/// Browsers and proxies may reuse the answer this long; setting changes reach trackers within it.
const CACHE_CONTROL: &str = "public, max-age=60";

#[derive(Serialize, ToSchema)]
pub struct TrackerConfig {
    /// Share of sessions to record for replay (0 = off; also 0 while the site is over its replay quota).
    pub replay_sample_rate: f64,
    /// Share of page loads of sessions not recorded on which the tracker sends a page snapshot for heatmaps.
    pub snapshot_sample_rate: f64,
    pub mask_text_selectors: Vec<String>,
    pub block_selectors: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/tracker-config", tag = "ingest",
    params(("site" = String, Query, description = "site key")),
    responses((status = 200, body = TrackerConfig), (status = 404, body = crate::error::ErrorBody)))]
pub async fn tracker_config(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let key = params.get("site").cloned().unwrap_or_default();
    let config = tokio::task::spawn_blocking(move || -> Result<TrackerConfig, ApiError> {
        let entry = app
            .sites
            .by_key(&key)?
            .ok_or_else(|| ApiError::not_found(format!("unknown site key {key:?}")))?;
        let site = &entry.site;
        let over_quota = site.replay_sample_rate > 0.0
            && app.replay_usage(site.id)? >= u64::from(site.replay_quota_mb) * 1024 * 1024;
        if over_quota {
            tracing::warn!(
                site = site.id,
                "replay quota reached; new sessions are not recorded"
            );
        }
        Ok(TrackerConfig {
            replay_sample_rate: if over_quota {
                0.0
            } else {
                site.replay_sample_rate
            },
            snapshot_sample_rate: app.config.heatmap_snapshot_sample_rate,
            mask_text_selectors: site.mask_selectors.clone(),
            block_selectors: site.block_selectors.clone(),
        })
    })
    .await??;
    Ok((
        [
            (header::CACHE_CONTROL, CACHE_CONTROL),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        Json(config),
    )
        .into_response())
}

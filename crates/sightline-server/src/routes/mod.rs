pub mod account;
pub mod assets;
pub mod dashboard;
pub mod experience;
pub mod health;
pub mod heatmap;
pub mod ingest;
pub mod journeys;
pub mod overview;
pub mod problems;
pub mod query;
pub mod saved;
pub mod sessions;
pub mod settings;
pub mod tracker_config;

use std::sync::Arc;

use crate::App;
use crate::auth::Access;
use crate::error::ApiError;

/// Answers `query` for the site the caller named, on a blocking thread (the store and blobs block), once the
/// auth layer's `access` has resolved the site; returns the query with its answer.
pub async fn site_report<Q, T, E>(
    app: Arc<App>,
    access: Access,
    site: String,
    query: Q,
    f: impl FnOnce(&App, i64, &Q) -> Result<T, E> + Send + 'static,
) -> Result<(Q, T), ApiError>
where
    Q: Send + 'static,
    T: Send + 'static,
    E: Into<ApiError>,
{
    tokio::task::spawn_blocking(move || -> Result<(Q, T), ApiError> {
        let site_id = access.site(&app, &site)?.site.id;
        let value = f(&app, site_id, &query).map_err(Into::into)?;
        Ok((query, value))
    })
    .await?
}

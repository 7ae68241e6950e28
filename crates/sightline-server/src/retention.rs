//! Retention: every site keeps events and replays for its `retention_days`; older ones are deleted from
//! the event store and the blob store. Runs hourly in the server and once with `sightline gc`.

use std::sync::Arc;
use std::time::Duration;

use sightline_store::{BlobStore, Deleted, EventStore, MetaStore};

/// How often the server enforces retention.
pub const RETENTION_INTERVAL: Duration = Duration::from_secs(3600);
/// How often a node without the retention lease looks whether the holder let it go.
const LEASE_POLL: Duration = Duration::from_secs(10);
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RetentionReport {
    pub events: u64,
    pub replay_chunks: u64,
    pub blobs: u64,
}

/// Data older than this is deleted by a retention of `retention_days` at `now_ms`.
pub fn cutoff_ms(now_ms: i64, retention_days: u32) -> i64 {
    now_ms - i64::from(retention_days) * DAY_MS
}

/// Deletes the blobs an event-store deletion released; a blob already gone is fine.
pub fn delete_blobs(
    blobs: &dyn BlobStore,
    deleted: &Deleted,
) -> Result<u64, sightline_store::StoreError> {
    let mut removed = 0;
    for key in &deleted.blob_keys {
        removed += blobs.delete_prefix(key)? as u64;
    }
    Ok(removed)
}

/// One pass over every site. Blocking.
pub fn enforce(
    meta: &dyn MetaStore,
    events: &dyn EventStore,
    blobs: &dyn BlobStore,
    now_ms: i64,
) -> Result<RetentionReport, sightline_store::StoreError> {
    let mut report = RetentionReport::default();
    for site in meta.list_sites()? {
        let cutoff = cutoff_ms(now_ms, site.retention_days);
        let deleted = events.delete_before(site.id, cutoff)?;
        report.blobs += delete_blobs(blobs, &deleted)?;
        report.events += deleted.events;
        report.replay_chunks += deleted.replay_chunks;
    }
    Ok(report)
}

/// Forgets batch keys older than any retry ingest still accepts (the spool asks the store about old retries).
pub fn forget_batch_keys(app: &crate::App) -> Result<u64, sightline_store::StoreError> {
    app.events.delete_batch_keys_before(
        crate::auth::now_ms() - crate::app::batch_key_keep_ms(&app.config),
    )
}

/// Runs [`enforce`] every [`RETENTION_INTERVAL`] on a dedicated thread until the app is dropped.
pub fn spawn(app: std::sync::Weak<crate::App>) {
    let spawned = std::thread::Builder::new()
        .name("retention".into())
        .spawn(move || {
            loop {
                let Some(app) = app.upgrade() else { return };
                let ours = app
                    .lease
                    .as_ref()
                    .is_none_or(|lease| lease.hold(sightline_ingest::lease::RETENTION_JOB));
                if !ours {
                    drop(app);
                    std::thread::sleep(RETENTION_INTERVAL.min(LEASE_POLL));
                    continue;
                }
                match enforce(
                    app.meta.as_ref(),
                    app.events.as_ref(),
                    app.blobs.as_ref(),
                    crate::auth::now_ms(),
                ) {
                    Ok(r) if r.events + r.replay_chunks > 0 => {
                        tracing::info!(
                            events = r.events,
                            replay_chunks = r.replay_chunks,
                            blobs = r.blobs,
                            "retention deleted expired data"
                        )
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "retention pass failed"),
                }
                if let Err(e) = forget_batch_keys(&app) {
                    tracing::error!(error = %e, "could not forget old batch keys");
                }
                drop(app);
                std::thread::sleep(RETENTION_INTERVAL);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the retention job");
    }
}

/// Shares `Arc`s so callers outside the server can run a pass.
pub fn enforce_app(app: &Arc<crate::App>) -> Result<RetentionReport, sightline_store::StoreError> {
    forget_batch_keys(app)?;
    enforce(
        app.meta.as_ref(),
        app.events.as_ref(),
        app.blobs.as_ref(),
        crate::auth::now_ms(),
    )
}

//! The whole application assembled from a config: stores in the data directory, spool, batch writer, ingest.
//! `App::open` is what `serve`, the tests and the demo share; `App::shutdown` drains everything.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sightline_ingest::analyzer::{Analyzer, AnalyzerConfig};
use sightline_ingest::lease::JobLease;
use sightline_ingest::spool::{DedupSeed, SpoolOptions, SpoolPosition};
use sightline_ingest::{
    BatchWriter, IngestOptions, Ingestor, SiteDirectory, Spool, WriterStart, record, spool,
};
use sightline_store::{BlobStore, EventStore, MetaStore};

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Store(#[from] sightline_store::StoreError),
    #[error("{0}")]
    Spool(#[from] spool::SpoolError),
    #[error("invalid config: {0}")]
    Config(String),
    #[error("cannot start the batch writer: {0}")]
    Writer(std::io::Error),
}

pub struct App {
    pub config: Config,
    pub meta: Arc<dyn MetaStore>,
    pub events: Arc<dyn EventStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub sites: Arc<SiteDirectory>,
    pub spool: Arc<Spool>,
    pub writer: BatchWriter,
    /// Runs the frustration detectors over sessions once they are quiet.
    pub analyzer: Analyzer,
    pub ingestor: Ingestor,
    /// Set by `sightline demo`: the site key substituted into the demo shop's pages (served only then).
    pub demo_site_key: std::sync::OnceLock<String>,
    pub login_limiter: crate::auth::LoginLimiter,
    pub proxies: crate::client_ip::TrustedProxies,
    pub query_limits: crate::load::QueryLimits,
    /// Batches being decompressed, parsed and spooled at once (see [`MAX_INGEST_IN_FLIGHT`]).
    pub ingest_slots: Arc<tokio::sync::Semaphore>,
    /// Set when nodes share the event store: background jobs run only while this node holds their lease.
    pub lease: Option<JobLease>,
    /// Replay bytes per site, read at most every [`REPLAY_USAGE_TTL`] (the public tracker-config asks often).
    replay_usage: std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, u64)>>,
}

/// Batches processed at once; more are answered 503 at once. Each holds at most 1 MiB as sent plus 8 MiB
/// decompressed, so this bounds ingest memory to ~300 MiB under any flood (gzip bombs included), while a
/// group commit of a few milliseconds keeps thousands of batches per second flowing through 32 slots.
pub const MAX_INGEST_IN_FLIGHT: usize = 32;

/// How long a site's replay usage is reused before it is summed again from the replay index.
pub const REPLAY_USAGE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// Metadata only (for CLI commands that must work while a server holds the event store).
pub fn open_meta(config: &Config) -> Result<Arc<dyn MetaStore>, OpenError> {
    create_data_dir(config)?;
    Ok(crate::backends::open_meta(&config.meta, &config.data_dir)?)
}

fn create_data_dir(config: &Config) -> Result<(), OpenError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| OpenError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })
}

const DAY_MS: i64 = 86_400_000;

/// How long batch keys are kept in the store: as long as retries can be accepted, plus clock slack.
pub fn batch_key_keep_ms(config: &Config) -> i64 {
    i64::from(config.max_event_age_days) * DAY_MS + spool::DEDUP_CLOCK_SLACK_MS
}

/// The spool's deduplication memory at start: the newest stored keys, and the store for older ones.
fn dedup_seed(events: &Arc<dyn EventStore>, config: &Config) -> Result<DedupSeed, OpenError> {
    let since = sightline_model::now_ms() - batch_key_keep_ms(config);
    let recent = events.recent_batch_keys(since, spool::DEDUP_MEMORY_KEYS)?;
    // All keys since `since` fit: only older ones are missing. Otherwise those up to the oldest loaded.
    let horizon_ms = match recent.first() {
        Some(oldest) if recent.len() >= spool::DEDUP_MEMORY_KEYS => oldest.received_at,
        _ => since,
    };
    let store = events.clone();
    Ok(DedupSeed {
        recent,
        horizon_ms,
        lookup: Box::new(move |key, received| {
            store.batch_stored(key, received).map_err(|e| e.to_string())
        }),
    })
}

/// Where the writer resumes: the spool's saved position, or for a data directory of a release that kept it in
/// the event store, that one (it is exact there).
fn committed_position(
    spool_dir: &std::path::Path,
    events: &crate::backends::OpenedEvents,
) -> Result<SpoolPosition, OpenError> {
    if let Some(saved) = spool::position::saved_position(spool_dir)? {
        return Ok(saved);
    }
    let legacy = match events {
        crate::backends::OpenedEvents::Duckdb(duckdb) => duckdb.legacy_ingest_position()?,
        crate::backends::OpenedEvents::Other(_) => None,
    };
    Ok(legacy
        .map(|(segment, offset)| SpoolPosition { segment, offset })
        .unwrap_or_default())
}

/// This process among the nodes: host name and a random part (two processes on one host differ).
fn node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!("{}-{:016x}", host.trim(), rand::random::<u64>())
}

impl App {
    /// Opens every store under `config.data_dir`, recovers the spool and starts the writer. Blocking.
    pub fn open(config: Config) -> Result<App, OpenError> {
        // Before recovery, so what it counts (quarantined bytes) reaches /metrics.
        crate::metrics_export::install();
        create_data_dir(&config)?;
        let dir = &config.data_dir;
        let meta = crate::backends::open_meta(&config.meta, dir)?;
        let opened = crate::backends::open_events(&config.events, dir)?;
        let committed = committed_position(&dir.join("spool"), &opened)?;
        let events = opened.store();
        let blobs = crate::backends::open_blobs(&config.blobs, dir)?;
        let dedup = dedup_seed(&events, &config)?;
        let (spool, recovered) = Spool::open(
            &dir.join("spool"),
            committed,
            SpoolOptions::with_max_bytes(config.spool_max_bytes),
            dedup,
            |payload| record::decode(payload).map(|(header, _)| header.key()),
        )?;
        tracing::info!(
            pending = recovered.pending_records,
            truncated_bytes = recovered.truncated_bytes,
            quarantined_bytes = recovered.quarantined_bytes,
            "spool recovered"
        );
        let spool = Arc::new(spool);
        // Nodes sharing the event store: a retry sent to another node may be in that node's spool while
        // this one holds it too, so every record is checked against the stored batch keys before it is written
        // (one query per write). Alone, only what the saved position may lag behind is checked.
        let shared_events = config.events.backend != crate::backends::EventsBackend::Duckdb;
        let start = if shared_events {
            WriterStart {
                from: committed,
                verify_until: SpoolPosition {
                    segment: u64::MAX,
                    offset: u64::MAX,
                },
                match_window_ms: batch_key_keep_ms(&config),
            }
        } else {
            WriterStart {
                from: committed,
                verify_until: recovered.end,
                match_window_ms: 0,
            }
        };
        let sites = Arc::new(SiteDirectory::new(meta.clone()));
        let writer = BatchWriter::spawn(
            events.clone(),
            blobs.clone(),
            sites.clone(),
            spool.clone(),
            start,
            &dir.join("dead-letter"),
        )
        .map_err(OpenError::Writer)?;
        // Nodes sharing the event store take turns at its background jobs; with a store per node each runs its own.
        let lease = shared_events.then(|| {
            JobLease::new(
                meta.clone(),
                node_id(),
                Duration::from_secs(u64::from(config.job_lease_secs)),
            )
        });
        let analyzer = Analyzer::spawn(
            events.clone(),
            sites.clone(),
            AnalyzerConfig {
                quiet: Duration::from_secs(u64::from(config.analysis_quiet_secs)),
                thresholds: config.detection.clone(),
                weights: config.friction_weights.clone(),
                lease: lease.clone(),
            },
        )
        .map_err(OpenError::Writer)?;
        let ingestor = Ingestor::new(
            sites.clone(),
            meta.clone(),
            spool.clone(),
            IngestOptions {
                allow_headless: config.allow_headless_browsers,
                max_event_age_ms: i64::from(config.max_event_age_days) * 86_400_000,
                limits: config.rate_limits(),
            },
        );
        let proxies = crate::client_ip::TrustedProxies::parse(
            &config.trusted_proxies,
            config.trusted_proxy_count,
        )
        .map_err(OpenError::Config)?;
        Ok(App {
            query_limits: crate::load::QueryLimits::new(
                config.api_max_concurrent_queries,
                config.api_timeout_secs,
            ),
            replay_usage: Default::default(),
            ingest_slots: Arc::new(tokio::sync::Semaphore::new(MAX_INGEST_IN_FLIGHT)),
            proxies,
            config,
            meta,
            events,
            blobs,
            sites,
            spool,
            writer,
            analyzer,
            ingestor,
            demo_site_key: std::sync::OnceLock::new(),
            login_limiter: crate::auth::LoginLimiter::default(),
            lease,
        })
    }

    /// The client address of a request (see [`crate::client_ip`]).
    pub fn client_ip(
        &self,
        headers: &axum::http::HeaderMap,
        peer: Option<std::net::SocketAddr>,
    ) -> std::net::IpAddr {
        crate::client_ip::client_ip(
            headers,
            peer,
            self.config.trust_proxy_headers,
            &self.proxies,
        )
    }

    /// Bytes a site's replays use, cached for [`REPLAY_USAGE_TTL`]. Blocking on a miss.
    pub fn replay_usage(&self, site_id: i64) -> Result<u64, sightline_store::StoreError> {
        let cached = |map: &std::collections::HashMap<i64, (std::time::Instant, u64)>| {
            map.get(&site_id)
                .filter(|(at, _)| at.elapsed() < REPLAY_USAGE_TTL)
                .map(|(_, bytes)| *bytes)
        };
        if let Some(bytes) = cached(&self.replay_usage.lock().unwrap_or_else(|p| p.into_inner())) {
            return Ok(bytes);
        }
        let bytes = self.events.replay_bytes(site_id)?;
        self.replay_usage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(site_id, (std::time::Instant::now(), bytes));
        Ok(bytes)
    }

    /// Bytes of spool the writer may be behind before ingest answers 503.
    pub fn max_writer_lag_bytes(&self) -> u64 {
        u64::from(self.config.max_writer_lag_mb) * 1024 * 1024
    }

    /// Makes sure no spool segment still holds a record acknowledged before this call: closes the current
    /// segment, waits (at most `timeout`) until the writer has stored everything before it, and deletes the
    /// consumed segments. Blocking; used before deleting data from the store.
    pub fn drain_spool(&self, timeout: Duration) -> Result<(), spool::SpoolError> {
        let deadline = Instant::now() + timeout;
        let sealed = self.spool.seal(timeout)?;
        if !self
            .writer
            .wait_committed(sealed, deadline.saturating_duration_since(Instant::now()))
        {
            let writer_error = self.writer.status.last_error();
            return Err(spool::SpoolError::Unavailable(format!(
                "the batch writer has not stored the spooled batches within {} s{}",
                timeout.as_secs(),
                writer_error.map_or(String::new(), |e| format!(" ({e})"))
            )));
        }
        self.spool.remove_consumed(sealed)?;
        Ok(())
    }

    /// Stops taking batches, writes every acknowledged one into the store, and stops the writer. Blocking.
    pub fn shutdown(&self) {
        self.spool.close();
        self.writer.finish();
        self.analyzer.finish();
        tracing::info!("ingest drained");
    }
}

//! Storage behind three traits, one module per backend, one conformance suite for all of them.
//!
//! Contract shared by every backend:
//! - Methods block; async callers run them on blocking threads (`spawn_blocking` or a dedicated thread).
//! - Implementations are `Send + Sync` and safe to call concurrently from many threads.
//! - Errors are [`StoreError`]; a backend never panics on data it stored itself.
//! - Analytical questions are answered by the engine in its own SQL (push-down), not by scanning rows here.
//!
//! Embedded defaults: DuckDB events (`duckdb`), SQLite metadata (`sqlite`), files for blobs (`fs`). For several
//! nodes: PostgreSQL metadata (`postgres`) and S3-compatible blobs (`s3`). Each backend is a module behind a cargo
//! feature of the same name, implements the traits and must pass [`conformance`].

mod analysis_types;
#[cfg(feature = "clickhouse")]
pub mod clickhouse;
pub mod conformance;
#[cfg(feature = "duckdb")]
pub mod duckdb;
mod event_columns;
pub mod fs;
mod heatmap_types;
mod journey_types;
#[cfg(any(feature = "duckdb", feature = "clickhouse"))]
mod path_report;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(any(feature = "duckdb", feature = "clickhouse"))]
mod session_columns;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod types;

pub use analysis_types::*;
pub use event_columns::{EventColumns, EventColumnsBuilder};
pub use heatmap_types::*;
pub use journey_types::*;
pub use types::*;

/// What went wrong in a store, whichever engine holds it: callers (the HTTP layer, the writer) decide on these
/// kinds, never on an engine's own error type.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine failed or refused a statement; `engine` names it (`duckdb`, `sqlite`, `clickhouse`, ...).
    #[error("{engine}: {message}")]
    Engine {
        engine: &'static str,
        message: String,
    },
    /// The engine could not be reached (connection refused, timeout, HTTP 5xx): worth retrying later.
    #[error("{engine} unavailable: {message}")]
    Unavailable {
        engine: &'static str,
        message: String,
    },
    /// A query needed more memory than the store's budget allows (DuckDB's `memory_limit`).
    #[error("out of memory: {0}")]
    OutOfMemory(String),
    #[error("i/o on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("corrupt store data: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn engine(engine: &'static str, error: impl std::fmt::Display) -> Self {
        StoreError::Engine {
            engine,
            message: error.to_string(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Append-only analytical store of events.
pub trait EventStore: Send + Sync {
    /// Appends `batch.rows` (with their sessions and replay chunks) and records `batch.batch_keys` as stored.
    /// The keys must become visible no earlier than the rows, so that a key found means its rows are stored:
    /// the writer never writes a batch whose key [`EventStore::stored_batches`] finds (a transactional engine
    /// commits all of it at once; others write the keys with the rows or after them).
    fn commit(&self, batch: &WriteBatch) -> Result<()>;
    /// For each key, whether a batch with its `(site, sid, seq)` is stored with a `received_at` at most
    /// `window_ms` from the key's: the writer asks it before writing records the store may hold already (after
    /// a restart: the same record, window 0; on nodes sharing the store: a retry another node stored, window
    /// as long as retries are accepted).
    fn stored_batches(&self, keys: &[BatchKey], window_ms: i64) -> Result<Vec<bool>> {
        keys.iter()
            .map(|key| {
                self.batch_stored(
                    key,
                    key.received_at.saturating_sub(window_ms)
                        ..=key.received_at.saturating_add(window_ms),
                )
            })
            .collect()
    }
    /// Whether the engine answers (for `/readyz`).
    fn health(&self) -> Result<()>;
    /// The newest `limit` keys of batches received at or after `since_ms`, oldest first (the spool's
    /// deduplication memory at start).
    fn recent_batch_keys(&self, since_ms: i64, limit: usize) -> Result<Vec<BatchKey>>;
    /// Whether batch `(site, sid, seq)` of `key` was stored with a `received_at` within `received`
    /// (`key.received_at` is ignored). Asked for retries older than the spool's memory.
    fn batch_stored(&self, key: &BatchKey, received: std::ops::RangeInclusive<i64>)
    -> Result<bool>;
    /// Forgets the keys of batches received before `before_ms` (retries that old are refused anyway).
    fn delete_batch_keys_before(&self, before_ms: i64) -> Result<u64>;
    /// The stored sessions of `sids` on a site that lie within `[from, to]` (ms) at least in part, and the session
    /// keyed by each sid itself wherever it lies: what placing new events of those `sid`s needs
    /// (`sightline_insight::session::SidSessions`).
    fn session_spans(
        &self,
        site_id: i64,
        sids: &[String],
        from: i64,
        to: i64,
    ) -> Result<Vec<SessionSpan>>;
    /// Number of stored events of a site (all time); used by tests, `site list` and the conformance suite.
    fn count_events(&self, site_id: i64) -> Result<u64>;
    /// Memory the engine holds in this process, by what holds it (DuckDB's `duckdb_memory()` tags); empty for
    /// engines in another process. Exported on `/metrics`, so an operator sees the server's RSS broken down.
    fn engine_memory(&self) -> Result<Vec<(String, u64)>> {
        Ok(Vec::new())
    }
    /// Traffic overview of one site over a time range, filtered by session attributes.
    fn overview(&self, site_id: i64, query: &OverviewQuery) -> Result<Overview>;
    /// Events of one session in time order, at most `limit`.
    fn session_events(&self, site_id: i64, session: &str, limit: usize)
    -> Result<Vec<StoredEvent>>;
    /// One page of the sessions list.
    fn sessions(&self, site_id: i64, query: &SessionQuery) -> Result<SessionPage>;
    /// Replay chunk index of a session, in playback order (pageview start, then chunk).
    fn replay_chunks(&self, site_id: i64, session: &str) -> Result<Vec<ReplayChunk>>;
    /// Bytes the site's replays use (for its quota).
    fn replay_bytes(&self, site_id: i64) -> Result<u64>;
    /// Retention: deletes a site's events and replay chunks older than `before_ms`.
    fn delete_before(&self, site_id: i64, before_ms: i64) -> Result<Deleted>;
    /// What [`EventStore::delete_before`] with the same arguments would delete, without deleting it.
    fn count_before(&self, site_id: i64, before_ms: i64) -> Result<StoredCount>;
    /// Deletes everything of one visitor on a site (events and replay chunks), leaving no trace of it in the
    /// backend's files (an embedded backend rewrites them).
    fn delete_visitor(&self, site_id: i64, visitor: &str) -> Result<Deleted>;
    /// Visitors per day (UTC) for the overview chart.
    fn overview_series(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<SeriesPoint>>;

    /// Analysis pass: sessions whose row changed after their last analysis (or never analysed), received in
    /// `(since, until]`, oldest first, at most `limit`.
    fn changed_sessions(&self, since: i64, until: i64, limit: usize)
    -> Result<Vec<SessionVersion>>;
    /// The events of `sessions` with what the detectors read, grouped by session in time order.
    fn analysis_events(
        &self,
        sessions: &[SessionVersion],
    ) -> Result<Vec<sightline_model::EventRow>>;
    /// Replaces what earlier analyses of these sessions found, atomically.
    fn store_analyses(&self, analyses: &[AnalyzedSession]) -> Result<()>;
    /// The stored row of one session.
    fn session_row(
        &self,
        site_id: i64,
        session: &str,
    ) -> Result<Option<sightline_model::SessionRow>>;
    /// The detections of one session in time order.
    fn session_detections(&self, site_id: i64, session: &str) -> Result<Vec<StoredDetection>>;
    /// Counts behind the problems report, per problem and stratum (the most affected problems first).
    fn problem_counts(&self, site_id: i64, query: &ProblemQuery) -> Result<Vec<ProblemCounts>>;
    /// JS errors in the range grouped by fingerprint, most sessions first.
    fn error_groups(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<IssueGroup>>;
    /// Failed requests in the range grouped by method and URL pattern, most sessions first.
    fn failed_requests(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<IssueGroup>>;
    /// Web vitals in the range per page group, device class and metric.
    fn vitals(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<VitalStats>>;
    /// One heatmap of a page's pageviews in the range.
    fn heatmap(&self, site_id: i64, query: &PageQuery, kind: HeatmapKind) -> Result<Heatmap>;
    /// Metrics of each element of a page ([`ZoneStats`]), most clicked first, at most [`MAX_ZONES`].
    fn zones(&self, site_id: i64, query: &PageQuery) -> Result<Vec<ZoneStats>>;
    /// The newest snapshot of the page among its pageviews in the query, if any ([`PageSnapshotRef`]).
    fn page_snapshot(&self, site_id: i64, query: &PageQuery) -> Result<Option<PageSnapshotRef>>;
    /// The sessions that clicked `selector` on the page, newest first click first, at most
    /// [`MAX_ZONE_SESSIONS`].
    fn zone_sessions(
        &self,
        site_id: i64,
        query: &PageQuery,
        selector: &str,
    ) -> Result<Vec<ZoneSession>>;
    /// The list rows of these sessions (those that exist), newest first.
    fn session_summaries(&self, site_id: i64, sessions: &[String]) -> Result<Vec<SessionSummary>>;
    /// The journeys of the query's sessions from (or to) its anchor, counted per step.
    fn paths(&self, site_id: i64, query: &PathQuery) -> Result<PathReport>;
    /// The sessions at one node (or link) of [`EventStore::paths`]' report: the newest `limit` keys and the
    /// number of them.
    fn path_sessions(
        &self,
        site_id: i64,
        query: &PathQuery,
        at: &PathSelection,
        limit: usize,
    ) -> Result<(Vec<String>, u64)>;
    /// Calls `each` with the funnel events of every unit that started the funnel in the range ([`FunnelUnit`]),
    /// one unit at a time.
    fn funnel_units(
        &self,
        site_id: i64,
        query: &FunnelQuery,
        each: &mut dyn FnMut(&FunnelUnit),
    ) -> Result<()>;
    /// Retention cohorts and customers; periods that begin after `until` (now) are left out.
    fn retention(
        &self,
        site_id: i64,
        query: &RetentionQuery,
        until: i64,
    ) -> Result<RetentionReport>;
}

/// Metadata: sites, keys, origins, page-group patterns, visitor-hash salts.
pub trait MetaStore: Send + Sync {
    fn create_site(&self, site: &NewSite) -> Result<Site>;
    fn list_sites(&self) -> Result<Vec<Site>>;
    fn site_by_key(&self, key: &str) -> Result<Option<Site>>;
    fn site_by_id(&self, id: i64) -> Result<Option<Site>>;
    /// Replaces the editable settings of a site.
    fn update_site(&self, id: i64, update: &SiteUpdate) -> Result<Site>;
    /// The random salt for cookieless visitor hashes of `day` (days since the epoch, UTC), created on first use.
    /// Salts older than yesterday are deleted, so yesterday's visitors can never be re-identified.
    fn daily_salt(&self, day: i64) -> Result<[u8; 32]>;

    /// Creates a user; `Conflict` when the email is taken (case-insensitive).
    fn create_user(&self, email: &str, password_hash: &str, role: Role) -> Result<User>;
    fn count_users(&self) -> Result<u64>;
    fn list_users(&self) -> Result<Vec<User>>;
    fn user_by_id(&self, id: i64) -> Result<Option<User>>;
    /// The user and their password hash.
    fn user_by_email(&self, email: &str) -> Result<Option<(User, String)>>;
    /// Changes a user's role; `NotFound` for unknown ids, `Conflict` when it would leave no admin.
    fn set_user_role(&self, id: i64, role: Role) -> Result<User>;
    /// Deletes a user with their memberships, logins and tokens; `NotFound` for unknown ids, `Conflict` when it
    /// would leave no admin.
    fn delete_user(&self, id: i64) -> Result<()>;

    fn add_member(&self, site_id: i64, user_id: i64) -> Result<()>;
    fn remove_member(&self, site_id: i64, user_id: i64) -> Result<()>;
    fn members(&self, site_id: i64) -> Result<Vec<Member>>;
    /// Ids of the sites a user is a member of.
    fn member_sites(&self, user_id: i64) -> Result<Vec<i64>>;

    /// Stores a login under the hash of its cookie value.
    fn create_login_session(&self, id_hash: &str, session: &LoginSession) -> Result<()>;
    /// An unexpired login by cookie hash (`now` decides expiry; expired ones are deleted).
    fn login_session(&self, id_hash: &str, now: i64) -> Result<Option<LoginSession>>;
    fn delete_login_session(&self, id_hash: &str) -> Result<()>;
    /// Logs a user out everywhere; returns how many logins ended.
    fn delete_user_sessions(&self, user_id: i64) -> Result<usize>;

    fn create_token(&self, token: &NewToken) -> Result<TokenInfo>;
    /// The token with this hash, marking it used at `now`.
    fn use_token(&self, token_hash: &str, now: i64) -> Result<Option<TokenInfo>>;
    /// Tokens of one owner, or all tokens (`None`).
    fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>>;
    fn delete_token(&self, id: i64) -> Result<()>;

    /// Saved views of a site (segments, funnels): `kind` names which, `body` is the definition as text.
    fn create_saved_view(
        &self,
        site_id: i64,
        kind: &str,
        name: &str,
        body: &str,
    ) -> Result<SavedView>;
    fn saved_views(&self, site_id: i64, kind: &str) -> Result<Vec<SavedView>>;
    /// Deletes a saved view of that site and kind (`NotFound` when there is none).
    fn delete_saved_view(&self, site_id: i64, kind: &str, id: i64) -> Result<()>;

    /// Takes or renews the lease of background job `job` for `holder` until `now + ttl_ms`: true when `holder`
    /// holds it now (it was free, expired, or already `holder`'s), false while another holder's is unexpired.
    /// Nodes sharing the store run such a job only while they hold its lease.
    fn acquire_lease(&self, job: &str, holder: &str, now: i64, ttl_ms: i64) -> Result<bool>;
}

/// Longest accepted blob key.
const MAX_BLOB_KEY_LEN: usize = 512;

/// A blob key is `/`-separated parts of `[A-Za-z0-9._-]`, none empty, `.` or `..`: the same key is a safe
/// relative path for the file backend and an object name for S3.
pub(crate) fn check_blob_key(key: &str) -> Result<()> {
    let valid = !key.is_empty()
        && key.len() <= MAX_BLOB_KEY_LEN
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
    if valid {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("blob key {key:?}")))
    }
}

/// Opaque blobs by key (`site/session/seq`), e.g. replay chunks.
pub trait BlobStore: Send + Sync {
    /// Stores durably (fsync'd) under `key`, replacing any previous value.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<()>;
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Keys under `prefix`, sorted.
    fn list(&self, prefix: &str) -> Result<Vec<String>>;
    /// Deletes every blob under `prefix`; returns how many.
    fn delete_prefix(&self, prefix: &str) -> Result<usize>;
}

//! Which engine holds what: the config's `[events]`, `[meta]` and `[blobs]` tables, and opening the stores
//! they name. Embedded by default (DuckDB, SQLite, files in `data_dir`); for several nodes PostgreSQL metadata
//! and S3-compatible blobs (cargo feature `cluster`, on in the release binary). Secrets never sit in these
//! tables: passwords come from the environment (`PGPASSWORD`, `AWS_SECRET_ACCESS_KEY`, ...), and any a URL
//! carries is hidden when the config is printed.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sightline_store::{BlobStore, EventStore, MetaStore, StoreError};

/// `[events]`: events, sessions and everything computed from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// `duckdb` (a file in `data_dir`) or `clickhouse` (a preview: see docs/cluster.md for what it answers).
    pub backend: EventsBackend,
    /// ClickHouse's HTTP interface, e.g. `http://127.0.0.1:8123` (the password from
    /// `SIGHTLINE_CLICKHOUSE_PASSWORD`).
    pub url: String,
    pub database: String,
    /// Empty: `default`.
    pub user: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventsBackend {
    #[default]
    Duckdb,
    Clickhouse,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            backend: EventsBackend::Duckdb,
            url: String::new(),
            database: DEFAULT_CLICKHOUSE_DATABASE.into(),
            user: String::new(),
        }
    }
}

pub const DEFAULT_CLICKHOUSE_DATABASE: &str = "sightline";
/// The ClickHouse password's environment variable (not a config key: secrets stay out of config files).
pub const CLICKHOUSE_PASSWORD_VAR: &str = "SIGHTLINE_CLICKHOUSE_PASSWORD";

/// The event store the config names. DuckDB's comes back as such too, for what only it has (the spool
/// position releases before 0.2 kept in it).
pub enum OpenedEvents {
    Duckdb(Arc<sightline_store::duckdb::DuckDbEventStore>),
    Other(Arc<dyn EventStore>),
}

impl OpenedEvents {
    pub fn store(&self) -> Arc<dyn EventStore> {
        match self {
            OpenedEvents::Duckdb(store) => store.clone(),
            OpenedEvents::Other(store) => store.clone(),
        }
    }
}

pub fn open_events(config: &EventsConfig, data_dir: &Path) -> Result<OpenedEvents, StoreError> {
    match config.backend {
        EventsBackend::Duckdb => Ok(OpenedEvents::Duckdb(Arc::new(
            sightline_store::duckdb::DuckDbEventStore::open(&data_dir.join("events.duckdb"))?,
        ))),
        EventsBackend::Clickhouse => open_clickhouse(config).map(OpenedEvents::Other),
    }
}

#[cfg(feature = "cluster")]
fn open_clickhouse(config: &EventsConfig) -> Result<Arc<dyn EventStore>, StoreError> {
    use sightline_store::clickhouse::{ClickHouseEventStore, ClickHouseOptions};
    Ok(Arc::new(ClickHouseEventStore::open(&ClickHouseOptions {
        url: config.url.clone(),
        database: config.database.clone(),
        user: config.user.clone(),
        password: std::env::var(CLICKHOUSE_PASSWORD_VAR).ok(),
    })?))
}

#[cfg(not(feature = "cluster"))]
fn open_clickhouse(_config: &EventsConfig) -> Result<Arc<dyn EventStore>, StoreError> {
    Err(not_built("[events] backend = \"clickhouse\""))
}

/// `[meta]`: sites, users, logins, tokens, saved views.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetaConfig {
    /// `sqlite` (a file in `data_dir`) or `postgres`.
    pub backend: MetaBackend,
    /// PostgreSQL: `postgres://USER@HOST:PORT/DATABASE` (the password from `PGPASSWORD`).
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetaBackend {
    #[default]
    Sqlite,
    Postgres,
}

/// `[blobs]`: replay chunks and page snapshots.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlobsConfig {
    /// `fs` (files under `data_dir/blobs`) or `s3` (any S3-compatible service).
    pub backend: BlobsBackend,
    pub bucket: String,
    /// Empty for AWS; e.g. `http://127.0.0.1:9000` for a MinIO or Ceph on your network.
    pub endpoint: String,
    /// Empty means `us-east-1`.
    pub region: String,
    /// Keys go under this prefix, so one bucket can serve several installations.
    pub prefix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobsBackend {
    #[default]
    Fs,
    S3,
}

/// Why a configured backend cannot be opened in this build.
#[cfg(not(feature = "cluster"))]
fn not_built(what: &str) -> StoreError {
    StoreError::Invalid(format!(
        "{what} needs a binary built with the `cluster` feature (the default)"
    ))
}

pub fn open_meta(config: &MetaConfig, data_dir: &Path) -> Result<Arc<dyn MetaStore>, StoreError> {
    match config.backend {
        MetaBackend::Sqlite => Ok(Arc::new(sightline_store::sqlite::SqliteMetaStore::open(
            &data_dir.join("meta.sqlite"),
        )?)),
        MetaBackend::Postgres => open_postgres(&config.url),
    }
}

#[cfg(feature = "cluster")]
fn open_postgres(url: &str) -> Result<Arc<dyn MetaStore>, StoreError> {
    if url.is_empty() {
        return Err(StoreError::Invalid(
            "[meta] backend = \"postgres\" needs a url".into(),
        ));
    }
    Ok(Arc::new(
        sightline_store::postgres::PostgresMetaStore::connect(url)?,
    ))
}

#[cfg(not(feature = "cluster"))]
fn open_postgres(_url: &str) -> Result<Arc<dyn MetaStore>, StoreError> {
    Err(not_built("[meta] backend = \"postgres\""))
}

pub fn open_blobs(config: &BlobsConfig, data_dir: &Path) -> Result<Arc<dyn BlobStore>, StoreError> {
    match config.backend {
        BlobsBackend::Fs => Ok(Arc::new(sightline_store::fs::FsBlobStore::open(
            &data_dir.join("blobs"),
        )?)),
        BlobsBackend::S3 => open_s3(config),
    }
}

#[cfg(feature = "cluster")]
fn open_s3(config: &BlobsConfig) -> Result<Arc<dyn BlobStore>, StoreError> {
    use sightline_store::s3::{S3BlobStore, S3Options};
    Ok(Arc::new(S3BlobStore::open(&S3Options {
        bucket: config.bucket.clone(),
        endpoint: config.endpoint.clone(),
        region: config.region.clone(),
        prefix: config.prefix.clone(),
        credentials: None,
    })?))
}

#[cfg(not(feature = "cluster"))]
fn open_s3(_config: &BlobsConfig) -> Result<Arc<dyn BlobStore>, StoreError> {
    Err(not_built("[blobs] backend = \"s3\""))
}

/// `url` with any password replaced by `***`, for printing.
pub fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        // Not a URL we can read: print nothing of it rather than a secret.
        Err(_) if url.is_empty() => String::new(),
        Err(_) => "(unreadable url hidden)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_urls_hide_their_password() {
        assert_eq!(
            without_password("postgres://sightline:s3cret@db.internal:5432/meta"),
            "postgres://sightline:***@db.internal:5432/meta"
        );
        assert_eq!(
            without_password("postgres://sightline@db.internal/meta"),
            "postgres://sightline@db.internal/meta"
        );
        assert_eq!(without_password(""), "");
        assert!(!without_password("host=db password=s3cret").contains("s3cret"));
    }
}

//! Typed configuration: defaults, then a TOML file, then `SIGHTLINE_*` environment variables, then flags
//! (applied by the binary). Unknown keys are rejected with a message that names them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::backends::{
    BlobsBackend, BlobsConfig, EventsBackend, EventsConfig, MetaBackend, MetaConfig,
    without_password,
};
use sightline_ingest::rate_limit::{self, Rate, RateLimits};
use sightline_insight::detect::{FrictionWeights, Thresholds};

pub const DEFAULT_MAX_WRITER_LAG_MB: u32 = 256;
pub const DEFAULT_API_TIMEOUT_SECS: u32 = 30;
pub const DEFAULT_API_MAX_CONCURRENT_QUERIES: u32 = 4;
/// Most entries in `trusted_proxies`.
const MAX_TRUSTED_PROXIES: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// One directory holds every embedded store: events.duckdb, meta.sqlite, spool/, blobs/.
    pub data_dir: PathBuf,
    /// `HOST:PORT`; port 0 picks a free port (the bound address is logged).
    pub listen: String,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted reverse proxy). The client is the
    /// right-most address not added by a trusted proxy: see `trusted_proxies` and `trusted_proxy_count`.
    pub trust_proxy_headers: bool,
    /// Addresses or CIDR ranges of your reverse proxies (e.g. `["10.0.0.0/8", "192.0.2.7"]`). When set, the
    /// client IP is the right-most `X-Forwarded-For` entry outside these ranges, and the header is used only
    /// when the connection itself comes from one of them.
    pub trusted_proxies: Vec<String>,
    /// Without `trusted_proxies`: how many proxies stand in front of the server; each appends one entry to
    /// `X-Forwarded-For`, so the client is the entry this many places from the right.
    pub trusted_proxy_count: u32,
    /// `/metrics` needs `Authorization: Bearer <metrics_token>` when set (empty = open, the default).
    pub metrics_token: String,
    /// When set (`HOST:PORT`), `/metrics` is served only on this second address, not on `listen`.
    pub metrics_listen: String,
    /// Ingest: batches per second per client IP (0 = off) and the burst allowed above it.
    pub ingest_ip_batches_per_sec: u32,
    pub ingest_ip_burst: u32,
    /// Ingest: events per second per site (0 = off) and the burst allowed above it.
    pub ingest_site_events_per_sec: u32,
    pub ingest_site_burst: u32,
    /// Ingest answers 503 (with Retry-After) while the writer is more than this many MiB of spool behind;
    /// `/readyz` fails meanwhile.
    pub max_writer_lag_mb: u32,
    /// Dashboard API requests taking longer are answered 503 `timeout`.
    pub api_timeout_secs: u32,
    /// Report queries (overview, sessions, replays) running at once; more wait up to `api_timeout_secs`.
    pub api_max_concurrent_queries: u32,
    /// Count headless Chromium as a browser rather than a bot (demos and browser tests).
    pub allow_headless_browsers: bool,
    /// Public base URL of this server (for tracker snippets), e.g. `https://stats.example.com`.
    pub public_url: String,
    /// Oldest event accepted by ingest, in days (offline queues; imports and the demo raise it).
    pub max_event_age_days: u32,
    /// Cap on the spool's disk use (all segment files): past it ingest answers 503 + Retry-After until the
    /// batch writer has caught up, instead of filling the disk.
    pub spool_max_bytes: u64,
    /// A session is analysed for frustration signals once nothing of it arrived for this long (and again when it
    /// grows); its problems show up in reports about this much after it went quiet.
    pub analysis_quiet_secs: u32,
    /// Share of page loads (0..1) of sessions not recorded for replay on which the tracker sends a page snapshot
    /// for heatmaps; the server keeps at most one per page group and device class every 10 minutes.
    pub heatmap_snapshot_sample_rate: f64,
    /// Frustration detector thresholds (`[detection]` table; see docs/frustration.md).
    pub detection: Thresholds,
    /// Weights of the friction score (`[friction_weights]` table; see docs/frustration.md).
    pub friction_weights: FrictionWeights,
    /// With a shared event store: how long a node's lease on a background job (analysis, retention) lasts
    /// unless renewed, so how soon another node takes over when it dies.
    pub job_lease_secs: u32,
    /// Where events and sessions are stored (`[events]`; see docs/cluster.md).
    pub events: EventsConfig,
    /// Where metadata is stored (`[meta]`): `sqlite` or `postgres`.
    pub meta: MetaConfig,
    /// Where replay blobs are stored (`[blobs]`): `fs` or `s3`.
    pub blobs: BlobsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            listen: "127.0.0.1:8420".into(),
            trust_proxy_headers: false,
            trusted_proxies: Vec::new(),
            trusted_proxy_count: 1,
            metrics_token: String::new(),
            metrics_listen: String::new(),
            ingest_ip_batches_per_sec: rate_limit::DEFAULT_IP_BATCHES_PER_SEC,
            ingest_ip_burst: rate_limit::DEFAULT_IP_BURST,
            ingest_site_events_per_sec: rate_limit::DEFAULT_SITE_EVENTS_PER_SEC,
            ingest_site_burst: rate_limit::DEFAULT_SITE_BURST,
            max_writer_lag_mb: DEFAULT_MAX_WRITER_LAG_MB,
            api_timeout_secs: DEFAULT_API_TIMEOUT_SECS,
            api_max_concurrent_queries: DEFAULT_API_MAX_CONCURRENT_QUERIES,
            allow_headless_browsers: false,
            public_url: String::new(),
            max_event_age_days: 7,
            spool_max_bytes: sightline_ingest::spool::DEFAULT_MAX_BYTES,
            analysis_quiet_secs: sightline_ingest::analyzer::DEFAULT_QUIET_SECS,
            heatmap_snapshot_sample_rate: DEFAULT_HEATMAP_SNAPSHOT_SAMPLE_RATE,
            detection: Thresholds::default(),
            friction_weights: FrictionWeights::default(),
            job_lease_secs: sightline_ingest::lease::DEFAULT_LEASE.as_secs() as u32,
            events: EventsConfig::default(),
            meta: MetaConfig::default(),
            blobs: BlobsConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: String, message: String },
    #[error("invalid config: {0}")]
    Invalid(String),
}

/// 2 % of page loads: a page group seen 50 times within 10 minutes gets a fresh snapshot per device class.
pub const DEFAULT_HEATMAP_SNAPSHOT_SAMPLE_RATE: f64 = 0.02;

/// Largest accepted `max_event_age_days`.
const MAX_EVENT_AGE_DAYS_LIMIT: u32 = 3 * 366;

/// Environment variables that are not config keys but are still ours.
const NON_CONFIG_VARS: &[&str] = &[
    "SIGHTLINE_CONFIG",
    "SIGHTLINE_LOG",
    crate::backends::CLICKHOUSE_PASSWORD_VAR,
];

impl Config {
    /// Defaults overlaid with `file` (if any) and then with `env` (`SIGHTLINE_<KEY>` for each key).
    pub fn load(
        file: Option<&Path>,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let mut table = toml::Table::try_from(Config::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let from_file: toml::Table =
                text.parse()
                    .map_err(|e: toml::de::Error| ConfigError::Parse {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?;
            for (key, value) in from_file {
                if !table.contains_key(&key) {
                    return Err(ConfigError::Parse {
                        path: path.display().to_string(),
                        message: format!("unknown key `{key}` (known: {})", known_keys(&table)),
                    });
                }
                // A table in the file overlays the defaults' table key by key, so each key stays known.
                match (table.get_mut(&key), value) {
                    (Some(toml::Value::Table(defaults)), toml::Value::Table(given)) => {
                        defaults.extend(given)
                    }
                    (_, value) => {
                        table.insert(key, value);
                    }
                }
            }
        }
        for (name, raw) in env.iter().filter(|(n, _)| n.starts_with("SIGHTLINE_")) {
            if NON_CONFIG_VARS.contains(&name.as_str()) {
                continue;
            }
            let key = name["SIGHTLINE_".len()..].to_ascii_lowercase();
            // `SIGHTLINE_META_URL` is `url` in the `[meta]` table.
            let (table_name, field) = match table.get(&key) {
                Some(_) => (None, key.clone()),
                None => match table.iter().find_map(|(t, v)| {
                    let field = key.strip_prefix(t.as_str())?.strip_prefix('_')?;
                    v.as_table()?
                        .contains_key(field)
                        .then(|| (t.clone(), field.to_string()))
                }) {
                    Some((t, field)) => (Some(t), field),
                    None => {
                        return Err(ConfigError::Env {
                            name: name.clone(),
                            message: format!("not a config key (known: {})", known_keys(&table)),
                        });
                    }
                },
            };
            let target = match &table_name {
                None => &mut table,
                Some(t) => table
                    .get_mut(t)
                    .and_then(toml::Value::as_table_mut)
                    .ok_or_else(|| ConfigError::Invalid(format!("[{t}] is not a table")))?,
            };
            let value = env_value(name, raw, &target[&field])?;
            target.insert(field, value);
        }
        let config: Config = table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "listen = {:?} is not HOST:PORT with an IP address (e.g. 127.0.0.1:8420)",
                self.listen
            )));
        }
        if !(1..=MAX_EVENT_AGE_DAYS_LIMIT).contains(&self.max_event_age_days) {
            return Err(ConfigError::Invalid(format!(
                "max_event_age_days = {} must be 1..={MAX_EVENT_AGE_DAYS_LIMIT}",
                self.max_event_age_days
            )));
        }
        if !(0.0..=1.0).contains(&self.heatmap_snapshot_sample_rate) {
            return Err(ConfigError::Invalid(format!(
                "heatmap_snapshot_sample_rate = {} must be 0..=1",
                self.heatmap_snapshot_sample_rate
            )));
        }
        if self.trusted_proxies.len() > MAX_TRUSTED_PROXIES {
            return Err(ConfigError::Invalid(format!(
                "trusted_proxies has more than {MAX_TRUSTED_PROXIES} entries"
            )));
        }
        crate::client_ip::TrustedProxies::parse(&self.trusted_proxies, self.trusted_proxy_count)
            .map_err(ConfigError::Invalid)?;
        if !self.metrics_listen.is_empty()
            && self.metrics_listen.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(ConfigError::Invalid(format!(
                "metrics_listen = {:?} is not HOST:PORT with an IP address",
                self.metrics_listen
            )));
        }
        for (name, value) in [
            ("max_writer_lag_mb", self.max_writer_lag_mb),
            ("api_timeout_secs", self.api_timeout_secs),
            ("job_lease_secs", self.job_lease_secs),
            (
                "api_max_concurrent_queries",
                self.api_max_concurrent_queries,
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid(format!("{name} must be at least 1")));
            }
        }
        if self.spool_max_bytes < sightline_ingest::spool::MIN_MAX_BYTES {
            return Err(ConfigError::Invalid(format!(
                "spool_max_bytes = {} is below the minimum of {} (twice the largest record)",
                self.spool_max_bytes,
                sightline_ingest::spool::MIN_MAX_BYTES
            )));
        }
        if self.events.backend == EventsBackend::Clickhouse && self.events.url.is_empty() {
            return Err(ConfigError::Invalid(
                "[events] backend = \"clickhouse\" needs url = \"http://HOST:8123\"".into(),
            ));
        }
        if self.meta.backend == MetaBackend::Postgres && self.meta.url.is_empty() {
            return Err(ConfigError::Invalid(
                "[meta] backend = \"postgres\" needs url = \"postgres://USER@HOST:PORT/DATABASE\""
                    .into(),
            ));
        }
        if self.blobs.backend == BlobsBackend::S3 && self.blobs.bucket.is_empty() {
            return Err(ConfigError::Invalid(
                "[blobs] backend = \"s3\" needs a bucket".into(),
            ));
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(ConfigError::Invalid("data_dir is empty".into()));
        }
        Ok(())
    }

    pub fn rate_limits(&self) -> RateLimits {
        RateLimits {
            per_ip: Rate {
                per_second: self.ingest_ip_batches_per_sec,
                burst: self.ingest_ip_burst,
            },
            per_site: Rate {
                per_second: self.ingest_site_events_per_sec,
                burst: self.ingest_site_burst,
            },
        }
    }

    /// The config to show (`sightline config print`): a password in a URL is replaced by `***`.
    pub fn printable(&self) -> Config {
        let mut shown = self.clone();
        shown.meta.url = without_password(&shown.meta.url);
        shown.events.url = without_password(&shown.events.url);
        shown.blobs.endpoint = without_password(&shown.blobs.endpoint);
        shown
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

/// A variable's text as a value of the type the key has.
fn env_value(name: &str, raw: &str, current: &toml::Value) -> Result<toml::Value, ConfigError> {
    let invalid = |message: String| ConfigError::Env {
        name: name.to_string(),
        message,
    };
    Ok(match current {
        toml::Value::Boolean(_) => toml::Value::Boolean(
            parse_bool(raw)
                .ok_or_else(|| invalid(format!("expected true or false, got {raw:?}")))?,
        ),
        // Lists come from the environment comma-separated: `SIGHTLINE_TRUSTED_PROXIES=10.0.0.0/8,::1`.
        toml::Value::Array(_) => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| toml::Value::String(v.to_string()))
                .collect(),
        ),
        toml::Value::Integer(_) => toml::Value::Integer(
            raw.trim()
                .parse()
                .map_err(|_| invalid(format!("expected a whole number, got {raw:?}")))?,
        ),
        toml::Value::Float(_) => toml::Value::Float(
            raw.trim()
                .parse()
                .map_err(|_| invalid(format!("expected a number, got {raw:?}")))?,
        ),
        _ => toml::Value::String(raw.to_string()),
    })
}

fn known_keys(table: &toml::Table) -> String {
    table.keys().cloned().collect::<Vec<_>>().join(", ")
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn file_then_env_override_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("sightline.toml");
        std::fs::write(
            &file,
            "data_dir = \"/var/lib/sightline\"\nlisten = \"0.0.0.0:9000\"\n",
        )
        .expect("write");
        let config = Config::load(
            Some(&file),
            &env(&[("SIGHTLINE_LISTEN", "127.0.0.1:0"), ("PATH", "/bin")]),
        )
        .expect("load");
        assert_eq!(config.data_dir, PathBuf::from("/var/lib/sightline"));
        assert_eq!(config.listen, "127.0.0.1:0");
        assert!(!config.trust_proxy_headers);
    }

    #[test]
    fn unknown_keys_are_rejected_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("sightline.toml");
        std::fs::write(&file, "data_dri = \"x\"\n").expect("write");
        let err = Config::load(Some(&file), &env(&[]))
            .expect_err("typo must fail")
            .to_string();
        assert!(
            err.contains("unknown key `data_dri`") && err.contains("data_dir"),
            "{err}"
        );
        let err = Config::load(None, &env(&[("SIGHTLINE_LISTN", "x")]))
            .expect_err("typo must fail")
            .to_string();
        assert!(err.contains("SIGHTLINE_LISTN"), "{err}");
        let err = Config::load(None, &env(&[("SIGHTLINE_TRUST_PROXY_HEADERS", "maybe")]))
            .expect_err("bad bool")
            .to_string();
        assert!(err.contains("expected true or false"), "{err}");
        assert!(Config::load(None, &env(&[("SIGHTLINE_LISTEN", "localhost")])).is_err());
        let days = Config::load(None, &env(&[("SIGHTLINE_MAX_EVENT_AGE_DAYS", "30")]))
            .expect("integer from env");
        assert_eq!(days.max_event_age_days, 30);
        let err = Config::load(None, &env(&[("SIGHTLINE_MAX_EVENT_AGE_DAYS", "a month")]))
            .expect_err("not a number")
            .to_string();
        assert!(err.contains("expected a whole number"), "{err}");
        let spool = Config::load(None, &env(&[("SIGHTLINE_SPOOL_MAX_BYTES", "67108864")]))
            .expect("spool cap from env");
        assert_eq!(spool.spool_max_bytes, 64 * 1024 * 1024);
        let err = Config::load(None, &env(&[("SIGHTLINE_SPOOL_MAX_BYTES", "1000")]))
            .expect_err("below the minimum")
            .to_string();
        assert!(err.contains("spool_max_bytes"), "{err}");
        let rate = Config::load(
            None,
            &env(&[("SIGHTLINE_HEATMAP_SNAPSHOT_SAMPLE_RATE", "0.25")]),
        )
        .expect("a fraction from env");
        assert_eq!(rate.heatmap_snapshot_sample_rate, 0.25);
        for bad in ["a quarter", "1.5"] {
            let err = Config::load(
                None,
                &env(&[("SIGHTLINE_HEATMAP_SNAPSHOT_SAMPLE_RATE", bad)]),
            )
            .expect_err("not a share")
            .to_string();
            assert!(
                err.contains("expected a number") || err.contains("0..=1"),
                "{err}"
            );
        }
    }

    #[test]
    fn backends_come_from_their_tables_or_the_environment_and_print_without_secrets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("sightline.toml");
        std::fs::write(
            &file,
            "[meta]\nbackend = \"postgres\"\nurl = \"postgres://sightline:s3cret@db:5432/meta\"\n\n[blobs]\nbackend = \"s3\"\nbucket = \"replays\"\n",
        )
        .expect("write");
        let config = Config::load(
            Some(&file),
            &env(&[
                ("SIGHTLINE_BLOBS_ENDPOINT", "http://127.0.0.1:9000"),
                ("SIGHTLINE_DETECTION_RAGE_CLICK_MIN_CLICKS", "5"),
            ]),
        )
        .expect("load");
        assert_eq!(config.meta.backend, MetaBackend::Postgres);
        assert_eq!(config.blobs.backend, BlobsBackend::S3);
        assert_eq!(config.blobs.bucket, "replays");
        assert_eq!(config.blobs.endpoint, "http://127.0.0.1:9000");
        assert_eq!(config.detection.rage_click_min_clicks, 5);
        let printed = config.printable().to_toml();
        assert!(
            printed.contains("postgres://sightline:***@db:5432/meta")
                && !printed.contains("s3cret"),
            "{printed}"
        );
        let err = Config::load(None, &env(&[("SIGHTLINE_META_BACKEND", "postgres")]))
            .expect_err("postgres without a url")
            .to_string();
        assert!(err.contains("needs url"), "{err}");
        let err = Config::load(None, &env(&[("SIGHTLINE_BLOBS_BACKEND", "ftp")]))
            .expect_err("unknown backend")
            .to_string();
        assert!(
            err.contains("ftp") || err.contains("unknown variant"),
            "{err}"
        );
        let err = Config::load(None, &env(&[("SIGHTLINE_META_USER", "x")]))
            .expect_err("not a key of [meta]")
            .to_string();
        assert!(err.contains("SIGHTLINE_META_USER"), "{err}");
    }
}

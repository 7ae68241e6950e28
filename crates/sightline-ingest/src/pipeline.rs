//! The ingest path of one request: decode → parse → validate → site, origin and bot checks → visitor id →
//! durable spool append. Only cheap work happens here; enrichment into rows is the batch writer's job.

use std::borrow::Cow;
use std::io::Read;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use sightline_model::limits::MAX_EVENT_AGE_MS;
use sightline_model::limits::{MAX_BODY_BYTES, MAX_DECOMPRESSED_BYTES};
use sightline_model::validate::{clock_correction_ms, validate_batch_with_max_age};
use sightline_model::wire::{Batch, BatchAccepted};
use sightline_model::{ValidationError, ValidationErrorKind};
use sightline_store::{MetaStore, StoreError};

use crate::enrich;
use crate::rate_limit::{IngestLimiter, RateLimits};
use crate::record::{self, RecordHeader};
use crate::sites::SiteDirectory;
use crate::spool::{AppendOutcome, Spool, SpoolError};
use crate::visitor::{DAY_MS, cookieless_visitor};

/// `Retry-After` for a batch the spool could not take right now.
pub const SPOOL_RETRY_AFTER_SECS: u64 = 2;

/// Why a batch was refused. The server maps each to an HTTP status and code in one place.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("request body is {0} bytes, the limit is {MAX_BODY_BYTES}")]
    BodyTooLarge(usize),
    #[error("decompressed body exceeds the limit of {MAX_DECOMPRESSED_BYTES} bytes")]
    DecompressedTooLarge,
    #[error("body is not valid gzip: {0}")]
    BadGzip(String),
    #[error("body is not a valid v1 batch: {0}")]
    Malformed(String),
    #[error("{0}")]
    Invalid(ValidationError),
    #[error("unknown site key {0:?}")]
    UnknownSite(String),
    #[error("origin {0:?} is not allowed to send events for this site")]
    OriginNotAllowed(String),
    #[error("{0}")]
    SpoolUnavailable(#[from] SpoolError),
    #[error("too many batches; retry in {} s", crate::rate_limit::retry_after_secs(*.0))]
    RateLimited(std::time::Duration),
    #[error(
        "the server is {lag_bytes} bytes behind writing accepted events (limit {limit_bytes}); retry later"
    )]
    Overloaded { lag_bytes: u64, limit_bytes: u64 },
    #[error("metadata store: {0}")]
    Store(#[from] StoreError),
    #[error("internal task failed: {0}")]
    Task(String),
}

impl IngestError {
    /// Stable machine code for the `{error:{code}}` body and the rejection metric.
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::BodyTooLarge(_) => "body_too_large",
            IngestError::DecompressedTooLarge => "decompressed_too_large",
            IngestError::BadGzip(_) => "bad_gzip",
            IngestError::Malformed(_) => "malformed",
            IngestError::Invalid(e) => e.code,
            IngestError::UnknownSite(_) => "unknown_site",
            IngestError::OriginNotAllowed(_) => "origin_not_allowed",
            IngestError::SpoolUnavailable(_) => "spool_unavailable",
            IngestError::RateLimited(_) => "rate_limited",
            IngestError::Overloaded { .. } => "overloaded",
            IngestError::Store(_) | IngestError::Task(_) => "internal",
        }
    }

    /// How long a client should wait before retrying, for refusals that pass (overload, spool trouble).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            IngestError::SpoolUnavailable(_) | IngestError::Overloaded { .. } => {
                Some(SPOOL_RETRY_AFTER_SECS)
            }
            IngestError::RateLimited(wait) => Some(crate::rate_limit::retry_after_secs(*wait)),
            _ => None,
        }
    }

    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            IngestError::BodyTooLarge(_) | IngestError::DecompressedTooLarge
        ) || matches!(self, IngestError::Invalid(e) if e.kind == ValidationErrorKind::TooLarge)
    }
}

/// Facts about the HTTP request that ingest needs.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub origin: Option<String>,
    pub user_agent: String,
    /// Client IP, only for the cookieless hash.
    pub ip: IpAddr,
    pub gzip: bool,
    /// Server clock, ms since the epoch.
    pub received_at: i64,
}

#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Count headless Chromium as a browser, not a bot (our own end-to-end tests and demos drive it).
    pub allow_headless: bool,
    /// Oldest event accepted, in ms before the server clock.
    pub max_event_age_ms: i64,
    pub limits: RateLimits,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            allow_headless: false,
            max_event_age_ms: MAX_EVENT_AGE_MS,
            limits: RateLimits::default(),
        }
    }
}

pub struct Ingestor {
    sites: Arc<SiteDirectory>,
    meta: Arc<dyn MetaStore>,
    spool: Arc<Spool>,
    options: IngestOptions,
    limiter: IngestLimiter,
    salt: Mutex<Option<(i64, [u8; 32])>>,
}

/// Decompresses (if gzip) with a hard cap on the output, so a gzip bomb never allocates past the limit.
pub fn decode_body(body: &[u8], gzip_header: bool) -> Result<Cow<'_, [u8]>, IngestError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(IngestError::BodyTooLarge(body.len()));
    }
    if !(gzip_header || body.starts_with(&[0x1f, 0x8b])) {
        return Ok(Cow::Borrowed(body));
    }
    let mut out = Vec::with_capacity((body.len() * 4).min(MAX_DECOMPRESSED_BYTES));
    flate2::read::GzDecoder::new(body)
        .take(MAX_DECOMPRESSED_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| IngestError::BadGzip(e.to_string()))?;
    if out.len() > MAX_DECOMPRESSED_BYTES {
        return Err(IngestError::DecompressedTooLarge);
    }
    Ok(Cow::Owned(out))
}

/// Decode, parse and validate: everything that depends on the body alone.
pub fn parse_batch(
    body: &[u8],
    gzip_header: bool,
    received_at: i64,
    max_age_ms: i64,
) -> Result<(Batch, Vec<u8>), IngestError> {
    let json = decode_body(body, gzip_header)?;
    let batch: Batch =
        serde_json::from_slice(&json).map_err(|e| IngestError::Malformed(e.to_string()))?;
    validate_batch_with_max_age(&batch, received_at, max_age_ms).map_err(IngestError::Invalid)?;
    Ok((batch, json.into_owned()))
}

/// The batch's earliest event time on the server clock (what deduplication compares with its horizon).
fn earliest_event_ms(batch: &Batch, received_at: i64) -> i64 {
    let correction = clock_correction_ms(batch.sent_at, received_at);
    batch
        .events
        .iter()
        .map(|e| e.t.saturating_add(correction))
        .min()
        .unwrap_or(received_at)
}

impl Ingestor {
    pub fn new(
        sites: Arc<SiteDirectory>,
        meta: Arc<dyn MetaStore>,
        spool: Arc<Spool>,
        options: IngestOptions,
    ) -> Self {
        Self {
            sites,
            meta,
            spool,
            limiter: IngestLimiter::new(options.limits),
            options,
            salt: Mutex::new(None),
        }
    }

    async fn blocking<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, IngestError> {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| IngestError::Task(e.to_string()))
    }

    fn cached_salt(&self, day: i64) -> Option<[u8; 32]> {
        match *self.salt.lock().unwrap_or_else(|p| p.into_inner()) {
            Some((d, salt)) if d == day => Some(salt),
            _ => None,
        }
    }

    async fn salt_for(&self, day: i64) -> Result<[u8; 32], IngestError> {
        if let Some(salt) = self.cached_salt(day) {
            return Ok(salt);
        }
        let meta = self.meta.clone();
        let salt = Self::blocking(move || meta.daily_salt(day)).await??;
        *self.salt.lock().unwrap_or_else(|p| p.into_inner()) = Some((day, salt));
        Ok(salt)
    }

    /// Counts one batch against the client IP's rate; call before reading the body.
    pub fn check_client(&self, ip: IpAddr) -> Result<(), IngestError> {
        self.limiter.check_ip(ip).map_err(IngestError::RateLimited)
    }

    /// Validates and durably spools one batch. `Ok` means the events are on disk (or were already).
    pub async fn ingest(
        &self,
        body: impl AsRef<[u8]> + Send + 'static,
        ctx: RequestContext,
    ) -> Result<BatchAccepted, IngestError> {
        let (gzip, received_at) = (ctx.gzip, ctx.received_at);
        let max_age = self.options.max_event_age_ms;
        let (batch, json) =
            Self::blocking(move || parse_batch(body.as_ref(), gzip, received_at, max_age))
                .await??;

        let site = match self.sites.cached_key(&batch.site) {
            Some(hit) => hit,
            None => {
                let (sites, key) = (self.sites.clone(), batch.site.clone());
                Self::blocking(move || sites.by_key(&key)).await??
            }
        }
        .ok_or_else(|| IngestError::UnknownSite(batch.site.clone()))?;
        if !site.origin_allowed(ctx.origin.as_deref()) {
            return Err(IngestError::OriginNotAllowed(
                ctx.origin.unwrap_or_default(),
            ));
        }
        self.limiter
            .check_site(site.site.id, batch.events.len())
            .map_err(IngestError::RateLimited)?;

        let agent = enrich::parse_user_agent_with(&ctx.user_agent, self.options.allow_headless);
        if agent.is_bot {
            metrics::counter!("sightline_ingest_rejected_total", "reason" => "bot").increment(1);
            return Ok(BatchAccepted {
                accepted: 0,
                duplicate: false,
            });
        }
        let visitor = match &batch.vid {
            Some(vid) => vid.clone(),
            None => {
                let salt = self.salt_for(received_at.div_euclid(DAY_MS)).await?;
                cookieless_visitor(&salt, site.site.id, ctx.ip, &ctx.user_agent)
            }
        };
        let header = RecordHeader {
            site_id: site.site.id,
            sid: batch.sid.clone(),
            seq: batch.seq,
            received_at,
            visitor,
            device: agent.device.as_str().to_string(),
            browser: agent.browser,
            os: agent.os,
        };
        let events = batch.events.len();
        let outcome = self
            .spool
            .append(
                header.key(),
                earliest_event_ms(&batch, received_at),
                record::encode(&header, &json),
            )
            .await?;
        let duplicate = outcome == AppendOutcome::Duplicate;
        if duplicate {
            metrics::counter!("sightline_ingest_duplicate_batches_total").increment(1);
        } else {
            metrics::counter!("sightline_ingest_accepted_events_total").increment(events as u64);
            metrics::counter!("sightline_ingest_accepted_batches_total").increment(1);
        }
        Ok(BatchAccepted {
            accepted: events,
            duplicate,
        })
    }
}

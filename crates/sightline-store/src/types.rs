use serde::{Deserialize, Serialize};
use sightline_model::SessionRow;

/// Identity of one batch for deduplication: `(site, sid, seq)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BatchKey {
    pub site_id: i64,
    pub sid: String,
    pub seq: u64,
    pub received_at: i64,
}

/// One write: rows and the batches they came from (whose keys make a later write of them detectable).
#[derive(Debug, Default)]
pub struct WriteBatch {
    pub rows: crate::EventColumns,
    pub batch_keys: Vec<BatchKey>,
    /// The sessions these rows (and replay chunks) belong to, one row each with their facts, to merge into the
    /// stored sessions (`sightline_insight::session`).
    pub sessions: Vec<SessionRow>,
    /// Index entries of replay chunks whose blobs were stored before this write.
    pub replay_chunks: Vec<ReplayChunk>,
}

/// Where a stored session lies in time, and its visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSpan {
    pub session: String,
    pub started: i64,
    pub ended: i64,
    pub visitor: String,
}

/// One stored chunk of rrweb events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReplayChunk {
    pub site_id: i64,
    pub session: String,
    pub pageview: String,
    /// Sequence number within the pageview, from 0.
    pub chunk: u32,
    pub first_ts: i64,
    pub last_ts: i64,
    pub events: u32,
    /// Compressed size as stored.
    pub bytes: u64,
    pub raw_bytes: u64,
    pub blob_key: String,
    /// When the server received the chunk (ms): retention measures age by this, not by rrweb's timestamps.
    pub received_at: i64,
    /// A page snapshot for heatmaps (Meta + FullSnapshot of a pageview not recorded), not part of a replay
    /// (never in a replay's chunk index, so not in its API either).
    #[serde(skip)]
    pub snapshot: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Site {
    pub id: i64,
    /// Public key used by the tracker (`data-site`).
    pub key: String,
    pub name: String,
    pub domains: Vec<String>,
    /// Extra origins allowed to send events (beyond `domains` and their subdomains).
    pub allowed_origins: Vec<String>,
    pub page_groups: Vec<String>,
    /// CSS selectors whose text the tracker masks (beyond inputs, which are always masked).
    pub mask_selectors: Vec<String>,
    /// Persistent visitor ids (localStorage) instead of the cookieless daily hash.
    pub persistent_ids: bool,
    /// Send nothing from browsers with Do-Not-Track on.
    pub respect_dnt: bool,
    /// Days events and replays are kept.
    pub retention_days: u32,
    /// Share of sessions recorded for replay, 0..1 (0 = replay off).
    pub replay_sample_rate: f64,
    /// CSS selectors whose elements replays never record (beyond `[data-sl-block]`).
    pub block_selectors: Vec<String>,
    /// Disk the site's replays may use; the dashboard warns when it is nearly full.
    pub replay_quota_mb: u32,
    pub created_at: i64,
    /// Frustration detector thresholds this site changes (fields of `[detection]`, docs/frustration.md); the
    /// others come from the server's configuration.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub detection: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSite {
    pub name: String,
    pub domains: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SiteUpdate {
    pub name: String,
    pub domains: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub page_groups: Vec<String>,
    pub mask_selectors: Vec<String>,
    pub persistent_ids: bool,
    pub respect_dnt: bool,
    pub retention_days: u32,
    #[serde(default)]
    pub replay_sample_rate: f64,
    #[serde(default)]
    pub block_selectors: Vec<String>,
    #[serde(default = "default_replay_quota_mb")]
    pub replay_quota_mb: u32,
    /// Detector thresholds this site changes (see [`Site::detection`]).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub detection: serde_json::Map<String, serde_json::Value>,
}

impl From<&Site> for SiteUpdate {
    /// The site's current settings, to change a few of them.
    fn from(site: &Site) -> Self {
        SiteUpdate {
            name: site.name.clone(),
            domains: site.domains.clone(),
            allowed_origins: site.allowed_origins.clone(),
            page_groups: site.page_groups.clone(),
            mask_selectors: site.mask_selectors.clone(),
            persistent_ids: site.persistent_ids,
            respect_dnt: site.respect_dnt,
            retention_days: site.retention_days,
            replay_sample_rate: site.replay_sample_rate,
            block_selectors: site.block_selectors.clone(),
            detection: site.detection.clone(),
            replay_quota_mb: site.replay_quota_mb,
        }
    }
}

fn default_replay_quota_mb() -> u32 {
    1_024
}

/// Session-level filters; `None` means "any". The same filters apply to every report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionFilters {
    pub device: Option<String>,
    pub browser: Option<String>,
    pub os: Option<String>,
    pub channel: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    /// Sessions that viewed this page path.
    pub page: Option<String>,
    pub entry_page: Option<String>,
    pub visitor_type: Option<VisitorType>,
    /// Sessions with a click on this selector.
    pub clicked: Option<String>,
    pub had_error: Option<bool>,
    pub converted: Option<bool>,
    pub has_replay: Option<bool>,
    pub min_duration_ms: Option<i64>,
    pub max_duration_ms: Option<i64>,
    pub min_active_ms: Option<i64>,
    pub min_pages: Option<i64>,
    pub max_pages: Option<i64>,
    pub min_revenue: Option<f64>,
    /// Sessions with a detection of this kind (`sightline_insight::detect::Kind` names) …
    pub frustration: Option<String>,
    /// … on this page group …
    pub frustration_page: Option<String>,
    /// … on this element (selector, error fingerprint, request pattern).
    pub frustration_element: Option<String>,
    /// A segment expression (docs/segments.md), with the other filters.
    pub segment: Option<sightline_insight::segment::Segment>,
}

/// How the sessions list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionSort {
    #[default]
    Started,
    Duration,
    ActiveTime,
    Pages,
    Clicks,
    Errors,
    Revenue,
    /// By friction score (see docs/frustration.md).
    Friction,
}

impl SessionSort {
    /// The column of the sessions list it orders by.
    pub fn column(self) -> &'static str {
        match self {
            SessionSort::Started => "started",
            SessionSort::Duration => "duration_ms",
            SessionSort::ActiveTime => "active_ms",
            SessionSort::Pages => "pageviews",
            SessionSort::Clicks => "clicks",
            SessionSort::Errors => "errors",
            SessionSort::Revenue => "revenue",
            SessionSort::Friction => "friction",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionQuery {
    pub from: i64,
    pub to: i64,
    pub filters: SessionFilters,
    pub sort: SessionSort,
    pub descending: bool,
    pub limit: usize,
    pub offset: usize,
}

/// One row of the sessions list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionSummary {
    pub session: String,
    pub visitor: String,
    pub started: i64,
    pub ended: i64,
    pub duration_ms: i64,
    pub active_ms: i64,
    pub pageviews: u64,
    pub entry_page: Option<String>,
    pub exit_page: Option<String>,
    pub device: String,
    pub browser: String,
    pub os: String,
    pub channel: Option<String>,
    pub utm_source: Option<String>,
    pub clicks: u64,
    pub errors: u64,
    pub revenue: f64,
    pub converted: bool,
    pub has_replay: bool,
    pub replay_bytes: u64,
    /// Friction score, 0-100 (0 until the session is analysed, about `analysis_quiet_secs` after it went quiet).
    pub friction: f64,
    /// Detections per kind.
    pub frustration: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionPage {
    pub sessions: Vec<SessionSummary>,
    /// Sessions matching the filters (all pages).
    pub total: u64,
}

/// What a deletion removed; the caller deletes `blob_keys` from the BlobStore.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    pub events: u64,
    pub replay_chunks: u64,
    pub blob_keys: Vec<String>,
}

/// How much of a site's data lies before a cutoff (what retention would delete).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredCount {
    pub events: u64,
    pub replay_chunks: u64,
    /// Stored (compressed) bytes of those replay chunks.
    pub replay_bytes: u64,
}

impl StoredCount {
    pub fn is_empty(&self) -> bool {
        self.events == 0 && self.replay_chunks == 0
    }
}

/// New visitors had no session before this one; returning visitors had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitorType {
    New,
    Returning,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OverviewQuery {
    /// Inclusive start, ms since the epoch.
    pub from: i64,
    /// Exclusive end, ms since the epoch.
    pub to: i64,
    pub filters: SessionFilters,
    /// Rows per breakdown list.
    pub limit: usize,
}

impl OverviewQuery {
    /// The range and filters, as the report builders take them.
    pub fn range(&self) -> (i64, i64, &SessionFilters) {
        (self.from, self.to, &self.filters)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Breakdown {
    pub name: String,
    pub visitors: u64,
    pub pageviews: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Overview {
    pub visitors: u64,
    pub sessions: u64,
    pub pageviews: u64,
    /// Share of sessions with exactly one pageview, 0..1.
    pub bounce_rate: f64,
    pub avg_duration_ms: f64,
    pub top_pages: Vec<Breakdown>,
    pub entry_pages: Vec<Breakdown>,
    pub exit_pages: Vec<Breakdown>,
    pub channels: Vec<Breakdown>,
    pub devices: Vec<Breakdown>,
    pub browsers: Vec<Breakdown>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SeriesPoint {
    /// Day start, ms since the epoch (UTC).
    pub day: i64,
    pub visitors: u64,
    pub sessions: u64,
    pub pageviews: u64,
}

/// One stored event as the API returns it (the `events` columns; `props` parsed back into JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredEvent {
    pub ts: i64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub pageview: String,
    pub visitor: String,
    pub user_id: Option<String>,
    pub path: Option<String>,
    pub page_group: Option<String>,
    pub referrer: Option<String>,
    pub channel: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub device: String,
    pub browser: String,
    pub os: String,
    pub viewport_w: Option<i32>,
    pub viewport_h: Option<i32>,
    pub selector: Option<String>,
    pub tag: Option<String>,
    pub text: Option<String>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub rel_x: Option<f64>,
    pub rel_y: Option<f64>,
    pub scroll_pct: Option<f64>,
    pub value: Option<f64>,
    pub name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub props: Option<serde_json::Value>,
    pub revenue: Option<f64>,
    pub error_fingerprint: Option<String>,
    pub interactive: Option<bool>,
    pub changed: Option<bool>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Analyst,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSession {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// Owner; `None` for tokens made with the CLI.
    pub user_id: Option<i64>,
    /// Restricted to this site, or every site the owner can see.
    pub site_id: Option<i64>,
    pub role: Role,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    pub token_hash: String,
    pub user_id: Option<i64>,
    pub site_id: Option<i64>,
    pub role: Role,
}

use serde::{Deserialize, Serialize};
use sightline_model::EventRow;

/// A place in the ingest spool: segment number and byte offset after the last consumed record.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct SpoolPosition {
    pub segment: u64,
    pub offset: u64,
}

/// Identity of one batch for deduplication: `(site, sid, seq)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BatchKey {
    pub site_id: i64,
    pub sid: String,
    pub seq: u64,
    pub received_at: i64,
}

/// One atomic write: rows, the batches they came from, and the spool position reached.
#[derive(Debug, Default)]
pub struct WriteBatch {
    pub rows: Vec<EventRow>,
    pub batch_keys: Vec<BatchKey>,
    pub position: SpoolPosition,
    /// Pages for events stored earlier without one (their pageview arrived in a later write).
    pub backfills: Vec<PageBackfill>,
}

/// Sets `path` and `page_group` on the stored events of one pageview that have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageBackfill {
    pub site_id: i64,
    pub session: String,
    pub pageview: String,
    pub path: String,
    pub page_group: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
    pub created_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSite {
    pub name: String,
    pub domains: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SiteUpdate {
    pub name: String,
    pub domains: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub page_groups: Vec<String>,
    pub mask_selectors: Vec<String>,
    pub persistent_ids: bool,
    pub respect_dnt: bool,
    pub retention_days: u32,
}

/// Session-level filters; `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
}

/// New visitors had no session before this one; returning visitors had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitorType {
    New,
    Returning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewQuery {
    /// Inclusive start, ms since the epoch.
    pub from: i64,
    /// Exclusive end, ms since the epoch.
    pub to: i64,
    pub filters: SessionFilters,
    /// Rows per breakdown list.
    pub limit: usize,
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

//! Heatmaps and zone (page element) metrics of one page: the store's questions and answers.

use serde::{Deserialize, Serialize};

use crate::SessionFilters;

/// Zones returned at most, most clicked first.
pub const MAX_ZONES: usize = 500;
/// Click points (element × position cell) returned at most, most frequent first.
pub const MAX_CLICK_POINTS: usize = 5_000;
/// Move cells returned at most, densest first.
pub const MAX_MOVE_CELLS: usize = 5_000;
pub use sightline_insight::page_facts::{
    CLICK_CELL, DEPTH_STEP_PCT, EXPOSURE_MIN_MS, MOVE_CELL_PX,
};
/// Sessions listed for one element ([`ZoneSession`]), newest first.
pub const MAX_ZONE_SESSIONS: usize = 50;

/// Pageviews of one page (a path, or a page group) in `[from, to)` of the sessions the filters select.
#[derive(Debug, Clone, PartialEq)]
pub struct PageQuery {
    pub from: i64,
    pub to: i64,
    pub filters: SessionFilters,
    pub page: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HeatmapKind {
    Click,
    Move,
    Scroll,
    Attention,
}

/// Clicks and taps on one element at one position inside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClickPoint {
    pub selector: String,
    /// Position inside the element's box, 0..1 from its left and top edge (the cell's centre).
    pub rx: f64,
    pub ry: f64,
    pub count: u64,
}

/// Pointer positions sampled in one cell of the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MoveCell {
    /// Top left corner of the cell, page px.
    pub x: f64,
    pub y: f64,
    pub count: u64,
}

/// Hovers that rested on one element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HoverSpot {
    pub selector: String,
    pub count: u64,
    /// Total time hovered, ms.
    pub dwell_ms: f64,
}

/// Share of pageviews whose viewport reached this depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DepthShare {
    /// % of the document height.
    pub depth_pct: i64,
    /// 0..1.
    pub share: f64,
}

/// Where the first screen ends on one device class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fold {
    pub device: String,
    pub pageviews: u64,
    /// Median viewport height, px.
    pub fold_px: f64,
    /// Median viewport height as a share of the document height, %.
    pub fold_pct: f64,
}

/// Mean time per pageview that this depth band was in the viewport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DepthTime {
    /// Start of the band, % of the document height (the band is `DEPTH_STEP_PCT` deep).
    pub depth_pct: i64,
    pub ms: f64,
}

/// One heatmap of a page. Only the lists of the requested kind are filled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Heatmap {
    /// Pageviews of the page the heatmap covers.
    pub pageviews: u64,
    /// `click`: clicks and taps per element and position in it.
    pub points: Vec<ClickPoint>,
    /// `move`: pointer density.
    pub cells: Vec<MoveCell>,
    /// `move`: hovers per element.
    pub hovers: Vec<HoverSpot>,
    /// `scroll`: share of pageviews reaching each depth (0, 5, … 100 %).
    pub reach: Vec<DepthShare>,
    /// `scroll`: the fold per device class.
    pub folds: Vec<Fold>,
    /// `attention`: time at each depth.
    pub attention: Vec<DepthTime>,
}

/// Median and 75th percentile of a duration, ms; null without samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Quantiles {
    pub median: Option<f64>,
    pub p75: Option<f64>,
}

/// What one element's visitors did, over the page's pageviews. Rates are 0..1 and null when their
/// denominator is 0. A pageview-level rate counts a pageview once however many clicks or hovers it has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ZoneStats {
    pub selector: String,
    /// Pageviews of the page (the denominator of the pageview-level rates).
    pub pageviews: u64,
    /// Pageviews on which the element's middle line was in the viewport for ≥ 150 ms (fixed and sticky
    /// elements: the whole pageview) / pageviews. Needs the element's box from a `layout` event.
    pub exposure_rate: Option<f64>,
    /// Mean time in view per exposed pageview, ms.
    pub exposure_time_ms: Option<f64>,
    /// Pageviews with a click on the element / pageviews.
    pub click_rate: Option<f64>,
    pub clicks: u64,
    /// Clicks / pageviews with a click.
    pub clicks_per_clicking_pageview: Option<f64>,
    /// Pageviews with a hover on the element / pageviews.
    pub hover_rate: Option<f64>,
    /// Mean time hovered per hovering pageview, ms.
    pub hover_time_ms: Option<f64>,
    /// Pageviews with a click or a hover on the element / pageviews.
    pub engagement_rate: Option<f64>,
    /// Pageviews exposed and clicked / pageviews exposed.
    pub attractiveness_rate: Option<f64>,
    /// From the pageview's start to its first click on the element, over pageviews with a click.
    pub time_before_first_click_ms: Quantiles,
    /// First click − start of the last hover on the element before it, over pageviews with both.
    pub hesitation_ms: Quantiles,
    /// Detections on the element on these pageviews.
    pub rage_clicks: u64,
    pub dead_clicks: u64,
    pub error_clicks: u64,
    /// Sessions that clicked the element here and converted / sessions that clicked it.
    pub conversion_rate_clicked: Option<f64>,
    /// Sessions exposed to the element here that never clicked it, converted / such sessions.
    pub conversion_rate_exposed_not_clicked: Option<f64>,
    /// Revenue of the sessions that clicked / clicks.
    pub revenue_per_click: Option<f64>,
    /// Revenue of the sessions that clicked the element.
    pub revenue_clicked: f64,
}

/// Where the newest page snapshot of a page is: a pageview's heatmap snapshot or the start of its recording
/// (both begin with rrweb's Meta and FullSnapshot events).
#[derive(Debug, Clone, PartialEq)]
pub struct PageSnapshotRef {
    pub session: String,
    pub pageview: String,
    /// The pageview's start (ms).
    pub taken_at: i64,
    pub device: String,
    pub blob_key: String,
    /// Size of the blob's rrweb JSON.
    pub raw_bytes: u64,
    /// A sampled heatmap snapshot (true) or the first chunk of a recording (false).
    pub sampled: bool,
}

/// A session that clicked one element of a page, and when it did first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ZoneSession {
    pub session: String,
    /// Its first click on the element on this page (ms since the epoch).
    pub at: i64,
    pub device: String,
    pub converted: bool,
    pub revenue: f64,
}

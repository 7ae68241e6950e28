//! Questions and answers of journeys (paths), funnels and retention.

use serde::{Deserialize, Serialize};

use crate::SessionFilters;

/// What the nodes of a journey are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PathNodes {
    /// Page groups (a path without a group is its own).
    #[default]
    Pages,
    /// Custom events.
    Events,
    /// Both, in time order.
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathQuery {
    pub from: i64,
    pub to: i64,
    pub filters: SessionFilters,
    /// The page group the paths start from (its first view); `None`: the entry page.
    pub start: Option<String>,
    /// Without `start`: the steps before the first arrival at this page group. With `start`: only sessions that
    /// reach it within `steps`, their paths cut there.
    pub end: Option<String>,
    /// Steps after (or before) the anchor, 1..=[`MAX_PATH_STEPS`].
    pub steps: usize,
    pub nodes: PathNodes,
    /// Keep consecutive repeats (`/a → /a`); collapsed by default.
    pub repeats: bool,
}

/// Longest path a query may ask for.
pub const MAX_PATH_STEPS: usize = 10;
/// Nodes shown per step; the others of the step are one node, [`OTHER_NODE`].
pub const MAX_NODES_PER_STEP: usize = 8;
/// Most complete paths listed.
pub const TOP_PATHS: usize = 10;
pub const OTHER_NODE: &str = "(other)";
/// `next` of a path selection for the sessions that ended (exited) at the node.
pub const EXIT_NODE: &str = "(exit)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PathDirection {
    Forward,
    Backward,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PathReport {
    pub direction: PathDirection,
    /// `entry` or the anchor page.
    pub anchor: String,
    /// Sessions that took a path (reached the anchor).
    pub sessions: u64,
    pub nodes: Vec<PathNode>,
    pub links: Vec<PathLink>,
    pub top_paths: Vec<TopPath>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PathNode {
    /// `<step>:<name>`, unique in the report.
    pub id: String,
    /// 0 is the anchor; forward, step k is k steps after it; backward, k steps before it.
    pub step: usize,
    pub name: String,
    /// `page`, `event` or `other`.
    pub kind: String,
    pub sessions: u64,
    /// Forward: sessions whose visit ended here (drop-off). Backward: sessions whose visit started here.
    pub exits: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PathLink {
    pub source: String,
    pub target: String,
    pub sessions: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopPath {
    /// From the anchor, in the query's direction.
    pub steps: Vec<String>,
    pub sessions: u64,
    /// Forward: the visit ended at the last step. Backward: it started there.
    pub exited: bool,
}

/// The sessions at one node of a journey (and, with `next`, that went on to that node, or exited).
#[derive(Debug, Clone, PartialEq)]
pub struct PathSelection {
    pub step: usize,
    pub node: String,
    pub next: Option<String>,
}

/// What a funnel step matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunnelMatch {
    /// A pageview of a path or page group.
    Page(String),
    /// A click on an element (selector).
    Click(String),
    /// A custom event.
    Event(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelStepQuery {
    pub matches: FunnelMatch,
    /// Clicks and events only on this path or page group.
    pub on_page: Option<String>,
}

/// Session dimensions a funnel can be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunnelBreakdown {
    Device,
    Browser,
    Os,
    Channel,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    EntryPage,
    /// `new` or `returning`.
    Visitor,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunnelQuery {
    pub from: i64,
    pub to: i64,
    pub filters: SessionFilters,
    pub steps: Vec<FunnelStepQuery>,
    pub window_ms: i64,
    /// Count visitors (their sessions' events together) instead of sessions.
    pub by_visitor: bool,
    pub breakdown: Option<FunnelBreakdown>,
    /// List each unit's sessions ([`FunnelUnit::sessions`]; the drill-down needs them, the counts do not, and
    /// at 100 M events moving every matching event's session key costs a fifth of the funnel).
    pub with_sessions: bool,
}

/// Events a unit's funnel reads at most (its first ones): a bot's thousands of clicks stay bounded.
pub const MAX_FUNNEL_EVENTS_PER_UNIT: usize = 2_000;

/// The funnel events of one unit (session or visitor), in order of time, then mask (its first
/// [`MAX_FUNNEL_EVENTS_PER_UNIT`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunnelUnit {
    pub ts: Vec<i64>,
    /// Bit k: the event matches step k.
    pub masks: Vec<u32>,
    /// The session of each event; of a session unit, its one session only; empty without
    /// [`FunnelQuery::with_sessions`].
    pub sessions: Vec<String>,
    pub breakdown: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionPeriod {
    Day,
    #[default]
    Week,
}

impl RetentionPeriod {
    pub fn ms(self) -> i64 {
        match self {
            RetentionPeriod::Day => 86_400_000,
            RetentionPeriod::Week => 7 * 86_400_000,
        }
    }

    /// Where periods start, in ms since the epoch: midnight UTC; weeks on Monday (1970-01-05).
    pub fn origin(self) -> i64 {
        match self {
            RetentionPeriod::Day => 0,
            RetentionPeriod::Week => 4 * 86_400_000,
        }
    }

    /// The start of the period `ts` falls in.
    pub fn start_of(self, ts: i64) -> i64 {
        (ts - self.origin()).div_euclid(self.ms()) * self.ms() + self.origin()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetentionQuery {
    /// Cohorts of visitors first seen (or who first did `cohort_event`) in `[from, to)`.
    pub from: i64,
    pub to: i64,
    /// The cohort-defining session must match these.
    pub filters: SessionFilters,
    pub period: RetentionPeriod,
    /// Periods counted after each cohort's start, including its own (period 0).
    pub periods: usize,
    pub cohort_event: Option<String>,
    /// A return is a session with this custom event (default: any session).
    pub return_event: Option<String>,
}

pub const MAX_RETENTION_PERIODS: usize = 26;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RetentionReport {
    pub period: RetentionPeriod,
    pub cohorts: Vec<Cohort>,
    pub customers: Customers,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cohort {
    /// `YYYY-MM-DD` of the period's first day.
    pub start: String,
    pub size: u64,
    /// `returned[k]`: members active (a session, or the return event) in period k after the cohort's; up to the
    /// periods that have begun.
    pub returned: Vec<u64>,
}

/// Visitors who converted in the range (and match the filters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customers {
    pub customers: u64,
    /// Customers who had visited before the session they first converted in.
    pub returning_customers: u64,
    /// Customers who converted in two or more sessions.
    pub repeat_customers: u64,
    /// `repeat_customers / customers` (0 without customers).
    pub repeat_purchase_rate: f64,
}

/// A named definition kept for a site: a segment expression or a funnel (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub id: i64,
    pub site_id: i64,
    pub name: String,
    pub body: String,
    pub created_at: i64,
}

/// Saved views a site may keep of one kind.
pub const MAX_SAVED_VIEWS: usize = 200;

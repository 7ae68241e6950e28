//! Types of the analysis pass (detections per session) and of the reports built on it: problems, error groups,
//! failed requests and web vitals.

use serde::{Deserialize, Serialize};
use sightline_insight::detect::{self, Detection, FrictionWeights, Thresholds};
use sightline_insight::page_facts::{PageFacts, page_facts};
use sightline_model::EventRow;

use crate::SessionFilters;

/// A session whose row changed after its last analysis: `received_at` is the version of it to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionVersion {
    pub site_id: i64,
    pub session: String,
    pub received_at: i64,
}

/// What the analysis pass found in one version of a session; it replaces what an older one found.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzedSession {
    pub version: SessionVersion,
    pub friction: f64,
    /// Distinct page groups of the session's events, sorted.
    pub page_groups: Vec<String>,
    pub detections: Vec<Detection>,
    /// What the page's heatmaps and zones read of each of its pageviews and their elements.
    pub facts: PageFacts,
}

impl AnalyzedSession {
    /// Runs the detectors and computes the page facts of `version` over its `events` (time-ordered).
    pub fn of(
        version: SessionVersion,
        events: &[EventRow],
        thresholds: &Thresholds,
        weights: &FrictionWeights,
    ) -> Self {
        let detections = detect::detect(events, thresholds);
        let mut page_groups: Vec<String> =
            events.iter().filter_map(|e| e.page_group.clone()).collect();
        page_groups.sort_unstable();
        page_groups.dedup();
        let mut facts = page_facts(events);
        facts.count_click_problems(&detections);
        Self {
            version,
            friction: detect::friction_score(&detections, weights),
            page_groups,
            detections,
            facts,
        }
    }
}

/// One stored detection, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredDetection {
    pub kind: String,
    pub ts: i64,
    pub pageview: String,
    pub path: Option<String>,
    pub page_group: Option<String>,
    pub element: Option<String>,
    pub value: f64,
    /// The events that triggered it (`ts`, `event_type`, `selector`, `x`, `y`).
    #[schema(value_type = Vec<Object>)]
    pub evidence: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProblemQuery {
    pub from: i64,
    pub to: i64,
    pub filters: SessionFilters,
    pub kind: Option<String>,
    /// Page group of the problems.
    pub page: Option<String>,
}

/// Sessions of one stratum (device class × channel) for one problem: those affected and all that saw its page.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemStratum {
    pub device: String,
    pub channel: String,
    pub affected: u64,
    pub affected_conversions: u64,
    /// Sessions that saw the problem's page (the affected among them).
    pub exposed: u64,
    pub exposed_conversions: u64,
    pub exposed_revenue: f64,
}

/// The counts of one problem (a kind on a page group and, where it has one, an element), by stratum.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemCounts {
    pub kind: String,
    pub page: String,
    pub element: Option<String>,
    pub sessions_affected: u64,
    pub strata: Vec<ProblemStratum>,
    /// A recent occurrence, in a session with a replay where there is one: (session, ts).
    pub sample: Option<(String, i64)>,
}

/// Error and failed-request groups per report, most sessions first.
pub const MAX_ISSUE_GROUPS: usize = 100;

/// JS errors of one fingerprint, or failed requests of one method + URL pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssueGroup {
    /// The error fingerprint, or `METHOD /url/pattern`.
    pub key: String,
    /// The error message, or the status codes seen (e.g. `500, 503`).
    pub title: String,
    pub count: u64,
    pub sessions: u64,
    pub visitors: u64,
    pub first_seen: i64,
    pub last_seen: i64,
    /// Page groups where it happened, most frequent first.
    pub pages: Vec<String>,
    pub browsers: Vec<String>,
    /// A stack trace of one occurrence (errors only).
    pub sample_stack: Option<String>,
    /// Sessions to replay, most recent first.
    pub sample_sessions: Vec<String>,
}

/// Web vitals of one page group and device class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VitalStats {
    pub page: String,
    pub device: String,
    /// `LCP`, `INP`, `CLS`, `FCP` or `TTFB`.
    pub name: String,
    pub samples: u64,
    pub p75: f64,
    /// The web-vitals rating of the p75 (`good`, `needs-improvement`, `poor`).
    pub rating: String,
    /// Share of samples rated good / needs improvement / poor, 0..1.
    pub good: f64,
    pub needs_improvement: f64,
    pub poor: f64,
}

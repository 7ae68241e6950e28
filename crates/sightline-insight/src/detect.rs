//! Frustration detectors: pure functions from the stored events of one session to the problems it hit
//! (rage, dead and error clicks, u-turns, excessive scrolling, a thrashed cursor, hesitation, form
//! abandonment, JS errors, failed requests, slow pages), and a session's friction score from them.
//!
//! Every rule, default and `value` is documented in `docs/frustration.md`; the thresholds are
//! [`Thresholds`] (per-site configurable). Events may come in any order: [`detect`] sorts them itself,
//! so the same events always give the same detections.

mod clicks;
mod pages;
mod pointer;
#[cfg(test)]
mod tests;

pub use pages::request_pattern;

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sightline_model::EventRow;

/// A detection keeps at most this many evidence events (a 40-click burst needs no 40 proofs).
pub const MAX_EVIDENCE: usize = 20;

/// The friction score counts at most this many detections of one kind, so that one noisy kind (an error
/// in a loop) cannot alone make every session look ruined.
pub const FRICTION_MAX_PER_KIND: u32 = 3;

/// What a detection is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    RageClick,
    DeadClick,
    ErrorClick,
    UTurn,
    ExcessiveScroll,
    ThrashedCursor,
    Hesitation,
    FormAbandonment,
    JsError,
    FailedRequest,
    SlowPage,
}

impl Kind {
    /// Every kind, in declaration order (`ALL[k as usize] == k`).
    pub const ALL: [Kind; 11] = [
        Kind::RageClick,
        Kind::DeadClick,
        Kind::ErrorClick,
        Kind::UTurn,
        Kind::ExcessiveScroll,
        Kind::ThrashedCursor,
        Kind::Hesitation,
        Kind::FormAbandonment,
        Kind::JsError,
        Kind::FailedRequest,
        Kind::SlowPage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RageClick => "rage_click",
            Kind::DeadClick => "dead_click",
            Kind::ErrorClick => "error_click",
            Kind::UTurn => "u_turn",
            Kind::ExcessiveScroll => "excessive_scroll",
            Kind::ThrashedCursor => "thrashed_cursor",
            Kind::Hesitation => "hesitation",
            Kind::FormAbandonment => "form_abandonment",
            Kind::JsError => "js_error",
            Kind::FailedRequest => "failed_request",
            Kind::SlowPage => "slow_page",
        }
    }

    /// The kind named `s` ([`Kind::as_str`]), if any.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The detectors' thresholds; every field defaults to the documented value (`docs/frustration.md`), so a
/// per-site config names only what it changes. Any values are safe: odd ones make a detector fire never or
/// always, never panic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Rage click: at least this many clicks (never fewer than 2)...
    pub rage_click_min_clicks: usize,
    /// ...within this many ms (first to last of any `rage_click_min_clicks` consecutive clicks)...
    pub rage_click_window_ms: i64,
    /// ...each at most this many px from the burst's first click.
    pub rage_click_radius_px: f64,
    /// Error click: a JS error at most this many ms after a click.
    pub error_click_window_ms: i64,
    /// U-turn: back to the previous page at most this many ms after opening the new one.
    pub u_turn_max_ms: i64,
    /// Excessive scroll: at least this many scroll direction changes in one pageview...
    pub excessive_scroll_min_direction_changes: u64,
    /// ...while the deepest scroll stays below this share of the page (%).
    pub excessive_scroll_max_progress_pct: f64,
    /// Thrashed cursor: at least this many pointer direction reversals...
    pub thrashed_cursor_min_reversals: usize,
    /// ...within this many ms (first to last of any `thrashed_cursor_min_reversals` reversals)...
    pub thrashed_cursor_window_ms: i64,
    /// ...each between two segments that move at least this fast (px/s) along the reversing axis.
    pub thrashed_cursor_min_speed_px_s: f64,
    /// Two pointer samples further apart than this (ms) are not one movement: no speed between them.
    pub thrashed_cursor_max_sample_gap_ms: i64,
    /// Hesitation: hovering an interactive element at least this long (ms) before clicking or using it,
    /// or without ever doing so.
    pub hesitation_min_ms: f64,
    /// Slow page: an LCP above this (ms) when the tracker sent no rating (web-vitals' "poor" boundary).
    pub slow_page_lcp_ms: f64,
}

impl Thresholds {
    /// These thresholds with the fields `overrides` names changed (a site's `detection` settings); an unknown
    /// field or a wrong type is an error that names it.
    pub fn with_overrides(
        &self,
        overrides: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Thresholds, String> {
        if overrides.is_empty() {
            return Ok(self.clone());
        }
        let mut merged = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(fields)) => fields,
            _ => serde_json::Map::new(),
        };
        merged.extend(overrides.clone());
        serde_json::from_value(serde_json::Value::Object(merged)).map_err(|e| e.to_string())
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            rage_click_min_clicks: 3,
            rage_click_window_ms: 1_000,
            rage_click_radius_px: 30.0,
            error_click_window_ms: 1_000,
            u_turn_max_ms: 7_000,
            excessive_scroll_min_direction_changes: 4,
            excessive_scroll_max_progress_pct: 50.0,
            thrashed_cursor_min_reversals: 5,
            thrashed_cursor_window_ms: 1_000,
            thrashed_cursor_min_speed_px_s: 500.0,
            thrashed_cursor_max_sample_gap_ms: 300,
            hesitation_min_ms: 2_000.0,
            slow_page_lcp_ms: 4_000.0,
        }
    }
}

/// One event that shows a detection happened (a click of a burst, the error after a click, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub ts: i64,
    pub event_type: &'static str,
    pub selector: Option<String>,
    /// Page coordinates (px) of a click, or of a pointer reversal.
    pub x: Option<f64>,
    pub y: Option<f64>,
}

impl Evidence {
    fn of(row: &EventRow) -> Self {
        Self {
            ts: row.ts,
            event_type: row.event_type,
            selector: row.selector.clone(),
            x: row.x,
            y: row.y,
        }
    }
}

/// One occurrence of a problem in a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    pub kind: Kind,
    /// When it happened: the time of its first triggering event.
    pub ts: i64,
    /// The pageview it happened on (for a u-turn: the page turned away from).
    pub pageview: String,
    pub path: Option<String>,
    pub page_group: Option<String>,
    /// What it happened on: the element's selector; for `js_error` the error fingerprint, for
    /// `failed_request` "METHOD /url/pattern", for `slow_page` the vital ("LCP"); none for page-level kinds.
    pub element: Option<String>,
    /// The size of it, per kind (see `docs/frustration.md`): clicks in a burst, ms of hesitation, ...
    pub value: f64,
    /// The events that show it, in time order, at most [`MAX_EVIDENCE`].
    pub evidence: Vec<Evidence>,
}

impl Detection {
    /// A detection on the pageview (and page) of `row`, at `row`'s time.
    fn at(
        kind: Kind,
        row: &EventRow,
        element: Option<String>,
        value: f64,
        evidence: Vec<Evidence>,
    ) -> Self {
        let mut evidence = evidence;
        evidence.truncate(MAX_EVIDENCE);
        Self {
            kind,
            ts: row.ts,
            pageview: row.pageview.clone(),
            path: row.path.clone(),
            page_group: row.page_group.clone(),
            element,
            value,
            evidence,
        }
    }
}

/// The problems in the events of one session, sorted by (ts, kind, element).
pub fn detect(events: &[EventRow], t: &Thresholds) -> Vec<Detection> {
    let mut rows: Vec<&EventRow> = events.iter().collect();
    rows.sort_by(|a, b| cmp_rows(a, b));
    let mut pageviews: BTreeMap<&str, Vec<&EventRow>> = BTreeMap::new();
    for row in &rows {
        pageviews
            .entry(row.pageview.as_str())
            .or_default()
            .push(row);
    }
    let mut out = Vec::new();
    for events in pageviews.values() {
        clicks::detect(events, t, &mut out);
        pointer::detect(events, t, &mut out);
        pages::detect_in_pageview(events, t, &mut out);
    }
    pages::u_turns(&rows, t, &mut out);
    out.sort_by(cmp_detections);
    out
}

fn cmp_detections(a: &Detection, b: &Detection) -> Ordering {
    (a.ts, a.kind, &a.element, &a.pageview)
        .cmp(&(b.ts, b.kind, &b.element, &b.pageview))
        .then(a.value.total_cmp(&b.value))
}

fn cmp_f64(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

/// A total order on everything the detectors read, so that the input order never changes the output.
fn cmp_rows(a: &EventRow, b: &EventRow) -> Ordering {
    (
        a.ts,
        a.event_type,
        &a.pageview,
        &a.selector,
        &a.name,
        &a.tag,
    )
        .cmp(&(
            b.ts,
            b.event_type,
            &b.pageview,
            &b.selector,
            &b.name,
            &b.tag,
        ))
        .then_with(|| cmp_f64(a.x, b.x))
        .then_with(|| cmp_f64(a.y, b.y))
        .then_with(|| cmp_f64(a.value, b.value))
        .then_with(|| cmp_f64(a.scroll_pct, b.scroll_pct))
        .then_with(|| {
            (
                &a.props,
                &a.text,
                &a.error_fingerprint,
                a.interactive,
                a.changed,
                &a.path,
                &a.page_group,
            )
                .cmp(&(
                    &b.props,
                    &b.text,
                    &b.error_fingerprint,
                    b.interactive,
                    b.changed,
                    &b.path,
                    &b.page_group,
                ))
        })
}

/// A row's `props` JSON, if it parses.
fn props(row: &EventRow) -> Option<serde_json::Value> {
    row.props
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
}

/// How much each kind weighs in the friction score: the chance (0–1) that one such detection spoilt the
/// visit. Defaults in `docs/frustration.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrictionWeights {
    pub rage_click: f64,
    pub dead_click: f64,
    pub error_click: f64,
    pub u_turn: f64,
    pub excessive_scroll: f64,
    pub thrashed_cursor: f64,
    pub hesitation: f64,
    pub form_abandonment: f64,
    pub js_error: f64,
    pub failed_request: f64,
    pub slow_page: f64,
}

impl Default for FrictionWeights {
    fn default() -> Self {
        Self {
            rage_click: 0.5,
            dead_click: 0.2,
            error_click: 0.5,
            u_turn: 0.3,
            excessive_scroll: 0.2,
            thrashed_cursor: 0.15,
            hesitation: 0.1,
            form_abandonment: 0.4,
            js_error: 0.15,
            failed_request: 0.2,
            slow_page: 0.2,
        }
    }
}

impl FrictionWeights {
    pub fn weight(&self, kind: Kind) -> f64 {
        match kind {
            Kind::RageClick => self.rage_click,
            Kind::DeadClick => self.dead_click,
            Kind::ErrorClick => self.error_click,
            Kind::UTurn => self.u_turn,
            Kind::ExcessiveScroll => self.excessive_scroll,
            Kind::ThrashedCursor => self.thrashed_cursor,
            Kind::Hesitation => self.hesitation,
            Kind::FormAbandonment => self.form_abandonment,
            Kind::JsError => self.js_error,
            Kind::FailedRequest => self.failed_request,
            Kind::SlowPage => self.slow_page,
        }
    }
}

/// A session's friction, 0–100: `100 × (1 − Π_k (1 − w_k)^min(n_k, 3))` over the kinds `k`, with `n_k`
/// detections of kind `k` and its weight `w_k` (clamped to 0–1). Read it as the chance that the visit was
/// spoilt, if each detection spoils it independently with its kind's weight.
pub fn friction_score(detections: &[Detection], w: &FrictionWeights) -> f64 {
    let mut counts = [0u32; Kind::ALL.len()];
    for d in detections {
        counts[d.kind as usize] += 1;
    }
    let unspoilt: f64 = Kind::ALL
        .into_iter()
        .zip(counts)
        .map(|(kind, n)| {
            let weight = w.weight(kind);
            // NaN counts as 0: a broken config must not poison every score
            let weight = if weight.is_nan() {
                0.0
            } else {
                weight.clamp(0.0, 1.0)
            };
            (1.0 - weight).powi(n.min(FRICTION_MAX_PER_KIND) as i32)
        })
        .product();
    100.0 * (1.0 - unspoilt)
}

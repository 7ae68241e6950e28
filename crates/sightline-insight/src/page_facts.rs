//! What heatmaps and zone metrics need of each pageview, computed once per session by the analysis pass so that
//! a page's reports aggregate a row per pageview (and per element seen or touched) instead of re-reading and
//! re-joining every click, hover, move, scroll and layout event at request time.
//!
//! Where the viewport was: from the pageview's start at the top of the page, then from each scroll pause (its
//! `value` is the viewport's bottom edge in page px), until the next one or the pageview's last pointer, scroll,
//! layout or leave event. An element is in view while its middle line is inside the viewport; a fixed or sticky
//! one is in view for the whole pageview. Boxes come from the pageview's first `layout` event.

use std::collections::BTreeMap;

use sightline_model::EventRow;

use crate::detect::{Detection, Kind};

/// Size of a click point's cell inside its element, as a share of the element's box (1 % of width and height).
pub const CLICK_CELL: f64 = 0.01;
/// Size of a move cell, in page px.
pub const MOVE_CELL_PX: f64 = 20.0;
/// Depth steps of scroll reach and attention, in % of the document height.
pub const DEPTH_STEP_PCT: i64 = 5;
/// An element counts as seen on a pageview once its middle line was in the viewport this long.
pub const EXPOSURE_MIN_MS: i64 = 150;
/// Attention bands per pageview (0–5 %, 5–10 %, … 95–100 %).
pub const DEPTH_BANDS: usize = (100 / DEPTH_STEP_PCT) as usize;

/// One pageview of a session, with what its page's heatmaps read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageviewFacts {
    pub pageview: String,
    pub started: i64,
    /// The pageview's last pointer, scroll, layout or leave event (its start if it has none).
    pub ended: i64,
    pub path: Option<String>,
    pub page_group: Option<String>,
    pub device: &'static str,
    pub viewport_h: Option<f64>,
    /// The document's height, px (the pageview's `value`).
    pub doc_h: Option<f64>,
    /// Deepest point seen, % of the document: scroll pauses, the page-leave summary, else the first screen.
    pub depth_pct: f64,
    /// Time the middle of each depth band ([`DEPTH_BANDS`]) was in view, ms; empty without a viewport and
    /// document height.
    pub attention_ms: Vec<f64>,
    /// Pointer samples per [`MOVE_CELL_PX`] cell: `(x, y, samples)`, x and y the cell's top-left corner.
    pub moves: Vec<(f64, f64, u32)>,
}

/// What one session did with an element over all its pageviews of one page (its page group, or its path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InSession {
    /// This is the session's first pageview of that page with facts of the element: count the session here.
    pub first: bool,
    pub clicked: bool,
    /// Seen ([`EXPOSURE_MIN_MS`]) on at least one of them.
    pub exposed: bool,
}

/// One element of one pageview that was seen ([`EXPOSURE_MIN_MS`] in view), clicked or hovered there. (An
/// element that was only in the layout, never long enough in view, adds nothing to any zone metric.)
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ElementFacts {
    pub pageview: String,
    pub selector: String,
    /// Time its middle line was in view, ms; `None` when the layout had no box for it.
    pub exposure_ms: Option<f64>,
    pub clicks: u32,
    /// First click − the pageview's start, ms.
    pub before_click_ms: Option<f64>,
    pub hovers: u32,
    /// Total hover dwell, ms.
    pub hover_ms: f64,
    /// First click − the start of the last hover that began before it, ms.
    pub hesitation_ms: Option<f64>,
    /// Clicks per [`CLICK_CELL`] cell of the element: `(rx, ry, clicks)`, the cell's centre in 0..1.
    pub click_cells: Vec<(f64, f64, u32)>,
    /// The session's use of the element on this pageview's page group, and on its path: session-level rates
    /// count each session once from these, without grouping by session at query time.
    pub in_group: InSession,
    pub in_path: InSession,
    /// Frustrated clicks the detectors found on it on this pageview ([`PageFacts::count_click_problems`]).
    pub problems: ClickProblems,
}

/// Rage, dead and error clicks (detections) on one element of one pageview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClickProblems {
    pub rage: u32,
    pub dead: u32,
    pub error: u32,
}

impl ElementFacts {
    pub fn exposed(&self) -> bool {
        self.exposure_ms
            .is_some_and(|ms| ms >= EXPOSURE_MIN_MS as f64)
    }
}

/// The facts of a session's pageviews (those with a `pageview` event) and their elements.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageFacts {
    pub pageviews: Vec<PageviewFacts>,
    pub elements: Vec<ElementFacts>,
    /// The session converted (an event with revenue > 0) and its revenue, as its session row counts them: kept
    /// with the facts so zone reports need no join (a session that changes is analysed again).
    pub converted: bool,
    pub revenue: f64,
}

impl PageFacts {
    /// Counts each rage, dead and error click of `detections` on the element facts of its pageview and
    /// element, so a zone report reads them with the element's other facts instead of joining detections.
    pub fn count_click_problems(&mut self, detections: &[Detection]) {
        let mut counts: BTreeMap<(&str, &str), ClickProblems> = BTreeMap::new();
        for d in detections {
            let Some(element) = d.element.as_deref() else {
                continue;
            };
            let count = counts.entry((&d.pageview, element)).or_default();
            match d.kind {
                Kind::RageClick => count.rage += 1,
                Kind::DeadClick => count.dead += 1,
                Kind::ErrorClick => count.error += 1,
                _ => {}
            }
        }
        for e in &mut self.elements {
            if let Some(count) = counts.get(&(e.pageview.as_str(), e.selector.as_str())) {
                e.problems = *count;
            }
        }
    }
}

/// The facts of one session's pageviews, from its events (any order).
pub fn page_facts(events: &[EventRow]) -> PageFacts {
    let mut by_pageview: BTreeMap<&str, Vec<&EventRow>> = BTreeMap::new();
    for e in events {
        by_pageview.entry(e.pageview.as_str()).or_default().push(e);
    }
    let mut facts = PageFacts::default();
    for (pageview, mut events) in by_pageview {
        events.sort_by_key(|e| e.ts);
        let Some(view) = events.iter().copied().find(|e| e.event_type == "pageview") else {
            continue;
        };
        let (pageview_facts, spans) = pageview_facts(pageview, view, &events);
        facts.elements.extend(
            element_facts(&pageview_facts, &spans, &events)
                .into_iter()
                .filter(|e| e.exposed() || e.clicks > 0 || e.hovers > 0),
        );
        facts.pageviews.push(pageview_facts);
    }
    mark_sessions(&mut facts);
    let revenues = events.iter().filter_map(|e| e.revenue);
    facts.revenue = revenues.clone().sum();
    facts.converted = revenues.clone().any(|r| r > 0.0);
    facts
}

/// Fills each element's [`InSession`] of its page group and of its path.
fn mark_sessions(facts: &mut PageFacts) {
    let pages: BTreeMap<&str, (i64, Option<&str>, Option<&str>)> = facts
        .pageviews
        .iter()
        .map(|p| {
            let page = (p.started, p.path.as_deref(), p.page_group.as_deref());
            (p.pageview.as_str(), page)
        })
        .collect();
    // Pageviews by start, so that the first row of a (page, element) is the session's first.
    let mut order: Vec<usize> = (0..facts.elements.len()).collect();
    order.sort_by_key(|&i| {
        let e = &facts.elements[i];
        (
            pages.get(e.pageview.as_str()).map(|p| p.0),
            e.pageview.clone(),
        )
    });
    let mut marks: Vec<(InSession, InSession)> = vec![Default::default(); facts.elements.len()];
    for by_group in [true, false] {
        let mut seen: BTreeMap<(Option<&str>, &str), Vec<usize>> = BTreeMap::new();
        for &i in &order {
            let e = &facts.elements[i];
            let page = pages
                .get(e.pageview.as_str())
                .and_then(|p| if by_group { p.2 } else { p.1 });
            seen.entry((page, e.selector.as_str())).or_default().push(i);
        }
        for rows in seen.values() {
            let clicked = rows.iter().any(|&i| facts.elements[i].clicks > 0);
            let exposed = rows.iter().any(|&i| facts.elements[i].exposed());
            for (n, &i) in rows.iter().enumerate() {
                let mark = InSession {
                    first: n == 0,
                    clicked,
                    exposed,
                };
                if by_group {
                    marks[i].0 = mark;
                } else {
                    marks[i].1 = mark;
                }
            }
        }
    }
    for (e, (in_group, in_path)) in facts.elements.iter_mut().zip(marks) {
        e.in_group = in_group;
        e.in_path = in_path;
    }
}

/// Where the viewport was (`top`..`bottom`, page px) and for how long (`ms`).
#[derive(Debug, Clone, Copy)]
struct Span {
    top: f64,
    bottom: f64,
    ms: f64,
}

impl Span {
    fn shows(&self, y: f64) -> bool {
        self.top <= y && y <= self.bottom
    }
}

const ENDING_TYPES: [&str; 6] = ["click", "hover", "move", "scroll", "layout", "pageleave"];

fn pageview_facts(
    pageview: &str,
    view: &EventRow,
    events: &[&EventRow],
) -> (PageviewFacts, Vec<Span>) {
    let started = events
        .iter()
        .filter(|e| e.event_type == "pageview")
        .map(|e| e.ts)
        .min()
        .unwrap_or(view.ts);
    let ended = events
        .iter()
        .filter(|e| ENDING_TYPES.contains(&e.event_type))
        .map(|e| e.ts)
        .max()
        .map_or(started, |last| last.max(started));
    let of_views = |f: fn(&EventRow) -> Option<f64>| {
        events
            .iter()
            .filter(|e| e.event_type == "pageview")
            .filter_map(|e| f(e))
            .reduce(f64::max)
    };
    let viewport_h = of_views(|e| e.viewport_h.map(f64::from));
    let doc_h = of_views(|e| e.value);
    let spans = spans(started, ended, viewport_h, events);
    let deepest = events
        .iter()
        .filter(|e| matches!(e.event_type, "scroll" | "pageleave"))
        .filter_map(|e| e.scroll_pct)
        .reduce(f64::max)
        .unwrap_or(0.0);
    let first_screen = match (viewport_h, doc_h) {
        (Some(vh), Some(dh)) if dh > 0.0 => vh / dh * 100.0,
        _ => 0.0,
    };
    let attention_ms = match doc_h {
        Some(dh) if dh > 0.0 && viewport_h.is_some() => (0..DEPTH_BANDS)
            .map(|band| {
                let middle = (band as f64 + 0.5) * DEPTH_STEP_PCT as f64 / 100.0 * dh;
                spans.iter().filter(|s| s.shows(middle)).map(|s| s.ms).sum()
            })
            .collect(),
        _ => Vec::new(),
    };
    let facts = PageviewFacts {
        pageview: pageview.to_owned(),
        started,
        ended,
        path: view.path.clone(),
        page_group: view.page_group.clone(),
        device: view.device,
        viewport_h,
        doc_h,
        depth_pct: deepest.max(first_screen).min(100.0),
        attention_ms,
        moves: move_cells(events),
    };
    (facts, spans)
}

/// The viewport's spans: from the start at the top, then from each scroll pause, each until the next or `ended`.
fn spans(started: i64, ended: i64, viewport_h: Option<f64>, events: &[&EventRow]) -> Vec<Span> {
    let Some(vh) = viewport_h else {
        return Vec::new();
    };
    let mut views = vec![(started, 0.0)];
    views.extend(
        events
            .iter()
            .filter(|e| e.event_type == "scroll")
            .filter_map(|e| Some((e.ts, (e.value? - vh).max(0.0)))),
    );
    views.sort_by_key(|&(since, _)| since);
    views
        .iter()
        .enumerate()
        .map(|(i, &(since, top))| {
            let until = views.get(i + 1).map_or(ended, |&(next, _)| next);
            Span {
                top,
                bottom: top + vh,
                ms: (until - since) as f64,
            }
        })
        .collect()
}

/// Pointer samples of the pageview's `move` events (`props`: `[[x, y, dt_ms], …]`) per cell.
fn move_cells(events: &[&EventRow]) -> Vec<(f64, f64, u32)> {
    let mut cells: BTreeMap<(i64, i64), u32> = BTreeMap::new();
    for e in events.iter().filter(|e| e.event_type == "move") {
        let Some(samples) = json_array(e.props.as_deref()) else {
            continue;
        };
        for sample in samples {
            let coords = sample.as_array().map(|a| {
                a.iter()
                    .take(2)
                    .filter_map(serde_json::Value::as_f64)
                    .collect::<Vec<_>>()
            });
            if let Some(&[x, y]) = coords.as_deref() {
                let cell = |v: f64| (v / MOVE_CELL_PX).floor() as i64;
                *cells.entry((cell(x), cell(y))).or_default() += 1;
            }
        }
    }
    cells
        .into_iter()
        .map(|((x, y), n)| (x as f64 * MOVE_CELL_PX, y as f64 * MOVE_CELL_PX, n))
        .collect()
}

fn json_array(text: Option<&str>) -> Option<Vec<serde_json::Value>> {
    match serde_json::from_str(text?).ok()? {
        serde_json::Value::Array(items) => Some(items),
        _ => None,
    }
}

/// An element's box in the layout: its middle line (the highest, if the selector has several) and whether it
/// is fixed or sticky.
#[derive(Debug, Default)]
struct Placed {
    middle: Option<f64>,
    fixed: bool,
}

/// Boxes of the pageview's first `layout` event (`props`: `[{sel, x, y, w, h, fixed?}, …]`).
fn boxes(events: &[&EventRow]) -> BTreeMap<String, Placed> {
    let mut boxes: BTreeMap<String, Placed> = BTreeMap::new();
    let first = events.iter().find(|e| e.event_type == "layout");
    for zone in first
        .and_then(|e| json_array(e.props.as_deref()))
        .unwrap_or_default()
    {
        let Some(selector) = zone.get("sel").and_then(serde_json::Value::as_str) else {
            continue;
        };
        let number = |k: &str| zone.get(k).and_then(serde_json::Value::as_f64);
        let placed = boxes.entry(selector.to_owned()).or_default();
        if let (Some(y), Some(h)) = (number("y"), number("h")) {
            let middle = y + h / 2.0;
            placed.middle = Some(placed.middle.map_or(middle, |m: f64| m.min(middle)));
        }
        placed.fixed |= zone
            .get("fixed")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
    }
    boxes
}

/// A click point's cell centre along one axis, kept inside 0..1 (r = 1 is in the last cell).
fn cell_centre(r: f64) -> f64 {
    let last = (1.0 / CLICK_CELL).round() - 1.0;
    ((r / CLICK_CELL).floor().min(last) + 0.5) * CLICK_CELL
}

#[derive(Default)]
struct Acts {
    clicks: Vec<i64>,
    hovers: Vec<i64>,
    hover_ms: f64,
    cells: BTreeMap<(i64, i64), u32>,
}

fn element_facts(view: &PageviewFacts, spans: &[Span], events: &[&EventRow]) -> Vec<ElementFacts> {
    let boxes = boxes(events);
    let mut acts: BTreeMap<&str, Acts> = BTreeMap::new();
    for e in events {
        let Some(selector) = e.selector.as_deref() else {
            continue;
        };
        match e.event_type {
            "click" => {
                let act = acts.entry(selector).or_default();
                act.clicks.push(e.ts);
                if let (Some(rx), Some(ry)) = (e.rel_x, e.rel_y) {
                    // Keyed by the centre in 1/10,000ths: exact for 1 % cells.
                    let key = |r: f64| (cell_centre(r) * 10_000.0).round() as i64;
                    *act.cells.entry((key(rx), key(ry))).or_default() += 1;
                }
            }
            "hover" => {
                let act = acts.entry(selector).or_default();
                act.hovers.push(e.ts);
                act.hover_ms += e.value.unwrap_or(0.0);
            }
            _ => {}
        }
    }
    let whole_view = (view.ended - view.started) as f64;
    let mut selectors: Vec<&str> = boxes.keys().map(String::as_str).collect();
    selectors.extend(acts.keys().copied().filter(|s| !boxes.contains_key(*s)));
    selectors.sort_unstable();
    selectors
        .into_iter()
        .map(|selector| {
            let exposure_ms = boxes.get(selector).map(|b| match (b.fixed, b.middle) {
                (true, _) => whole_view,
                (false, Some(middle)) => {
                    spans.iter().filter(|s| s.shows(middle)).map(|s| s.ms).sum()
                }
                (false, None) => 0.0,
            });
            let act = acts.remove(selector).unwrap_or_default();
            let first_click = act.clicks.iter().copied().min();
            let hesitation_ms = first_click.and_then(|first| {
                let last_hover = act.hovers.iter().copied().filter(|&t| t <= first).max()?;
                Some((first - last_hover) as f64)
            });
            ElementFacts {
                pageview: view.pageview.clone(),
                selector: selector.to_owned(),
                exposure_ms,
                clicks: act.clicks.len() as u32,
                before_click_ms: first_click.map(|t| (t - view.started) as f64),
                hovers: act.hovers.len() as u32,
                hover_ms: act.hover_ms,
                hesitation_ms,
                click_cells: act
                    .cells
                    .into_iter()
                    .map(|((rx, ry), n)| (rx as f64 / 10_000.0, ry as f64 / 10_000.0, n))
                    .collect(),
                ..ElementFacts::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;

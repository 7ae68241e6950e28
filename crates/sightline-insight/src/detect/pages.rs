//! Page-level detectors: u-turns across pageviews; excessive scrolling, form abandonment, JS errors,
//! failed requests and slow pages within one.

use sightline_model::EventRow;

use super::{Detection, Evidence, Kind, Thresholds, props};

/// Consecutive pageviews A, B, C of the session with C on A's path, B elsewhere, and C at most the
/// threshold after B: the visitor turned away from B. Valued at the ms spent on B.
pub(super) fn u_turns(rows: &[&EventRow], t: &Thresholds, out: &mut Vec<Detection>) {
    let views: Vec<&EventRow> = rows
        .iter()
        .copied()
        .filter(|e| e.event_type == "pageview")
        .collect();
    for w in views.windows(3) {
        let (a, b, c) = (w[0], w[1], w[2]);
        let (Some(from), Some(there)) = (a.path.as_deref(), b.path.as_deref()) else {
            continue;
        };
        let stay = c.ts.saturating_sub(b.ts);
        if c.path.as_deref() == Some(from) && there != from && stay <= t.u_turn_max_ms {
            out.push(Detection::at(
                Kind::UTurn,
                b,
                None,
                stay as f64,
                vec![Evidence::of(b), Evidence::of(c)],
            ));
        }
    }
}

/// `events`: one pageview's events, in time order.
pub(super) fn detect_in_pageview(events: &[&EventRow], t: &Thresholds, out: &mut Vec<Detection>) {
    excessive_scroll(events, t, out);
    let first_input = events
        .iter()
        .find(|e| e.event_type == "input")
        .map(|e| e.ts);
    for &row in events {
        match row.event_type {
            "input" if row.name.as_deref() == Some("abandon") => {
                // time invested: from the page's first form interaction to leaving the field unsent
                let invested = first_input.map_or(0, |f| row.ts.saturating_sub(f));
                out.push(Detection::at(
                    Kind::FormAbandonment,
                    row,
                    row.selector.clone(),
                    invested as f64,
                    vec![Evidence::of(row)],
                ));
            }
            "error" => out.push(Detection::at(
                Kind::JsError,
                row,
                row.error_fingerprint.clone(),
                1.0,
                vec![Evidence::of(row)],
            )),
            "request" => {
                let Some(status) = row.value else { continue };
                if status >= 400.0 || status == 0.0 {
                    let method = row
                        .tag
                        .as_deref()
                        .filter(|m| !m.is_empty())
                        .unwrap_or("GET")
                        .to_ascii_uppercase();
                    let url = row.name.as_deref().unwrap_or("");
                    out.push(Detection::at(
                        Kind::FailedRequest,
                        row,
                        Some(format!("{method} {}", request_pattern(url))),
                        status,
                        vec![Evidence::of(row)],
                    ));
                }
            }
            "vital" if row.name.as_deref() == Some("LCP") => {
                let Some(lcp) = row.value else { continue };
                let slow = match row.text.as_deref() {
                    Some(rating) => rating == "poor",
                    None => lcp > t.slow_page_lcp_ms,
                };
                if slow {
                    out.push(Detection::at(
                        Kind::SlowPage,
                        row,
                        Some("LCP".to_string()),
                        lcp,
                        vec![Evidence::of(row)],
                    ));
                }
            }
            _ => {}
        }
    }
}

/// Many scroll direction changes while the visitor never got far down: searching, not reading. Valued at
/// the direction changes; at the first scroll event that changed direction.
fn excessive_scroll(events: &[&EventRow], t: &Thresholds, out: &mut Vec<Detection>) {
    let mut changes = 0u64;
    let mut progress: Option<f64> = None;
    let mut changed: Vec<&EventRow> = Vec::new();
    for &row in events {
        match row.event_type {
            "scroll" => {
                let n = props(row)
                    .and_then(|p| p.get("dir_changes").and_then(serde_json::Value::as_u64))
                    .unwrap_or(0);
                if n > 0 {
                    changes = changes.saturating_add(n);
                    changed.push(row);
                }
            }
            "pageleave" => {}
            _ => continue,
        }
        if let Some(pct) = row.scroll_pct.filter(|p| p.is_finite()) {
            progress = Some(progress.map_or(pct, |p| p.max(pct)));
        }
    }
    let low = progress.is_some_and(|p| p < t.excessive_scroll_max_progress_pct);
    if let (true, Some(&first)) = (
        low && changes >= t.excessive_scroll_min_direction_changes,
        changed.first(),
    ) {
        out.push(Detection::at(
            Kind::ExcessiveScroll,
            first,
            None,
            changes as f64,
            changed.iter().map(|r| Evidence::of(r)).collect(),
        ));
    }
}

/// A request URL as a pattern: its path only (no scheme, host, query or fragment), every id-like segment
/// `:id` — the same rule as default page groups: `https://shop/api/cart/42?x=1` → `/api/cart/:id`.
pub fn request_pattern(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or("");
    let after_host = |rest: &str| rest.find('/').map_or("", |i| &rest[i..]).to_string();
    let path = match url.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            after_host(rest)
        }
        _ => match url.strip_prefix("//") {
            Some(rest) => after_host(rest),
            None => url.to_string(),
        },
    };
    crate::ids::group_segments(&path)
}

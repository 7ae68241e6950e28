//! Rage, error and dead clicks, from the clicks and errors of one pageview.
//!
//! A click belongs to at most one of them, the most telling: a click of a rage burst or one followed by an
//! error is reported as that, not again as a dead click (one problem, counted once in the cost).

use sightline_model::EventRow;

use super::{Detection, Evidence, Kind, Thresholds, props};

/// Tags whose clicks place a caret or open a picker: clicking them again and again is editing, and they
/// rarely change the DOM, so they are never rage or dead clicks.
const TEXT_EDITING_TAGS: [&str; 3] = ["input", "textarea", "select"];

/// `events`: one pageview's events, in time order.
pub(super) fn detect(events: &[&EventRow], t: &Thresholds, out: &mut Vec<Detection>) {
    let clicks: Vec<&EventRow> = events
        .iter()
        .copied()
        .filter(|e| e.event_type == "click")
        .collect();
    if clicks.is_empty() {
        return;
    }
    // indexes into `clicks` of those that may be rage or dead clicks
    let candidates: Vec<usize> = (0..clicks.len())
        .filter(|&i| !is_text_editing(clicks[i]))
        .collect();
    let mut explained = vec![false; clicks.len()];
    rage_clicks(&clicks, &candidates, t, &mut explained, out);
    error_clicks(events, &clicks, t, &mut explained, out);
    for &i in &candidates {
        let click = clicks[i];
        // `None`: the page went before the tracker's window ended, so nobody knows
        if click.changed == Some(false) && !explained[i] {
            out.push(Detection::at(
                Kind::DeadClick,
                click,
                click.selector.clone(),
                1.0,
                vec![Evidence::of(click)],
            ));
        }
    }
}

/// Inputs, text areas, selects and contenteditable regions. The tracker does not flag contenteditable
/// today: it is recognised from a selector naming the attribute or a click's `props.editable == true`.
pub(super) fn is_text_editing(click: &EventRow) -> bool {
    let tag = click.tag.as_deref().unwrap_or("");
    TEXT_EDITING_TAGS
        .iter()
        .any(|t| tag.eq_ignore_ascii_case(t))
        || click
            .selector
            .as_deref()
            .is_some_and(|s| s.contains("[contenteditable"))
        || props(click).is_some_and(|p| p.get("editable") == Some(&serde_json::Value::Bool(true)))
}

fn distance(a: &EventRow, b: &EventRow) -> f64 {
    match (a.x, a.y, b.x, b.y) {
        (Some(ax), Some(ay), Some(bx), Some(by)) => (ax - bx).hypot(ay - by),
        _ => f64::INFINITY,
    }
}

/// Bursts of consecutive candidate clicks: `n` of them within the window, each within the radius of the
/// burst's first; the burst then goes on while each next click is within the radius and the last `n`
/// clicks stay within the window. One detection per burst, unless every click of it changed the page.
fn rage_clicks(
    clicks: &[&EventRow],
    candidates: &[usize],
    t: &Thresholds,
    explained: &mut [bool],
    out: &mut Vec<Detection>,
) {
    let n = t.rage_click_min_clicks.max(2);
    let at = |k: usize| clicks[candidates[k]];
    let mut i = 0usize;
    while i.saturating_add(n) <= candidates.len() {
        let first = at(i);
        let near = |k: usize| distance(first, at(k)) <= t.rage_click_radius_px;
        let starts = (i + 1..i + n).all(near)
            && at(i + n - 1).ts.saturating_sub(first.ts) <= t.rage_click_window_ms;
        if !starts {
            i += 1;
            continue;
        }
        let mut end = i + n;
        while end < candidates.len()
            && near(end)
            && at(end).ts.saturating_sub(at(end + 1 - n).ts) <= t.rage_click_window_ms
        {
            end += 1;
        }
        let burst = &candidates[i..end];
        // a stepper or a carousel arrow clicked fast: every click visibly worked
        if !burst.iter().all(|&c| clicks[c].changed == Some(true)) {
            for &c in burst {
                explained[c] = true;
            }
            out.push(Detection::at(
                Kind::RageClick,
                first,
                first.selector.clone(),
                burst.len() as f64,
                burst.iter().map(|&c| Evidence::of(clicks[c])).collect(),
            ));
        }
        i = end;
    }
}

/// Each error goes to the latest click at or before it, if at most the window before; a click with errors
/// is one error click, valued at the ms to its first error.
fn error_clicks(
    events: &[&EventRow],
    clicks: &[&EventRow],
    t: &Thresholds,
    explained: &mut [bool],
    out: &mut Vec<Detection>,
) {
    let mut first_error: Vec<Option<&EventRow>> = vec![None; clicks.len()];
    for error in events.iter().copied().filter(|e| e.event_type == "error") {
        // clicks are in time order: the last one with ts <= the error's
        let before = clicks.partition_point(|c| c.ts <= error.ts);
        let Some(i) = before.checked_sub(1) else {
            continue;
        };
        if error.ts.saturating_sub(clicks[i].ts) <= t.error_click_window_ms {
            first_error[i].get_or_insert(error);
        }
    }
    for (i, error) in first_error.into_iter().enumerate() {
        let Some(error) = error else { continue };
        let click = clicks[i];
        explained[i] = true;
        out.push(Detection::at(
            Kind::ErrorClick,
            click,
            click.selector.clone(),
            error.ts.saturating_sub(click.ts) as f64,
            vec![Evidence::of(click), Evidence::of(error)],
        ));
    }
}

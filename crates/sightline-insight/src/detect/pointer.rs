//! Hesitation (hovers) and a thrashed cursor (pointer moves), from one pageview's events.

use sightline_model::EventRow;

use super::{Detection, Evidence, Kind, Thresholds, props};

/// `events`: one pageview's events, in time order.
pub(super) fn detect(events: &[&EventRow], t: &Thresholds, out: &mut Vec<Detection>) {
    hesitations(events, t, out);
    thrashed_cursor(events, t, out);
}

/// A hover (the tracker sends them only over interactive elements) that lasted at least the threshold
/// before the visitor clicked the element or used it as a form field, or without that ever happening.
/// Time after the first click is not hesitation: the mouse resting on a field while typing into it, or
/// on a stepper being clicked, is not doubt.
fn hesitations(events: &[&EventRow], t: &Thresholds, out: &mut Vec<Detection>) {
    for hover in events.iter().copied().filter(|e| e.event_type == "hover") {
        let Some(dwell) = hover.value.filter(|d| d.is_finite() && *d >= 0.0) else {
            continue;
        };
        let end = hover.ts.saturating_add(dwell as i64);
        let engaged = events.iter().copied().find(|e| {
            matches!(e.event_type, "click" | "input")
                && hover.selector.is_some()
                && e.selector == hover.selector
                && e.ts >= hover.ts
                && e.ts <= end
        });
        let hesitated = engaged.map_or(dwell, |e| e.ts.saturating_sub(hover.ts) as f64);
        if hesitated < t.hesitation_min_ms {
            continue;
        }
        // the click that ended the hesitation, when there was one
        let mut evidence = vec![Evidence::of(hover)];
        evidence.extend(engaged.map(Evidence::of));
        out.push(Detection::at(
            Kind::Hesitation,
            hover,
            hover.selector.clone(),
            hesitated,
            evidence,
        ));
    }
}

/// One pointer sample: absolute time (ms), page position, and the move event it came in.
struct Point<'a> {
    t: i64,
    x: f64,
    y: f64,
    row: &'a EventRow,
}

/// The pageview's pointer samples in time order: a move's `props` is `[[x, y, dt_ms], ...]` with `dt`
/// relative to the move event's time.
fn points<'a>(events: &[&'a EventRow]) -> Vec<Point<'a>> {
    let mut points = Vec::new();
    for row in events.iter().copied().filter(|e| e.event_type == "move") {
        let Some(serde_json::Value::Array(samples)) = props(row) else {
            continue;
        };
        for sample in samples {
            let coords = sample.as_array().map(|a| {
                a.iter()
                    .filter_map(serde_json::Value::as_f64)
                    .collect::<Vec<_>>()
            });
            if let Some(&[x, y, dt]) = coords.as_deref()
                && dt.is_finite()
            {
                points.push(Point {
                    t: row.ts.saturating_add(dt.round() as i64),
                    x,
                    y,
                    row,
                });
            }
        }
    }
    points.sort_by_key(|p| p.t);
    points
}

/// Velocity (px/s) from `a` to `b`, if they are one movement (close enough in time).
fn velocity(a: &Point, b: &Point, t: &Thresholds) -> Option<(f64, f64)> {
    let dt = b.t - a.t;
    if dt <= 0 || dt > t.thrashed_cursor_max_sample_gap_ms {
        return None;
    }
    let per_s = 1_000.0 / dt as f64;
    Some(((b.x - a.x) * per_s, (b.y - a.y) * per_s))
}

/// Whether velocity component `a` turns into `b` (opposite signs), both at least `min` px/s.
fn reverses(a: f64, b: f64, min: f64) -> bool {
    a * b < 0.0 && a.abs() >= min && b.abs() >= min
}

/// Episodes of fast back-and-forth: `n` reversals (x or y velocity flipping sign between two fast
/// segments) within the window; an episode goes on while the last `n` reversals stay within it.
/// One detection per episode, valued at its reversals.
fn thrashed_cursor(events: &[&EventRow], t: &Thresholds, out: &mut Vec<Detection>) {
    let points = points(events);
    let min = t.thrashed_cursor_min_speed_px_s;
    let reversals: Vec<&Point> = points
        .windows(3)
        .filter_map(|w| {
            let a = velocity(&w[0], &w[1], t)?;
            let b = velocity(&w[1], &w[2], t)?;
            (reverses(a.0, b.0, min) || reverses(a.1, b.1, min)).then_some(&w[1])
        })
        .collect();
    let n = t.thrashed_cursor_min_reversals.max(1);
    let mut i = 0usize;
    while i.saturating_add(n) <= reversals.len() {
        let within = |last: usize| {
            reversals[last].t.saturating_sub(reversals[last + 1 - n].t)
                <= t.thrashed_cursor_window_ms
        };
        if !within(i + n - 1) {
            i += 1;
            continue;
        }
        let mut end = i + n;
        while end < reversals.len() && within(end) {
            end += 1;
        }
        let episode = &reversals[i..end];
        let first = episode[0];
        let mut detection = Detection::at(
            Kind::ThrashedCursor,
            first.row,
            None,
            episode.len() as f64,
            episode
                .iter()
                .map(|p| Evidence {
                    ts: p.t,
                    event_type: p.row.event_type,
                    selector: None,
                    x: Some(p.x),
                    y: Some(p.y),
                })
                .collect(),
        );
        detection.ts = first.t;
        out.push(detection);
        i = end;
    }
}

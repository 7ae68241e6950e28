//! A deterministic summary of one session from its row, its events and its detections: where the visitor came
//! from, on what, the pages with time and scroll on each, hesitation, frustration, errors, whether and how it
//! converted, and how it ended. Every key moment carries its time, so the dashboard links it into the replay.

use serde::Serialize;
use sightline_model::{EventRow, SessionRow};

use crate::detect::{Detection, Kind};

/// Key moments kept per summary (the first ones: a session with 500 dead clicks needs no 500 links).
pub const MAX_MOMENTS: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PageVisit {
    pub path: String,
    /// When the pageview started (ms since the epoch).
    pub ts: i64,
    /// Until the next pageview (or the session's last event).
    pub duration_ms: i64,
    /// Deepest scroll measured on it, 0-100, when the tracker measured one.
    pub scroll_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Moment {
    pub ts: i64,
    /// Since the session started.
    pub offset_ms: i64,
    /// `page`, `conversion`, `error`, or a detection kind (`rage_click`, `hesitation`, …).
    pub kind: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// A few plain sentences.
    pub text: String,
    pub pages: Vec<PageVisit>,
    pub moments: Vec<Moment>,
    pub converted: bool,
    pub revenue: f64,
    /// How it ended: `converted`, `bounced`, `left after a problem` or `left`.
    pub outcome: String,
}

fn seconds(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 60 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn kind_words(kind: Kind) -> &'static str {
    match kind {
        Kind::RageClick => "rage click",
        Kind::DeadClick => "dead click",
        Kind::ErrorClick => "click followed by an error",
        Kind::UTurn => "quick return",
        Kind::ExcessiveScroll => "back-and-forth scrolling",
        Kind::ThrashedCursor => "thrashed cursor",
        Kind::Hesitation => "hesitation",
        Kind::FormAbandonment => "abandoned form field",
        Kind::JsError => "JavaScript error",
        Kind::FailedRequest => "failed request",
        Kind::SlowPage => "slow page load",
    }
}

/// The pages of `events` (time-ordered) with the time and scroll depth on each.
fn pages_of(events: &[&EventRow], ended: i64) -> Vec<PageVisit> {
    let views: Vec<&EventRow> = events
        .iter()
        .copied()
        .filter(|e| e.event_type == "pageview")
        .collect();
    views
        .iter()
        .enumerate()
        .map(|(i, view)| {
            let until = views.get(i + 1).map_or(ended, |next| next.ts);
            let scroll_pct = events
                .iter()
                .filter(|e| e.pageview == view.pageview)
                .filter(|e| matches!(e.event_type, "scroll" | "pageleave"))
                .filter_map(|e| e.scroll_pct)
                .fold(None, |max: Option<f64>, p| {
                    Some(max.map_or(p, |m| m.max(p)))
                });
            PageVisit {
                path: view.path.clone().unwrap_or_else(|| "(unknown page)".into()),
                ts: view.ts,
                duration_ms: (until - view.ts).max(0),
                scroll_pct,
            }
        })
        .collect()
}

pub fn summarize(session: &SessionRow, events: &[EventRow], detections: &[Detection]) -> Summary {
    let mut ordered: Vec<&EventRow> = events.iter().collect();
    ordered.sort_by_key(|e| e.ts);
    let started = session.started;
    let pages = pages_of(&ordered, session.ended);
    let mut moments: Vec<Moment> = Vec::new();
    let moment = |ts: i64, kind: &str, text: String| Moment {
        ts,
        offset_ms: ts - started,
        kind: kind.to_string(),
        text,
    };
    for p in &pages {
        moments.push(moment(p.ts, "page", format!("Opened {}", p.path)));
    }
    for e in ordered
        .iter()
        .filter(|e| e.revenue.is_some_and(|r| r > 0.0))
    {
        let what = e.name.as_deref().unwrap_or("conversion");
        moments.push(moment(
            e.ts,
            "conversion",
            format!("Converted: {what} ({:.2})", e.revenue.unwrap_or_default()),
        ));
    }
    for d in detections {
        let on = d
            .element
            .as_deref()
            .map_or(String::new(), |e| format!(" on `{e}`"));
        let page = d.path.as_deref().unwrap_or("the page");
        let text = match d.kind {
            Kind::Hesitation => format!("Hesitated {}{on} ({page})", seconds(d.value as i64)),
            Kind::JsError => format!("JavaScript error on {page}"),
            kind => format!("{}{on} ({page})", capitalized(kind_words(kind))),
        };
        moments.push(moment(d.ts, d.kind.as_str(), text));
    }
    moments.sort_by(|a, b| (a.ts, &a.kind).cmp(&(b.ts, &b.kind)));
    moments.truncate(MAX_MOMENTS);

    let mut sentences = Vec::new();
    let source = match (&session.channel, &session.referrer) {
        (Some(channel), Some(referrer)) => format!("{} ({referrer})", channel.replace('_', " ")),
        (Some(channel), None) => channel.replace('_', " "),
        (None, _) => "an unknown source".into(),
    };
    sentences.push(format!(
        "Came from {source} on {} ({}, {}).",
        session.device, session.browser, session.os
    ));
    if !pages.is_empty() {
        let list: Vec<String> = pages
            .iter()
            .take(10)
            .map(|p| match p.scroll_pct {
                Some(pct) => format!(
                    "{} ({}, scrolled {pct:.0} %)",
                    p.path,
                    seconds(p.duration_ms)
                ),
                None => format!("{} ({})", p.path, seconds(p.duration_ms)),
            })
            .collect();
        let more = pages.len().saturating_sub(10);
        sentences.push(format!(
            "Viewed {}: {}{}.",
            plural(pages.len(), "page"),
            list.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    let hesitations: Vec<&Detection> = detections
        .iter()
        .filter(|d| d.kind == Kind::Hesitation)
        .collect();
    if let Some(longest) = hesitations
        .iter()
        .max_by(|a, b| a.value.total_cmp(&b.value))
    {
        sentences.push(format!(
            "Hesitated {} (longest {} over `{}`).",
            if hesitations.len() == 1 {
                "once".to_string()
            } else {
                format!("{} times", hesitations.len())
            },
            seconds(longest.value as i64),
            longest.element.as_deref().unwrap_or("an element")
        ));
    }
    let mut frustration: Vec<String> = Vec::new();
    for kind in Kind::ALL {
        if matches!(kind, Kind::Hesitation | Kind::JsError | Kind::FailedRequest) {
            continue;
        }
        let of_kind: Vec<&Detection> = detections.iter().filter(|d| d.kind == kind).collect();
        if let Some(first) = of_kind.first() {
            let on = first
                .element
                .as_deref()
                .map_or(String::new(), |e| format!(" on `{e}`"));
            frustration.push(format!("{}{on}", plural(of_kind.len(), kind_words(kind))));
        }
    }
    if !frustration.is_empty() {
        sentences.push(format!("Frustration: {}.", frustration.join("; ")));
    }
    let count = |kind: Kind| detections.iter().filter(|d| d.kind == kind).count();
    let (errors, failed) = (count(Kind::JsError), count(Kind::FailedRequest));
    if errors + failed > 0 {
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(plural(errors, "JavaScript error"));
        }
        if failed > 0 {
            parts.push(plural(failed, "failed request"));
        }
        sentences.push(format!("Met {}.", parts.join(" and ")));
    }
    let converted = session.conversions > 0;
    let exit = session.exit_page.as_deref().unwrap_or("an unknown page");
    let duration = seconds(session.duration_ms());
    let last_problem = detections
        .iter()
        .filter(|d| d.kind != Kind::Hesitation)
        .max_by_key(|d| d.ts)
        .filter(|d| session.ended - d.ts <= LEFT_AFTER_PROBLEM_MS);
    let outcome = if converted {
        sentences.push(format!(
            "Converted ({} for {:.2}); ended on {exit} after {duration}.",
            plural(session.conversions.max(0) as usize, "conversion"),
            session.revenue
        ));
        "converted"
    } else if let Some(problem) = last_problem {
        let words = kind_words(problem.kind);
        let article = if words.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        sentences.push(format!(
            "Did not convert; left from {exit} after {duration}, {} after {article} {words}.",
            seconds(session.ended - problem.ts),
        ));
        "left after a problem"
    } else if session.pageviews <= 1 {
        sentences.push(format!("Bounced from {exit} after {duration}."));
        "bounced"
    } else {
        sentences.push(format!(
            "Did not convert; left from {exit} after {duration}."
        ));
        "left"
    };
    Summary {
        text: sentences.join(" "),
        pages,
        moments,
        converted,
        revenue: session.revenue,
        outcome: outcome.into(),
    }
}

/// A session that ends this soon after a problem "left after" it.
pub const LEFT_AFTER_PROBLEM_MS: i64 = 30_000;

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Thresholds, detect};
    use crate::session::rows_of;

    const T: i64 = 1_764_374_400_000;

    fn event(ts: i64, pv: &str, path: &str, event_type: &'static str) -> EventRow {
        EventRow {
            site_id: 1,
            ts,
            session: "s".into(),
            visitor: "v".into(),
            pageview: pv.into(),
            event_type,
            path: Some(path.into()),
            page_group: Some(path.into()),
            device: "mobile",
            browser: "Safari".into(),
            os: "iOS".into(),
            ..EventRow::default()
        }
    }

    fn shop() -> Vec<EventRow> {
        vec![
            EventRow {
                channel: Some("organic_search"),
                referrer: Some("www.google.com".into()),
                ..event(T, "p1", "/", "pageview")
            },
            EventRow {
                scroll_pct: Some(80.0),
                ..event(T + 10_000, "p1", "/", "scroll")
            },
            event(T + 12_000, "p2", "/product/:id", "pageview"),
            EventRow {
                selector: Some("img.photo".into()),
                changed: Some(false),
                ..event(T + 20_000, "p2", "/product/:id", "click")
            },
            event(T + 30_000, "p3", "/checkout", "pageview"),
            EventRow {
                selector: Some("#pay".into()),
                value: Some(3_500.0),
                ..event(T + 31_000, "p3", "/checkout", "hover")
            },
            EventRow {
                name: Some("purchase".into()),
                revenue: Some(42.5),
                ..event(T + 40_000, "p3", "/checkout", "custom")
            },
        ]
    }

    #[test]
    fn a_shop_session_in_sentences_and_moments() {
        let events = shop();
        let row = rows_of(&events).remove(0);
        let detections = detect(&events, &Thresholds::default());
        let s = summarize(&row, &events, &detections);
        assert_eq!(
            s.text,
            "Came from organic search (www.google.com) on mobile (Safari, iOS). \
             Viewed 3 pages: / (12 s, scrolled 80 %), /product/:id (18 s), /checkout (10 s). \
             Hesitated once (longest 3 s over `#pay`). Frustration: 1 dead click on `img.photo`. \
             Converted (1 conversion for 42.50); ended on /checkout after 40 s."
        );
        assert_eq!(s.outcome, "converted");
        let kinds: Vec<(&str, i64)> = s
            .moments
            .iter()
            .map(|m| (m.kind.as_str(), m.offset_ms))
            .collect();
        assert_eq!(
            kinds,
            [
                ("page", 0),
                ("page", 12_000),
                ("dead_click", 20_000),
                ("page", 30_000),
                ("hesitation", 31_000),
                ("conversion", 40_000)
            ]
        );
    }

    #[test]
    fn a_session_that_ends_right_after_a_problem_says_so() {
        let mut events = shop();
        events.truncate(4);
        let row = rows_of(&events).remove(0);
        let s = summarize(&row, &events, &detect(&events, &Thresholds::default()));
        assert_eq!(s.outcome, "left after a problem");
        assert!(
            s.text
                .ends_with("left from /product/:id after 20 s, 0 s after a dead click."),
            "{}",
            s.text
        );
        let bounce = &events[..1];
        let row = rows_of(bounce).remove(0);
        assert_eq!(summarize(&row, bounce, &[]).outcome, "bounced");
    }
}

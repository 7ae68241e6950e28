//! The sessions a report covers, in ClickHouse SQL: the parts of each session merged by the rules of
//! `sightline_insight::session::merge` (sums, earliest and latest, the entry of the earliest pageview, the exit
//! of the latest), then filtered like the embedded store's `report_sessions`.

use super::http::quote;
use crate::{Result, SessionFilters, VisitorType};

/// One row per session of `site_id` with a part starting in `[from - MAX_SESSION_MS, to + MAX_SESSION_MS)`: the
/// merged columns reports read. A session's parts all lie within its span, so this bounds the parts scanned;
/// the upper bound takes in the later parts of a session that started just before `to`, so it merges whole.
pub(super) fn merged_sessions(site_id: i64, from: i64, to: i64) -> String {
    merged(
        site_id,
        &format!(
            "started >= {} AND started < {}",
            from.saturating_sub(MAX_SESSION_MS),
            to.saturating_add(MAX_SESSION_MS)
        ),
    )
}

/// One row per session of `site_id` among `sessions`, wherever they lie in time.
pub(super) fn merged_sessions_of(site_id: i64, sessions: &[String]) -> String {
    merged(
        site_id,
        &format!("session IN ({})", super::text_list(sessions)),
    )
}

/// The merged rows of the parts of `site_id` that match `parts` (a condition on `session_parts`).
pub(super) fn merged(site_id: i64, parts: &str) -> String {
    // Aggregated under other names, then renamed: ClickHouse reads an alias that equals a column's name as the
    // aggregate in every other expression of the query (`argMin(visitor, started)` would see `min(started)`).
    let inner = MERGED
        .iter()
        .map(|(name, merge)| format!("{merge} AS merged_{name}"))
        .collect::<Vec<_>>()
        .join(", ");
    let outer = MERGED
        .iter()
        .map(|(name, _)| format!("merged_{name} AS {name}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT session, {outer} FROM (
             SELECT session, {inner} FROM session_parts
             WHERE site_id = {site_id} AND {parts}
             GROUP BY session)"
    )
}

/// Each merged column and how its parts merge (as `sightline_insight::session::merge` does).
const MERGED: &[(&str, &str)] = &[
    ("visitor", "argMin(visitor, started)"),
    ("started", "min(started)"),
    ("ended", "max(ended)"),
    ("duration_ms", "max(ended) - min(started)"),
    ("active_ms", "sum(active_ms)"),
    ("pageviews", "sum(pageviews)"),
    ("events", "sum(events)"),
    // A nullable value goes in an array, so that argMin takes it from the entry part even when it is NULL there
    // (on NULL values an aggregate skips the row, and a later part's value would win).
    ("entry_page", "argMin([entry_page], entry_ts)[1]"),
    ("entry_group", "argMin([entry_group], entry_ts)[1]"),
    ("exit_page", "argMax(exit_page, exit_ts)"),
    ("exit_group", "argMax(exit_group, exit_ts)"),
    // The greatest of the parts' user ids, as the merge keeps (NULLs skipped).
    ("user_id", "max(user_id)"),
    ("referrer", "argMin([referrer], entry_ts)[1]"),
    ("utm_term", "argMin([utm_term], entry_ts)[1]"),
    ("utm_content", "argMin([utm_content], entry_ts)[1]"),
    ("device", "argMin(device, started)"),
    ("browser", "argMin(browser, started)"),
    ("os", "argMin(os, started)"),
    ("channel", "argMin([channel], entry_ts)[1]"),
    ("utm_source", "argMin([utm_source], entry_ts)[1]"),
    ("utm_medium", "argMin([utm_medium], entry_ts)[1]"),
    ("utm_campaign", "argMin([utm_campaign], entry_ts)[1]"),
    ("revenue", "sum(revenue)"),
    ("conversions", "sum(conversions)"),
    ("clicks", "sum(clicks)"),
    ("errors", "sum(errors)"),
    ("replay_chunks", "sum(replay_chunks)"),
    ("replay_bytes", "sum(replay_bytes)"),
    ("page_paths", "arraySort(groupArrayArray(page_paths))"),
    ("journey", JOURNEY),
];

/// The merged journey: every part's steps as `(ts, page, event)` tuples, sorted as `JourneyStep`'s `Ord` sorts
/// them (time, then page and event with a missing one last) and cut to `MAX_JOURNEY_STEPS` (200), as
/// `sightline_insight::session::merge` does. Its elements are `j.1` (ts), `j.2` (page), `j.3` (event).
const JOURNEY: &str = "arraySlice(arraySort(j -> (j.1, isNull(j.2), ifNull(j.2, ''), isNull(j.3), ifNull(j.3, '')),
     groupArrayArray(arrayMap((t, p, e) -> (t, p, e), journey_ts, journey_page, journey_event))), 1, 200)";
// The cut above is spelled out in the SQL text.
const _: () = assert!(sightline_model::MAX_JOURNEY_STEPS == 200);

/// Longest session the merge looks back for: one is cut after 30 minutes idle, and a day of activity without
/// such a pause is far beyond what a person does.
const MAX_SESSION_MS: i64 = 86_400_000;

/// `FROM (merged) s WHERE ...`: the report's sessions (started in `[from, to)`, with a pageview, matching `f`).
pub(super) fn report_sessions(
    site_id: i64,
    from: i64,
    to: i64,
    f: &SessionFilters,
) -> Result<String> {
    let mut sessions = merged_sessions(site_id, from, to);
    let segment_needs_first_seen = f
        .segment
        .as_ref()
        .is_some_and(super::segment::needs_first_seen);
    if f.visitor_type.is_some() || segment_needs_first_seen {
        // When each visitor was first seen (no correlated subqueries in ClickHouse: a join): the earliest start
        // of any part it wrote, with pageviews or not, as the embedded store's `visitors` table records it.
        sessions = format!(
            "SELECT * FROM ({sessions}) ANY LEFT JOIN (
                 SELECT visitor, min(started) AS first_seen FROM session_parts
                 WHERE site_id = {site_id} GROUP BY visitor) USING visitor"
        );
    }
    let mut sql = format!(
        "FROM ({sessions}) s WHERE s.started >= {from} AND s.started < {to} AND s.pageviews > 0"
    );
    // Values are quoted.
    let text = f.text_columns();
    for (column, value) in text {
        if let Some(value) = value {
            sql.push_str(&format!(" AND s.{column} = {}", quote(value)));
        }
    }
    if let Some(page) = &f.page {
        sql.push_str(&format!(" AND has(s.page_paths, {})", quote(page)));
    }
    if let Some(selector) = &f.clicked {
        // A session's events are no older than its start, so `ts >= from` prunes the scan to the range.
        sql.push_str(&format!(
            " AND s.session IN (SELECT session FROM events
                 WHERE site_id = {site_id} AND ts >= {from} AND type = 'click' AND selector = {})",
            quote(selector)
        ));
    }
    let flags = f.flag_conditions();
    for (condition, value) in flags {
        if let Some(value) = value {
            sql.push_str(&format!(" AND ({condition}) = {}", u8::from(value)));
        }
    }
    for (expression, comparison, value) in f.bounds() {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {expression} {comparison} {value}"));
        }
    }
    if let Some(kind) = &f.frustration {
        sql.push_str(&format!(
            " AND s.session IN ({})",
            super::analysis::sessions_with_detection(
                site_id,
                from,
                kind,
                f.frustration_page.as_deref(),
                f.frustration_element.as_deref()
            )
        ));
    }
    if let Some(min) = f.min_revenue {
        sql.push_str(&format!(" AND s.revenue >= {min:?}"));
    }
    if let Some(kind) = f.visitor_type {
        // Returning: the visitor was first seen on this site before the session started.
        sql.push_str(&format!(
            " AND (s.first_seen < s.started) = {}",
            u8::from(kind == VisitorType::Returning)
        ));
    }
    if let Some(segment) = &f.segment {
        sql.push_str(&format!(
            " AND {}",
            super::segment::predicate(segment, site_id, from)
        ));
    }
    Ok(sql)
}

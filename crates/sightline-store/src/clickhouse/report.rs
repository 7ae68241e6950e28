//! The sessions a report covers, in ClickHouse SQL: the parts of each session merged by the rules of
//! `sightline_insight::session::merge` (sums, earliest and latest, the entry of the earliest pageview, the exit
//! of the latest), then filtered like the embedded store's `report_sessions`.

use super::http::quote;
use crate::{Result, SessionFilters, StoreError, VisitorType};

/// One row per session of `site_id` with a part starting in `[from - MAX_SESSION_MS, to)`: the merged columns
/// reports read. A session's parts all lie within its span, so this bounds the parts scanned.
pub(super) fn merged_sessions(site_id: i64, from: i64, to: i64) -> String {
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
             WHERE site_id = {site_id} AND started >= {earliest} AND started < {to}
             GROUP BY session)",
        earliest = from.saturating_sub(MAX_SESSION_MS),
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
    ("entry_page", "argMin(entry_page, entry_ts)"),
    ("exit_page", "argMax(exit_page, exit_ts)"),
    ("device", "argMin(device, started)"),
    ("browser", "argMin(browser, started)"),
    ("os", "argMin(os, started)"),
    ("channel", "argMin(channel, entry_ts)"),
    ("utm_source", "argMin(utm_source, entry_ts)"),
    ("utm_medium", "argMin(utm_medium, entry_ts)"),
    ("utm_campaign", "argMin(utm_campaign, entry_ts)"),
    ("revenue", "sum(revenue)"),
    ("conversions", "sum(conversions)"),
    ("clicks", "sum(clicks)"),
    ("errors", "sum(errors)"),
    ("replay_chunks", "sum(replay_chunks)"),
    ("page_paths", "arraySort(groupArrayArray(page_paths))"),
];

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
    let unsupported = [
        ("clicked", f.clicked.is_some()),
        ("frustration", f.frustration.is_some()),
        ("segment", f.segment.is_some()),
    ];
    if let Some((name, _)) = unsupported.iter().find(|(_, set)| *set) {
        return Err(StoreError::Invalid(format!(
            "the {name} filter is not available on the ClickHouse backend yet"
        )));
    }
    let mut sessions = merged_sessions(site_id, from, to);
    if f.visitor_type.is_some() {
        // When each visitor was first seen (no correlated subqueries in ClickHouse: a join).
        sessions = format!(
            "SELECT * FROM ({sessions}) ANY LEFT JOIN (
                 SELECT visitor, min(started) AS first_seen FROM session_parts
                 WHERE site_id = {site_id} AND pageviews > 0 GROUP BY visitor) USING visitor"
        );
    }
    let mut sql = format!(
        "FROM ({sessions}) s WHERE s.started >= {from} AND s.started < {to} AND s.pageviews > 0"
    );
    // Column names are our own constants, never user input; values are quoted.
    let text: [(&str, &Option<String>); 8] = [
        ("device", &f.device),
        ("browser", &f.browser),
        ("os", &f.os),
        ("channel", &f.channel),
        ("utm_source", &f.utm_source),
        ("utm_medium", &f.utm_medium),
        ("utm_campaign", &f.utm_campaign),
        ("entry_page", &f.entry_page),
    ];
    for (column, value) in text {
        if let Some(value) = value {
            sql.push_str(&format!(" AND s.{column} = {}", quote(value)));
        }
    }
    if let Some(page) = &f.page {
        sql.push_str(&format!(" AND has(s.page_paths, {})", quote(page)));
    }
    let flags: [(&str, Option<bool>); 3] = [
        ("s.errors > 0", f.had_error),
        ("s.conversions > 0", f.converted),
        ("s.replay_chunks > 0", f.has_replay),
    ];
    for (condition, value) in flags {
        if let Some(value) = value {
            sql.push_str(&format!(" AND ({condition}) = {}", u8::from(value)));
        }
    }
    let bounds: [(&str, Option<i64>); 5] = [
        ("s.duration_ms >=", f.min_duration_ms),
        ("s.duration_ms <=", f.max_duration_ms),
        ("least(s.active_ms, s.duration_ms) >=", f.min_active_ms),
        ("s.pageviews >=", f.min_pages),
        ("s.pageviews <=", f.max_pages),
    ];
    for (condition, value) in bounds {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {condition} {value}"));
        }
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
    Ok(sql)
}

//! Experience monitoring: JS errors grouped by fingerprint, failed requests grouped by method and URL pattern (the
//! analysis pass's `failed_request` detections), and web vitals per page group and device class.

use std::collections::HashMap;

use duckdb::{Connection, ToSql};
use sightline_insight::vitals;

use super::report::{begin_report, end_report};
use crate::{IssueGroup, MAX_ISSUE_GROUPS, OverviewQuery, Result, SessionFilters, VitalStats};

/// Pages, browsers and sample sessions kept per group.
const TOP_PER_GROUP: usize = 5;

/// One occurrence per row: `key, title, ts, session, visitor, page_group, browser, stack`, for `$1` = site,
/// `$2`/`$3` = range.
const ERRORS: &str = "SELECT error_fingerprint AS key, name AS title, ts, session, visitor, page_group, browser,
        json_extract_string(props, '$.stack') AS stack
    FROM events WHERE site_id = $1 AND ts >= $2 AND ts < $3 AND type = 'error' AND error_fingerprint IS NOT NULL";
const FAILED_REQUESTS: &str =
    "SELECT d.element AS key, CAST(CAST(d.value AS INTEGER) AS VARCHAR) AS title, d.ts,
        d.session, s.visitor, d.page_group, s.browser, NULL::VARCHAR AS stack
    FROM detections d JOIN sessions s ON s.site_id = d.site_id AND s.session = d.session
    WHERE d.site_id = $1 AND d.ts >= $2 AND d.ts < $3 AND d.kind = 'failed_request'";

pub(super) fn error_groups(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<IssueGroup>> {
    groups(conn, site_id, query, ERRORS, "arg_max(title, ts)")
}

pub(super) fn failed_requests(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<IssueGroup>> {
    groups(
        conn,
        site_id,
        query,
        FAILED_REQUESTS,
        "string_agg(DISTINCT title, ', ' ORDER BY title)",
    )
}

/// The occurrences restricted to the report's sessions when there are filters (`report_sessions` table).
fn occurrences(source: &str, filtered: bool) -> String {
    if filtered {
        format!(
            "SELECT o.* FROM ({source}) o WHERE o.session IN (SELECT session FROM report_sessions)"
        )
    } else {
        source.to_string()
    }
}

/// Runs `f` with the report's sessions in the connection's `report_sessions` table when there are filters
/// (`f` gets whether there are).
pub(super) fn with_report_sessions<T>(
    conn: &Connection,
    site_id: i64,
    (from, to, filters): (i64, i64, &SessionFilters),
    f: impl FnOnce(bool) -> Result<T>,
) -> Result<T> {
    let filtered = *filters != SessionFilters::default();
    if !filtered {
        return f(false);
    }
    let report = begin_report(conn, site_id, from, to, filters)?;
    let made = conn.execute(
        &format!(
            "CREATE OR REPLACE TEMP TABLE report_sessions AS SELECT s.session {}",
            report.sql
        ),
        report.args().as_slice(),
    );
    end_report(conn)?;
    made?;
    let result = f(true);
    conn.execute_batch("DROP TABLE IF EXISTS report_sessions")?;
    result
}

fn groups(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
    source: &str,
    title: &str,
) -> Result<Vec<IssueGroup>> {
    with_report_sessions(conn, site_id, query.range(), |filtered| {
        groups_of(conn, site_id, query, &occurrences(source, filtered), title)
    })
}

fn groups_of(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
    source: &str,
    title: &str,
) -> Result<Vec<IssueGroup>> {
    let args: [&dyn ToSql; 4] = [&site_id, &query.from, &query.to, &(MAX_ISSUE_GROUPS as i64)];
    let sql = format!(
        "SELECT key, {title}, count(*), count(DISTINCT session), count(DISTINCT visitor), min(ts), max(ts),
                arg_max(stack, ts) FILTER (WHERE stack IS NOT NULL),
                list(session ORDER BY ts DESC)[1:100]
         FROM ({source}) GROUP BY key ORDER BY count(DISTINCT session) DESC, count(*) DESC, key LIMIT $4"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(args.as_slice())?;
    let mut groups = Vec::new();
    while let Some(r) = rows.next()? {
        let recent: Vec<String> = super::text_list(r.get_ref(8)?);
        let mut sample_sessions: Vec<String> = Vec::new();
        for session in recent {
            if sample_sessions.len() < TOP_PER_GROUP && !sample_sessions.contains(&session) {
                sample_sessions.push(session);
            }
        }
        groups.push(IssueGroup {
            key: r.get(0)?,
            title: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            count: r.get::<_, i64>(2)?.max(0) as u64,
            sessions: r.get::<_, i64>(3)?.max(0) as u64,
            visitors: r.get::<_, i64>(4)?.max(0) as u64,
            first_seen: r.get(5)?,
            last_seen: r.get(6)?,
            sample_stack: r.get(7)?,
            sample_sessions,
            pages: Vec::new(),
            browsers: Vec::new(),
        });
    }
    for (column, pick) in [("page_group", 0usize), ("browser", 1usize)] {
        let sql = format!(
            "SELECT key, {column}, count(*) AS n FROM ({source}) WHERE {column} IS NOT NULL
             GROUP BY key, {column} QUALIFY row_number() OVER (PARTITION BY key ORDER BY n DESC, {column}) <= {TOP_PER_GROUP}
             ORDER BY key, n DESC, {column}"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(&args[..3], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let index: HashMap<String, usize> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.key.clone(), i))
            .collect();
        for row in rows {
            let (key, value) = row?;
            if let Some(&i) = index.get(&key) {
                let list = if pick == 0 {
                    &mut groups[i].pages
                } else {
                    &mut groups[i].browsers
                };
                list.push(value);
            }
        }
    }
    Ok(groups)
}

pub(super) fn vitals(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<VitalStats>> {
    with_report_sessions(conn, site_id, query.range(), |filtered| {
        let restrict = if filtered {
            " AND session IN (SELECT session FROM report_sessions)"
        } else {
            ""
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT page_group, device, name, count(*), quantile_cont(value, 0.75),
                    count(*) FILTER (WHERE text = 'good'), count(*) FILTER (WHERE text = 'needs-improvement'),
                    count(*) FILTER (WHERE text = 'poor')
             FROM events WHERE site_id = ? AND ts >= ? AND ts < ? AND type = 'vital'
               AND page_group IS NOT NULL AND name IS NOT NULL AND value IS NOT NULL{restrict}
             GROUP BY ALL ORDER BY page_group, device, name"
        ))?;
        let rows = stmt.query_map([site_id, query.from, query.to], |r| {
            let samples = r.get::<_, i64>(3)?.max(1) as f64;
            let name: String = r.get(2)?;
            let p75: f64 = r.get(4)?;
            Ok(VitalStats {
                page: r.get(0)?,
                device: r.get(1)?,
                rating: vitals::rating(&name, p75).to_string(),
                name,
                samples: r.get::<_, i64>(3)?.max(0) as u64,
                p75,
                good: r.get::<_, i64>(5)? as f64 / samples,
                needs_improvement: r.get::<_, i64>(6)? as f64 / samples,
                poor: r.get::<_, i64>(7)? as f64 / samples,
            })
        })?;
        Ok(rows.collect::<duckdb::Result<Vec<_>>>()?)
    })
}

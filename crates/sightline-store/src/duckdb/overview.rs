//! Overview numbers, aggregated by DuckDB over the report's rows of the `sessions` table.

use duckdb::{Connection, ToSql};

use super::report::{ReportSessions, begin_report, end_report, report_sessions};
use crate::{Breakdown, Overview, OverviewQuery, Result, SeriesPoint};

const DAY_MS: i64 = 86_400_000;

fn collect_breakdown(conn: &Connection, sql: &str, args: &[&dyn ToSql]) -> Result<Vec<Breakdown>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt
        .query_map(args, |r| {
            Ok(Breakdown {
                name: r.get(0)?,
                visitors: r.get::<_, i64>(1)?.max(0) as u64,
                pageviews: r.get::<_, Option<i64>>(2)?.unwrap_or(0).max(0) as u64,
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(super) fn overview(conn: &Connection, site_id: i64, query: &OverviewQuery) -> Result<Overview> {
    let report = begin_report(conn, site_id, query.from, query.to, &query.filters)?;
    let overview = overview_of(conn, query, &report);
    end_report(conn)?;
    overview
}

/// The session breakdowns, in the order of their grouping sets below.
const BREAKDOWNS: [&str; 5] = ["entry_page", "exit_page", "channel", "device", "browser"];

fn overview_of(
    conn: &Connection,
    query: &OverviewQuery,
    report: &ReportSessions,
) -> Result<Overview> {
    let (visitors, sessions, pageviews, bounce_rate, avg_duration_ms) = conn.query_row(
        &format!(
            "SELECT count(DISTINCT s.visitor_hash), count(*), coalesce(sum(s.pageviews), 0)::BIGINT,
                    coalesce(avg(CASE WHEN s.pageviews = 1 THEN 1.0 ELSE 0.0 END), 0),
                    coalesce(avg(s.duration_ms), 0)
             {}",
            report.sql
        ),
        report.args().as_slice(),
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, f64>(3)?,
                r.get::<_, f64>(4)?,
            ))
        },
    )?;
    let limit = query.limit as i64;
    // Every breakdown in one pass: one grouping set per column, the top `limit` of each.
    let dimension = BREAKDOWNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("WHEN grouping(s.{c}) = 0 THEN {i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let name = BREAKDOWNS
        .iter()
        .map(|c| format!("WHEN grouping(s.{c}) = 0 THEN s.{c}"))
        .collect::<Vec<_>>()
        .join(" ");
    let sets = BREAKDOWNS
        .iter()
        .map(|c| format!("(s.{c})"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT dimension, name, visitors, pageviews FROM (
             SELECT CASE {dimension} END AS dimension, coalesce(CASE {name} END, '(none)') AS name,
                    count(DISTINCT s.visitor_hash) AS visitors, sum(s.pageviews) AS pageviews
             {} GROUP BY GROUPING SETS ({sets})
         )
         QUALIFY row_number() OVER (PARTITION BY dimension ORDER BY visitors DESC, pageviews DESC, name) <= ?
         ORDER BY dimension, visitors DESC, pageviews DESC, name",
        report.sql
    );
    let mut args = report.args();
    args.push(&limit);
    let mut breakdowns: [Vec<Breakdown>; 5] = Default::default();
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(args.as_slice(), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Breakdown {
                name: r.get(1)?,
                visitors: r.get::<_, i64>(2)?.max(0) as u64,
                pageviews: r.get::<_, Option<i64>>(3)?.unwrap_or(0).max(0) as u64,
            },
        ))
    })?;
    for row in rows {
        let (dimension, breakdown) = row?;
        if let Some(list) = usize::try_from(dimension)
            .ok()
            .and_then(|d| breakdowns.get_mut(d))
        {
            list.push(breakdown);
        }
    }
    let [entry_pages, exit_pages, channels, devices, browsers] = breakdowns;
    // The pageviews of the report's sessions (all of them, as the totals count them), from their sessions' rows.
    let sql = format!(
        "SELECT path, count(DISTINCT visitor_hash), count(*)
         FROM (SELECT s.visitor_hash, unnest(s.page_paths) AS path {})
         GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
        report.sql
    );
    let mut args = report.args();
    args.push(&limit);
    let top_pages = collect_breakdown(conn, &sql, &args)?;
    Ok(Overview {
        visitors: visitors.max(0) as u64,
        sessions: sessions.max(0) as u64,
        pageviews: pageviews.max(0) as u64,
        bounce_rate,
        avg_duration_ms,
        top_pages,
        entry_pages,
        exit_pages,
        channels,
        devices,
        browsers,
    })
}

pub(super) fn series(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<SeriesPoint>> {
    let report = report_sessions(site_id, query.from, query.to, &query.filters, None);
    let mut stmt = conn.prepare(&format!(
        "SELECT s.started // {DAY_MS} * {DAY_MS} AS day, count(DISTINCT s.visitor_hash), count(*), sum(s.pageviews)
         {} GROUP BY 1 ORDER BY 1",
        report.sql
    ))?;
    let points = stmt
        .query_map(report.args().as_slice(), |r| {
            Ok(SeriesPoint {
                day: r.get(0)?,
                visitors: r.get::<_, i64>(1)?.max(0) as u64,
                sessions: r.get::<_, i64>(2)?.max(0) as u64,
                pageviews: r.get::<_, Option<i64>>(3)?.unwrap_or(0).max(0) as u64,
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(points)
}

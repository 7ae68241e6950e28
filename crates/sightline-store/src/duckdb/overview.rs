//! Overview numbers, aggregated by DuckDB over the report's rows of the `sessions` table.

use duckdb::{Connection, ToSql};

use super::report::report_sessions;
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
    // The report's sessions once (the filters may scan events), then every number from them.
    let report = report_sessions(site_id, query.from, query.to, &query.filters);
    conn.execute(
        &format!(
            "CREATE OR REPLACE TEMP TABLE overview_sessions AS
             SELECT s.session, s.visitor_hash, s.pageviews, s.duration_ms, s.entry_page, s.exit_page, s.channel,
                    s.device, s.browser
             {}",
            report.sql
        ),
        report.args().as_slice(),
    )?;
    let overview = overview_of_sessions(conn, site_id, query);
    conn.execute_batch("DROP TABLE IF EXISTS overview_sessions")?;
    overview
}

fn overview_of_sessions(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Overview> {
    let (visitors, sessions, pageviews, bounce_rate, avg_duration_ms) = conn.query_row(
        "SELECT count(DISTINCT s.visitor_hash), count(*), coalesce(sum(s.pageviews), 0)::BIGINT,
                coalesce(avg(CASE WHEN s.pageviews = 1 THEN 1.0 ELSE 0.0 END), 0),
                coalesce(avg(s.duration_ms), 0)
         FROM overview_sessions s",
        [],
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
    let breakdown = |column: &str| -> Result<Vec<Breakdown>> {
        // `column` is one of our own fixed names, never user input.
        let sql = format!(
            "SELECT coalesce(s.{column}, '(none)') AS name, count(DISTINCT s.visitor_hash), sum(s.pageviews)
             FROM overview_sessions s GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?"
        );
        collect_breakdown(conn, &sql, &[&limit])
    };
    // Pageviews inside the range, of the report's sessions.
    let top_pages = {
        let sql = "SELECT e.path, count(DISTINCT e.visitor), count(*)
             FROM events e
             WHERE e.site_id = ? AND e.ts >= ? AND e.ts < ? AND e.type = 'pageview'
               AND e.session IN (SELECT session FROM overview_sessions)
             GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?";
        collect_breakdown(conn, sql, &[&site_id, &query.from, &query.to, &limit])?
    };
    Ok(Overview {
        visitors: visitors.max(0) as u64,
        sessions: sessions.max(0) as u64,
        pageviews: pageviews.max(0) as u64,
        bounce_rate,
        avg_duration_ms,
        top_pages,
        entry_pages: breakdown("entry_page")?,
        exit_pages: breakdown("exit_page")?,
        channels: breakdown("channel")?,
        devices: breakdown("device")?,
        browsers: breakdown("browser")?,
    })
}

pub(super) fn series(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<SeriesPoint>> {
    let report = report_sessions(site_id, query.from, query.to, &query.filters);
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

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
    let report = report_sessions(site_id, query.from, query.to, &query.filters);
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
    let breakdown = |column: &str| -> Result<Vec<Breakdown>> {
        // `column` is one of our own fixed names, never user input.
        let sql = format!(
            "SELECT coalesce(s.{column}, '(none)') AS name, count(DISTINCT s.visitor_hash), sum(s.pageviews)
             {} GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
            report.sql
        );
        let mut args = report.args();
        args.push(&limit);
        collect_breakdown(conn, &sql, &args)
    };
    // Pageviews inside the range, of the report's sessions.
    let top_pages = {
        let sql = format!(
            "SELECT e.path, count(DISTINCT e.visitor), count(*)
             FROM events e
             WHERE e.site_id = ? AND e.ts >= ? AND e.ts < ? AND e.type = 'pageview'
               AND e.session IN (SELECT s.session {})
             GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
            report.sql
        );
        let mut args: Vec<&dyn ToSql> = vec![&site_id, &query.from, &query.to];
        args.extend(report.args());
        args.push(&limit);
        collect_breakdown(conn, &sql, &args)?
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

//! Overview numbers, computed by DuckDB from the filtered `report_sessions` table.

use duckdb::{Connection, ToSql, params};

use super::sessions::{build_report_sessions, drop_report_sessions};
use crate::{Breakdown, Overview, OverviewQuery, Result, SeriesPoint};

const DAY_MS: i64 = 86_400_000;

fn breakdown(conn: &Connection, column: &str, limit: usize) -> Result<Vec<Breakdown>> {
    // `column` is one of our own fixed names, never user input.
    let sql = format!(
        "SELECT coalesce({column}, '(none)') AS name, count(DISTINCT visitor), sum(pageviews)
         FROM report_sessions GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?"
    );
    collect_breakdown(conn, &sql, params![limit as i64])
}

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
    build_report_sessions(conn, site_id, query.from, query.to, &query.filters)?;
    let (visitors, sessions, pageviews, bounce_rate, avg_duration_ms) = conn.query_row(
        "SELECT count(DISTINCT visitor), count(*), coalesce(sum(pageviews), 0),
                coalesce(avg(CASE WHEN pageviews = 1 THEN 1.0 ELSE 0.0 END), 0),
                coalesce(avg(duration_ms), 0)
         FROM report_sessions",
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
    let limit = query.limit;
    let top_pages = collect_breakdown(
        conn,
        "SELECT e.path, count(DISTINCT e.visitor), count(*)
         FROM events e SEMI JOIN report_sessions s ON e.session = s.session
         WHERE e.site_id = ? AND e.ts >= ? AND e.ts < ? AND e.type = 'pageview'
         GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?",
        params![site_id, query.from, query.to, limit as i64],
    )?;
    let overview = Overview {
        visitors: visitors.max(0) as u64,
        sessions: sessions.max(0) as u64,
        pageviews: pageviews.max(0) as u64,
        bounce_rate,
        avg_duration_ms,
        top_pages,
        entry_pages: breakdown(conn, "entry_page", limit)?,
        exit_pages: breakdown(conn, "exit_page", limit)?,
        channels: breakdown(conn, "channel", limit)?,
        devices: breakdown(conn, "device", limit)?,
        browsers: breakdown(conn, "browser", limit)?,
    };
    drop_report_sessions(conn)?;
    Ok(overview)
}

pub(super) fn series(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<SeriesPoint>> {
    build_report_sessions(conn, site_id, query.from, query.to, &query.filters)?;
    let mut stmt = conn.prepare(
        "SELECT started // ? * ? AS day, count(DISTINCT visitor), count(*), sum(pageviews)
         FROM report_sessions GROUP BY 1 ORDER BY 1",
    )?;
    let points = stmt
        .query_map(params![DAY_MS, DAY_MS], |r| {
            Ok(SeriesPoint {
                day: r.get(0)?,
                visitors: r.get::<_, i64>(1)?.max(0) as u64,
                sessions: r.get::<_, i64>(2)?.max(0) as u64,
                pageviews: r.get::<_, Option<i64>>(3)?.unwrap_or(0).max(0) as u64,
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    drop(stmt);
    drop_report_sessions(conn)?;
    Ok(points)
}

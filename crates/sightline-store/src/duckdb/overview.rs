//! Overview numbers, computed by DuckDB: one pass builds the filtered sessions, small queries read it.

use duckdb::{Connection, ToSql, params};

use crate::{Breakdown, Overview, OverviewQuery, Result, SeriesPoint, VisitorType};

const SESSIONS_SQL: &str = include_str!("overview.sql");
const DAY_MS: i64 = 86_400_000;

/// Builds `ov_sessions` (connection-local temp table) for `query`.
fn build_sessions(conn: &Connection, site_id: i64, query: &OverviewQuery) -> Result<()> {
    let f = &query.filters;
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let page_match = match &f.page {
        Some(page) => {
            args.push(Box::new(page.clone()));
            "bool_or(path = ?)"
        }
        None => "true",
    };
    let mut sql = SESSIONS_SQL.replace("{page_match}", page_match);
    for _ in 0..2 {
        args.extend([
            Box::new(site_id) as Box<dyn ToSql>,
            Box::new(query.from),
            Box::new(query.to),
        ]);
    }
    // Column names are our own constants, never user input.
    let conditions: [(&str, &Option<String>); 8] = [
        ("device", &f.device),
        ("browser", &f.browser),
        ("os", &f.os),
        ("channel", &f.channel),
        ("utm_source", &f.utm_source),
        ("utm_medium", &f.utm_medium),
        ("utm_campaign", &f.utm_campaign),
        ("entry_page", &f.entry_page),
    ];
    for (column, value) in conditions {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {column} = ?"));
            args.push(Box::new(value.clone()));
        }
    }
    let refs: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    conn.execute(&sql, refs.as_slice())?;
    if let Some(kind) = f.visitor_type {
        // Returning: the visitor was seen on this site before the session started. Drop the other kind.
        let drop_returning = kind == VisitorType::New;
        conn.execute(
            "DELETE FROM ov_sessions s WHERE EXISTS (
                 SELECT 1 FROM events e WHERE e.site_id = ? AND e.visitor = s.visitor AND e.ts < s.started) = ?",
            params![site_id, drop_returning],
        )?;
    }
    Ok(())
}

fn breakdown(conn: &Connection, column: &str, limit: usize) -> Result<Vec<Breakdown>> {
    // `column` is one of our own fixed names, never user input.
    let sql = format!(
        "SELECT coalesce({column}, '(none)') AS name, count(DISTINCT visitor), sum(pageviews)
         FROM ov_sessions GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?"
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
    build_sessions(conn, site_id, query)?;
    let (visitors, sessions, pageviews, bounce_rate, avg_duration_ms) = conn.query_row(
        "SELECT count(DISTINCT visitor), count(*), coalesce(sum(pageviews), 0),
                coalesce(avg(CASE WHEN pageviews = 1 THEN 1.0 ELSE 0.0 END), 0),
                coalesce(avg(ended - started), 0)
         FROM ov_sessions",
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
         FROM events e SEMI JOIN ov_sessions s ON e.session = s.session
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
    conn.execute_batch("DROP TABLE IF EXISTS ov_sessions")?;
    Ok(overview)
}

pub(super) fn series(
    conn: &Connection,
    site_id: i64,
    query: &OverviewQuery,
) -> Result<Vec<SeriesPoint>> {
    build_sessions(conn, site_id, query)?;
    let mut stmt = conn.prepare(
        "SELECT started // ? * ? AS day, count(DISTINCT visitor), count(*), sum(pageviews)
         FROM ov_sessions GROUP BY 1 ORDER BY 1",
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
    conn.execute_batch("DROP TABLE IF EXISTS ov_sessions")?;
    Ok(points)
}

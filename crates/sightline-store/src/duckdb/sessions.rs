//! The `report_sessions` temp table (one row per session with everything reports filter and sort on) and
//! the sessions list read from it.

use duckdb::{Connection, ToSql, params};

use crate::{Result, SessionFilters, SessionPage, SessionQuery, SessionSummary, VisitorType};

const SESSIONS_SQL: &str = include_str!("sessions.sql");

/// Builds `report_sessions` (connection-local) for sessions of `site_id` with pageviews in `[from, to)`
/// that match `f`. Readers drop it with [`drop_report_sessions`].
pub(super) fn build_report_sessions(
    conn: &Connection,
    site_id: i64,
    from: i64,
    to: i64,
    f: &SessionFilters,
) -> Result<()> {
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let mut template_match = |value: &Option<String>, column: &str| match value {
        Some(v) => {
            args.push(Box::new(v.clone()));
            format!("bool_or({column} = ?)")
        }
        None => "true".to_string(),
    };
    let page_match = template_match(&f.page, "path");
    let clicked_match = template_match(&f.clicked, "selector");
    let mut sql = SESSIONS_SQL
        .replace("{page_match}", &page_match)
        .replace("{clicked_match}", &clicked_match);
    for _ in 0..3 {
        args.extend([
            Box::new(site_id) as Box<dyn ToSql>,
            Box::new(from),
            Box::new(to),
        ]);
    }
    args.push(Box::new(site_id));

    // Column names are our own constants, never user input.
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
            sql.push_str(&format!(" AND {column} = ?"));
            args.push(Box::new(value.clone()));
        }
    }
    let flags: [(&str, Option<bool>); 3] = [
        ("errors > 0", f.had_error),
        ("converted", f.converted),
        ("replay.session IS NOT NULL", f.has_replay),
    ];
    for (condition, value) in flags {
        if let Some(value) = value {
            sql.push_str(&format!(" AND ({condition}) = ?"));
            args.push(Box::new(value));
        }
    }
    let bounds: [(&str, Option<i64>); 5] = [
        ("span.ended - span.started >= ?", f.min_duration_ms),
        ("span.ended - span.started <= ?", f.max_duration_ms),
        ("coalesce(active.active_ms, 0) >= ?", f.min_active_ms),
        ("pv.pageviews >= ?", f.min_pages),
        ("pv.pageviews <= ?", f.max_pages),
    ];
    for (condition, value) in bounds {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {condition}"));
            args.push(Box::new(value));
        }
    }
    if let Some(min) = f.min_revenue {
        sql.push_str(" AND span.revenue >= ?");
        args.push(Box::new(min));
    }
    let refs: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    conn.execute(&sql, refs.as_slice())?;
    if let Some(kind) = f.visitor_type {
        // Returning: the visitor was seen on this site before the session started. Drop the other kind.
        let drop_returning = kind == VisitorType::New;
        conn.execute(
            "DELETE FROM report_sessions s WHERE EXISTS (
                 SELECT 1 FROM events e WHERE e.site_id = ? AND e.visitor = s.visitor AND e.ts < s.started) = ?",
            params![site_id, drop_returning],
        )?;
    }
    Ok(())
}

pub(super) fn drop_report_sessions(conn: &Connection) -> Result<()> {
    conn.execute_batch("DROP TABLE IF EXISTS report_sessions")?;
    Ok(())
}

pub(super) fn list(conn: &Connection, site_id: i64, query: &SessionQuery) -> Result<SessionPage> {
    build_report_sessions(conn, site_id, query.from, query.to, &query.filters)?;
    let total: i64 = conn.query_row("SELECT count(*) FROM report_sessions", [], |r| r.get(0))?;
    let direction = if query.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT session, visitor, started, ended, duration_ms, active_ms, pageviews, entry_page, exit_page, device,
                browser, os, channel, utm_source, clicks, errors, revenue, converted, has_replay, replay_bytes
         FROM report_sessions ORDER BY {} {direction}, session LIMIT ? OFFSET ?",
        query.sort.column()
    );
    let mut stmt = conn.prepare(&sql)?;
    let sessions = stmt
        .query_map(params![query.limit as i64, query.offset as i64], |r| {
            Ok(SessionSummary {
                session: r.get(0)?,
                visitor: r.get(1)?,
                started: r.get(2)?,
                ended: r.get(3)?,
                duration_ms: r.get(4)?,
                active_ms: r.get(5)?,
                pageviews: r.get::<_, i64>(6)?.max(0) as u64,
                entry_page: r.get(7)?,
                exit_page: r.get(8)?,
                device: r.get(9)?,
                browser: r.get(10)?,
                os: r.get(11)?,
                channel: r.get(12)?,
                utm_source: r.get(13)?,
                clicks: r.get::<_, i64>(14)?.max(0) as u64,
                errors: r.get::<_, i64>(15)?.max(0) as u64,
                revenue: r.get(16)?,
                converted: r.get(17)?,
                has_replay: r.get(18)?,
                replay_bytes: r.get::<_, i64>(19)?.max(0) as u64,
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    drop(stmt);
    drop_report_sessions(conn)?;
    Ok(SessionPage {
        sessions,
        total: total.max(0) as u64,
    })
}

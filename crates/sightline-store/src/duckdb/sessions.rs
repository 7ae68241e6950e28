//! The sessions list: one page of the report's rows of the `sessions` table.

use duckdb::{Connection, ToSql};

use super::report::{ReportSessions, begin_report, end_report};
use crate::{Result, SessionPage, SessionQuery, SessionSort, SessionSummary};

pub(super) fn list(conn: &Connection, site_id: i64, query: &SessionQuery) -> Result<SessionPage> {
    let report = begin_report(conn, site_id, query.from, query.to, &query.filters)?;
    let page = page_of(conn, site_id, query, &report);
    end_report(conn)?;
    page
}

/// The list rows of `keys` (those stored), newest first.
pub(super) fn summaries(
    conn: &Connection,
    site_id: i64,
    keys: &[String],
) -> Result<Vec<SessionSummary>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(site_id)];
    args.extend(keys.iter().map(|k| Box::new(k.clone()) as Box<dyn ToSql>));
    let report = ReportSessions {
        sql: format!(
            "FROM sessions s WHERE s.site_id = ? AND s.session IN ({})",
            vec!["?"; keys.len()].join(", ")
        ),
        args,
    };
    let query = SessionQuery {
        from: 0,
        to: 0,
        filters: Default::default(),
        sort: SessionSort::Started,
        descending: true,
        limit: keys.len(),
        offset: 0,
    };
    Ok(page_of(conn, site_id, &query, &report)?.sessions)
}

fn page_of(
    conn: &Connection,
    site_id: i64,
    query: &SessionQuery,
    report: &ReportSessions,
) -> Result<SessionPage> {
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) {}", report.sql),
        report.args().as_slice(),
        |r| r.get(0),
    )?;
    let direction = if query.descending { "DESC" } else { "ASC" };
    // The sort key is one of our own expressions, never user input.
    let key = match query.sort {
        SessionSort::ActiveTime => "least(s.active_ms, s.duration_ms)".to_string(),
        SessionSort::Friction => "friction".to_string(),
        other => format!("s.{}", other.column()),
    };
    let order = format!("{key} {direction}, s.session");
    let columns = "s.session, s.visitor, s.started, s.ended, s.duration_ms,
                least(s.active_ms, s.duration_ms) AS active_ms, s.pageviews, s.entry_page, s.exit_page,
                s.device, s.browser, s.os, s.channel, s.utm_source, s.clicks, s.errors, s.revenue,
                s.conversions > 0, s.replay_chunks > 0, s.replay_bytes, coalesce(a.friction, 0) AS friction";
    let analysis =
        "LEFT JOIN session_analysis a ON a.site_id = s.site_id AND a.session = s.session";
    // Sorted by a column of `sessions`, the page is cut before the join; by friction, after it.
    let sql = if query.sort == SessionSort::Friction {
        format!(
            "SELECT {columns} FROM (SELECT s.* {}) s {analysis} ORDER BY {order} LIMIT ? OFFSET ?",
            report.sql
        )
    } else {
        format!(
            "SELECT {columns} FROM (SELECT s.* {} ORDER BY {order} LIMIT ? OFFSET ?) s {analysis} ORDER BY {order}",
            report.sql
        )
    };
    let (limit, offset) = (query.limit as i64, query.offset as i64);
    let mut args = report.args();
    args.extend([&limit as &dyn ToSql, &offset]);
    let mut stmt = conn.prepare(&sql)?;
    let mut sessions = stmt
        .query_map(args.as_slice(), |r| {
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
                friction: r.get(20)?,
                frustration: Default::default(),
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    add_frustration(conn, site_id, &mut sessions)?;
    Ok(SessionPage {
        sessions,
        total: total.max(0) as u64,
    })
}

/// Fills each listed session's detections per kind.
fn add_frustration(conn: &Connection, site_id: i64, sessions: &mut [SessionSummary]) -> Result<()> {
    if sessions.is_empty() {
        return Ok(());
    }
    let placeholders = vec!["?"; sessions.len()].join(", ");
    let sql = format!(
        "SELECT session, kind, count(*) FROM detections WHERE site_id = ? AND session IN ({placeholders})
         GROUP BY ALL"
    );
    let mut args: Vec<&dyn ToSql> = vec![&site_id];
    args.extend(sessions.iter().map(|s| &s.session as &dyn ToSql));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(args.as_slice(), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let index: std::collections::HashMap<String, usize> = sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.session.clone(), i))
        .collect();
    for row in rows {
        let (session, kind, count) = row?;
        if let Some(&i) = index.get(&session) {
            sessions[i].frustration.insert(kind, count.max(0) as u64);
        }
    }
    Ok(())
}

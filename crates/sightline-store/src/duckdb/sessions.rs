//! The sessions list: one page of the report's rows of the `sessions` table.

use duckdb::{Connection, ToSql};

use super::report::{ReportSessions, begin_report, end_report};
use crate::{Result, SessionPage, SessionQuery, SessionSummary};

pub(super) fn list(conn: &Connection, site_id: i64, query: &SessionQuery) -> Result<SessionPage> {
    let report = begin_report(conn, site_id, query.from, query.to, &query.filters)?;
    let page = page_of(conn, query, &report);
    end_report(conn)?;
    page
}

fn page_of(
    conn: &Connection,
    query: &SessionQuery,
    report: &ReportSessions,
) -> Result<SessionPage> {
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) {}", report.sql),
        report.args().as_slice(),
        |r| r.get(0),
    )?;
    let direction = if query.descending { "DESC" } else { "ASC" };
    // The sort column is one of `SessionSort`'s names (aliases of this select), never user input.
    let sql = format!(
        "SELECT s.session, s.visitor, s.started, s.ended, s.duration_ms,
                least(s.active_ms, s.duration_ms) AS active_ms, s.pageviews, s.entry_page, s.exit_page,
                s.device, s.browser, s.os, s.channel, s.utm_source, s.clicks, s.errors, s.revenue,
                s.conversions > 0, s.replay_chunks > 0, s.replay_bytes
         {} ORDER BY {} {direction}, s.session LIMIT ? OFFSET ?",
        report.sql,
        query.sort.column()
    );
    let (limit, offset) = (query.limit as i64, query.offset as i64);
    let mut args = report.args();
    args.extend([&limit as &dyn ToSql, &offset]);
    let mut stmt = conn.prepare(&sql)?;
    let sessions = stmt
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
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(SessionPage {
        sessions,
        total: total.max(0) as u64,
    })
}

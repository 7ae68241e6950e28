//! Upgrading a store written before the current `sessions` rows: its sessions are built again from the stored
//! events by the sessionizer (`sightline_insight::session`), one stretch of the events table at a time in
//! storage order. Each stretch's partial session rows are merged into the table by the same MERGE as every
//! write (`session_rows::merge_rows`), so a session whose events lie in several stretches comes out as if it
//! had been written incrementally; every event is read once (linear in the table, memory bounded).

use std::time::Instant;

use duckdb::{Connection, params};
use sightline_insight::session::SessionRows;
use sightline_model::{EventRow, SessionRow};

use super::interner::intern;
use super::session_rows::merge_rows;
use crate::Result;

/// Events per stretch (by rowid): their sessions' partial rows are held until merged.
const EVENTS_PER_STRETCH: i64 = 1_000_000;

/// Rebuilds the sessions if a migration asked for it (task `rebuild_sessions` in `store_tasks`). Each stretch
/// commits on its own (one transaction for 100 M events would not fit the memory limit); the task is cleared in
/// the last one, so a crash midway starts the rebuild over at the next open.
pub(super) fn finish_pending(conn: &Connection) -> Result<()> {
    let pending: i64 = conn.query_row(
        "SELECT count(*) FROM store_tasks WHERE name = 'rebuild_sessions'",
        [],
        |r| r.get(0),
    )?;
    if pending > 0 {
        build_sessions_by(conn, EVENTS_PER_STRETCH)?;
    }
    Ok(())
}

/// Builds the sessions (and visitors) of every stored event again, then clears the `rebuild_sessions` task.
fn build_sessions_by(conn: &Connection, events_per_stretch: i64) -> Result<()> {
    super::in_transaction(conn, || {
        conn.execute_batch("DELETE FROM sessions; DELETE FROM visitors;")
    })?;
    let (events, max_rowid): (i64, Option<i64>) =
        conn.query_row("SELECT count(*), max(rowid) FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let Some(max_rowid) = max_rowid.filter(|_| events > 0) else {
        conn.execute_batch("DELETE FROM store_tasks WHERE name = 'rebuild_sessions'")?;
        return Ok(());
    };
    let started = Instant::now();
    let stretches = max_rowid / events_per_stretch + 1;
    tracing::info!(
        events,
        stretches,
        "building the sessions table from the stored events (once, after an upgrade)"
    );
    for stretch in 0..stretches {
        let from = stretch * events_per_stretch;
        let rows = stretch_sessions(conn, from, from + events_per_stretch)?;
        super::in_transaction(conn, || merge_rows(conn, &rows))?;
        tracing::info!(
            stretch = stretch + 1,
            stretches,
            seconds = started.elapsed().as_secs(),
            "building the sessions table"
        );
    }
    // Replay chunks count into the sessions they belong to; done.
    super::in_transaction(conn, || {
        conn.execute_batch(
            "UPDATE sessions s SET replay_chunks = r.chunks, replay_bytes = r.bytes
             FROM (SELECT site_id, session, count(*) AS chunks, sum(bytes)::BIGINT AS bytes
                   FROM replay_chunks WHERE NOT snapshot GROUP BY ALL) r
             WHERE s.site_id = r.site_id AND s.session = r.session;
             DELETE FROM store_tasks WHERE name = 'rebuild_sessions';",
        )
    })?;
    let sessions: i64 = conn.query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))?;
    tracing::info!(
        sessions,
        seconds = started.elapsed().as_secs(),
        "built the sessions table"
    );
    Ok(())
}

/// The partial session rows of the events with a rowid in `[from, to)`.
fn stretch_sessions(conn: &Connection, from: i64, to: i64) -> Result<Vec<SessionRow>> {
    let mut stmt = conn.prepare(
        "SELECT site_id, ts, session, visitor, user_id, type, path, page_group, referrer, channel, utm_source,
                utm_medium, utm_campaign, utm_term, utm_content, device, browser, os, value, revenue, received_at,
                name
         FROM events WHERE rowid >= ? AND rowid < ?",
    )?;
    let mut sessions = SessionRows::default();
    let mut rows = stmt.query(params![from, to])?;
    while let Some(r) = rows.next()? {
        sessions.add(&EventRow {
            site_id: r.get(0)?,
            ts: r.get(1)?,
            session: r.get(2)?,
            visitor: r.get(3)?,
            user_id: r.get(4)?,
            event_type: intern(r.get(5)?),
            path: r.get(6)?,
            page_group: r.get(7)?,
            referrer: r.get(8)?,
            channel: r.get::<_, Option<String>>(9)?.map(intern),
            utm_source: r.get(10)?,
            utm_medium: r.get(11)?,
            utm_campaign: r.get(12)?,
            utm_term: r.get(13)?,
            utm_content: r.get(14)?,
            device: intern(r.get(15)?),
            browser: r.get(16)?,
            os: r.get(17)?,
            value: r.get(18)?,
            revenue: r.get(19)?,
            received_at: r.get::<_, Option<i64>>(20)?.unwrap_or_default(),
            name: r.get(21)?,
            ..EventRow::default()
        });
    }
    Ok(sessions.into_rows())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_insight::session::rows_of;

    #[test]
    fn sessions_whose_events_span_stretches_come_out_whole() {
        let conn = Connection::open_in_memory().expect("db");
        for (_, sql) in super::super::MIGRATIONS {
            conn.execute_batch(sql).expect("migration");
        }
        // Three sessions, their events interleaved, so every stretch of 4 holds parts of several.
        let events: Vec<EventRow> = (0..30)
            .map(|i| EventRow {
                site_id: 1,
                ts: 1_000_000 + i * 1_000,
                received_at: 1_000_000 + i * 1_000,
                session: format!("s{}", i % 3),
                visitor: format!("v{}", i % 3),
                pageview: format!("p{}", i % 6),
                event_type: if i % 4 == 0 { "pageview" } else { "click" },
                path: Some(format!("/p{}", i % 5)),
                page_group: Some("/p".into()),
                device: "desktop",
                browser: "Firefox".into(),
                os: "Linux".into(),
                revenue: (i == 29).then_some(5.0),
                ..EventRow::default()
            })
            .collect();
        for e in &events {
            conn.execute(
                "INSERT INTO events (site_id, ts, session, visitor, pageview, type, path, page_group, device, browser,
                 os, revenue, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                params![e.site_id, e.ts, e.session, e.visitor, e.pageview, e.event_type, e.path, e.page_group,
                        e.device, e.browser, e.os, e.revenue, e.received_at],
            )
            .expect("event");
        }
        build_sessions_by(&conn, 4).expect("build");
        let mut stmt = conn
            .prepare("SELECT session, started, ended, pageviews, events, revenue, entry_page, exit_page, len(page_paths)
                      FROM sessions ORDER BY session")
            .expect("query");
        type Facts = (
            String,
            i64,
            i64,
            i64,
            i64,
            f64,
            Option<String>,
            Option<String>,
            i64,
        );
        let built: Vec<Facts> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })
            .expect("rows")
            .collect::<duckdb::Result<_>>()
            .expect("rows");
        let mut expected: Vec<Facts> = rows_of(&events)
            .into_iter()
            .map(|r| {
                (
                    r.session.clone(),
                    r.started,
                    r.ended,
                    r.pageviews,
                    r.events,
                    r.revenue,
                    r.entry_page.clone(),
                    r.exit_page.clone(),
                    r.page_paths.len() as i64,
                )
            })
            .collect();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(built, expected);
        let visitors: i64 = conn
            .query_row("SELECT count(*) FROM visitors", [], |r| r.get(0))
            .expect("visitors");
        assert_eq!(visitors, 3);
    }
}

//! Upgrading a store written before the `sessions` table: its sessions are built once from the stored events
//! by the sessionizer (`sightline_insight::session`), a slice of sessions at a time so memory stays bounded.

use std::collections::HashMap;
use std::time::Instant;

use duckdb::{Connection, params};
use sightline_insight::session::{SessionRows, add_replay};
use sightline_model::{EventRow, SessionRow};

use super::interner::intern;
use super::session_rows::append_rows;
use crate::Result;

/// Events per slice: each slice is one scan of the events; its sessions' rows are held until appended.
const EVENTS_PER_SLICE: i64 = 1_000_000;

/// Builds the sessions of every stored event (`sessions` and `visitors` must be empty), inside the caller's
/// transaction.
pub(super) fn build_sessions(conn: &Connection) -> Result<()> {
    let events: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
    if events == 0 {
        return Ok(());
    }
    let started = Instant::now();
    let slices = (events / EVENTS_PER_SLICE + 1).max(1);
    tracing::info!(
        events,
        slices,
        "building the sessions table from the stored events (once, after an upgrade)"
    );
    let mut sessions = 0usize;
    for slice in 0..slices {
        let mut rows = slice_sessions(conn, slices, slice)?;
        let mut stmt = conn.prepare(
            "SELECT site_id, session, bytes FROM replay_chunks WHERE hash(session) % ? = ?",
        )?;
        let chunks = stmt.query_map(params![slices, slice], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let index: HashMap<(i64, String), usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.site_id, r.session.clone()), i))
            .collect();
        for chunk in chunks {
            let (site_id, session, bytes) = chunk?;
            if let Some(&i) = index.get(&(site_id, session)) {
                add_replay(&mut rows[i], bytes.max(0) as u64);
            }
        }
        append_rows(conn, "sessions", &rows)?;
        sessions += rows.len();
        tracing::info!(
            slice = slice + 1,
            slices,
            sessions,
            seconds = started.elapsed().as_secs(),
            "building the sessions table"
        );
    }
    conn.execute_batch(
        "INSERT INTO visitors SELECT site_id, visitor_hash, min(started) FROM sessions GROUP BY ALL",
    )?;
    tracing::info!(
        sessions,
        seconds = started.elapsed().as_secs(),
        "built the sessions table"
    );
    Ok(())
}

/// The sessions of one slice (by hash of the session id) of the stored events.
fn slice_sessions(conn: &Connection, slices: i64, slice: i64) -> Result<Vec<SessionRow>> {
    let mut stmt = conn.prepare(
        "SELECT site_id, ts, session, visitor, user_id, type, path, page_group, referrer, channel, utm_source,
                utm_medium, utm_campaign, utm_term, utm_content, device, browser, os, value, revenue, received_at
         FROM events WHERE hash(session) % ? = ?",
    )?;
    let mut sessions = SessionRows::default();
    let mut rows = stmt.query(params![slices, slice])?;
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
            ..EventRow::default()
        });
    }
    Ok(sessions.into_rows())
}

//! The analysis pass's tables: which sessions changed since their last analysis, their events, and replacing
//! what an older analysis of them found (`detections`, `session_analysis`).

use std::sync::Arc;

use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, ListBuilder, StringArray, StringBuilder,
};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{Connection, params};
use sightline_model::EventRow;

use super::interner::intern;
use super::page_facts;
use crate::{AnalyzedSession, Result, SessionVersion, StoredDetection};

/// Sessions whose row changed after their analysis (or that were never analysed), received in `(since, until]`,
/// oldest first.
pub(super) fn changed_sessions(
    conn: &Connection,
    since: i64,
    until: i64,
    limit: usize,
) -> Result<Vec<SessionVersion>> {
    let mut stmt = conn.prepare(
        // An analysis of a version at or before `since` is older than any candidate's: leaving those out of the
        // join changes no answer, and lets both scans skip the row groups before the cursor.
        "SELECT s.site_id, s.session, s.received_at FROM sessions s
         LEFT JOIN (SELECT site_id, session, received_at FROM session_analysis WHERE received_at > $1) a
                ON a.site_id = s.site_id AND a.session = s.session
         WHERE s.received_at > $1 AND s.received_at <= $2 AND (a.received_at IS NULL OR a.received_at < s.received_at)
         ORDER BY s.received_at, s.site_id, s.session LIMIT $3",
    )?;
    let rows = stmt
        .query_map(params![since, until, limit as i64], |r| {
            Ok(SessionVersion {
                site_id: r.get(0)?,
                session: r.get(1)?,
                received_at: r.get(2)?,
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Stages `sessions`' keys in the connection's `analysis_keys` table.
fn stage_keys(conn: &Connection, sessions: &[SessionVersion]) -> duckdb::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS analysis_keys (site_id BIGINT, session VARCHAR, received_at BIGINT);
         DELETE FROM analysis_keys;",
    )?;
    let batch = RecordBatch::try_from_iter([
        (
            "site_id",
            Arc::new(sessions.iter().map(|s| s.site_id).collect::<Int64Array>()) as ArrayRef,
        ),
        (
            "session",
            Arc::new(
                sessions
                    .iter()
                    .map(|s| Some(s.session.as_str()))
                    .collect::<StringArray>(),
            ),
        ),
        (
            "received_at",
            Arc::new(
                sessions
                    .iter()
                    .map(|s| s.received_at)
                    .collect::<Int64Array>(),
            ),
        ),
    ])
    .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
    let mut app = conn.appender("analysis_keys")?;
    app.append_record_batch(batch)?;
    app.flush()
}

/// The events of `sessions` with the columns the detectors read, by session in time order.
pub(super) fn session_events(
    conn: &Connection,
    sessions: &[SessionVersion],
) -> Result<Vec<EventRow>> {
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    stage_keys(conn, sessions)?;
    // The sessions' span bounds the scan to the recent row groups (events are stored in arrival order).
    let mut stmt = conn.prepare(
        "SELECT e.site_id, e.session, e.ts, e.pageview, e.type, e.path, e.page_group, e.device, e.channel,
                e.selector, e.tag, e.x, e.y, e.scroll_pct, e.value, e.name, e.props, e.error_fingerprint,
                e.interactive, e.changed, e.revenue, e.viewport_h, e.rel_x, e.rel_y
         FROM events e JOIN analysis_keys k ON e.site_id = k.site_id AND e.session = k.session
         WHERE e.ts BETWEEN (SELECT min(s.started) FROM sessions s
                             JOIN analysis_keys k ON s.site_id = k.site_id AND s.session = k.session)
                        AND (SELECT max(s.ended) FROM sessions s
                             JOIN analysis_keys k ON s.site_id = k.site_id AND s.session = k.session)
         ORDER BY e.site_id, e.session, e.ts",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(EventRow {
                site_id: r.get(0)?,
                session: r.get(1)?,
                ts: r.get(2)?,
                pageview: r.get(3)?,
                event_type: intern(r.get(4)?),
                path: r.get(5)?,
                page_group: r.get(6)?,
                device: intern(r.get(7)?),
                channel: r.get::<_, Option<String>>(8)?.map(intern),
                selector: r.get(9)?,
                tag: r.get(10)?,
                x: r.get(11)?,
                y: r.get(12)?,
                scroll_pct: r.get(13)?,
                value: r.get(14)?,
                name: r.get(15)?,
                props: r.get(16)?,
                error_fingerprint: r.get(17)?,
                interactive: r.get(18)?,
                changed: r.get(19)?,
                revenue: r.get(20)?,
                viewport_h: r.get(21)?,
                rel_x: r.get(22)?,
                rel_y: r.get(23)?,
                ..EventRow::default()
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Replaces the detections and analysis rows of `analyses`' sessions, inside the caller's transaction.
pub(super) fn replace(conn: &Connection, analyses: &[AnalyzedSession]) -> Result<()> {
    if analyses.is_empty() {
        return Ok(());
    }
    let versions: Vec<SessionVersion> = analyses.iter().map(|a| a.version.clone()).collect();
    stage_keys(conn, &versions)?;
    conn.execute_batch(
        "DELETE FROM session_analysis a USING analysis_keys k WHERE a.site_id = k.site_id AND a.session = k.session;",
    )?;
    // Detections and facts are no earlier than their session's start: a constant bound lets the deletes skip
    // older row groups.
    let since: Option<i64> = conn.query_row(
        "SELECT min(s.started) FROM sessions s JOIN analysis_keys k ON s.site_id = k.site_id AND s.session = k.session",
        [],
        |r| r.get(0),
    )?;
    for (table, time) in [
        ("detections", "ts"),
        ("pageview_facts", "started"),
        ("element_facts", "started"),
    ] {
        conn.execute(
            &format!(
                "DELETE FROM {table} f USING analysis_keys k
                 WHERE f.{time} >= ? AND f.site_id = k.site_id AND f.session = k.session"
            ),
            params![since.unwrap_or(i64::MIN)],
        )?;
    }
    append(conn, "session_analysis", analysis_batch(analyses)?)?;
    for (table, batch) in [
        ("detections", detection_batch(analyses)?),
        ("pageview_facts", page_facts::pageview_batch(analyses)?),
        ("element_facts", page_facts::element_batch(analyses)?),
    ] {
        if batch.num_rows() > 0 {
            append(conn, table, batch)?;
        }
    }
    Ok(())
}

fn append(conn: &Connection, table: &str, batch: RecordBatch) -> duckdb::Result<()> {
    let mut app = conn.appender(table)?;
    app.append_record_batch(batch)?;
    app.flush()
}

pub(super) fn arrow_error(e: duckdb::arrow::error::ArrowError) -> duckdb::Error {
    duckdb::Error::ToSqlConversionFailure(Box::new(e))
}

fn analysis_batch(analyses: &[AnalyzedSession]) -> duckdb::Result<RecordBatch> {
    let mut groups = ListBuilder::new(StringBuilder::new());
    for a in analyses {
        for g in &a.page_groups {
            groups.values().append_value(g);
        }
        groups.append(true);
    }
    RecordBatch::try_from_iter([
        (
            "site_id",
            Arc::new(
                analyses
                    .iter()
                    .map(|a| a.version.site_id)
                    .collect::<Int64Array>(),
            ) as ArrayRef,
        ),
        (
            "session",
            Arc::new(
                analyses
                    .iter()
                    .map(|a| Some(a.version.session.as_str()))
                    .collect::<StringArray>(),
            ),
        ),
        (
            "received_at",
            Arc::new(
                analyses
                    .iter()
                    .map(|a| a.version.received_at)
                    .collect::<Int64Array>(),
            ),
        ),
        (
            "friction",
            Arc::new(
                analyses
                    .iter()
                    .map(|a| a.friction)
                    .collect::<Float64Array>(),
            ),
        ),
        ("page_groups", Arc::new(groups.finish())),
    ])
    .map_err(arrow_error)
}

fn detection_batch(analyses: &[AnalyzedSession]) -> duckdb::Result<RecordBatch> {
    let rows: Vec<(&AnalyzedSession, &sightline_insight::detect::Detection)> = analyses
        .iter()
        .flat_map(|a| a.detections.iter().map(move |d| (a, d)))
        .collect();
    let text = |f: &dyn Fn(&sightline_insight::detect::Detection) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(|(_, d)| f(d)).collect::<StringArray>())
    };
    // Per session and problem: its first detection counts the session, with the problem's last time in it.
    let mut problems: std::collections::HashMap<_, (usize, i64)> = std::collections::HashMap::new();
    for (i, (a, d)) in rows.iter().enumerate() {
        let key = (
            a.version.site_id,
            a.version.session.as_str(),
            d.kind.as_str(),
            d.page_group.as_deref(),
            d.element.as_deref(),
        );
        let (first, last) = problems.entry(key).or_insert((i, d.ts));
        if d.ts < rows[*first].1.ts {
            *first = i;
        }
        *last = (*last).max(d.ts);
    }
    let mut counted = vec![None; rows.len()];
    for (first, last) in problems.into_values() {
        counted[first] = Some(last);
    }
    let evidence: Vec<String> = rows
        .iter()
        .map(|(_, d)| serde_json::to_string(&d.evidence).unwrap_or_else(|_| "[]".into()))
        .collect();
    RecordBatch::try_from_iter([
        (
            "site_id",
            Arc::new(
                rows.iter()
                    .map(|(a, _)| a.version.site_id)
                    .collect::<Int64Array>(),
            ) as ArrayRef,
        ),
        (
            "session",
            Arc::new(
                rows.iter()
                    .map(|(a, _)| Some(a.version.session.as_str()))
                    .collect::<StringArray>(),
            ),
        ),
        ("kind", text(&|d| Some(d.kind.as_str()))),
        (
            "ts",
            Arc::new(rows.iter().map(|(_, d)| d.ts).collect::<Int64Array>()),
        ),
        ("pageview", text(&|d| Some(d.pageview.as_str()))),
        ("path", text(&|d| d.path.as_deref())),
        ("page_group", text(&|d| d.page_group.as_deref())),
        ("element", text(&|d| d.element.as_deref())),
        (
            "value",
            Arc::new(rows.iter().map(|(_, d)| d.value).collect::<Float64Array>()),
        ),
        (
            "evidence",
            Arc::new(
                evidence
                    .iter()
                    .map(|e| Some(e.as_str()))
                    .collect::<StringArray>(),
            ),
        ),
        (
            "counted",
            Arc::new(
                counted
                    .iter()
                    .map(|c| Some(c.is_some()))
                    .collect::<BooleanArray>(),
            ),
        ),
        (
            "last_ts",
            Arc::new(counted.iter().copied().collect::<Int64Array>()),
        ),
    ])
    .map_err(arrow_error)
}

/// The detections of one session in time order.
pub(super) fn of_session(
    conn: &Connection,
    site_id: i64,
    session: &str,
) -> Result<Vec<StoredDetection>> {
    let mut stmt = conn.prepare(
        "SELECT kind, ts, pageview, path, page_group, element, value, evidence FROM detections
         WHERE site_id = ? AND session = ? ORDER BY ts, kind, element",
    )?;
    let rows = stmt
        .query_map(params![site_id, session], |r| {
            let evidence: String = r.get(7)?;
            Ok(StoredDetection {
                kind: r.get(0)?,
                ts: r.get(1)?,
                pageview: r.get(2)?,
                path: r.get(3)?,
                page_group: r.get(4)?,
                element: r.get(5)?,
                value: r.get(6)?,
                evidence: serde_json::from_str(&evidence).unwrap_or(serde_json::Value::Null),
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(rows)
}

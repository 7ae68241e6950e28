//! Writing the `sessions` table: each write's session rows are staged and merged into the stored rows by the
//! rules of `sightline_insight::session::merge`, spelled out in SQL, so DuckDB does the merge (as ClickHouse's
//! AggregatingMergeTree would). No primary key: DuckDB's ART index must fit in memory, which 4 M sessions
//! would not in our budget; the merge joins on (site, session) instead, over recent sessions only.

use std::sync::{Arc, LazyLock};

use duckdb::Connection;
use duckdb::arrow::array::{
    ArrayRef, Float64Array, Int64Array, Int64Builder, ListBuilder, StringArray, StringBuilder,
    StructBuilder, UInt64Array,
};
use duckdb::arrow::datatypes::{DataType, Field, Fields};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::types::Value;
use sightline_insight::session::IDLE_MS;
use sightline_model::{JourneyStep, MAX_JOURNEY_STEPS, SessionRow};

/// A stable 64-bit hash of a visitor id (FNV-1a): the same on every engine and release.
pub(super) fn visitor_hash(visitor: &str) -> u64 {
    visitor.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Columns of `sessions` (migrations/duckdb/0004_sessions.sql, 0005_session_pages.sql, 0010_session_journey.sql)
/// in table order.
const COLUMNS: [&str; 36] = [
    "site_id",
    "session",
    "visitor",
    "visitor_hash",
    "user_id",
    "started",
    "ended",
    "duration_ms",
    "active_ms",
    "pageviews",
    "events",
    "entry_ts",
    "entry_page",
    "entry_group",
    "exit_ts",
    "exit_page",
    "exit_group",
    "device",
    "browser",
    "os",
    "channel",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "revenue",
    "conversions",
    "clicks",
    "errors",
    "replay_chunks",
    "replay_bytes",
    "received_at",
    "page_paths",
    "journey",
];

fn arrow_batch(rows: &[SessionRow]) -> duckdb::Result<RecordBatch> {
    fn text(rows: &[SessionRow], f: impl Fn(&SessionRow) -> Option<&str>) -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    }
    fn int(rows: &[SessionRow], f: impl Fn(&SessionRow) -> Option<i64>) -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Int64Array>())
    }
    let arrays: Vec<ArrayRef> = vec![
        int(rows, |r| Some(r.site_id)),
        text(rows, |r| Some(&r.session)),
        text(rows, |r| Some(&r.visitor)),
        Arc::new(
            rows.iter()
                .map(|r| visitor_hash(&r.visitor))
                .collect::<UInt64Array>(),
        ),
        text(rows, |r| r.user_id.as_deref()),
        int(rows, |r| Some(r.started)),
        int(rows, |r| Some(r.ended)),
        int(rows, |r| Some(r.duration_ms())),
        int(rows, |r| Some(r.active_ms)),
        int(rows, |r| Some(r.pageviews)),
        int(rows, |r| Some(r.events)),
        int(rows, |r| r.entry_ts),
        text(rows, |r| r.entry_page.as_deref()),
        text(rows, |r| r.entry_group.as_deref()),
        int(rows, |r| r.exit_ts),
        text(rows, |r| r.exit_page.as_deref()),
        text(rows, |r| r.exit_group.as_deref()),
        text(rows, |r| Some(&r.device)),
        text(rows, |r| Some(&r.browser)),
        text(rows, |r| Some(&r.os)),
        text(rows, |r| r.channel.as_deref()),
        text(rows, |r| r.referrer.as_deref()),
        text(rows, |r| r.utm_source.as_deref()),
        text(rows, |r| r.utm_medium.as_deref()),
        text(rows, |r| r.utm_campaign.as_deref()),
        text(rows, |r| r.utm_term.as_deref()),
        text(rows, |r| r.utm_content.as_deref()),
        Arc::new(
            rows.iter()
                .map(|r| Some(r.revenue))
                .collect::<Float64Array>(),
        ),
        int(rows, |r| Some(r.conversions)),
        int(rows, |r| Some(r.clicks)),
        int(rows, |r| Some(r.errors)),
        int(rows, |r| Some(r.replay_chunks)),
        int(rows, |r| Some(r.replay_bytes)),
        int(rows, |r| Some(r.received_at)),
        page_paths(rows),
        journeys(rows)?,
    ];
    let named = COLUMNS
        .iter()
        .zip(arrays)
        .map(|(name, array)| (*name, array));
    RecordBatch::try_from_iter(named)
        .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))
}

fn page_paths(rows: &[SessionRow]) -> ArrayRef {
    let mut lists = ListBuilder::new(StringBuilder::new());
    for row in rows {
        for path in &row.page_paths {
            lists.values().append_value(path);
        }
        lists.append(true);
    }
    Arc::new(lists.finish())
}

/// The `STRUCT(ts BIGINT, page VARCHAR, event VARCHAR)[]` column of each row's journey.
fn journeys(rows: &[SessionRow]) -> duckdb::Result<ArrayRef> {
    let not_built = || {
        duckdb::Error::ToSqlConversionFailure(Box::new(ArrowError::SchemaError(
            "journey builder of an unexpected type".into(),
        )))
    };
    let fields = Fields::from(vec![
        Field::new("ts", DataType::Int64, true),
        Field::new("page", DataType::Utf8, true),
        Field::new("event", DataType::Utf8, true),
    ]);
    let mut list = ListBuilder::new(StructBuilder::from_fields(fields, 0));
    for row in rows {
        let steps = list.values();
        for step in &row.journey {
            steps
                .field_builder::<Int64Builder>(0)
                .ok_or_else(not_built)?
                .append_value(step.ts);
            for (i, text) in [(1, &step.page), (2, &step.event)] {
                steps
                    .field_builder::<StringBuilder>(i)
                    .ok_or_else(not_built)?
                    .append_option(text.as_deref());
            }
            steps.append(true);
        }
        list.append(true);
    }
    Ok(Arc::new(list.finish()))
}

/// A stored journey (a `journey` value) as steps.
fn journey_steps(value: Value) -> Vec<JourneyStep> {
    let Value::List(items) = value else {
        return Vec::new();
    };
    let text = |v: Option<&Value>| match v {
        Some(Value::Text(s)) => Some(s.clone()),
        _ => None,
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            Value::Struct(fields) => {
                let ts = match fields.get(&"ts".to_string()) {
                    Some(Value::BigInt(ts)) => *ts,
                    _ => return None,
                };
                Some(JourneyStep {
                    ts,
                    page: text(fields.get(&"page".to_string())),
                    event: text(fields.get(&"event".to_string())),
                })
            }
            _ => None,
        })
        .collect()
}

/// `a` comes before `b` for columns taken "of the earliest part" (ties broken by value, as in `merge`).
fn first(a: &str, b: &str) -> String {
    format!(
        "({a}.started < {b}.started OR ({a}.started = {b}.started AND ({a}.visitor < {b}.visitor
          OR ({a}.visitor = {b}.visitor AND {a}.device < {b}.device))))"
    )
}

/// The MERGE of staged rows into `sessions`; `$1` is the oldest `ended` a staged row can merge into.
static MERGE_SESSIONS: LazyLock<String> = LazyLock::new(|| {
    let p_first = first("p", "s");
    let entry_first = "(p.entry_ts IS NOT NULL AND (s.entry_ts IS NULL OR p.entry_ts < s.entry_ts
        OR (p.entry_ts = s.entry_ts AND p.entry_page < s.entry_page)))";
    let exit_later = "(p.exit_ts IS NOT NULL AND (s.exit_ts IS NULL OR s.exit_ts < p.exit_ts
        OR (s.exit_ts = p.exit_ts AND s.exit_page < p.exit_page)))";
    let mut set = Vec::new();
    for column in ["visitor", "visitor_hash", "device", "browser", "os"] {
        set.push(format!(
            "{column} = CASE WHEN {p_first} THEN p.{column} ELSE s.{column} END"
        ));
    }
    set.push(
        "user_id = CASE WHEN s.user_id IS NULL THEN p.user_id WHEN p.user_id IS NULL THEN s.user_id
                   ELSE greatest(s.user_id, p.user_id) END"
            .into(),
    );
    set.push("started = least(s.started, p.started)".into());
    set.push("ended = greatest(s.ended, p.ended)".into());
    set.push("duration_ms = greatest(s.ended, p.ended) - least(s.started, p.started)".into());
    for column in [
        "entry_ts",
        "entry_page",
        "entry_group",
        "channel",
        "referrer",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
    ] {
        set.push(format!(
            "{column} = CASE WHEN {entry_first} THEN p.{column} ELSE s.{column} END"
        ));
    }
    for column in ["exit_ts", "exit_page", "exit_group"] {
        set.push(format!(
            "{column} = CASE WHEN {exit_later} THEN p.{column} ELSE s.{column} END"
        ));
    }
    for column in [
        "active_ms",
        "pageviews",
        "events",
        "revenue",
        "conversions",
        "clicks",
        "errors",
        "replay_chunks",
        "replay_bytes",
    ] {
        set.push(format!("{column} = s.{column} + p.{column}"));
    }
    set.push("received_at = greatest(s.received_at, p.received_at)".into());
    set.push("page_paths = list_sort(list_concat(s.page_paths, p.page_paths))".into());
    set.push(format!(
        "journey = list_slice(list_sort(list_concat(coalesce(s.journey, []), p.journey)), 1, {MAX_JOURNEY_STEPS})"
    ));
    let columns = COLUMNS.join(", ");
    let values = COLUMNS
        .iter()
        .map(|c| format!("p.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "MERGE INTO sessions AS s USING session_stage AS p
         ON s.site_id = p.site_id AND s.session = p.session AND s.ended >= $1
         WHEN MATCHED THEN UPDATE SET {}
         WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})",
        set.join(",\n ")
    )
});

const MERGE_VISITORS: &str = "MERGE INTO visitors AS v
    USING (SELECT site_id, visitor_hash, min(started) AS first_seen FROM session_stage GROUP BY ALL) AS p
    ON v.site_id = p.site_id AND v.visitor_hash = p.visitor_hash
    WHEN MATCHED AND p.first_seen < v.first_seen THEN UPDATE SET first_seen = p.first_seen
    WHEN NOT MATCHED THEN INSERT (site_id, visitor_hash, first_seen) VALUES (p.site_id, p.visitor_hash, p.first_seen)";

/// Appends `rows` to `table` (`sessions` or its staging copy), as they are.
fn append_rows(conn: &Connection, table: &str, rows: &[SessionRow]) -> duckdb::Result<()> {
    for chunk in rows.chunks(APPEND_CHUNK_ROWS) {
        let mut app = conn.appender(table)?;
        app.append_record_batch(arrow_batch(chunk)?)?;
        app.flush()?;
    }
    Ok(())
}

/// Session rows per Arrow batch when appending.
const APPEND_CHUNK_ROWS: usize = 50_000;

/// Merges `rows` (at most one per session) into `sessions` and `visitors`, inside the caller's transaction.
/// Each row must belong to a stored session that ended at most 30 minutes before the row's first event, or to
/// none: the sessionizer's placement guarantees it, and it confines the merge's join to recent sessions.
pub(super) fn merge_rows(conn: &Connection, rows: &[SessionRow]) -> duckdb::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS session_stage AS SELECT * FROM sessions LIMIT 0; DELETE FROM session_stage;",
    )?;
    append_rows(conn, "session_stage", rows)?;
    let oldest = rows.iter().map(|r| r.started).min().unwrap_or(0);
    conn.execute(&MERGE_SESSIONS, [oldest.saturating_sub(IDLE_MS)])?;
    conn.execute_batch(MERGE_VISITORS)?;
    conn.execute_batch("DELETE FROM session_stage")?;
    Ok(())
}

/// The stored row of one session, if there is one.
pub(super) fn read_row(
    conn: &Connection,
    site_id: i64,
    session: &str,
) -> crate::Result<Option<SessionRow>> {
    let mut stmt = conn.prepare(
        "SELECT site_id, session, visitor, user_id, started, ended, active_ms, pageviews, events, entry_ts,
                entry_page, entry_group, exit_ts, exit_page, exit_group, device, browser, os, channel, referrer,
                utm_source, utm_medium, utm_campaign, utm_term, utm_content, revenue, conversions, clicks, errors,
                replay_chunks, replay_bytes, received_at, coalesce(page_paths, []), journey
         FROM sessions WHERE site_id = ? AND session = ?",
    )?;
    let mut rows = stmt.query(duckdb::params![site_id, session])?;
    let Some(r) = rows.next()? else {
        return Ok(None);
    };
    let page_paths = super::text_list(r.get_ref(32)?);
    let journey = journey_steps(r.get_ref(33)?.to_owned());
    Ok(Some(SessionRow {
        site_id: r.get(0)?,
        session: r.get(1)?,
        visitor: r.get(2)?,
        user_id: r.get(3)?,
        started: r.get(4)?,
        ended: r.get(5)?,
        active_ms: r.get(6)?,
        pageviews: r.get(7)?,
        events: r.get(8)?,
        entry_ts: r.get(9)?,
        entry_page: r.get(10)?,
        entry_group: r.get(11)?,
        exit_ts: r.get(12)?,
        exit_page: r.get(13)?,
        exit_group: r.get(14)?,
        device: r.get(15)?,
        browser: r.get(16)?,
        os: r.get(17)?,
        channel: r.get(18)?,
        referrer: r.get(19)?,
        utm_source: r.get(20)?,
        utm_medium: r.get(21)?,
        utm_campaign: r.get(22)?,
        utm_term: r.get(23)?,
        utm_content: r.get(24)?,
        revenue: r.get(25)?,
        conversions: r.get(26)?,
        clicks: r.get(27)?,
        errors: r.get(28)?,
        replay_chunks: r.get(29)?,
        replay_bytes: r.get(30)?,
        received_at: r.get(31)?,
        page_paths,
        journey,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_staged_columns_are_the_tables() {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch(include_str!("../../migrations/duckdb/0004_sessions.sql"))
            .expect("schema");
        for migration in [
            include_str!("../../migrations/duckdb/0005_session_pages.sql"),
            include_str!("../../migrations/duckdb/0010_session_journey.sql"),
        ] {
            conn.execute_batch(migration).expect("schema");
        }
        let mut stmt = conn
            .prepare("SELECT column_name FROM information_schema.columns WHERE table_name = 'sessions' ORDER BY ordinal_position")
            .expect("columns");
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .collect::<duckdb::Result<Vec<_>>>()
            .expect("names");
        assert_eq!(names, COLUMNS);
        assert_eq!(
            arrow_batch(&[SessionRow::default()])
                .expect("batch")
                .num_columns(),
            names.len()
        );
    }

    #[test]
    fn visitor_hashes_are_stable() {
        assert_eq!(visitor_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(visitor_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(visitor_hash("v1"), visitor_hash("v2"));
    }
}

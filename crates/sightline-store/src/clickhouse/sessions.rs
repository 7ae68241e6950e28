//! The sessions list on ClickHouse: one page of the report's merged sessions (sorted, paged, counted), and the
//! list rows of given sessions; the semantics of the embedded store's `duckdb/sessions.rs`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ClickHouseEventStore;
use super::analysis::current_analysis;
use super::http::quote;
use super::report::{merged_sessions_of, report_sessions};
use crate::{Result, SessionPage, SessionQuery, SessionSort, SessionSummary};

/// Session keys per `IN (...)` list of one statement: far below ClickHouse's `max_query_size` (256 KiB).
const KEYS_PER_QUERY: usize = 1_000;
/// Largest `offset + limit` of a page: 18.16 refuses a sum beyond `i64::MAX`, and one that wraps around
/// `u64` makes the server read out of bounds and crash.
const MAX_PAGE_END: usize = i64::MAX as usize;

/// The friction score of each session's current analysis (the newest `analysis_id`), joined to the listed
/// sessions; a session never analysed has none, and lists with 0 as the embedded store does.
fn friction_of(site_id: i64) -> String {
    format!(
        "SELECT session, argMax(friction, analysis_id) AS listed_friction FROM session_analysis
         WHERE site_id = {site_id} GROUP BY session"
    )
}

/// A listed session as selected. The computed columns have aliases of their own: an alias equal to a column's
/// name would stand for the expression in the report's filters too (`least(s.active_ms, ...)` in the
/// active-time filter would read itself).
#[derive(Deserialize)]
struct Listed {
    session: String,
    visitor: String,
    started: i64,
    ended: i64,
    duration_ms: i64,
    #[serde(rename = "listed_active_ms")]
    active_ms: i64,
    pageviews: i64,
    entry_page: Option<String>,
    exit_page: Option<String>,
    device: String,
    browser: String,
    os: String,
    channel: Option<String>,
    utm_source: Option<String>,
    clicks: i64,
    errors: i64,
    revenue: f64,
    #[serde(rename = "listed_converted")]
    converted: u8,
    #[serde(rename = "listed_has_replay")]
    has_replay: u8,
    replay_bytes: i64,
    #[serde(rename = "listed_friction")]
    friction: f64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl From<Listed> for SessionSummary {
    fn from(s: Listed) -> Self {
        SessionSummary {
            session: s.session,
            visitor: s.visitor,
            started: s.started,
            ended: s.ended,
            duration_ms: s.duration_ms,
            active_ms: s.active_ms,
            pageviews: count(s.pageviews),
            entry_page: s.entry_page,
            exit_page: s.exit_page,
            device: s.device,
            browser: s.browser,
            os: s.os,
            channel: s.channel,
            utm_source: s.utm_source,
            clicks: count(s.clicks),
            errors: count(s.errors),
            revenue: s.revenue,
            converted: s.converted != 0,
            has_replay: s.has_replay != 0,
            replay_bytes: count(s.replay_bytes),
            friction: s.friction,
            frustration: BTreeMap::new(),
        }
    }
}

pub(super) fn list(
    store: &ClickHouseEventStore,
    site_id: i64,
    query: &SessionQuery,
) -> Result<SessionPage> {
    let report = report_sessions(site_id, query.from, query.to, &query.filters)?;
    let total = store.count(&format!("SELECT count() AS n {report}"))?;
    let sessions = page(
        store,
        site_id,
        &report,
        query.sort,
        query.descending,
        query.limit,
        query.offset,
    )?;
    Ok(SessionPage { sessions, total })
}

/// The list rows of `keys` (those stored, whatever their time or pageviews), newest first.
pub(super) fn summaries(
    store: &ClickHouseEventStore,
    site_id: i64,
    keys: &[String],
) -> Result<Vec<SessionSummary>> {
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    keys.dedup();
    let mut rows = Vec::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let report = format!("FROM ({}) s", merged_sessions_of(site_id, chunk));
        rows.extend(page(
            store,
            site_id,
            &report,
            SessionSort::Started,
            true,
            chunk.len(),
            0,
        )?);
    }
    // Newest first across the chunks, as one statement orders them.
    rows.sort_by(|a, b| {
        b.started
            .cmp(&a.started)
            .then_with(|| a.session.cmp(&b.session))
    });
    Ok(rows)
}

/// `limit` rows from `offset` of the sessions `report` (`FROM ... s WHERE ...`) selects, in the list's order,
/// with their friction and detections per kind.
fn page(
    store: &ClickHouseEventStore,
    site_id: i64,
    report: &str,
    sort: SessionSort,
    descending: bool,
    limit: usize,
    offset: usize,
) -> Result<Vec<SessionSummary>> {
    let offset = offset.min(MAX_PAGE_END);
    let limit = limit.min(MAX_PAGE_END - offset);
    let direction = if descending { "DESC" } else { "ASC" };
    // The sort key is one of our own expressions, never user input; ties go by session key, as embedded.
    let (inner_key, outer_key) = match sort {
        SessionSort::ActiveTime => (
            "least(s.active_ms, s.duration_ms)".to_string(),
            "listed_active_ms".to_string(),
        ),
        SessionSort::Friction => (String::new(), "listed_friction".to_string()),
        other => (format!("s.{}", other.column()), other.column().to_string()),
    };
    let columns = "s.session AS session, s.visitor AS visitor, s.started AS started, s.ended AS ended,
                s.duration_ms AS duration_ms, least(s.active_ms, s.duration_ms) AS listed_active_ms,
                s.pageviews AS pageviews, s.entry_page AS entry_page, s.exit_page AS exit_page,
                s.device AS device, s.browser AS browser, s.os AS os, s.channel AS channel,
                s.utm_source AS utm_source, s.clicks AS clicks, s.errors AS errors, s.revenue AS revenue,
                s.conversions > 0 AS listed_converted, s.replay_chunks > 0 AS listed_has_replay,
                s.replay_bytes AS replay_bytes";
    let friction = friction_of(site_id);
    // Named, not `*`: 18.16 repeats the USING column in `*` of a join.
    let listed = "session, visitor, started, ended, duration_ms, listed_active_ms, pageviews, entry_page,
                  exit_page, device, browser, os, channel, utm_source, clicks, errors, revenue, listed_converted,
                  listed_has_replay, replay_bytes, listed_friction";
    // Sorted by a column of the sessions, the page is cut before the join; by friction, after it.
    let sql = if sort == SessionSort::Friction {
        format!(
            "SELECT {listed} FROM (SELECT {columns} {report}) ANY LEFT JOIN ({friction}) USING session
             ORDER BY {outer_key} {direction}, session LIMIT {offset}, {limit}"
        )
    } else {
        format!(
            "SELECT {listed} FROM (SELECT {columns} {report} ORDER BY {inner_key} {direction}, s.session
                            LIMIT {offset}, {limit})
             ANY LEFT JOIN ({friction}) USING session
             ORDER BY {outer_key} {direction}, session"
        )
    };
    let rows: Vec<Listed> = store.select(&sql)?;
    let mut sessions: Vec<SessionSummary> = rows.into_iter().map(SessionSummary::from).collect();
    add_frustration(store, site_id, &mut sessions)?;
    Ok(sessions)
}

/// Fills each listed session's detections per kind, of its current analysis.
fn add_frustration(
    store: &ClickHouseEventStore,
    site_id: i64,
    sessions: &mut [SessionSummary],
) -> Result<()> {
    if sessions.is_empty() {
        return Ok(());
    }
    #[derive(Deserialize)]
    struct KindCount {
        session: String,
        kind: String,
        n: u64,
    }
    let keys = sessions
        .iter()
        .map(|s| quote(&s.session))
        .collect::<Vec<_>>()
        .join(", ");
    let counts: Vec<KindCount> = store.select(&format!(
        "SELECT session, kind, count() AS n FROM detections
         WHERE site_id = {site_id} AND session IN ({keys}) AND {current}
         GROUP BY session, kind",
        current = current_analysis(site_id)
    ))?;
    let at: std::collections::HashMap<String, usize> = sessions
        .iter()
        .enumerate()
        .map(|(i, s)| (s.session.clone(), i))
        .collect();
    for c in counts {
        if let Some(&i) = at.get(&c.session) {
            sessions[i].frustration.insert(c.kind, c.n);
        }
    }
    Ok(())
}

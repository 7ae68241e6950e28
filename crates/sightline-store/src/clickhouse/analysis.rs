//! The analysis pass on ClickHouse: which sessions changed since their last analysis, their events, and
//! replacing what an older analysis of them found (`session_analysis`, `detections`, `pageview_facts`,
//! `element_facts`: `migrations/clickhouse/0003_analysis.sql`).
//!
//! Sessions are parts merged on read and nothing is updated in place, so neither "changed since analysed" nor
//! "replaces" can be an update:
//! - A session's version is the newest `received_at` of its parts. Each analysis writes a `session_analysis` row
//!   with the version it analysed; a session changed when its version is newer than that of its current
//!   analysis (or it has none). Only parts received after the cursor can make a version newer than the cursor,
//!   so the pass scans those parts, not every session.
//! - Each `store_analyses` call has a new `analysis_id`, larger than any earlier analysis of its sessions (a
//!   nanosecond clock, kept above the ids already stored for them, so a clock that went back or another node's
//!   clock cannot hide a newer analysis). All its rows carry it; the `session_analysis` rows are written last. A
//!   session's current analysis is its largest id in `session_analysis`, and readers take the rows of that id
//!   only ([`current_analysis`]): the last write wins, as the embedded store's delete-and-insert does, and a
//!   write is seen whole or not at all (one cut short leaves rows of an id no reader picks; the session stays
//!   changed and is analysed again).
//!
//! Not chosen: `ReplacingMergeTree` with `FINAL` for the detections and facts. It replaces rows by sorting key,
//! but a new analysis may find fewer detections than the old one (the old rows would stay), and `FINAL` merges at
//! read time on every report. `session_analysis` is a `ReplacingMergeTree(analysis_id)` only so merges drop
//! superseded rows; no query relies on a merge having happened. Superseded detections and facts stay until
//! retention deletes their session: sessions are analysed again only when they grow after a quiet time, so they
//! are few, and deleting them would take a mutation per pass (18.16 has no lightweight deletes).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{LazyLock, Mutex};

use serde::{Deserialize, Serialize};
use sightline_insight::detect::Detection;
use sightline_insight::page_facts::PageviewFacts;
use sightline_model::EventRow;

use super::ClickHouseEventStore;
use super::http::quote;
use crate::{AnalyzedSession, Result, SessionVersion, StoredDetection};

/// Longest list of session keys one query names (it names it up to three times): ClickHouse parses at most
/// `max_query_size` bytes of a query, 256 KiB by default.
const MAX_KEY_LIST_BYTES: usize = 48 * 1024;

/// The condition selecting the rows of the current analysis of each session of `site_id`, in a query over one
/// of the analysis tables (they all have `session` and `analysis_id`).
pub(super) fn current_analysis(site_id: i64) -> String {
    format!(
        "(session, analysis_id) IN (SELECT session, max(analysis_id) FROM session_analysis
                                    WHERE site_id = {site_id} GROUP BY session)"
    )
}

/// The sessions of `site_id` with a current detection of `kind` (on `page` and `element` when given): the
/// frustration filter of reports on sessions that started at or after `from` (whose detections are no older).
pub(super) fn sessions_with_detection(
    site_id: i64,
    from: i64,
    kind: &str,
    page: Option<&str>,
    element: Option<&str>,
) -> String {
    let mut sql = format!(
        "SELECT session FROM detections WHERE site_id = {site_id} AND ts >= {from} AND kind = {}",
        quote(kind)
    );
    for (column, value) in [("page_group", page), ("element", element)] {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {column} = {}", quote(value)));
        }
    }
    sql.push_str(&format!(" AND {}", current_analysis(site_id)));
    sql
}

/// The newest analysis id handed out in this process.
static LAST_ANALYSIS_ID: AtomicI64 = AtomicI64::new(0);

/// An id larger than `stored` (the largest stored for the sessions analysed), than the last one handed out, and
/// at least the current time in ns.
fn next_analysis_id(stored: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    let floor = now.max(stored.saturating_add(1));
    let previous = LAST_ANALYSIS_ID
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(floor.max(last.saturating_add(1)))
        })
        .unwrap_or_else(|last| last);
    floor.max(previous.saturating_add(1))
}

/// `(site_id, session)` keys of `sessions`, sorted and distinct, as `IN` lists of at most
/// [`MAX_KEY_LIST_BYTES`] each, with the sites each list names.
fn key_lists<'a>(sessions: impl Iterator<Item = (i64, &'a str)>) -> Vec<(String, String)> {
    let mut keys: Vec<(i64, &str)> = sessions.collect();
    keys.sort_unstable();
    keys.dedup();
    let mut lists: Vec<(String, Vec<i64>)> = Vec::new();
    for (site_id, session) in keys {
        let key = format!("({site_id}, {})", quote(session));
        match lists.last_mut() {
            Some((list, sites)) if list.len() + key.len() + 2 <= MAX_KEY_LIST_BYTES => {
                list.push_str(", ");
                list.push_str(&key);
                if sites.last() != Some(&site_id) {
                    sites.push(site_id);
                }
            }
            _ => lists.push((key, vec![site_id])),
        }
    }
    lists
        .into_iter()
        .map(|(list, sites)| {
            let sites = sites
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            (list, sites)
        })
        .collect()
}

pub(super) fn changed_sessions(
    store: &ClickHouseEventStore,
    since: i64,
    until: i64,
    limit: usize,
) -> Result<Vec<SessionVersion>> {
    #[derive(Deserialize)]
    struct Changed {
        site_id: i64,
        session: String,
        version: i64,
    }
    // A session's newest part is newer than `since` only if one of its parts is: the parts before the cursor
    // need not be read. Aliases differ from the columns (ClickHouse would read `received_at` as the alias).
    let recent = format!("session_parts WHERE received_at > {since}");
    let rows: Vec<Changed> = store.select(&format!(
        "SELECT site_id, session, version FROM (
             SELECT site_id, session, max(received_at) AS version FROM {recent}
             GROUP BY site_id, session HAVING version <= {until})
         ANY LEFT JOIN (
             SELECT site_id, session, argMax(received_at, analysis_id) AS analysed_version,
                    toUInt8(1) AS analysed
             FROM session_analysis
             WHERE (site_id, session) IN (SELECT site_id, session FROM {recent})
             GROUP BY site_id, session) USING (site_id, session)
         WHERE analysed = 0 OR analysed_version < version
         ORDER BY version, site_id, session LIMIT {limit}"
    ))?;
    Ok(rows
        .into_iter()
        .map(|r| SessionVersion {
            site_id: r.site_id,
            session: r.session,
            received_at: r.version,
        })
        .collect())
}

/// An event as the detectors read it.
#[derive(Deserialize)]
struct AnalysisEvent {
    site_id: i64,
    session: String,
    ts: i64,
    pageview: String,
    event_type: String,
    path: Option<String>,
    page_group: Option<String>,
    device: String,
    channel: Option<String>,
    selector: Option<String>,
    tag: Option<String>,
    x: Option<f64>,
    y: Option<f64>,
    scroll_pct: Option<f64>,
    value: Option<f64>,
    name: Option<String>,
    props: Option<String>,
    error_fingerprint: Option<String>,
    interactive: Option<u8>,
    changed: Option<u8>,
    revenue: Option<f64>,
    viewport_h: Option<i32>,
    rel_x: Option<f64>,
    rel_y: Option<f64>,
}

pub(super) fn analysis_events(
    store: &ClickHouseEventStore,
    sessions: &[SessionVersion],
) -> Result<Vec<EventRow>> {
    let mut rows = Vec::new();
    // Key lists in key order, each answered in key order: the whole answer is grouped by session.
    for (keys, sites) in key_lists(sessions.iter().map(|s| (s.site_id, s.session.as_str()))) {
        let parts =
            format!("session_parts WHERE site_id IN ({sites}) AND (site_id, session) IN ({keys})");
        // The sessions' span bounds the scan to the days they lie in (the events' sorting key has the day).
        let events: Vec<AnalysisEvent> = store.select(&format!(
            "SELECT site_id, session, ts, pageview, type AS event_type, path, page_group, device, channel,
                    selector, tag, x, y, scroll_pct, value, name, props, error_fingerprint, interactive, changed,
                    revenue, viewport_h, rel_x, rel_y
             FROM events
             WHERE site_id IN ({sites}) AND (site_id, session) IN ({keys})
               AND ts >= (SELECT min(started) FROM {parts}) AND ts <= (SELECT max(ended) FROM {parts})
             ORDER BY site_id, session, ts"
        ))?;
        rows.extend(events.into_iter().map(|e| EventRow {
            site_id: e.site_id,
            session: e.session,
            ts: e.ts,
            pageview: e.pageview,
            event_type: intern(e.event_type),
            path: e.path,
            page_group: e.page_group,
            device: intern(e.device),
            channel: e.channel.map(intern),
            selector: e.selector,
            tag: e.tag,
            x: e.x,
            y: e.y,
            scroll_pct: e.scroll_pct,
            value: e.value,
            name: e.name,
            props: e.props,
            error_fingerprint: e.error_fingerprint,
            interactive: e.interactive.map(|b| b != 0),
            changed: e.changed.map(|b| b != 0),
            revenue: e.revenue,
            viewport_h: e.viewport_h,
            rel_x: e.rel_x,
            rel_y: e.rel_y,
            ..EventRow::default()
        }));
    }
    Ok(rows)
}

static INTERNED: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Default::default);

/// The `'static` copy of a stored event type, device class or channel ([`EventRow`] keeps them so): values our
/// own code wrote, a few dozen distinct ones, each leaked once for the life of the process.
fn intern(value: String) -> &'static str {
    let mut interned = INTERNED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(known) = interned.get(value.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(value.into_boxed_str());
    interned.insert(leaked);
    leaked
}

pub(super) fn store_analyses(
    store: &ClickHouseEventStore,
    analyses: &[AnalyzedSession],
) -> Result<()> {
    if analyses.is_empty() {
        return Ok(());
    }
    #[derive(Deserialize)]
    struct Newest {
        newest: i64,
    }
    let mut stored = 0;
    for (keys, sites) in key_lists(
        analyses
            .iter()
            .map(|a| (a.version.site_id, a.version.session.as_str())),
    ) {
        let newest: Vec<Newest> = store.select(&format!(
            "SELECT max(analysis_id) AS newest FROM session_analysis
             WHERE site_id IN ({sites}) AND (site_id, session) IN ({keys})"
        ))?;
        stored = newest.iter().map(|n| n.newest).fold(stored, i64::max);
    }
    let id = next_analysis_id(stored);
    store.insert("detections", &detection_lines(analyses, id)?)?;
    store.insert("pageview_facts", &pageview_lines(analyses, id)?)?;
    store.insert("element_facts", &element_lines(analyses, id)?)?;
    // Last: these rows make the others current.
    store.insert("session_analysis", &analysis_lines(analyses, id)?)
}

/// JSONEachRow lines of `rows`.
fn lines<T: Serialize>(rows: impl Iterator<Item = T>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut out, &row)
            .map_err(|e| crate::StoreError::Invalid(format!("an analysis row as JSON: {e}")))?;
        out.push(b'\n');
    }
    Ok(out)
}

#[derive(Serialize)]
struct AnalysisLine<'a> {
    site_id: i64,
    session: &'a str,
    analysis_id: i64,
    received_at: i64,
    friction: f64,
    page_groups: &'a [String],
}

fn analysis_lines(analyses: &[AnalyzedSession], id: i64) -> Result<Vec<u8>> {
    lines(analyses.iter().map(|a| AnalysisLine {
        site_id: a.version.site_id,
        session: &a.version.session,
        analysis_id: id,
        received_at: a.version.received_at,
        friction: a.friction,
        page_groups: &a.page_groups,
    }))
}

#[derive(Serialize)]
struct DetectionLine<'a> {
    site_id: i64,
    session: &'a str,
    analysis_id: i64,
    kind: &'static str,
    ts: i64,
    pageview: &'a str,
    path: Option<&'a str>,
    page_group: Option<&'a str>,
    element: Option<&'a str>,
    value: f64,
    evidence: String,
    counted: u8,
    last_ts: Option<i64>,
}

fn detection_lines(analyses: &[AnalyzedSession], id: i64) -> Result<Vec<u8>> {
    let rows: Vec<(&AnalyzedSession, &Detection)> = analyses
        .iter()
        .flat_map(|a| a.detections.iter().map(move |d| (a, d)))
        .collect();
    // Per session and problem: its first detection counts the session, with the problem's last time in it.
    let mut problems: HashMap<_, (usize, i64)> = HashMap::new();
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
    lines(
        rows.iter()
            .zip(counted)
            .map(|((a, d), last_ts)| DetectionLine {
                site_id: a.version.site_id,
                session: &a.version.session,
                analysis_id: id,
                kind: d.kind.as_str(),
                ts: d.ts,
                pageview: &d.pageview,
                path: d.path.as_deref(),
                page_group: d.page_group.as_deref(),
                element: d.element.as_deref(),
                value: d.value,
                evidence: serde_json::to_string(&d.evidence).unwrap_or_else(|_| "[]".into()),
                counted: u8::from(last_ts.is_some()),
                last_ts,
            }),
    )
}

/// `(a, b, n)` cells as the three parallel arrays the tables hold.
fn cell_arrays(cells: &[(f64, f64, u32)]) -> (Vec<f64>, Vec<f64>, Vec<u32>) {
    let mut arrays = (
        Vec::with_capacity(cells.len()),
        Vec::with_capacity(cells.len()),
        Vec::with_capacity(cells.len()),
    );
    for &(a, b, n) in cells {
        arrays.0.push(a);
        arrays.1.push(b);
        arrays.2.push(n);
    }
    arrays
}

#[derive(Serialize)]
struct PageviewLine<'a> {
    site_id: i64,
    session: &'a str,
    analysis_id: i64,
    pageview: &'a str,
    started: i64,
    ended: i64,
    path: Option<&'a str>,
    page_group: Option<&'a str>,
    device: &'static str,
    viewport_h: Option<f64>,
    doc_h: Option<f64>,
    depth_pct: f64,
    attention_ms: &'a [f64],
    moves_x: Vec<f64>,
    moves_y: Vec<f64>,
    moves_n: Vec<u32>,
}

fn pageview_lines(analyses: &[AnalyzedSession], id: i64) -> Result<Vec<u8>> {
    lines(analyses.iter().flat_map(|a| {
        a.facts.pageviews.iter().map(move |p| {
            let (moves_x, moves_y, moves_n) = cell_arrays(&p.moves);
            PageviewLine {
                site_id: a.version.site_id,
                session: &a.version.session,
                analysis_id: id,
                pageview: &p.pageview,
                started: p.started,
                ended: p.ended,
                path: p.path.as_deref(),
                page_group: p.page_group.as_deref(),
                device: p.device,
                viewport_h: p.viewport_h,
                doc_h: p.doc_h,
                depth_pct: p.depth_pct,
                attention_ms: &p.attention_ms,
                moves_x,
                moves_y,
                moves_n,
            }
        })
    }))
}

#[derive(Serialize)]
struct ElementLine<'a> {
    site_id: i64,
    session: &'a str,
    analysis_id: i64,
    pageview: &'a str,
    started: i64,
    path: Option<&'a str>,
    page_group: Option<&'a str>,
    device: &'static str,
    selector: &'a str,
    exposure_ms: Option<f64>,
    clicks: u32,
    before_click_ms: Option<f64>,
    hovers: u32,
    hover_ms: f64,
    hesitation_ms: Option<f64>,
    click_rx: Vec<f64>,
    click_ry: Vec<f64>,
    click_n: Vec<u32>,
    group_first: u8,
    group_clicked: u8,
    group_exposed: u8,
    path_first: u8,
    path_clicked: u8,
    path_exposed: u8,
    session_converted: u8,
    session_revenue: f64,
    rage_clicks: u32,
    dead_clicks: u32,
    error_clicks: u32,
}

fn element_lines(analyses: &[AnalyzedSession], id: i64) -> Result<Vec<u8>> {
    lines(analyses.iter().flat_map(|a| {
        let pageviews: HashMap<&str, &PageviewFacts> = a
            .facts
            .pageviews
            .iter()
            .map(|p| (p.pageview.as_str(), p))
            .collect();
        // An element's page columns are its pageview's (one without pageview facts has no page to report on).
        a.facts.elements.iter().filter_map(move |e| {
            let p = pageviews.get(e.pageview.as_str())?;
            let (click_rx, click_ry, click_n) = cell_arrays(&e.click_cells);
            Some(ElementLine {
                site_id: a.version.site_id,
                session: &a.version.session,
                analysis_id: id,
                pageview: &e.pageview,
                started: p.started,
                path: p.path.as_deref(),
                page_group: p.page_group.as_deref(),
                device: p.device,
                selector: &e.selector,
                exposure_ms: e.exposure_ms,
                clicks: e.clicks,
                before_click_ms: e.before_click_ms,
                hovers: e.hovers,
                hover_ms: e.hover_ms,
                hesitation_ms: e.hesitation_ms,
                click_rx,
                click_ry,
                click_n,
                group_first: u8::from(e.in_group.first),
                group_clicked: u8::from(e.in_group.clicked),
                group_exposed: u8::from(e.in_group.exposed),
                path_first: u8::from(e.in_path.first),
                path_clicked: u8::from(e.in_path.clicked),
                path_exposed: u8::from(e.in_path.exposed),
                session_converted: u8::from(a.facts.converted),
                session_revenue: a.facts.revenue,
                rage_clicks: e.problems.rage,
                dead_clicks: e.problems.dead,
                error_clicks: e.problems.error,
            })
        })
    }))
}

pub(super) fn session_detections(
    store: &ClickHouseEventStore,
    site_id: i64,
    session: &str,
) -> Result<Vec<StoredDetection>> {
    #[derive(Deserialize)]
    struct DetectionOut {
        kind: String,
        ts: i64,
        pageview: String,
        path: Option<String>,
        page_group: Option<String>,
        element: Option<String>,
        value: f64,
        evidence: String,
    }
    let session = quote(session);
    // No analysis: the newest id is 0, which no row has.
    let rows: Vec<DetectionOut> = store.select(&format!(
        "SELECT kind, ts, pageview, path, page_group, element, value, evidence FROM detections
         WHERE site_id = {site_id} AND session = {session}
           AND analysis_id = (SELECT max(analysis_id) FROM session_analysis
                              WHERE site_id = {site_id} AND session = {session})
         ORDER BY ts, kind, element"
    ))?;
    Ok(rows
        .into_iter()
        .map(|r| StoredDetection {
            kind: r.kind,
            ts: r.ts,
            pageview: r.pageview,
            path: r.path,
            page_group: r.page_group,
            element: r.element,
            value: r.value,
            evidence: serde_json::from_str(&r.evidence).unwrap_or(serde_json::Value::Null),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lists_are_sorted_distinct_and_bounded() {
        let long = "s".repeat(MAX_KEY_LIST_BYTES - 20);
        let keys = [(2, "b"), (1, long.as_str()), (2, "b"), (1, "a")];
        let lists = key_lists(keys.into_iter());
        assert_eq!(lists.len(), 2);
        assert!(lists.iter().all(|(l, _)| l.len() <= MAX_KEY_LIST_BYTES));
        assert_eq!(lists[0].0, format!("(1, 'a'), (1, '{long}')"));
        assert_eq!(lists[0].1, "1");
        assert_eq!(lists[1], ("(2, 'b')".to_string(), "2".to_string()));
    }

    #[test]
    fn analysis_ids_grow_past_the_stored_ones() {
        let first = next_analysis_id(0);
        assert!(next_analysis_id(0) > first);
        assert!(next_analysis_id(i64::MAX - 5) >= i64::MAX - 4);
    }
}

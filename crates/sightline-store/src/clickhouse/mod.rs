//! Events on ClickHouse, through its HTTP interface (JSONEachRow). The schema is the embedded store's in
//! ClickHouse form (`migrations/clickhouse/`); SQL that runs on Debian's 18.16 and on current releases.
//!
//! ClickHouse has no multi-statement transactions, so a commit keeps the store contract by order: the rows,
//! replay chunks and session parts first, the batch keys last. A key found therefore means its rows are stored,
//! and the batch writer skips such a batch when it writes records again after a crash (see `EventStore::commit`).
//!
//! Every `EventStore` method is here and the whole conformance suite passes on ClickHouse 18.16
//! (`tests/clickhouse*.rs`): the module of each part says how it differs from the embedded store's SQL (parts of
//! a session merged on read, analyses versioned instead of replaced, deletions as awaited mutations).

mod analysis;
mod deletion;
mod experience;
mod heatmap;
mod http;
mod journeys;
mod overview;
mod problems;
mod report;
mod rows;
mod segment;
mod sessions;

use serde::Deserialize;
use sightline_model::SessionRow;

pub use http::ClickHouseOptions;
use http::{Http, quote};
use rows::{SESSION_PART_COLUMNS, SessionPart};

use crate::{
    BatchKey, Deleted, EventStore, FunnelQuery, FunnelUnit, Heatmap, HeatmapKind, IssueGroup,
    Overview, OverviewQuery, PageQuery, PageSnapshotRef, PathQuery, PathReport, PathSelection,
    ProblemCounts, ProblemQuery, ReplayChunk, Result, RetentionQuery, RetentionReport, SeriesPoint,
    SessionPage, SessionQuery, SessionSpan, SessionSummary, SessionVersion, StoreError,
    StoredCount, StoredDetection, StoredEvent, VitalStats, WriteBatch, ZoneSession, ZoneStats,
};

/// Versioned schema migrations, applied in order once each. A file holds statements separated by `;` at the
/// end of a line (the HTTP interface takes one statement per request).
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../migrations/clickhouse/0001_events.sql"),
    ),
    (
        3,
        include_str!("../../migrations/clickhouse/0003_analysis.sql"),
    ),
];

/// Keys asked at once by `stored_batches`.
const STORED_LOOKUP_KEYS: usize = 1_000;

pub struct ClickHouseEventStore {
    http: Http,
    database: String,
}

/// `'a', 'b'` for an `IN (...)` list.
fn text_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| quote(v))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ClickHouseEventStore {
    /// Connects, creates the database if needed and applies the migrations it lacks.
    pub fn open(options: &ClickHouseOptions) -> Result<Self> {
        let valid_name = !options.database.is_empty()
            && options
                .database
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid_name {
            return Err(StoreError::Invalid(format!(
                "ClickHouse database name {:?}: letters, digits and _ only",
                options.database
            )));
        }
        let store = Self {
            http: Http::new(options)?,
            database: options.database.clone(),
        };
        store.http.ping()?;
        store.http.execute(
            None,
            &format!("CREATE DATABASE IF NOT EXISTS {}", store.database),
        )?;
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> Result<()> {
        let db = Some(self.database.as_str());
        self.http.execute(
            db,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version Int64, applied_at Int64)
             ENGINE = MergeTree() ORDER BY version",
        )?;
        #[derive(Deserialize)]
        struct Version {
            version: i64,
        }
        let applied: Vec<Version> = self
            .http
            .select(&self.database, "SELECT version FROM schema_migrations")?;
        for (version, sql) in MIGRATIONS {
            if applied.iter().any(|a| a.version == *version) {
                continue;
            }
            // Every statement is `IF NOT EXISTS`, so a migration cut short by a crash is simply applied again.
            for statement in sql.split(";\n").map(str::trim).filter(|s| {
                s.lines()
                    .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
            }) {
                self.http.execute(db, statement)?;
            }
            self.http.execute(
                db,
                &format!(
                    "INSERT INTO schema_migrations VALUES ({version}, {})",
                    sightline_model::now_ms()
                ),
            )?;
        }
        Ok(())
    }

    /// Drops the database (tests start each from a fresh one).
    pub fn drop_database(&self) -> Result<()> {
        self.http
            .execute(None, &format!("DROP DATABASE IF EXISTS {}", self.database))
    }

    fn insert(&self, table: &str, rows: &[u8]) -> Result<()> {
        self.http.insert(&self.database, table, rows)
    }

    fn select<T: serde::de::DeserializeOwned>(&self, sql: &str) -> Result<Vec<T>> {
        self.http.select(&self.database, sql)
    }

    fn count(&self, sql: &str) -> Result<u64> {
        #[derive(Deserialize)]
        struct Count {
            n: u64,
        }
        Ok(self.select::<Count>(sql)?.first().map_or(0, |c| c.n))
    }
}

/// An event as selected, before its text columns become the API's types.
#[derive(Deserialize)]
struct EventOut {
    ts: i64,
    #[serde(rename = "type")]
    event_type: String,
    pageview: String,
    visitor: String,
    user_id: Option<String>,
    path: Option<String>,
    page_group: Option<String>,
    referrer: Option<String>,
    channel: Option<String>,
    utm_source: Option<String>,
    utm_medium: Option<String>,
    utm_campaign: Option<String>,
    device: String,
    browser: String,
    os: String,
    viewport_w: Option<i32>,
    viewport_h: Option<i32>,
    selector: Option<String>,
    tag: Option<String>,
    text: Option<String>,
    x: Option<f64>,
    y: Option<f64>,
    rel_x: Option<f64>,
    rel_y: Option<f64>,
    scroll_pct: Option<f64>,
    value: Option<f64>,
    name: Option<String>,
    props: Option<String>,
    revenue: Option<f64>,
    error_fingerprint: Option<String>,
    interactive: Option<u8>,
    changed: Option<u8>,
}

impl From<EventOut> for StoredEvent {
    fn from(e: EventOut) -> Self {
        StoredEvent {
            ts: e.ts,
            event_type: e.event_type,
            pageview: e.pageview,
            visitor: e.visitor,
            user_id: e.user_id,
            path: e.path,
            page_group: e.page_group,
            referrer: e.referrer,
            channel: e.channel,
            utm_source: e.utm_source,
            utm_medium: e.utm_medium,
            utm_campaign: e.utm_campaign,
            device: e.device,
            browser: e.browser,
            os: e.os,
            viewport_w: e.viewport_w,
            viewport_h: e.viewport_h,
            selector: e.selector,
            tag: e.tag,
            text: e.text,
            x: e.x,
            y: e.y,
            rel_x: e.rel_x,
            rel_y: e.rel_y,
            scroll_pct: e.scroll_pct,
            value: e.value,
            name: e.name,
            props: e.props.and_then(|p| serde_json::from_str(&p).ok()),
            revenue: e.revenue,
            error_fingerprint: e.error_fingerprint,
            interactive: e.interactive.map(|b| b != 0),
            changed: e.changed.map(|b| b != 0),
        }
    }
}

#[derive(Deserialize)]
struct KeyOut {
    site_id: i64,
    sid: String,
    seq: u64,
    received_at: i64,
}

impl From<KeyOut> for BatchKey {
    fn from(k: KeyOut) -> Self {
        BatchKey {
            site_id: k.site_id,
            sid: k.sid,
            seq: k.seq,
            received_at: k.received_at,
        }
    }
}

#[derive(Deserialize)]
struct ChunkOut {
    site_id: i64,
    session: String,
    pageview: String,
    chunk: u32,
    first_ts: i64,
    last_ts: i64,
    events: u32,
    bytes: u64,
    raw_bytes: u64,
    blob_key: String,
    received_at: i64,
}

const CHUNK_COLUMNS: &str = "site_id, session, pageview, chunk, first_ts, last_ts, events, bytes, raw_bytes, blob_key, received_at";

impl EventStore for ClickHouseEventStore {
    fn commit(&self, batch: &WriteBatch) -> Result<()> {
        if let Some(rows) = batch.rows.record_batch() {
            self.insert("events", &rows::event_lines(rows)?)?;
        }
        self.insert("replay_chunks", &rows::chunk_lines(&batch.replay_chunks))?;
        self.insert("session_parts", &rows::session_lines(&batch.sessions))?;
        // Last: a stored key must mean stored rows.
        self.insert(
            "ingested_batches",
            &rows::batch_key_lines(&batch.batch_keys),
        )
    }

    fn stored_batches(&self, keys: &[BatchKey], window_ms: i64) -> Result<Vec<bool>> {
        let mut stored: std::collections::HashMap<(i64, &str, u64), Vec<i64>> =
            std::collections::HashMap::new();
        let mut found = Vec::new();
        // By the table's key (site, sid, seq): an index lookup however long the keys are kept.
        for chunk in keys.chunks(STORED_LOOKUP_KEYS) {
            let tuples = chunk
                .iter()
                .map(|k| format!("({}, {}, {})", k.site_id, quote(&k.sid), k.seq))
                .collect::<Vec<_>>()
                .join(", ");
            found.extend(self.select::<KeyOut>(&format!(
                "SELECT site_id, sid, seq, received_at FROM ingested_batches WHERE (site_id, sid, seq) IN ({tuples})"
            ))?);
        }
        for k in &found {
            stored
                .entry((k.site_id, k.sid.as_str(), k.seq))
                .or_default()
                .push(k.received_at);
        }
        Ok(keys
            .iter()
            .map(|k| {
                stored
                    .get(&(k.site_id, k.sid.as_str(), k.seq))
                    .is_some_and(|times| {
                        times.iter().any(|t| (t - k.received_at).abs() <= window_ms)
                    })
            })
            .collect())
    }

    fn health(&self) -> Result<()> {
        self.http.ping()
    }

    fn recent_batch_keys(&self, since_ms: i64, limit: usize) -> Result<Vec<BatchKey>> {
        let mut keys: Vec<BatchKey> = self
            .select::<KeyOut>(&format!(
                "SELECT site_id, sid, seq, received_at FROM ingested_batches WHERE received_at >= {since_ms}
                 ORDER BY received_at DESC LIMIT {limit}"
            ))?
            .into_iter()
            .map(BatchKey::from)
            .collect();
        keys.reverse();
        Ok(keys)
    }

    fn batch_stored(
        &self,
        key: &BatchKey,
        received: std::ops::RangeInclusive<i64>,
    ) -> Result<bool> {
        Ok(self.count(&format!(
            "SELECT count() AS n FROM ingested_batches WHERE received_at BETWEEN {} AND {}
             AND site_id = {} AND sid = {} AND seq = {}",
            received.start(),
            received.end(),
            key.site_id,
            quote(&key.sid),
            key.seq
        ))? > 0)
    }

    fn delete_batch_keys_before(&self, before_ms: i64) -> Result<u64> {
        let n = self.count(&format!(
            "SELECT count() AS n FROM ingested_batches WHERE received_at < {before_ms}"
        ))?;
        if n > 0 {
            // Waited for: the keys must be gone when this returns.
            deletion::mutate(
                self,
                "ingested_batches",
                &format!("DELETE WHERE received_at < {before_ms}"),
            )?;
        }
        Ok(n)
    }

    fn session_spans(
        &self,
        site_id: i64,
        sids: &[String],
        from: i64,
        to: i64,
    ) -> Result<Vec<SessionSpan>> {
        if sids.is_empty() {
            return Ok(Vec::new());
        }
        #[derive(Deserialize)]
        struct SpanOut {
            session: String,
            started: i64,
            ended: i64,
            visitor: String,
        }
        let list = text_list(sids);
        let spans: Vec<SpanOut> = self.select(&format!(
            // Aliases differ from the columns: ClickHouse would read `started` in argMin as the alias.
            "SELECT session, first AS started, last AS ended, first_visitor AS visitor FROM (
                 SELECT session, min(started) AS first, max(ended) AS last,
                        argMin(visitor, started) AS first_visitor
                 FROM session_parts
                 WHERE site_id = {site_id} AND (session IN ({list}) OR splitByChar('.', session)[1] IN ({list}))
                 GROUP BY session)
             WHERE session IN ({list}) OR (last >= {from} AND first <= {to})"
        ))?;
        Ok(spans
            .into_iter()
            .map(|s| SessionSpan {
                session: s.session,
                started: s.started,
                ended: s.ended,
                visitor: s.visitor,
            })
            .collect())
    }

    fn count_events(&self, site_id: i64) -> Result<u64> {
        self.count(&format!(
            "SELECT count() AS n FROM events WHERE site_id = {site_id}"
        ))
    }

    fn overview(&self, site_id: i64, query: &OverviewQuery) -> Result<Overview> {
        overview::overview(self, site_id, query)
    }

    fn session_events(
        &self,
        site_id: i64,
        session: &str,
        limit: usize,
    ) -> Result<Vec<StoredEvent>> {
        let events: Vec<EventOut> = self.select(&format!(
            "SELECT ts, type, pageview, visitor, user_id, path, page_group, referrer, channel, utm_source, utm_medium,
                    utm_campaign, device, browser, os, viewport_w, viewport_h, selector, tag, text, x, y, rel_x, rel_y,
                    scroll_pct, value, name, props, revenue, error_fingerprint, interactive, changed
             FROM events WHERE site_id = {site_id} AND session = {} ORDER BY ts LIMIT {limit}",
            quote(session)
        ))?;
        Ok(events.into_iter().map(StoredEvent::from).collect())
    }

    fn sessions(&self, site_id: i64, query: &SessionQuery) -> Result<SessionPage> {
        sessions::list(self, site_id, query)
    }

    fn replay_chunks(&self, site_id: i64, session: &str) -> Result<Vec<ReplayChunk>> {
        // Pageviews in the order they started, chunks in sequence within each.
        let chunks: Vec<ChunkOut> = self.select(&format!(
            "SELECT {CHUNK_COLUMNS} FROM replay_chunks
             ANY INNER JOIN (SELECT pageview, min(first_ts) AS pageview_start FROM replay_chunks
                             WHERE site_id = {site_id} AND session = {s} AND snapshot = 0 GROUP BY pageview)
             USING pageview
             WHERE site_id = {site_id} AND session = {s} AND snapshot = 0
             ORDER BY pageview_start, pageview, chunk",
            s = quote(session)
        ))?;
        Ok(chunks
            .into_iter()
            .map(|c| ReplayChunk {
                site_id: c.site_id,
                session: c.session,
                pageview: c.pageview,
                chunk: c.chunk,
                first_ts: c.first_ts,
                last_ts: c.last_ts,
                events: c.events,
                bytes: c.bytes,
                raw_bytes: c.raw_bytes,
                blob_key: c.blob_key,
                received_at: c.received_at,
                snapshot: false,
            })
            .collect())
    }

    fn replay_bytes(&self, site_id: i64) -> Result<u64> {
        self.count(&format!(
            "SELECT toUInt64(sum(bytes)) AS n FROM replay_chunks WHERE site_id = {site_id}"
        ))
    }

    fn delete_before(&self, site_id: i64, before_ms: i64) -> Result<Deleted> {
        deletion::delete_before(self, site_id, before_ms)
    }

    fn count_before(&self, site_id: i64, before_ms: i64) -> Result<StoredCount> {
        deletion::count_before(self, site_id, before_ms)
    }

    fn delete_visitor(&self, site_id: i64, visitor: &str) -> Result<Deleted> {
        deletion::delete_visitor(self, site_id, visitor)
    }

    fn overview_series(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<SeriesPoint>> {
        overview::series(self, site_id, query)
    }

    fn changed_sessions(
        &self,
        since: i64,
        until: i64,
        limit: usize,
    ) -> Result<Vec<SessionVersion>> {
        analysis::changed_sessions(self, since, until, limit)
    }

    fn analysis_events(
        &self,
        sessions: &[SessionVersion],
    ) -> Result<Vec<sightline_model::EventRow>> {
        analysis::analysis_events(self, sessions)
    }

    fn store_analyses(&self, analyses: &[crate::AnalyzedSession]) -> Result<()> {
        analysis::store_analyses(self, analyses)
    }

    fn session_row(&self, site_id: i64, session: &str) -> Result<Option<SessionRow>> {
        let parts: Vec<SessionPart> = self.select(&format!(
            "SELECT {SESSION_PART_COLUMNS} FROM session_parts WHERE site_id = {site_id} AND session = {}",
            quote(session)
        ))?;
        let mut merged: Option<SessionRow> = None;
        for part in parts {
            let part = part.into_row()?;
            match &mut merged {
                None => merged = Some(part),
                Some(row) => sightline_insight::session::merge(row, &part),
            }
        }
        Ok(merged)
    }

    fn session_detections(&self, site_id: i64, session: &str) -> Result<Vec<StoredDetection>> {
        analysis::session_detections(self, site_id, session)
    }

    fn problem_counts(&self, site_id: i64, query: &ProblemQuery) -> Result<Vec<ProblemCounts>> {
        problems::problem_counts(self, site_id, query)
    }

    fn error_groups(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<IssueGroup>> {
        experience::error_groups(self, site_id, query)
    }

    fn failed_requests(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<IssueGroup>> {
        experience::failed_requests(self, site_id, query)
    }

    fn vitals(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<VitalStats>> {
        experience::vitals(self, site_id, query)
    }

    fn heatmap(&self, site_id: i64, query: &PageQuery, kind: HeatmapKind) -> Result<Heatmap> {
        heatmap::heatmap(self, site_id, query, kind)
    }

    fn zones(&self, site_id: i64, query: &PageQuery) -> Result<Vec<ZoneStats>> {
        heatmap::zones(self, site_id, query)
    }

    fn page_snapshot(&self, site_id: i64, query: &PageQuery) -> Result<Option<PageSnapshotRef>> {
        heatmap::page_snapshot(self, site_id, query)
    }

    fn zone_sessions(
        &self,
        site_id: i64,
        query: &PageQuery,
        selector: &str,
    ) -> Result<Vec<ZoneSession>> {
        heatmap::zone_sessions(self, site_id, query, selector)
    }

    fn session_summaries(&self, site_id: i64, sessions: &[String]) -> Result<Vec<SessionSummary>> {
        sessions::summaries(self, site_id, sessions)
    }

    fn paths(&self, site_id: i64, query: &PathQuery) -> Result<PathReport> {
        journeys::paths(self, site_id, query)
    }

    fn path_sessions(
        &self,
        site_id: i64,
        query: &PathQuery,
        at: &PathSelection,
        limit: usize,
    ) -> Result<(Vec<String>, u64)> {
        journeys::path_sessions(self, site_id, query, at, limit)
    }

    fn funnel_units(
        &self,
        site_id: i64,
        query: &FunnelQuery,
        each: &mut dyn FnMut(&FunnelUnit),
    ) -> Result<()> {
        journeys::funnel_units(self, site_id, query, each)
    }

    fn retention(
        &self,
        site_id: i64,
        query: &RetentionQuery,
        until: i64,
    ) -> Result<RetentionReport> {
        journeys::retention(self, site_id, query, until)
    }
}

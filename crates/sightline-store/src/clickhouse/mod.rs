//! Events on ClickHouse, through its HTTP interface (JSONEachRow). The schema is the embedded store's in
//! ClickHouse form (`migrations/clickhouse/`); SQL that runs on Debian's 18.16 and on current releases.
//!
//! ClickHouse has no multi-statement transactions, so a commit keeps the store contract by order: the rows,
//! replay chunks and session parts first, the batch keys last. A key found therefore means its rows are stored,
//! and the batch writer skips such a batch when it writes records again after a crash (see `EventStore::commit`).
//!
//! Work in progress: the ingest side (commit, batch keys, sessions as mergeable parts, a session's events and
//! replay index) and the overview are here and pass their parts of the conformance suite; the other reports
//! (sessions list, journeys, funnels, problems, heatmaps, retention cohorts), the analysis pass and
//! retention/visitor deletion answer [`StoreError::Invalid`] until they are written for ClickHouse. The config
//! cannot select this backend yet.

mod http;
mod overview;
mod report;
mod rows;

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
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    include_str!("../../migrations/clickhouse/0001_events.sql"),
)];

pub struct ClickHouseEventStore {
    http: Http,
    database: String,
}

fn not_yet(what: &str) -> StoreError {
    StoreError::Invalid(format!(
        "{what} is not available on the ClickHouse backend yet"
    ))
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

    fn stored_batches(&self, keys: &[BatchKey]) -> Result<Vec<bool>> {
        let (Some(first), Some(last)) = (
            keys.iter().map(|k| k.received_at).min(),
            keys.iter().map(|k| k.received_at).max(),
        ) else {
            return Ok(Vec::new());
        };
        let found: Vec<KeyOut> = self.select(&format!(
            "SELECT site_id, sid, seq, received_at FROM ingested_batches WHERE received_at BETWEEN {first} AND {last}"
        ))?;
        let stored: std::collections::HashSet<BatchKey> =
            found.into_iter().map(BatchKey::from).collect();
        Ok(keys.iter().map(|k| stored.contains(k)).collect())
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
            self.http.execute(
                Some(&self.database),
                &format!("ALTER TABLE ingested_batches DELETE WHERE received_at < {before_ms}"),
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

    fn sessions(&self, _site_id: i64, _query: &SessionQuery) -> Result<SessionPage> {
        Err(not_yet("the sessions list"))
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

    fn delete_before(&self, _site_id: i64, _before_ms: i64) -> Result<Deleted> {
        Err(not_yet("retention"))
    }

    fn count_before(&self, _site_id: i64, _before_ms: i64) -> Result<StoredCount> {
        Err(not_yet("retention"))
    }

    fn delete_visitor(&self, _site_id: i64, _visitor: &str) -> Result<Deleted> {
        Err(not_yet("visitor deletion"))
    }

    fn overview_series(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<SeriesPoint>> {
        overview::series(self, site_id, query)
    }

    fn changed_sessions(
        &self,
        _since: i64,
        _until: i64,
        _limit: usize,
    ) -> Result<Vec<SessionVersion>> {
        Err(not_yet("the analysis pass"))
    }

    fn analysis_events(
        &self,
        _sessions: &[SessionVersion],
    ) -> Result<Vec<sightline_model::EventRow>> {
        Err(not_yet("the analysis pass"))
    }

    fn store_analyses(&self, _analyses: &[crate::AnalyzedSession]) -> Result<()> {
        Err(not_yet("the analysis pass"))
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

    fn session_detections(&self, _site_id: i64, _session: &str) -> Result<Vec<StoredDetection>> {
        Err(not_yet("detections"))
    }

    fn problem_counts(&self, _site_id: i64, _query: &ProblemQuery) -> Result<Vec<ProblemCounts>> {
        Err(not_yet("the problems report"))
    }

    fn error_groups(&self, _site_id: i64, _query: &OverviewQuery) -> Result<Vec<IssueGroup>> {
        Err(not_yet("error groups"))
    }

    fn failed_requests(&self, _site_id: i64, _query: &OverviewQuery) -> Result<Vec<IssueGroup>> {
        Err(not_yet("failed requests"))
    }

    fn vitals(&self, _site_id: i64, _query: &OverviewQuery) -> Result<Vec<VitalStats>> {
        Err(not_yet("web vitals"))
    }

    fn heatmap(&self, _site_id: i64, _query: &PageQuery, _kind: HeatmapKind) -> Result<Heatmap> {
        Err(not_yet("heatmaps"))
    }

    fn zones(&self, _site_id: i64, _query: &PageQuery) -> Result<Vec<ZoneStats>> {
        Err(not_yet("zones"))
    }

    fn page_snapshot(&self, _site_id: i64, _query: &PageQuery) -> Result<Option<PageSnapshotRef>> {
        Err(not_yet("page snapshots"))
    }

    fn zone_sessions(
        &self,
        _site_id: i64,
        _query: &PageQuery,
        _selector: &str,
    ) -> Result<Vec<ZoneSession>> {
        Err(not_yet("zones"))
    }

    fn session_summaries(
        &self,
        _site_id: i64,
        _sessions: &[String],
    ) -> Result<Vec<SessionSummary>> {
        Err(not_yet("the sessions list"))
    }

    fn paths(&self, _site_id: i64, _query: &PathQuery) -> Result<PathReport> {
        Err(not_yet("journeys"))
    }

    fn path_sessions(
        &self,
        _site_id: i64,
        _query: &PathQuery,
        _at: &PathSelection,
        _limit: usize,
    ) -> Result<(Vec<String>, u64)> {
        Err(not_yet("journeys"))
    }

    fn funnel_units(
        &self,
        _site_id: i64,
        _query: &FunnelQuery,
        _each: &mut dyn FnMut(&FunnelUnit),
    ) -> Result<()> {
        Err(not_yet("funnels"))
    }

    fn retention(
        &self,
        _site_id: i64,
        _query: &RetentionQuery,
        _until: i64,
    ) -> Result<RetentionReport> {
        Err(not_yet("retention cohorts"))
    }
}

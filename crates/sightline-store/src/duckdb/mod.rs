//! Embedded event store on a DuckDB file. One writer connection (appender + transaction per write batch) and
//! a small pool of reader connections; DuckDB gives readers a consistent snapshot while the writer appends.

mod analysis;
mod error;
mod experience;
mod funnel;
mod heatmap;
mod interner;
mod journeys;
mod overview;
mod page_facts;
mod problems;
mod rebuild;
mod report;
mod retention;
mod segment;
mod session_rows;
mod sessions;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use duckdb::{Connection, params};
use sightline_model::EventRow;

use crate::{
    AnalyzedSession, BatchKey, Deleted, EventStore, IssueGroup, Overview, OverviewQuery,
    ProblemCounts, ProblemQuery, ReplayChunk, Result, SeriesPoint, SessionPage, SessionQuery,
    SessionSpan, SessionVersion, StoreError, StoredCount, StoredDetection, StoredEvent, VitalStats,
    WriteBatch,
};

/// Keys asked at once by `stored_batches` (five parameters each).
const STORED_LOOKUP_KEYS: usize = 500;

/// Versioned schema migrations, applied in order once each.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/duckdb/0001_events.sql")),
    (2, include_str!("../../migrations/duckdb/0002_replay.sql")),
    (
        3,
        include_str!("../../migrations/duckdb/0003_received_at.sql"),
    ),
    (4, include_str!("../../migrations/duckdb/0004_sessions.sql")),
    (
        5,
        include_str!("../../migrations/duckdb/0005_session_pages.sql"),
    ),
    (6, include_str!("../../migrations/duckdb/0006_analysis.sql")),
    (
        7,
        include_str!("../../migrations/duckdb/0007_page_snapshots.sql"),
    ),
    (
        8,
        include_str!("../../migrations/duckdb/0008_page_facts.sql"),
    ),
    (
        9,
        include_str!("../../migrations/duckdb/0009_element_click_problems.sql"),
    ),
    (
        10,
        include_str!("../../migrations/duckdb/0010_session_journey.sql"),
    ),
];

/// DuckDB's memory budget (buffer manager) and worker threads, for the whole database.
const MEMORY_LIMIT_MB: u32 = 192;
const THREADS: u32 = 2;
/// WAL size that triggers a checkpoint. Rows not yet checkpointed stay in memory (`IN_MEMORY_TABLE`), and a larger
/// one means more WAL to replay after a crash. 64 MB and 128 MB measure the same through the writer (~195 k
/// events/s, `sightline-bench --writer-events 4000000`); 64 MB keeps less in memory.
const CHECKPOINT_THRESHOLD_MB: u32 = 64;

/// Session ids per span lookup statement.
const SPAN_LOOKUP_SIDS: usize = 500;

/// Reader connections kept for reuse; more are cloned on demand and dropped when the pool is full.
const MAX_IDLE_READERS: usize = 4;

pub struct DuckDbEventStore {
    /// The database file (`None` in memory); [`Self::rewrite`] replaces it with a fresh copy.
    path: Option<PathBuf>,
    /// Held shared by every read and exclusively while the file is replaced.
    swap: RwLock<()>,
    /// `None` only if reopening after a rewrite failed: every call then errors.
    writer: Mutex<Option<Connection>>,
    readers: Mutex<Vec<Connection>>,
}

/// Beside the database: a rewrite in progress, and a visitor deletion whose rewrite has not finished.
const REWRITE_SUFFIX: &str = "rewrite";
const SCRUB_PENDING_SUFFIX: &str = "scrub-pending";

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

fn sync_parent(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

/// A SQL string literal.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl DuckDbEventStore {
    /// The spool position that releases before 0.2 kept in this file (`(segment, offset)`), for a spool that
    /// has not saved its own yet; `None` when there is none.
    pub fn legacy_ingest_position(&self) -> Result<Option<(u64, u64)>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT segment, \"offset\" FROM ingest_progress WHERE id = 1")?;
            let mut rows = stmt.query([])?;
            Ok(match rows.next()? {
                Some(row) => Some((row.get(0)?, row.get(1)?)),
                None => None,
            })
        })
    }

    /// Opens (creating if needed) the DuckDB file at `path` and migrates it. Finishes a visitor deletion
    /// whose rewrite was interrupted.
    pub fn open(path: &Path) -> Result<Self> {
        // A copy left by a crash mid-rewrite; the database itself is whole (the swap is a rename).
        remove_if_present(&sibling(path, REWRITE_SUFFIX))?;
        remove_if_present(&sibling(&sibling(path, REWRITE_SUFFIX), "wal"))?;
        let store = Self::from_connection(Connection::open(path)?, Some(path.to_path_buf()))?;
        if sibling(path, SCRUB_PENDING_SUFFIX).exists() {
            tracing::info!("finishing an interrupted visitor deletion: rewriting the event store");
            store.rewrite()?;
        }
        Ok(store)
    }

    /// A store in memory, for tests of code that needs one but not a file.
    pub fn open_in_memory() -> Result<Self> {
        Self::from_connection(Connection::open_in_memory()?, None)
    }

    fn from_connection(conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        configure(&conn)?;
        migrate(&conn)?;
        rebuild::finish_pending(&conn)?;
        Ok(Self {
            path,
            swap: RwLock::new(()),
            writer: Mutex::new(Some(conn)),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn with_writer<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let writer = lock(&self.writer);
        let conn = writer.as_ref().ok_or_else(closed)?;
        f(conn)
    }

    /// Runs `f` on a pooled reader connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let _shared = self.swap.read().unwrap_or_else(|p| p.into_inner());
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => self.with_writer(|w| Ok(w.try_clone()?))?,
        };
        let result = f(&conn);
        let mut readers = lock(&self.readers);
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        result
    }

    /// Replaces the database file with a fresh copy of its live rows. DuckDB keeps deleted rows (and their
    /// dictionary-compressed strings, in plain text) in the file after DELETE, CHECKPOINT and VACUUM, and
    /// freed blocks keep their old bytes; a copy holds none of that. Costs about one read and one write of
    /// the file, and as much free disk; reads and writes wait meanwhile. Crash-safe: the copy is complete
    /// and fsync'd before it is renamed over the original.
    pub fn rewrite(&self) -> Result<()> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let _exclusive = self.swap.write().unwrap_or_else(|p| p.into_inner());
        let mut writer = lock(&self.writer);
        let conn = writer.as_ref().ok_or_else(closed)?;
        let copy = sibling(&path, REWRITE_SUFFIX);
        remove_if_present(&copy)?;
        let catalog: String = conn.query_row("SELECT current_database()", [], |r| r.get(0))?;
        // The original must not need its WAL once the copy replaces it.
        conn.execute_batch("FORCE CHECKPOINT")?;
        let copied = conn.execute_batch(&format!(
            "ATTACH {} AS sightline_rewrite; COPY FROM DATABASE \"{}\" TO sightline_rewrite; CHECKPOINT sightline_rewrite; DETACH sightline_rewrite;",
            quoted(&copy.to_string_lossy()),
            catalog.replace('"', "\"\"")
        ));
        if let Err(e) = copied {
            let _ = conn.execute_batch("DETACH DATABASE IF EXISTS sightline_rewrite");
            let _ = remove_if_present(&copy);
            return Err(e.into());
        }
        std::fs::File::open(&copy)
            .and_then(|f| f.sync_all())
            .map_err(io_err(&copy))?;
        // Close the original (no reader is in flight: they hold `swap`), then swap the files.
        lock(&self.readers).clear();
        drop(writer.take());
        remove_if_present(&sibling(&path, "wal"))?;
        std::fs::rename(&copy, &path).map_err(io_err(&path))?;
        sync_parent(&path)?;
        let fresh = Connection::open(&path)?;
        configure(&fresh)?;
        *writer = Some(fresh);
        remove_if_present(&sibling(&path, SCRUB_PENDING_SUFFIX))?;
        tracing::info!(path = %path.display(), "rewrote the event store");
        Ok(())
    }
}

/// The strings of a `VARCHAR[]` value (nothing for NULL).
fn text_list(value: duckdb::types::ValueRef<'_>) -> Vec<String> {
    match value.to_owned() {
        duckdb::types::Value::List(items) => items
            .into_iter()
            .filter_map(|v| match v {
                duckdb::types::Value::Text(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn closed() -> StoreError {
    StoreError::Corrupt(
        "the event store could not be reopened after a rewrite; restart the server".into(),
    )
}

/// Bounded memory: the server must run a real site in 512 MB. DuckDB spills to disk beyond this.
fn configure(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!(
        "SET memory_limit = '{MEMORY_LIMIT_MB}MB'; SET threads = {THREADS}; SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD_MB}MB'; SET preserve_insertion_order = false;"
    ))?;
    Ok(())
}

/// A poisoned lock only means another thread panicked mid-call; the connection itself is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Applies the pending migrations; returns the version the store was at before.
fn migrate(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)",
    )?;
    let applied: i64 = conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
        in_transaction(conn, || {
            conn.execute_batch(sql)?;
            conn.execute(
                "INSERT INTO schema_migrations (version) VALUES (?)",
                params![version],
            )
        })?;
        tracing::info!(version, "applied events schema migration");
    }
    Ok(())
}

/// Appends a write's event columns (already in the table's column order) through Arrow.
fn append_rows(conn: &Connection, rows: &crate::EventColumns) -> duckdb::Result<()> {
    let Some(batch) = rows.record_batch() else {
        return Ok(());
    };
    let mut app = conn.appender("events")?;
    app.append_record_batch(batch.clone())?;
    app.flush()
}

fn append_replay_chunks(conn: &Connection, chunks: &[ReplayChunk]) -> duckdb::Result<()> {
    let mut app = conn.appender("replay_chunks")?;
    for c in chunks {
        app.append_row(params![
            c.site_id,
            c.session,
            c.pageview,
            c.chunk,
            c.first_ts,
            c.last_ts,
            c.events,
            c.bytes,
            c.raw_bytes,
            c.blob_key,
            c.received_at,
            c.snapshot
        ])?;
    }
    app.flush()
}

const CHUNK_COLUMNS: &str = "site_id, session, pageview, chunk, first_ts, last_ts, events, bytes, raw_bytes, blob_key, received_at, snapshot";

fn chunk_from_row(r: &duckdb::Row<'_>) -> duckdb::Result<ReplayChunk> {
    Ok(ReplayChunk {
        site_id: r.get(0)?,
        session: r.get(1)?,
        pageview: r.get(2)?,
        chunk: r.get(3)?,
        first_ts: r.get(4)?,
        last_ts: r.get(5)?,
        events: r.get(6)?,
        bytes: r.get(7)?,
        raw_bytes: r.get(8)?,
        blob_key: r.get(9)?,
        received_at: r.get(10)?,
        snapshot: r.get(11)?,
    })
}

/// Every row `sql` returns, each turned into a `T` by `row`.
fn all_rows<T>(
    conn: &Connection,
    sql: &str,
    args: &[&dyn duckdb::ToSql],
    row: impl FnMut(&duckdb::Row<'_>) -> duckdb::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(args, row)?;
    Ok(rows.collect::<duckdb::Result<_>>()?)
}

/// Runs `f` in a transaction: committed when it succeeds, rolled back when it fails.
fn in_transaction<T>(
    conn: &Connection,
    f: impl FnOnce() -> duckdb::Result<T>,
) -> duckdb::Result<T> {
    conn.execute_batch("BEGIN TRANSACTION")?;
    match f() {
        Ok(value) => {
            conn.execute_batch("COMMIT")?;
            Ok(value)
        }
        Err(e) => {
            conn.execute_batch("ROLLBACK")?;
            Err(e)
        }
    }
}

/// Rows to delete: a table and the condition that selects them.
type Deletion<'a> = (&'a str, &'a str, &'a [&'a dyn duckdb::ToSql]);

/// Deletes the replay chunks `chunks` selects and the rows of each further deletion, in one transaction;
/// returns the chunks' blob keys and how many events went.
fn delete_rows(
    conn: &Connection,
    chunks: (&str, &[&dyn duckdb::ToSql]),
    others: &[Deletion<'_>],
) -> duckdb::Result<Deleted> {
    in_transaction(conn, || {
        let mut stmt = conn.prepare(&format!(
            "SELECT blob_key FROM replay_chunks WHERE {}",
            chunks.0
        ))?;
        let blob_keys = stmt
            .query_map(chunks.1, |r| r.get(0))?
            .collect::<duckdb::Result<Vec<String>>>()?;
        let replay_chunks = conn.execute(
            &format!("DELETE FROM replay_chunks WHERE {}", chunks.0),
            chunks.1,
        )? as u64;
        let mut events = 0;
        for (table, condition, args) in others {
            let deleted = conn.execute(&format!("DELETE FROM {table} WHERE {condition}"), *args)?;
            if *table == "events" {
                events = deleted as u64;
            }
        }
        Ok(Deleted {
            events,
            replay_chunks,
            blob_keys,
        })
    })
}

fn commit(conn: &Connection, batch: &WriteBatch) -> duckdb::Result<()> {
    in_transaction(conn, || {
        append_rows(conn, &batch.rows)?;
        append_batch_keys(conn, &batch.batch_keys)?;
        append_replay_chunks(conn, &batch.replay_chunks)?;
        session_rows::merge_rows(conn, &batch.sessions)
    })?;
    Ok(())
}

fn append_batch_keys(conn: &Connection, keys: &[BatchKey]) -> duckdb::Result<()> {
    let mut app = conn.appender("ingested_batches")?;
    for k in keys {
        app.append_row(params![k.site_id, k.sid, k.seq, k.received_at])?;
    }
    app.flush()
}

impl EventStore for DuckDbEventStore {
    fn commit(&self, batch: &WriteBatch) -> Result<()> {
        self.with_writer(|conn| Ok(commit(conn, batch)?))
    }

    fn health(&self) -> Result<()> {
        self.read(|conn| Ok(conn.execute_batch("SELECT 1")?))
    }

    fn stored_batches(&self, keys: &[BatchKey], window_ms: i64) -> Result<Vec<bool>> {
        let mut stored = vec![false; keys.len()];
        self.read(|conn| {
            // The asked keys as a VALUES list joined to the stored ones: a hash join over the keys received in
            // the asked window (pruned by zonemap), nothing loaded here.
            for (chunk_index, chunk) in keys.chunks(STORED_LOOKUP_KEYS).enumerate() {
                let values = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
                let (first, last) = chunk.iter().fold((i64::MAX, i64::MIN), |(lo, hi), k| {
                    (lo.min(k.received_at), hi.max(k.received_at))
                });
                let mut args: Vec<Box<dyn duckdb::ToSql>> = Vec::new();
                for (i, k) in chunk.iter().enumerate() {
                    args.push(Box::new(i as i64));
                    args.push(Box::new(k.site_id));
                    args.push(Box::new(k.sid.clone()));
                    args.push(Box::new(k.seq));
                    args.push(Box::new(k.received_at));
                }
                args.push(Box::new(first.saturating_sub(window_ms)));
                args.push(Box::new(last.saturating_add(window_ms)));
                args.push(Box::new(window_ms));
                let mut stmt = conn.prepare(&format!(
                    "SELECT DISTINCT k.i FROM (VALUES {values}) k(i, site_id, sid, seq, received_at)
                     JOIN ingested_batches b ON b.site_id = k.site_id AND b.sid = k.sid AND b.seq = k.seq
                     WHERE b.received_at BETWEEN ? AND ? AND abs(b.received_at - k.received_at) <= ?"
                ))?;
                let refs: Vec<&dyn duckdb::ToSql> = args.iter().map(|a| a.as_ref()).collect();
                let found = stmt.query_map(refs.as_slice(), |r| r.get::<_, i64>(0))?;
                for i in found {
                    if let Some(slot) = usize::try_from(i?)
                        .ok()
                        .and_then(|i| stored.get_mut(chunk_index * STORED_LOOKUP_KEYS + i))
                    {
                        *slot = true;
                    }
                }
            }
            Ok(())
        })?;
        Ok(stored)
    }

    fn recent_batch_keys(&self, since_ms: i64, limit: usize) -> Result<Vec<BatchKey>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT site_id, sid, seq, received_at FROM ingested_batches WHERE received_at >= ?
                 ORDER BY received_at DESC LIMIT ?",
            )?;
            let mut keys = stmt
                .query_map(
                    params![since_ms, i64::try_from(limit).unwrap_or(i64::MAX)],
                    |r| {
                        Ok(BatchKey {
                            site_id: r.get(0)?,
                            sid: r.get(1)?,
                            seq: r.get(2)?,
                            received_at: r.get(3)?,
                        })
                    },
                )?
                .collect::<duckdb::Result<Vec<_>>>()?;
            keys.reverse();
            Ok(keys)
        })
    }

    fn batch_stored(
        &self,
        key: &BatchKey,
        received: std::ops::RangeInclusive<i64>,
    ) -> Result<bool> {
        // Keys are appended in arrival order, so the time window prunes row groups by their zonemaps;
        // an ART index over (site, sid, seq) measured no faster here and grew the file 8x.
        self.read(|conn| {
            let found: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM ingested_batches
                 WHERE received_at BETWEEN ? AND ? AND seq = ? AND site_id = ? AND sid = ?)",
                params![
                    received.start(),
                    received.end(),
                    key.seq,
                    key.site_id,
                    key.sid
                ],
                |r| r.get(0),
            )?;
            Ok(found)
        })
    }

    fn delete_batch_keys_before(&self, before_ms: i64) -> Result<u64> {
        self.with_writer(|conn| {
            Ok(conn.execute(
                "DELETE FROM ingested_batches WHERE received_at < ?",
                params![before_ms],
            )? as u64)
        })
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
        self.read(|conn| {
            let mut spans = Vec::new();
            // Asked only for sids the writer does not remember (after a restart, or a batch that overtook the
            // sid's first one), so the scan of the session column is rare.
            for chunk in sids.chunks(SPAN_LOOKUP_SIDS) {
                let placeholders = vec!["?"; chunk.len()].join(", ");
                let mut stmt = conn.prepare(&format!(
                    "SELECT session, started, ended, visitor FROM sessions
                     WHERE site_id = ? AND (session IN ({placeholders})
                        OR (ended >= ? AND started <= ? AND split_part(session, '.', 1) IN ({placeholders})))"
                ))?;
                let mut args: Vec<&dyn duckdb::ToSql> = vec![&site_id];
                args.extend(chunk.iter().map(|s| s as &dyn duckdb::ToSql));
                args.extend([&from as &dyn duckdb::ToSql, &to]);
                args.extend(chunk.iter().map(|s| s as &dyn duckdb::ToSql));
                let found = stmt.query_map(args.as_slice(), |r| {
                    Ok(SessionSpan {
                        session: r.get(0)?,
                        started: r.get(1)?,
                        ended: r.get(2)?,
                        visitor: r.get(3)?,
                    })
                })?;
                for span in found {
                    spans.push(span?);
                }
            }
            Ok(spans)
        })
    }

    fn count_events(&self, site_id: i64) -> Result<u64> {
        self.read(|conn| {
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM events WHERE site_id = ?",
                params![site_id],
                |r| r.get(0),
            )?;
            Ok(n.max(0) as u64)
        })
    }

    fn engine_memory(&self) -> Result<Vec<(String, u64)>> {
        self.read(|conn| {
            let mut statement =
                conn.prepare("SELECT tag, memory_usage_bytes FROM duckdb_memory() ORDER BY tag")?;
            let rows = statement.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
            })?;
            Ok(rows.collect::<std::result::Result<_, _>>()?)
        })
    }

    fn session_events(
        &self,
        site_id: i64,
        session: &str,
        limit: usize,
    ) -> Result<Vec<StoredEvent>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT ts, type, pageview, visitor, user_id, path, page_group, referrer, channel, utm_source, utm_medium,
                        utm_campaign, device, browser, os, viewport_w, viewport_h, selector, tag, text, x, y, rel_x, rel_y,
                        scroll_pct, value, name, props, revenue, error_fingerprint, interactive, changed
                 FROM events WHERE site_id = ? AND session = ? ORDER BY ts, rowid LIMIT ?",
            )?;
            let events = stmt
                .query_map(params![site_id, session, limit as i64], |r| {
                    let props: Option<String> = r.get(27)?;
                    Ok(StoredEvent {
                        ts: r.get(0)?,
                        event_type: r.get(1)?,
                        pageview: r.get(2)?,
                        visitor: r.get(3)?,
                        user_id: r.get(4)?,
                        path: r.get(5)?,
                        page_group: r.get(6)?,
                        referrer: r.get(7)?,
                        channel: r.get(8)?,
                        utm_source: r.get(9)?,
                        utm_medium: r.get(10)?,
                        utm_campaign: r.get(11)?,
                        device: r.get(12)?,
                        browser: r.get(13)?,
                        os: r.get(14)?,
                        viewport_w: r.get(15)?,
                        viewport_h: r.get(16)?,
                        selector: r.get(17)?,
                        tag: r.get(18)?,
                        text: r.get(19)?,
                        x: r.get(20)?,
                        y: r.get(21)?,
                        rel_x: r.get(22)?,
                        rel_y: r.get(23)?,
                        scroll_pct: r.get(24)?,
                        value: r.get(25)?,
                        name: r.get(26)?,
                        props: props.and_then(|p| serde_json::from_str(&p).ok()),
                        revenue: r.get(28)?,
                        error_fingerprint: r.get(29)?,
                        interactive: r.get(30)?,
                        changed: r.get(31)?,
                    })
                })?
                .collect::<duckdb::Result<Vec<_>>>()?;
            Ok(events)
        })
    }

    fn sessions(&self, site_id: i64, query: &SessionQuery) -> Result<SessionPage> {
        self.read(|conn| sessions::list(conn, site_id, query))
    }

    fn replay_chunks(&self, site_id: i64, session: &str) -> Result<Vec<ReplayChunk>> {
        self.read(|conn| {
            // Pageviews in the order they started, chunks in sequence within each.
            let mut stmt = conn.prepare(&format!(
                "SELECT {CHUNK_COLUMNS} FROM replay_chunks WHERE site_id = ? AND session = ? AND NOT snapshot
                 ORDER BY min(first_ts) OVER (PARTITION BY pageview), pageview, chunk"
            ))?;
            let chunks = stmt
                .query_map(params![site_id, session], chunk_from_row)?
                .collect::<duckdb::Result<Vec<_>>>()?;
            Ok(chunks)
        })
    }

    fn replay_bytes(&self, site_id: i64) -> Result<u64> {
        self.read(|conn| {
            let bytes: i64 = conn.query_row(
                "SELECT coalesce(sum(bytes), 0)::BIGINT FROM replay_chunks WHERE site_id = ?",
                params![site_id],
                |r| r.get(0),
            )?;
            Ok(bytes.max(0) as u64)
        })
    }

    fn delete_before(&self, site_id: i64, before_ms: i64) -> Result<Deleted> {
        // Age is when the server received the data, not the (client-made) times inside it.
        self.with_writer(|conn| {
            // A session goes once all of it arrived before the cutoff.
            let older = "site_id = ? AND received_at < ?";
            let args = params![site_id, before_ms];
            // What the analysis found in a session goes with it (before it, while its key is known).
            let of_older = "site_id = ? AND session IN (SELECT session FROM sessions WHERE site_id = ? AND received_at < ?)";
            let of_older_args = params![site_id, site_id, before_ms];
            Ok(delete_rows(
                conn,
                (older, args),
                &[
                    ("events", older, args),
                    ("detections", of_older, of_older_args),
                    ("pageview_facts", of_older, of_older_args),
                    ("element_facts", of_older, of_older_args),
                    ("session_analysis", of_older, of_older_args),
                    ("sessions", older, args),
                ],
            )?)
        })
    }

    fn count_before(&self, site_id: i64, before_ms: i64) -> Result<StoredCount> {
        // The same conditions as `delete_before`: by when the server received the data.
        self.read(|conn| {
            let (events, replay_chunks, replay_bytes): (i64, i64, i64) = conn.query_row(
                "SELECT (SELECT count(*) FROM events WHERE site_id = $1 AND received_at < $2),
                        count(*), coalesce(sum(bytes), 0)::BIGINT
                 FROM replay_chunks WHERE site_id = $1 AND received_at < $2",
                params![site_id, before_ms],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            Ok(StoredCount {
                events: events.max(0) as u64,
                replay_chunks: replay_chunks.max(0) as u64,
                replay_bytes: replay_bytes.max(0) as u64,
            })
        })
    }

    fn delete_visitor(&self, site_id: i64, visitor: &str) -> Result<Deleted> {
        // The marker outlives a crash between the DELETE and the rewrite: the next open finishes it.
        let pending = self
            .path
            .as_deref()
            .map(|p| sibling(p, SCRUB_PENDING_SUFFIX));
        let unfinished = pending.as_deref().is_some_and(Path::exists);
        if let Some(marker) = &pending {
            std::fs::File::create(marker)
                .and_then(|f| f.sync_all())
                .map_err(io_err(marker))?;
            sync_parent(marker)?;
        }
        let deleted = self.with_writer(|conn| {
            let of_visitor = params![site_id, visitor];
            let hash = session_rows::visitor_hash(visitor);
            let of_sessions = "site_id = ? AND session IN (SELECT session FROM sessions WHERE site_id = ? AND visitor = ?)";
            let of_sessions_args = params![site_id, site_id, visitor];
            Ok(delete_rows(
                conn,
                (
                    "site_id = ? AND session IN (SELECT DISTINCT session FROM events WHERE site_id = ? AND visitor = ?)",
                    params![site_id, site_id, visitor],
                ),
                &[
                    ("events", "site_id = ? AND visitor = ?", of_visitor),
                    ("detections", of_sessions, of_sessions_args),
                    ("pageview_facts", of_sessions, of_sessions_args),
                    ("element_facts", of_sessions, of_sessions_args),
                    ("session_analysis", of_sessions, of_sessions_args),
                    ("sessions", "site_id = ? AND visitor = ?", of_visitor),
                    ("visitors", "site_id = ? AND visitor_hash = ?", params![site_id, hash]),
                ],
            )?)
        })?;
        if deleted.events + deleted.replay_chunks > 0 || unfinished {
            self.rewrite()?;
        } else if let Some(marker) = &pending {
            remove_if_present(marker)?;
        }
        Ok(deleted)
    }

    fn overview(&self, site_id: i64, query: &OverviewQuery) -> Result<Overview> {
        self.read(|conn| overview::overview(conn, site_id, query))
    }

    fn overview_series(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<SeriesPoint>> {
        self.read(|conn| overview::series(conn, site_id, query))
    }

    fn changed_sessions(
        &self,
        since: i64,
        until: i64,
        limit: usize,
    ) -> Result<Vec<SessionVersion>> {
        self.read(|conn| analysis::changed_sessions(conn, since, until, limit))
    }

    fn analysis_events(&self, sessions: &[SessionVersion]) -> Result<Vec<EventRow>> {
        self.read(|conn| analysis::session_events(conn, sessions))
    }

    fn store_analyses(&self, analyses: &[AnalyzedSession]) -> Result<()> {
        self.with_writer(|conn| {
            conn.execute_batch("BEGIN TRANSACTION")?;
            match analysis::replace(conn, analyses) {
                Ok(()) => Ok(conn.execute_batch("COMMIT")?),
                Err(e) => {
                    conn.execute_batch("ROLLBACK")?;
                    Err(e)
                }
            }
        })
    }

    fn session_row(
        &self,
        site_id: i64,
        session: &str,
    ) -> Result<Option<sightline_model::SessionRow>> {
        self.read(|conn| session_rows::read_row(conn, site_id, session))
    }

    fn session_detections(&self, site_id: i64, session: &str) -> Result<Vec<StoredDetection>> {
        self.read(|conn| analysis::of_session(conn, site_id, session))
    }

    fn problem_counts(&self, site_id: i64, query: &ProblemQuery) -> Result<Vec<ProblemCounts>> {
        self.read(|conn| problems::problem_counts(conn, site_id, query))
    }

    fn error_groups(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<IssueGroup>> {
        self.read(|conn| experience::error_groups(conn, site_id, query))
    }

    fn failed_requests(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<IssueGroup>> {
        self.read(|conn| experience::failed_requests(conn, site_id, query))
    }

    fn vitals(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<VitalStats>> {
        self.read(|conn| experience::vitals(conn, site_id, query))
    }

    fn heatmap(
        &self,
        site_id: i64,
        query: &crate::PageQuery,
        kind: crate::HeatmapKind,
    ) -> Result<crate::Heatmap> {
        self.read(|conn| heatmap::heatmap(conn, site_id, query, kind))
    }

    fn zones(&self, site_id: i64, query: &crate::PageQuery) -> Result<Vec<crate::ZoneStats>> {
        self.read(|conn| heatmap::zones(conn, site_id, query))
    }

    fn page_snapshot(
        &self,
        site_id: i64,
        query: &crate::PageQuery,
    ) -> Result<Option<crate::PageSnapshotRef>> {
        self.read(|conn| heatmap::page_snapshot(conn, site_id, query))
    }

    fn zone_sessions(
        &self,
        site_id: i64,
        query: &crate::PageQuery,
        selector: &str,
    ) -> Result<Vec<crate::ZoneSession>> {
        self.read(|conn| heatmap::zone_sessions(conn, site_id, query, selector))
    }

    fn session_summaries(
        &self,
        site_id: i64,
        keys: &[String],
    ) -> Result<Vec<crate::SessionSummary>> {
        self.read(|conn| sessions::summaries(conn, site_id, keys))
    }

    fn paths(&self, site_id: i64, query: &crate::PathQuery) -> Result<crate::PathReport> {
        self.read(|conn| journeys::paths(conn, site_id, query))
    }

    fn path_sessions(
        &self,
        site_id: i64,
        query: &crate::PathQuery,
        at: &crate::PathSelection,
        limit: usize,
    ) -> Result<(Vec<String>, u64)> {
        self.read(|conn| journeys::path_sessions(conn, site_id, query, at, limit))
    }

    fn funnel_units(
        &self,
        site_id: i64,
        query: &crate::FunnelQuery,
        each: &mut dyn FnMut(&crate::FunnelUnit),
    ) -> Result<()> {
        self.read(|conn| funnel::units(conn, site_id, query, each))
    }

    fn retention(
        &self,
        site_id: i64,
        query: &crate::RetentionQuery,
        until: i64,
    ) -> Result<crate::RetentionReport> {
        self.read(|conn| retention::retention(conn, site_id, query, until))
    }
}

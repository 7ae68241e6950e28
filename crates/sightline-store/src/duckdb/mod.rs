//! Embedded event store on a DuckDB file. One writer connection (appender + transaction per write batch) and
//! a small pool of reader connections; DuckDB gives readers a consistent snapshot while the writer appends.

mod overview;

use std::path::Path;
use std::sync::Mutex;

use duckdb::{Connection, params};
use sightline_model::EventRow;

use crate::{
    BatchKey, EventStore, Overview, OverviewQuery, Result, SeriesPoint, SpoolPosition, WriteBatch,
};

/// Versioned schema migrations, applied in order once each.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../../migrations/duckdb/0001_events.sql"))];

/// DuckDB's memory budget (buffer manager) and worker threads, for the whole database.
const MEMORY_LIMIT_MB: u32 = 192;
const THREADS: u32 = 2;

/// Reader connections kept for reuse; more are cloned on demand and dropped when the pool is full.
const MAX_IDLE_READERS: usize = 4;

pub struct DuckDbEventStore {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl DuckDbEventStore {
    /// Opens (creating if needed) the DuckDB file at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        Self::from_connection(conn)
    }

    /// A store in memory, for tests of code that needs one but not a file.
    pub fn open_in_memory() -> Result<Self> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(conn: Connection) -> Result<Self> {
        // Bounded memory: the server must run a real site in 512 MB. DuckDB spills to disk beyond this.
        conn.execute_batch(&format!(
            "SET memory_limit = '{MEMORY_LIMIT_MB}MB'; SET threads = {THREADS};"
        ))?;
        migrate(&conn)?;
        Ok(Self {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Runs `f` on a pooled reader connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => lock(&self.writer).try_clone()?,
        };
        let result = f(&conn);
        let mut readers = lock(&self.readers);
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        result
    }
}

/// A poisoned lock only means another thread panicked mid-call; the connection itself is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

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
        conn.execute_batch("BEGIN TRANSACTION")?;
        let applied = conn.execute_batch(sql).and_then(|_| {
            conn.execute(
                "INSERT INTO schema_migrations (version) VALUES (?)",
                params![version],
            )
        });
        match applied {
            Ok(_) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                conn.execute_batch("ROLLBACK")?;
                return Err(e.into());
            }
        }
        tracing::info!(version, "applied events schema migration");
    }
    Ok(())
}

fn append_rows(conn: &Connection, rows: &[EventRow]) -> duckdb::Result<()> {
    let mut app = conn.appender("events")?;
    for r in rows {
        app.append_row(params![
            r.site_id,
            r.ts,
            r.session,
            r.visitor,
            r.user_id,
            r.pageview,
            r.event_type,
            r.path,
            r.page_group,
            r.referrer,
            r.channel,
            r.utm_source,
            r.utm_medium,
            r.utm_campaign,
            r.utm_term,
            r.utm_content,
            r.device,
            r.browser,
            r.os,
            r.country,
            r.viewport_w,
            r.viewport_h,
            r.selector,
            r.tag,
            r.text,
            r.x,
            r.y,
            r.rel_x,
            r.rel_y,
            r.scroll_pct,
            r.value,
            r.name,
            r.props,
            r.revenue,
            r.error_fingerprint,
            r.interactive,
            r.changed,
        ])?;
    }
    app.flush()
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
        let conn = lock(&self.writer);
        conn.execute_batch("BEGIN TRANSACTION")?;
        let written = append_rows(&conn, &batch.rows)
            .and_then(|_| append_batch_keys(&conn, &batch.batch_keys))
            .and_then(|_| {
                conn.execute(
                    "INSERT OR REPLACE INTO ingest_progress (id, segment, \"offset\") VALUES (1, ?, ?)",
                    params![batch.position.segment, batch.position.offset],
                )
            });
        match written {
            Ok(_) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                conn.execute_batch("ROLLBACK")?;
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn ingest_position(&self) -> Result<Option<SpoolPosition>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT segment, \"offset\" FROM ingest_progress WHERE id = 1")?;
            let mut rows = stmt.query([])?;
            Ok(match rows.next()? {
                Some(row) => Some(SpoolPosition {
                    segment: row.get(0)?,
                    offset: row.get(1)?,
                }),
                None => None,
            })
        })
    }

    fn batch_keys_since(&self, since_ms: i64) -> Result<Vec<BatchKey>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT site_id, sid, seq, received_at FROM ingested_batches WHERE received_at >= ?")?;
            let keys = stmt
                .query_map(params![since_ms], |r| {
                    Ok(BatchKey {
                        site_id: r.get(0)?,
                        sid: r.get(1)?,
                        seq: r.get(2)?,
                        received_at: r.get(3)?,
                    })
                })?
                .collect::<duckdb::Result<Vec<_>>>()?;
            Ok(keys)
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

    fn overview(&self, site_id: i64, query: &OverviewQuery) -> Result<Overview> {
        self.read(|conn| overview::overview(conn, site_id, query))
    }

    fn overview_series(&self, site_id: i64, query: &OverviewQuery) -> Result<Vec<SeriesPoint>> {
        self.read(|conn| overview::series(conn, site_id, query))
    }
}

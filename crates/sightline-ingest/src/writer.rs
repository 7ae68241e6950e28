//! The batch writer: one thread drains durable spool records into the EventStore, a few hundred milliseconds
//! behind at most. After each commit the spool saves the position reached; a restart resumes there, and skips
//! the records after it that the store already holds (the position may lag): no loss, no duplicates.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use std::collections::HashMap;

use sightline_insight::session;
use sightline_model::wire::Batch;
use sightline_model::{EventRow, SessionRow};
use sightline_store::{BatchKey, BlobStore, EventColumnsBuilder, EventStore, WriteBatch};

use crate::enrich::PageGroups;
use crate::record::{self, RecordHeader};
use crate::rows::{PageviewCache, PendingBlob, device_name};
use crate::sessions::{Pending, SessionDirectory};
use crate::sites::SiteDirectory;
use crate::spool::{Spool, SpoolPosition};

/// How long the writer waits for new records before checking for shutdown.
const POLL: Duration = Duration::from_millis(100);
/// Payload bytes read per write (bounds memory and transaction size). Two writes are in memory at once (one
/// committing, the next being built). Measured with `sightline-bench` (writer phase and burst RSS): 6 MiB
/// ~180 k events/s and ~465 MiB peak RSS after a 180 k events/s burst; 8 MiB no faster and ~525 MiB.
pub const MAX_COMMIT_BYTES: usize = 6 * 1024 * 1024;
/// Least time between two commits while the spool has less than half a commit's worth pending: fewer, larger
/// DuckDB transactions keep the disk free for the spool's fsyncs (ack latency) and stay well under 1 s behind.
const MIN_COMMIT_INTERVAL: Duration = Duration::from_millis(250);
/// How often `wait_committed` looks at the committed position.
const COMMIT_WAIT_POLL: Duration = Duration::from_millis(10);
/// Wait before retrying a failed commit.
const RETRY_BACKOFF: Duration = Duration::from_millis(500);

/// What the writer has done, for /metrics and /readyz.
#[derive(Debug, Default)]
pub struct WriterStatus {
    pub committed: Mutex<SpoolPosition>,
    pub last_error: Mutex<Option<String>>,
    /// Records moved to the dead-letter directory since start.
    pub dead_letters: std::sync::atomic::AtomicU64,
}

impl WriterStatus {
    /// Why the last commit failed, while the writer has not succeeded since.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

pub struct BatchWriter {
    stop: Arc<AtomicBool>,
    handle: Mutex<Option<JoinHandle<()>>>,
    pub status: Arc<WriterStatus>,
    spool: Arc<Spool>,
}

struct Worker {
    store: Arc<dyn EventStore>,
    blobs: Arc<dyn BlobStore>,
    sites: Arc<SiteDirectory>,
    spool: Arc<Spool>,
    status: Arc<WriterStatus>,
    stop: Arc<AtomicBool>,
    pageviews: PageviewCache,
    sessions: SessionDirectory,
    dead_letters: DeadLetters,
    /// Ends of records kept as dead letters since the last commit (a retried build must not count them twice).
    kept: std::collections::HashSet<SpoolPosition>,
    /// Records ending at or before this may be in the store already (see [`WriterStart`]).
    verify_until: SpoolPosition,
    /// How far apart in `received_at` a stored batch with the same key counts as this one (see [`WriterStart`]).
    match_window_ms: i64,
}

/// Where a writer starts and which records it checks against the stored batch keys before writing them.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriterStart {
    /// The spool's saved position: the writer reads from here.
    pub from: SpoolPosition,
    /// Records ending at or before this are checked: the spool's end at open (the saved position may lag
    /// behind the store), or every record when nodes share the store (a retry may reach two nodes).
    pub verify_until: SpoolPosition,
    /// 0 when only this spool's own records can be stored already (the same record, the same `received_at`);
    /// on a shared store as long as retries are accepted, since another node received the copy it stored.
    pub match_window_ms: i64,
}

impl BatchWriter {
    /// Starts the writer at `start.from`; records it cannot store go to `dead_letter_dir`.
    pub fn spawn(
        store: Arc<dyn EventStore>,
        blobs: Arc<dyn BlobStore>,
        sites: Arc<SiteDirectory>,
        spool: Arc<Spool>,
        begin: WriterStart,
        dead_letter_dir: &std::path::Path,
    ) -> std::io::Result<Self> {
        let start = begin.from;
        let stop = Arc::new(AtomicBool::new(false));
        let status = Arc::new(WriterStatus::default());
        *status.committed.lock().unwrap_or_else(|p| p.into_inner()) = start;
        let worker = Worker {
            store,
            blobs,
            sites,
            spool: spool.clone(),
            status: status.clone(),
            stop: stop.clone(),
            pageviews: PageviewCache::default(),
            sessions: SessionDirectory::default(),
            dead_letters: DeadLetters::new(dead_letter_dir),
            kept: Default::default(),
            verify_until: begin.verify_until,
            match_window_ms: begin.match_window_ms,
        };
        let handle = std::thread::Builder::new()
            .name("batch-writer".into())
            .spawn(move || worker.run(start))?;
        Ok(Self {
            stop,
            handle: Mutex::new(Some(handle)),
            status,
            spool,
        })
    }

    /// Bytes durable in the spool but not yet in the store.
    pub fn lag_bytes(&self) -> u64 {
        let committed = *self
            .status
            .committed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        self.spool.pending_bytes(committed)
    }

    /// Waits until the writer has committed up to `position`, at most `timeout`; whether it did.
    pub fn wait_committed(&self, position: SpoolPosition, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if *self
                .status
                .committed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                >= position
            {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(COMMIT_WAIT_POLL);
        }
    }

    /// Drains every durable record into the store, then stops. Call after the spool is closed.
    pub fn finish(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.spool.durable().wake();
        if let Some(handle) = self.handle.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = handle.join();
        }
    }
}

/// Why a commit failed: the blob store (environmental: retried) or the event store (maybe the record).
#[derive(Debug)]
enum CommitError {
    Blobs(String),
    Store(String),
}

impl std::fmt::Display for CommitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommitError::Blobs(e) => write!(f, "storing replay blobs: {e}"),
            CommitError::Store(e) => f.write_str(e),
        }
    }
}

/// Where records the writer cannot store are kept: one file per record, `<segment>-<offset>.record` (the raw
/// spool payload) beside `<segment>-<offset>.reason`. Named by spool position, so keeping the same record again
/// after a crash replaces it instead of adding a copy.
pub struct DeadLetters {
    dir: std::path::PathBuf,
}

impl DeadLetters {
    pub fn new(dir: &std::path::Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    pub fn keep(
        &self,
        payload: &[u8],
        end: SpoolPosition,
        reason: &str,
    ) -> std::io::Result<std::path::PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        let stem = format!("{:016}-{:012}", end.segment, end.offset);
        let path = self.dir.join(format!("{stem}.record"));
        for (file, bytes) in [
            (self.dir.join(format!("{stem}.reason")), reason.as_bytes()),
            (path.clone(), payload),
        ] {
            let mut out = std::fs::File::create(&file)?;
            std::io::Write::write_all(&mut out, bytes)?;
            out.sync_all()?;
        }
        std::fs::File::open(&self.dir)?.sync_all()?;
        Ok(path)
    }
}

/// One write built from spool records, not yet committed.
struct Built {
    records: Vec<(Vec<u8>, SpoolPosition)>,
    position: SpoolPosition,
    write: WriteBatch,
    blobs: Vec<PendingBlob>,
}

impl Worker {
    /// Commits each write while the next one is read and built, so decoding and sessionizing (a core) overlap
    /// with DuckDB's append (the other core).
    fn run(mut self, start: SpoolPosition) {
        let mut reader = self.spool.reader(start);
        let mut last_commit = Instant::now();
        let mut pending: Option<Built> = None;
        loop {
            let Some(current) = pending.take() else {
                match self.next_write(&mut reader, &mut last_commit, true) {
                    NextWrite::Built(built) => pending = Some(built),
                    NextWrite::Nothing => {}
                    NextWrite::Stop => break,
                }
                continue;
            };
            let (store, blob_store) = (self.store.clone(), self.blobs.clone());
            let (committed, next) = std::thread::scope(|scope| {
                let commit = scope
                    .spawn(|| commit_write(&*store, &*blob_store, &current.write, &current.blobs));
                let next = self.next_write(&mut reader, &mut last_commit, false);
                let committed = commit
                    .join()
                    .unwrap_or_else(|_| Err(CommitError::Store("the commit panicked".into())));
                (committed, next)
            });
            if let Err(e) = committed {
                self.fail(&format!(
                    "committing {} rows: {e}",
                    current.write.rows.len()
                ));
                // Find out whether one record cannot be stored or the store is failing: one record at a time.
                // The next write was built on top of this one: build it again afterwards. An engine without
                // transactions may have kept part of the failed write: its records are checked again.
                self.verify_until = self.verify_until.max(current.position);
                if !self.commit_one_by_one(&current.records) {
                    // Stopping: the uncommitted records stay in the spool and are written at the next start.
                    return;
                }
                reader = self.spool.reader(current.position);
                self.after_commit(current.position, current.write.rows.len());
                continue;
            }
            self.after_commit(current.position, current.write.rows.len());
            if let NextWrite::Built(built) = next {
                pending = Some(built);
            }
        }
    }

    fn after_commit(&mut self, position: SpoolPosition, rows: usize) {
        self.committed_at(position, rows);
        if let Err(e) = self.spool.remove_consumed(position) {
            tracing::warn!(error = %e, "could not delete consumed spool segments");
        }
    }

    /// Reads and builds the next write. With `wait`, waits for records (and for more of them, up to
    /// `MIN_COMMIT_INTERVAL`, while few are pending); without, takes only what is durable now.
    fn next_write(
        &mut self,
        reader: &mut crate::spool::SpoolReader,
        last_commit: &mut Instant,
        wait: bool,
    ) -> NextWrite {
        let durable = self.spool.durable();
        let stopping = self.stop.load(Ordering::SeqCst);
        let mut limit = if wait {
            durable.wait_past(reader.position(), POLL)
        } else {
            durable.get()
        };
        if reader.position() >= limit {
            return if stopping && wait {
                NextWrite::Stop
            } else {
                NextWrite::Nothing
            };
        }
        let since = last_commit.elapsed();
        if wait
            && !stopping
            && since < MIN_COMMIT_INTERVAL
            && self.spool.pending_bytes(reader.position()) < MAX_COMMIT_BYTES as u64 / 2
        {
            std::thread::sleep(MIN_COMMIT_INTERVAL - since);
            limit = durable.get();
        }
        *last_commit = Instant::now();
        let records = match reader.read(limit, MAX_COMMIT_BYTES) {
            Ok(records) => records,
            Err(e) => {
                self.fail(&format!("reading the spool: {e}"));
                *reader = self.spool.reader(self.committed());
                return NextWrite::Nothing;
            }
        };
        let position = records.last().map_or(reader.position(), |(_, end)| *end);
        match self.build(&records) {
            Ok((write, blobs)) => NextWrite::Built(Built {
                records,
                position,
                write,
                blobs,
            }),
            Err(e) => {
                // The store could not say which sessions the events continue: retry, never guess.
                self.fail(&format!("building the write: {e}"));
                std::thread::sleep(RETRY_BACKOFF);
                *reader = self.spool.reader(self.committed());
                NextWrite::Nothing
            }
        }
    }

    fn try_commit(&self, write: &WriteBatch, blobs: &[PendingBlob]) -> Result<(), CommitError> {
        commit_write(&*self.store, &*self.blobs, write, blobs)
    }

    fn committed_at(&mut self, position: SpoolPosition, rows: usize) {
        self.kept.retain(|end| *end > position);
        *self
            .status
            .committed
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = position;
        *self
            .status
            .last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
        metrics::histogram!("sightline_writer_batch_rows").record(rows as f64);
        metrics::counter!("sightline_writer_rows_total").increment(rows as u64);
    }

    /// Commits `records` one by one after a failed group commit. A record the store refuses while the store
    /// still takes an empty commit is poison: it goes to the dead-letter directory and the writer moves past
    /// it. While even the empty commit fails (disk full, store broken) it retries with back-off — ingest then
    /// answers 503 once the lag passes its limit. Returns false when asked to stop.
    fn commit_one_by_one(&mut self, records: &[(Vec<u8>, SpoolPosition)]) -> bool {
        for (payload, end) in records {
            let single = [(payload.clone(), *end)];
            loop {
                let (write, blobs) = match self.build(&single) {
                    Ok(built) => built,
                    Err(e) => {
                        self.fail(&format!("building the write: {e}"));
                        if self.stop.load(Ordering::SeqCst) {
                            return false;
                        }
                        std::thread::sleep(RETRY_BACKOFF);
                        continue;
                    }
                };
                let Err(e) = self.try_commit(&write, &blobs) else {
                    self.committed_at(*end, write.rows.len());
                    break;
                };
                // Blob keys come from validated ids, so a failing blob store is the disk, never the record.
                if matches!(e, CommitError::Store(_))
                    && self.store.commit(&WriteBatch::default()).is_ok()
                {
                    self.dead_letter(payload, *end, &e.to_string());
                    self.committed_at(*end, 0);
                    break;
                }
                self.fail(&format!("the event store refuses writes: {e}"));
                if self.stop.load(Ordering::SeqCst) {
                    return false;
                }
                std::thread::sleep(RETRY_BACKOFF);
            }
        }
        true
    }

    /// Keeps an unstorable record for inspection (written durably before the position moves past it).
    fn dead_letter(&mut self, payload: &[u8], end: SpoolPosition, reason: &str) {
        if !self.kept.insert(end) {
            return;
        }
        match self.dead_letters.keep(payload, end, reason) {
            Ok(path) => tracing::error!(
                path = %path.display(),
                bytes = payload.len(),
                reason,
                "batch writer: a record could not be stored; moved to the dead-letter directory"
            ),
            // Not kept, but the writer must go on: the log line is then the only trace.
            Err(e) => {
                tracing::error!(error = %e, reason, "batch writer: could not keep a dead letter")
            }
        }
        self.status
            .dead_letters
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        metrics::counter!("sightline_writer_dead_letters_total").increment(1);
    }

    fn committed(&self) -> SpoolPosition {
        *self
            .status
            .committed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, message: &str) {
        tracing::error!("batch writer: {message}");
        metrics::counter!("sightline_writer_errors_total").increment(1);
        *self
            .status
            .last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(message.to_string());
    }

    /// The write for `records`: their rows and replay chunks, each placed in its session, and those sessions'
    /// rows. Fails only when the store cannot be asked about the sessions the records continue.
    fn build(
        &mut self,
        records: &[(Vec<u8>, SpoolPosition)],
    ) -> Result<(WriteBatch, Vec<PendingBlob>), sightline_store::StoreError> {
        let started = Instant::now();
        let mut write = WriteBatch::default();
        let mut blobs = Vec::new();
        let no_groups = PageGroups::default();
        let mut decoded = Vec::with_capacity(records.len());
        let mut unsure = Vec::new();
        for (payload, end) in records {
            let Some((header, json)) = record::decode(payload) else {
                self.dead_letter(payload, *end, "unreadable record header");
                continue;
            };
            match serde_json::from_slice::<Batch>(json) {
                Ok(batch) => {
                    let site = self.sites.by_id(header.site_id).ok().flatten();
                    if *end <= self.verify_until {
                        unsure.push(decoded.len());
                    }
                    decoded.push((header, batch, site));
                }
                Err(e) => self.dead_letter(payload, *end, &format!("unreadable batch: {e}")),
            }
        }
        // Pageviews first: a page-hide beacon can overtake the batch that holds its pageview.
        for (_, batch, site) in &decoded {
            let groups = site.as_ref().map_or(&no_groups, |s| &s.groups);
            self.pageviews.register_pageviews(batch, groups);
        }
        self.skip_stored(&mut decoded, &unsure)?;
        // Each batch's decoded events go as soon as its rows exist: a write holds one copy, not two.
        let built: Vec<_> = decoded
            .iter_mut()
            .map(|(header, batch, site)| {
                let groups = site.as_ref().map_or(&no_groups, |s| &s.groups);
                let rows = self.pageviews.rows(header, batch, groups);
                batch.events = Vec::new();
                batch.pages = None;
                rows
            })
            .collect();
        let pending: Vec<Pending<'_>> = decoded
            .iter()
            .zip(&built)
            .map(|((header, batch, _), (rows, chunks))| Pending {
                site_id: header.site_id,
                sid: &batch.sid,
                first_batch: batch.seq == 0,
                times: rows
                    .iter()
                    .map(|r| r.ts)
                    .chain(chunks.iter().map(|b| b.t))
                    .collect(),
            })
            .collect();
        self.sessions.load(self.store.as_ref(), &pending)?;
        let mut sessions: HashMap<(i64, String), SessionRow> = HashMap::new();
        let mut columns = EventColumnsBuilder::default();
        for ((header, batch, _), (mut rows, mut batch_blobs)) in decoded.iter().zip(built) {
            self.place(header, batch, &mut rows, &mut batch_blobs);
            let mut batch_sessions = session::rows_of(&rows);
            // a page snapshot is no part of a recording: the session neither has a replay by it nor starts by it
            for blob in batch_blobs.iter().filter(|b| !b.chunk.snapshot) {
                let chunk = &blob.chunk;
                let i = match batch_sessions
                    .iter()
                    .position(|s| s.session == chunk.session)
                {
                    Some(i) => i,
                    None => {
                        batch_sessions.push(replay_only_session(header, blob));
                        batch_sessions.len() - 1
                    }
                };
                session::add_replay(&mut batch_sessions[i], chunk.bytes);
            }
            for row in batch_sessions {
                match sessions.entry((row.site_id, row.session.clone())) {
                    std::collections::hash_map::Entry::Occupied(mut known) => {
                        session::merge(known.get_mut(), &row)
                    }
                    std::collections::hash_map::Entry::Vacant(new) => {
                        new.insert(row);
                    }
                }
            }
            columns.extend(&rows);
            blobs.extend(batch_blobs);
            write.batch_keys.push(header.key());
        }
        write.rows = columns
            .finish()
            .map_err(|e| sightline_store::StoreError::Invalid(format!("event columns: {e}")))?;
        write.sessions = sessions.into_values().collect();
        write.replay_chunks = blobs.iter().map(|b| b.chunk.clone()).collect();
        metrics::histogram!("sightline_writer_build_seconds")
            .record(started.elapsed().as_secs_f64());
        Ok((write, blobs))
    }

    /// Drops the batches at `unsure` (records spooled before this start, which the store may hold already:
    /// the saved spool position can lag behind it) that the store has stored.
    fn skip_stored(
        &mut self,
        decoded: &mut Vec<(RecordHeader, Batch, Option<Arc<crate::sites::SiteEntry>>)>,
        unsure: &[usize],
    ) -> Result<(), sightline_store::StoreError> {
        if unsure.is_empty() {
            return Ok(());
        }
        let keys: Vec<BatchKey> = unsure.iter().map(|&i| decoded[i].0.key()).collect();
        let stored = self.store.stored_batches(&keys, self.match_window_ms)?;
        let skip: std::collections::HashSet<usize> = unsure
            .iter()
            .zip(&stored)
            .filter_map(|(&i, &stored)| stored.then_some(i))
            .collect();
        if !skip.is_empty() {
            tracing::info!(
                batches = skip.len(),
                "skipped spooled batches already stored"
            );
            let mut i = 0;
            decoded.retain(|_| {
                i += 1;
                !skip.contains(&(i - 1))
            });
        }
        Ok(())
    }

    /// Puts every row and replay chunk of one batch in its session (in time order), with the session's visitor.
    fn place(
        &mut self,
        header: &RecordHeader,
        batch: &Batch,
        rows: &mut [EventRow],
        blobs: &mut [PendingBlob],
    ) {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| rows[i].ts);
        // Rows come keyed by the sid with the batch's visitor: most need no change (no allocation per row).
        for i in order {
            let (n, visitor) =
                self.sessions
                    .place(header.site_id, &batch.sid, rows[i].ts, &header.visitor);
            if rows[i].visitor != visitor {
                rows[i].visitor = visitor.to_string();
            }
            if n != 0 {
                rows[i].session = session::session_key(&batch.sid, n);
            }
        }
        for blob in blobs {
            let (n, _) = self
                .sessions
                .place(header.site_id, &batch.sid, blob.t, &header.visitor);
            blob.chunk.session = session::session_key(&batch.sid, n);
        }
    }
}

enum NextWrite {
    Built(Built),
    /// Nothing to write now (or a failure, already reported).
    Nothing,
    /// Stopping, and everything durable is written.
    Stop,
}

/// Stores a write's replay blobs, then the write itself (which points at them).
fn commit_write(
    store: &dyn EventStore,
    blob_store: &dyn BlobStore,
    write: &WriteBatch,
    blobs: &[PendingBlob],
) -> Result<(), CommitError> {
    for blob in blobs {
        blob_store
            .put(&blob.key, &blob.bytes)
            .map_err(|e| CommitError::Blobs(e.to_string()))?;
    }
    store
        .commit(write)
        .map_err(|e| CommitError::Store(e.to_string()))
}

/// The row of a session whose batch held only replay chunks (dated by the replay event, not rrweb's clock).
fn replay_only_session(header: &RecordHeader, blob: &PendingBlob) -> SessionRow {
    SessionRow {
        site_id: header.site_id,
        session: blob.chunk.session.clone(),
        visitor: header.visitor.clone(),
        device: device_name(&header.device).to_string(),
        browser: header.browser.clone(),
        os: header.os.clone(),
        started: blob.t,
        ended: blob.t,
        received_at: header.received_at,
        ..SessionRow::default()
    }
}

#[cfg(test)]
mod tests {
    //! The writer against real stores (DuckDB file, SQLite, files) behind a fault-injecting wrapper: a store
    //! that refuses one record, or every write, the way a real one does when a row breaks a constraint or
    //! the disk is full.
    use super::*;
    use crate::record::RecordHeader;
    use sightline_store::duckdb::DuckDbEventStore;
    use sightline_store::fs::FsBlobStore;
    use sightline_store::sqlite::SqliteMetaStore;
    use sightline_store::{
        BatchKey, Deleted, MetaStore, NewSite, Overview, OverviewQuery, ReplayChunk, SeriesPoint,
        SessionPage, SessionQuery, StoreError, StoredEvent,
    };
    use std::sync::atomic::AtomicBool;

    /// Refuses any commit holding a custom event named `poison`, and every commit while `refuse_all` is set.
    struct FaultyStore {
        inner: DuckDbEventStore,
        refuse_all: AtomicBool,
    }

    impl EventStore for FaultyStore {
        fn commit(&self, batch: &WriteBatch) -> sightline_store::Result<()> {
            if self.refuse_all.load(Ordering::SeqCst) {
                return Err(StoreError::Invalid("disk full (injected)".into()));
            }
            if batch.rows.texts("name").contains(&Some("poison")) {
                return Err(StoreError::Invalid("row refused (injected)".into()));
            }
            self.inner.commit(batch)
        }
        fn health(&self) -> sightline_store::Result<()> {
            self.inner.health()
        }
        fn recent_batch_keys(
            &self,
            since_ms: i64,
            limit: usize,
        ) -> sightline_store::Result<Vec<BatchKey>> {
            self.inner.recent_batch_keys(since_ms, limit)
        }
        fn batch_stored(
            &self,
            key: &BatchKey,
            received: std::ops::RangeInclusive<i64>,
        ) -> sightline_store::Result<bool> {
            self.inner.batch_stored(key, received)
        }
        fn delete_batch_keys_before(&self, before_ms: i64) -> sightline_store::Result<u64> {
            self.inner.delete_batch_keys_before(before_ms)
        }
        fn session_spans(
            &self,
            site_id: i64,
            sids: &[String],
            from: i64,
            to: i64,
        ) -> sightline_store::Result<Vec<sightline_store::SessionSpan>> {
            self.inner.session_spans(site_id, sids, from, to)
        }
        fn count_events(&self, site_id: i64) -> sightline_store::Result<u64> {
            self.inner.count_events(site_id)
        }
        fn overview(&self, site_id: i64, q: &OverviewQuery) -> sightline_store::Result<Overview> {
            self.inner.overview(site_id, q)
        }
        fn session_events(
            &self,
            site_id: i64,
            session: &str,
            limit: usize,
        ) -> sightline_store::Result<Vec<StoredEvent>> {
            self.inner.session_events(site_id, session, limit)
        }
        fn sessions(&self, site_id: i64, q: &SessionQuery) -> sightline_store::Result<SessionPage> {
            self.inner.sessions(site_id, q)
        }
        fn replay_chunks(
            &self,
            site_id: i64,
            session: &str,
        ) -> sightline_store::Result<Vec<ReplayChunk>> {
            self.inner.replay_chunks(site_id, session)
        }
        fn replay_bytes(&self, site_id: i64) -> sightline_store::Result<u64> {
            self.inner.replay_bytes(site_id)
        }
        fn delete_before(&self, site_id: i64, before_ms: i64) -> sightline_store::Result<Deleted> {
            self.inner.delete_before(site_id, before_ms)
        }
        fn count_before(
            &self,
            site_id: i64,
            before_ms: i64,
        ) -> sightline_store::Result<sightline_store::StoredCount> {
            self.inner.count_before(site_id, before_ms)
        }
        fn delete_visitor(&self, site_id: i64, visitor: &str) -> sightline_store::Result<Deleted> {
            self.inner.delete_visitor(site_id, visitor)
        }
        fn overview_series(
            &self,
            site_id: i64,
            q: &OverviewQuery,
        ) -> sightline_store::Result<Vec<SeriesPoint>> {
            self.inner.overview_series(site_id, q)
        }
        fn changed_sessions(
            &self,
            since: i64,
            until: i64,
            limit: usize,
        ) -> sightline_store::Result<Vec<sightline_store::SessionVersion>> {
            self.inner.changed_sessions(since, until, limit)
        }
        fn analysis_events(
            &self,
            sessions: &[sightline_store::SessionVersion],
        ) -> sightline_store::Result<Vec<EventRow>> {
            self.inner.analysis_events(sessions)
        }
        fn store_analyses(
            &self,
            analyses: &[sightline_store::AnalyzedSession],
        ) -> sightline_store::Result<()> {
            self.inner.store_analyses(analyses)
        }
        fn session_row(
            &self,
            site_id: i64,
            session: &str,
        ) -> sightline_store::Result<Option<SessionRow>> {
            self.inner.session_row(site_id, session)
        }
        fn session_detections(
            &self,
            site_id: i64,
            session: &str,
        ) -> sightline_store::Result<Vec<sightline_store::StoredDetection>> {
            self.inner.session_detections(site_id, session)
        }
        fn problem_counts(
            &self,
            site_id: i64,
            q: &sightline_store::ProblemQuery,
        ) -> sightline_store::Result<Vec<sightline_store::ProblemCounts>> {
            self.inner.problem_counts(site_id, q)
        }
        fn error_groups(
            &self,
            site_id: i64,
            q: &OverviewQuery,
        ) -> sightline_store::Result<Vec<sightline_store::IssueGroup>> {
            self.inner.error_groups(site_id, q)
        }
        fn failed_requests(
            &self,
            site_id: i64,
            q: &OverviewQuery,
        ) -> sightline_store::Result<Vec<sightline_store::IssueGroup>> {
            self.inner.failed_requests(site_id, q)
        }
        fn vitals(
            &self,
            site_id: i64,
            q: &OverviewQuery,
        ) -> sightline_store::Result<Vec<sightline_store::VitalStats>> {
            self.inner.vitals(site_id, q)
        }
        fn heatmap(
            &self,
            site_id: i64,
            q: &sightline_store::PageQuery,
            kind: sightline_store::HeatmapKind,
        ) -> sightline_store::Result<sightline_store::Heatmap> {
            self.inner.heatmap(site_id, q, kind)
        }
        fn zones(
            &self,
            site_id: i64,
            q: &sightline_store::PageQuery,
        ) -> sightline_store::Result<Vec<sightline_store::ZoneStats>> {
            self.inner.zones(site_id, q)
        }
        fn page_snapshot(
            &self,
            site_id: i64,
            q: &sightline_store::PageQuery,
        ) -> sightline_store::Result<Option<sightline_store::PageSnapshotRef>> {
            self.inner.page_snapshot(site_id, q)
        }
        fn zone_sessions(
            &self,
            site_id: i64,
            q: &sightline_store::PageQuery,
            selector: &str,
        ) -> sightline_store::Result<Vec<sightline_store::ZoneSession>> {
            self.inner.zone_sessions(site_id, q, selector)
        }
        fn session_summaries(
            &self,
            site_id: i64,
            sessions: &[String],
        ) -> sightline_store::Result<Vec<sightline_store::SessionSummary>> {
            self.inner.session_summaries(site_id, sessions)
        }
        fn paths(
            &self,
            site_id: i64,
            q: &sightline_store::PathQuery,
        ) -> sightline_store::Result<sightline_store::PathReport> {
            self.inner.paths(site_id, q)
        }
        fn path_sessions(
            &self,
            site_id: i64,
            q: &sightline_store::PathQuery,
            at: &sightline_store::PathSelection,
            limit: usize,
        ) -> sightline_store::Result<(Vec<String>, u64)> {
            self.inner.path_sessions(site_id, q, at, limit)
        }
        fn funnel_units(
            &self,
            site_id: i64,
            q: &sightline_store::FunnelQuery,
            each: &mut dyn FnMut(&sightline_store::FunnelUnit),
        ) -> sightline_store::Result<()> {
            self.inner.funnel_units(site_id, q, each)
        }
        fn retention(
            &self,
            site_id: i64,
            q: &sightline_store::RetentionQuery,
            until: i64,
        ) -> sightline_store::Result<sightline_store::RetentionReport> {
            self.inner.retention(site_id, q, until)
        }
    }

    struct Rig {
        dir: tempfile::TempDir,
        store: Arc<FaultyStore>,
        meta: Arc<dyn MetaStore>,
        spool: Arc<Spool>,
        writer: BatchWriter,
        site_id: i64,
    }

    fn rig() -> Rig {
        let dir = tempfile::tempdir().expect("tempdir");
        let meta: Arc<dyn MetaStore> =
            Arc::new(SqliteMetaStore::open(&dir.path().join("meta.sqlite")).expect("meta"));
        let site_id = meta
            .create_site(&NewSite {
                name: "Shop".into(),
                domains: vec!["shop.example".into()],
            })
            .expect("site")
            .id;
        let store = Arc::new(FaultyStore {
            inner: DuckDbEventStore::open(&dir.path().join("events.duckdb")).expect("duckdb"),
            refuse_all: AtomicBool::new(false),
        });
        let (spool, writer) = start(&dir, &store, &meta, SpoolPosition::default());
        Rig {
            dir,
            store,
            meta,
            spool,
            writer,
            site_id,
        }
    }

    /// Opens the rig's spool as if its saved position were `committed`, and starts a writer there.
    fn start(
        dir: &tempfile::TempDir,
        store: &Arc<FaultyStore>,
        meta: &Arc<dyn MetaStore>,
        committed: SpoolPosition,
    ) -> (Arc<Spool>, BatchWriter) {
        let blobs: Arc<dyn BlobStore> =
            Arc::new(FsBlobStore::open(&dir.path().join("blobs")).expect("blobs"));
        let (spool, recovered) = Spool::open(
            &dir.path().join("spool"),
            committed,
            crate::spool::SpoolOptions::default(),
            crate::spool::DedupSeed::empty(),
            |p| record::decode(p).map(|(h, _)| h.key()),
        )
        .expect("spool");
        let spool = Arc::new(spool);
        let writer = BatchWriter::spawn(
            store.clone(),
            blobs,
            Arc::new(SiteDirectory::new(meta.clone())),
            spool.clone(),
            WriterStart {
                from: committed,
                verify_until: recovered.end,
                match_window_ms: 0,
            },
            &dir.path().join("dead-letter"),
        )
        .expect("writer");
        (spool, writer)
    }

    /// A spool record: a pageview and one custom event called `name`.
    fn record(site_id: i64, seq: u64, name: &str) -> (BatchKey, Vec<u8>) {
        let t = sightline_model::now_ms() - 1_000;
        let json = serde_json::json!({"v": 1, "site": "key", "sid": "abcdefghijklmnop", "seq": seq, "sent_at": t,
        "events": [
            {"t": t, "type": "pageview", "pv": format!("pv{seq}"), "url": "https://shop.example/", "vw": 1280, "vh": 800},
            {"t": t + 1, "type": "custom", "pv": format!("pv{seq}"), "name": name}
        ]});
        let header = RecordHeader {
            site_id,
            sid: "abcdefghijklmnop".into(),
            seq,
            received_at: t + 500,
            visitor: "visitor-1".into(),
            device: "desktop".into(),
            browser: "Chrome".into(),
            os: "Linux".into(),
        };
        (
            header.key(),
            record::encode(&header, json.to_string().as_bytes()),
        )
    }

    fn wait_committed(rig: &Rig) {
        let target = rig.spool.durable().get();
        let deadline = Instant::now() + Duration::from_secs(20);
        while *rig.writer.status.committed.lock().expect("status") < target {
            assert!(
                Instant::now() < deadline,
                "the writer gets past every record"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn dead_letter_files(rig: &Rig, ext: &str) -> Vec<std::path::PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(rig.dir.path().join("dead-letter"))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == ext));
        files.sort();
        files
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_poison_record_goes_to_the_dead_letters_and_the_rest_is_stored() {
        let rig = rig();
        let (k0, good) = record(rig.site_id, 0, "signup");
        let (k1, poison) = record(rig.site_id, 1, "poison");
        let (k2, also_good) = record(rig.site_id, 2, "purchase");
        let unreadable = (
            BatchKey {
                seq: 3,
                ..k0.clone()
            },
            b"\x05\x00\x00\x00not a record header".to_vec(),
        );
        for (key, payload) in [
            (k0, good),
            (k1, poison.clone()),
            (k2, also_good),
            unreadable.clone(),
        ] {
            rig.spool.append(key, 0, payload).await.expect("append");
        }
        wait_committed(&rig);
        // Pageview + custom event of batches 0 and 2; nothing of the poison batch.
        assert_eq!(rig.store.count_events(rig.site_id).expect("count"), 4);
        let records = dead_letter_files(&rig, "record");
        assert_eq!(records.len(), 2, "{records:?}");
        let kept: Vec<Vec<u8>> = records
            .iter()
            .map(|p| std::fs::read(p).expect("read"))
            .collect();
        assert!(
            kept.contains(&poison),
            "the poison record is kept byte for byte"
        );
        assert!(kept.contains(&unreadable.1));
        let reasons: Vec<String> = dead_letter_files(&rig, "reason")
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("read"))
            .collect();
        assert!(
            reasons.iter().any(|r| r.contains("row refused")),
            "{reasons:?}"
        );
        assert!(reasons.iter().any(|r| r.contains("header")), "{reasons:?}");
        assert_eq!(rig.writer.status.dead_letters.load(Ordering::SeqCst), 2);
        assert!(rig.writer.status.last_error().is_none());
        rig.spool.close();
        rig.writer.finish();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_store_refusing_everything_is_retried_not_dead_lettered() {
        let rig = rig();
        rig.store.refuse_all.store(true, Ordering::SeqCst);
        for seq in 0..3 {
            let (key, payload) = record(rig.site_id, seq, "signup");
            rig.spool.append(key, 0, payload).await.expect("append");
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while rig.writer.status.last_error().is_none() {
            assert!(Instant::now() < deadline, "the failure is reported");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(RETRY_BACKOFF * 2).await;
        assert!(
            rig.writer.lag_bytes() > 0,
            "nothing is skipped while the store is down"
        );
        assert!(dead_letter_files(&rig, "record").is_empty());
        rig.store.refuse_all.store(false, Ordering::SeqCst);
        wait_committed(&rig);
        assert_eq!(rig.store.count_events(rig.site_id).expect("count"), 6);
        assert!(dead_letter_files(&rig, "record").is_empty());
        assert!(rig.writer.status.last_error().is_none());
        rig.spool.close();
        rig.writer.finish();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_saved_position_that_lags_behind_the_store_stores_nothing_twice() {
        let mut rig = rig();
        for seq in 0..3 {
            let (key, payload) = record(rig.site_id, seq, "signup");
            rig.spool.append(key, 0, payload).await.expect("append");
        }
        wait_committed(&rig);
        assert_eq!(
            crate::spool::position::saved_position(&rig.dir.path().join("spool")).expect("saved"),
            Some(rig.spool.durable().get()),
            "each commit saves the position reached"
        );
        // A crash between a commit and saving its position: the next start resumes from further back.
        rig.spool.close();
        rig.writer.finish();
        (rig.spool, rig.writer) = start(&rig.dir, &rig.store, &rig.meta, SpoolPosition::default());
        let (key, payload) = record(rig.site_id, 3, "purchase");
        rig.spool.append(key, 0, payload).await.expect("append");
        wait_committed(&rig);
        assert_eq!(
            rig.store.count_events(rig.site_id).expect("count"),
            8,
            "three batches once, the new one too"
        );
        let session = rig
            .store
            .session_row(rig.site_id, "abcdefghijklmnop")
            .expect("row")
            .expect("a session");
        assert_eq!(
            session.pageviews, 4,
            "the session's facts are not counted twice"
        );
        rig.spool.close();
        rig.writer.finish();
    }
}

//! The batch writer: one thread drains durable spool records into the EventStore, a few hundred milliseconds
//! behind at most. Each commit moves the stored ingest position in the same transaction as its rows, so a
//! restart resumes exactly where the last commit ended: no loss, no duplicates.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sightline_model::wire::Batch;
use sightline_store::{BlobStore, EventStore, SpoolPosition, WriteBatch};

use crate::enrich::PageGroups;
use crate::record;
use crate::rows::PageviewCache;
use crate::sites::SiteDirectory;
use crate::spool::Spool;

/// How long the writer waits for new records before checking for shutdown.
const POLL: Duration = Duration::from_millis(100);
/// Payload bytes read per commit (bounds memory and transaction size).
pub const MAX_COMMIT_BYTES: usize = 16 * 1024 * 1024;
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
}

impl BatchWriter {
    pub fn spawn(
        store: Arc<dyn EventStore>,
        blobs: Arc<dyn BlobStore>,
        sites: Arc<SiteDirectory>,
        spool: Arc<Spool>,
        start: SpoolPosition,
    ) -> std::io::Result<Self> {
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

impl Worker {
    fn run(mut self, start: SpoolPosition) {
        let durable = self.spool.durable();
        let mut reader = self.spool.reader(start);
        let mut last_commit = Instant::now();
        loop {
            let stopping = self.stop.load(Ordering::SeqCst);
            let mut limit = durable.wait_past(reader.position(), POLL);
            if reader.position() >= limit {
                if stopping {
                    break;
                }
                continue;
            }
            let since = last_commit.elapsed();
            if !stopping
                && since < MIN_COMMIT_INTERVAL
                && self.spool.pending_bytes(reader.position()) < MAX_COMMIT_BYTES as u64 / 2
            {
                std::thread::sleep(MIN_COMMIT_INTERVAL - since);
                limit = durable.get();
            }
            last_commit = Instant::now();
            let records = match reader.read(limit, MAX_COMMIT_BYTES) {
                Ok(records) => records,
                Err(e) => {
                    self.fail(&format!("reading the spool: {e}"));
                    reader = self.spool.reader(self.committed());
                    continue;
                }
            };
            let position = records.last().map_or(reader.position(), |(_, end)| *end);
            let (write, blobs) = self.build(&records, position);
            // Retry until stored: the position only moves with a successful commit. On shutdown the
            // uncommitted records stay in the spool and are written at the next start.
            while let Err(e) = self
                .store_blobs(&blobs)
                .and_then(|_| self.store.commit(&write).map_err(|e| e.to_string()))
            {
                self.fail(&format!("committing {} rows: {e}", write.rows.len()));
                if self.stop.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(RETRY_BACKOFF);
            }
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
            metrics::histogram!("sightline_writer_batch_rows").record(write.rows.len() as f64);
            metrics::counter!("sightline_writer_rows_total").increment(write.rows.len() as u64);
            if let Err(e) = self.spool.remove_consumed(position) {
                tracing::warn!(error = %e, "could not delete consumed spool segments");
            }
        }
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

    fn store_blobs(&self, blobs: &[crate::rows::PendingBlob]) -> Result<(), String> {
        for blob in blobs {
            self.blobs
                .put(&blob.key, &blob.bytes)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn build(
        &mut self,
        records: &[(Vec<u8>, SpoolPosition)],
        position: SpoolPosition,
    ) -> (WriteBatch, Vec<crate::rows::PendingBlob>) {
        let started = Instant::now();
        let mut write = WriteBatch {
            position,
            ..WriteBatch::default()
        };
        let mut blobs = Vec::new();
        let no_groups = PageGroups::default();
        let mut decoded = Vec::with_capacity(records.len());
        for (payload, _) in records {
            let Some((header, json)) = record::decode(payload) else {
                tracing::error!("spool record with an unreadable header, skipped");
                continue;
            };
            match serde_json::from_slice::<Batch>(json) {
                Ok(batch) => {
                    let site = self.sites.by_id(header.site_id).ok().flatten();
                    decoded.push((header, batch, site));
                }
                Err(e) => {
                    tracing::error!(error = %e, "spool record with an unreadable batch, skipped")
                }
            }
        }
        // Pageviews first: a page-hide beacon can overtake the batch that holds its pageview.
        for (_, batch, site) in &decoded {
            let groups = site.as_ref().map_or(&no_groups, |s| &s.groups);
            write
                .backfills
                .extend(self.pageviews.register_pageviews(batch, groups));
        }
        for (header, batch, site) in &decoded {
            let groups = site.as_ref().map_or(&no_groups, |s| &s.groups);
            let (rows, batch_blobs) = self.pageviews.rows(header, batch, groups);
            write.rows.extend(rows);
            blobs.extend(batch_blobs);
            write.batch_keys.push(header.key());
        }
        write.replay_chunks = blobs.iter().map(|b| b.chunk.clone()).collect();
        metrics::histogram!("sightline_writer_build_seconds")
            .record(started.elapsed().as_secs_f64());
        (write, blobs)
    }
}

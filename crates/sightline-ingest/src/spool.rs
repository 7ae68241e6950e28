//! The durable spool: append-only segment files of length + CRC framed records ([`frame`]).
//!
//! One appender thread owns the open segment. It takes every request waiting in its queue, writes them with
//! one `write` and one `fdatasync` (group commit), and only then answers them, so a 202 always means "on disk".
//! It also owns the deduplication memory ([`dedup`]), which makes "store `(site, sid, seq)` once" race-free.
//! Readers (the batch writer) only read up to the durable position the appender publishes.
//!
//! Overload never parks a request: a full queue answers [`SpoolError::Busy`] and a spool at its byte cap
//! answers [`SpoolError::Full`] at once (both 503 + Retry-After). Segments are closed when full, when idle
//! or old, and on request ([`Spool::seal`]); the writer deletes each one it has wholly stored, so drained
//! records do not stay on disk.

pub mod dedup;
pub mod frame;
pub mod position;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, ErrorKind, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sightline_store::BatchKey;

pub use position::SpoolPosition;

use dedup::{RecentKeys, STORED, UNWRITTEN, key_id};
pub use frame::{Ending, MAX_RECORD_BYTES};

/// A segment is closed and a new one started once it holds this many bytes (less under a small cap).
pub const SEGMENT_BYTES: u64 = 64 * 1024 * 1024;
/// Default cap on the bytes of all segment files together (`spool_max_bytes`).
pub const DEFAULT_MAX_BYTES: u64 = 1024 * 1024 * 1024;
/// Smallest accepted cap: with segments of a quarter of it, a drained spool always has room for the
/// largest record.
pub const MIN_MAX_BYTES: u64 = 2 * MAX_RECORD_BYTES as u64;
/// Segments are at most this fraction of the cap, so deleting drained ones frees room.
const SEGMENTS_PER_CAP: u64 = 4;
/// Most bytes written in one group commit.
const MAX_GROUP_BYTES: usize = 8 * 1024 * 1024;
/// Requests waiting for the appender; when it is full, appends are refused at once (503), never queued.
pub const QUEUE_DEPTH: usize = 4_096;
/// A segment holding records is closed after this long without an append ...
pub const SEAL_AFTER_IDLE: Duration = Duration::from_secs(5);
/// ... or once its first record is this old, so stored records (and data deleted since) leave the disk soon.
pub const SEAL_AFTER_AGE: Duration = Duration::from_secs(300);
/// How often an idle appender checks whether to close its segment.
const SEAL_CHECK_EVERY: Duration = Duration::from_millis(500);
/// Batch keys kept in memory for deduplication (~70 bytes each with the set and queue: ~17 MB; 20 minutes of
/// batches at 10 k events/s, where a tracker retries within seconds). Older ones are asked of the event store.
pub const DEDUP_MEMORY_KEYS: usize = 250_000;
/// Event times are client clocks corrected by `sent_at` (and late by the upload): a batch whose earliest
/// event is within this of the memory's horizon may have been first received before it.
pub const DEDUP_CLOCK_SLACK_MS: i64 = 10 * 60 * 1000;
/// Damaged tails are kept here, under the spool directory.
pub const QUARANTINE_DIR: &str = "quarantine";

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool i/o on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the spool is unavailable: {0}")]
    Unavailable(String),
    #[error(
        "the spool is busy: {QUEUE_DEPTH} batches are already waiting for the disk; retry shortly"
    )]
    Busy,
    #[error("the spool is full: {0}; retry later")]
    Full(String),
}

impl SpoolError {
    /// The same refusal for another request of a failed group.
    fn again(&self) -> SpoolError {
        match self {
            SpoolError::Full(why) => SpoolError::Full(why.clone()),
            SpoolError::Busy => SpoolError::Busy,
            other => SpoolError::Unavailable(other.to_string()),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// An i/o failure while appending: a full disk (or quota) is [`SpoolError::Full`], like the byte cap.
fn write_failure(path: &Path, source: std::io::Error) -> SpoolError {
    if matches!(
        source.kind(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded
    ) {
        SpoolError::Full(format!("no space left on the disk of {}", path.display()))
    } else {
        io(path)(source)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendOutcome {
    Stored,
    Duplicate,
}

struct AppendRequest {
    key: BatchKey,
    /// Earliest event time of the batch (server clock): decides whether the store must be asked.
    earliest_event_ms: i64,
    payload: Vec<u8>,
    reply: tokio::sync::oneshot::Sender<Result<AppendOutcome, SpoolError>>,
}

enum Request {
    Append(AppendRequest),
    /// Close the current segment; answers the position every earlier record lies before.
    Seal(mpsc::Sender<Result<SpoolPosition, String>>),
}

/// Position up to which records are fsync'd, with a condition variable for the writer to wait on.
#[derive(Default)]
pub struct Durable {
    position: Mutex<SpoolPosition>,
    advanced: Condvar,
}

impl Durable {
    pub fn get(&self) -> SpoolPosition {
        *lock(&self.position)
    }

    fn set(&self, position: SpoolPosition) {
        *lock(&self.position) = position;
        self.advanced.notify_all();
    }

    /// Waits until the durable position is past `seen` or `timeout` passes; returns the position.
    pub fn wait_past(&self, seen: SpoolPosition, timeout: Duration) -> SpoolPosition {
        let guard = lock(&self.position);
        let (guard, _) = self
            .advanced
            .wait_timeout_while(guard, timeout, |p| *p <= seen)
            .unwrap_or_else(|p| p.into_inner());
        *guard
    }

    /// Wakes waiters without moving (used on shutdown).
    pub fn wake(&self) {
        self.advanced.notify_all();
    }
}

pub fn segment_path(dir: &Path, segment: u64) -> PathBuf {
    dir.join(format!("{segment:016}.spool"))
}

/// Segment numbers present in `dir`, ascending.
pub fn list_segments(dir: &Path) -> Result<Vec<u64>, SpoolError> {
    let mut segments = Vec::new();
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let name = entry.map_err(io(dir))?.file_name();
        if let Some(n) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".spool"))
            .and_then(|n| n.parse().ok())
        {
            segments.push(n);
        }
    }
    segments.sort_unstable();
    Ok(segments)
}

/// What recovery found in the unconsumed part of the spool.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Records after the committed position (those the event store may not have yet).
    pub pending_records: usize,
    /// The end of the spooled records at open: what the writer reads before it may already be stored (the
    /// saved position can lag behind the store), what it reads after is new.
    pub end: SpoolPosition,
    /// Bytes of an unfinished last write, cut off.
    pub truncated_bytes: u64,
    /// Bytes after damaged records, moved to `spool/quarantine/`.
    pub quarantined_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct SpoolOptions {
    /// Cap on the bytes of all segment files; appends past it are refused with [`SpoolError::Full`].
    pub max_bytes: u64,
    pub segment_bytes: u64,
    pub queue_depth: usize,
    pub dedup_memory_keys: usize,
    pub seal_after_idle: Duration,
    pub seal_after_age: Duration,
}

impl SpoolOptions {
    pub fn with_max_bytes(max_bytes: u64) -> Self {
        Self {
            max_bytes,
            segment_bytes: (max_bytes / SEGMENTS_PER_CAP).clamp(1, SEGMENT_BYTES),
            queue_depth: QUEUE_DEPTH,
            dedup_memory_keys: DEDUP_MEMORY_KEYS,
            seal_after_idle: SEAL_AFTER_IDLE,
            seal_after_age: SEAL_AFTER_AGE,
        }
    }
}

impl Default for SpoolOptions {
    fn default() -> Self {
        Self::with_max_bytes(DEFAULT_MAX_BYTES)
    }
}

/// Asks the event store whether a batch was stored with a `received_at` in the range (only for batches
/// that may be older than the dedup memory).
pub type StoredLookup =
    Box<dyn FnMut(&BatchKey, std::ops::RangeInclusive<i64>) -> Result<bool, String> + Send>;

/// What the event store knows about stored batches when the spool opens.
pub struct DedupSeed {
    /// The newest stored batch keys, oldest first (at most `dedup_memory_keys` are kept).
    pub recent: Vec<BatchKey>,
    /// Stored keys received at or before this may be missing from `recent`.
    pub horizon_ms: i64,
    pub lookup: StoredLookup,
}

impl DedupSeed {
    /// No stored batches (tests, a fresh store).
    pub fn empty() -> Self {
        Self {
            recent: Vec::new(),
            horizon_ms: i64::MIN,
            lookup: Box::new(|_, _| Ok(false)),
        }
    }
}

/// State shared by the appender, the spool handle and readers.
struct Shared {
    dir: PathBuf,
    sender: Mutex<Option<mpsc::SyncSender<Request>>>,
    durable: Arc<Durable>,
    /// Bytes of every segment file, the one being appended to included.
    sizes: Mutex<BTreeMap<u64, u64>>,
    /// Where the batch writer has committed to (records before it are in the event store).
    committed: Mutex<SpoolPosition>,
    remembered_keys: AtomicUsize,
}

impl Shared {
    fn sender(&self) -> Result<mpsc::SyncSender<Request>, SpoolError> {
        lock(&self.sender)
            .clone()
            .ok_or_else(|| SpoolError::Unavailable("shutting down".into()))
    }

    fn used_bytes(&self) -> u64 {
        lock(&self.sizes).values().sum()
    }

    fn pending_bytes(&self, from: SpoolPosition) -> u64 {
        lock(&self.sizes)
            .range(from.segment..)
            .map(|(&segment, &size)| {
                if segment == from.segment {
                    size.saturating_sub(from.offset)
                } else {
                    size
                }
            })
            .sum()
    }

    fn seal(&self, timeout: Duration) -> Result<SpoolPosition, SpoolError> {
        let deadline = Instant::now() + timeout;
        let sender = self.sender()?;
        let (reply, answer) = mpsc::channel();
        let mut request = Request::Seal(reply);
        // The queue may be full of appends: wait for room, within the deadline.
        loop {
            match sender.try_send(request) {
                Ok(()) => break,
                Err(mpsc::TrySendError::Full(back)) if Instant::now() < deadline => {
                    request = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(mpsc::TrySendError::Full(_)) => {
                    return Err(SpoolError::Unavailable(
                        "timed out waiting to close the spool segment".into(),
                    ));
                }
                Err(mpsc::TrySendError::Disconnected(_)) => {
                    return Err(SpoolError::Unavailable("appender stopped".into()));
                }
            }
        }
        answer
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .map_err(|_| SpoolError::Unavailable("the appender did not close its segment".into()))?
            .map_err(SpoolError::Unavailable)
    }
}

pub struct Spool {
    shared: Arc<Shared>,
    appender: Mutex<Option<JoinHandle<()>>>,
    options: SpoolOptions,
}

impl Spool {
    /// Opens the spool in `dir`: recovers the records after `committed` (cutting an unfinished last write,
    /// quarantining what follows a damaged record), then starts the appender. `pending_key` extracts the key
    /// of a pending payload, so retries of batches not yet stored are duplicates too.
    pub fn open(
        dir: &Path,
        committed: SpoolPosition,
        options: SpoolOptions,
        dedup: DedupSeed,
        pending_key: impl Fn(&[u8]) -> Option<BatchKey>,
    ) -> Result<(Spool, Recovered), SpoolError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let segments = list_segments(dir)?;
        let mut recovered = Recovered::default();
        // Left behind by a crash between a commit and the deletion of what it consumed.
        for &segment in segments.iter().filter(|&&s| s < committed.segment) {
            remove_segment(dir, segment)?;
        }
        let live: Vec<u64> = segments
            .into_iter()
            .filter(|&s| s >= committed.segment)
            .collect();
        let mut sizes = BTreeMap::new();
        let mut pending_keys = Vec::new();
        let mut end = None;
        for (i, &segment) in live.iter().enumerate() {
            let start = if segment == committed.segment {
                committed.offset
            } else {
                0
            };
            let last = i + 1 == live.len();
            let size = recover_segment(dir, segment, start, last, &mut recovered, &mut |p| {
                pending_keys.extend(pending_key(p).map(|k| (k, segment)));
            })?;
            sizes.insert(segment, size);
            end = Some(SpoolPosition {
                segment,
                offset: size,
            });
        }
        // Never append behind the committed position: if its segment is gone or shorter, start a new one.
        let end = match end {
            Some(end) if end >= committed => end,
            _ if committed.offset == 0 => SpoolPosition {
                segment: committed.segment.max(1),
                offset: 0,
            },
            _ => SpoolPosition {
                segment: committed.segment + 1,
                offset: 0,
            },
        };
        sizes.entry(end.segment).or_insert(0);
        recovered.end = end;

        let mut keys = RecentKeys::new(options.dedup_memory_keys, dedup.horizon_ms);
        for key in &dedup.recent {
            keys.make_room(committed.segment);
            keys.insert(key_id(key), key.received_at, STORED);
        }
        for (key, segment) in &pending_keys {
            let id = key_id(key);
            if !keys.contains(id) {
                // Pending keys are kept even past the cap: the writer has not stored them yet.
                keys.make_room(committed.segment);
                keys.insert(id, key.received_at, *segment);
            }
        }

        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(segment_path(dir, end.segment))
            .map_err(io(dir))?;
        sync_dir(dir)?;
        let (sender, receiver) = mpsc::sync_channel(options.queue_depth.max(1));
        let durable = Arc::new(Durable::default());
        durable.set(end);
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            sender: Mutex::new(Some(sender)),
            durable,
            sizes: Mutex::new(sizes),
            committed: Mutex::new(committed),
            remembered_keys: AtomicUsize::new(keys.len()),
        });
        let now = Instant::now();
        let appender = Appender {
            file,
            position: end,
            keys,
            lookup: dedup.lookup,
            shared: shared.clone(),
            options: options.clone(),
            first_append: (end.offset > 0).then_some(now),
            last_append: now,
            failed: None,
        };
        let handle = std::thread::Builder::new()
            .name("spool-appender".into())
            .spawn(move || appender.run(receiver))
            .map_err(io(dir))?;
        Ok((
            Spool {
                shared,
                appender: Mutex::new(Some(handle)),
                options,
            },
            recovered,
        ))
    }

    pub fn durable(&self) -> Arc<Durable> {
        self.shared.durable.clone()
    }

    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    pub fn options(&self) -> &SpoolOptions {
        &self.options
    }

    /// A reader from `position` that can close the current segment when it finds damage in it.
    pub fn reader(&self, position: SpoolPosition) -> SpoolReader {
        let mut reader = SpoolReader::new(self.dir(), position);
        reader.shared = Some(self.shared.clone());
        reader
    }

    /// Appends one record durably; resolves once it is fsync'd (or known as a duplicate). Never waits for
    /// room: a full queue is [`SpoolError::Busy`], a spool at its cap [`SpoolError::Full`].
    /// `earliest_event_ms` is the batch's earliest event time on the server clock.
    pub async fn append(
        &self,
        key: BatchKey,
        earliest_event_ms: i64,
        payload: Vec<u8>,
    ) -> Result<AppendOutcome, SpoolError> {
        if payload.is_empty() || payload.len() > MAX_RECORD_BYTES {
            return Err(SpoolError::Unavailable(format!(
                "a record of {} bytes cannot be spooled (1..={MAX_RECORD_BYTES})",
                payload.len()
            )));
        }
        let sender = self.shared.sender()?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let request = Request::Append(AppendRequest {
            key,
            earliest_event_ms,
            payload,
            reply,
        });
        match sender.try_send(request) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(_)) => {
                metrics::counter!("sightline_spool_refused_total", "reason" => "busy").increment(1);
                return Err(SpoolError::Busy);
            }
            Err(mpsc::TrySendError::Disconnected(_)) => {
                return Err(SpoolError::Unavailable("appender stopped".into()));
            }
        }
        answer
            .await
            .map_err(|_| SpoolError::Unavailable("appender stopped".into()))?
    }

    /// Closes the current segment (if it holds records) and returns a position every record acknowledged
    /// before the call lies before. Blocking, at most `timeout`.
    pub fn seal(&self, timeout: Duration) -> Result<SpoolPosition, SpoolError> {
        self.shared.seal(timeout)
    }

    /// Stops accepting, lets the appender finish what is queued, and waits for it.
    pub fn close(&self) {
        lock(&self.shared.sender).take();
        if let Some(handle) = lock(&self.appender).take() {
            let _ = handle.join();
        }
        self.shared.durable.wake();
    }

    /// The writer has committed everything before `position`: saves it as the committed position, then
    /// deletes the segment files wholly before it (in that order, so the saved position's segment exists).
    pub fn remove_consumed(&self, position: SpoolPosition) -> Result<usize, SpoolError> {
        {
            let mut committed = lock(&self.shared.committed);
            *committed = (*committed).max(position);
            position::save_position(self.dir(), *committed)?;
        }
        let consumed: Vec<u64> = list_segments(self.dir())?
            .into_iter()
            .filter(|&s| s < position.segment)
            .collect();
        for &segment in &consumed {
            remove_segment(self.dir(), segment)?;
            lock(&self.shared.sizes).remove(&segment);
        }
        if !consumed.is_empty() {
            sync_dir(self.dir())?;
        }
        Ok(consumed.len())
    }

    /// Bytes from `from` to the durable end, summed over the real segment sizes.
    pub fn pending_bytes(&self, from: SpoolPosition) -> u64 {
        self.shared.pending_bytes(from)
    }

    /// Bytes of all segment files (what `max_bytes` caps).
    pub fn used_bytes(&self) -> u64 {
        self.shared.used_bytes()
    }

    /// Batch keys in the dedup memory.
    pub fn remembered_keys(&self) -> usize {
        self.shared.remembered_keys.load(Ordering::Relaxed)
    }
}

fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

fn remove_segment(dir: &Path, segment: u64) -> Result<(), SpoolError> {
    let path = segment_path(dir, segment);
    match fs::remove_file(&path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(io(&path)(e)),
        _ => Ok(()),
    }
}

/// Copies a damaged segment's tail to `quarantine/<segment>-<offset>.bad`, fsync'd, for inspection.
fn quarantine(dir: &Path, segment: u64, offset: u64, tail: &[u8]) -> Result<PathBuf, SpoolError> {
    let qdir = dir.join(QUARANTINE_DIR);
    fs::create_dir_all(&qdir).map_err(io(&qdir))?;
    let path = qdir.join(format!("{segment:016}-{offset}.bad"));
    let mut file = File::create(&path).map_err(io(&path))?;
    file.write_all(tail)
        .and_then(|_| file.sync_all())
        .map_err(io(&path))?;
    sync_dir(&qdir)?;
    sync_dir(dir)?;
    metrics::counter!("sightline_spool_quarantined_bytes_total").increment(tail.len() as u64);
    Ok(path)
}

/// Recovers one segment from `start`: every intact record goes to `on_record`; an unfinished last write is
/// cut, a damaged record and what follows it are quarantined. Returns the segment's size afterwards.
fn recover_segment(
    dir: &Path,
    segment: u64,
    start: u64,
    last: bool,
    recovered: &mut Recovered,
    on_record: &mut impl FnMut(&[u8]),
) -> Result<u64, SpoolError> {
    let path = segment_path(dir, segment);
    let bytes = fs::read(&path).map_err(io(&path))?;
    let scan = frame::scan(&bytes, start, last, &mut |p| {
        recovered.pending_records += 1;
        on_record(p);
    });
    let cut_at = match scan.ending {
        Ending::Clean => return Ok(bytes.len() as u64),
        Ending::Torn { offset } => {
            let cut = bytes.len() as u64 - offset;
            tracing::warn!(
                segment,
                offset,
                bytes = cut,
                "spool: cutting an unfinished last write"
            );
            recovered.truncated_bytes += cut;
            offset
        }
        Ending::Damaged { offset } => {
            let tail = &bytes[offset as usize..];
            let kept = quarantine(dir, segment, offset, tail)?;
            tracing::error!(
                segment,
                offset,
                bytes = tail.len(),
                file = %kept.display(),
                "spool: damaged record; moved it and everything after it in the segment to quarantine"
            );
            recovered.quarantined_bytes += tail.len() as u64;
            offset
        }
    };
    let file = OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    file.set_len(cut_at)
        .and_then(|_| file.sync_all())
        .map_err(io(&path))?;
    Ok(cut_at)
}

struct Appender {
    file: File,
    position: SpoolPosition,
    keys: RecentKeys,
    lookup: StoredLookup,
    shared: Arc<Shared>,
    options: SpoolOptions,
    /// When the current segment got its first record (`None` while empty).
    first_append: Option<Instant>,
    last_append: Instant,
    /// Set when a failed write could not be undone: the spool then refuses everything (503).
    failed: Option<String>,
}

impl Appender {
    fn run(mut self, receiver: mpsc::Receiver<Request>) {
        let group_limit = MAX_GROUP_BYTES.min(self.options.segment_bytes as usize);
        let mut frame = Vec::new();
        let mut next: Option<Request> = None;
        loop {
            let request = match next.take() {
                Some(request) => request,
                None => match receiver.recv_timeout(SEAL_CHECK_EVERY) {
                    Ok(request) => request,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        self.seal_if_stale();
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                },
            };
            match request {
                Request::Seal(reply) => {
                    let _ = reply.send(self.seal());
                }
                Request::Append(first) => {
                    let mut bytes = first.payload.len();
                    let mut group = vec![first];
                    while bytes < group_limit {
                        match receiver.try_recv() {
                            Ok(Request::Append(request)) => {
                                bytes += request.payload.len();
                                group.push(request);
                            }
                            Ok(seal) => {
                                next = Some(seal);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    self.commit_group(group, &mut frame);
                    self.seal_if_stale();
                }
            }
        }
    }

    /// Decides one request: `Ok(Some(Duplicate))`, `Ok(None)` = new, or a refusal.
    fn check(
        &mut self,
        request: &AppendRequest,
        id: dedup::KeyId,
    ) -> Result<Option<AppendOutcome>, SpoolError> {
        if self.keys.contains(id) {
            return Ok(Some(AppendOutcome::Duplicate));
        }
        // The first copy arrived after its events happened and, if forgotten, at or before the horizon.
        let earliest_arrival = request
            .earliest_event_ms
            .saturating_sub(DEDUP_CLOCK_SLACK_MS);
        if earliest_arrival <= self.keys.horizon_ms() {
            metrics::counter!("sightline_spool_dedup_store_lookups_total").increment(1);
            match (self.lookup)(&request.key, earliest_arrival..=self.keys.horizon_ms()) {
                Ok(true) => return Ok(Some(AppendOutcome::Duplicate)),
                Ok(false) => {}
                Err(e) => {
                    return Err(SpoolError::Unavailable(format!(
                        "cannot ask the event store whether the batch is a retry: {e}"
                    )));
                }
            }
        }
        Ok(None)
    }

    fn commit_group(&mut self, group: Vec<AppendRequest>, frame: &mut Vec<u8>) {
        if let Some(reason) = &self.failed {
            for request in group {
                let _ = request
                    .reply
                    .send(Err(SpoolError::Unavailable(reason.clone())));
            }
            return;
        }
        frame.clear();
        let committed_segment = lock(&self.shared.committed).segment;
        let used = self.shared.used_bytes();
        let mut outcomes = Vec::with_capacity(group.len());
        let mut inserted = 0;
        for request in &group {
            let id = key_id(&request.key);
            let outcome = match self.check(request, id) {
                Ok(Some(duplicate)) => Ok(duplicate),
                Err(e) => Err(e),
                Ok(None) => {
                    let size = frame::framed_len(&request.payload) as u64;
                    if used + frame.len() as u64 + size > self.options.max_bytes {
                        metrics::counter!("sightline_spool_refused_total", "reason" => "full")
                            .increment(1);
                        Err(SpoolError::Full(format!(
                            "{used} bytes wait for the batch writer and the limit (spool_max_bytes) is {}",
                            self.options.max_bytes
                        )))
                    } else if !self.keys.make_room(committed_segment) {
                        metrics::counter!("sightline_spool_refused_total", "reason" => "dedup")
                            .increment(1);
                        Err(SpoolError::Full(format!(
                            "{} batches wait for the batch writer",
                            self.keys.len()
                        )))
                    } else {
                        self.keys.insert(id, request.key.received_at, UNWRITTEN);
                        inserted += 1;
                        frame::encode_into(frame, &request.payload);
                        Ok(AppendOutcome::Stored)
                    }
                }
            };
            outcomes.push(outcome);
        }
        match self.write_durably(frame) {
            Ok(()) => {
                self.keys
                    .set_newest_segment(inserted, self.position.segment);
                metrics::histogram!("sightline_spool_group_records").record(group.len() as f64);
                for (request, outcome) in group.into_iter().zip(outcomes) {
                    let _ = request.reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "spool write failed; answering 503");
                self.keys.forget_newest(inserted);
                // Duplicates found within this group are not stored either: refuse them too.
                for (request, outcome) in group.into_iter().zip(outcomes) {
                    let _ = request.reply.send(outcome.and(Err(e.again())));
                }
            }
        }
        self.shared
            .remembered_keys
            .store(self.keys.len(), Ordering::Relaxed);
        metrics::gauge!("sightline_spool_dedup_keys").set(self.keys.len() as f64);
    }

    fn write_durably(&mut self, frame: &[u8]) -> Result<(), SpoolError> {
        if frame.is_empty() {
            return Ok(());
        }
        if self.position.offset > 0
            && self.position.offset + frame.len() as u64 > self.options.segment_bytes
        {
            self.rotate()?;
        }
        let path = segment_path(&self.shared.dir, self.position.segment);
        let written = self
            .file
            .write_all(frame)
            .and_then(|_| self.file.sync_data());
        if let Err(e) = written {
            // Undo a partial write so the next record starts at a clean boundary.
            if self
                .file
                .set_len(self.position.offset)
                .and_then(|_| self.file.sync_data())
                .is_err()
            {
                self.failed = Some(format!(
                    "could not undo a failed write to {}: {e}",
                    path.display()
                ));
            }
            return Err(write_failure(&path, e));
        }
        let now = Instant::now();
        self.first_append.get_or_insert(now);
        self.last_append = now;
        self.position.offset += frame.len() as u64;
        lock(&self.shared.sizes).insert(self.position.segment, self.position.offset);
        self.shared.durable.set(self.position);
        Ok(())
    }

    /// Starts the next segment and publishes its start as durable, so the writer moves past (and deletes)
    /// the closed one.
    fn rotate(&mut self) -> Result<(), SpoolError> {
        let next = SpoolPosition {
            segment: self.position.segment + 1,
            offset: 0,
        };
        let path = segment_path(&self.shared.dir, next.segment);
        self.file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|e| write_failure(&path, e))?;
        sync_dir(&self.shared.dir)?;
        self.position = next;
        self.first_append = None;
        lock(&self.shared.sizes).insert(next.segment, 0);
        self.shared.durable.set(next);
        Ok(())
    }

    fn seal(&mut self) -> Result<SpoolPosition, String> {
        if self.position.offset > 0 {
            self.rotate().map_err(|e| e.to_string())?;
        }
        Ok(self.position)
    }

    fn seal_if_stale(&mut self) {
        let Some(first) = self.first_append else {
            return;
        };
        let stale = self.last_append.elapsed() >= self.options.seal_after_idle
            || first.elapsed() >= self.options.seal_after_age;
        if stale && let Err(e) = self.rotate() {
            tracing::warn!(error = %e, "spool: could not close an idle segment");
        }
    }
}

/// Sequential reader of durable records for the batch writer.
pub struct SpoolReader {
    dir: PathBuf,
    position: SpoolPosition,
    open: Option<(u64, BufReader<File>)>,
    /// The live spool, to close a segment found damaged while it is still being appended to.
    shared: Option<Arc<Shared>>,
}

/// How long a reader waits for the appender to close a damaged segment.
const SEAL_TIMEOUT: Duration = Duration::from_secs(10);

impl SpoolReader {
    /// A reader of a spool directory no appender writes to (tests, tools).
    pub fn new(dir: &Path, position: SpoolPosition) -> Self {
        Self {
            dir: dir.to_path_buf(),
            position: SpoolPosition {
                segment: position.segment.max(1),
                offset: position.offset,
            },
            open: None,
            shared: None,
        }
    }

    pub fn position(&self) -> SpoolPosition {
        self.position
    }

    /// Reads records up to `limit` (a durable position), at most `max_bytes` of payload; each with its end position.
    pub fn read(
        &mut self,
        limit: SpoolPosition,
        max_bytes: usize,
    ) -> Result<Vec<(Vec<u8>, SpoolPosition)>, SpoolError> {
        let mut out = Vec::new();
        let mut bytes = 0;
        while self.position < limit && bytes < max_bytes {
            let segment = self.position.segment;
            let path = segment_path(&self.dir, segment);
            let end = if segment < limit.segment {
                match fs::metadata(&path) {
                    Ok(m) => m.len(),
                    Err(e) if e.kind() == ErrorKind::NotFound => 0,
                    Err(e) => return Err(io(&path)(e)),
                }
            } else {
                limit.offset
            };
            if self.position.offset >= end {
                // Stop at the end of a segment once records were read: the caller commits the last record's
                // end, and must come back to move past the boundary (and let the segment be deleted).
                if segment < limit.segment && out.is_empty() {
                    self.position = SpoolPosition {
                        segment: segment + 1,
                        offset: 0,
                    };
                    self.open = None;
                    continue;
                }
                break;
            }
            if self.open.as_ref().is_none_or(|(s, _)| *s != segment) {
                let mut file = File::open(&path).map_err(io(&path))?;
                file.seek(SeekFrom::Start(self.position.offset))
                    .map_err(io(&path))?;
                self.open = Some((segment, BufReader::with_capacity(1 << 20, file)));
            }
            let Some((_, reader)) = self.open.as_mut() else {
                break;
            };
            match frame::read_record(reader, end - self.position.offset).map_err(io(&path))? {
                Some(payload) => {
                    self.position.offset += frame::framed_len(&payload) as u64;
                    bytes += payload.len();
                    out.push((payload, self.position));
                }
                None => {
                    self.open = None;
                    self.quarantine_rest(segment < limit.segment)?;
                    if segment >= limit.segment {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Durable bytes that no longer read back (damage after the fact): keeps the rest of the segment aside and
    /// moves on to the next one. A segment still being appended to is closed first, so nothing written to it
    /// later is skipped.
    fn quarantine_rest(&mut self, sealed: bool) -> Result<(), SpoolError> {
        let SpoolPosition { segment, offset } = self.position;
        if !sealed && let Some(shared) = &self.shared {
            shared.seal(SEAL_TIMEOUT)?;
        }
        let path = segment_path(&self.dir, segment);
        let bytes = fs::read(&path).map_err(io(&path))?;
        let tail = bytes.get(offset as usize..).unwrap_or_default();
        let kept = quarantine(&self.dir, segment, offset, tail)?;
        tracing::error!(
            segment,
            offset,
            bytes = tail.len(),
            file = %kept.display(),
            "spool: a durable record no longer reads back; moved the rest of its segment to quarantine"
        );
        self.position = SpoolPosition {
            segment: segment + 1,
            offset: 0,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests;

//! The durable spool: append-only segment files of length + CRC framed records.
//!
//! One appender thread owns the open segment. It takes every request waiting in its queue, writes them with
//! one `write` and one `fdatasync` (group commit), and only then answers them, so a 202 always means "on disk".
//! It also owns the set of batch keys, which makes "store `(site, sid, seq)` once" race-free.
//! Readers (the batch writer) only read up to the durable position the appender publishes.
//!
//! Record: `[len: u32 LE][crc32(payload): u32 LE][payload: len bytes]`.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sightline_model::now_ms;
use sightline_store::{BatchKey, SpoolPosition};

/// A segment is closed and a new one started once it holds this many bytes.
pub const SEGMENT_BYTES: u64 = 64 * 1024 * 1024;
/// Largest single record; bigger batches are refused before they reach the spool.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
/// Most bytes written in one group commit.
const MAX_GROUP_BYTES: usize = 8 * 1024 * 1024;
/// Requests waiting for the appender; senders wait (back-pressure) when it is full.
const QUEUE_DEPTH: usize = 4_096;
/// Batch keys are remembered this long for deduplication of retries.
pub const DEDUP_WINDOW_MS: i64 = 48 * 3600 * 1000;
/// How often the appender forgets keys older than the window.
const DEDUP_PRUNE_EVERY: Duration = Duration::from_secs(600);
const HEADER_BYTES: usize = 8;

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
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendOutcome {
    Stored,
    Duplicate,
}

/// Dedup identity, `(site, sid, seq)`.
pub type KeyId = (i64, String, u64);

struct AppendRequest {
    key: BatchKey,
    payload: Vec<u8>,
    reply: tokio::sync::oneshot::Sender<Result<AppendOutcome, SpoolError>>,
}

/// Position up to which records are fsync'd, with a condition variable for the writer to wait on.
#[derive(Default)]
pub struct Durable {
    position: Mutex<SpoolPosition>,
    advanced: Condvar,
}

impl Durable {
    pub fn get(&self) -> SpoolPosition {
        *self.position.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, position: SpoolPosition) {
        *self.position.lock().unwrap_or_else(|p| p.into_inner()) = position;
        self.advanced.notify_all();
    }

    /// Waits until the durable position is past `seen` or `timeout` passes; returns the position.
    pub fn wait_past(&self, seen: SpoolPosition, timeout: Duration) -> SpoolPosition {
        let guard = self.position.lock().unwrap_or_else(|p| p.into_inner());
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
pub struct Recovered {
    /// Records after the committed position, not yet in the event store.
    pub pending_records: usize,
    /// Bytes cut from a torn or corrupt tail.
    pub truncated_bytes: u64,
}

pub struct Spool {
    sender: Mutex<Option<mpsc::SyncSender<AppendRequest>>>,
    durable: Arc<Durable>,
    appender: Mutex<Option<JoinHandle<()>>>,
    dir: PathBuf,
}

impl Spool {
    /// Opens the spool in `dir`: scans records after `committed` (truncating a torn tail), then starts the
    /// appender. `known_keys` are batch keys already stored; `pending_key` extracts the key of a pending payload.
    pub fn open(
        dir: &Path,
        committed: SpoolPosition,
        known_keys: Vec<BatchKey>,
        pending_key: impl Fn(&[u8]) -> Option<BatchKey>,
    ) -> Result<(Spool, Recovered), SpoolError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let mut segments = list_segments(dir)?;
        let mut recovered = Recovered {
            pending_records: 0,
            truncated_bytes: 0,
        };
        let mut keys: HashMap<KeyId, i64> = known_keys
            .into_iter()
            .map(|k| ((k.site_id, k.sid, k.seq), k.received_at))
            .collect();
        // Batches spooled but not yet stored count as seen too: a retry of one is a duplicate.
        let mut pending_records = 0;
        let mut remember = |payload: &[u8]| {
            pending_records += 1;
            if let Some(k) = pending_key(payload) {
                keys.insert((k.site_id, k.sid, k.seq), k.received_at);
            }
        };
        let mut end = SpoolPosition {
            segment: committed.segment.max(1),
            offset: 0,
        };
        for &segment in segments.iter().filter(|&&s| s >= committed.segment) {
            let start = if segment == committed.segment {
                committed.offset
            } else {
                0
            };
            let path = segment_path(dir, segment);
            let scan = scan_segment(&path, start, &mut remember)?;
            if scan.valid_end < scan.file_len {
                tracing::warn!(
                    segment,
                    offset = scan.valid_end,
                    cut = scan.file_len - scan.valid_end,
                    "spool: torn or corrupt record at the tail, skipping it"
                );
                recovered.truncated_bytes += scan.file_len - scan.valid_end;
                let file = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(io(&path))?;
                file.set_len(scan.valid_end).map_err(io(&path))?;
                file.sync_all().map_err(io(&path))?;
            }
            end = SpoolPosition {
                segment,
                offset: scan.valid_end,
            };
        }
        recovered.pending_records = pending_records;
        // Never append behind the committed position, even if its segment file is gone.
        if end < committed {
            end = committed;
        }
        segments.retain(|&s| s > end.segment);
        for stale in segments {
            // Segments after a corrupt one cannot be ordered safely; keep them aside for inspection.
            let path = segment_path(dir, stale);
            tracing::error!(
                segment = stale,
                "spool: segment after a corrupt one, renaming to .corrupt"
            );
            fs::rename(&path, path.with_extension("corrupt")).map_err(io(&path))?;
        }

        let durable = Arc::new(Durable::default());
        durable.set(end);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(segment_path(dir, end.segment))
            .map_err(io(dir))?;
        sync_dir(dir)?;
        let (sender, receiver) = mpsc::sync_channel(QUEUE_DEPTH);
        let appender = Appender {
            dir: dir.to_path_buf(),
            file,
            position: end,
            keys,
            durable: durable.clone(),
            last_prune: Instant::now(),
            failed: None,
        };
        let handle = std::thread::Builder::new()
            .name("spool-appender".into())
            .spawn(move || appender.run(receiver))
            .map_err(io(dir))?;
        Ok((
            Spool {
                sender: Mutex::new(Some(sender)),
                durable,
                appender: Mutex::new(Some(handle)),
                dir: dir.to_path_buf(),
            },
            recovered,
        ))
    }

    pub fn durable(&self) -> Arc<Durable> {
        self.durable.clone()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends one record durably; resolves once it is fsync'd (or known as a duplicate).
    pub async fn append(
        &self,
        key: BatchKey,
        payload: Vec<u8>,
    ) -> Result<AppendOutcome, SpoolError> {
        if payload.len() > MAX_RECORD_BYTES {
            return Err(SpoolError::Unavailable(format!(
                "record of {} bytes is too large",
                payload.len()
            )));
        }
        let sender = self
            .sender
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| SpoolError::Unavailable("shutting down".into()))?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let request = AppendRequest {
            key,
            payload,
            reply,
        };
        // A full queue means the disk is behind: wait on a blocking thread rather than stall the runtime.
        let sent = match sender.try_send(request) {
            Ok(()) => Ok(()),
            Err(mpsc::TrySendError::Full(request)) => {
                tokio::task::spawn_blocking(move || sender.send(request).map_err(|_| ()))
                    .await
                    .map_err(|_| ())
                    .and_then(|r| r)
            }
            Err(mpsc::TrySendError::Disconnected(_)) => Err(()),
        };
        sent.map_err(|_| SpoolError::Unavailable("appender stopped".into()))?;
        answer
            .await
            .map_err(|_| SpoolError::Unavailable("appender stopped".into()))?
    }

    /// Stops accepting, lets the appender finish what is queued, and waits for it.
    pub fn close(&self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(handle) = self
            .appender
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = handle.join();
        }
        self.durable.wake();
    }

    /// Deletes segment files wholly before `position` (already in the event store).
    pub fn remove_consumed(&self, position: SpoolPosition) -> Result<usize, SpoolError> {
        let mut removed = 0;
        for segment in list_segments(&self.dir)?
            .into_iter()
            .filter(|&s| s < position.segment)
        {
            let path = segment_path(&self.dir, segment);
            fs::remove_file(&path).map_err(io(&path))?;
            removed += 1;
        }
        Ok(removed)
    }
}

fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

struct Appender {
    dir: PathBuf,
    file: File,
    position: SpoolPosition,
    keys: HashMap<KeyId, i64>,
    durable: Arc<Durable>,
    last_prune: Instant,
    /// Set when a failed write could not be undone: the spool then refuses everything (503).
    failed: Option<String>,
}

impl Appender {
    fn run(mut self, receiver: mpsc::Receiver<AppendRequest>) {
        let mut frame = Vec::with_capacity(MAX_GROUP_BYTES);
        while let Ok(first) = receiver.recv() {
            let mut group = vec![first];
            let mut bytes = group[0].payload.len();
            while bytes < MAX_GROUP_BYTES {
                match receiver.try_recv() {
                    Ok(next) => {
                        bytes += next.payload.len();
                        group.push(next);
                    }
                    Err(_) => break,
                }
            }
            self.commit_group(group, &mut frame);
        }
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
        let mut outcomes = Vec::with_capacity(group.len());
        let mut inserted = Vec::new();
        for request in &group {
            let id = (
                request.key.site_id,
                request.key.sid.clone(),
                request.key.seq,
            );
            if self.keys.contains_key(&id) {
                outcomes.push(AppendOutcome::Duplicate);
            } else {
                self.keys.insert(id.clone(), request.key.received_at);
                inserted.push(id);
                frame.extend_from_slice(&(request.payload.len() as u32).to_le_bytes());
                frame.extend_from_slice(&crc32fast::hash(&request.payload).to_le_bytes());
                frame.extend_from_slice(&request.payload);
                outcomes.push(AppendOutcome::Stored);
            }
        }
        let result = self.write_durably(frame);
        match result {
            Ok(()) => {
                metrics::histogram!("sightline_spool_group_records").record(group.len() as f64);
                for (request, outcome) in group.into_iter().zip(outcomes) {
                    let _ = request.reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "spool write failed; answering 503");
                for id in inserted {
                    self.keys.remove(&id);
                }
                for request in group {
                    let _ = request
                        .reply
                        .send(Err(SpoolError::Unavailable(e.to_string())));
                }
            }
        }
        if self.last_prune.elapsed() > DEDUP_PRUNE_EVERY {
            let horizon = now_ms() - DEDUP_WINDOW_MS;
            self.keys.retain(|_, received_at| *received_at >= horizon);
            self.last_prune = Instant::now();
        }
    }

    fn write_durably(&mut self, frame: &[u8]) -> Result<(), SpoolError> {
        if frame.is_empty() {
            return Ok(());
        }
        if self.position.offset > 0 && self.position.offset + frame.len() as u64 > SEGMENT_BYTES {
            self.rotate()?;
        }
        let path = segment_path(&self.dir, self.position.segment);
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
            return Err(io(&path)(e));
        }
        self.position.offset += frame.len() as u64;
        self.durable.set(self.position);
        Ok(())
    }

    fn rotate(&mut self) -> Result<(), SpoolError> {
        let next = SpoolPosition {
            segment: self.position.segment + 1,
            offset: 0,
        };
        let path = segment_path(&self.dir, next.segment);
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        sync_dir(&self.dir)?;
        self.position = next;
        Ok(())
    }
}

struct SegmentScan {
    valid_end: u64,
    file_len: u64,
}

/// Reads every intact record from `start`; stops at the first torn or corrupt one.
fn scan_segment(
    path: &Path,
    start: u64,
    on_record: &mut impl FnMut(&[u8]),
) -> Result<SegmentScan, SpoolError> {
    let file = File::open(path).map_err(io(path))?;
    let file_len = file.metadata().map_err(io(path))?.len();
    let mut reader = BufReader::new(file);
    reader.seek(SeekFrom::Start(start)).map_err(io(path))?;
    let mut offset = start;
    while let Some(payload) =
        read_record(&mut reader, file_len - offset.min(file_len)).map_err(io(path))?
    {
        offset += (HEADER_BYTES + payload.len()) as u64;
        on_record(&payload);
    }
    Ok(SegmentScan {
        valid_end: offset.min(file_len),
        file_len,
    })
}

/// Next record, or `None` at the end or at a torn/corrupt record (`remaining` = bytes left in the file).
fn read_record(reader: &mut impl Read, remaining: u64) -> std::io::Result<Option<Vec<u8>>> {
    if remaining < HEADER_BYTES as u64 {
        return Ok(None);
    }
    let mut header = [0u8; HEADER_BYTES];
    reader.read_exact(&mut header)?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if len > MAX_RECORD_BYTES || (len + HEADER_BYTES) as u64 > remaining {
        return Ok(None);
    }
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload)?;
    if crc32fast::hash(&payload) != crc {
        return Ok(None);
    }
    Ok(Some(payload))
}

/// Sequential reader of durable records for the batch writer.
pub struct SpoolReader {
    dir: PathBuf,
    position: SpoolPosition,
    open: Option<(u64, BufReader<File>)>,
}

impl SpoolReader {
    pub fn new(dir: &Path, position: SpoolPosition) -> Self {
        Self {
            dir: dir.to_path_buf(),
            position: SpoolPosition {
                segment: position.segment.max(1),
                offset: position.offset,
            },
            open: None,
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
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                    Err(e) => return Err(io(&path)(e)),
                }
            } else {
                limit.offset
            };
            if self.position.offset >= end {
                if segment < limit.segment {
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
            match read_record(reader, end - self.position.offset).map_err(io(&path))? {
                Some(payload) => {
                    self.position.offset += (HEADER_BYTES + payload.len()) as u64;
                    bytes += payload.len();
                    out.push((payload, self.position));
                }
                None => {
                    // Only durable bytes are read, so this is corruption after the fact: skip the segment.
                    tracing::error!(
                        segment,
                        offset = self.position.offset,
                        "spool: corrupt record, skipping rest of segment"
                    );
                    self.position = SpoolPosition {
                        segment: segment + 1,
                        offset: 0,
                    };
                    self.open = None;
                    if segment >= limit.segment {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seq: u64) -> BatchKey {
        BatchKey {
            site_id: 1,
            sid: "abcdefghijklmnop".into(),
            seq,
            received_at: now_ms(),
        }
    }

    /// Payloads carry their seq so recovery can rebuild keys.
    fn payload(seq: u64) -> Vec<u8> {
        format!("record-{seq}").into_bytes()
    }

    fn key_of(payload: &[u8]) -> Option<BatchKey> {
        std::str::from_utf8(payload)
            .ok()?
            .strip_prefix("record-")?
            .parse()
            .ok()
            .map(key)
    }

    fn read_all(dir: &Path, from: SpoolPosition, limit: SpoolPosition) -> Vec<Vec<u8>> {
        SpoolReader::new(dir, from)
            .read(limit, usize::MAX)
            .expect("read")
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_are_durable_ordered_and_deduplicated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (spool, _) =
            Spool::open(dir.path(), SpoolPosition::default(), vec![], key_of).expect("open");
        let spool = Arc::new(spool);
        let tasks: Vec<_> = (0..50u64)
            .map(|seq| {
                let spool = spool.clone();
                // Every batch is sent twice at once: exactly one of the two is stored.
                tokio::spawn(async move {
                    let (a, b) = tokio::join!(
                        spool.append(key(seq), payload(seq)),
                        spool.append(key(seq), payload(seq))
                    );
                    (a.expect("append"), b.expect("append"))
                })
            })
            .collect();
        for task in tasks {
            let (a, b) = task.await.expect("task");
            assert!(matches!(
                (a, b),
                (AppendOutcome::Stored, AppendOutcome::Duplicate)
                    | (AppendOutcome::Duplicate, AppendOutcome::Stored)
            ));
        }
        let durable = spool.durable().get();
        let mut seqs: Vec<u64> = read_all(dir.path(), SpoolPosition::default(), durable)
            .iter()
            .filter_map(|p| key_of(p).map(|k| k.seq))
            .collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (0..50).collect::<Vec<_>>());
        spool.close();
    }

    #[tokio::test]
    async fn a_torn_tail_is_cut_and_pending_records_still_count_as_seen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (spool, _) =
            Spool::open(dir.path(), SpoolPosition::default(), vec![], key_of).expect("open");
        for seq in 0..3 {
            assert_eq!(
                spool.append(key(seq), payload(seq)).await.expect("append"),
                AppendOutcome::Stored
            );
        }
        let durable = spool.durable().get();
        spool.close();
        // A crash in the middle of the next record: a header promising 100 bytes, and only 5 of them.
        let path = segment_path(dir.path(), durable.segment);
        let mut file = OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open segment");
        file.write_all(&100u32.to_le_bytes())
            .and_then(|_| file.write_all(&[0, 0, 0, 0, 1, 2, 3, 4, 5]))
            .expect("write");
        drop(file);

        // The first record was already written to the store; records 1 and 2 are pending.
        let first_end = SpoolReader::new(dir.path(), SpoolPosition::default())
            .read(durable, 1)
            .expect("read")[0]
            .1;
        let (spool, recovered) =
            Spool::open(dir.path(), first_end, vec![key(0)], key_of).expect("reopen");
        assert_eq!(
            (recovered.pending_records, recovered.truncated_bytes),
            (2, 13)
        );
        assert_eq!(
            std::fs::metadata(&path).expect("meta").len(),
            durable.offset
        );
        for seq in 0..3 {
            assert_eq!(
                spool.append(key(seq), payload(seq)).await.expect("append"),
                AppendOutcome::Duplicate,
                "seq {seq}"
            );
        }
        assert_eq!(
            spool.append(key(3), payload(3)).await.expect("append"),
            AppendOutcome::Stored
        );
        let records = read_all(dir.path(), first_end, spool.durable().get());
        assert_eq!(records, vec![payload(1), payload(2), payload(3)]);
        spool.close();
    }

    #[test]
    fn a_corrupt_record_stops_the_scan_at_the_last_good_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = segment_path(dir.path(), 1);
        let mut bytes = Vec::new();
        for body in [&b"good"[..], b"flipped"] {
            bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
            bytes.extend_from_slice(body);
        }
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).expect("write");
        let mut seen = Vec::new();
        let scan = scan_segment(&path, 0, &mut |p: &[u8]| seen.push(p.to_vec())).expect("scan");
        assert_eq!(seen, vec![b"good".to_vec()]);
        assert_eq!((scan.valid_end, scan.file_len), (12, bytes.len() as u64));
    }
}

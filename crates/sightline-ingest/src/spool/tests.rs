use std::collections::HashMap;
use std::sync::Arc;

use sightline_model::now_ms;

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

/// Temp dirs on tmpfs when there is one: these tests fsync a lot.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().expect("tempdir")
}

fn open(dir: &Path, committed: SpoolPosition, options: SpoolOptions) -> (Spool, Recovered) {
    Spool::open(dir, committed, options, DedupSeed::empty(), key_of).expect("open")
}

/// Every record from `from` to `limit`, with its end position (the reader stops at segment ends).
fn read_positions(
    dir: &Path,
    from: SpoolPosition,
    limit: SpoolPosition,
) -> Vec<(Vec<u8>, SpoolPosition)> {
    let mut reader = SpoolReader::new(dir, from);
    let mut out = Vec::new();
    while reader.position() < limit {
        let records = reader.read(limit, usize::MAX).expect("read");
        if records.is_empty() {
            break;
        }
        out.extend(records);
    }
    out
}

fn read_all(dir: &Path, from: SpoolPosition, limit: SpoolPosition) -> Vec<Vec<u8>> {
    read_positions(dir, from, limit)
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

async fn append(spool: &Spool, seq: u64) -> Result<AppendOutcome, SpoolError> {
    spool.append(key(seq), now_ms(), payload(seq)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_are_durable_ordered_and_deduplicated() {
    let dir = scratch_dir();
    let (spool, _) = open(
        dir.path(),
        SpoolPosition::default(),
        SpoolOptions::default(),
    );
    let spool = Arc::new(spool);
    let tasks: Vec<_> = (0..50u64)
        .map(|seq| {
            let spool = spool.clone();
            // Every batch is sent twice at once: exactly one of the two is stored.
            tokio::spawn(async move {
                let (a, b) = tokio::join!(append(&spool, seq), append(&spool, seq));
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
    let dir = scratch_dir();
    let (spool, _) = open(
        dir.path(),
        SpoolPosition::default(),
        SpoolOptions::default(),
    );
    for seq in 0..3 {
        assert_eq!(
            append(&spool, seq).await.expect("append"),
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
    let seed = DedupSeed {
        recent: vec![key(0)],
        ..DedupSeed::empty()
    };
    let (spool, recovered) =
        Spool::open(dir.path(), first_end, SpoolOptions::default(), seed, key_of).expect("reopen");
    assert_eq!(
        recovered,
        Recovered {
            pending_records: 2,
            truncated_bytes: 13,
            quarantined_bytes: 0,
            end: durable,
        }
    );
    assert_eq!(
        std::fs::metadata(&path).expect("meta").len(),
        durable.offset
    );
    for seq in 0..3 {
        assert_eq!(
            append(&spool, seq).await.expect("append"),
            AppendOutcome::Duplicate,
            "seq {seq}"
        );
    }
    assert_eq!(
        append(&spool, 3).await.expect("append"),
        AppendOutcome::Stored
    );
    let records = read_all(dir.path(), first_end, spool.durable().get());
    assert_eq!(records, vec![payload(1), payload(2), payload(3)]);
    spool.close();
}

#[tokio::test]
async fn a_damaged_record_moves_the_rest_of_its_segment_to_quarantine() {
    let dir = scratch_dir();
    let (spool, _) = open(
        dir.path(),
        SpoolPosition::default(),
        SpoolOptions::default(),
    );
    for seq in 0..5 {
        append(&spool, seq).await.expect("append");
    }
    let durable = spool.durable().get();
    spool.close();
    let path = segment_path(dir.path(), durable.segment);
    let mut bytes = std::fs::read(&path).expect("read");
    let original = bytes.clone();
    // One flipped bit in the payload of the third record ("record-2").
    let third = 2 * frame::framed_len(&payload(0));
    bytes[third + frame::HEADER_BYTES + 3] ^= 0x04;
    std::fs::write(&path, &bytes).expect("write");

    let (spool, recovered) = open(
        dir.path(),
        SpoolPosition::default(),
        SpoolOptions::default(),
    );
    assert_eq!(recovered.pending_records, 2);
    assert_eq!(recovered.truncated_bytes, 0);
    assert_eq!(recovered.quarantined_bytes, (bytes.len() - third) as u64);
    let kept = std::fs::read(
        dir.path()
            .join(QUARANTINE_DIR)
            .join(format!("{:016}-{third}.bad", durable.segment)),
    )
    .expect("quarantine file");
    assert_eq!(
        kept,
        bytes[third..],
        "the damaged tail is kept byte for byte"
    );
    assert_ne!(kept, original[third..]);
    // Records before the damage are delivered, and appending goes on after them.
    append(&spool, 9).await.expect("append");
    assert_eq!(
        read_all(dir.path(), SpoolPosition::default(), spool.durable().get()),
        vec![payload(0), payload(1), payload(9)]
    );
    spool.close();
}

#[tokio::test]
async fn damage_in_an_older_segment_does_not_hide_later_segments() {
    let dir = scratch_dir();
    let options = SpoolOptions {
        segment_bytes: 40,
        ..SpoolOptions::default()
    };
    let (spool, _) = open(dir.path(), SpoolPosition::default(), options.clone());
    for seq in 0..6 {
        append(&spool, seq).await.expect("append");
    }
    spool.close();
    let segments = list_segments(dir.path()).expect("list");
    assert!(segments.len() >= 3, "{segments:?}");
    let first = segment_path(dir.path(), segments[0]);
    let mut bytes = std::fs::read(&first).expect("read");
    bytes[frame::HEADER_BYTES] ^= 0xff;
    std::fs::write(&first, &bytes).expect("write");

    let (spool, recovered) = open(dir.path(), SpoolPosition::default(), options);
    assert!(recovered.quarantined_bytes > 0);
    let seqs: Vec<u64> = read_all(dir.path(), SpoolPosition::default(), spool.durable().get())
        .iter()
        .filter_map(|p| key_of(p).map(|k| k.seq))
        .collect();
    assert!(!seqs.contains(&0));
    assert_eq!(
        seqs,
        (seqs[0]..6).collect::<Vec<_>>(),
        "later segments intact"
    );
    spool.close();
}

#[tokio::test]
async fn a_reader_quarantines_damage_found_after_the_fact_and_goes_on() {
    let dir = scratch_dir();
    let (spool, _) = open(
        dir.path(),
        SpoolPosition::default(),
        SpoolOptions::default(),
    );
    for seq in 0..3 {
        append(&spool, seq).await.expect("append");
    }
    let durable = spool.durable().get();
    let path = segment_path(dir.path(), durable.segment);
    let mut bytes = std::fs::read(&path).expect("read");
    let second = frame::framed_len(&payload(0));
    bytes[second + frame::HEADER_BYTES] ^= 0x01;
    std::fs::write(&path, &bytes).expect("write");

    let mut reader = spool.reader(SpoolPosition::default());
    let first: Vec<_> = reader
        .read(durable, usize::MAX)
        .expect("read")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(first, vec![payload(0)]);
    // The damaged segment was closed: new records go to the next one and are read.
    assert_eq!(reader.position().segment, durable.segment + 1);
    append(&spool, 7).await.expect("append");
    let later: Vec<_> = reader
        .read(spool.durable().get(), usize::MAX)
        .expect("read")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(later, vec![payload(7)]);
    assert!(
        dir.path()
            .join(QUARANTINE_DIR)
            .join(format!("{:016}-{second}.bad", durable.segment))
            .exists()
    );
    spool.close();
}

#[tokio::test]
async fn a_read_stops_at_a_segment_end_so_the_boundary_is_committed_on_its_own() {
    let dir = scratch_dir();
    let (spool, _) = open(
        dir.path(),
        SpoolPosition::default(),
        SpoolOptions::default(),
    );
    append(&spool, 1).await.expect("append");
    let sealed = spool.seal(Duration::from_secs(5)).expect("seal");
    let mut reader = SpoolReader::new(dir.path(), SpoolPosition::default());
    let first = reader.read(sealed, usize::MAX).expect("read");
    assert_eq!(first.len(), 1);
    // The position to commit is the record's end; only the next read crosses into the new segment.
    assert_eq!(reader.position(), first[0].1);
    assert!(reader.read(sealed, usize::MAX).expect("read").is_empty());
    assert_eq!(reader.position(), sealed);
    spool.close();
}

#[tokio::test]
async fn a_full_queue_answers_busy_at_once() {
    let dir = scratch_dir();
    // The store lookup runs on the appender thread: holding it stalls the appender like a slow disk.
    let (release, held) = std::sync::mpsc::channel::<()>();
    let held = Mutex::new(held);
    let seed = DedupSeed {
        recent: vec![],
        horizon_ms: now_ms(),
        lookup: Box::new(move |_, _| {
            let _ = lock(&held).recv();
            Ok(false)
        }),
    };
    let options = SpoolOptions {
        queue_depth: 2,
        ..SpoolOptions::default()
    };
    let (spool, _) =
        Spool::open(dir.path(), SpoolPosition::default(), options, seed, key_of).expect("open");
    let spool = Arc::new(spool);
    // An old batch makes the appender ask the (stalled) store.
    let stalled = {
        let spool = spool.clone();
        tokio::spawn(async move { spool.append(key(0), 0, payload(0)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let queued: Vec<_> = (1..=2)
        .map(|seq| {
            let spool = spool.clone();
            tokio::spawn(async move { append(&spool, seq).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let refused = append(&spool, 3).await;
    assert!(matches!(refused, Err(SpoolError::Busy)), "{refused:?}");
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "refused without waiting"
    );
    drop(release);
    assert_eq!(
        stalled.await.expect("task").expect("append"),
        AppendOutcome::Stored
    );
    for task in queued {
        assert_eq!(
            task.await.expect("task").expect("append"),
            AppendOutcome::Stored
        );
    }
    spool.close();
}

#[tokio::test]
async fn a_spool_at_its_cap_refuses_until_drained_segments_are_removed() {
    let dir = scratch_dir();
    let record = frame::framed_len(&payload(10)) as u64;
    let options = SpoolOptions {
        max_bytes: 4 * record,
        segment_bytes: 2 * record,
        ..SpoolOptions::default()
    };
    let (spool, _) = open(dir.path(), SpoolPosition::default(), options);
    for seq in 10..14 {
        assert_eq!(
            append(&spool, seq).await.expect("append"),
            AppendOutcome::Stored
        );
    }
    assert_eq!(spool.used_bytes(), 4 * record);
    let refused = append(&spool, 14).await;
    assert!(matches!(refused, Err(SpoolError::Full(_))), "{refused:?}");
    // A duplicate is still recognised while full.
    assert_eq!(
        append(&spool, 10).await.expect("append"),
        AppendOutcome::Duplicate
    );
    // The writer stores everything and deletes what it consumed: room again.
    let sealed = spool.seal(Duration::from_secs(5)).expect("seal");
    assert_eq!(spool.remove_consumed(sealed).expect("remove"), 2);
    assert_eq!(spool.used_bytes(), 0);
    assert_eq!(
        append(&spool, 14).await.expect("append"),
        AppendOutcome::Stored
    );
    spool.close();
}

#[test]
fn a_full_disk_is_full_not_an_io_error() {
    let path = Path::new("/spool/0000000000000001.spool");
    let full = write_failure(path, std::io::Error::from(ErrorKind::StorageFull));
    assert!(matches!(full, SpoolError::Full(_)), "{full:?}");
    let other = write_failure(path, std::io::Error::from(ErrorKind::PermissionDenied));
    assert!(matches!(other, SpoolError::Io { .. }), "{other:?}");
}

#[tokio::test]
async fn pending_bytes_are_the_real_bytes_not_whole_segments() {
    let dir = scratch_dir();
    let options = SpoolOptions {
        segment_bytes: 50,
        ..SpoolOptions::default()
    };
    let (spool, _) = open(dir.path(), SpoolPosition::default(), options.clone());
    assert_eq!(spool.pending_bytes(SpoolPosition::default()), 0);
    let mut written = 0;
    for seq in 0..7 {
        append(&spool, seq).await.expect("append");
        written += frame::framed_len(&payload(seq)) as u64;
    }
    assert!(list_segments(dir.path()).expect("list").len() > 2);
    assert_eq!(spool.pending_bytes(SpoolPosition::default()), written);
    let records = read_positions(dir.path(), SpoolPosition::default(), spool.durable().get());
    let (_, after_three) = records[2];
    assert_eq!(
        spool.pending_bytes(after_three),
        written - 3 * frame::framed_len(&payload(0)) as u64
    );
    let end = spool.durable().get();
    assert_eq!(spool.pending_bytes(end), 0);
    spool.close();
    // After a restart, from the committed position.
    let (spool, _) = open(dir.path(), after_three, options);
    assert_eq!(
        spool.pending_bytes(after_three),
        written - 3 * frame::framed_len(&payload(0)) as u64
    );
    spool.close();
}

#[tokio::test]
async fn sealed_and_idle_segments_are_closed_and_removed_once_consumed() {
    let dir = scratch_dir();
    let options = SpoolOptions {
        seal_after_idle: Duration::from_millis(100),
        ..SpoolOptions::default()
    };
    let (spool, _) = open(dir.path(), SpoolPosition::default(), options);
    append(&spool, 1).await.expect("append");
    let first = spool.durable().get();
    let sealed = spool.seal(Duration::from_secs(5)).expect("seal");
    assert_eq!(
        sealed,
        SpoolPosition {
            segment: first.segment + 1,
            offset: 0
        }
    );
    assert_eq!(
        spool.durable().get(),
        sealed,
        "the new segment's start is published"
    );
    assert_eq!(
        spool.seal(Duration::from_secs(5)).expect("seal"),
        sealed,
        "empty: no new segment"
    );
    spool.remove_consumed(sealed).expect("remove");
    assert!(
        !segment_path(dir.path(), first.segment).exists(),
        "consumed segment deleted"
    );

    // Idle: closed by the appender itself.
    append(&spool, 2).await.expect("append");
    let deadline = Instant::now() + Duration::from_secs(5);
    while spool.durable().get().segment == sealed.segment && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        spool.durable().get(),
        SpoolPosition {
            segment: sealed.segment + 1,
            offset: 0
        }
    );
    spool.close();
}

type KeyParts = (i64, String, u64);

/// A stand-in for the event store: the keys the "writer" stored, with their arrival times.
#[derive(Clone, Default)]
struct StoredKeys {
    /// `(site, sid, seq)` → `received_at`.
    keys: Arc<Mutex<HashMap<KeyParts, i64>>>,
    lookups: Arc<AtomicUsize>,
}

impl StoredKeys {
    fn store(&self, key: &BatchKey) {
        lock(&self.keys).insert((key.site_id, key.sid.clone(), key.seq), key.received_at);
    }

    fn lookup(&self) -> StoredLookup {
        let this = self.clone();
        Box::new(move |key, received| {
            this.lookups.fetch_add(1, Ordering::SeqCst);
            Ok(lock(&this.keys)
                .get(&(key.site_id, key.sid.clone(), key.seq))
                .is_some_and(|at| received.contains(at)))
        })
    }
}

#[tokio::test]
async fn a_retry_older_than_the_memory_is_still_a_duplicate_and_memory_stays_capped() {
    const CAP: usize = 8;
    let dir = scratch_dir();
    let store = StoredKeys::default();
    let seed = DedupSeed {
        recent: vec![],
        horizon_ms: i64::MIN,
        lookup: store.lookup(),
    };
    let options = SpoolOptions {
        dedup_memory_keys: CAP,
        ..SpoolOptions::default()
    };
    let (spool, _) =
        Spool::open(dir.path(), SpoolPosition::default(), options, seed, key_of).expect("open");
    // Batches an hour apart (simulated clock: each arrives a second after its events); the writer stores
    // them as they come.
    let start = now_ms() - 100 * 3_600_000;
    let event_time = |seq: u64| start + seq as i64 * 3_600_000;
    let arrived = |seq: u64| BatchKey {
        received_at: event_time(seq) + 1_000,
        ..key(seq)
    };
    for seq in 0..40u64 {
        let sent = arrived(seq);
        let outcome = spool
            .append(sent.clone(), event_time(seq), payload(seq))
            .await
            .expect("append");
        assert_eq!(outcome, AppendOutcome::Stored);
        store.store(&sent);
        let sealed = spool.seal(Duration::from_secs(5)).expect("seal");
        spool.remove_consumed(sealed).expect("consumed");
        assert!(
            spool.remembered_keys() <= CAP,
            "{}",
            spool.remembered_keys()
        );
    }
    assert_eq!(spool.remembered_keys(), CAP);
    assert_eq!(
        store.lookups.load(Ordering::SeqCst),
        0,
        "new batches never needed the store"
    );
    // The oldest batch was forgotten long ago: its retry is found in the store.
    let retry = spool
        .append(key(0), event_time(0), payload(0))
        .await
        .expect("append");
    assert_eq!(retry, AppendOutcome::Duplicate);
    assert_eq!(store.lookups.load(Ordering::SeqCst), 1);
    // A recent one is answered from memory, without asking.
    let recent = spool
        .append(key(39), event_time(39), payload(39))
        .await
        .expect("append");
    assert_eq!(recent, AppendOutcome::Duplicate);
    assert_eq!(store.lookups.load(Ordering::SeqCst), 1);
    // A new batch with old events is asked about, found missing, and stored.
    let late = spool
        .append(key(100), event_time(0), payload(100))
        .await
        .expect("append");
    assert_eq!(late, AppendOutcome::Stored);
    assert_eq!(store.lookups.load(Ordering::SeqCst), 2);
    assert!(spool.remembered_keys() <= CAP);
    spool.close();
}

#[tokio::test]
async fn unstored_keys_are_never_forgotten() {
    let dir = scratch_dir();
    let options = SpoolOptions {
        dedup_memory_keys: 2,
        ..SpoolOptions::default()
    };
    let (spool, _) = open(dir.path(), SpoolPosition::default(), options);
    append(&spool, 0).await.expect("append");
    append(&spool, 1).await.expect("append");
    // The writer has stored nothing: forgetting a key could store its retry twice, so refuse instead.
    let refused = append(&spool, 2).await;
    assert!(matches!(refused, Err(SpoolError::Full(_))), "{refused:?}");
    assert_eq!(
        append(&spool, 0).await.expect("append"),
        AppendOutcome::Duplicate
    );
    let sealed = spool.seal(Duration::from_secs(5)).expect("seal");
    spool.remove_consumed(sealed).expect("consumed");
    assert_eq!(
        append(&spool, 2).await.expect("append"),
        AppendOutcome::Stored
    );
    spool.close();
}

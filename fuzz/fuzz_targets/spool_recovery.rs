//! Arbitrary bytes as a spool segment: the scan recovery uses, the stream reader the batch writer uses, and
//! (for a pseudo-random 1/32 of inputs whose first byte is 0xff) real recovery on a segment file. No input may panic; every record read has a valid CRC
//! and is a frame of the input, in order; recovery keeps exactly the intact prefix.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};

use libfuzzer_sys::fuzz_target;
use sightline_ingest::spool::frame::{self, Ending};
use sightline_ingest::spool::{
    DedupSeed, Spool, SpoolOptions, SpoolReader, list_segments, segment_path,
};
use sightline_store::SpoolPosition;

static RUN: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|data: &[u8]| {
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    let last = flags & 1 == 1;
    let mut records = Vec::new();
    let scan = frame::scan(bytes, 0, last, &mut |p| records.push(p.to_vec()));

    // What was read is exactly the framing of the kept prefix, CRCs included.
    let mut reframed = Vec::new();
    for record in &records {
        assert!(!record.is_empty());
        frame::encode_into(&mut reframed, record);
    }
    assert_eq!(reframed.len() as u64, scan.valid_end);
    assert_eq!(&reframed[..], &bytes[..scan.valid_end as usize]);
    assert_eq!(scan.records, records.len());
    match scan.ending {
        Ending::Clean => assert_eq!(scan.valid_end, bytes.len() as u64),
        Ending::Torn { offset } => {
            assert!(last, "only the segment being written can have an unfinished write");
            assert_eq!(offset, scan.valid_end);
        }
        Ending::Damaged { offset } => assert_eq!(offset, scan.valid_end),
    }
    assert!(matches!(scan.ending, Ending::Clean) || scan.valid_end < bytes.len() as u64);

    // The kept prefix scans clean, to the same records.
    let mut again = Vec::new();
    let rescan = frame::scan(&bytes[..scan.valid_end as usize], 0, last, &mut |p| {
        again.push(p.to_vec())
    });
    assert_eq!(rescan.ending, Ending::Clean);
    assert_eq!(again, records);

    // The stream reader agrees with the scan.
    let mut stream = bytes;
    let mut remaining = bytes.len() as u64;
    let mut streamed = Vec::new();
    while let Ok(Some(payload)) = frame::read_record(&mut stream, remaining) {
        remaining -= (frame::HEADER_BYTES + payload.len()) as u64;
        streamed.push(payload);
    }
    assert_eq!(streamed, records);

    // Sometimes real recovery of a segment file, then the writer's reader (slow: files, a thread). Picked by a
    // hash of the input, so mutations of a file-path seed do not all take the slow path.
    if flags == 0xff && fnv1a(bytes) % 32 == 0 {
        let dir = std::env::temp_dir().join(format!(
            "sightline-fuzz-{}-{}",
            std::process::id(),
            RUN.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(segment_path(&dir, 1), bytes).expect("segment");
        let (spool, recovered) = Spool::open(
            &dir,
            SpoolPosition::default(),
            SpoolOptions::default(),
            DedupSeed::empty(),
            |_| None,
        )
        .expect("recovery never fails on bad bytes");
        let durable = spool.durable().get();
        spool.close();
        assert_eq!(recovered.pending_records, records.len());
        assert_eq!(
            recovered.truncated_bytes + recovered.quarantined_bytes,
            bytes.len() as u64 - scan.valid_end
        );
        let read: Vec<Vec<u8>> = SpoolReader::new(&dir, SpoolPosition::default())
            .read(durable, usize::MAX)
            .expect("read")
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(read, records);
        assert_eq!(list_segments(&dir).expect("list"), vec![1]);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
});

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

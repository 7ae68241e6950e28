//! Property: write records (over several segments), damage the spool at any byte (cut it there, or flip a
//! bit), recover and read. No record lying wholly before the damaged byte is lost, nothing is invented or
//! repeated, order is kept, and segments after a damaged one are still read.

use std::path::Path;

use proptest::prelude::*;
use sightline_ingest::spool::SpoolPosition;
use sightline_ingest::spool::{
    DedupSeed, Spool, SpoolOptions, SpoolReader, frame, list_segments, segment_path,
};
use sightline_store::BatchKey;

#[derive(Debug, Clone)]
enum Damage {
    /// Everything from this byte of the spool on is gone (a crash, a lost tail).
    CutAt(u64),
    /// One bit of this byte flips (bit rot, a bad sector).
    Flip(u64, u8),
}

fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().expect("tempdir")
}

fn key(seq: u64) -> BatchKey {
    BatchKey {
        site_id: 1,
        sid: "abcdefghijklmnop".into(),
        seq,
        received_at: sightline_model::now_ms(),
    }
}

/// Appends every payload through the real appender, then closes the spool.
fn write(dir: &Path, payloads: &[Vec<u8>], segment_bytes: u64) {
    let options = SpoolOptions {
        segment_bytes,
        ..SpoolOptions::default()
    };
    let (spool, _) = Spool::open(
        dir,
        SpoolPosition::default(),
        options,
        DedupSeed::empty(),
        |_| None,
    )
    .expect("open");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    for (seq, payload) in payloads.iter().enumerate() {
        runtime
            .block_on(spool.append(key(seq as u64), sightline_model::now_ms(), payload.clone()))
            .expect("append");
    }
    spool.close();
}

/// Segments in order with their bytes.
fn segments(dir: &Path) -> Vec<(u64, Vec<u8>)> {
    list_segments(dir)
        .expect("list")
        .into_iter()
        .map(|s| (s, std::fs::read(segment_path(dir, s)).expect("read")))
        .collect()
}

fn recover_and_read(dir: &Path) -> Vec<Vec<u8>> {
    let (spool, _) = Spool::open(
        dir,
        SpoolPosition::default(),
        SpoolOptions::default(),
        DedupSeed::empty(),
        |_| None,
    )
    .expect("recovery never fails on damaged bytes");
    let durable = spool.durable().get();
    spool.close();
    let mut reader = SpoolReader::new(dir, SpoolPosition::default());
    let mut read = Vec::new();
    while reader.position() < durable {
        let records = reader.read(durable, usize::MAX).expect("read");
        if records.is_empty() {
            break;
        }
        read.extend(records.into_iter().map(|(p, _)| p));
    }
    read
}

fn payloads() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 1..48), 1..24)
}

fn damage() -> impl Strategy<Value = (Damage, u64)> {
    // The byte is chosen as a fraction of the spool's length, known only after writing.
    prop_oneof![
        (0..10_000u64).prop_map(|at| (Damage::CutAt(at), 10_000)),
        (0..10_000u64, 0..8u8).prop_map(|(at, bit)| (Damage::Flip(at, bit), 10_000)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn recovery_keeps_every_record_before_the_damage_and_invents_none(
        payloads in payloads(),
        (damage, scale) in damage(),
        segment_bytes in prop_oneof![Just(40u64), Just(120), Just(1 << 20)],
    ) {
        let dir = scratch_dir();
        write(dir.path(), &payloads, segment_bytes);

        // Where each record lies in the concatenated spool (segment order), as written.
        let original = segments(dir.path());
        let mut spans = Vec::new(); // (global start, global end, segment index)
        let mut base = 0u64;
        for (index, (_, bytes)) in original.iter().enumerate() {
            let mut offset = 0u64;
            let scan = frame::scan(bytes, 0, true, &mut |p| {
                let end = offset + (frame::HEADER_BYTES + p.len()) as u64;
                spans.push((base + offset, base + end, index));
                offset = end;
            });
            prop_assert_eq!(scan.ending, frame::Ending::Clean);
            base += bytes.len() as u64;
        }
        prop_assert_eq!(spans.len(), payloads.len());
        let total = base;

        let at = match damage { Damage::CutAt(f) | Damage::Flip(f, _) => f * total / scale };
        let (mut seg_start, mut hit) = (0u64, 0usize);
        for (index, (_, bytes)) in original.iter().enumerate() {
            if at < seg_start + bytes.len() as u64 { hit = index; break; }
            seg_start += bytes.len() as u64;
        }
        let (segment, bytes) = &original[hit];
        let local = at - seg_start;
        match damage {
            Damage::CutAt(_) => {
                std::fs::write(segment_path(dir.path(), *segment), &bytes[..local as usize]).expect("cut");
                for (later, _) in &original[hit + 1..] {
                    std::fs::remove_file(segment_path(dir.path(), *later)).expect("remove");
                }
            }
            Damage::Flip(_, bit) => {
                let mut damaged = bytes.clone();
                damaged[local as usize] ^= 1 << bit;
                std::fs::write(segment_path(dir.path(), *segment), &damaged).expect("flip");
            }
        }

        let read = recover_and_read(dir.path());
        // Nothing invented, repeated or reordered: what is read is a subsequence of what was written.
        let mut next = 0;
        for record in &read {
            let found = payloads[next..].iter().position(|p| p == record);
            prop_assert!(found.is_some(), "record {:?} was never written (or is out of order)", record);
            next += found.unwrap_or_default() + 1;
        }
        // Every record wholly before the damaged byte is there.
        for (i, (_, end, _)) in spans.iter().enumerate() {
            if *end <= at {
                prop_assert!(read.contains(&payloads[i]), "record {} lost (ends at {}, damage at {})", i, end, at);
            }
        }
        // Damage in one segment does not hide the records of later (intact) segments.
        if let Damage::Flip(..) = damage {
            for (i, (_, _, index)) in spans.iter().enumerate() {
                if *index > hit {
                    prop_assert!(read.contains(&payloads[i]), "record {} of a later segment lost", i);
                }
            }
        }
    }
}

//! Record framing and the scan that decides what of a segment is intact. Pure functions over bytes, so
//! recovery, the reader, the property tests and the fuzzer all share one definition of "intact".
//!
//! Record: `[len: u32 LE][crc32(payload): u32 LE][payload: len bytes]`, `1 <= len <= MAX_RECORD_BYTES`.
//! An all-zero header would pass the CRC of an empty payload, so empty records are not allowed: a zero-filled
//! tail (a file extended but not written before a crash) reads as damage, not as records.

use std::io::Read;

/// Largest single record; bigger batches are refused before they reach the spool.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
pub const HEADER_BYTES: usize = 8;
/// Most bytes CRC-checked while looking for an intact record after a damaged one (bounds recovery time on
/// adversarial bytes); when it runs out the tail is assumed to hold records and is kept aside.
const TAIL_RESYNC_BUDGET: u64 = 256 * 1024 * 1024;

/// Appends the frame of `payload` to `out`.
pub fn encode_into(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

pub fn framed_len(payload: &[u8]) -> usize {
    HEADER_BYTES + payload.len()
}

fn header_fields(header: &[u8]) -> Option<(usize, u32)> {
    let len = u32::from_le_bytes(header.get(0..4)?.try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(header.get(4..8)?.try_into().ok()?);
    (1..=MAX_RECORD_BYTES).contains(&len).then_some((len, crc))
}

/// The payload of the record at the start of `bytes`, if that record is whole and its CRC matches.
pub fn intact_record(bytes: &[u8]) -> Option<&[u8]> {
    let (len, crc) = header_fields(bytes.get(..HEADER_BYTES)?)?;
    let payload = bytes.get(HEADER_BYTES..HEADER_BYTES + len)?;
    (crc32fast::hash(payload) == crc).then_some(payload)
}

/// Next record from a stream holding `remaining` more bytes, or `None` at the end or at a torn/corrupt record.
pub fn read_record(reader: &mut impl Read, remaining: u64) -> std::io::Result<Option<Vec<u8>>> {
    if remaining < HEADER_BYTES as u64 {
        return Ok(None);
    }
    let mut header = [0u8; HEADER_BYTES];
    reader.read_exact(&mut header)?;
    let Some((len, crc)) = header_fields(&header) else {
        return Ok(None);
    };
    if (len + HEADER_BYTES) as u64 > remaining {
        return Ok(None);
    }
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload)?;
    Ok((crc32fast::hash(&payload) == crc).then_some(payload))
}

/// How the scanned part of a segment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every byte is part of an intact record.
    Clean,
    /// From `offset` on, an unfinished last write (no intact record follows): safe to cut.
    Torn { offset: u64 },
    /// The record at `offset` is damaged and more data follows (or might): keep that tail aside.
    Damaged { offset: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    /// End of the last intact record (= where appending may continue).
    pub valid_end: u64,
    pub records: usize,
    pub ending: Ending,
}

/// Scans one segment's `bytes` from `start`, calling `on_record` with each intact payload in order, up to the
/// first damaged record. `last` = the segment being appended to, the only one where a crash can leave an
/// unfinished write; damage anywhere else is always [`Ending::Damaged`].
pub fn scan(bytes: &[u8], start: u64, last: bool, on_record: &mut impl FnMut(&[u8])) -> Scan {
    let len = bytes.len() as u64;
    let mut offset = start.min(len);
    let mut records = 0;
    while offset < len {
        let rest = &bytes[offset as usize..];
        match intact_record(rest) {
            Some(payload) => {
                on_record(payload);
                records += 1;
                offset += framed_len(payload) as u64;
            }
            None => {
                let ending = if last && !tail_holds_a_record(rest) {
                    Ending::Torn { offset }
                } else {
                    Ending::Damaged { offset }
                };
                return Scan {
                    valid_end: offset,
                    records,
                    ending,
                };
            }
        }
    }
    Scan {
        valid_end: offset,
        records,
        ending: Ending::Clean,
    }
}

/// Whether an intact record starts anywhere after the first byte of `tail` (`true` when the budget runs out:
/// unsure means keep).
fn tail_holds_a_record(tail: &[u8]) -> bool {
    let mut budget = TAIL_RESYNC_BUDGET;
    for start in 1..tail.len() {
        let rest = &tail[start..];
        let Some((len, _)) = rest.get(..HEADER_BYTES).and_then(header_fields) else {
            continue;
        };
        if HEADER_BYTES + len > rest.len() {
            continue;
        }
        if budget < len as u64 {
            return true;
        }
        budget -= len as u64;
        if intact_record(rest).is_some() {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            encode_into(&mut out, p);
        }
        out
    }

    fn records(bytes: &[u8], last: bool) -> (Vec<Vec<u8>>, Scan) {
        let mut seen = Vec::new();
        let scan = scan(bytes, 0, last, &mut |p: &[u8]| seen.push(p.to_vec()));
        (seen, scan)
    }

    #[test]
    fn a_corrupt_record_stops_the_scan_at_the_last_good_one() {
        let mut bytes = framed(&[b"good", b"flipped"]);
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        let (seen, scan) = records(&bytes, true);
        assert_eq!(seen, vec![b"good".to_vec()]);
        assert_eq!(scan.valid_end, 12);
        // Nothing intact after it in the segment being written: an unfinished write, cut.
        assert_eq!(scan.ending, Ending::Torn { offset: 12 });
        // The same damage in an older segment cannot be an unfinished write.
        assert_eq!(
            records(&bytes, false).1.ending,
            Ending::Damaged { offset: 12 }
        );
    }

    #[test]
    fn damage_followed_by_intact_records_is_kept_aside_not_cut() {
        let mut bytes = framed(&[b"one", b"two", b"three"]);
        bytes[HEADER_BYTES + 3 + 1] ^= 0x01; // the length of "two"
        let (seen, scan) = records(&bytes, true);
        assert_eq!(seen, vec![b"one".to_vec()]);
        assert_eq!(scan.ending, Ending::Damaged { offset: 11 });
    }

    #[test]
    fn zero_filled_tails_are_not_records() {
        let mut bytes = framed(&[b"one"]);
        bytes.extend_from_slice(&[0u8; 64]);
        let (seen, scan) = records(&bytes, true);
        assert_eq!(seen, vec![b"one".to_vec()]);
        assert_eq!(scan.ending, Ending::Torn { offset: 11 });
    }

    #[test]
    fn a_header_promising_more_than_the_file_holds_is_torn() {
        let mut bytes = framed(&[b"one"]);
        bytes.extend_from_slice(&100u32.to_le_bytes());
        bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7]);
        let (seen, scan) = records(&bytes, true);
        assert_eq!(seen.len(), 1);
        assert_eq!(
            (scan.valid_end, scan.ending),
            (11, Ending::Torn { offset: 11 })
        );
        let mut stream = &bytes[11..];
        assert!(read_record(&mut stream, 15).expect("read").is_none());
    }
}

//! Deduplication memory of the appender: compact ids of the newest batch keys, bounded, oldest forgotten
//! first, and only once the event store holds them (so a forgotten key can always be found by asking it).

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use sha2::{Digest, Sha256};
use sightline_store::BatchKey;

/// 128 bits of SHA-256 over `(site, sid, seq)`: collisions (a new batch taken for a retry) are out of reach.
pub type KeyId = u128;

pub fn key_id(key: &BatchKey) -> KeyId {
    let mut hasher = Sha256::new();
    hasher.update(key.site_id.to_le_bytes());
    hasher.update((key.sid.len() as u64).to_le_bytes());
    hasher.update(key.sid.as_bytes());
    hasher.update(key.seq.to_le_bytes());
    let digest = hasher.finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(id)
}

/// Ids are already uniform: hash them by taking their low bits.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }
    fn write_u128(&mut self, id: u128) {
        self.0 = id as u64;
    }
}

/// Segment number of keys known from the event store (spool segments start at 1).
pub const STORED: u64 = 0;
/// Segment number of keys whose record is not written yet (never forgotten).
pub const UNWRITTEN: u64 = u64::MAX;

struct Remembered {
    id: KeyId,
    received_at: i64,
    /// Spool segment holding the batch, or [`STORED`].
    segment: u64,
}

pub struct RecentKeys {
    ids: HashSet<KeyId, BuildHasherDefault<IdHasher>>,
    order: VecDeque<Remembered>,
    cap: usize,
    /// Every key received after this is remembered; older ones may have been forgotten.
    horizon_ms: i64,
}

impl RecentKeys {
    pub fn new(cap: usize, horizon_ms: i64) -> Self {
        Self {
            ids: HashSet::default(),
            order: VecDeque::new(),
            cap: cap.max(1),
            horizon_ms,
        }
    }

    pub fn contains(&self, id: KeyId) -> bool {
        self.ids.contains(&id)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn horizon_ms(&self) -> i64 {
        self.horizon_ms
    }

    /// Forgets the oldest keys until one more fits under the cap. Only keys whose segment the writer has
    /// committed (`segment < committed_segment`) may go; `false` when the oldest is not stored yet.
    pub fn make_room(&mut self, committed_segment: u64) -> bool {
        while self.order.len() >= self.cap {
            match self.order.front() {
                Some(oldest) if oldest.segment == STORED || oldest.segment < committed_segment => {
                    if let Some(oldest) = self.order.pop_front() {
                        self.ids.remove(&oldest.id);
                        self.horizon_ms = self.horizon_ms.max(oldest.received_at);
                    }
                }
                _ => return false,
            }
        }
        true
    }

    /// Remembers a key not yet remembered (callers check [`contains`](Self::contains) first).
    pub fn insert(&mut self, id: KeyId, received_at: i64, segment: u64) {
        if self.ids.insert(id) {
            self.order.push_back(Remembered {
                id,
                received_at,
                segment,
            });
        }
    }

    /// Records the segment the last `n` inserted keys were written to.
    pub fn set_newest_segment(&mut self, n: usize, segment: u64) {
        for entry in self.order.iter_mut().rev().take(n) {
            entry.segment = segment;
        }
    }

    /// Undoes the last `n` inserts (their write failed).
    pub fn forget_newest(&mut self, n: usize) {
        for _ in 0..n {
            if let Some(newest) = self.order.pop_back() {
                self.ids.remove(&newest.id);
            }
        }
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
            received_at: seq as i64,
        }
    }

    #[test]
    fn ids_differ_by_every_part_of_the_key() {
        let base = key(1);
        let mut other_site = base.clone();
        other_site.site_id = 2;
        let mut other_sid = base.clone();
        other_sid.sid.push('x');
        let mut other_time = base.clone();
        other_time.received_at = 99;
        assert_ne!(key_id(&base), key_id(&key(2)));
        assert_ne!(key_id(&base), key_id(&other_site));
        assert_ne!(key_id(&base), key_id(&other_sid));
        assert_eq!(
            key_id(&base),
            key_id(&other_time),
            "the time is not part of the identity"
        );
    }

    #[test]
    fn only_stored_keys_are_forgotten_and_the_horizon_follows_them() {
        let mut keys = RecentKeys::new(2, i64::MIN);
        keys.insert(key_id(&key(1)), 10, 1);
        keys.insert(key_id(&key(2)), 20, 2);
        assert!(!keys.make_room(1), "segment 1 is not committed yet");
        assert!(keys.make_room(2));
        assert_eq!(keys.len(), 1);
        assert!(!keys.contains(key_id(&key(1))));
        assert_eq!(keys.horizon_ms(), 10);
        keys.insert(key_id(&key(3)), 30, 2);
        keys.forget_newest(1);
        assert!(!keys.contains(key_id(&key(3))));
        assert!(keys.contains(key_id(&key(2))));
    }
}

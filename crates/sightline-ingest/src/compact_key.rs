//! Compact keys for the writer's in-memory caches (remembered sids, pageviews): a 128-bit hash in place of the
//! string, so an entry costs 16 bytes, not the string and its allocation (~60 bytes), over hundreds of thousands
//! of entries. Two of a million keys share a hash with a chance of about 10⁻²⁷.

use std::hash::{DefaultHasher, Hash, Hasher};

/// The key of `id` within site `site_id` (0 where the id is global).
pub fn compact_key(site_id: i64, id: &str) -> u128 {
    let half = |salt: u8| {
        // DefaultHasher::new() has fixed keys: the same id gets the same key for the life of the process.
        let mut hasher = DefaultHasher::new();
        salt.hash(&mut hasher);
        site_id.hash(&mut hasher);
        id.hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_ids_and_sites_apart_and_repeat_for_the_same_pair() {
        assert_eq!(compact_key(1, "sid-a"), compact_key(1, "sid-a"));
        assert_ne!(compact_key(1, "sid-a"), compact_key(1, "sid-b"));
        assert_ne!(compact_key(1, "sid-a"), compact_key(2, "sid-a"));
        let key = compact_key(1, "sid-a");
        assert_ne!(
            key >> 64,
            key & u128::from(u64::MAX),
            "the halves are independent hashes"
        );
    }
}

//! Ingest rate limits: batches per second per client IP and events per second per site, as token buckets
//! (GCRA, `governor`). A refusal carries how long to wait, for the `Retry-After` of the 429.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Keys a limiter may hold before idle ones are dropped (memory stays bounded under a flood of IPs).
pub const MAX_LIMITER_KEYS: usize = 200_000;
/// Idle keys are dropped this often (every N checks) even below the cap.
const PRUNE_EVERY_CHECKS: u64 = 100_000;

/// A rate and its burst; `per_second == 0` switches the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_second: u32,
    pub burst: u32,
}

/// Defaults: a browser sends a batch every few seconds, an office NAT a few per second; one site on one
/// node rarely needs more than 100 k events/s. `0` switches a limit off.
pub const DEFAULT_IP_BATCHES_PER_SEC: u32 = 20;
pub const DEFAULT_IP_BURST: u32 = 200;
pub const DEFAULT_SITE_EVENTS_PER_SEC: u32 = 100_000;
pub const DEFAULT_SITE_BURST: u32 = 500_000;

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_ip: Rate {
                per_second: DEFAULT_IP_BATCHES_PER_SEC,
                burst: DEFAULT_IP_BURST,
            },
            per_site: Rate {
                per_second: DEFAULT_SITE_EVENTS_PER_SEC,
                burst: DEFAULT_SITE_BURST,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Batches per second from one client IP (loopback clients are not limited per IP: they are a local
    /// reverse proxy or the machine itself, see `trust_proxy_headers`).
    pub per_ip: Rate,
    /// Events per second for one site.
    pub per_site: Rate,
}

struct Keyed<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(rate: Rate) -> Option<Self> {
        let per_second = NonZeroU32::new(rate.per_second)?;
        let burst = NonZeroU32::new(rate.burst.max(rate.per_second)).unwrap_or(per_second);
        Some(Self {
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            checks: AtomicU64::new(0),
        })
    }

    /// `Err(wait)` when `key` has no room for `n` more now.
    fn check(&self, key: &K, n: u32) -> Result<(), Duration> {
        let checks = self.checks.fetch_add(1, Ordering::Relaxed);
        if checks.is_multiple_of(PRUNE_EVERY_CHECKS) || self.limiter.len() > MAX_LIMITER_KEYS {
            self.limiter.retain_recent();
        }
        let Some(n) = NonZeroU32::new(n) else {
            return Ok(());
        };
        match self.limiter.check_key_n(key, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(not_until.wait_time_from(DefaultClock::default().now())),
            // More than a whole burst in one batch: it can never pass; wait a second and try again smaller.
            Err(_) => Err(Duration::from_secs(1)),
        }
    }
}

/// The ingest limiters of one server.
pub struct IngestLimiter {
    per_ip: Option<Keyed<IpAddr>>,
    per_site: Option<Keyed<i64>>,
}

/// Whole seconds to put in `Retry-After` (at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

impl IngestLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            per_ip: Keyed::new(limits.per_ip),
            per_site: Keyed::new(limits.per_site),
        }
    }

    /// One more batch from `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Duration> {
        match &self.per_ip {
            Some(limiter) if !ip.is_loopback() && !ip.is_unspecified() => limiter.check(&ip, 1),
            _ => Ok(()),
        }
    }

    /// `events` more events for `site_id`.
    pub fn check_site(&self, site_id: i64, events: usize) -> Result<(), Duration> {
        match &self.per_site {
            Some(limiter) => limiter.check(&site_id, u32::try_from(events).unwrap_or(u32::MAX)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_ip: Rate, per_site: Rate) -> IngestLimiter {
        IngestLimiter::new(RateLimits { per_ip, per_site })
    }

    const OFF: Rate = Rate {
        per_second: 0,
        burst: 0,
    };

    #[test]
    fn an_ip_gets_its_burst_then_waits() {
        let l = limiter(
            Rate {
                per_second: 2,
                burst: 5,
            },
            OFF,
        );
        let ip: IpAddr = "203.0.113.9".parse().expect("ip");
        for _ in 0..5 {
            assert_eq!(l.check_ip(ip), Ok(()));
        }
        let wait = l.check_ip(ip).expect_err("over the burst");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        assert_eq!(retry_after_secs(wait), 1);
        assert_eq!(
            l.check_ip("203.0.113.10".parse().expect("ip")),
            Ok(()),
            "other IPs are not affected"
        );
        assert_eq!(l.check_ip("127.0.0.1".parse().expect("ip")), Ok(()));
        for _ in 0..100 {
            assert_eq!(
                l.check_ip("::1".parse().expect("ip")),
                Ok(()),
                "loopback is exempt"
            );
        }
    }

    #[test]
    fn a_site_is_limited_in_events_and_off_means_off() {
        let l = limiter(
            OFF,
            Rate {
                per_second: 100,
                burst: 1_000,
            },
        );
        assert_eq!(l.check_site(1, 600), Ok(()));
        assert_eq!(l.check_site(1, 400), Ok(()));
        let wait = l.check_site(1, 50).expect_err("bucket empty");
        assert!(
            wait >= Duration::from_millis(400),
            "50 events at 100/s: {wait:?}"
        );
        assert_eq!(
            l.check_site(2, 1_000),
            Ok(()),
            "sites have their own buckets"
        );
        assert!(
            l.check_site(3, 1_001).is_err(),
            "more than a burst never passes"
        );
        let unlimited = limiter(OFF, OFF);
        for _ in 0..10_000 {
            assert_eq!(unlimited.check_site(1, 1_000), Ok(()));
            assert_eq!(
                unlimited.check_ip("203.0.113.9".parse().expect("ip")),
                Ok(())
            );
        }
    }
}

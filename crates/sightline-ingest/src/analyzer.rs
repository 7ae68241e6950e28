//! The analysis pass: a thread that runs the frustration detectors (`sightline_insight::detect`) over every
//! session once it has been quiet for a while, and again whenever it changes. It reads the session's events back
//! from the store, so its results are a pure function of what is stored: restart-safe, the same on any node, and
//! off the writer's hot path.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sightline_insight::detect::{FrictionWeights, Thresholds};
use sightline_model::EventRow;
use sightline_store::{AnalyzedSession, EventStore, SessionVersion};

use crate::sites::SiteDirectory;

/// Sessions analysed per pass (bounds the events held in memory: a few tens of thousands).
pub const SESSIONS_PER_PASS: usize = 2_000;
/// How far behind the last pass's bound a pass still looks for changed sessions: a write that lands later than
/// this (a writer that far behind) is analysed after the next restart.
pub const LOOKBACK_MS: i64 = 10 * 60 * 1000;
/// A backlog's progress is logged every this many sessions.
const BACKLOG_LOG_EVERY: usize = 50_000;
/// Wait between passes when there is nothing to do.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// Wait after a failed pass.
const RETRY_BACKOFF: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct AnalyzerConfig {
    /// A session is analysed once nothing of it arrived for this long (it is re-analysed when it grows).
    pub quiet: Duration,
    pub thresholds: Thresholds,
    pub weights: FrictionWeights,
    /// When nodes share the event store: run a pass only while holding the analysis lease.
    pub lease: Option<crate::lease::JobLease>,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        Self {
            quiet: Duration::from_secs(u64::from(DEFAULT_QUIET_SECS)),
            thresholds: Thresholds::default(),
            weights: FrictionWeights::default(),
            lease: None,
        }
    }
}

/// Default quiet time before a session is analysed.
pub const DEFAULT_QUIET_SECS: u32 = 30;

/// What the analysis pass has done, for /metrics.
#[derive(Debug, Default)]
pub struct AnalyzerStatus {
    pub sessions_analyzed: AtomicU64,
    pub last_error: Mutex<Option<String>>,
}

pub struct Analyzer {
    stop: Arc<AtomicBool>,
    handle: Mutex<Option<JoinHandle<()>>>,
    pub status: Arc<AnalyzerStatus>,
}

impl Analyzer {
    /// Starts the pass; each site's thresholds are `config.thresholds` with the site's `detection` overrides.
    pub fn spawn(
        store: Arc<dyn EventStore>,
        sites: Arc<SiteDirectory>,
        config: AnalyzerConfig,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let status = Arc::new(AnalyzerStatus::default());
        let (worker_stop, worker_status) = (stop.clone(), status.clone());
        let handle = std::thread::Builder::new()
            .name("analysis".into())
            .spawn(move || run(&*store, &sites, &config, &worker_stop, &worker_status))?;
        Ok(Self {
            stop,
            handle: Mutex::new(Some(handle)),
            status,
        })
    }

    /// Stops the pass (after the one running) and waits for it.
    pub fn finish(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let handle = self.handle.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

impl Drop for Analyzer {
    fn drop(&mut self) {
        self.finish();
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn sleep_unless_stopped(stop: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(50);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        slept += step;
    }
}

fn run(
    store: &dyn EventStore,
    sites: &SiteDirectory,
    config: &AnalyzerConfig,
    stop: &AtomicBool,
    status: &AnalyzerStatus,
) {
    let mut cursor = AnalysisCursor::default();
    // Sessions analysed in full passes in a row: a backlog (the first start after an upgrade re-analyses all).
    let mut backlog = 0usize;
    let quiet_ms = i64::try_from(config.quiet.as_millis()).unwrap_or(i64::MAX);
    while !stop.load(Ordering::SeqCst) {
        if let Some(lease) = &config.lease
            && !lease.hold(crate::lease::ANALYSIS_JOB)
        {
            // Another node analyses; it starts from its own cursor, so this one forgets its place.
            cursor = AnalysisCursor::default();
            sleep_unless_stopped(stop, IDLE_POLL);
            continue;
        }
        let until = now_ms().saturating_sub(quiet_ms);
        match pass(store, sites, config, &mut cursor, until) {
            Ok(analysed) => {
                *status.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
                status
                    .sessions_analyzed
                    .fetch_add(analysed as u64, Ordering::Relaxed);
                metrics::counter!("sightline_sessions_analyzed_total").increment(analysed as u64);
                if analysed < SESSIONS_PER_PASS {
                    if backlog > 0 {
                        tracing::info!(sessions = backlog + analysed, "analysis backlog done");
                        backlog = 0;
                    }
                    sleep_unless_stopped(stop, IDLE_POLL);
                } else {
                    backlog += analysed;
                    if backlog % BACKLOG_LOG_EVERY < SESSIONS_PER_PASS {
                        tracing::info!(sessions = backlog, "analysing a backlog of sessions");
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "analysis pass failed; retrying");
                *status.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                sleep_unless_stopped(stop, RETRY_BACKOFF);
            }
        }
    }
}

/// One pass: analyses up to [`SESSIONS_PER_PASS`] changed sessions received in `(cursor, until]` with each site's
/// thresholds, and moves the cursor past them.
fn pass(
    store: &dyn EventStore,
    sites: &SiteDirectory,
    config: &AnalyzerConfig,
    cursor: &mut AnalysisCursor,
    until: i64,
) -> sightline_store::Result<usize> {
    let done = pass_with(store, config, cursor, until, |id| {
        site_thresholds(sites, id, &config.thresholds)
    })?;
    Ok(done.sessions)
}

/// What one pass analysed.
#[derive(Debug, Clone, Copy, Default)]
pub struct PassDone {
    pub sessions: usize,
    pub events: usize,
}

/// One pass with `thresholds` of each site (the server's pass asks the site directory; the benchmark uses the
/// defaults).
pub fn pass_with(
    store: &dyn EventStore,
    config: &AnalyzerConfig,
    cursor: &mut AnalysisCursor,
    until: i64,
    thresholds: impl Fn(i64) -> sightline_store::Result<Thresholds>,
) -> sightline_store::Result<PassDone> {
    let sessions = store.changed_sessions(cursor.since(), until, SESSIONS_PER_PASS)?;
    let mut done = PassDone {
        sessions: sessions.len(),
        events: 0,
    };
    if !sessions.is_empty() {
        let events = store.analysis_events(&sessions)?;
        let mut per_site = std::collections::HashMap::new();
        for id in sessions.iter().map(|s| s.site_id) {
            if let std::collections::hash_map::Entry::Vacant(slot) = per_site.entry(id) {
                slot.insert(thresholds(id)?);
            }
        }
        store.store_analyses(&analyze(&sessions, &events, config, &per_site))?;
        done.events = events.len();
    }
    cursor.advance(&sessions, SESSIONS_PER_PASS, until);
    Ok(done)
}

/// How far the analysis pass has got: every session version received at or before `since` has been analysed
/// (or was not yet visible, which only a write lagging more than [`LOOKBACK_MS`] can be). It moves during a
/// backlog too, so that each pass reads only what comes after the last one instead of every session again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysisCursor {
    since: i64,
}

impl Default for AnalysisCursor {
    fn default() -> Self {
        Self { since: i64::MIN }
    }
}

impl AnalysisCursor {
    /// The exclusive lower bound of the next pass's `changed_sessions`.
    pub fn since(&self) -> i64 {
        self.since
    }

    /// Moves past a pass over `(since, until]` that analysed `batch` with a limit of `limit`. A short batch
    /// covered everything up to `until`; a full one everything before its newest version (sessions sharing that
    /// time may remain, and the next pass's anti-join skips the analysed ones). Nothing newer than
    /// `until - LOOKBACK_MS` counts as covered: a lagging write may still land there.
    pub fn advance(&mut self, batch: &[SessionVersion], limit: usize, until: i64) {
        let covered = if batch.len() < limit {
            until
        } else {
            batch
                .iter()
                .map(|s| s.received_at)
                .max()
                .map_or(until, |newest| newest.saturating_sub(1))
        };
        self.since = self
            .since
            .max(covered.min(until.saturating_sub(LOOKBACK_MS)));
    }
}

/// A site's thresholds: `base` with its `detection` overrides (invalid ones are ignored, with a warning; the
/// settings API refuses them, so only a hand-edited database has them).
pub fn site_thresholds(
    sites: &SiteDirectory,
    site_id: i64,
    base: &Thresholds,
) -> sightline_store::Result<Thresholds> {
    let Some(entry) = sites.by_id(site_id)? else {
        return Ok(base.clone());
    };
    Ok(base
        .with_overrides(&entry.site.detection)
        .unwrap_or_else(|e| {
            tracing::warn!(site = site_id, error = %e, "ignoring invalid detection settings");
            base.clone()
        }))
}

/// The analysis of each of `sessions` from `events` (grouped by session, as the store returns them), with each
/// site's thresholds from `per_site` (else `config.thresholds`).
pub fn analyze(
    sessions: &[SessionVersion],
    events: &[EventRow],
    config: &AnalyzerConfig,
    per_site: &std::collections::HashMap<i64, Thresholds>,
) -> Vec<AnalyzedSession> {
    let mut by_session: std::collections::HashMap<(i64, &str), &[EventRow]> = Default::default();
    let mut start = 0;
    for i in 1..=events.len() {
        let boundary = i == events.len()
            || (events[i].site_id, &events[i].session)
                != (events[start].site_id, &events[start].session);
        if boundary {
            by_session.insert(
                (events[start].site_id, events[start].session.as_str()),
                &events[start..i],
            );
            start = i;
        }
    }
    sessions
        .iter()
        .map(|version| {
            let events = by_session
                .get(&(version.site_id, version.session.as_str()))
                .copied()
                .unwrap_or_default();
            let thresholds = per_site.get(&version.site_id).unwrap_or(&config.thresholds);
            AnalyzedSession::of(version.clone(), events, thresholds, &config.weights)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(received: &[i64]) -> Vec<SessionVersion> {
        received
            .iter()
            .enumerate()
            .map(|(i, &received_at)| SessionVersion {
                site_id: 1,
                session: format!("s{i}"),
                received_at,
            })
            .collect()
    }

    const HOUR: i64 = 3_600_000;

    #[test]
    fn a_short_pass_covers_up_to_the_lookback_before_its_bound() {
        let mut cursor = AnalysisCursor::default();
        cursor.advance(&versions(&[5, 9]), 3, 10 * HOUR);
        assert_eq!(cursor.since(), 10 * HOUR - LOOKBACK_MS);
        // An empty pass moves it as far.
        cursor.advance(&[], 3, 11 * HOUR);
        assert_eq!(cursor.since(), 11 * HOUR - LOOKBACK_MS);
    }

    #[test]
    fn a_full_pass_over_old_sessions_covers_what_precedes_its_newest_version() {
        let mut cursor = AnalysisCursor::default();
        cursor.advance(&versions(&[HOUR, 2 * HOUR, 2 * HOUR]), 3, 10 * HOUR);
        // Sessions received at 2 h may remain beyond the limit: they stay above the cursor.
        assert_eq!(cursor.since(), 2 * HOUR - 1);
    }

    #[test]
    fn a_full_pass_over_recent_sessions_covers_no_more_than_the_lookback_allows() {
        let mut cursor = AnalysisCursor::default();
        let until = 10 * HOUR;
        cursor.advance(&versions(&[until - 60_000, until]), 2, until);
        assert_eq!(cursor.since(), until - LOOKBACK_MS);
    }

    #[test]
    fn the_cursor_never_moves_back() {
        let mut cursor = AnalysisCursor::default();
        cursor.advance(&[], 3, 10 * HOUR);
        cursor.advance(&versions(&[HOUR, HOUR]), 2, 10 * HOUR);
        assert_eq!(cursor.since(), 10 * HOUR - LOOKBACK_MS);
    }
}

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
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        Self {
            quiet: Duration::from_secs(u64::from(DEFAULT_QUIET_SECS)),
            thresholds: Thresholds::default(),
            weights: FrictionWeights::default(),
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
    // Everything up to `done` has been analysed; at start nothing is known, so the first pass looks at all.
    let mut done = i64::MIN;
    // Sessions analysed in full passes in a row: a backlog (the first start after an upgrade re-analyses all).
    let mut backlog = 0usize;
    let quiet_ms = i64::try_from(config.quiet.as_millis()).unwrap_or(i64::MAX);
    while !stop.load(Ordering::SeqCst) {
        let until = now_ms().saturating_sub(quiet_ms);
        match pass(
            store,
            sites,
            config,
            done.saturating_sub(LOOKBACK_MS),
            until,
        ) {
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
                    done = done.max(until);
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

/// One pass: analyses up to [`SESSIONS_PER_PASS`] changed sessions received in `(since, until]`.
fn pass(
    store: &dyn EventStore,
    sites: &SiteDirectory,
    config: &AnalyzerConfig,
    since: i64,
    until: i64,
) -> sightline_store::Result<usize> {
    let sessions = store.changed_sessions(since, until, SESSIONS_PER_PASS)?;
    if sessions.is_empty() {
        return Ok(0);
    }
    let events = store.analysis_events(&sessions)?;
    let mut per_site = std::collections::HashMap::new();
    for id in sessions.iter().map(|s| s.site_id) {
        if let std::collections::hash_map::Entry::Vacant(slot) = per_site.entry(id) {
            slot.insert(site_thresholds(sites, id, &config.thresholds)?);
        }
    }
    let analyses = analyze(&sessions, &events, config, &per_site);
    store.store_analyses(&analyses)?;
    Ok(sessions.len())
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

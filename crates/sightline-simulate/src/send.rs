//! Sending: `concurrency` threads, each with its own HTTP agent, take sessions in index order,
//! generate them and post their batches in `seq` order.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sightline_model::wire::Batch;

use super::personas::{self, Timeline};
use super::snapshots::DemoSnapshots;
use super::{GroundTruth, SessionTruth, SimOptions, SimulateError, journey, session_rng};
use sightline_model::now_ms;

/// Attempts per batch on network errors, 429 and 503 (with backoff up to [`MAX_BACKOFF`]).
const MAX_ATTEMPTS: u32 = 12;
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Generates and sends all sessions through the real ingest API (`{base_url}/api/v1/batch`,
/// JSON, batches ≤ 50 events, `seq` from 0 per session, `sent_at` = real now). Calls
/// `progress(1)` after each finished session. Retries a batch on network error / 429 / 503
/// (same `seq`); fails on any other non-202 with the server's error message.
///
/// Page URLs in the events are `{base_url}/demo/…`; each session's requests carry its
/// visitor's `User-Agent`.
pub fn run(
    base_url: &str,
    site_key: &str,
    opts: &SimOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<GroundTruth, SimulateError> {
    let base = base_url.trim_end_matches('/');
    let endpoint = format!("{base}/api/v1/batch");
    let now = now_ms();
    let timeline = Timeline::new(now, opts.days);
    let next = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<SimulateError>> = Mutex::new(None);
    let truths: Mutex<Vec<Option<SessionTruth>>> = Mutex::new(vec![None; opts.sessions as usize]);
    let threads = opts.concurrency.clamp(1, 256);
    let snapshots = DemoSnapshots::new(base)?;

    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .into();
                loop {
                    if failed.load(Ordering::Relaxed) {
                        return;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= opts.sessions {
                        return;
                    }
                    let mut rng = session_rng(opts.seed, index);
                    let (truth, batches) =
                        journey::generate(&mut rng, index, site_key, base, opts, now, &timeline);
                    let root = personas::visitor_root(opts.seed, index, opts.sessions, &timeline);
                    let profile = personas::persona(opts.seed, root).profile;
                    let sent = batches.into_iter().try_for_each(|mut batch| {
                        snapshots.attach(&mut batch, profile.device);
                        post(&agent, &endpoint, profile.ua, batch, &failed)
                    });
                    match sent {
                        Ok(()) => {
                            if let Ok(mut t) = truths.lock() {
                                t[index as usize] = Some(truth);
                            }
                            progress(1);
                        }
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            if let Ok(mut slot) = first_error.lock() {
                                slot.get_or_insert(e);
                            }
                            return;
                        }
                    }
                }
            });
        }
    });

    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let sessions = truths
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(SimulateError::Stopped)?;
    Ok(GroundTruth { sessions })
}

/// Posts one batch (with `sent_at` = now), retrying what is worth retrying.
fn post(
    agent: &ureq::Agent,
    endpoint: &str,
    ua: &str,
    mut batch: Batch,
    failed: &AtomicBool,
) -> Result<(), SimulateError> {
    let mut backoff = Duration::from_millis(100);
    let mut last_problem = String::new();
    for _ in 0..MAX_ATTEMPTS {
        if failed.load(Ordering::Relaxed) {
            return Err(SimulateError::Stopped);
        }
        batch.sent_at = now_ms();
        let body = serde_json::to_vec(&batch)
            .map_err(|e| SimulateError::Refused(format!("serializing a batch: {e}")))?;
        let response = agent
            .post(endpoint)
            .header("Content-Type", "application/json")
            .header("User-Agent", ua)
            .send(&body[..]);
        match response {
            Ok(mut r) => {
                let status = r.status().as_u16();
                // The server says how long to wait when it is busy; a client honours it.
                let retry_after = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                if let Some(wait) = retry_after {
                    backoff = backoff.max(wait.min(MAX_BACKOFF));
                }
                let text = r.body_mut().read_to_string().unwrap_or_default();
                match status {
                    202 => return Ok(()),
                    429 | 503 => last_problem = format!("HTTP {status}: {}", error_message(&text)),
                    _ => {
                        return Err(SimulateError::Refused(format!(
                            "the server rejected batch {} of session {} with HTTP {status}: {}",
                            batch.seq,
                            batch.sid,
                            error_message(&text)
                        )));
                    }
                }
            }
            Err(e) => last_problem = format!("network error: {e}"),
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    Err(SimulateError::Refused(format!(
        "gave up on batch {} of session {} at {endpoint} after {MAX_ATTEMPTS} attempts ({last_problem})",
        batch.seq, batch.sid
    )))
}

/// `{"error": {"code", "message"}}` as `code: message`, else the body as it is.
fn error_message(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    match parsed.as_ref().and_then(|v| v.get("error")) {
        Some(e) => {
            let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("error");
            let msg = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
            format!("{code}: {msg}")
        }
        None if body.trim().is_empty() => "(empty body)".to_string(),
        None => body.chars().take(500).collect(),
    }
}

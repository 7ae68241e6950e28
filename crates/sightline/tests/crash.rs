//! Kill -9 under load: every batch that got a 2xx is stored exactly once after a restart, and retries of
//! batches sent before the crash are recognised as duplicates.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::*;

/// Client threads posting concurrently.
const CLIENTS: u64 = 4;
/// Clicks per batch (each batch also has a pageview, a scroll and a purchase).
const CLICKS: usize = 20;
const EVENTS_PER_BATCH: i64 = CLICKS as i64 + 3;
/// Revenue of each batch's purchase (exact in binary, so sums compare exactly).
const REVENUE: f64 = 2.5;

/// Batch `seq` of `session`: the support batch plus a purchase.
fn crash_batch(key: &str, session: &str, seq: u64) -> String {
    let mut body = batch(key, session, seq, "/p", CLICKS);
    let first = body["events"][0].clone();
    if let Some(events) = body["events"].as_array_mut() {
        events.push(serde_json::json!({
            "t": first["t"], "type": "custom", "pv": first["pv"], "name": "purchase", "revenue": REVENUE
        }));
    }
    body.to_string()
}

#[derive(Default)]
struct Ledger {
    /// (sid, seq) → acknowledged.
    acked: HashMap<(String, u64), bool>,
}

/// Stored events per (session, pageview seq); `pv<seq>` pageviews.
fn stored_counts(data_dir: &std::path::Path) -> HashMap<(String, u64), i64> {
    stored_per_pageview(data_dir)
        .into_iter()
        .map(|((session, pageview), count)| {
            let seq = pageview
                .trim_start_matches("pv")
                .parse()
                .unwrap_or(u64::MAX);
            ((session, seq), count)
        })
        .collect()
}

#[test]
fn acknowledged_batches_survive_sigkill_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let mut server = Server::start(dir.path());
    let url = server.url("/api/v1/batch");
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(AtomicBool::new(false));

    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (key, url, ledger, stop) = (key.clone(), url.clone(), ledger.clone(), stop.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let session = sid(c);
                let mut seq = 0;
                while !stop.load(Ordering::SeqCst) {
                    let body = crash_batch(&key, &session, seq);
                    let acked = matches!(
                        post(&agent, &url, &[("Content-Type", "application/json")], body.as_bytes()),
                        Ok(reply) if reply.status == 202
                    );
                    ledger.lock().expect("ledger").acked.insert((session.clone(), seq), acked);
                    if !acked {
                        break; // the server is gone
                    }
                    seq += 1;
                }
            })
        })
        .collect();

    std::thread::sleep(Duration::from_millis(1500));
    server.kill9();
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().expect("client");
    }
    let ledger = Arc::try_unwrap(ledger)
        .ok()
        .expect("sole owner")
        .into_inner()
        .expect("ledger");
    let acked: Vec<_> = ledger
        .acked
        .iter()
        .filter(|(_, ok)| **ok)
        .map(|(k, _)| k.clone())
        .collect();
    assert!(
        acked.len() > 50,
        "the load ran long enough to matter ({} acked batches)",
        acked.len()
    );

    // Restart: recovery, then retries of everything sent before the crash (acknowledged or not).
    let mut server = Server::start(dir.path());
    let agent = agent();
    for ((session, seq), was_acked) in &ledger.acked {
        let body = crash_batch(&key, session, *seq);
        let reply = post(
            &agent,
            &server.url("/api/v1/batch"),
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
        .expect("retry after restart");
        assert_eq!(reply.status, 202, "{}", reply.body);
        if *was_acked {
            assert_eq!(
                reply.body["duplicate"], true,
                "retry of acknowledged {session}/{seq} is a duplicate"
            );
        }
    }
    server.stop();

    let stored = stored_counts(dir.path());
    for (session, seq) in &acked {
        assert_eq!(
            stored.get(&(session.clone(), *seq)).copied(),
            Some(EVENTS_PER_BATCH),
            "acknowledged batch {session}/{seq} stored exactly once"
        );
    }
    for ((session, seq), count) in &stored {
        assert_eq!(
            *count, EVENTS_PER_BATCH,
            "batch {session}/{seq} stored whole and once"
        );
    }
    assert_eq!(
        stored.len(),
        ledger.acked.len(),
        "every batch sent is stored once after the retries"
    );

    // The sessions table agrees: one session per client, holding exactly its stored batches.
    let conn = duckdb::Connection::open(dir.path().join("events.duckdb")).expect("open events");
    let mut stmt = conn
        .prepare("SELECT session, pageviews, events, clicks, revenue, conversions FROM sessions")
        .expect("prepare");
    let sessions: HashMap<String, (i64, i64, i64, f64, i64)> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
            ))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(sessions.len() as u64, CLIENTS, "{sessions:?}");
    for c in 0..CLIENTS {
        let session = sid(c);
        let batches = stored.keys().filter(|(s, _)| *s == session).count() as i64;
        assert_eq!(
            sessions.get(&session).copied(),
            Some((
                batches,
                batches * EVENTS_PER_BATCH,
                batches * CLICKS as i64,
                batches as f64 * REVENUE,
                batches
            )),
            "session {session}: pageviews, events, clicks, revenue and conversions of its {batches} batches"
        );
    }
}

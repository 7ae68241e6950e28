//! Ingest under more load than it may take, against the real server: rate limits answer 429 with
//! Retry-After, a writer that falls behind makes ingest answer 503 with Retry-After at once (no request
//! hangs, memory stays bounded), nothing acknowledged is lost, and ingest recovers when the load stops.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

/// Client threads posting as fast as they can.
const CLIENTS: u64 = 6;
/// Clicks per batch: large batches make the writer the bottleneck.
const CLICKS: usize = 900;
const EVENTS_PER_BATCH: i64 = CLICKS as i64 + 2;
const LOAD: Duration = Duration::from_secs(8);
/// No single answer may take longer than this: refusals are immediate, not queued.
const MAX_ANSWER: Duration = Duration::from_secs(10);
/// The server's memory while overloaded.
const MAX_RSS_BYTES: u64 = 512 * 1024 * 1024;

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

fn post_batch(agent: &ureq::Agent, url: &str, body: &[u8], forwarded_for: Option<&str>) -> Answer {
    let mut request = agent
        .post(url)
        .header("User-Agent", CHROME_UA)
        .header("Content-Type", "application/json");
    if let Some(ip) = forwarded_for {
        request = request.header("X-Forwarded-For", ip);
    }
    let mut response = request.send(body).expect("every request is answered");
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    Answer {
        status,
        retry_after,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

fn rss_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

#[test]
fn a_writer_that_falls_behind_makes_ingest_refuse_at_once_and_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let mut server = Server::start_with_env(
        dir.path(),
        &[
            ("SIGHTLINE_MAX_WRITER_LAG_MB", "1"),
            ("SIGHTLINE_INGEST_SITE_EVENTS_PER_SEC", "0"),
        ],
    );
    let url = server.url("/api/v1/batch");
    let acked = Arc::new(Mutex::new(Vec::<(String, u64)>::new()));
    let refused = Arc::new(Mutex::new(Vec::<(u16, Option<u64>, String)>::new()));
    let slowest = Arc::new(Mutex::new(Duration::ZERO));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (key, url, acked, refused, slowest, stop) = (
                key.clone(),
                url.clone(),
                acked.clone(),
                refused.clone(),
                slowest.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || {
                let agent = agent();
                let session = sid(c);
                let mut seq = 0;
                while !stop.load(Ordering::SeqCst) {
                    let body = batch(&key, &session, seq, "/p", CLICKS).to_string();
                    let started = Instant::now();
                    let answer = post_batch(&agent, &url, body.as_bytes(), None);
                    let took = started.elapsed();
                    {
                        let mut slowest = slowest.lock().expect("slowest");
                        *slowest = (*slowest).max(took);
                    }
                    if answer.status == 202 {
                        acked.lock().expect("acked").push((session.clone(), seq));
                    } else {
                        refused.lock().expect("refused").push((
                            answer.status,
                            answer.retry_after,
                            answer.body["error"]["code"]
                                .as_str()
                                .unwrap_or_default()
                                .to_string(),
                        ));
                        // A well-behaved client waits; this one is a flood and retries at once.
                    }
                    seq += 1;
                }
            })
        })
        .collect();
    let started = Instant::now();
    let mut peak_rss = 0;
    while started.elapsed() < LOAD {
        peak_rss = peak_rss.max(rss_bytes(server.child.id()));
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().expect("client");
    }

    let refused = refused.lock().expect("refused").clone();
    let acked = acked.lock().expect("acked").clone();
    assert!(!acked.is_empty(), "some batches got through");
    assert!(
        refused
            .iter()
            .any(|(status, _, code)| *status == 503 && code == "overloaded"),
        "more load than the writer takes is refused with 503 overloaded ({} refusals, {} acked)",
        refused.len(),
        acked.len()
    );
    for (status, retry_after, code) in &refused {
        assert_eq!(
            *status, 503,
            "only overload refusals here, got {status} {code}"
        );
        assert!(
            retry_after.is_some_and(|s| s >= 1),
            "every 503 says when to retry ({code})"
        );
    }
    let slowest = *slowest.lock().expect("slowest");
    assert!(
        slowest < MAX_ANSWER,
        "no request hangs: slowest answer {slowest:?}"
    );
    assert!(
        peak_rss < MAX_RSS_BYTES,
        "memory stays bounded under overload: {} MiB",
        peak_rss / 1024 / 1024
    );

    // Recovery: once the writer caught up, ingest takes batches again and /readyz is ready.
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = get(&agent, &server.url("/readyz"));
        if ready.status == 200 {
            assert_eq!(ready.body["ready"], true);
            break;
        }
        assert_eq!(ready.body["ready"], false, "{}", ready.body);
        assert!(
            Instant::now() < deadline,
            "the writer catches up: {}",
            ready.body
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let after = batch(&key, &sid(99), 0, "/after", 3).to_string();
    assert_eq!(post_batch(&agent, &url, after.as_bytes(), None).status, 202);
    server.stop();

    let stored = stored_per_pageview(dir.path());
    for (session, seq) in &acked {
        assert_eq!(
            stored.get(&(session.clone(), format!("pv{seq}"))).copied(),
            Some(EVENTS_PER_BATCH),
            "acknowledged batch {session}/{seq} is stored whole"
        );
    }
    let stored_batches = stored
        .keys()
        .filter(|(session, _)| *session != sid(99))
        .count();
    assert_eq!(
        stored_batches,
        acked.len(),
        "refused batches are not stored"
    );
}

#[test]
fn rate_limits_answer_429_with_retry_after_per_client_ip_and_per_site() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let other = add_site(dir.path(), "other.example");
    let server = Server::start_with_env(
        dir.path(),
        &[
            ("SIGHTLINE_TRUST_PROXY_HEADERS", "true"),
            ("SIGHTLINE_INGEST_IP_BATCHES_PER_SEC", "1"),
            ("SIGHTLINE_INGEST_IP_BURST", "3"),
            ("SIGHTLINE_INGEST_SITE_EVENTS_PER_SEC", "1"),
            ("SIGHTLINE_INGEST_SITE_BURST", "100"),
        ],
    );
    let url = server.url("/api/v1/batch");
    let agent = agent();
    let body = |site: &str, n: u64| batch(site, &sid(n), 0, "/p", 1).to_string();
    for n in 0..3 {
        let a = post_batch(&agent, &url, body(&key, n).as_bytes(), Some("203.0.113.7"));
        assert_eq!(a.status, 202, "{}", a.body);
    }
    let limited = post_batch(&agent, &url, body(&key, 3).as_bytes(), Some("203.0.113.7"));
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.body["error"]["code"], "rate_limited");
    assert!(limited.retry_after.is_some_and(|s| s >= 1));
    // Writing another address on the left does not help: the proxy's right-most entry is the client.
    let forged = post_batch(
        &agent,
        &url,
        body(&key, 4).as_bytes(),
        Some("198.51.100.1, 203.0.113.7"),
    );
    assert_eq!(forged.status, 429, "{}", forged.body);
    let neighbour = post_batch(&agent, &url, body(&key, 5).as_bytes(), Some("203.0.113.8"));
    assert_eq!(neighbour.status, 202, "other clients are not limited");

    // Per site: 4 batches of 3 events passed above (12 of its 100); 30 batches of 3 more exhaust it.
    let mut site_limited = None;
    for n in 0..40 {
        let ip = format!("198.51.100.{}", 10 + n);
        let a = post_batch(&agent, &url, body(&key, 100 + n).as_bytes(), Some(&ip));
        if a.status != 202 {
            site_limited = Some(a);
            break;
        }
    }
    let site_limited = site_limited.expect("the site's bucket runs out");
    assert_eq!(site_limited.status, 429, "{}", site_limited.body);
    assert!(site_limited.retry_after.is_some_and(|s| s >= 1));
    let other_site = post_batch(
        &agent,
        &url,
        body(&other, 1).as_bytes(),
        Some("198.51.100.200"),
    );
    assert_eq!(
        other_site.status, 202,
        "other sites keep their own budget: {}",
        other_site.body
    );
}

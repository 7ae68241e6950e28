//! The spool through the real binary: lag from real positions, visitor deletion that leaves no trace in any
//! file, and a spool at its byte cap that refuses with 503 + Retry-After, loses nothing and recovers.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sightline_ingest::spool::frame;
use support::*;

fn readyz(agent: &ureq::Agent, server: &Server) -> Reply {
    get(agent, &server.url("/readyz"))
}

/// Polls `/readyz` until the lag is 0; returns the last answer.
fn wait_drained(agent: &ureq::Agent, server: &Server, timeout: Duration) -> Reply {
    let deadline = Instant::now() + timeout;
    loop {
        let reply = readyz(agent, server);
        if reply.body["spool_lag_bytes"] == 0 || Instant::now() > deadline {
            return reply;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn lag_counts_real_bytes_and_is_zero_when_nothing_is_pending() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let mut server = Server::start(dir.path());
    let agent = agent();
    let fresh = readyz(&agent, &server);
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    assert_eq!(
        fresh.body["spool_lag_bytes"], 0,
        "fresh and idle: {}",
        fresh.body
    );

    for seq in 0..5 {
        let reply = post_json(
            &agent,
            &server.url("/api/v1/batch"),
            &batch(&key, &sid(1), seq, "/p", 3),
        );
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
    let drained = wait_drained(&agent, &server, Duration::from_secs(10));
    assert_eq!(drained.body["spool_lag_bytes"], 0, "{}", drained.body);

    server.stop();
    let server = Server::start(dir.path());
    let restarted = readyz(&agent, &server);
    assert_eq!(restarted.status, 200, "{}", restarted.body);
    assert_eq!(
        restarted.body["spool_lag_bytes"], 0,
        "after a restart: {}",
        restarted.body
    );
}

const MARKER_ONE: &str = "zq7-visitor-one-marker-5e1d";
const MARKER_TWO: &str = "zq7-visitor-two-marker-9b4c";

/// A batch of `visitor` whose page, click texts, custom props and replay all carry `marker`.
fn marked_batch(site: &str, session: &str, visitor: &str, seq: u64, marker: &str) -> Value {
    let t = now_ms() - 5_000;
    let pv = format!("pv{seq}");
    let mut events = vec![json!({
        "t": t, "type": "pageview", "pv": pv, "url": format!("https://shop.example/{marker}"),
        "title": marker, "vw": 1280, "vh": 800
    })];
    for i in 0..20 {
        events.push(
            json!({"t": t + 10 + i, "type": "click", "pv": pv, "sel": "#buy", "tag": "button",
            "text": marker, "x": 10, "y": 10}),
        );
    }
    events.push(
        json!({"t": t + 50, "type": "custom", "pv": pv, "name": "note", "props": {"note": marker}}),
    );
    events.push(json!({"t": t + 60, "type": "replay", "pv": pv, "chunk": 0,
        "events": [{"type": 3, "timestamp": t + 60, "data": {"text": marker}}]}));
    json!({"v": 1, "site": site, "sid": session, "vid": visitor, "seq": seq, "sent_at": now_ms(), "events": events})
}

/// Every file under `dir` (zstd blobs decompressed too) that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read dir") {
                stack.push(entry.expect("entry").path());
            }
            continue;
        }
        // Files can vanish while the server runs (segments deleted, blobs renamed).
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let inflated = zstd::decode_all(&bytes[..]).unwrap_or_default();
        let found = |b: &[u8]| b.windows(needle.len()).any(|w| w == needle.as_bytes());
        if found(&bytes) || found(&inflated) {
            hits.push(path.display().to_string());
        }
    }
    hits.sort();
    hits
}

fn wait_stored(agent: &ureq::Agent, server: &Server, site: &str, session: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let reply = server.get(
            agent,
            &format!("/api/v1/sites/{site}/sessions/{session}/events"),
        );
        let stored = reply.body["events"].as_array().map_or(0, Vec::len);
        if stored >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{session}: {stored} of {n} events stored"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn deleting_a_visitor_leaves_no_trace_of_them_in_any_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let agent = agent();
    let (one, two) = (sid(101), sid(202));
    let post = |server: &Server, session: &str, visitor: &str, seq: u64, marker: &str| {
        let reply = post_json(
            &agent,
            &server.url("/api/v1/batch"),
            &marked_batch(&key, session, visitor, seq, marker),
        );
        assert_eq!(reply.status, 202, "{}", reply.body);
    };

    // First batches reach the DuckDB file itself (checkpointed at shutdown).
    let mut server = Server::start(dir.path());
    post(&server, &one, "visitor-one", 0, MARKER_ONE);
    post(&server, &two, "visitor-two", 0, MARKER_TWO);
    wait_stored(&agent, &server, &key, &one, 22);
    wait_stored(&agent, &server, &key, &two, 22);
    server.stop();
    let events_file = dir.path().join("events.duckdb").display().to_string();
    assert!(
        files_containing(dir.path(), MARKER_ONE).contains(&events_file),
        "the scan sees the event store's file: {:?}",
        files_containing(dir.path(), MARKER_ONE)
    );

    // Later batches are still in the spool (and the WAL) when the deletion comes.
    let server = Server::start(dir.path());
    post(&server, &one, "visitor-one", 1, MARKER_ONE);
    post(&server, &two, "visitor-two", 1, MARKER_TWO);
    let spooled = files_containing(dir.path(), MARKER_ONE);
    assert!(
        spooled.iter().any(|f| f.ends_with(".spool")),
        "the second batch is in a spool segment: {spooled:?}"
    );

    let reply = agent
        .delete(server.url(&format!("/api/v1/sites/{key}/visitors/visitor-one")))
        .header("Authorization", &format!("Bearer {}", server.token))
        .call()
        .expect("delete");
    let status = reply.status().as_u16();
    let deleted: Value =
        serde_json::from_str(&reply.into_body().read_to_string().expect("body")).expect("json");
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(
        deleted,
        json!({"events": 44, "replay_chunks": 2}),
        "both batches of visitor one"
    );

    assert_eq!(
        files_containing(dir.path(), MARKER_ONE),
        Vec::<String>::new()
    );
    let remaining = files_containing(dir.path(), MARKER_TWO);
    assert!(
        remaining.contains(&events_file),
        "visitor two is untouched: {remaining:?}"
    );
    assert!(
        remaining.iter().any(|f| f.ends_with(".zst")),
        "and so is their replay: {remaining:?}"
    );
    let kept = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{two}/events"),
    );
    assert_eq!(kept.body["events"].as_array().map(Vec::len), Some(44));
    let gone = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{one}/events"),
    );
    assert_eq!(
        gone.body["events"].as_array().map_or(0, Vec::len),
        0,
        "{}",
        gone.body
    );
    drop(server);
    assert_eq!(
        files_containing(dir.path(), MARKER_ONE),
        Vec::<String>::new()
    );
}

/// The spool cap used by the overload test (the smallest accepted).
const SPOOL_CAP: u64 = 32 * 1024 * 1024;

/// A batch of one pageview and one ~3 MiB replay chunk (gzip makes the body tiny).
fn heavy_batch(site: &str, seq: u64) -> Vec<u8> {
    let t = now_ms() - 5_000;
    let body = json!({"v": 1, "site": site, "sid": sid(7), "vid": null, "seq": seq, "sent_at": now_ms(),
    "events": [
        {"t": t, "type": "pageview", "pv": format!("pv{seq}"), "url": "https://shop.example/"},
        {"t": t + 1, "type": "replay", "pv": format!("pv{seq}"), "chunk": 0,
         "events": [{"type": 2, "timestamp": t + 1, "data": {"html": "x".repeat(3 << 20)}}]}
    ]});
    gzip(body.to_string().as_bytes())
}

/// Status and `Retry-After` of one post.
fn post_heavy(agent: &ureq::Agent, server: &Server, site: &str, seq: u64) -> (u16, Option<u64>) {
    let response = agent
        .post(server.url("/api/v1/batch"))
        .header("User-Agent", CHROME_UA)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .send(&heavy_batch(site, seq)[..])
        .expect("post");
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (response.status().as_u16(), retry_after)
}

#[test]
fn a_full_spool_refuses_with_retry_after_loses_nothing_and_resumes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    // The writer stalls the way it would on a broken disk: replay blobs of site 1 cannot be written
    // (a file stands where their directory goes), so its commits fail and it retries.
    let blocker = dir.path().join("blobs").join("1");
    std::fs::create_dir_all(blocker.parent().expect("parent")).expect("blobs dir");
    std::fs::write(&blocker, b"not a directory").expect("blocker");
    let cap = SPOOL_CAP.to_string();
    let mut server = Server::start_with_env(dir.path(), &[("SIGHTLINE_SPOOL_MAX_BYTES", &cap)]);
    let agent = agent();

    let mut acked = Vec::new();
    let mut refused = 0;
    let mut seq = 0;
    while refused < 3 {
        assert!(
            seq < 40,
            "the cap never answered 503 ({} acked)",
            acked.len()
        );
        match post_heavy(&agent, &server, &key, seq) {
            (202, _) => acked.push(seq),
            (503, retry_after) => {
                assert!(
                    retry_after.is_some_and(|s| s >= 1),
                    "503 without Retry-After"
                );
                refused += 1;
            }
            (status, _) => panic!("unexpected {status}"),
        }
        seq += 1;
    }
    assert!(
        acked.len() >= 5,
        "{} batches fit before the cap",
        acked.len()
    );
    let stalled = readyz(&agent, &server);
    assert_eq!(
        stalled.status, 503,
        "not ready while the writer fails: {}",
        stalled.body
    );
    assert!(stalled.body["writer_error"].is_string(), "{}", stalled.body);
    assert!(
        stalled.body["spool_lag_bytes"]
            .as_u64()
            .is_some_and(|lag| lag <= SPOOL_CAP),
        "{}",
        stalled.body
    );

    // The disk is fixed: the writer catches up, drained segments go, and ingest resumes on its own.
    std::fs::remove_file(&blocker).expect("unblock");
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..4 {
        loop {
            match post_heavy(&agent, &server, &key, seq) {
                (202, _) => break,
                (503, retry_after) => {
                    assert!(retry_after.is_some(), "503 without Retry-After");
                    assert!(Instant::now() < deadline, "ingest did not resume");
                    std::thread::sleep(Duration::from_millis(200));
                }
                (status, _) => panic!("unexpected {status}"),
            }
        }
        acked.push(seq);
        seq += 1;
    }

    // A crash now: every segment left must be intact, record for record.
    server.kill9();
    let spool = dir.path().join("spool");
    for segment in sightline_ingest::spool::list_segments(&spool).expect("segments") {
        let bytes =
            std::fs::read(sightline_ingest::spool::segment_path(&spool, segment)).expect("segment");
        let scan = frame::scan(&bytes, 0, true, &mut |_| {});
        assert_eq!(scan.ending, frame::Ending::Clean, "segment {segment}");
    }
    assert!(!spool.join("quarantine").exists());

    let mut server = Server::start(dir.path());
    let drained = wait_drained(&agent, &server, Duration::from_secs(60));
    assert_eq!(drained.status, 200, "{}", drained.body);
    server.stop();
    let conn = duckdb::Connection::open(dir.path().join("events.duckdb")).expect("open events");
    let pageviews: Vec<String> = conn
        .prepare("SELECT pageview FROM events WHERE type = 'pageview' ORDER BY pageview")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let chunks: i64 = conn
        .query_row("SELECT count(*) FROM replay_chunks", [], |r| r.get(0))
        .expect("chunks");
    let mut expected: Vec<String> = acked.iter().map(|s| format!("pv{s}")).collect();
    expected.sort();
    assert_eq!(pageviews, expected, "every acknowledged batch stored, once");
    assert_eq!(chunks, acked.len() as i64);
}

#[test]
fn a_damaged_spool_record_is_quarantined_at_start_and_the_rest_still_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    // Keep the writer from storing anything, so the batches are still pending in the spool at the crash.
    let blocker = dir.path().join("blobs").join("1");
    std::fs::create_dir_all(blocker.parent().expect("parent")).expect("blobs dir");
    std::fs::write(&blocker, b"not a directory").expect("blocker");
    let mut server = Server::start(dir.path());
    let agent = agent();
    for seq in 0..3 {
        let mut body = batch(&key, &sid(9), seq, "/p", 1);
        body["events"].as_array_mut().expect("events").push(
            json!({"t": now_ms() - 4_000, "type": "replay", "pv": format!("pv{seq}"), "chunk": 0,
                "events": [{"type": 2, "timestamp": now_ms() - 4_000, "data": {}}]}),
        );
        let reply = post_json(&agent, &server.url("/api/v1/batch"), &body);
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
    server.kill9();
    std::fs::remove_file(&blocker).expect("unblock");

    // Bit rot in the second record: the first must still be stored, the second and third kept aside.
    let spool = dir.path().join("spool");
    let segments = sightline_ingest::spool::list_segments(&spool).expect("segments");
    let path = sightline_ingest::spool::segment_path(&spool, segments[0]);
    let mut bytes = std::fs::read(&path).expect("segment");
    let mut ends = Vec::new();
    let mut offset = 0;
    frame::scan(&bytes, 0, true, &mut |p| {
        offset += frame::HEADER_BYTES + p.len();
        ends.push(offset);
    });
    assert_eq!(ends.len(), 3, "all three batches pending");
    bytes[ends[0] + frame::HEADER_BYTES + 20] ^= 0x10;
    std::fs::write(&path, &bytes).expect("damage");

    let server = Server::start(dir.path());
    let drained = wait_drained(&agent, &server, Duration::from_secs(10));
    assert_eq!(drained.status, 200, "{}", drained.body);
    let kept = std::fs::read(
        spool
            .join("quarantine")
            .join(format!("{:016}-{}.bad", segments[0], ends[0])),
    )
    .expect("quarantine file");
    assert_eq!(
        kept,
        bytes[ends[0]..],
        "the damaged tail is kept, byte for byte"
    );
    let metrics = get(&agent, &server.url("/metrics"));
    let text = metrics.body.as_str().unwrap_or_default().to_string();
    let quarantined = text
        .lines()
        .find_map(|l| l.strip_prefix("sightline_spool_quarantined_bytes_total "))
        .and_then(|v| v.trim().parse::<f64>().ok());
    assert_eq!(quarantined, Some(kept.len() as f64), "{text}");
    let events = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{}/events", sid(9)),
    );
    let pageviews: Vec<&str> = events.body["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["pageview"].as_str()).collect())
        .unwrap_or_default();
    assert!(pageviews.contains(&"pv0"), "{}", events.body);
    assert!(
        !pageviews.iter().any(|p| *p == "pv1" || *p == "pv2"),
        "{}",
        events.body
    );
}

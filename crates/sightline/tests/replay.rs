//! Session replay on the server: tracker config, chunk storage (zstd blobs + index), the sessions list,
//! playback endpoints, visitor deletion and retention — against the real binary.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::*;

const DAY: i64 = 86_400_000;

/// A pageview plus two replay chunks of rrweb-shaped events, `t` ms since the epoch.
fn recorded_batch(key: &str, session: &str, seq: u64, t: i64, marker: &str) -> Value {
    recorded_batch_dated(key, session, seq, t, t, marker)
}

/// As [`recorded_batch`], with the rrweb events' own timestamps starting at `rrweb_t` (a wrong client clock,
/// an imported recording).
fn recorded_batch_dated(
    key: &str,
    session: &str,
    seq: u64,
    t: i64,
    rrweb_t: i64,
    marker: &str,
) -> Value {
    let snapshot = json!([
        {"type": 4, "timestamp": rrweb_t, "data": {"href": "https://shop.example/", "width": 1280, "height": 800}},
        {"type": 2, "timestamp": rrweb_t + 1, "data": {"node": {"type": 0, "childNodes": [], "id": 1}, "initialOffset": {"left": 0, "top": 0}}}
    ]);
    let incremental = json!([
        {"type": 3, "timestamp": rrweb_t + 500, "data": {"source": 2, "type": 2, "id": 7, "x": 10, "y": 20}},
        {"type": 5, "timestamp": rrweb_t + 900, "data": {"tag": marker, "payload": {}}}
    ]);
    json!({"v": 1, "site": key, "sid": session, "vid": "visitor-one", "seq": seq, "sent_at": now_ms(), "events": [
        {"t": t, "type": "pageview", "pv": "pv-a", "url": "https://shop.example/", "vw": 1280, "vh": 800},
        {"t": t + 1, "type": "replay", "pv": "pv-a", "chunk": 0, "events": snapshot},
        {"t": t + 900, "type": "replay", "pv": "pv-a", "chunk": 1, "events": incremental}
    ]})
}

fn blob_files(data_dir: &std::path::Path) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path.to_string_lossy().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(&data_dir.join("blobs"), &mut out);
    out.sort();
    out
}

#[test]
fn replays_are_stored_listed_played_back_and_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let agent = agent();

    // Replay is off by default; the CLI turns it on.
    let server = Server::start(dir.path());
    let config = get(
        &agent,
        &server.url(&format!("/api/v1/tracker-config?site={key}")),
    );
    assert_eq!(
        (config.status, &config.body["replay_sample_rate"]),
        (200, &json!(0.0))
    );
    assert_eq!(
        get(&agent, &server.url("/api/v1/tracker-config?site=nope")).status,
        404
    );
    cli(dir.path(), &["site", "set", &key, "--replay-sample", "0.5"]);
    std::thread::sleep(Duration::from_millis(5_100)); // the server's site cache expires
    let config = get(
        &agent,
        &server.url(&format!("/api/v1/tracker-config?site={key}")),
    );
    assert_eq!(config.body["replay_sample_rate"], 0.5);

    let t = now_ms() - 60_000;
    let reply = post_json(
        &agent,
        &server.url("/api/v1/batch"),
        &recorded_batch(&key, &sid(1), 0, t, "first"),
    );
    assert_eq!(reply.status, 202, "{}", reply.body);
    let plain = post_json(
        &agent,
        &server.url("/api/v1/batch"),
        &batch(&key, &sid(2), 0, "/no-replay", 0),
    );
    assert_eq!(plain.status, 202);

    let list = |query: &str, at_least: u64| {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let reply = server.get(&agent, &format!("/api/v1/sites/{key}/sessions?{query}"));
            assert_eq!(reply.status, 200, "{}", reply.body);
            if reply.body["total"].as_u64() >= Some(at_least)
                || std::time::Instant::now() > deadline
            {
                return reply.body;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let recorded = list("has_replay=true", 1);
    assert_eq!(recorded["total"], 1);
    let row = &recorded["sessions"][0];
    assert_eq!(
        (row["session"].as_str(), row["has_replay"].as_bool()),
        (Some(sid(1).as_str()), Some(true))
    );
    assert!(row["replay_bytes"].as_u64().unwrap_or(0) > 0);
    let all = list("sort=started&order=asc", 2);
    assert_eq!(all["total"], 2);
    let bad = server.get(&agent, &format!("/api/v1/sites/{key}/sessions?sort=colour"));
    assert_eq!(
        (bad.status, bad.body["error"]["code"].as_str()),
        (400, Some("invalid_parameter"))
    );

    // The whole replay is one plain rrweb event array, in order.
    let replay = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{}/replay", sid(1)),
    );
    assert_eq!(replay.status, 200, "{}", replay.body);
    let types: Vec<_> = replay
        .body
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["type"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(types, [4, 2, 3, 5]);
    let chunks = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{}/replay/chunks", sid(1)),
    );
    let index = chunks.body.as_array().expect("index");
    assert_eq!(index.len(), 2);
    assert_eq!(
        (index[0]["first_ts"].as_i64(), index[1]["last_ts"].as_i64()),
        (Some(t), Some(t + 900))
    );
    assert!(
        index
            .iter()
            .all(|c| c["bytes"].as_u64() < c["raw_bytes"].as_u64()),
        "chunks are compressed"
    );
    let second = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{}/replay/chunks/1", sid(1)),
    );
    assert_eq!(second.body[1]["data"]["tag"], "first");
    assert_eq!(
        server
            .get(
                &agent,
                &format!("/api/v1/sites/{key}/sessions/{}/replay", sid(2))
            )
            .status,
        404
    );
    assert_eq!(blob_files(dir.path()).len(), 2);

    // Deleting the visitor deletes the replay and its blobs.
    let deleted = call_delete(
        &agent,
        &server,
        &format!("/api/v1/sites/{key}/visitors/visitor-one"),
    );
    assert_eq!(deleted["replay_chunks"], 2, "{deleted}");
    assert!(blob_files(dir.path()).is_empty());
    assert_eq!(
        server
            .get(
                &agent,
                &format!("/api/v1/sites/{key}/sessions/{}/replay", sid(1))
            )
            .status,
        404
    );
}

fn call_delete(agent: &ureq::Agent, server: &Server, path: &str) -> Value {
    let mut response = agent
        .delete(server.url(path))
        .header("Authorization", &format!("Bearer {}", server.token))
        .call()
        .expect("delete");
    assert_eq!(response.status().as_u16(), 200);
    serde_json::from_str(&response.body_mut().read_to_string().expect("body")).expect("json")
}

#[test]
fn retention_removes_exactly_the_expired_blobs_and_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    cli(
        dir.path(),
        &[
            "site",
            "set",
            &key,
            "--replay-sample",
            "1",
            "--retention-days",
            "2",
        ],
    );
    let mut server = Server::start_with_env(dir.path(), &[("SIGHTLINE_MAX_EVENT_AGE_DAYS", "10")]);
    let agent = agent();
    let old = now_ms() - 5 * DAY;
    let recent = now_ms() - 60_000;
    // Session 3 arrives now with a recording whose rrweb clock says 2023: it is young by arrival.
    let year_2023 = 1_680_000_000_000;
    for (n, t, rrweb_t) in [(1, old, old), (2, recent, recent), (3, recent, year_2023)] {
        let reply = post_json(
            &agent,
            &server.url("/api/v1/batch"),
            &recorded_batch_dated(&key, &sid(n), 0, t, rrweb_t, "x"),
        );
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while blob_files(dir.path()).len() < 6 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    server.stop();
    let before = blob_files(dir.path());
    assert_eq!(before.len(), 6);
    // Session 1 was received five days ago: age its arrival in the real store (the server is stopped).
    {
        let conn = duckdb::Connection::open(dir.path().join("events.duckdb")).expect("open events");
        for table in ["events", "replay_chunks", "sessions"] {
            let aged = conn
                .execute(
                    &format!("UPDATE {table} SET received_at = received_at - ? WHERE session = ?"),
                    duckdb::params![5 * DAY, sid(1)],
                )
                .expect("age session 1");
            assert!(aged > 0, "{table}");
        }
    }

    let out = cli(dir.path(), &["gc", "--json"]);
    let report: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(
        (
            report["replay_chunks"].as_u64(),
            report["blobs"].as_u64(),
            report["events"].as_u64()
        ),
        (Some(2), Some(2), Some(1))
    );
    let after = blob_files(dir.path());
    let old_session = sid(1);
    assert_eq!(
        after,
        before
            .iter()
            .filter(|f| !f.contains(&old_session))
            .cloned()
            .collect::<Vec<_>>(),
        "only the expired session's blobs went"
    );

    let server = Server::start(dir.path());
    let sessions = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions?from={}", now_ms() - 9 * DAY),
    );
    let mut left: Vec<_> = sessions.body["sessions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["session"].as_str().unwrap_or_default().to_string())
        .collect();
    left.sort();
    assert_eq!(left, vec![sid(2), sid(3)]);
    for n in [2, 3] {
        assert_eq!(
            server
                .get(
                    &agent,
                    &format!("/api/v1/sites/{key}/sessions/{}/replay", sid(n))
                )
                .status,
            200,
            "session {n} keeps its replay"
        );
    }
}

//! `sightline demo` end to end: simulated traffic through the real ingest API, and the reports agree with the
//! simulator's ground truth (sessions, channels and devices as the server classifies them).

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;
use support::*;

#[test]
fn demo_traffic_is_stored_and_classified_as_planted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let truth_path = dir.path().join("truth.jsonl");
    let out = Command::new(BIN)
        .args([
            "demo",
            "--sessions",
            "150",
            "--days",
            "3",
            "--exit-after-traffic",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path())
        .arg("--ground-truth")
        .arg(&truth_path)
        .output()
        .expect("run demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = stdout
        .lines()
        .find_map(|l| l.strip_prefix("site key: "))
        .expect("site key line")
        .trim()
        .to_string();

    let truth: Vec<Value> = std::fs::read_to_string(&truth_path)
        .expect("ground truth")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(truth.len(), 150);

    let count = |field: &str| {
        let mut counts = BTreeMap::new();
        for session in &truth {
            *counts
                .entry(session[field].as_str().unwrap_or("?").to_string())
                .or_insert(0u64) += 1;
        }
        counts
    };
    let from = now_ms() - 10 * 86_400_000;
    let server = Server::start(dir.path());
    let agent = agent();
    let overview = server
        .get(
            &agent,
            &format!("/api/v1/sites/{key}/overview?limit=100&from={from}"),
        )
        .body;
    assert_eq!(overview["sessions"].as_u64(), Some(150), "{overview}");
    let sessions_by = |field: &str, filter: &str| -> BTreeMap<String, u64> {
        count(field)
            .keys()
            .map(|name| {
                let o = server
                    .get(
                        &agent,
                        &format!("/api/v1/sites/{key}/overview?from={from}&{filter}={name}"),
                    )
                    .body;
                (name.clone(), o["sessions"].as_u64().unwrap_or(0))
            })
            .collect()
    };
    assert_eq!(
        sessions_by("channel", "channel"),
        count("channel"),
        "server channels match the planted ones"
    );
    assert_eq!(
        sessions_by("device", "device"),
        count("device"),
        "server devices match the planted ones"
    );
    let channels = overview["channels"].as_array().map_or(0, Vec::len);
    assert_eq!(
        channels,
        count("channel").len(),
        "no channel the simulator did not plant"
    );
    let converted = truth.iter().filter(|s| s["converted"] == true).count();
    assert!(converted > 0, "some sessions convert");
}

//! The real binary with metadata in PostgreSQL and replay blobs in an S3-compatible store, both real servers on
//! loopback: the CLI and two server processes share them, nothing of either lands in the data directories,
//! and `config print` shows the backends without their secrets.

mod support;

#[path = "../../sightline-store/tests/support/postgres.rs"]
mod pg_server;
#[path = "../../sightline-store/tests/support/s3.rs"]
mod s3_server;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

fn recorded_batch(key: &str, session: &str, t: i64) -> Value {
    let snapshot = json!([
        {"type": 4, "timestamp": t, "data": {"href": "https://shop.example/", "width": 1280, "height": 800}},
        {"type": 2, "timestamp": t + 1, "data": {"node": {"type": 0, "childNodes": [], "id": 1}, "initialOffset": {"left": 0, "top": 0}}}
    ]);
    json!({"v": 1, "site": key, "sid": session, "vid": "visitor-one", "seq": 0, "sent_at": now_ms(), "events": [
        {"t": t, "type": "pageview", "pv": "pv-a", "url": "https://shop.example/", "vw": 1280, "vh": 800},
        {"t": t + 1, "type": "replay", "pv": "pv-a", "chunk": 0, "events": snapshot}
    ]})
}

#[test]
fn metadata_in_postgres_and_replays_in_s3_are_shared_by_the_cli_and_the_servers() {
    let pg = pg_server::PgServer::start();
    let meta_url = pg.create_database("sightline");
    let s3 = s3_server::S3Server::start();
    s3.create_bucket("replays");
    let env = [
        ("SIGHTLINE_META_BACKEND", "postgres"),
        ("SIGHTLINE_META_URL", meta_url.as_str()),
        ("SIGHTLINE_BLOBS_BACKEND", "s3"),
        ("SIGHTLINE_BLOBS_BUCKET", "replays"),
        ("SIGHTLINE_BLOBS_ENDPOINT", s3.endpoint.as_str()),
        ("SIGHTLINE_BLOBS_PREFIX", "test-install"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test-secret-key"),
        ("PGPASSWORD", "unused-with-trust-auth"),
    ];
    let (node_a, node_b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let added = cli_with_env(
        node_a.path(),
        &env,
        &["site", "add", "--name", "Shop", "--domain", "shop.example"],
    );
    let key = added
        .lines()
        .find_map(|l| l.strip_prefix("site key: "))
        .expect("`site key:` line")
        .trim()
        .to_string();
    // Node b's CLI sees the site node a's created: it is in PostgreSQL, not in a's directory.
    cli_with_env(
        node_b.path(),
        &env,
        &["site", "set", &key, "--replay-sample", "1"],
    );
    for node in [&node_a, &node_b] {
        assert!(!node.path().join("meta.sqlite").exists());
    }

    let printed = cli_with_env(node_a.path(), &env, &["config", "print"]);
    assert!(
        printed.contains("backend = \"postgres\"") && printed.contains("backend = \"s3\""),
        "{printed}"
    );
    assert!(!printed.contains("test-secret-key"), "{printed}");

    let agent = agent();
    let a = Server::start_with_env(node_a.path(), &env);
    let t = now_ms() - 60_000;
    let reply = post_json(
        &agent,
        &a.url("/api/v1/batch"),
        &recorded_batch(&key, &sid(1), t),
    );
    assert_eq!(reply.status, 202, "{}", reply.body);
    let path = format!("/api/v1/sites/{key}/sessions/{}/replay", sid(1));
    let deadline = Instant::now() + Duration::from_secs(10);
    let replay = loop {
        let reply = a.get(&agent, &path);
        if reply.status == 200 || Instant::now() > deadline {
            break reply;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(replay.status, 200, "{}", replay.body);
    assert_eq!(replay.body.as_array().map(Vec::len), Some(2));
    assert!(
        !node_a.path().join("blobs").exists()
            || std::fs::read_dir(node_a.path().join("blobs")).is_ok_and(|mut d| d.next().is_none()),
        "the blob is in S3, not in the data directory"
    );
    let listed = ureq::get(&format!(
        "{}/replays?list-type=2&prefix=test-install/",
        s3.endpoint
    ))
    .call()
    .and_then(|mut r| r.body_mut().read_to_string())
    .expect("list the bucket");
    assert!(listed.contains("<Key>test-install/"), "{listed}");

    // A second node authenticates a token created through the first one's CLI (one metadata store).
    let b = Server::start_with_env(node_b.path(), &env);
    let sites = get_with(
        &agent,
        &b.url("/api/v1/sites"),
        &[("Authorization", &format!("Bearer {}", a.token))],
    );
    assert_eq!(sites.status, 200, "{}", sites.body);
    assert!(sites.body.to_string().contains(&key), "{}", sites.body);
}

//! The real binary on the cluster backends, all real servers on loopback: metadata in PostgreSQL, replay blobs in
//! an S3-compatible store, events in ClickHouse. The CLI and two server processes share them, nothing of them
//! lands in the data directories, `config print` shows the backends without their secrets; two nodes take
//! batches round-robin, store each once, answer alike, survive a SIGKILL and hand the background jobs over.

mod support;

#[path = "../../sightline-store/tests/support/clickhouse.rs"]
mod clickhouse_server;
#[path = "../../sightline-store/tests/support/postgres.rs"]
mod pg_server;
#[path = "../../sightline-store/tests/support/s3.rs"]
mod s3_server;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

/// `sightline site add` with the cluster's config; the key from its `site key:` line.
fn add_site_with_env(data_dir: &std::path::Path, env: &[(&str, &str)]) -> String {
    let added = cli_with_env(
        data_dir,
        env,
        &["site", "add", "--name", "Shop", "--domain", "shop.example"],
    );
    added
        .lines()
        .find_map(|l| l.strip_prefix("site key: "))
        .expect("`site key:` line")
        .trim()
        .to_string()
}

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
    let key = add_site_with_env(node_a.path(), &env);
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

fn lease_held(agent: &ureq::Agent, server: &Server, job: &str) -> bool {
    let line = format!("sightline_job_lease_held{{job=\"{job}\"}} 1");
    agent
        .get(&server.url("/metrics"))
        .call()
        .and_then(|mut r| r.body_mut().read_to_string())
        .is_ok_and(|text| text.lines().any(|l| l.trim() == line))
}

fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn two_nodes_on_clickhouse_store_every_batch_once_answer_alike_and_hand_over_their_jobs() {
    let pg = pg_server::PgServer::start();
    let meta_url = pg.create_database("sightline");
    let ch = clickhouse_server::ClickHouseServer::start();
    let env = [
        ("SIGHTLINE_META_BACKEND", "postgres"),
        ("SIGHTLINE_META_URL", meta_url.as_str()),
        ("SIGHTLINE_EVENTS_BACKEND", "clickhouse"),
        ("SIGHTLINE_EVENTS_URL", ch.url.as_str()),
        ("SIGHTLINE_EVENTS_DATABASE", "cluster"),
        ("SIGHTLINE_JOB_LEASE_SECS", "2"),
    ];
    let (dir_a, dir_b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let key = add_site_with_env(dir_a.path(), &env);
    let agent = agent();
    let mut a = Server::start_with_env(dir_a.path(), &env);
    let mut b = Server::start_with_env(dir_b.path(), &env);

    // Round-robin: session n goes to a when n is even, to b when odd; each is 1 pageview + 2 clicks.
    for n in 0..20u64 {
        let node = if n % 2 == 0 { &a } else { &b };
        let reply = post_json(
            &agent,
            &node.url("/api/v1/batch"),
            &batch(&key, &sid(n), 0, "/", 2),
        );
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
    let range = format!("from={}&to={}", now_ms() - 3_600_000, now_ms() + 3_600_000);
    let sessions_are = |node: &Server, n: u64| {
        let body = wait_overview(&agent, node, &key, &range, Duration::from_secs(20), |o| {
            o["sessions"] == n
        });
        assert_eq!(body["sessions"], n, "{body}");
        assert_eq!(body["pageviews"], n, "{body}");
        body
    };
    sessions_are(&a, 20);
    // A retry of a stored batch sent to the other node is stored no second time.
    let retry = post_json(
        &agent,
        &b.url("/api/v1/batch"),
        &batch(&key, &sid(0), 0, "/", 2),
    );
    assert_eq!(retry.status, 202, "{}", retry.body);
    std::thread::sleep(Duration::from_millis(1_500));
    let from_a = sessions_are(&a, 20);
    let from_b = sessions_are(&b, 20);
    assert_eq!(
        from_a["overview"], from_b["overview"],
        "both nodes answer alike"
    );

    // Exactly one node runs the analysis pass; when it dies the other takes over.
    wait_until(
        "one node takes the analysis lease",
        Duration::from_secs(10),
        || lease_held(&agent, &a, "analysis") || lease_held(&agent, &b, "analysis"),
    );
    assert!(
        !(lease_held(&agent, &a, "analysis") && lease_held(&agent, &b, "analysis")),
        "never both"
    );
    let a_held = lease_held(&agent, &a, "analysis");
    let (dead, survivor) = if a_held { (&mut a, &b) } else { (&mut b, &a) };
    dead.kill9();
    wait_until(
        "the other node takes over the lease",
        Duration::from_secs(15),
        || lease_held(&agent, survivor, "analysis"),
    );

    // A node killed right after acknowledging batches loses none of them, and stores none twice, once restarted.
    let restart_dir = if a_held { dir_a.path() } else { dir_b.path() };
    let mut restarted = Server::start_with_env(restart_dir, &env);
    for n in 20..40u64 {
        let reply = post_json(
            &agent,
            &restarted.url("/api/v1/batch"),
            &batch(&key, &sid(n), 0, "/", 2),
        );
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
    restarted.kill9();
    let restarted = Server::start_with_env(restart_dir, &env);
    sessions_are(&restarted, 40);
    sessions_are(survivor, 40);
}

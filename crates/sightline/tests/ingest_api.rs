//! The real server over real HTTP: a batch goes in, the overview shows it; retries are stored once.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::*;

#[test]
fn batches_are_acknowledged_visible_within_a_second_and_stored_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let server = Server::start(dir.path());
    let agent = agent();

    let first = batch(
        &key,
        &sid(1),
        0,
        "/product/8f14e45fceea167a5a36dedd4bea2543",
        2,
    );
    let sent = Instant::now();
    let reply = post_json(&agent, &server.url("/api/v1/batch"), &first);
    assert_eq!(
        (reply.status, &reply.body),
        (202, &json!({"accepted": 4, "duplicate": false}))
    );

    let overview = wait_overview(&agent, &server, &key, "", Duration::from_secs(5), |o| {
        o["pageviews"] == 1
    });
    let visible_after = sent.elapsed();
    assert_eq!(overview["pageviews"], 1);
    assert!(
        visible_after < Duration::from_secs(2),
        "visible after {visible_after:?}"
    );
    assert_eq!(
        (overview["visitors"].as_u64(), overview["sessions"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(overview["bounce_rate"], 1.0);
    assert_eq!(
        overview["top_pages"][0]["name"],
        "/product/8f14e45fceea167a5a36dedd4bea2543"
    );
    assert_eq!(
        overview["channels"],
        json!([{"name": "paid_search", "visitors": 1, "pageviews": 1}])
    );
    assert_eq!(overview["devices"][0]["name"], "desktop");
    assert_eq!(overview["browsers"][0]["name"], "Chrome");

    // The same (site, sid, seq) again: acknowledged as a duplicate, not stored twice.
    let retry = post_json(&agent, &server.url("/api/v1/batch"), &first);
    assert_eq!(
        (retry.status, &retry.body["duplicate"]),
        (202, &json!(true))
    );

    // A second page in the same session, gzip-compressed this time.
    let second = batch(&key, &sid(1), 1, "/cart", 0);
    let reply = post(
        &agent,
        &server.url("/api/v1/batch"),
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        &gzip(second.to_string().as_bytes()),
    )
    .expect("request");
    assert_eq!(reply.status, 202, "{}", reply.body);

    let overview = wait_overview(&agent, &server, &key, "", Duration::from_secs(5), |o| {
        o["pageviews"] == 2
    });
    assert_eq!(
        (
            overview["pageviews"].as_u64(),
            overview["sessions"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(overview["bounce_rate"], 0.0);
    assert_eq!(overview["exit_pages"][0]["name"], "/cart");
    assert_eq!(
        overview["entry_pages"][0]["name"],
        "/product/8f14e45fceea167a5a36dedd4bea2543"
    );

    // Filters narrow the sessions; the site id works like the key.
    let mobile = wait_overview(
        &agent,
        &server,
        "1",
        "device=mobile",
        Duration::ZERO,
        |_| true,
    );
    assert_eq!(mobile["sessions"], 0);
    let by_page = wait_overview(&agent, &server, &key, "page=/cart", Duration::ZERO, |_| {
        true
    });
    assert_eq!(by_page["sessions"], 1);
    let reply = server.get(&agent, &format!("/api/v1/sites/{key}/overview?colour=red"));
    assert_eq!(
        (reply.status, reply.body["error"]["code"].as_str()),
        (400, Some("unknown_parameter"))
    );
    let reply = server.get(&agent, "/api/v1/sites/nosuchsite/overview");
    assert_eq!(reply.status, 404);
}

#[test]
fn health_metrics_cors_and_the_cli_contracts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let listed: serde_json::Value =
        serde_json::from_str(&cli(dir.path(), &["site", "list", "--json"])).expect("json");
    assert_eq!(listed[0]["key"], key.as_str());
    assert_eq!(listed[0]["domains"], json!(["shop.example"]));
    let printed = cli(dir.path(), &["config", "print"]);
    assert!(
        printed.contains("data_dir = ") && printed.contains("listen = "),
        "{printed}"
    );

    let server = Server::start(dir.path());
    let agent = agent();
    assert_eq!(get(&agent, &server.url("/healthz")).status, 200);
    assert_eq!(get(&agent, &server.url("/readyz")).body["ready"], true);

    let reply = post_json(
        &agent,
        &server.url("/api/v1/batch"),
        &batch(&key, &sid(2), 0, "/", 0),
    );
    assert_eq!(reply.status, 202);
    let reply = post_json(&agent, &server.url("/api/v1/batch"), &json!({"v": 1}));
    assert_eq!(reply.status, 400);
    let metrics = get(&agent, &server.url("/metrics")).body;
    let metrics = metrics.as_str().expect("text");
    assert!(
        metrics.contains("sightline_ingest_accepted_events_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sightline_ingest_rejected_total{reason=\"malformed\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("sightline_spool_lag_bytes"), "{metrics}");
    // DuckDB's own accounting, by tag, so an operator can tell the engine's memory from the rest.
    assert!(
        metrics.contains("sightline_store_memory_bytes{tag=\"BASE_TABLE\"}"),
        "{metrics}"
    );
    // glibc's arenas, where DuckDB's C++ code allocates outside its buffer manager.
    assert!(
        metrics.contains("sightline_c_heap_bytes{state=\"free\"}"),
        "{metrics}"
    );

    // The tracker's preflight from a shop page.
    let mut preflight = agent
        .run(
            ureq::http::Request::builder()
                .method("OPTIONS")
                .uri(server.url("/api/v1/batch"))
                .header("Origin", "https://shop.example")
                .header("Access-Control-Request-Method", "POST")
                .header(
                    "Access-Control-Request-Headers",
                    "content-type, content-encoding",
                )
                .body(())
                .expect("request"),
        )
        .expect("preflight");
    assert!(
        preflight.status().is_success(),
        "preflight: {}",
        preflight.status()
    );
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://shop.example")
    );
    let _ = preflight.body_mut().read_to_string();
}

#[test]
fn config_errors_name_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sightline.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nretention = 30\n").expect("write");
    let out = std::process::Command::new(BIN)
        .args(["config", "print", "--config"])
        .arg(&file)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown key `retention`"), "{stderr}");

    let out = std::process::Command::new(BIN)
        .args(["config", "print", "--json"])
        .env("SIGHTLINE_DATA_DIR", dir.path())
        .env("SIGHTLINE_LISTEN", "127.0.0.1:9999")
        .output()
        .expect("run");
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(printed["listen"], "127.0.0.1:9999");
    assert_eq!(printed["data_dir"], dir.path().to_str().expect("utf8 path"));

    // Flags win over the environment.
    let out = std::process::Command::new(BIN)
        .args(["config", "print", "--json", "--listen", "127.0.0.1:1234"])
        .env("SIGHTLINE_LISTEN", "127.0.0.1:9999")
        .output()
        .expect("run");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(printed["listen"], "127.0.0.1:1234");
}

#[test]
fn the_tracker_is_served_cacheable_and_the_demo_only_by_the_demo_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path());
    let agent = agent();
    let mut response = agent.get(server.url("/t.js")).call().expect("t.js");
    assert_eq!(response.status().as_u16(), 200);
    let header = |r: &ureq::http::Response<ureq::Body>, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(header(&response, "cache-control").is_some_and(|v| v.contains("max-age")));
    let etag = header(&response, "etag").expect("etag");
    let body = response.body_mut().read_to_string().expect("body");
    assert!(
        body.contains("/api/v1/batch"),
        "the tracker posts to the ingest endpoint"
    );
    let revalidated = agent
        .get(server.url("/t.js"))
        .header("If-None-Match", &etag)
        .call()
        .expect("t.js");
    assert_eq!(revalidated.status().as_u16(), 304);

    let demo = get(&agent, &server.url("/demo/"));
    assert_eq!(
        (demo.status, demo.body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
}

/// Sessions through the real binary: a `sid` idle for 40 minutes continues as `<sid>.<minute>`; a click sent
/// after a restart, in a batch without its pageview, gets its page from the batch's `pages`; the session's row
/// holds both batches.
#[test]
fn sessions_split_after_thirty_idle_minutes_and_pages_come_with_each_batch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let mut server = Server::start(dir.path());
    let agent = agent();
    let session = sid(7);
    let now = now_ms();
    let early = now - 50 * 60_000;
    let pageview = |t: i64, pv: &str, path: &str| json!({"t": t, "type": "pageview", "pv": pv, "url": format!("https://shop.example{path}"), "vw": 1280, "vh": 800});
    let first = json!({"v": 1, "site": key, "sid": session, "seq": 0, "sent_at": now, "events": [
        pageview(early, "pv-a", "/cart"),
        {"t": early + 1_000, "type": "click", "pv": "pv-a", "sel": "#pay", "x": 10, "y": 10},
    ]});
    assert_eq!(
        post_json(&agent, &server.url("/api/v1/batch"), &first).status,
        202
    );
    server.stop();
    let mut server = Server::start(dir.path());
    // After the restart, 40 minutes idle: a new pageview, and a late click on the first page in the same batch
    // (its pageview was stored before the restart: `pages` names it).
    let second = json!({"v": 1, "site": key, "sid": session, "seq": 1, "sent_at": now,
    "pages": {"pv-a": "https://shop.example/cart", "pv-b": "https://shop.example/help"},
    "events": [
        {"t": early + 2_000, "type": "click", "pv": "pv-a", "sel": "#pay", "x": 10, "y": 10},
        pageview(now - 5_000, "pv-b", "/help"),
    ]});
    assert_eq!(
        post_json(&agent, &server.url("/api/v1/batch"), &second).status,
        202
    );
    let continuation = format!("{session}.{}", (now - 5_000) / 60_000);
    let deadline = Instant::now() + Duration::from_secs(5);
    let list = loop {
        let reply = server.get(
            &agent,
            &format!(
                "/api/v1/sites/{key}/sessions?from={}&sort=started&order=asc",
                now - 3_600_000
            ),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body["total"] == 2 || Instant::now() > deadline {
            break reply.body;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let ids: Vec<&str> = list["sessions"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["session"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{list}");
    assert!(
        ids.contains(&session.as_str()) && ids.contains(&continuation.as_str()),
        "{ids:?}"
    );
    let first_session = list["sessions"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["session"] == session.as_str())
        .expect("first");
    assert_eq!(
        (
            first_session["clicks"].as_u64(),
            first_session["pageviews"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(first_session["duration_ms"], 2_000);
    let events = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{session}/events"),
    );
    let paths: Vec<&str> = events.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        ["/cart", "/cart", "/cart"],
        "the late click has its page"
    );
    let later = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{continuation}/events"),
    );
    assert_eq!(later.status, 200, "{}", later.body);
    assert_eq!(later.body["events"][0]["path"], "/help");
    assert_eq!(
        server
            .get(
                &agent,
                &format!("/api/v1/sites/{key}/sessions/{session}.x/events")
            )
            .status,
        400
    );
    server.stop();
}

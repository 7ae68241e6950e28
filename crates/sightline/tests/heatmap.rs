//! Heatmap page snapshots and the sessions behind an element, against the real binary: a sampled snapshot is
//! stored per pageview (not as a replay), served as its Meta + FullSnapshot, limited per page group, and the
//! sessions that clicked an element come with the moment they did.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

/// rrweb's Meta and FullSnapshot of a page `width` px wide, the full snapshot naming `marker`.
fn snapshot_events(t: i64, width: u32, marker: &str) -> Value {
    json!([
        {"type": 4, "timestamp": t, "data": {"href": "https://shop.example/product/1", "width": width, "height": 800}},
        {"type": 2, "timestamp": t + 1, "data": {"node": {"type": 0, "id": 1, "childNodes": [
            {"type": 3, "id": 2, "textContent": marker}]}, "initialOffset": {"left": 0, "top": 0}}}
    ])
}

/// A pageview of /product/`n` with a sampled snapshot, and `clicks` clicks on #buy from +2 s.
fn visit(key: &str, session: &str, n: u32, t: i64, clicks: usize) -> Value {
    let pv = format!("pv-{n}");
    let mut events = vec![
        json!({"t": t, "type": "pageview", "pv": pv, "url": format!("https://shop.example/product/{n}"),
               "vw": 1280, "vh": 800, "dh": 2400}),
        json!({"t": t + 1_000, "type": "replay", "pv": pv, "chunk": 0, "snapshot": true,
               "events": snapshot_events(t + 1_000, 1280, &format!("product {n}"))}),
    ];
    for i in 0..clicks {
        events.push(json!({"t": t + 2_000 + i as i64 * 300, "type": "click", "pv": pv, "sel": "#buy",
            "tag": "button", "x": 100, "y": 120, "rx": 0.5, "ry": 0.5, "vw": 1280, "changed": true}));
    }
    json!({"v": 1, "site": key, "sid": session, "seq": 0, "sent_at": now_ms(), "events": events})
}

fn poll(server: &Server, agent: &ureq::Agent, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = server.get(agent, path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        if done(&reply.body) || Instant::now() > deadline {
            return reply.body;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn snapshots_are_served_per_page_and_clicks_lead_to_their_sessions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let agent = agent();
    let server = Server::start_with_env(
        dir.path(),
        &[
            ("SIGHTLINE_HEATMAP_SNAPSHOT_SAMPLE_RATE", "0.25"),
            // heatmaps and zones count a session once the analysis pass has seen it
            ("SIGHTLINE_ANALYSIS_QUIET_SECS", "1"),
        ],
    );

    let config = get(
        &agent,
        &server.url(&format!("/api/v1/tracker-config?site={key}")),
    );
    assert_eq!(config.body["snapshot_sample_rate"], 0.25, "{}", config.body);

    let t = now_ms() - 120_000;
    // Two visits of the page group /product/:id a minute apart: only the first one's snapshot is kept.
    for (session, n, at, clicks) in [(sid(1), 1, t, 2), (sid(2), 2, t + 60_000, 1)] {
        let reply = post_json(
            &agent,
            &server.url("/api/v1/batch"),
            &visit(&key, &session, n, at, clicks),
        );
        assert_eq!(reply.status, 202, "{}", reply.body);
    }

    let snapshot_of = |page: &str| {
        poll(
            &server,
            &agent,
            &format!("/api/v1/sites/{key}/heatmap/snapshot?page={page}&device=tablet"),
            |b| !b["snapshot"].is_null(),
        )
    };
    // The group's only snapshot is /product/1's; a tablet has none, so the newest of any device is served.
    let body = snapshot_of("/product/:id");
    let snapshot = &body["snapshot"];
    assert_eq!(
        (
            snapshot["session"].as_str(),
            snapshot["pageview"].as_str(),
            snapshot["sampled"].as_bool()
        ),
        (Some(sid(1).as_str()), Some("pv-1"), Some(true)),
        "{body}"
    );
    assert_eq!(
        (snapshot["width"].as_u64(), snapshot["height"].as_u64()),
        (Some(1280), Some(800))
    );
    let types: Vec<i64> = snapshot["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_i64())
        .collect();
    assert_eq!(types, vec![4, 2]);
    assert!(snapshot["events"].to_string().contains("product 1"));
    assert!(snapshot["device"].is_string());
    // /product/2's snapshot was not kept (same group within 10 minutes).
    let none = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/heatmap/snapshot?page=/product/2"),
    );
    assert_eq!(
        (none.status, &none.body["snapshot"]),
        (200, &Value::Null),
        "{}",
        none.body
    );

    // A snapshot is not a replay.
    let chunks = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{}/replay/chunks", sid(1)),
    );
    assert_eq!(chunks.status, 404, "{}", chunks.body);

    // The sessions that clicked #buy on the group, newest first, each at its first click there.
    let path = format!("/api/v1/sites/{key}/heatmap/sessions?page=/product/:id&selector=%23buy");
    let body = poll(&server, &agent, &path, |b| {
        b["sessions"].as_array().is_some_and(|s| s.len() == 2)
    });
    let sessions: Vec<(String, i64)> = body["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| {
            (
                s["session"].as_str().unwrap_or_default().to_string(),
                s["at"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        sessions,
        vec![(sid(2), t + 62_000), (sid(1), t + 2_000)],
        "{body}"
    );
    assert_eq!(body["selector"], "#buy");

    // The zones of the group, from the analysis pass's facts: both pageviews, three clicks on #buy in two.
    let path = format!("/api/v1/sites/{key}/zones?page=/product/:id");
    let body = poll(&server, &agent, &path, |b| {
        b["zones"].as_array().is_some_and(|z| !z.is_empty())
    });
    let buy = &body["zones"][0];
    assert_eq!(
        (
            buy["selector"].as_str(),
            buy["pageviews"].as_u64(),
            buy["clicks"].as_u64(),
            buy["click_rate"].as_f64()
        ),
        (Some("#buy"), Some(2), Some(3), Some(1.0)),
        "{body}"
    );

    // Bad input: a missing selector or page is a 400 that says so.
    let missing = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/heatmap/sessions?page=/product/1"),
    );
    assert_eq!(
        (missing.status, missing.body["error"]["code"].as_str()),
        (400, Some("missing_parameter"))
    );
    assert!(
        missing.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("selector")
    );
    let missing = server.get(&agent, &format!("/api/v1/sites/{key}/heatmap/snapshot"));
    assert_eq!(
        (missing.status, missing.body["error"]["code"].as_str()),
        (400, Some("missing_parameter"))
    );
}

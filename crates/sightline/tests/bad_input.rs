//! Every limit and error of the ingest endpoint, against the real server: the right status and code, a JSON
//! body that says what was wrong, nothing stored from any rejected request, and the server still serving.

mod support;

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};
use support::*;

struct Case {
    name: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn case(name: &'static str, body: Value, status: u16, code: &'static str) -> Case {
    Case {
        name,
        headers: vec![("Content-Type", "application/json")],
        body: body.to_string().into_bytes(),
        status,
        code,
    }
}

/// A valid batch with one event replaced by `event`.
fn with_event(key: &str, seq: u64, event: Value) -> Value {
    let mut b = batch(key, &sid(900), seq, "/bad", 0);
    b["events"] = json!([event]);
    b
}

fn gzip_bomb() -> Vec<u8> {
    // 64 MiB of zeros compress to ~64 KiB: far past the decompressed limit, well under the body limit.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&zeros).expect("gzip");
    }
    encoder.finish().expect("gzip")
}

#[test]
fn every_bad_input_gets_a_clear_4xx_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let server = Server::start(dir.path());
    let agent = agent();
    let t = now_ms();
    let click = |extra: Value| {
        let mut e = json!({"t": t, "type": "click", "pv": "p1", "sel": "#b", "x": 1, "y": 2});
        if let (Some(e), Some(extra)) = (e.as_object_mut(), extra.as_object()) {
            e.extend(extra.clone());
        }
        e
    };
    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"t": t, "type": "scroll", "pv": "p1", "depth_px": 1, "depth_pct": 1}))
        .collect();
    let mut too_many = batch(&key, &sid(901), 0, "/", 0);
    too_many["events"] = Value::Array(many);
    let mut big_body = batch(&key, &sid(902), 0, "/", 0);
    big_body["padding"] = json!("x".repeat(1024 * 1024));

    let mut cases = vec![
        case("not json", json!("hello"), 400, "malformed"),
        case(
            "wrong version",
            json!({"v": 2, "site": key, "sid": sid(903), "seq": 0, "sent_at": t, "events": []}),
            400,
            "unsupported_version",
        ),
        case(
            "missing events",
            json!({"v": 1, "site": key, "sid": sid(903), "seq": 0, "sent_at": t}),
            400,
            "malformed",
        ),
        case(
            "empty events",
            json!({"v": 1, "site": key, "sid": sid(903), "seq": 0, "sent_at": t, "events": []}),
            400,
            "empty_batch",
        ),
        case(
            "short sid",
            json!({"v": 1, "site": key, "sid": "abc", "seq": 0, "sent_at": t, "events": [click(json!({}))]}),
            400,
            "invalid_id",
        ),
        case(
            "sid with bad characters",
            json!({"v": 1, "site": key, "sid": "abcdefghijklmnop<script>", "seq": 0, "sent_at": t, "events": [click(json!({}))]}),
            400,
            "invalid_id",
        ),
        case(
            "negative seq",
            json!({"v": 1, "site": key, "sid": sid(903), "seq": -1, "sent_at": t, "events": [click(json!({}))]}),
            400,
            "malformed",
        ),
        case(
            "string where a number belongs",
            with_event(&key, 0, click(json!({"x": "left"}))),
            400,
            "malformed",
        ),
        case(
            "unknown event type",
            with_event(&key, 0, json!({"t": t, "type": "teleport", "pv": "p1"})),
            400,
            "malformed",
        ),
        case(
            "offset outside 0..1",
            with_event(&key, 0, click(json!({"rx": 1.5}))),
            400,
            "out_of_range",
        ),
        case(
            "event from last month",
            with_event(
                &key,
                0,
                json!({"t": t - 30 * 86_400_000i64, "type": "scroll", "pv": "p1", "depth_px": 1, "depth_pct": 1}),
            ),
            400,
            "timestamp_out_of_range",
        ),
        case(
            "event from the future",
            with_event(
                &key,
                0,
                json!({"t": t + 3_600_000, "type": "scroll", "pv": "p1", "depth_px": 1, "depth_pct": 1}),
            ),
            400,
            "timestamp_out_of_range",
        ),
        case(
            "scroll depth over 100%",
            with_event(
                &key,
                0,
                json!({"t": t, "type": "scroll", "pv": "p1", "depth_px": 1, "depth_pct": 140}),
            ),
            400,
            "out_of_range",
        ),
        case(
            "bad input action",
            with_event(
                &key,
                0,
                json!({"t": t, "type": "input", "pv": "p1", "sel": "#e", "action": "type"}),
            ),
            400,
            "malformed",
        ),
        case(
            "bad vital name",
            with_event(
                &key,
                0,
                json!({"t": t, "type": "vital", "pv": "p1", "name": "FID", "value": 1}),
            ),
            400,
            "malformed",
        ),
        case(
            "selector over its cap",
            with_event(&key, 0, click(json!({"sel": "#".repeat(2000)}))),
            413,
            "field_too_long",
        ),
        case(
            "url over its cap",
            with_event(
                &key,
                0,
                json!({"t": t, "type": "pageview", "pv": "p1", "url": format!("https://shop.example/{}", "a".repeat(3000))}),
            ),
            413,
            "field_too_long",
        ),
        case(
            "props over their cap",
            with_event(
                &key,
                0,
                json!({"t": t, "type": "custom", "pv": "p1", "name": "x", "props": {"blob": "z".repeat(20_000)}}),
            ),
            413,
            "field_too_long",
        ),
        case("over 1000 events", too_many, 413, "too_many_events"),
        case("body over 1 MiB", big_body, 413, "body_too_large"),
        case(
            "unknown site key",
            json!({"v": 1, "site": "nosuchsite", "sid": sid(904), "seq": 0, "sent_at": t, "events": [click(json!({}))]}),
            404,
            "unknown_site",
        ),
    ];
    cases.push(Case {
        name: "gzip bomb",
        headers: vec![
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        body: gzip_bomb(),
        status: 413,
        code: "decompressed_too_large",
    });
    cases.push(Case {
        name: "gzip header on plain bytes",
        headers: vec![
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        body: b"{\"v\":1}".to_vec(),
        status: 400,
        code: "bad_gzip",
    });
    cases.push(Case {
        name: "origin of another site",
        headers: vec![
            ("Content-Type", "application/json"),
            ("Origin", "https://evil.example"),
        ],
        body: batch(&key, &sid(905), 0, "/", 0).to_string().into_bytes(),
        status: 403,
        code: "origin_not_allowed",
    });

    for c in &cases {
        let reply =
            post(&agent, &server.url("/api/v1/batch"), &c.headers, &c.body).expect("request");
        assert_eq!(reply.status, c.status, "{}: {}", c.name, reply.body);
        assert_eq!(
            reply.body["error"]["code"], c.code,
            "{}: {}",
            c.name, reply.body
        );
        let message = reply.body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.len() > 10,
            "{}: the message says what was wrong: {message:?}",
            c.name
        );
    }
    // Field errors name the event and the field.
    let reply = post_json(
        &agent,
        &server.url("/api/v1/batch"),
        &with_event(&key, 0, click(json!({"ry": -0.5}))),
    );
    let message = reply.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("events[0] (click)") && message.contains("`ry`"),
        "{message}"
    );

    // Still serving, and a valid batch from an allowed origin goes through.
    assert_eq!(get(&agent, &server.url("/healthz")).status, 200);
    let good = batch(&key, &sid(906), 0, "/good", 0);
    let reply = post(
        &agent,
        &server.url("/api/v1/batch"),
        &[
            ("Content-Type", "text/plain"),
            ("Origin", "https://www.shop.example"),
        ],
        good.to_string().as_bytes(),
    )
    .expect("request");
    assert_eq!(reply.status, 202, "{}", reply.body);

    // Only the good batch was stored: one session, one page.
    let range = format!("from={}&to={}", now_ms() - 3_600_000, now_ms() + 3_600_000);
    let overview = wait_overview(&agent, &server, &key, &range, Duration::from_secs(5), |o| {
        o["pageviews"] == 1
    });
    std::thread::sleep(Duration::from_millis(500));
    let overview_later = wait_overview(&agent, &server, &key, &range, Duration::ZERO, |_| true);
    assert_eq!(overview, overview_later, "nothing else arrives later");
    assert_eq!(
        (
            overview["sessions"].as_u64(),
            overview["pageviews"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        overview["top_pages"],
        json!([{"name": "/good", "visitors": 1, "pageviews": 1}])
    );
}

#[test]
fn bots_are_acknowledged_but_not_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let server = Server::start(dir.path());
    let agent = agent();
    let body = batch(&key, &sid(1), 0, "/", 0).to_string();
    let mut response = agent
        .post(server.url("/api/v1/batch"))
        .header(
            "User-Agent",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        )
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .expect("request");
    assert_eq!(response.status().as_u16(), 202);
    let reply: Value =
        serde_json::from_str(&response.body_mut().read_to_string().expect("body")).expect("json");
    assert_eq!(reply["accepted"], 0);
    let human = post_json(
        &agent,
        &server.url("/api/v1/batch"),
        &batch(&key, &sid(2), 0, "/human", 0),
    );
    assert_eq!(human.status, 202);
    let overview = wait_overview(&agent, &server, &key, "", Duration::from_secs(5), |o| {
        o["pageviews"] == 1
    });
    assert_eq!(overview["top_pages"][0]["name"], "/human");
    assert_eq!(overview["sessions"], 1);
}

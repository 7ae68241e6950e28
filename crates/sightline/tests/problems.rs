//! Frustration end to end, on the real server: batches with planted problems go in; once the sessions are
//! quiet the analysis pass finds them, and the problems report, the sessions list, a session's detections and
//! summary, error groups, failed requests and vitals show them. Bad parameters are 400s.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

/// One session: a pageview of /cart, then a dead click on the coupon button (or a working one), for the first
/// session also a JS error (2 s after the click: not an error click), a failed request and a slow LCP, and a
/// purchase when `buys`.
fn session(site: &str, n: u64, dead_click: bool, buys: bool) -> Value {
    let t = now_ms() - 60_000 + n as i64 * 100;
    let pv = format!("pv{n}");
    let url = "https://shop.example/cart";
    let mut events =
        vec![json!({"t": t, "type": "pageview", "pv": pv, "url": url, "vw": 1280, "vh": 800})];
    events.push(
        json!({"t": t + 2_000, "type": "click", "pv": pv, "sel": "#apply-coupon", "tag": "button",
        "interactive": true, "x": 300, "y": 400, "changed": !dead_click}),
    );
    if n == 0 {
        events.push(json!({"t": t + 4_000, "type": "error", "pv": pv, "msg": "TypeError: coupon is undefined",
            "stack": "TypeError: coupon is undefined\n    at apply (https://shop.example/app.js:10:5)"}));
        events.push(json!({"t": t + 4_100, "type": "request", "pv": pv, "url": "https://shop.example/api/cart/42",
            "method": "POST", "status": 503, "duration_ms": 120}));
        events.push(json!({"t": t + 4_200, "type": "vital", "pv": pv, "name": "LCP", "value": 5200, "rating": "poor"}));
    }
    if buys {
        events.push(json!({"t": t + 9_000, "type": "custom", "pv": pv, "name": "purchase", "revenue": 50.0, "currency": "EUR"}));
    }
    json!({"v": 1, "site": site, "sid": sid(n), "vid": null, "seq": 0, "sent_at": now_ms(),
           "pages": {pv: url}, "events": events})
}

fn wait_for(
    server: &Server,
    agent: &ureq::Agent,
    path: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = server.get(agent, path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        if check(&reply.body) || Instant::now() > deadline {
            return reply.body;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn planted_problems_are_found_ranked_and_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let server = Server::start_with_env(dir.path(), &[("SIGHTLINE_ANALYSIS_QUIET_SECS", "1")]);
    let agent = agent();
    // 40 sessions with a dead coupon click (4 buy), 40 without (20 buy).
    for n in 0..80u64 {
        let dead = n < 40;
        let buys = if dead { n % 10 == 0 } else { n % 2 == 0 };
        let reply = post_json(
            &agent,
            &server.url("/api/v1/batch"),
            &session(&key, n, dead, buys),
        );
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
    let report = wait_for(
        &server,
        &agent,
        &format!("/api/v1/sites/{key}/problems"),
        |b| {
            b["problems"].as_array().is_some_and(|p| {
                p.iter()
                    .any(|p| p["kind"] == "dead_click" && p["sessions_affected"] == 40)
            })
        },
    );
    let problems = report["problems"].as_array().expect("problems");
    let dead = &problems[0];
    assert_eq!(
        (&dead["kind"], &dead["page"], &dead["element"]),
        (
            &json!("dead_click"),
            &json!("/cart"),
            &json!("#apply-coupon")
        ),
        "the costliest problem ranks first: {report}"
    );
    assert_eq!(
        (
            dead["sessions_affected"].as_u64(),
            dead["sessions_unaffected"].as_u64()
        ),
        (Some(40), Some(40))
    );
    assert_eq!(
        (
            dead["conversion_affected"].as_f64(),
            dead["conversion_unaffected"].as_f64()
        ),
        (Some(0.1), Some(0.5))
    );
    let estimate = dead["difference"]["estimate"].as_f64().expect("estimate");
    assert!((estimate + 0.4).abs() < 1e-9, "{dead}");
    assert!(dead["difference"]["high"].as_f64().expect("high") < 0.0);
    assert_eq!(dead["significant"], true);
    // 40 × 0.4 = 16 conversions lost, at 50 EUR each (24 conversions, 1 200 EUR on the page).
    assert!((dead["lost_conversions"].as_f64().expect("lost") - 16.0).abs() < 1e-9);
    assert!((dead["lost_revenue"].as_f64().expect("lost") - 800.0).abs() < 1e-6);
    assert!(
        dead["hypothesis"]
            .as_str()
            .expect("hypothesis")
            .starts_with("We observed clicks that do nothing on `#apply-coupon` on /cart")
    );
    assert!(
        report["method"]
            .as_str()
            .expect("method")
            .contains("not proof")
    );
    let js = problems
        .iter()
        .find(|p| p["kind"] == "js_error")
        .expect("js_error problem");
    assert_eq!(
        (
            js["sessions_affected"].as_u64(),
            js["significant"].as_bool()
        ),
        (Some(1), Some(false))
    );

    // The problem's sessions link: the sessions list filtered to them.
    let url = dead["sessions_url"].as_str().expect("url");
    let listed = server.get(&agent, url);
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["total"], 40);
    let first = &listed.body["sessions"][0];
    assert_eq!(first["frustration"]["dead_click"], 1);
    assert!(first["friction"].as_f64().expect("friction") > 0.0);
    let by_friction = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions?sort=friction&limit=1"),
    );
    assert_eq!(
        by_friction.body["sessions"][0]["session"],
        sid(0),
        "the session with the most problems"
    );

    // One session's detections (replay markers) and summary.
    let detections = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{}/detections", sid(0)),
    );
    assert_eq!(detections.status, 200);
    let kinds: Vec<&str> = detections.body["detections"]
        .as_array()
        .expect("detections")
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    for kind in ["dead_click", "js_error", "failed_request", "slow_page"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let summary = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/{}/summary", sid(0)),
    );
    assert_eq!(summary.status, 200, "{}", summary.body);
    let text = summary.body["text"].as_str().expect("text");
    assert!(text.contains("Viewed 1 page: /cart"), "{text}");
    assert!(text.contains("1 dead click on `#apply-coupon`"), "{text}");
    assert!(
        text.contains("Met 1 JavaScript error and 1 failed request."),
        "{text}"
    );
    assert_eq!(summary.body["outcome"], "converted");

    // Errors, failed requests, vitals.
    let errors = server.get(&agent, &format!("/api/v1/sites/{key}/errors"));
    assert_eq!(
        errors.body["errors"][0]["title"],
        "TypeError: coupon is undefined"
    );
    assert_eq!(errors.body["errors"][0]["sample_sessions"], json!([sid(0)]));
    let requests = server.get(&agent, &format!("/api/v1/sites/{key}/requests"));
    assert_eq!(
        requests.body["failed_requests"][0]["key"],
        "POST /api/cart/:id"
    );
    assert_eq!(requests.body["failed_requests"][0]["title"], "503");
    let vitals = server.get(&agent, &format!("/api/v1/sites/{key}/vitals"));
    assert_eq!(
        (
            &vitals.body["vitals"][0]["name"],
            &vitals.body["vitals"][0]["rating"],
            &vitals.body["vitals"][0]["p75"]
        ),
        (&json!("LCP"), &json!("poor"), &json!(5200.0))
    );

    // Bad parameters say what was wrong.
    for (path, needle) in [
        (
            format!("/api/v1/sites/{key}/problems?kind=sad_click"),
            "`kind`",
        ),
        (
            format!("/api/v1/sites/{key}/sessions?frustration=sad_click"),
            "`frustration`",
        ),
        (
            format!("/api/v1/sites/{key}/sessions?sort=mood"),
            "friction",
        ),
        (format!("/api/v1/sites/{key}/errors?bogus=1"), "bogus"),
    ] {
        let reply = server.get(&agent, &path);
        assert_eq!(reply.status, 400, "{path}: {}", reply.body);
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(needle)),
            "{path}: {}",
            reply.body
        );
    }
    let missing = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions/nosuchsession/summary"),
    );
    assert_eq!(missing.status, 404);
}

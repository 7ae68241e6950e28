//! Journeys, funnels, retention, segments and saved views against the real binary: three shop visits sent
//! through `/api/v1/batch`, then every endpoint of the journeys issue read over HTTP with a token.
//!
//! | sid | pages (seconds after t)                 | other                                |
//! |-----|-----------------------------------------|--------------------------------------|
//! | 1   | / 0, /product/1 10, /cart 20            | click #checkout 25, purchase 42 € 30 |
//! | 2   | / 0, /product/2 10                      |                                      |
//! | 3   | /product/3 0, /cart 10                  | (mobile)                             |

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

const MOBILE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

fn visit(key: &str, n: u64, t: i64, pages: &[(i64, &str)], extra: Vec<Value>) -> Value {
    let mut events: Vec<Value> = pages
        .iter()
        .enumerate()
        .map(|(i, (at, path))| {
            json!({"t": t + at * 1_000, "type": "pageview", "pv": format!("pv{n}-{i}"),
                   "url": format!("https://shop.example{path}"), "vw": 1280, "vh": 800})
        })
        .collect();
    events.extend(extra);
    json!({"v": 1, "site": key, "sid": sid(n), "seq": 0, "sent_at": now_ms(), "events": events})
}

fn send(server: &Server, agent: &ureq::Agent, body: &Value, user_agent: Option<&str>) {
    let Some(ua) = user_agent else {
        let reply = post_json(agent, &server.url("/api/v1/batch"), body);
        assert_eq!(reply.status, 202, "{}", reply.body);
        return;
    };
    // `post` sends a desktop Chrome user agent; this visit comes from a phone.
    let status = agent
        .post(&server.url("/api/v1/batch"))
        .header("User-Agent", ua)
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .map(|r| r.status().as_u16())
        .expect("batch");
    assert_eq!(status, 202);
}

fn post_api(server: &Server, agent: &ureq::Agent, path: &str, token: &str, body: &Value) -> Reply {
    post(
        agent,
        &server.url(path),
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &format!("Bearer {token}")),
        ],
        body.to_string().as_bytes(),
    )
    .expect("request")
}

fn delete(server: &Server, agent: &ureq::Agent, path: &str, token: &str) -> u16 {
    agent
        .delete(&server.url(path))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .map(|r| r.status().as_u16())
        .expect("delete")
}

#[test]
fn journeys_funnels_retention_and_saved_views_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = add_site(dir.path(), "shop.example");
    let viewer = create_token(dir.path(), &["--role", "viewer"]);
    let agent = agent();
    let server = Server::start(dir.path());
    let t = now_ms() - 600_000;
    let pv = |n: u64, i: usize| format!("pv{n}-{i}");
    send(
        &server,
        &agent,
        &visit(
            &key,
            1,
            t,
            &[(0, "/"), (10, "/product/1"), (20, "/cart")],
            vec![
                json!({"t": t + 25_000, "type": "click", "pv": pv(1, 2), "sel": "#checkout", "tag": "button", "x": 10, "y": 10}),
                json!({"t": t + 30_000, "type": "custom", "pv": pv(1, 2), "name": "purchase", "revenue": 42.0, "currency": "EUR"}),
            ],
        ),
        None,
    );
    send(
        &server,
        &agent,
        &visit(&key, 2, t, &[(0, "/"), (10, "/product/2")], vec![]),
        None,
    );
    send(
        &server,
        &agent,
        &visit(&key, 3, t, &[(0, "/product/3"), (10, "/cart")], vec![]),
        Some(MOBILE_UA),
    );

    let range = format!("from={}&to={}", t - 60_000, now_ms() + 60_000);
    let deadline = Instant::now() + Duration::from_secs(10);
    let paths = loop {
        let reply = server.get(
            &agent,
            &format!("/api/v1/sites/{key}/paths?steps=2&{range}"),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body["sessions"] == 3 || Instant::now() > deadline {
            break reply.body;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(paths["sessions"], 3, "{paths}");
    assert_eq!(paths["direction"], "forward");
    let node = |step: u64, name: &str| {
        paths["nodes"]
            .as_array()
            .and_then(|nodes| {
                nodes
                    .iter()
                    .find(|n| n["step"] == step && n["name"] == name)
            })
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        (
            node(0, "/")["sessions"].clone(),
            node(0, "/")["exits"].clone()
        ),
        (json!(2), json!(0))
    );
    assert_eq!(
        (
            node(1, "/product/:id")["sessions"].clone(),
            node(1, "/product/:id")["exits"].clone()
        ),
        (json!(2), json!(1))
    );
    assert_eq!(node(1, "/cart")["sessions"], 1);

    // The sessions behind the node /product/:id at step 1, and those that left there.
    let at_node = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/paths/sessions?steps=2&step=1&node=/product/:id&{range}"),
    );
    assert_eq!(at_node.body["total"], 2, "{}", at_node.body);
    let exited = server.get(&agent, &format!("/api/v1/sites/{key}/paths/sessions?steps=2&step=1&node=/product/:id&next=(exit)&{range}"));
    assert_eq!(exited.body["total"], 1);
    assert_eq!(exited.body["sessions"][0]["session"], sid(2));

    // A segment narrows the journeys; a bad one is a 400 that says where.
    let mobile = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/paths?segment=device%20%3D%20%22mobile%22&{range}"),
    );
    assert_eq!(mobile.body["sessions"], 1, "{}", mobile.body);
    let bad = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions?segment=device%20%3D%20mobile&{range}"),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"]["code"], "invalid_segment");
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("column 10"),
        "{}",
        bad.body
    );
    let buyers = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/sessions?segment=did(%22purchase%22)&{range}"),
    );
    assert_eq!(buyers.body["total"], 1, "{}", buyers.body);

    // A 4-step funnel: 3 sessions view a product, 2 reach the cart, 1 clicks checkout and buys.
    let funnel = json!({
        "steps": [{"page": "/product/:id"}, {"page": "/cart"}, {"click": "#checkout", "on_page": "/cart"},
                  {"event": "purchase", "label": "Purchase"}],
        "window_ms": 3_600_000, "from": t - 60_000, "to": now_ms() + 60_000, "breakdown": "device"
    });
    let report = post_api(
        &server,
        &agent,
        &format!("/api/v1/sites/{key}/funnel"),
        &server.token,
        &funnel,
    );
    assert_eq!(report.status, 200, "{}", report.body);
    let counts: Vec<u64> = report.body["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["count"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(counts, [3, 2, 1, 1], "{}", report.body);
    assert_eq!(report.body["steps"][3]["label"], "Purchase");
    assert_eq!(report.body["steps"][0]["median_ms_to_next"], 10_000.0);
    assert_eq!(report.body["steps"][1]["drop_off"], 1);
    assert_eq!(report.body["daily"][0]["started"], 3);
    let devices: Vec<&str> = report.body["breakdown"]
        .as_array()
        .expect("breakdown")
        .iter()
        .filter_map(|b| b["value"].as_str())
        .collect();
    assert_eq!(devices, ["desktop", "mobile"]);

    let mut dropped = funnel.clone();
    dropped["step"] = json!(1);
    dropped["outcome"] = json!("dropped");
    let left = post_api(
        &server,
        &agent,
        &format!("/api/v1/sites/{key}/funnel/sessions"),
        &server.token,
        &dropped,
    );
    assert_eq!(
        (left.status, left.body["total"].clone()),
        (200, json!(1)),
        "{}",
        left.body
    );
    assert_eq!(
        left.body["sessions"][0]["session"],
        sid(3),
        "reached the cart, never clicked checkout"
    );

    let invalid = post_api(
        &server,
        &agent,
        &format!("/api/v1/sites/{key}/funnel"),
        &server.token,
        &json!({"steps": [{"page": "/"}]}),
    );
    assert_eq!(
        (invalid.status, invalid.body["error"]["code"].clone()),
        (400, json!("invalid_funnel"))
    );

    // Retention: two new visitors today (visits 1 and 2 share an address and browser, so a cookieless visitor),
    // both active in their first period, the only one begun.
    let retention = server.get(
        &agent,
        &format!("/api/v1/sites/{key}/retention?period=day&periods=3&{range}"),
    );
    assert_eq!(retention.status, 200, "{}", retention.body);
    assert_eq!(
        retention.body["cohorts"][0]["size"], 2,
        "{}",
        retention.body
    );
    // Visited at `t` and not since: a period after the first (when `t` was before midnight, UTC) shows 0.
    const DAY_MS: i64 = 86_400_000;
    let periods_begun = (now_ms().div_euclid(DAY_MS) - t.div_euclid(DAY_MS) + 1).min(3);
    let mut returned = vec![0; periods_begun as usize];
    returned[0] = 2;
    assert_eq!(retention.body["cohorts"][0]["returned"], json!(returned));
    assert_eq!(retention.body["customers"]["customers"], 1);

    // Saved segments: an analyst or admin saves, a viewer reads but may not save or delete.
    let segments = format!("/api/v1/sites/{key}/segments");
    let saved = post_api(
        &server,
        &agent,
        &segments,
        &server.token,
        &json!({"name": "Mobile", "expression": "device = \"mobile\""}),
    );
    assert_eq!(saved.status, 201, "{}", saved.body);
    let id = saved.body["id"].as_i64().expect("id");
    let refused = post_api(
        &server,
        &agent,
        &segments,
        &viewer,
        &json!({"name": "Other", "expression": "converted"}),
    );
    assert_eq!(refused.status, 403);
    let bad_expr = post_api(
        &server,
        &agent,
        &segments,
        &server.token,
        &json!({"name": "Bad", "expression": "devise = \"x\""}),
    );
    assert_eq!(
        (bad_expr.status, bad_expr.body["error"]["code"].clone()),
        (400, json!("invalid_segment"))
    );
    let twice = post_api(
        &server,
        &agent,
        &segments,
        &server.token,
        &json!({"name": "Mobile", "expression": "converted"}),
    );
    assert_eq!(twice.status, 409);
    let listed = get_with(
        &agent,
        &server.url(&segments),
        &[("Authorization", &format!("Bearer {viewer}"))],
    );
    assert_eq!(
        listed.body["segments"][0]["expression"], "device = \"mobile\"",
        "{}",
        listed.body
    );
    assert_eq!(
        delete(&server, &agent, &format!("{segments}/{id}"), &viewer),
        403
    );
    assert_eq!(
        delete(&server, &agent, &format!("{segments}/{id}"), &server.token),
        204
    );
    assert_eq!(
        delete(&server, &agent, &format!("{segments}/{id}"), &server.token),
        404
    );

    // Saved funnels keep their definition.
    let funnels = format!("/api/v1/sites/{key}/funnels");
    let kept = post_api(
        &server,
        &agent,
        &funnels,
        &server.token,
        &json!({"name": "Checkout", "definition": funnel}),
    );
    assert_eq!(kept.status, 201, "{}", kept.body);
    let listed = server.get(&agent, &funnels);
    assert_eq!(listed.body["funnels"][0]["name"], "Checkout");
    assert_eq!(
        listed.body["funnels"][0]["definition"]["steps"][2]["click"],
        "#checkout"
    );
    let broken = post_api(
        &server,
        &agent,
        &funnels,
        &server.token,
        &json!({"name": "Broken", "definition": {"steps": [{"page": "/"}, {}]}}),
    );
    assert_eq!(broken.status, 400, "{}", broken.body);
}

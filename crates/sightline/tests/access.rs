//! Accounts and access control against the real server: first run, login, CSRF, rate limiting, tokens,
//! security headers, and tenant isolation walked over every route of the published OpenAPI document.

mod support;

use serde_json::{Value, json};
use support::*;

struct Call {
    status: u16,
    body: Value,
    headers: ureq::http::HeaderMap,
}

fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Call {
    let mut builder = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("User-Agent", CHROME_UA);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let mut response = match body {
        Some(b) => agent
            .run(
                builder
                    .header("Content-Type", "application/json")
                    .body(b.to_string())
                    .expect("request"),
            )
            .expect("call"),
        None => agent.run(builder.body(()).expect("request")).expect("call"),
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    Call {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    }
}

/// A logged-in browser: the session cookie and the CSRF token.
struct Login {
    cookie: String,
    csrf: String,
}

impl Login {
    fn from(reply: &Call) -> Login {
        let set_cookie = reply
            .headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("set-cookie");
        assert!(
            set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
            "{set_cookie}"
        );
        Login {
            cookie: set_cookie.split(';').next().expect("cookie").to_string(),
            csrf: reply.body["csrf_token"].as_str().expect("csrf").to_string(),
        }
    }

    fn call(&self, agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Call {
        call(
            agent,
            method,
            url,
            &[("Cookie", &self.cookie), ("X-CSRF-Token", &self.csrf)],
            body,
        )
    }
}

#[test]
fn first_run_login_csrf_and_rate_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path());
    let agent = agent();
    let url = |p: &str| server.url(p);

    assert_eq!(
        call(&agent, "GET", &url("/api/v1/setup"), &[], None).body["needs_setup"],
        true
    );
    let weak = call(
        &agent,
        "POST",
        &url("/api/v1/setup"),
        &[],
        Some(&json!({"email": "admin@example.com", "password": "short"})),
    );
    assert_eq!(
        (weak.status, weak.body["error"]["code"].as_str()),
        (400, Some("weak_password"))
    );
    let setup = call(
        &agent,
        "POST",
        &url("/api/v1/setup"),
        &[],
        Some(&json!({"email": "admin@example.com", "password": "a long password"})),
    );
    assert_eq!(setup.status, 201, "{}", setup.body);
    assert_eq!(setup.body["user"]["role"], "admin");
    let admin = Login::from(&setup);
    let again = call(
        &agent,
        "POST",
        &url("/api/v1/setup"),
        &[],
        Some(&json!({"email": "x@example.com", "password": "a long password"})),
    );
    assert_eq!(
        (again.status, again.body["error"]["code"].as_str()),
        (409, Some("already_set_up"))
    );

    let me = admin.call(&agent, "GET", &url("/api/v1/me"), None);
    assert_eq!(
        (me.status, me.body["user"]["email"].as_str()),
        (200, Some("admin@example.com"))
    );
    for header in [
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
    ] {
        assert!(me.headers.contains_key(header), "{header} on API responses");
    }
    let csp = me
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        csp.contains("script-src 'self'")
            && !csp.contains("unsafe-eval")
            && csp.contains("frame-ancestors 'none'")
    );

    // State changes with the cookie need the CSRF header.
    let no_csrf = call(
        &agent,
        "POST",
        &url("/api/v1/sites"),
        &[("Cookie", &admin.cookie)],
        Some(&json!({"name": "Shop"})),
    );
    assert_eq!(
        (no_csrf.status, no_csrf.body["error"]["code"].as_str()),
        (403, Some("csrf"))
    );
    let created = admin.call(
        &agent,
        "POST",
        &url("/api/v1/sites"),
        Some(&json!({"name": "Shop", "domains": ["shop.example"]})),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(
        created.body["snippet"]
            .as_str()
            .unwrap_or_default()
            .contains(created.body["key"].as_str().unwrap_or("?"))
    );
    let bad = admin.call(&agent, "PUT", &url(&format!("/api/v1/sites/{}", created.body["id"])), Some(&json!({
        "name": "Shop", "domains": ["shop.example"], "allowed_origins": ["not a url"], "page_groups": [], "mask_selectors": [],
        "persistent_ids": false, "respect_dnt": true, "retention_days": 30})));
    assert_eq!(
        (bad.status, bad.body["error"]["code"].as_str()),
        (400, Some("invalid_settings"))
    );
    let garbled = admin.call(
        &agent,
        "PUT",
        &url(&format!("/api/v1/sites/{}", created.body["id"])),
        Some(&json!({"name": 5})),
    );
    assert_eq!(
        (garbled.status, garbled.body["error"]["code"].as_str()),
        (400, Some("invalid_body"))
    );

    // A second login (another browser); logging out everywhere ends both.
    let second = call(
        &agent,
        "POST",
        &url("/api/v1/login"),
        &[],
        Some(&json!({"email": "ADMIN@example.com", "password": "a long password"})),
    );
    assert_eq!(second.status, 200, "{}", second.body);
    let second = Login::from(&second);
    assert_eq!(
        second.call(&agent, "GET", &url("/api/v1/me"), None).status,
        200
    );
    assert_eq!(
        admin
            .call(&agent, "POST", &url("/api/v1/logout-everywhere"), None)
            .status,
        204
    );
    assert_eq!(
        admin.call(&agent, "GET", &url("/api/v1/me"), None).status,
        401
    );
    assert_eq!(
        second.call(&agent, "GET", &url("/api/v1/me"), None).status,
        401
    );

    // Wrong passwords: 401, then 429 once the limit is reached (even for the right password).
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let r = call(
            &agent,
            "POST",
            &url("/api/v1/login"),
            &[],
            Some(&json!({"email": "admin@example.com", "password": "wrong password!"})),
        );
        statuses.push(r.status);
    }
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let limited = call(
        &agent,
        "POST",
        &url("/api/v1/login"),
        &[],
        Some(&json!({"email": "admin@example.com", "password": "a long password"})),
    );
    assert_eq!(
        (limited.status, limited.body["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
}

/// A valid body for each state-changing route, so that only access decides the answer.
fn valid_body(method: &str, path: &str, site: &str) -> Option<Value> {
    match (method, path) {
        ("put", "/api/v1/sites/{site}") => Some(
            json!({"name": "x", "domains": [], "allowed_origins": [], "page_groups": [],
            "mask_selectors": [], "persistent_ids": false, "respect_dnt": true, "retention_days": 30}),
        ),
        ("post", "/api/v1/sites/{site}/members") => Some(json!({"email": "alice@example.com"})),
        ("post", "/api/v1/tokens") => Some(json!({"name": "t", "site": site, "role": "viewer"})),
        ("post", "/api/v1/sites") => Some(json!({"name": "x", "domains": []})),
        ("post", "/api/v1/users") => Some(
            json!({"email": "mallory@example.com", "password": "long password!", "role": "admin"}),
        ),
        ("post" | "put", _) => Some(json!({})),
        _ => None,
    }
}

/// Fills `{param}` placeholders of an OpenAPI path.
fn fill(path: &str, site: &str) -> String {
    path.replace("{site}", site)
        .replace("{session}", "abcdefghijklmnopqrst")
        .replace("{user_id}", "1")
        .replace("{id}", "1")
        .replace("{index}", "0")
        .replace("{visitor}", "visitor-x")
}

#[test]
fn every_route_is_closed_to_strangers_and_other_tenants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_a = add_site(dir.path(), "a.example");
    let key_b = add_site(dir.path(), "b.example");
    let server = Server::start(dir.path());
    let agent = agent();
    let url = |p: &str| server.url(p);
    let admin_token = format!("Bearer {}", server.token);
    let as_admin = |method: &str, path: &str, body: Option<&Value>| {
        call(
            &agent,
            method,
            &url(path),
            &[("Authorization", &admin_token)],
            body,
        )
    };

    // Alice is a viewer of site A only.
    let alice = as_admin(
        "POST",
        "/api/v1/users",
        Some(
            &json!({"email": "alice@example.com", "password": "alice's password", "role": "viewer"}),
        ),
    );
    assert_eq!(alice.status, 201, "{}", alice.body);
    assert_eq!(
        as_admin(
            "POST",
            &format!("/api/v1/sites/{key_a}/members"),
            Some(&json!({"email": "alice@example.com"}))
        )
        .status,
        201
    );
    let login = call(
        &agent,
        "POST",
        &url("/api/v1/login"),
        &[],
        Some(&json!({"email": "alice@example.com", "password": "alice's password"})),
    );
    assert_eq!(login.status, 200);
    let alice = Login::from(&login);

    // Some data on site B, so "not found" is not just "empty".
    let reply = post_json(
        &agent,
        &url("/api/v1/batch"),
        &batch(&key_b, &sid(1), 0, "/secret", 0),
    );
    assert_eq!(reply.status, 202);

    let spec: Value =
        serde_json::from_str(&get(&agent, &url("/api/v1/openapi.json")).body.to_string())
            .expect("spec");
    let paths = spec["paths"].as_object().expect("paths");
    let public = [
        "/api/v1/batch",
        "/api/v1/setup",
        "/api/v1/login",
        "/api/v1/tracker-config",
    ];
    let mut walked = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() || public.contains(&path.as_str()) {
                continue;
            }
            walked += 1;
            let m = method.to_uppercase();
            let body = valid_body(method, path, &key_b);
            let anonymous = call(&agent, &m, &url(&fill(path, &key_b)), &[], body.as_ref());
            assert_eq!(
                anonymous.status, 401,
                "{m} {path} anonymous: {}",
                anonymous.body
            );
            assert_eq!(anonymous.body["error"]["code"], "unauthenticated");
            if path.contains("{site}") {
                let stranger = alice.call(&agent, &m, &url(&fill(path, &key_b)), body.as_ref());
                assert!(
                    matches!(stranger.status, 403 | 404),
                    "{m} {path} as a member of another site: {} {}",
                    stranger.status,
                    stranger.body
                );
                let by_id = alice.call(&agent, &m, &url(&fill(path, "2")), body.as_ref());
                assert!(
                    matches!(by_id.status, 403 | 404),
                    "{m} {path} by id: {}",
                    by_id.status
                );
            }
        }
    }
    assert!(
        walked >= 15,
        "the walk covered the dashboard API ({walked} operations)"
    );

    // A malformed path parameter is a JSON 400 too.
    let bad = as_admin("DELETE", "/api/v1/tokens/not-a-number", None);
    assert_eq!(
        (bad.status, bad.body["error"]["code"].as_str()),
        (400, Some("invalid_path"))
    );

    // Site-less routes do not leak the other tenant either.
    let sites = alice.call(&agent, "GET", &url("/api/v1/sites"), None);
    let keys: Vec<_> = sites
        .body
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["key"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(keys, vec![key_a.clone()]);
    assert_eq!(
        alice
            .call(&agent, "GET", &url("/api/v1/users"), None)
            .status,
        403
    );
    assert_eq!(
        alice
            .call(
                &agent,
                "GET",
                &url(&format!("/api/v1/sites/{key_a}/overview")),
                None
            )
            .status,
        200
    );
    let edit = alice.call(&agent, "PUT", &url(&format!("/api/v1/sites/{key_a}")), Some(&json!({
        "name": "x", "domains": [], "allowed_origins": [], "page_groups": [], "mask_selectors": [], "persistent_ids": false, "respect_dnt": true, "retention_days": 30})));
    assert_eq!(edit.status, 403, "viewers cannot change settings");

    // A CLI token restricted to site A.
    let token = format!(
        "Bearer {}",
        create_token(dir.path(), &["--site", &key_a, "--role", "viewer"])
    );
    let with = |path: &str| {
        call(
            &agent,
            "GET",
            &url(path),
            &[("Authorization", &token)],
            None,
        )
        .status
    };
    assert_eq!(with(&format!("/api/v1/sites/{key_a}/overview")), 200);
    assert_eq!(with(&format!("/api/v1/sites/{key_b}/overview")), 404);
    assert_eq!(
        call(
            &agent,
            "GET",
            &url("/api/v1/me"),
            &[("Authorization", "Bearer slt_forged")],
            None
        )
        .status,
        401
    );
}

#[test]
fn the_cli_creates_users_from_stdin_and_tokens_that_work() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = std::process::Command::new(BIN)
        .args([
            "user",
            "add",
            "--email",
            "ops@example.com",
            "--password-stdin",
            "--admin",
            "--data-dir",
        ])
        .arg(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"from standard input\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let server = Server::start(dir.path());
    let agent = agent();
    let login = call(
        &agent,
        "POST",
        &server.url("/api/v1/login"),
        &[],
        Some(&json!({"email": "ops@example.com", "password": "from standard input"})),
    );
    assert_eq!(
        (login.status, login.body["user"]["role"].as_str()),
        (200, Some("admin"))
    );
    let me = call(
        &agent,
        "GET",
        &server.url("/api/v1/sites"),
        &[("Authorization", &format!("Bearer {}", server.token))],
        None,
    );
    assert_eq!(me.status, 200);
}

//! Content-Security-Policy per dashboard document, against the real server: a site's replay page lets that
//! site's own origins serve images and fonts (for a caller who may see the site), every other document and
//! caller gets no external image or font, and no `https:` wildcard appears anywhere.

mod support;

use serde_json::Value;
use support::*;

/// GET `path` (with `Authorization: Bearer token` when given); the CSP header and the status.
fn csp(agent: &ureq::Agent, server: &Server, path: &str, token: Option<&str>) -> (u16, String) {
    let mut request = agent.get(&server.url(path));
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request.call().expect("request");
    let policy = response
        .headers()
        .get_all("content-security-policy")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect::<Vec<_>>();
    assert!(policy.len() <= 1, "one CSP header on {path}: {policy:?}");
    (
        response.status().as_u16(),
        policy.into_iter().next().unwrap_or_default(),
    )
}

fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
    policy
        .split(';')
        .map(str::trim)
        .find(|d| d.split(' ').next() == Some(name))
        .unwrap_or_default()
}

const STRICT_IMG: &str = "img-src 'self' data: blob:";
const STRICT_FONT: &str = "font-src 'self' data:";

fn assert_strict(policy: &str, what: &str) {
    assert_eq!(directive(policy, "img-src"), STRICT_IMG, "{what}: {policy}");
    assert_eq!(
        directive(policy, "font-src"),
        STRICT_FONT,
        "{what}: {policy}"
    );
    assert_common(policy, what);
}

/// What no policy may lose or gain, replay page or not.
fn assert_common(policy: &str, what: &str) {
    assert_eq!(
        directive(policy, "script-src"),
        "script-src 'self'",
        "{what}"
    );
    assert_eq!(
        directive(policy, "frame-ancestors"),
        "frame-ancestors 'none'",
        "{what}"
    );
    assert_eq!(
        directive(policy, "connect-src"),
        "connect-src 'self'",
        "{what}"
    );
    assert_eq!(policy.matches("script-src").count(), 1, "{what}: {policy}");
    assert!(
        !policy.split([' ', ';']).any(|s| s == "https:" || s == "*"),
        "{what}: a wildcard source in {policy}"
    );
}

#[test]
fn the_replay_page_of_a_site_lists_that_sites_origins_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site_a = add_site(dir.path(), "shop-a.example");
    let site_b = add_site(dir.path(), "shop-b.example");
    // the CLI takes any domain without `/` or spaces: this one must not reach the header
    let hostile = add_site(dir.path(), "inject.example;script-src");
    let b_only = create_token(dir.path(), &["--role", "viewer", "--site", &site_b]);
    let server = Server::start(dir.path());
    let agent = agent();

    // site A also allows a partner CDN origin
    let view = server.get(&agent, &format!("/api/v1/sites/{site_a}"));
    assert_eq!(view.status, 200, "{}", view.body);
    let id_a = view.body["id"].as_i64().expect("id");
    let mut update = view.body.clone();
    update["allowed_origins"] = Value::from(vec!["https://cdn.partner-a.example"]);
    let put = agent
        .put(&server.url(&format!("/api/v1/sites/{site_a}")))
        .header("Authorization", &format!("Bearer {}", server.token))
        .header("Content-Type", "application/json")
        .send(update.to_string())
        .expect("PUT site");
    assert_eq!(put.status().as_u16(), 200);

    let admin = Some(server.token.as_str());
    let a_sources = "https://shop-a.example https://*.shop-a.example https://cdn.partner-a.example";
    for path in [
        format!("/sites/{site_a}/replay/session-1"),
        format!("/sites/{id_a}/replay/session-1?t=1200"),
    ] {
        let (status, policy) = csp(&agent, &server, &path, admin);
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            directive(&policy, "img-src"),
            format!("{STRICT_IMG} {a_sources}"),
            "{path}"
        );
        assert_eq!(
            directive(&policy, "font-src"),
            format!("{STRICT_FONT} {a_sources}"),
            "{path}"
        );
        assert!(!policy.contains("shop-b"), "{path}: {policy}");
        assert_common(&policy, &path);
    }

    let (_, policy_b) = csp(
        &agent,
        &server,
        &format!("/sites/{site_b}/replay/session-1"),
        admin,
    );
    assert_eq!(
        directive(&policy_b, "img-src"),
        format!("{STRICT_IMG} https://shop-b.example https://*.shop-b.example")
    );
    assert!(!policy_b.contains("shop-a"), "{policy_b}");

    // the hostile domain is dropped: the site's replay page gets the strict policy
    let (_, policy) = csp(
        &agent,
        &server,
        &format!("/sites/{hostile}/replay/session-1"),
        admin,
    );
    assert!(!policy.contains("inject"), "{policy}");
    assert_strict(&policy, "site with a hostile domain");

    // callers who may not see site A get nothing of it: anonymous, a token for site B only
    let replay_a = format!("/sites/{site_a}/replay/session-1");
    let (status, policy) = csp(&agent, &server, &replay_a, None);
    assert_eq!(status, 200);
    assert_strict(&policy, "anonymous replay page");
    let (_, policy) = csp(&agent, &server, &replay_a, Some(&b_only));
    assert_strict(&policy, "replay page of a site the token cannot see");
    let (_, policy) = csp(
        &agent,
        &server,
        &format!("/sites/{site_b}/replay/session-1"),
        Some(&b_only),
    );
    assert!(policy.contains("https://shop-b.example"), "{policy}");

    // every other document and response: no external image or font, even for an admin
    for path in [
        "/".to_string(),
        "/login".to_string(),
        format!("/sites/{site_a}/overview"),
        format!("/sites/{site_a}/sessions"),
        format!("/sites/{site_a}/replay"),
        format!("/settings/sites/{site_a}"),
        "/sites/no-such-site/replay/session-1".to_string(),
        "/api/v1/me".to_string(),
        format!("/api/v1/sites/{site_a}"),
        "/api/v1/no-such-route".to_string(),
    ] {
        let (_, policy) = csp(&agent, &server, &path, admin);
        assert!(!policy.contains("shop-a"), "{path}: {policy}");
        assert_strict(&policy, &path);
    }
}

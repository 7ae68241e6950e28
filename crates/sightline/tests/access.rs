//! Accounts and access control against the real server: first run, login, CSRF, rate limiting, tokens,
//! security headers, and access walked over every operation of the published OpenAPI document for every kind of
//! identity, with the escalation attempts a site-scoped caller could make.

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
#[derive(Clone)]
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

/// How an identity authenticates.
#[derive(Clone)]
enum Cred {
    Login {
        email: String,
        password: String,
        login: Login,
    },
    Token(String),
    Anonymous,
}

impl Cred {
    fn call(&self, agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Call {
        match self {
            Cred::Login { login, .. } => login.call(agent, method, url, body),
            Cred::Token(token) => call(
                agent,
                method,
                url,
                &[("Authorization", &format!("Bearer {token}"))],
                body,
            ),
            Cred::Anonymous => call(agent, method, url, &[], body),
        }
    }

    /// Logs in with a password; `None` when the login is refused.
    fn log_in(agent: &ureq::Agent, server: &Server, email: &str, password: &str) -> Option<Cred> {
        let reply = call(
            agent,
            "POST",
            &server.url("/api/v1/login"),
            &[],
            Some(&json!({"email": email, "password": password})),
        );
        (reply.status == 200).then(|| Cred::Login {
            email: email.into(),
            password: password.into(),
            login: Login::from(&reply),
        })
    }

    /// A fresh login after logouts ended the previous one (tokens are unaffected).
    fn renewed(&self, agent: &ureq::Agent, server: &Server) -> Cred {
        match self {
            Cred::Login {
                email, password, ..
            } => Cred::log_in(agent, server, email, password).expect("log in again"),
            other => other.clone(),
        }
    }
}

/// The identities of the route walk, one per role × scope; the columns of [`EXPECTED`].
const WHO: [&str; 8] = [
    "admin (login)",
    "CLI token --site A --role admin",
    "admin's token for site A, role admin",
    "admin's token for every site, role analyst",
    "analyst member of A (login)",
    "viewer member of A (login)",
    "analyst member of B (login)",
    "anonymous",
];
const ADMIN: usize = 0;
const CLI_SITE_ADMIN: usize = 1;
const SITE_ADMIN_TOKEN: usize = 2;
const ANALYST_TOKEN: usize = 3;
const ANALYST_A: usize = 4;
const VIEWER_A: usize = 5;
const MEMBER_B: usize = 6;
/// Identities limited to site A: on site B every `{site}` route must deny them.
const LIMITED_TO_A: [usize; 4] = [CLI_SITE_ADMIN, SITE_ADMIN_TOKEN, ANALYST_A, VIEWER_A];

/// Expected answer of every operation of the OpenAPI document, per identity (columns in [`WHO`] order), on
/// site A: `o` 2xx, `d` 403 or 404, `u` 401, `b` 400, `c` 409. The plain row of an operation (variant "") makes
/// an ordinary call; the other variants are escalation attempts. A new route without a row fails the walk.
const EXPECTED: &[(&str, &str, &str, &str)] = &[
    ("post", "/api/v1/batch", "", "oooooooo"),
    ("get", "/api/v1/setup", "", "oooooooo"),
    ("post", "/api/v1/setup", "", "cccccccc"),
    ("post", "/api/v1/login", "", "oooooooo"),
    ("get", "/api/v1/tracker-config", "", "oooooooo"),
    ("post", "/api/v1/logout", "", "ooooooou"),
    ("post", "/api/v1/logout-everywhere", "", "obooooou"),
    ("get", "/api/v1/me", "", "obooooou"),
    ("get", "/api/v1/sites", "", "ooooooou"),
    ("post", "/api/v1/sites", "", "oddddddu"),
    ("get", "/api/v1/sites/{site}", "", "oooooodu"),
    ("put", "/api/v1/sites/{site}", "", "oooooddu"),
    (
        "get",
        "/api/v1/sites/{site}/retention-preview",
        "",
        "oooooddu",
    ),
    ("get", "/api/v1/sites/{site}/members", "", "oooddddu"),
    ("post", "/api/v1/sites/{site}/members", "", "oooddddu"),
    (
        "post",
        "/api/v1/sites/{site}/members",
        "an admin",
        "oooddddu",
    ),
    (
        "delete",
        "/api/v1/sites/{site}/members/{user_id}",
        "",
        "oooddddu",
    ),
    ("get", "/api/v1/users", "", "oooddddu"),
    ("post", "/api/v1/users", "", "oooddddu"),
    ("post", "/api/v1/users", "admin role", "oddddddu"),
    ("post", "/api/v1/users", "member of B", "oddddddu"),
    ("put", "/api/v1/users/{id}", "", "oooddddu"),
    ("put", "/api/v1/users/{id}", "to admin", "oddddddu"),
    ("put", "/api/v1/users/{id}", "an admin", "oddddddu"),
    ("put", "/api/v1/users/{id}", "member of A and B", "oddddddu"),
    ("delete", "/api/v1/users/{id}", "", "oooddddu"),
    ("delete", "/api/v1/users/{id}", "an admin", "oddddddu"),
    ("get", "/api/v1/tokens", "", "ooooooou"),
    ("post", "/api/v1/tokens", "", "odoooodu"),
    ("post", "/api/v1/tokens", "every site, admin", "ododdddu"),
    ("post", "/api/v1/tokens", "site B", "oddoddou"),
    ("delete", "/api/v1/tokens/{id}", "", "ooooddd u"),
    ("delete", "/api/v1/tokens/{id}", "every site", "oddodddu"),
    ("get", "/api/v1/sites/{site}/overview", "", "oooooodu"),
    ("get", "/api/v1/sites/{site}/sessions", "", "oooooodu"),
    ("get", "/api/v1/sites/{site}/problems", "", "oooooodu"),
    ("get", "/api/v1/sites/{site}/errors", "", "oooooodu"),
    ("get", "/api/v1/sites/{site}/requests", "", "oooooodu"),
    ("get", "/api/v1/sites/{site}/vitals", "", "oooooodu"),
    ("get", "/api/v1/sites/{site}/heatmap", "", "oooooodu"),
    ("get", "/api/v1/sites/{site}/zones", "", "oooooodu"),
    (
        "get",
        "/api/v1/sites/{site}/heatmap/snapshot",
        "",
        "oooooodu",
    ),
    (
        "get",
        "/api/v1/sites/{site}/heatmap/sessions",
        "",
        "oooooodu",
    ),
    (
        "get",
        "/api/v1/sites/{site}/sessions/{session}/summary",
        "",
        "oooooodu",
    ),
    (
        "get",
        "/api/v1/sites/{site}/sessions/{session}/detections",
        "",
        "oooooodu",
    ),
    (
        "get",
        "/api/v1/sites/{site}/sessions/{session}/events",
        "",
        "oooooodu",
    ),
    (
        "get",
        "/api/v1/sites/{site}/sessions/{session}/replay",
        "",
        "oooooodu",
    ),
    (
        "get",
        "/api/v1/sites/{site}/sessions/{session}/replay/chunks",
        "",
        "oooooodu",
    ),
    (
        "get",
        "/api/v1/sites/{site}/sessions/{session}/replay/chunks/{index}",
        "",
        "oooooodu",
    ),
    (
        "delete",
        "/api/v1/sites/{site}/visitors/{visitor}",
        "",
        "oooddddu",
    ),
    ("get", "/api/v1/sites/{site}/paths", "", "oooooodu"),
    ("get", "/api/v1/sites/{site}/paths/sessions", "", "oooooodu"),
    ("post", "/api/v1/sites/{site}/funnel", "", "oooooodu"),
    (
        "post",
        "/api/v1/sites/{site}/funnel/sessions",
        "",
        "oooooodu",
    ),
    ("get", "/api/v1/sites/{site}/retention", "", "oooooodu"),
    // Saved views: everyone who reads the site lists them; analysts save and delete.
    ("get", "/api/v1/sites/{site}/segments", "", "oooooodu"),
    ("post", "/api/v1/sites/{site}/segments", "", "oooooddu"),
    (
        "delete",
        "/api/v1/sites/{site}/segments/{id}",
        "",
        "oooooddu",
    ),
    ("get", "/api/v1/sites/{site}/funnels", "", "oooooodu"),
    ("post", "/api/v1/sites/{site}/funnels", "", "oooooddu"),
    (
        "delete",
        "/api/v1/sites/{site}/funnels/{id}",
        "",
        "oooooddu",
    ),
];

/// Operations after which the walk logs everyone in again (they end logins).
const ENDS_LOGINS: [&str; 2] = ["/api/v1/logout", "/api/v1/logout-everywhere"];

fn matches_class(class: char, status: u16) -> bool {
    match class {
        'o' => (200..300).contains(&status),
        'd' => matches!(status, 403 | 404),
        'u' => status == 401,
        'b' => status == 400,
        'c' => status == 409,
        other => panic!("unknown class {other:?} in EXPECTED"),
    }
}

const PASSWORD: &str = "a long password";

/// A pageview plus two replay chunks, `t` ms since the epoch, from visitor `visitor-one`.
fn recorded_batch(key: &str, session: &str, t: i64) -> Value {
    json!({"v": 1, "site": key, "sid": session, "vid": "visitor-one", "seq": 0, "sent_at": now_ms(), "events": [
        {"t": t, "type": "pageview", "pv": "pv-a", "url": "https://a.example/", "vw": 1280, "vh": 800},
        {"t": t + 1, "type": "replay", "pv": "pv-a", "chunk": 0, "events": [
            {"type": 4, "timestamp": t, "data": {"href": "https://a.example/", "width": 1280, "height": 800}},
            {"type": 2, "timestamp": t + 1, "data": {"node": {"type": 0, "childNodes": [], "id": 1}, "initialOffset": {"left": 0, "top": 0}}}
        ]},
        {"t": t + 900, "type": "replay", "pv": "pv-a", "chunk": 1, "events": [
            {"type": 3, "timestamp": t + 500, "data": {"source": 2, "type": 2, "id": 7, "x": 10, "y": 20}}
        ]}
    ]})
}

/// A site as the tests address it.
#[derive(Clone)]
struct SiteRef {
    key: String,
    id: i64,
    /// A session with a replay on the site.
    session: String,
}

/// A server with sites A and B, data on both, and the identities of [`WHO`].
struct World {
    _dir: tempfile::TempDir,
    server: Server,
    agent: ureq::Agent,
    /// The CLI's admin token for every site: sets the stage, never under test.
    root: Cred,
    who: Vec<Cred>,
    a: SiteRef,
    b: SiteRef,
    fresh: std::cell::Cell<u32>,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let key_a = add_site(dir.path(), "a.example");
        let key_b = add_site(dir.path(), "b.example");
        for key in [&key_a, &key_b] {
            cli(dir.path(), &["site", "set", key, "--replay-sample", "1"]);
        }
        let cli_site_admin = create_token(dir.path(), &["--site", &key_a, "--role", "admin"]);
        let server = Server::start(dir.path());
        let agent = agent();
        let root = Cred::Token(server.token.clone());

        let setup = call(
            &agent,
            "POST",
            &server.url("/api/v1/setup"),
            &[],
            Some(&json!({"email": "admin@example.com", "password": PASSWORD})),
        );
        assert_eq!(setup.status, 201, "{}", setup.body);
        let admin = Cred::Login {
            email: "admin@example.com".into(),
            password: PASSWORD.into(),
            login: Login::from(&setup),
        };
        let admin_token = |site: Value, role: &str| {
            let reply = admin.call(
                &agent,
                "POST",
                &server.url("/api/v1/tokens"),
                Some(&json!({"name": "walk", "site": site, "role": role})),
            );
            assert_eq!(reply.status, 201, "{}", reply.body);
            Cred::Token(reply.body["token"].as_str().expect("token").to_string())
        };
        let site_admin_token = admin_token(json!(key_a), "admin");
        let analyst_token = admin_token(Value::Null, "analyst");

        let mut world = World {
            _dir: dir,
            agent,
            root,
            who: Vec::new(),
            a: SiteRef {
                key: key_a.clone(),
                id: 0,
                session: sid(1),
            },
            b: SiteRef {
                key: key_b.clone(),
                id: 0,
                session: sid(2),
            },
            server,
            fresh: std::cell::Cell::new(0),
        };
        for site in [&mut world.a, &mut world.b] {
            let found = world.root.call(
                &world.agent,
                "GET",
                &world.server.url(&format!("/api/v1/sites/{}", site.key)),
                None,
            );
            site.id = found.body["id"].as_i64().expect("site id");
        }
        let member = |email: &str, role: &str, site: &str| {
            world.user(email, role, &[site]);
            Cred::log_in(&world.agent, &world.server, email, PASSWORD).expect("member logs in")
        };
        let analyst_a = member("analyst-a@example.com", "analyst", &key_a);
        let viewer_a = member("viewer-a@example.com", "viewer", &key_a);
        let member_b = member("analyst-b@example.com", "analyst", &key_b);
        world.who = vec![
            admin,
            Cred::Token(cli_site_admin),
            site_admin_token,
            analyst_token,
            analyst_a,
            viewer_a,
            member_b,
            Cred::Anonymous,
        ];

        // A recorded session on each site, so reads answer 200 where allowed rather than "no such session".
        for site in [&world.a, &world.b] {
            let reply = post_json(
                &world.agent,
                &world.server.url("/api/v1/batch"),
                &recorded_batch(&site.key, &site.session, now_ms() - 60_000),
            );
            assert_eq!(reply.status, 202, "{}", reply.body);
        }
        for site in [&world.a, &world.b] {
            let path = format!(
                "/api/v1/sites/{}/sessions/{}/replay/chunks",
                site.key, site.session
            );
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while world
                .as_root("GET", &path, None)
                .body
                .as_array()
                .is_none_or(|c| c.len() < 2)
            {
                assert!(
                    std::time::Instant::now() < deadline,
                    "replay of {} stored",
                    site.key
                );
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        world
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    fn as_root(&self, method: &str, path: &str, body: Option<&Value>) -> Call {
        self.root.call(&self.agent, method, &self.url(path), body)
    }

    fn unique(&self, what: &str) -> String {
        let n = self.fresh.get() + 1;
        self.fresh.set(n);
        format!("{what}-{n}")
    }

    /// Creates a user (as root) with memberships; returns its id.
    fn user(&self, email: &str, role: &str, sites: &[&str]) -> i64 {
        let reply = self.as_root(
            "POST",
            "/api/v1/users",
            Some(&json!({"email": email, "password": PASSWORD, "role": role, "sites": sites})),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["id"].as_i64().expect("id")
    }

    fn fresh_user(&self, role: &str, sites: &[&str]) -> (i64, String) {
        let email = format!("{}@example.com", self.unique("victim"));
        (self.user(&email, role, sites), email)
    }

    /// The URL and body of one call of `method path` on `site`, with the fresh resources it acts on (made by
    /// root or the admin), and the password credential it would hand out on success.
    fn prepare(
        &self,
        method: &str,
        path: &str,
        variant: &str,
        site: &SiteRef,
    ) -> (String, Option<Value>, Option<(String, String)>) {
        let mut url = path
            .replace("{site}", &site.key)
            .replace("{session}", &site.session)
            .replace("{index}", "0")
            .replace("{visitor}", "visitor-x");
        let mut body = None;
        let mut hands_out = None;
        match (method, path) {
            ("post", "/api/v1/batch") => {
                body = Some(batch(
                    &self.a.key,
                    &sid(1_000 + u64::from(self.fresh.get())),
                    0,
                    "/walk",
                    0,
                ));
                self.unique("batch");
            }
            ("post", "/api/v1/setup") => {
                body = Some(json!({"email": "late@example.com", "password": PASSWORD}));
            }
            ("post", "/api/v1/login") => {
                body = Some(json!({"email": "analyst-a@example.com", "password": PASSWORD}));
            }
            ("get", "/api/v1/tracker-config") => url.push_str(&format!("?site={}", self.a.key)),
            ("post", "/api/v1/sites") => body = Some(json!({"name": self.unique("walk site")})),
            ("put", "/api/v1/sites/{site}") => {
                // The site's own settings under a new name: only access decides, and a change would show.
                let mut settings = self
                    .as_root("GET", &format!("/api/v1/sites/{}", site.key), None)
                    .body;
                settings["name"] = json!("Walked");
                body = Some(settings);
            }
            ("get", "/api/v1/sites/{site}/retention-preview") => url.push_str("?retention_days=1"),
            ("get", "/api/v1/sites/{site}/heatmap") => url.push_str("?page=/&kind=scroll"),
            ("get", "/api/v1/sites/{site}/zones") => url.push_str("?page=/"),
            ("get", "/api/v1/sites/{site}/heatmap/snapshot") => url.push_str("?page=/"),
            ("get", "/api/v1/sites/{site}/heatmap/sessions") => {
                url.push_str("?page=/&selector=%23buy")
            }
            ("post", "/api/v1/sites/{site}/members") => {
                // An admin reaches every site already: the membership grants it nothing to check afterwards.
                let admin = variant == "an admin";
                let (_, email) = self.fresh_user(if admin { "admin" } else { "viewer" }, &[]);
                body = Some(json!({"email": email}));
                if !admin {
                    hands_out = Some((email, PASSWORD.to_string()));
                }
            }
            ("delete", "/api/v1/sites/{site}/members/{user_id}") => {
                let (id, _) = self.fresh_user("viewer", &[&site.key]);
                url = url.replace("{user_id}", &id.to_string());
            }
            ("post", "/api/v1/users") => {
                let email = format!("{}@example.com", self.unique("created"));
                let (role, sites) = match variant {
                    "admin role" => ("admin", Value::Null),
                    "member of B" => ("viewer", json!([self.b.key])),
                    _ => ("viewer", Value::Null),
                };
                body = Some(
                    json!({"email": email, "password": PASSWORD, "role": role, "sites": sites}),
                );
                hands_out = Some((email, PASSWORD.to_string()));
            }
            ("put" | "delete", "/api/v1/users/{id}") => {
                let (role, sites, new_role) = match variant {
                    "to admin" => ("viewer", vec![self.a.key.as_str()], "admin"),
                    "an admin" => ("admin", vec![self.a.key.as_str()], "analyst"),
                    "member of A and B" => (
                        "viewer",
                        vec![self.a.key.as_str(), self.b.key.as_str()],
                        "analyst",
                    ),
                    _ => ("viewer", vec![self.a.key.as_str()], "analyst"),
                };
                let (id, email) = self.fresh_user(role, &sites);
                url = url.replace("{id}", &id.to_string());
                if method == "put" {
                    body = Some(json!({"role": new_role}));
                    hands_out = Some((email, PASSWORD.to_string()));
                }
            }
            ("post", "/api/v1/tokens") => {
                body = Some(match variant {
                    "every site, admin" => json!({"name": "walk", "site": null, "role": "admin"}),
                    "site B" => json!({"name": "walk", "site": self.b.key, "role": "viewer"}),
                    _ => json!({"name": "walk", "site": site.key, "role": "viewer"}),
                });
            }
            ("delete", "/api/v1/tokens/{id}") => {
                let victim_site = if variant == "every site" {
                    Value::Null
                } else {
                    json!(self.a.key)
                };
                let made = self.who[ADMIN].call(
                    &self.agent,
                    "POST",
                    &self.url("/api/v1/tokens"),
                    Some(&json!({"name": "victim", "site": victim_site, "role": "viewer"})),
                );
                assert_eq!(made.status, 201, "{}", made.body);
                url = url.replace("{id}", &made.body["info"]["id"].to_string());
            }
            ("get", "/api/v1/sites/{site}/paths/sessions") => url.push_str("?step=0&node=/walk"),
            ("post", "/api/v1/sites/{site}/funnel") => {
                body = Some(json!({"steps": [{"page": "/walk"}, {"event": "purchase"}]}))
            }
            ("post", "/api/v1/sites/{site}/funnel/sessions") => {
                body = Some(json!({"steps": [{"page": "/walk"}, {"event": "purchase"}], "step": 0}))
            }
            ("post", "/api/v1/sites/{site}/segments") => {
                body = Some(
                    json!({"name": self.unique("segment"), "expression": "device = \"mobile\""}),
                )
            }
            ("post", "/api/v1/sites/{site}/funnels") => {
                body = Some(
                    json!({"name": self.unique("funnel"), "definition": {"steps": [{"page": "/walk"}, {"page": "/cart"}]}}),
                )
            }
            (
                "delete",
                "/api/v1/sites/{site}/segments/{id}" | "/api/v1/sites/{site}/funnels/{id}",
            ) => {
                // A fresh view (saved by root) for each call: only access decides.
                let (kind, view) = if path.contains("/segments/") {
                    (
                        "segments",
                        json!({"name": self.unique("victim"), "expression": "converted"}),
                    )
                } else {
                    (
                        "funnels",
                        json!({"name": self.unique("victim"), "definition": {"steps": [{"page": "/"}, {"page": "/cart"}]}}),
                    )
                };
                let made = self.as_root(
                    "POST",
                    &format!("/api/v1/sites/{}/{kind}", site.key),
                    Some(&view),
                );
                assert_eq!(made.status, 201, "{}", made.body);
                url = url.replace("{id}", &made.body["id"].to_string());
            }
            ("post" | "put", _) => body = Some(json!({})),
            _ => {}
        }
        (self.url(&url), body, hands_out)
    }

    /// How far `cred` reaches on a site: 0 nothing, 1 reads it, 2 analyst (retention preview), 3 admin (members).
    fn level(&self, cred: &Cred, key: &str) -> u8 {
        let ok = |path: String| {
            (200..300).contains(&cred.call(&self.agent, "GET", &self.url(&path), None).status)
        };
        if ok(format!("/api/v1/sites/{key}/members")) {
            3
        } else if ok(format!(
            "/api/v1/sites/{key}/retention-preview?retention_days=1"
        )) {
            2
        } else if ok(format!("/api/v1/sites/{key}/overview")) {
            1
        } else {
            0
        }
    }

    fn all_site_keys(&self) -> Vec<String> {
        self.as_root("GET", "/api/v1/sites", None)
            .body
            .as_array()
            .expect("sites")
            .iter()
            .map(|s| s["key"].as_str().expect("key").to_string())
            .collect()
    }

    fn user_emails(&self) -> Vec<String> {
        self.as_root("GET", "/api/v1/users", None)
            .body
            .as_array()
            .expect("users")
            .iter()
            .map(|u| u["email"].as_str().expect("email").to_string())
            .collect()
    }

    /// Every credential made by `creator` reaches no site further than `creator` does.
    fn assert_within(&self, creator: usize, made: &[Cred]) {
        let keys = self.all_site_keys();
        let creator_cred = &self.who[creator];
        let limits: Vec<u8> = keys.iter().map(|k| self.level(creator_cred, k)).collect();
        for cred in made {
            let name = match cred {
                Cred::Login { email, .. } => email.clone(),
                Cred::Token(_) => "a token".to_string(),
                Cred::Anonymous => unreachable!(),
            };
            assert_eq!(
                cred.call(&self.agent, "GET", &self.url("/api/v1/sites"), None)
                    .status,
                200,
                "{name}, made by {}, works",
                WHO[creator]
            );
            for (key, limit) in keys.iter().zip(&limits) {
                let got = self.level(cred, key);
                assert!(
                    got <= *limit,
                    "{name}, made by {}, reaches site {key} at level {got}, its maker only at {limit}",
                    WHO[creator]
                );
            }
        }
    }
}

#[test]
fn every_operation_answers_each_identity_as_the_table_says() {
    let mut world = World::new();
    let spec: Value = serde_json::from_str(
        &get(&world.agent, &world.url("/api/v1/openapi.json"))
            .body
            .to_string(),
    )
    .expect("spec");
    let paths = spec["paths"].as_object().expect("paths");
    let mut used = std::collections::BTreeSet::new();
    // Credentials each identity obtained with a 2xx: checked against their maker after the walk.
    let mut made: Vec<Vec<Cred>> = vec![Vec::new(); WHO.len()];
    for (path, item) in paths {
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let rows: Vec<_> = EXPECTED
                .iter()
                .filter(|(m, p, _, _)| *m == method && p == path)
                .collect();
            assert!(
                !rows.is_empty(),
                "{method} {path} has no row in EXPECTED: say who may call it"
            );
            let upper = method.to_uppercase();
            for (_, _, variant, classes) in rows {
                used.insert((method, path.clone(), *variant));
                let classes: Vec<char> = classes.chars().filter(|c| !c.is_whitespace()).collect();
                assert_eq!(
                    classes.len(),
                    WHO.len(),
                    "{method} {path} {variant}: one class per identity"
                );
                for (i, class) in classes.iter().enumerate() {
                    let (url, body, hands_out) =
                        world.prepare(method, path, variant, &world.a.clone());
                    let reply = world.who[i].call(&world.agent, &upper, &url, body.as_ref());
                    assert!(
                        matches_class(*class, reply.status),
                        "{upper} {path} ({variant:?}) as {}: expected {class}, got {} {}",
                        WHO[i],
                        reply.status,
                        reply.body
                    );
                    if (200..300).contains(&reply.status) {
                        if let Some((email, password)) = hands_out {
                            let cred = Cred::log_in(&world.agent, &world.server, &email, &password)
                                .unwrap_or_else(|| panic!("{email} logs in"));
                            made[i].push(cred);
                        }
                        if let Some(token) = reply.body["token"].as_str() {
                            made[i].push(Cred::Token(token.to_string()));
                        }
                    }
                    if ENDS_LOGINS.contains(&path.as_str()) {
                        world.who = world
                            .who
                            .iter()
                            .map(|c| c.renewed(&world.agent, &world.server))
                            .collect();
                    }
                }
            }
            // The other tenant: whatever the role, site B (by key or id) is closed to identities limited to A.
            if path.contains("{site}") {
                for by_id in [false, true] {
                    let mut b = world.b.clone();
                    if by_id {
                        b.key = b.id.to_string();
                    }
                    for i in LIMITED_TO_A {
                        let (url, body, _) = world.prepare(method, path, "", &b);
                        let reply = world.who[i].call(&world.agent, &upper, &url, body.as_ref());
                        assert!(
                            matches!(reply.status, 403 | 404),
                            "{upper} {path} on site B as {}: {} {}",
                            WHO[i],
                            reply.status,
                            reply.body
                        );
                    }
                }
            }
        }
    }
    let unused: Vec<_> = EXPECTED
        .iter()
        .filter(|(m, p, v, _)| !used.contains(&(*m, p.to_string(), *v)))
        .collect();
    assert!(
        unused.is_empty(),
        "rows for operations no longer published: {unused:?}"
    );

    // Site B is as it was: refused calls changed nothing there. Its members are its analyst, the users made
    // members of B to be removed (by key and by id, per identity limited to A: all refused), those made members
    // of A and B to be changed (one per identity), and the one user the admin created as a member of B.
    let site_b = world.as_root("GET", &format!("/api/v1/sites/{}", world.b.key), None);
    assert_eq!(site_b.body["name"], "Test shop");
    let members_b = world.as_root(
        "GET",
        &format!("/api/v1/sites/{}/members", world.b.key),
        None,
    );
    assert_eq!(
        members_b.body.as_array().map(Vec::len),
        Some(1 + 2 * LIMITED_TO_A.len() + WHO.len() + 1),
        "{}",
        members_b.body
    );

    // A site made after the walk, so "every site" and "some sites" differ on it too.
    let late = world.who[ADMIN].call(
        &world.agent,
        "POST",
        &world.url("/api/v1/sites"),
        Some(&json!({"name": "Made later"})),
    );
    assert_eq!(late.status, 201, "{}", late.body);
    for (creator, creds) in made.iter().enumerate() {
        world.assert_within(creator, creds);
    }
    assert!(
        made[SITE_ADMIN_TOKEN].len() >= 3 && made[CLI_SITE_ADMIN].len() >= 2,
        "the site admins made users and tokens that were checked"
    );
}

fn code(reply: &Call) -> (u16, Option<&str>) {
    (reply.status, reply.body["error"]["code"].as_str())
}

#[test]
fn a_site_scoped_admin_token_cannot_create_an_admin() {
    // The report: `sightline token create --site A --role admin`, `POST /api/v1/users` with role admin gave 201,
    // and that user then read site B. Also with a token the global admin made for site A in the dashboard.
    let world = World::new();
    for who in [CLI_SITE_ADMIN, SITE_ADMIN_TOKEN] {
        let users_before = world.user_emails();
        let email = format!("mallory{who}@example.com");
        for body in [
            json!({"email": email, "password": PASSWORD, "role": "admin"}),
            json!({"email": email, "password": PASSWORD, "role": "admin", "sites": [world.a.key]}),
        ] {
            let reply = world.who[who].call(
                &world.agent,
                "POST",
                &world.url("/api/v1/users"),
                Some(&body),
            );
            assert_eq!(
                code(&reply),
                (403, Some("exceeds_access")),
                "{} {}",
                WHO[who],
                reply.body
            );
        }
        for sites in [
            json!([world.b.key]),
            json!([world.a.key, world.b.id.to_string()]),
        ] {
            let reply = world.who[who].call(
                &world.agent,
                "POST",
                &world.url("/api/v1/users"),
                Some(&json!({"email": email, "password": PASSWORD, "role": "viewer", "sites": sites})),
            );
            assert_eq!(reply.status, 404, "a site it cannot see: {}", reply.body);
        }
        assert_eq!(world.user_emails(), users_before, "nothing was created");
        assert!(Cred::log_in(&world.agent, &world.server, &email, PASSWORD).is_none());
    }
}

#[test]
fn escalation_attempts_are_refused_and_lists_stay_within_reach() {
    let world = World::new();
    let w = &world;
    let send = |who: usize, method: &str, path: &str, body: Option<Value>| {
        w.who[who].call(&w.agent, method, &w.url(path), body.as_ref())
    };
    let (a, b) = (&w.a, &w.b);

    // A site admin's new user lands on its site; it can move it between analyst and viewer, never to admin.
    let helper = send(
        SITE_ADMIN_TOKEN,
        "POST",
        "/api/v1/users",
        Some(json!({"email": "helper@example.com", "password": PASSWORD, "role": "analyst"})),
    );
    assert_eq!(helper.status, 201, "{}", helper.body);
    let helper_id = helper.body["id"].as_i64().expect("id");
    let members_a = w.as_root("GET", &format!("/api/v1/sites/{}/members", a.key), None);
    assert!(
        members_a.body.to_string().contains("helper@example.com"),
        "{}",
        members_a.body
    );
    let promote = send(
        SITE_ADMIN_TOKEN,
        "PUT",
        &format!("/api/v1/users/{helper_id}"),
        Some(json!({"role": "admin"})),
    );
    assert_eq!(
        code(&promote),
        (403, Some("exceeds_access")),
        "{}",
        promote.body
    );
    let demote = send(
        SITE_ADMIN_TOKEN,
        "PUT",
        &format!("/api/v1/users/{helper_id}"),
        Some(json!({"role": "viewer"})),
    );
    assert_eq!(
        (demote.status, demote.body["role"].as_str()),
        (200, Some("viewer")),
        "{}",
        demote.body
    );
    let helper_login =
        Cred::log_in(&w.agent, &w.server, "helper@example.com", PASSWORD).expect("helper logs in");
    assert_eq!(w.level(&helper_login, &a.key), 1);
    assert_eq!(w.level(&helper_login, &b.key), 0);

    // An admin who is a member of A is listed for the site admin but out of its reach; so is a user of A and B.
    let admin2 = w.user("admin2@example.com", "admin", &[&a.key]);
    let both = w.user("both@example.com", "viewer", &[&a.key, &b.key]);
    for target in [admin2, both] {
        let change = send(
            SITE_ADMIN_TOKEN,
            "PUT",
            &format!("/api/v1/users/{target}"),
            Some(json!({"role": "analyst"})),
        );
        assert_eq!(
            code(&change),
            (403, Some("exceeds_access")),
            "{}",
            change.body
        );
        let delete = send(
            SITE_ADMIN_TOKEN,
            "DELETE",
            &format!("/api/v1/users/{target}"),
            None,
        );
        assert_eq!(
            code(&delete),
            (403, Some("exceeds_access")),
            "{}",
            delete.body
        );
        let remove = send(
            SITE_ADMIN_TOKEN,
            "DELETE",
            &format!("/api/v1/sites/{}/members/{target}", b.key),
            None,
        );
        assert_eq!(remove.status, 404, "{}", remove.body);
    }
    let role_of = |email: &str| {
        w.as_root("GET", "/api/v1/users", None)
            .body
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["email"] == email)
            .map(|u| u["role"].clone())
    };
    assert_eq!(role_of("admin2@example.com"), Some(json!("admin")));
    assert_eq!(role_of("both@example.com"), Some(json!("viewer")));
    // Users of no site of its own are not even found, the global admin included.
    let me = send(ADMIN, "GET", "/api/v1/me", None);
    let admin_id = me.body["user"]["id"].as_i64().expect("id");
    for target in [admin_id, w.user("loner@example.com", "viewer", &[])] {
        let change = send(
            SITE_ADMIN_TOKEN,
            "PUT",
            &format!("/api/v1/users/{target}"),
            Some(json!({"role": "viewer"})),
        );
        assert_eq!(change.status, 404, "{}", change.body);
        assert_eq!(
            send(
                SITE_ADMIN_TOKEN,
                "DELETE",
                &format!("/api/v1/users/{target}"),
                None
            )
            .status,
            404
        );
    }
    let listed: Vec<String> = send(SITE_ADMIN_TOKEN, "GET", "/api/v1/users", None)
        .body
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["email"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        listed,
        [
            "analyst-a@example.com",
            "viewer-a@example.com",
            "helper@example.com",
            "admin2@example.com",
            "both@example.com"
        ],
        "a site admin lists the members of its site"
    );

    // Tokens: without `site`, a site's token makes a token for its own site; it cannot name another site.
    let unscoped = send(
        SITE_ADMIN_TOKEN,
        "POST",
        "/api/v1/tokens",
        Some(json!({"name": "wider?", "site": null, "role": "admin"})),
    );
    assert_eq!(unscoped.status, 201, "{}", unscoped.body);
    assert_eq!(
        unscoped.body["info"]["site_id"],
        json!(a.id),
        "narrowed to the caller's site"
    );
    let narrowed = Cred::Token(unscoped.body["token"].as_str().expect("token").into());
    assert_eq!(
        (w.level(&narrowed, &a.key), w.level(&narrowed, &b.key)),
        (3, 0)
    );
    let other = send(
        SITE_ADMIN_TOKEN,
        "POST",
        "/api/v1/tokens",
        Some(json!({"name": "b", "site": b.key, "role": "viewer"})),
    );
    assert_eq!(other.status, 404, "{}", other.body);
    // Roles are capped by the caller's.
    for (who, role) in [
        (ANALYST_TOKEN, "admin"),
        (VIEWER_A, "analyst"),
        (ANALYST_A, "admin"),
    ] {
        let higher = send(
            who,
            "POST",
            "/api/v1/tokens",
            Some(json!({"name": "up", "site": null, "role": role})),
        );
        assert_eq!(
            code(&higher),
            (403, Some("exceeds_access")),
            "{} asking for {role}: {}",
            WHO[who],
            higher.body
        );
    }
    // A member's token for "every site" is theirs: it follows their memberships, nothing more.
    let own = send(
        ANALYST_A,
        "POST",
        "/api/v1/tokens",
        Some(json!({"name": "mine", "site": null, "role": "analyst"})),
    );
    assert_eq!(
        (own.status, &own.body["info"]["site_id"]),
        (201, &Value::Null),
        "{}",
        own.body
    );
    let own = Cred::Token(own.body["token"].as_str().expect("token").into());
    assert_eq!((w.level(&own, &a.key), w.level(&own, &b.key)), (2, 0));

    // Sites, members and users elsewhere stay out of reach.
    let sites_before = w.all_site_keys();
    for who in [SITE_ADMIN_TOKEN, CLI_SITE_ADMIN, ANALYST_TOKEN] {
        let site = send(
            who,
            "POST",
            "/api/v1/sites",
            Some(json!({"name": "Mine now"})),
        );
        assert_eq!(
            code(&site),
            (403, Some("exceeds_access")),
            "{}: {}",
            WHO[who],
            site.body
        );
    }
    assert_eq!(w.all_site_keys(), sites_before);
    let join_b = send(
        SITE_ADMIN_TOKEN,
        "POST",
        &format!("/api/v1/sites/{}/members", b.key),
        Some(json!({"email": "helper@example.com"})),
    );
    assert_eq!(join_b.status, 404, "{}", join_b.body);
    assert_eq!(w.level(&helper_login, &b.key), 0);
    assert_eq!(
        send(
            ANALYST_TOKEN,
            "POST",
            "/api/v1/users",
            Some(json!({"email": "x@example.com", "password": PASSWORD, "role": "viewer"}))
        )
        .status,
        403
    );

    // Token lists: what the caller covers. A site admin sees tokens for its site and those of its site's members
    // (their reach ends at its site), not the admin's token for every site; members see their own.
    let tokens = |who: usize| -> Vec<Value> {
        send(who, "GET", "/api/v1/tokens", None)
            .body
            .as_array()
            .expect("tokens")
            .clone()
    };
    let everywhere = tokens(ADMIN)
        .into_iter()
        .find(|t| {
            t["site_id"].is_null() && t["role"] == "analyst" && t["user_id"] == json!(admin_id)
        })
        .map(|t| t["id"].clone())
        .expect("the admin's analyst token");
    let analyst_a_id = send(ANALYST_A, "GET", "/api/v1/me", None).body["user"]["id"].clone();
    let seen = tokens(SITE_ADMIN_TOKEN);
    assert!(seen.iter().all(|t| t["id"] != everywhere), "{seen:?}");
    assert!(
        seen.iter()
            .all(|t| t["site_id"] == json!(a.id) || t["user_id"] == analyst_a_id),
        "{seen:?}"
    );
    assert_eq!(
        seen.len(),
        4,
        "its own, the narrowed one, the CLI's for A, the analyst's: {seen:?}"
    );
    let names: Vec<Value> = tokens(ANALYST_A)
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, [json!("mine")], "members see their own");
    assert!(tokens(ADMIN).len() > seen.len());
    let revoke = send(
        SITE_ADMIN_TOKEN,
        "DELETE",
        &format!("/api/v1/tokens/{everywhere}"),
        None,
    );
    assert_eq!(revoke.status, 404, "{}", revoke.body);
    assert_eq!(
        send(ANALYST_TOKEN, "GET", "/api/v1/me", None).status,
        200,
        "still works"
    );

    // An admin always remains.
    assert_eq!(
        send(ADMIN, "DELETE", &format!("/api/v1/users/{admin2}"), None).status,
        204
    );
    let demote_self = send(
        ADMIN,
        "PUT",
        &format!("/api/v1/users/{admin_id}"),
        Some(json!({"role": "viewer"})),
    );
    assert_eq!(
        code(&demote_self),
        (409, Some("last_admin")),
        "{}",
        demote_self.body
    );
    let delete_self = send(ADMIN, "DELETE", &format!("/api/v1/users/{admin_id}"), None);
    assert_eq!(
        code(&delete_self),
        (409, Some("last_admin")),
        "{}",
        delete_self.body
    );
    assert_eq!(send(ADMIN, "GET", "/api/v1/me", None).status, 200);
}

#[test]
fn lowering_retention_so_data_is_deleted_needs_an_admin() {
    let mut world = World::new();
    const DAY: i64 = 86_400_000;
    let old = post_json(
        &world.agent,
        &world.url("/api/v1/batch"),
        &recorded_batch(&world.a.key, &sid(9), now_ms() - 5 * DAY),
    );
    assert_eq!(old.status, 202, "{}", old.body);
    // Retention counts from arrival: make the old session arrive when it happened, in the real store.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while get(&world.agent, &world.url("/readyz")).body["spool_lag_bytes"] != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the writer stores the batch"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    world.server.stop();
    {
        let conn = duckdb::Connection::open(world._dir.path().join("events.duckdb")).expect("open");
        for (table, time) in [("events", "ts"), ("replay_chunks", "last_ts")] {
            conn.execute(
                &format!("UPDATE {table} SET received_at = {time} WHERE session = ?"),
                duckdb::params![sid(9)],
            )
            .expect("age the old session");
        }
    }
    world.server = Server::start(world._dir.path());
    let (w, a) = (&world, &world.a);
    let preview = |who: usize, query: &str| {
        w.who[who].call(
            &w.agent,
            "GET",
            &w.url(&format!("/api/v1/sites/{}/retention-preview{query}", a.key)),
            None,
        )
    };
    // The old session (a pageview and two replay chunks) is older than 3 days; the recent one is not.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let three_days = loop {
        let reply = preview(ANALYST_A, "?retention_days=3");
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body["replay_chunks"] == 2 || std::time::Instant::now() > deadline {
            break reply.body;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(
        (
            &three_days["retention_days"],
            &three_days["events"],
            &three_days["replay_chunks"]
        ),
        (&json!(3), &json!(1), &json!(2)),
        "{three_days}"
    );
    assert!(
        three_days["replay_bytes"].as_u64().unwrap_or(0) > 0,
        "{three_days}"
    );
    let cutoff = three_days["cutoff_ms"].as_i64().expect("cutoff");
    assert!((cutoff - (now_ms() - 3 * DAY)).abs() < 60_000, "{cutoff}");
    let six_days = preview(ANALYST_A, "?retention_days=6").body;
    assert_eq!(
        (
            &six_days["events"],
            &six_days["replay_chunks"],
            &six_days["replay_bytes"]
        ),
        (&json!(0), &json!(0), &json!(0))
    );
    assert_eq!(
        preview(VIEWER_A, "?retention_days=3").status,
        403,
        "analysts and admins only"
    );
    assert_eq!(preview(MEMBER_B, "?retention_days=3").status, 404);
    for bad in [
        "",
        "?retention_days=0",
        "?retention_days=x",
        "?retention_days=3&from=1",
    ] {
        assert_eq!(preview(ANALYST_A, bad).status, 400, "{bad:?}");
    }

    let set_retention = |who: usize, days: u32| {
        let mut settings = w
            .as_root("GET", &format!("/api/v1/sites/{}", a.key), None)
            .body;
        settings["retention_days"] = json!(days);
        w.who[who].call(
            &w.agent,
            "PUT",
            &w.url(&format!("/api/v1/sites/{}", a.key)),
            Some(&settings),
        )
    };
    let refused = set_retention(ANALYST_A, 3);
    assert_eq!(
        code(&refused),
        (403, Some("retention_needs_admin")),
        "{}",
        refused.body
    );
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1 events and 2 replay chunks")
    );
    let site = |field: &str| {
        w.as_root("GET", &format!("/api/v1/sites/{}", a.key), None)
            .body[field]
            .clone()
    };
    assert_eq!(site("retention_days"), 395, "unchanged");
    assert_eq!(
        set_retention(ANALYST_A, 6).status,
        200,
        "lowering that deletes nothing"
    );
    assert_eq!(set_retention(ANALYST_A, 400).status, 200, "raising");
    assert_eq!(site("retention_days"), 400);
    assert_eq!(
        set_retention(VIEWER_A, 400).status,
        403,
        "viewers change no settings"
    );
    assert_eq!(set_retention(SITE_ADMIN_TOKEN, 3).status, 200, "admins may");
    assert_eq!(site("retention_days"), 3);

    // Deleting a visitor's data is for admins only.
    for (who, status) in [
        (ANALYST_A, 403),
        (ANALYST_TOKEN, 403),
        (SITE_ADMIN_TOKEN, 200),
    ] {
        let reply = w.who[who].call(
            &w.agent,
            "DELETE",
            &w.url(&format!("/api/v1/sites/{}/visitors/visitor-one", a.key)),
            None,
        );
        assert_eq!(reply.status, status, "{}: {}", WHO[who], reply.body);
    }
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

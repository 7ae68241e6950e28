//! Runs the real `sightline` binary on 127.0.0.1:0 with a temp data directory, and speaks HTTP to it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_sightline");
/// Set in the test's environment to see the server's log (never passed on: it is not a config key).
const TEST_LOG_VAR: &str = "SIGHTLINE_TEST_LOG";
pub const CHROME_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    /// An admin API token for the dashboard API.
    pub token: String,
}

impl Server {
    pub fn start(data_dir: &Path) -> Server {
        Server::start_with_env(data_dir, &[])
    }

    pub fn start_with_env(data_dir: &Path, env: &[(&str, &str)]) -> Server {
        let token = create_token_with_env(data_dir, env, &["--role", "admin"]);
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .envs(env.iter().copied())
            .env_remove(TEST_LOG_VAR)
            .env("SIGHTLINE_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sightline serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some(addr) = line.split("listening on ").nth(1) {
                    let _ = tx.send(addr.trim().to_string());
                    sent = true;
                }
                if std::env::var_os(TEST_LOG_VAR).is_some() {
                    eprintln!("[server] {line}");
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server logs the address it bound");
        Server {
            child,
            base,
            data_dir: data_dir.to_path_buf(),
            token,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET with the admin token.
    pub fn get(&self, agent: &ureq::Agent, path: &str) -> Reply {
        get_with(
            agent,
            &self.url(path),
            &[("Authorization", &format!("Bearer {}", self.token))],
        )
    }

    pub fn kill9(&mut self) {
        // SAFETY: sending a signal to our own child process id.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for the graceful drain to finish.
    pub fn stop(&mut self) {
        // SAFETY: sending a signal to our own child process id.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the CLI and returns stdout; panics with stderr on failure.
pub fn cli(data_dir: &Path, args: &[&str]) -> String {
    cli_with_env(data_dir, &[], args)
}

/// [`cli`] with these environment variables set (e.g. the config of other backends).
pub fn cli_with_env(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .envs(env.iter().copied())
        .env_remove(TEST_LOG_VAR)
        .output()
        .expect("run sightline");
    assert!(
        out.status.success(),
        "sightline {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

/// `sightline site add` and the key from its `site key:` line.
pub fn add_site(data_dir: &Path, domain: &str) -> String {
    let out = cli(
        data_dir,
        &["site", "add", "--name", "Test shop", "--domain", domain],
    );
    out.lines()
        .find_map(|l| l.strip_prefix("site key: "))
        .expect("`site key:` line")
        .trim()
        .to_string()
}

/// `sightline token create`; returns the token from its `token:` line.
pub fn create_token(data_dir: &Path, args: &[&str]) -> String {
    create_token_with_env(data_dir, &[], args)
}

pub fn create_token_with_env(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut all = vec!["token", "create", "--name", "tests"];
    all.extend_from_slice(args);
    let out = cli_with_env(data_dir, env, &all);
    out.lines()
        .find_map(|l| l.strip_prefix("token: "))
        .expect("`token:` line")
        .trim()
        .to_string()
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
}

pub fn post(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Reply, ureq::Error> {
    let mut request = agent.post(url).header("User-Agent", CHROME_UA);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut response = request.send(body)?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    Ok(Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    })
}

pub fn post_json(agent: &ureq::Agent, url: &str, body: &Value) -> Reply {
    post(
        agent,
        url,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .expect("request")
}

pub fn get(agent: &ureq::Agent, url: &str) -> Reply {
    get_with(agent, url, &[])
}

pub fn get_with(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = agent.get(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut response = request.call().expect("request");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A session id the way the tracker makes them.
pub fn sid(n: u64) -> String {
    format!("session{n:0>12}xyz")
}

/// One realistic batch: a pageview of `path` then clicks and a scroll.
pub fn batch(site: &str, sid: &str, seq: u64, path: &str, clicks: usize) -> Value {
    // A few seconds in the past, so every event is inside an overview that ends "now".
    let t = now_ms() - 5_000;
    let pv = format!("pv{seq}");
    let mut events = vec![json!({
        "t": t, "type": "pageview", "pv": pv, "url": format!("https://shop.example{path}?utm_source=google&utm_medium=cpc"),
        "ref": "https://www.google.com/", "title": "Shop", "vw": 1280, "vh": 800, "sw": 1920, "sh": 1080, "dh": 3000,
        "lang": "en", "tz": "Europe/Berlin"
    })];
    for i in 0..clicks {
        events.push(json!({"t": t + 10 + i as i64, "type": "click", "pv": pv, "sel": "#add-to-cart", "tag": "button",
            "text": "Add to cart", "interactive": true, "x": 400, "y": 900, "rx": 0.5, "ry": 0.25, "pointer": "mouse", "changed": true}));
    }
    events.push(json!({"t": t + 100, "type": "scroll", "pv": pv, "depth_px": 1200, "depth_pct": 40, "dir_changes": 1}));
    json!({"v": 1, "site": site, "sid": sid, "vid": null, "seq": seq, "sent_at": now_ms(), "events": events})
}

/// Polls the overview until `check` holds or `timeout` passes; returns the last body.
pub fn wait_overview(
    agent: &ureq::Agent,
    server: &Server,
    site: &str,
    query: &str,
    timeout: Duration,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let reply = server.get(agent, &format!("/api/v1/sites/{site}/overview?{query}"));
        assert_eq!(reply.status, 200, "overview: {}", reply.body);
        if check(&reply.body) || Instant::now() > deadline {
            return reply.body;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stored events per `(session, pageview)`, read from the DuckDB file (the server must be stopped).
pub fn stored_per_pageview(data_dir: &Path) -> std::collections::HashMap<(String, String), i64> {
    let conn = duckdb::Connection::open(data_dir.join("events.duckdb")).expect("open events");
    let mut stmt = conn
        .prepare("SELECT session, pageview, count(*) FROM events GROUP BY ALL")
        .expect("prepare");
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

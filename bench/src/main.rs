//! `sightline-bench`: end-to-end ingest load generator and query timing against a real `sightline serve`.
//! Loopback only, bounded in time. Prints numbers; it is not a test.

mod ground_truth;
mod store_bench;
mod writer_bench;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::{Value, json};
use sightline_model::now_ms;

#[derive(Parser)]
#[command(about = "Ingest and query benchmark for Sightline (loopback only)")]
struct Args {
    /// The sightline binary to benchmark.
    #[arg(long, default_value = "target/release/sightline")]
    bin: PathBuf,
    /// Seconds of maximum-throughput load.
    #[arg(long, default_value_t = 10)]
    throughput_secs: u64,
    /// Seconds at the fixed rate.
    #[arg(long, default_value_t = 10)]
    rate_secs: u64,
    /// Events per second in the fixed-rate phase.
    #[arg(long, default_value_t = 10_000)]
    rate: u64,
    /// Concurrent client connections.
    #[arg(long, default_value_t = 16)]
    connections: u64,
    /// Events per batch (the tracker sends up to ~50).
    #[arg(long, default_value_t = 50)]
    batch_events: usize,
    /// Rows for the store write benchmark (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    store_rows: usize,
    /// Events for the writer benchmark, spool → events + sessions without HTTP (0 skips it). Enough for several
    /// DuckDB checkpoints (one per ~1 M events), so the rate is a sustained one.
    #[arg(long, default_value_t = 4_000_000)]
    writer_events: u64,
    /// Events for the query benchmark (0 skips it).
    #[arg(long, default_value_t = 10_000_000)]
    query_events: u64,
    /// Keep the query benchmark's data set in this directory and reuse it on later runs.
    #[arg(long)]
    query_data: Option<std::path::PathBuf>,
    /// Also load the query data set into the ClickHouse at this HTTP URL (e.g. http://127.0.0.1:8123; its
    /// database `sightline_bench` is replaced) and time every report query there, beside the embedded store's.
    #[arg(long)]
    clickhouse_url: Option<String>,
    /// Simulated sessions for the detector accuracy check on the simulator's ground truth (0 skips it).
    #[arg(long, default_value_t = 2_000)]
    truth_sessions: u64,
    /// Skip the HTTP ingest benchmark.
    #[arg(long)]
    no_ingest: bool,
    /// Run only the soak: this many seconds at `--soak-rate` with dashboard queries every second (0 = no soak).
    #[arg(long, default_value_t = 0)]
    soak_secs: u64,
    /// Events per second during the soak.
    #[arg(long, default_value_t = 20_000)]
    soak_rate: u64,
}

const UA: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(bin: &Path, data_dir: &Path) -> Result<Server> {
    start_server_with(bin, data_dir, &[])
}

/// [`start_server`] with these environment variables too (another event store, say).
fn start_server_with(bin: &Path, data_dir: &Path, env: &[(String, String)]) -> Result<Server> {
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("SIGHTLINE_LOG", "warn,sightline=info")
        // The benchmark is one client flooding one site: measure the pipeline, not the rate limits.
        .env("SIGHTLINE_INGEST_SITE_EVENTS_PER_SEC", "0")
        .env("SIGHTLINE_MAX_WRITER_LAG_MB", "2048")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let stderr = child.stderr.take().context("stderr")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on ").nth(1) {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .context("server did not report its address")?;
    Ok(Server { child, base })
}

/// Runs a `sightline` CLI command on `data_dir` and returns the value of its `<prefix> <value>` output line.
fn cli_value(bin: &Path, data_dir: &Path, args: &[&str], prefix: &str) -> Result<String> {
    let out = Command::new(bin)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()?;
    let stdout = String::from_utf8(out.stdout)?;
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(|v| v.trim().to_string())
        .with_context(|| format!("`sightline {}` printed no `{prefix}` line", args.join(" ")))
}

/// An admin API token for the dashboard API.
fn create_token(bin: &Path, data_dir: &Path) -> Result<String> {
    cli_value(
        bin,
        data_dir,
        &["token", "create", "--name", "bench", "--role", "admin"],
        "token: ",
    )
}

fn add_site(bin: &Path, data_dir: &Path) -> Result<String> {
    cli_value(
        bin,
        data_dir,
        &["site", "add", "--name", "Bench", "--domain", "shop.example"],
        "site key: ",
    )
}

/// A realistic batch body: one pageview, then clicks, scrolls, hovers and moves. `{SID}` and `{SEQ}` are
/// filled per request.
fn batch_template(site: &str, events: usize) -> (String, String, String) {
    let t = now_ms() - 1_000;
    let events = batch_events(t, events).to_string();
    (
        format!(r#"{{"v":1,"site":"{site}","sid":""#),
        r#"","vid":null,"seq":"#.to_string(),
        format!(r#","sent_at":{t},"events":{events}}}"#),
    )
}

/// One whole batch body (for filling a spool directly).
fn batch_json(site: &str, sid: &str, seq: u64, t: i64, events: usize) -> String {
    json!({"v": 1, "site": site, "sid": sid, "vid": null, "seq": seq, "sent_at": t,
        "pages": {"pv1": "https://shop.example/product/42?utm_source=newsletter&utm_medium=email"},
        "events": batch_events(t, events)})
    .to_string()
}

/// `events` events of one pageview from `t`: the pageview, then clicks, scrolls, hovers and moves.
fn batch_events(t: i64, events: usize) -> Value {
    let mut list = vec![
        json!({"t": t, "type": "pageview", "pv": "pv1", "url": "https://shop.example/product/42?utm_source=newsletter&utm_medium=email",
        "ref": "https://mail.google.com/", "title": "Blue shoes", "vw": 390, "vh": 844, "sw": 390, "sh": 844, "dh": 4200, "lang": "en", "tz": "Europe/Paris"}),
    ];
    for i in 1..events {
        let t = t + i as i64 * 10;
        list.push(match i % 4 {
            0 => json!({"t": t, "type": "click", "pv": "pv1", "sel": "#add-to-cart", "tag": "button", "text": "Add to cart", "interactive": true,
                "x": 195, "y": 1630, "rx": 0.42, "ry": 0.61, "pointer": "touch", "changed": true}),
            1 => json!({"t": t, "type": "scroll", "pv": "pv1", "depth_px": 1200 + i, "depth_pct": 33.5, "dir_changes": 1}),
            2 => json!({"t": t, "type": "hover", "pv": "pv1", "sel": "main > .gallery img:nth-of-type(2)", "dwell_ms": 2300, "clicked": false}),
            _ => json!({"t": t, "type": "move", "pv": "pv1", "points": [[100, 200, 0], [120, 210, 100], [160, 260, 200]]}),
        });
    }
    Value::Array(list)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

struct Load {
    failed: AtomicU64,
    url: String,
    template: (String, String, String),
    next_session: AtomicU64,
    events_per_batch: u64,
}

impl Load {
    fn body(&self, session: u64, seq: u64) -> String {
        let (head, middle, tail) = &self.template;
        format!("{head}bench{session:016}{middle}{seq}{tail}")
    }

    /// Posts one batch; returns its latency when acknowledged (failures are counted in `failed`).
    fn post(&self, agent: &ureq::Agent, session: u64, seq: u64) -> Option<Duration> {
        let body = self.body(session, seq);
        let started = Instant::now();
        let response = agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("User-Agent", UA)
            .send(body.as_bytes());
        match response {
            Ok(mut r) if r.status().as_u16() == 202 => {
                let _ = r.body_mut().read_to_string();
                Some(started.elapsed())
            }
            Ok(mut r) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "unexpected {}: {}",
                    r.status(),
                    r.body_mut().read_to_string().unwrap_or_default()
                );
                None
            }
            Err(e) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                eprintln!("request failed: {e}");
                None
            }
        }
    }
}

/// Closed loop: every connection sends as fast as acknowledgements come back.
fn throughput(load: &Arc<Load>, connections: u64, secs: u64) -> (u64, Duration) {
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (load, stop, acked) = (load.clone(), stop.clone(), acked.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let session = load.next_session.fetch_add(1, Ordering::SeqCst);
                let mut seq = 0;
                while !stop.load(Ordering::Relaxed) {
                    if load.post(&agent, session, seq).is_some() {
                        acked.fetch_add(load.events_per_batch, Ordering::Relaxed);
                    }
                    seq += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        let _ = w.join();
    }
    (acked.load(Ordering::SeqCst), started.elapsed())
}

/// Open loop at a fixed rate: requests are scheduled on a clock, latency counts from the scheduled time. Each
/// connection starts a new session after `batches_per_session` batches (`None`: one session for the whole run).
fn fixed_rate(
    load: &Arc<Load>,
    connections: u64,
    events_per_sec: u64,
    secs: u64,
    batches_per_session: Option<u64>,
) -> Vec<Duration> {
    let batches_per_sec = (events_per_sec as f64 / load.events_per_batch as f64).max(1.0);
    let interval = Duration::from_secs_f64(connections as f64 / batches_per_sec);
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now() + Duration::from_millis(100);
    let end = start + Duration::from_secs(secs);
    let workers: Vec<_> = (0..connections)
        .map(|c| {
            let (load, latencies) = (load.clone(), latencies.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let mut session = load.next_session.fetch_add(1, Ordering::SeqCst);
                let mut scheduled = start + interval.mul_f64(c as f64 / connections as f64);
                let mut seq = 0;
                let mut local = Vec::new();
                while scheduled < end {
                    let now = Instant::now();
                    if scheduled > now {
                        std::thread::sleep(scheduled - now);
                    }
                    if batches_per_session.is_some_and(|n| seq >= n) {
                        session = load.next_session.fetch_add(1, Ordering::SeqCst);
                        seq = 0;
                    }
                    if load.post(&agent, session, seq).is_some() {
                        local.push(scheduled.elapsed());
                    }
                    seq += 1;
                    scheduled += interval;
                }
                latencies.lock().map(|mut l| l.extend(local)).ok();
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let mut all = std::mem::take(&mut *latencies.lock().unwrap_or_else(|p| p.into_inner()));
    all.sort();
    all
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn get_json(agent: &ureq::Agent, url: &str) -> Result<Value> {
    let mut r = agent.get(url).call()?;
    Ok(serde_json::from_str(&r.body_mut().read_to_string()?)?)
}

/// Time until the writer has stored everything the spool acknowledged.
fn drain_time(agent: &ureq::Agent, base: &str) -> Result<Duration> {
    let started = Instant::now();
    loop {
        let ready = get_json(agent, &format!("{base}/readyz"))?;
        if ready["spool_lag_bytes"].as_u64() == Some(0) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the writer did not catch up within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The values of one labelled gauge in the server's `/metrics` text, by label value: `name{label="…"} value`.
fn gauge_values(metrics: &str, name: &str, label: &str) -> Vec<(String, u64)> {
    let prefix = format!("{name}{{{label}=\"");
    metrics
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(&prefix)?;
            let (value_of_label, value) = rest.split_once("\"} ")?;
            Some((
                value_of_label.to_string(),
                value.trim().parse::<f64>().ok()? as u64,
            ))
        })
        .collect()
}

fn metrics_text(agent: &ureq::Agent, base: &str) -> String {
    agent
        .get(format!("{base}/metrics"))
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .unwrap_or_default()
}

/// Batches of each soak session (of `--batch-events` each): sessions of a real site's size that end and are
/// analysed during the soak, not a few that grow for its whole length.
const SOAK_SESSION_BATCHES: u64 = 2;

/// How often the soak prints a line.
const SOAK_REPORT_EVERY: Duration = Duration::from_secs(30);

/// Fixed-rate ingest for `soak_secs` while a dashboard user loads the overview and the sessions list every
/// second; prints RSS, writer lag and query times over time, then ack latency and errors.
fn soak(load: &Arc<Load>, server: &Server, key: &str, token: &str, args: &Args) -> Result<()> {
    println!(
        "soak: {} s at {} events/s ({} events/batch, {SOAK_SESSION_BATCHES} batches/session, {} connections) with overview + sessions list every second",
        args.soak_secs, args.soak_rate, args.batch_events, args.connections
    );
    let ingest = {
        let (load, connections, rate, secs) = (
            load.clone(),
            args.connections,
            args.soak_rate,
            args.soak_secs,
        );
        std::thread::spawn(move || {
            fixed_rate(&load, connections, rate, secs, Some(SOAK_SESSION_BATCHES))
        })
    };
    let started = Instant::now();
    let agent = agent();
    let auth = format!("Bearer {token}");
    let mut query_errors = 0u64;
    let mut query_times: Vec<Duration> = Vec::new();
    let mut rss_samples: Vec<u64> = Vec::new();
    let mut next_report = SOAK_REPORT_EVERY;
    println!(
        "{:>6} {:>9} {:>10} {:>11} {:>11} {:>12} {:>12} {:>12}  largest DuckDB tags",
        "t (s)",
        "RSS MiB",
        "DuckDB MiB",
        "malloc MiB",
        "malloc free",
        "lag bytes",
        "query p50",
        "query max"
    );
    while started.elapsed() < Duration::from_secs(args.soak_secs) {
        let tick = Instant::now();
        for path in ["overview", "sessions?limit=50"] {
            let t = Instant::now();
            let ok = agent
                .get(format!("{}/api/v1/sites/{key}/{path}", server.base))
                .header("Authorization", &auth)
                .call()
                .map(|mut r| {
                    let _ = r.body_mut().read_to_string();
                    r.status().as_u16() == 200
                })
                .unwrap_or(false);
            if ok {
                query_times.push(t.elapsed());
            } else {
                query_errors += 1;
            }
        }
        if let Some(rss) = rss_kib(server.child.id()) {
            rss_samples.push(rss);
        }
        if started.elapsed() >= next_report {
            next_report += SOAK_REPORT_EVERY;
            let lag = get_json(&agent, &format!("{}/readyz", server.base))
                .ok()
                .and_then(|r| r["spool_lag_bytes"].as_u64())
                .unwrap_or(u64::MAX);
            let mut recent: Vec<Duration> = query_times.iter().rev().take(60).copied().collect();
            recent.sort();
            let metrics = metrics_text(&agent, &server.base);
            let mut memory = gauge_values(&metrics, "sightline_store_memory_bytes", "tag");
            let c_heap = gauge_values(&metrics, "sightline_c_heap_bytes", "state");
            let c_heap_of = |state: &str| {
                c_heap
                    .iter()
                    .find(|(s, _)| s == state)
                    .map_or(0, |(_, bytes)| *bytes)
            };
            memory.sort_by_key(|(_, bytes)| std::cmp::Reverse(*bytes));
            let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
            let largest: Vec<String> = memory
                .iter()
                .take(3)
                .map(|(tag, bytes)| format!("{tag} {:.0}", mib(*bytes)))
                .collect();
            println!(
                "{:>6} {:>9.1} {:>10.1} {:>11.1} {:>11.1} {:>12} {:>9.1} ms {:>9.1} ms  {}",
                started.elapsed().as_secs(),
                rss_samples.last().copied().unwrap_or_default() as f64 / 1024.0,
                mib(memory.iter().map(|(_, bytes)| bytes).sum()),
                mib(c_heap_of("in_use")),
                mib(c_heap_of("free")),
                lag,
                percentile(&recent, 0.5).as_secs_f64() * 1000.0,
                recent.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
                largest.join(", ")
            );
        }
        if let Some(rest) = Duration::from_secs(1).checked_sub(tick.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    let latencies = ingest
        .join()
        .map_err(|_| anyhow::anyhow!("ingest thread panicked"))?;
    let drain = drain_time(&agent, &server.base)?;
    let first_minute: Vec<u64> = rss_samples.iter().take(60).copied().collect();
    let last_minute: Vec<u64> = rss_samples.iter().rev().take(60).copied().collect();
    let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len().max(1) as f64 / 1024.0;
    query_times.sort();
    println!(
        "soak result: {} batches acked, {} ingest errors, {} query errors; p50 ack {:.2} ms, p99 ack {:.2} ms, max {:.2} ms",
        latencies.len(),
        load.failed.load(Ordering::SeqCst),
        query_errors,
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
    println!(
        "soak RSS: peak {:.1} MiB, mean of the first minute {:.1} MiB, of the last minute {:.1} MiB; queries p50 {:.1} ms, p99 {:.1} ms; writer drained {:.0} ms after the load",
        rss_samples.iter().max().copied().unwrap_or_default() as f64 / 1024.0,
        mean(&first_minute),
        mean(&last_minute),
        percentile(&query_times, 0.5).as_secs_f64() * 1000.0,
        percentile(&query_times, 0.99).as_secs_f64() * 1000.0,
        drain.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// mimalloc instead of glibc's malloc: the writer allocates and frees millions of small strings per second on
/// two threads, and glibc's per-thread arenas kept the freed memory (RSS 1.2 GB after a burst, see README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    sightline_ingest::allocator::return_freed_memory_promptly();
    let args = Args::parse();
    if args.store_rows > 0 {
        store_bench::write_throughput(args.store_rows)?;
    }
    if args.writer_events > 0 {
        writer_bench::writer_throughput(args.writer_events, args.batch_events)?;
    }
    if args.query_events > 0 {
        store_bench::overview_latency(args.query_events, args.query_data.as_deref())?;
        if let Some(url) = &args.clickhouse_url {
            store_bench::clickhouse_latency(url, args.query_events)?;
        }
    }
    if args.truth_sessions > 0 {
        ground_truth::evaluate(&args.bin, args.truth_sessions)?;
    }
    if args.no_ingest {
        return Ok(());
    }
    let data = std::env::temp_dir().join(format!("sightline-bench-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let key = add_site(&args.bin, &data)?;
    let server = start_server(&args.bin, &data)?;
    let load = Arc::new(Load {
        url: format!("{}/api/v1/batch", server.base),
        template: batch_template(&key, args.batch_events),
        next_session: AtomicU64::new(0),
        events_per_batch: args.batch_events as u64,
        failed: AtomicU64::new(0),
    });
    if args.soak_secs > 0 {
        let token = create_token(&args.bin, &data)?;
        soak(&load, &server, &key, &token, &args)?;
        drop(server);
        let _ = std::fs::remove_dir_all(&data);
        return Ok(());
    }
    ingest_phase(&args, &load, &server, &key, &data, "embedded DuckDB")?;
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    if let Some(url) = &args.clickhouse_url {
        // The same load through the HTTP API into a server whose events are in ClickHouse.
        let data = std::env::temp_dir().join(format!("sightline-bench-ch-{}", std::process::id()));
        std::fs::create_dir_all(&data)?;
        let key = add_site(&args.bin, &data)?;
        let env = [
            ("SIGHTLINE_EVENTS_BACKEND", "clickhouse"),
            ("SIGHTLINE_EVENTS_URL", url.as_str()),
            ("SIGHTLINE_EVENTS_DATABASE", "sightline_bench_ingest"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let server = start_server_with(&args.bin, &data, &env)?;
        let load = Arc::new(Load {
            url: format!("{}/api/v1/batch", server.base),
            template: batch_template(&key, args.batch_events),
            next_session: AtomicU64::new(0),
            events_per_batch: args.batch_events as u64,
            failed: AtomicU64::new(0),
        });
        ingest_phase(&args, &load, &server, &key, &data, "ClickHouse")?;
        drop(server);
        let _ = std::fs::remove_dir_all(&data);
    }
    Ok(())
}

/// Fixed-rate ack latency, then the acknowledged throughput, into `server` (its events in `store`).
fn ingest_phase(
    args: &Args,
    load: &Arc<Load>,
    server: &Server,
    key: &str,
    data: &Path,
    store: &str,
) -> Result<()> {
    let agent = agent();
    println!(
        "sightline ingest benchmark ({store} events): {} events/batch, {} connections, loopback, fsync'd acks",
        args.batch_events, args.connections
    );

    let latencies = fixed_rate(load, args.connections, args.rate, args.rate_secs, None);
    let lag_after = drain_time(&agent, &server.base)?;
    println!(
        "fixed rate {} events/s: p50 ack {:.2} ms, p99 ack {:.2} ms, max {:.2} ms ({} batches); spool-to-store lag at end {:.0} ms",
        args.rate,
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        latencies.len(),
        lag_after.as_secs_f64() * 1000.0
    );

    if let Some(rss) = peak_rss_kib(server.child.id()) {
        println!(
            "server peak RSS after the fixed-rate phase: {:.1} MiB",
            rss as f64 / 1024.0
        );
    }

    let (events, elapsed) = throughput(load, args.connections, args.throughput_secs);
    let drain = drain_time(&agent, &server.base)?;
    println!(
        "throughput: {:>9.0} events/s acknowledged ({} events in {:.1} s); writer caught up {:.0} ms after the load stopped",
        events as f64 / elapsed.as_secs_f64(),
        events,
        elapsed.as_secs_f64(),
        drain.as_secs_f64() * 1000.0
    );

    let token = create_token(&args.bin, data)?;
    let started = Instant::now();
    let mut response = agent
        .get(format!("{}/api/v1/sites/{key}/overview", server.base))
        .header("Authorization", &format!("Bearer {token}"))
        .call()?;
    let overview: Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
    println!(
        "overview query over {} sessions / {} pageviews: {:.1} ms",
        overview["sessions"],
        overview["pageviews"],
        started.elapsed().as_secs_f64() * 1000.0
    );
    if let Some(rss) = peak_rss_kib(server.child.id()) {
        println!(
            "server peak RSS after the throughput phase: {:.1} MiB",
            rss as f64 / 1024.0
        );
    }
    Ok(())
}

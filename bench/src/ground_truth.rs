//! Detector accuracy on the simulator's ground truth: runs `sightline demo --ground-truth`, waits for the analysis
//! pass, then compares the sessions each detector flagged (the sessions list's `frustration` filter) with the
//! sessions the simulator planted that behaviour in, and checks that each planted problem ranks in the top 5 of
//! its page on the problems report.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Planted behaviours that have a detector of the same name.
const DETECTED: [&str; 6] = [
    "rage_click",
    "dead_click",
    "error_click",
    "form_abandonment",
    "hesitation",
    "u_turn",
];
/// A planted problem must rank within this many problems of its page.
const TOP: usize = 5;

struct Demo {
    child: std::process::Child,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sid_of(session: &str) -> &str {
    session.split('.').next().unwrap_or(session)
}

fn get(agent: &ureq::Agent, url: &str, token: &str) -> Result<Value> {
    let mut r = agent
        .get(url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .with_context(|| format!("GET {url}"))?;
    Ok(serde_json::from_str(&r.body_mut().read_to_string()?)?)
}

/// The sessions (sids) the sessions list at `url` (with its query) returns, all pages.
fn sessions(agent: &ureq::Agent, url: &str, token: &str) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    let mut offset = 0;
    loop {
        let page = get(agent, &format!("{url}&limit=500&offset={offset}"), token)?;
        let list = page["sessions"].as_array().cloned().unwrap_or_default();
        for s in &list {
            if let Some(id) = s["session"].as_str() {
                found.insert(sid_of(id).to_string());
            }
        }
        offset += list.len();
        if list.len() < 500 {
            return Ok(found);
        }
    }
}

fn analysed(agent: &ureq::Agent, base: &str) -> Result<u64> {
    let mut r = agent.get(format!("{base}/metrics")).call()?;
    let text = r.body_mut().read_to_string()?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("sightline_sessions_analyzed_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0) as u64)
}

pub fn evaluate(bin: &Path, sessions_to_send: u64) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("sightline-truth-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let truth_path = dir.join("truth.jsonl");
    let data = dir.join("data");
    let mut child = Command::new(bin)
        .args(["demo", "--listen", "127.0.0.1:0", "--sessions"])
        .arg(sessions_to_send.to_string())
        .arg("--ground-truth")
        .arg(&truth_path)
        .arg("--data-dir")
        .arg(&data)
        .env("SIGHTLINE_LOG", "warn")
        .env("SIGHTLINE_ANALYSIS_QUIET_SECS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {} demo", bin.display()))?;
    let stdout = child.stdout.take().context("stdout")?;
    let demo = Demo { child };
    let (mut base, mut key) = (String::new(), String::new());
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(url) = line.trim().strip_prefix("dashboard:") {
            base = url.trim().trim_end_matches('/').to_string();
        }
        if let Some(k) = line.strip_prefix("site key: ") {
            key = k.trim().to_string();
        }
        if line.starts_with("Sent ") {
            break;
        }
    }
    if base.is_empty() || key.is_empty() {
        bail!("the demo printed no dashboard URL or site key");
    }
    let token = super::create_token(bin, &data)?;
    let agent = super::agent();
    // Wait for the writer, then for the analysis pass to go quiet.
    super::drain_time(&agent, &base)?;
    let started = Instant::now();
    let (mut last, mut stable_since) = (0, Instant::now());
    loop {
        let now = analysed(&agent, &base)?;
        if now != last {
            (last, stable_since) = (now, Instant::now());
        } else if now > 0 && stable_since.elapsed() > Duration::from_secs(3) {
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!("the analysis pass did not finish within 300 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let truth: Vec<Value> = std::fs::read_to_string(&truth_path)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let planted = |kind: &str| -> HashSet<String> {
        truth
            .iter()
            .filter(|s| {
                s["planted"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|k| k == kind))
            })
            .filter_map(|s| s["sid"].as_str().map(str::to_string))
            .collect()
    };
    // The demo spreads its sessions over the last 7 days.
    let from = format!("from={}", sightline_model::now_ms() - 10 * 86_400_000);
    let list = format!("{base}/api/v1/sites/{key}/sessions?{from}");
    println!(
        "detector accuracy on the simulator's ground truth ({} sessions; analysed {last} in {:.1} s after the writer drained)",
        truth.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "{:<18} {:>8} {:>8} {:>8} {:>10} {:>8}   problem (page, element): rank on its page",
        "detector", "planted", "flagged", "both", "precision", "recall"
    );
    let query_started = Instant::now();
    let problems = get(
        &agent,
        &format!("{base}/api/v1/sites/{key}/problems?{from}"),
        &token,
    )?;
    let problems_ms = query_started.elapsed().as_secs_f64() * 1000.0;
    let all = problems["problems"].as_array().cloned().unwrap_or_default();
    let mut misses = 0;
    for kind in DETECTED {
        let expected = planted(kind);
        let flagged = sessions(&agent, &format!("{list}&frustration={kind}"), &token)?;
        let both = expected.intersection(&flagged).count();
        let ratio = |n: usize, d: usize| {
            if d == 0 {
                "-".to_string()
            } else {
                format!("{:.1} %", n as f64 * 100.0 / d as f64)
            }
        };
        // The planted problem: the problem of this kind whose sessions overlap the planted ones most.
        let mut best: Option<(usize, &Value)> = None;
        for p in all.iter().filter(|p| p["kind"] == kind) {
            let query = p["sessions_url"]
                .as_str()
                .and_then(|u| u.split_once('?'))
                .map(|(_, q)| q.to_string())
                .unwrap_or_default();
            let of_problem = sessions(
                &agent,
                &format!("{base}/api/v1/sites/{key}/sessions?{query}"),
                &token,
            )?;
            let overlap = of_problem.intersection(&expected).count();
            if best.is_none_or(|(b, _)| overlap > b) {
                best = Some((overlap, p));
            }
        }
        let placement = match best {
            Some((_, p)) => {
                let page = p["page"].as_str().unwrap_or_default();
                let rank = all
                    .iter()
                    .filter(|q| q["page"] == page)
                    .position(|q| q["kind"] == p["kind"] && q["element"] == p["element"])
                    .map_or(usize::MAX, |i| i + 1);
                if rank > TOP {
                    misses += 1;
                }
                format!(
                    "{page} {}: #{rank}{}",
                    p["element"].as_str().unwrap_or("-"),
                    if rank <= TOP {
                        ""
                    } else {
                        "  <-- not in the top 5"
                    }
                )
            }
            None => {
                misses += 1;
                "no problem found  <-- missed".into()
            }
        };
        println!(
            "{:<18} {:>8} {:>8} {:>8} {:>10} {:>8}   {}",
            kind,
            expected.len(),
            flagged.len(),
            both,
            ratio(both, flagged.len()),
            ratio(both, expected.len()),
            placement
        );
    }
    let mut per_page: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &all {
        *per_page
            .entry(p["page"].as_str().unwrap_or_default())
            .or_default() += 1;
    }
    println!(
        "problems report: {} problems on {} pages in {problems_ms:.0} ms; planted problems outside the top {TOP} of their page: {misses}",
        all.len(),
        per_page.len()
    );
    drop(demo);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

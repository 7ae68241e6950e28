//! `sightline demo`: the server, the demo shop at `/demo/` and simulated traffic through the real ingest API,
//! so a first-time user sees a populated product within minutes.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sightline_server::Config;
use sightline_store::{MetaStore, NewSite, Role, Site, SiteUpdate};

use sightline_simulate::{self as simulate, SimOptions};

pub const DEMO_SITE_NAME: &str = "Demo shop";
/// The demo's dashboard login, created when the data directory has no user yet. A demo binds to loopback;
/// real installs create their admin with the first-run page or `sightline user add --admin`.
pub const DEMO_EMAIL: &str = "demo@sightline.local";
pub const DEMO_PASSWORD: &str = "sightline-demo";
const DEMO_REPLAY_SAMPLE_RATE: f64 = 1.0;
/// How long `--exit-after-traffic` waits for the writer to store everything.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);

pub struct DemoOptions {
    pub sessions: u64,
    pub days: u32,
    pub seed: u64,
    pub ground_truth: Option<PathBuf>,
    pub exit_after_traffic: bool,
}

/// Creates the demo login unless the data directory already has users; returns whether it exists now.
fn demo_login(meta: &dyn MetaStore) -> Result<bool> {
    if meta.count_users()? > 0 {
        return Ok(meta.user_by_email(DEMO_EMAIL)?.is_some());
    }
    let hash = sightline_server::auth::hash_password(DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!(e.message))?;
    meta.create_user(DEMO_EMAIL, &hash, Role::Admin)?;
    Ok(true)
}

fn demo_site(meta: &dyn MetaStore) -> Result<Site> {
    if let Some(site) = meta
        .list_sites()?
        .into_iter()
        .find(|s| s.name == DEMO_SITE_NAME)
    {
        return Ok(site);
    }
    let site = meta.create_site(&NewSite {
        name: DEMO_SITE_NAME.into(),
        domains: vec!["localhost".into(), "127.0.0.1".into()],
    })?;
    // The demo records every session, so replays are there to watch.
    let update = SiteUpdate {
        replay_sample_rate: DEMO_REPLAY_SAMPLE_RATE,
        ..SiteUpdate::from(&site)
    };
    Ok(meta.update_site(site.id, &update)?)
}

/// How soon after the traffic the demo's sessions are analysed for frustration.
const DEMO_ANALYSIS_QUIET_SECS: u32 = 5;

pub fn run(mut config: Config, options: DemoOptions, json: bool) -> Result<()> {
    // The demo sends history up to `days` old and is driven by headless browsers in tests.
    config.allow_headless_browsers = true;
    config.max_event_age_days = config.max_event_age_days.max(options.days + 1);
    // The simulated sessions all arrive within seconds: analyse them soon after, so problems show at once.
    config.analysis_quiet_secs = config.analysis_quiet_secs.min(DEMO_ANALYSIS_QUIET_SECS);
    config.validate()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (app, listener) = crate::cli::open_and_bind(config).await?;
        let addr = listener.local_addr()?;
        let (site, has_demo_login) = {
            let app = app.clone();
            tokio::task::spawn_blocking(move || -> Result<(Site, bool)> { Ok((demo_site(app.meta.as_ref())?, demo_login(app.meta.as_ref())?)) })
                .await??
        };
        let _ = app.demo_site_key.set(site.key.clone());
        let base = format!("http://{addr}");
        if json {
            println!("{}", serde_json::json!({"url": base, "demo": format!("{base}/demo/"), "site": site}));
        } else {
            println!("Sightline demo is running.");
            println!("  dashboard:  {base}/");
            if has_demo_login {
                println!("  login:      {DEMO_EMAIL} / {DEMO_PASSWORD}");
            }
            println!("  demo shop:  {base}/demo/");
            println!("site key: {}", site.key);
        }

        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(sightline_server::serve(app.clone(), listener, async move {
            tokio::select! {
                _ = crate::cli::shutdown_signal() => {},
                _ = stop_rx => {},
            }
        }));

        let already = {
            let app = app.clone();
            let id = site.id;
            tokio::task::spawn_blocking(move || app.events.count_events(id)).await??
        };
        if options.sessions > 0 && already > 0 {
            println!("The demo data directory already has {already} events; no new traffic (use a fresh --data-dir for more).");
        } else if options.sessions > 0 {
            let sim = SimOptions {
                sessions: options.sessions,
                days: options.days,
                seed: options.seed,
                ..SimOptions::default()
            };
            let key = site.key.clone();
            let truth_path = options.ground_truth.clone();
            let started = Instant::now();
            let truth = tokio::task::spawn_blocking(move || -> Result<simulate::GroundTruth> {
                let bar = indicatif::ProgressBar::new(sim.sessions);
                bar.set_style(
                    indicatif::ProgressStyle::with_template("simulating {bar:40} {pos}/{len} sessions ({per_sec}, eta {eta})")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                let truth = simulate::run(&base, &key, &sim, &|n| bar.inc(n))?;
                bar.finish_and_clear();
                if let Some(path) = &truth_path {
                    truth.write_jsonl(path).with_context(|| format!("writing ground truth to {}", path.display()))?;
                }
                Ok(truth)
            })
            .await??;
            println!("{}", truth.summary());
            println!("Sent {} sessions in {:.1} s.", truth.sessions.len(), started.elapsed().as_secs_f64());
        }

        if options.exit_after_traffic {
            let deadline = Instant::now() + DRAIN_TIMEOUT;
            while app.writer.lag_bytes() > 0 && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = stop_tx.send(());
        } else {
            println!("Press Ctrl-C to stop.");
        }
        server.await??;
        Ok(())
    })
}

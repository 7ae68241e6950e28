use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use sightline_server::{App, Config, app::open_meta, auth};
use sightline_store::{MetaStore, NewSite, NewToken, Role, Site, SiteUpdate};

#[derive(Parser)]
#[command(
    name = "sightline",
    version,
    about = "Self-hosted customer behaviour analytics"
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct GlobalArgs {
    /// TOML config file (env SIGHTLINE_CONFIG). Layers: file, then SIGHTLINE_* variables, then flags.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Directory holding every store (env SIGHTLINE_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// HOST:PORT to listen on; port 0 picks a free port (env SIGHTLINE_LISTEN).
    #[arg(long, global = true)]
    listen: Option<String>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: ingest, API, dashboard.
    Serve,
    /// Server + demo shop + simulated traffic, so the product has data to show.
    Demo {
        /// Simulated sessions to send (0: only serve the demo shop).
        #[arg(long, default_value_t = 2_000)]
        sessions: u64,
        /// Days of history the sessions are spread over.
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Random seed: the same seed gives the same traffic.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Write what was planted in each session (JSON lines) to this file.
        #[arg(long)]
        ground_truth: Option<PathBuf>,
        /// Stop once the traffic is stored instead of serving until Ctrl-C.
        #[arg(long)]
        exit_after_traffic: bool,
    },
    /// Manage sites.
    #[command(subcommand)]
    Site(SiteCommand),
    /// Inspect the effective configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage dashboard users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
    /// Enforce retention now (deletes expired events and replays). Run while the server is stopped;
    /// a running server does this hourly itself.
    Gc,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Make the user an admin (same as --role admin).
        #[arg(long)]
        admin: bool,
        #[arg(long, value_parser = ["viewer", "analyst", "admin"], default_value = "viewer")]
        role: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token; prints `token: <T>` (shown once, stored hashed).
    Create {
        #[arg(long)]
        name: String,
        /// Restrict the token to one site (key or id).
        #[arg(long)]
        site: Option<String>,
        #[arg(long, value_parser = ["viewer", "analyst", "admin"], default_value = "viewer")]
        role: String,
    },
}

#[derive(Subcommand)]
enum SiteCommand {
    /// Create a site; prints the tracker snippet and `site key: <KEY>`.
    Add {
        #[arg(long)]
        name: String,
        /// Domain the site runs on (repeatable); subdomains are included.
        #[arg(long = "domain")]
        domains: Vec<String>,
    },
    /// List sites.
    List,
    /// Change settings of a site (key or id).
    Set {
        site: String,
        /// Share of sessions recorded for replay, 0..1 (0 turns replay off).
        #[arg(long)]
        replay_sample: Option<f64>,
        /// Days events and replays are kept.
        #[arg(long)]
        retention_days: Option<u32>,
        /// Disk the site's replays may use, in MB.
        #[arg(long)]
        replay_quota_mb: Option<u32>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (TOML, or JSON with --json).
    Print,
}

fn load_config(global: &GlobalArgs) -> Result<Config> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let file = global
        .config
        .clone()
        .or_else(|| env.get("SIGHTLINE_CONFIG").map(PathBuf::from));
    let mut config = Config::load(file.as_deref(), &env)?;
    if let Some(dir) = &global.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(listen) = &global.listen {
        config.listen = listen.clone();
    }
    config.validate()?;
    Ok(config)
}

pub fn run(cli: Cli) -> Result<()> {
    let config = load_config(&cli.global)?;
    let json = cli.global.json;
    match cli.command {
        Command::Serve => serve(config),
        Command::Demo {
            sessions,
            days,
            seed,
            ground_truth,
            exit_after_traffic,
        } => crate::demo::run(
            config,
            crate::demo::DemoOptions {
                sessions,
                days,
                seed,
                ground_truth,
                exit_after_traffic,
            },
            json,
        ),
        Command::Site(SiteCommand::Add { name, domains }) => site_add(&config, name, domains, json),
        Command::Site(SiteCommand::List) => site_list(&config, json),
        Command::User(UserCommand::Add {
            email, admin, role, ..
        }) => {
            let role = if admin {
                Role::Admin
            } else {
                Role::parse(&role).unwrap_or(Role::Viewer)
            };
            user_add(&config, &email, role, json)
        }
        Command::Token(TokenCommand::Create { name, site, role }) => token_create(
            &config,
            &name,
            site.as_deref(),
            Role::parse(&role).unwrap_or(Role::Viewer),
            json,
        ),
        Command::Site(SiteCommand::Set {
            site,
            replay_sample,
            retention_days,
            replay_quota_mb,
        }) => site_set(
            &config,
            &site,
            replay_sample,
            retention_days,
            replay_quota_mb,
            json,
        ),
        Command::Gc => gc(config, json),
        Command::Openapi => {
            println!("{}", sightline_server::openapi::document());
            Ok(())
        }
        Command::Config(ConfigCommand::Print) => {
            let shown = config.printable();
            if json {
                println!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                print!("{}", shown.to_toml());
            }
            Ok(())
        }
    }
}

/// Base URL the tracker snippet points at.
fn public_base(config: &Config) -> String {
    if !config.public_url.is_empty() {
        return config.public_url.trim_end_matches('/').to_string();
    }
    match config.listen.parse::<std::net::SocketAddr>() {
        Ok(addr) if addr.ip().is_unspecified() => format!("http://YOUR-SERVER:{}", addr.port()),
        Ok(addr) => format!("http://{addr}"),
        Err(_) => "http://YOUR-SERVER".into(),
    }
}

/// A site by id or key (as every `{site}` in the API), with a hint when there is none.
fn find_site(meta: &dyn MetaStore, key_or_id: &str) -> Result<Site> {
    let found = match key_or_id.parse::<i64>() {
        Ok(id) => meta.site_by_id(id)?,
        Err(_) => meta.site_by_key(key_or_id)?,
    };
    found.with_context(|| format!("no site {key_or_id:?} (see `sightline site list`)"))
}

fn site_set(
    config: &Config,
    key: &str,
    replay_sample: Option<f64>,
    retention_days: Option<u32>,
    replay_quota_mb: Option<u32>,
    json: bool,
) -> Result<()> {
    let meta = open_meta(config)?;
    let site = find_site(meta.as_ref(), key)?;
    if let Some(rate) = replay_sample
        && !(0.0..=1.0).contains(&rate)
    {
        bail!("--replay-sample must be between 0 and 1, got {rate}");
    }
    if retention_days == Some(0) || replay_quota_mb == Some(0) {
        bail!("--retention-days and --replay-quota-mb must be at least 1");
    }
    let update = SiteUpdate {
        retention_days: retention_days.unwrap_or(site.retention_days),
        replay_sample_rate: replay_sample.unwrap_or(site.replay_sample_rate),
        replay_quota_mb: replay_quota_mb.unwrap_or(site.replay_quota_mb),
        ..SiteUpdate::from(&site)
    };
    let updated = meta.update_site(site.id, &update)?;
    if json {
        println!("{}", serde_json::to_string(&updated)?);
    } else {
        println!(
            "Site {:?}: replay sample rate {}, retention {} days, replay quota {} MB.",
            updated.name,
            updated.replay_sample_rate,
            updated.retention_days,
            updated.replay_quota_mb
        );
    }
    Ok(())
}

fn gc(config: Config, json: bool) -> Result<()> {
    let app = Arc::new(
        App::open(config).context("opening the data directory (is a server running on it?)")?,
    );
    let report = sightline_server::retention::enforce_app(&app)?;
    app.shutdown();
    if json {
        println!(
            "{}",
            serde_json::json!({"events": report.events, "replay_chunks": report.replay_chunks, "blobs": report.blobs})
        );
    } else {
        println!(
            "Deleted {} events, {} replay chunks ({} blobs).",
            report.events, report.replay_chunks, report.blobs
        );
    }
    Ok(())
}

fn user_add(config: &Config, email: &str, role: Role, json: bool) -> Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']);
    auth::validate_credentials(email, password).map_err(|e| anyhow::anyhow!(e.message))?;
    let hash = auth::hash_password(password).map_err(|e| anyhow::anyhow!(e.message))?;
    let user = open_meta(config)?
        .create_user(email, &hash, role)
        .context("creating the user")?;
    if json {
        println!("{}", serde_json::to_string(&user)?);
    } else {
        println!(
            "Created {} user {} (id {}).",
            user.role.as_str(),
            user.email,
            user.id
        );
    }
    Ok(())
}

fn token_create(
    config: &Config,
    name: &str,
    site: Option<&str>,
    role: Role,
    json: bool,
) -> Result<()> {
    let meta = open_meta(config)?;
    let site_id = match site {
        None => None,
        Some(s) => Some(find_site(meta.as_ref(), s)?.id),
    };
    if name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    let secret = format!("{}{}", auth::TOKEN_PREFIX, auth::new_secret());
    let info = meta.create_token(&NewToken {
        name: name.trim().to_string(),
        token_hash: auth::sha256_hex(&secret),
        user_id: None,
        site_id,
        role,
    })?;
    if json {
        println!("{}", serde_json::json!({"token": secret, "info": info}));
    } else {
        println!(
            "Created {} token {:?} (id {}). It is shown only now:",
            info.role.as_str(),
            info.name,
            info.id
        );
        println!("token: {secret}");
    }
    Ok(())
}

fn site_add(config: &Config, name: String, domains: Vec<String>, json: bool) -> Result<()> {
    let domains: Vec<String> = domains
        .iter()
        .map(|d| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    if let Some(bad) = domains.iter().find(|d| d.contains('/') || d.contains(' ')) {
        bail!("--domain {bad:?} must be a host name such as shop.example.com (no scheme, no path)");
    }
    let meta = open_meta(config)?;
    let site = meta
        .create_site(&NewSite { name, domains })
        .context("creating the site")?;
    let snippet = sightline_server::snippet::snippet(&public_base(config), &site);
    if json {
        println!("{}", serde_json::json!({"site": site, "snippet": snippet}));
    } else {
        println!("Created site {:?} (id {}).", site.name, site.id);
        println!("Add this to every page, before </head>:\n\n  {snippet}\n");
        println!("site key: {}", site.key);
    }
    Ok(())
}

fn site_list(config: &Config, json: bool) -> Result<()> {
    let meta = open_meta(config)?;
    let sites = meta.list_sites()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&sites)?);
    } else if sites.is_empty() {
        println!("No sites yet. Create one with: sightline site add --name NAME --domain DOMAIN");
    } else {
        println!("{:<5} {:<26} {:<30} DOMAINS", "ID", "KEY", "NAME");
        for site in sites {
            println!(
                "{:<5} {:<26} {:<30} {}",
                site.id,
                site.key,
                site.name,
                site.domains.join(", ")
            );
        }
    }
    Ok(())
}

/// Opens the app (stores, spool recovery, writer) and binds its listener; logs the bound address.
pub async fn open_and_bind(config: Config) -> Result<(Arc<App>, tokio::net::TcpListener)> {
    let listen = config.listen.clone();
    let app = Arc::new(tokio::task::spawn_blocking(move || App::open(config)).await??);
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    Ok((app, listener))
}

fn serve(config: Config) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (app, listener) = open_and_bind(config).await?;
        sightline_server::serve(app, listener, shutdown_signal()).await?;
        Ok(())
    })
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: draining ingest");
}

//! A throwaway PostgreSQL server for tests: its own data directory, a free loopback port, stopped on drop.
//!
//! Needs the server binaries (`apt-get install -y postgresql`); std and `tempfile` only, so other crates' tests
//! can include it with `#[path]`.

#![allow(dead_code)] // each test crate uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

/// Superuser `initdb` creates; connections from loopback need no password (`--auth=trust`).
pub const USER: &str = "sightline";
/// The system user the server runs as when the tests run as root (PostgreSQL refuses to run as root).
const SYSTEM_USER: &str = "postgres";
/// Fresh ports to try when another process takes the one found free before the server binds it.
const START_ATTEMPTS: usize = 3;

pub struct PgServer {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_root: bool,
    /// Last field: removed after `drop` stopped the server.
    dir: tempfile::TempDir,
}

impl PgServer {
    /// Initialises a cluster in a temporary directory and starts it; panics with the reason when it cannot.
    pub fn start() -> PgServer {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("sightline-pg")
            .tempdir()
            .expect("tempdir");
        let as_root = effective_uid() == Some(0);
        if as_root {
            let (uid, gid) = system_user_ids(SYSTEM_USER).unwrap_or_else(|| {
                panic!("running as root needs the {SYSTEM_USER:?} system user (apt-get install -y postgresql)")
            });
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown tempdir");
        }
        let mut server = PgServer {
            data: dir.path().join("data"),
            bin,
            port: 0,
            as_root,
            dir,
        };
        let data = server.data.display().to_string();
        server.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let log = server.dir.path().join("server.log").display().to_string();
        let socket_dir = server.dir.path().display().to_string();
        for attempt in 1..=START_ATTEMPTS {
            server.port = free_port();
            // fsync off: a test server's data need not survive a crash.
            let options = format!(
                "-p {} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                server.port
            );
            let mut start = server.command("pg_ctl");
            start.args(["-D", &data, "-l", &log, "-o", &options, "-w", "start"]);
            match start.output() {
                Ok(out) if out.status.success() => return server,
                Ok(out) if attempt == START_ATTEMPTS => panic!(
                    "pg_ctl start failed: {}{}\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr),
                    std::fs::read_to_string(&log).unwrap_or_default()
                ),
                Ok(_) => continue,
                Err(e) => panic!("running pg_ctl: {e}"),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// URL of database `db` (`postgres` exists from the start).
    pub fn url_of(&self, db: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{db}", self.port)
    }

    /// URL of the `postgres` database.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, db: &str) -> String {
        let port = self.port.to_string();
        self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", USER, db],
        );
        self.url_of(db)
    }

    /// One of the server's binaries, as the user the server runs as, in its directory (the system user may
    /// not be allowed into the caller's).
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut command = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", SYSTEM_USER, "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        command.current_dir(self.dir.path());
        command
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        // Immediate: nothing to keep, and it does not wait for clients still connected.
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// `bin` of the newest PostgreSQL under `/usr/lib/postgresql/<version>/` (Debian's layout).
fn bin_dir() -> PathBuf {
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: f64 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match newest {
        Some((_, bin)) => bin,
        None => panic!(
            "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin: \
             install postgresql: apt-get install -y postgresql, see .ci/run"
        ),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// From `/proc/self/status` (std has no geteuid); `None` off Linux.
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn system_user_ids(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string(Path::new("/etc/passwd")).ok()?;
    let line = passwd.lines().find(|l| l.split(':').next() == Some(name))?;
    let mut ids = line.split(':').skip(2).map(|id| id.parse().ok());
    Some((ids.next()??, ids.next()??))
}

//! A throwaway ClickHouse server for tests: Debian's `clickhouse-server` (apt-get install -y clickhouse-server,
//! see .ci/run) with its data in a temporary directory, on free loopback ports, killed on drop.

#![allow(dead_code)] // each test crate uses part of it

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = "/etc/clickhouse-server/config.xml";
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct ClickHouseServer {
    child: Child,
    pub url: String,
    /// Last field: removed after the server is gone.
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl ClickHouseServer {
    pub fn start() -> ClickHouseServer {
        assert!(
            std::path::Path::new(CONFIG).exists(),
            "ClickHouse is not installed: apt-get install -y clickhouse-server (see .ci/run)"
        );
        let dir = tempfile::Builder::new()
            .prefix("sightline-ch")
            .tempdir()
            .expect("tempdir");
        let root = dir.path().display().to_string();
        let path = |sub: &str| format!("{root}/{sub}");
        let (http, tcp, interserver) = (free_port(), free_port(), free_port());
        let child = Command::new("clickhouse-server")
            .arg(format!("--config-file={CONFIG}"))
            .arg("--")
            .arg(format!("--path={}", path("")))
            .arg(format!("--tmp_path={}", path("tmp/")))
            .arg(format!("--user_files_path={}", path("user_files/")))
            .arg(format!("--format_schema_path={}", path("format_schemas/")))
            .arg(format!("--logger.log={}", path("server.log")))
            .arg(format!("--logger.errorlog={}", path("error.log")))
            .arg("--listen_host=127.0.0.1")
            .arg(format!("--http_port={http}"))
            .arg(format!("--tcp_port={tcp}"))
            .arg(format!("--interserver_http_port={interserver}"))
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start clickhouse-server");
        let server = ClickHouseServer {
            child,
            url: format!("http://127.0.0.1:{http}"),
            _dir: dir,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let up = TcpStream::connect(("127.0.0.1", http)).is_ok()
                && ureq::get(&format!("{}/ping", server.url))
                    .call()
                    .is_ok_and(|r| r.status().as_u16() == 200);
            if up {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "clickhouse-server did not answer /ping; see {}",
                path("error.log")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for ClickHouseServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! A real S3-protocol server for tests: moto's server (`pip install 'moto[server]'`, see .ci/run) on a free
//! loopback port, stopped when the guard drops. moto implements the S3 REST API in one small process with no
//! disk state, which is what a test needs (MinIO is not packaged for Debian, s3rver needs a Node.js toolchain).

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct S3Server {
    child: Child,
    pub endpoint: String,
}

const START_TIMEOUT: Duration = Duration::from_secs(30);

impl S3Server {
    pub fn start() -> S3Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start moto_server ({e}): install it with `pip install 'moto[server]'` (see .ci/run)")
            });
        let server = S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Creates a bucket (moto accepts unsigned requests).
    pub fn create_bucket(&self, bucket: &str) {
        let status = ureq::put(&format!("{}/{bucket}", self.endpoint))
            .send_empty()
            .map(|r| r.status().as_u16())
            .expect("create bucket");
        assert_eq!(status, 200, "creating bucket {bucket}");
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! A throwaway `redis-server` on a free 127.0.0.1 port, for tests and benches.
//!
//! Returns `None` (after printing why) when no `redis-server` binary is
//! installed, so the suites still run on machines without Redis.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a fresh server may take to accept connections.
const STARTUP: Duration = Duration::from_secs(10);

pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// Starts a server on a free port, or `None` if `redis-server` is missing.
    pub fn start() -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free local port")
            .port();
        Self::start_on(port)
    }

    /// Starts a server on `port` (e.g. to restart one that was killed).
    pub fn start_on(port: u16) -> Option<Self> {
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                // A test that needs the server never passes without it: under
                // CI a missing server is a failure, elsewhere a visible skip.
                assert!(
                    std::env::var_os("CI").is_none(),
                    "redis-server is required under CI and cannot start ({e}); .ci/run installs it"
                );
                eprintln!(
                    "skipped: cannot start redis-server ({e}); install it with `apt-get install redis-server`"
                );
                return None;
            }
        };
        let server = Self {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + STARTUP;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (SIGKILL: no goodbye to connected clients) and waits
    /// until the port is closed.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

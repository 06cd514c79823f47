//! A real `redis-server` per test, which the test can stop, restart and restore from a snapshot.

use std::path::Path;

use crate::signal::{Signal, signal_process};
use crate::temp::{TempDir, free_port};
use crate::tools::tool_or_skip;

/// A `redis-server` of the test's own on a free loopback port, with its data in a temp dir
/// (append-only file, fsync on every write, so a restart keeps everything). Killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: TempDir,
    /// Settings given on the command line at every start, after the test's own.
    settings: Vec<String>,
    child: Option<std::process::Child>,
}

impl RedisServer {
    /// Starts a server, or returns `None` after printing why when `redis-server` is not
    /// installed. With `CI` set, a missing `redis-server` is a failure: `.ci/run` installs it.
    ///
    /// # Panics
    /// If the server does not start, or is missing under CI.
    pub fn start_or_skip(label: &str) -> Option<Self> {
        Self::start_with_or_skip(label, &[])
    }

    /// [`RedisServer::start_or_skip`] with more settings, as `redis-server` takes them on its
    /// command line (`["--requirepass", "secret"]`, `["--maxmemory", "10mb"]`); they stay for
    /// every restart.
    ///
    /// # Panics
    /// As [`RedisServer::start_or_skip`].
    pub fn start_with_or_skip(label: &str, settings: &[&str]) -> Option<Self> {
        let installed = std::process::Command::new("redis-server")
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        tool_or_skip(installed.then_some(()).ok_or_else(|| {
            "redis-server is not installed (Debian: apt-get install redis-server)".to_owned()
        }))?;
        let mut server = RedisServer {
            port: free_port(),
            dir: TempDir::new(label),
            settings: settings.iter().map(|&setting| setting.to_owned()).collect(),
            child: None,
        };
        server.start();
        Some(server)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Freezes the server (SIGSTOP): connections stay open and nothing is answered, as a Redis
    /// stalled by a long command, a fork or a network partition.
    pub fn pause(&self) {
        if let Some(child) = &self.child {
            signal_process(child.id(), Signal::Pause);
        }
    }

    /// Lets a [`RedisServer::pause`]d server go on (SIGCONT).
    pub fn resume(&self) {
        if let Some(child) = &self.child {
            signal_process(child.id(), Signal::Resume);
        }
    }

    /// Starts the server again (same port, same data) after [`RedisServer::stop`], and waits
    /// until it answers.
    ///
    /// # Panics
    /// If it does not answer within 20 seconds.
    pub fn start(&mut self) {
        if self.child.is_some() {
            return;
        }
        let child = std::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(self.dir.path())
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .args(&self.settings)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !self.answers() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server on port {} did not answer within 20 s",
                self.port
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Kills the server (its data stays for the next [`RedisServer::start`]).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A copy of the server's data files as they are now (every answered write is in them:
    /// fsync on every write), for [`RedisServer::restore`].
    ///
    /// # Panics
    /// If the files cannot be copied (this is for tests).
    pub fn snapshot(&self, label: &str) -> TempDir {
        let copy = TempDir::new(label);
        copy_tree(self.dir.path(), copy.path());
        copy
    }

    /// Restarts the server on the data of `snapshot`, as a Redis restored from a backup, or
    /// one whose replica took over before it had the latest writes: everything written since
    /// the snapshot is lost.
    ///
    /// # Panics
    /// If the files cannot be copied or the server does not come back (this is for tests).
    pub fn restore(&mut self, snapshot: &TempDir) {
        self.stop();
        let _ = std::fs::remove_dir_all(self.dir.path());
        copy_tree(snapshot.path(), self.dir.path());
        self.start();
    }

    /// Whether the server answers `PING` (with `+PONG`, or `-NOAUTH` where it wants a password).
    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(1)));
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && (&reply == b"+PONG\r\n" || &reply == b"-NOAUTH")
    }
}

/// Copies the files under `from` into `to`, directories included.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's directory");
    for entry in std::fs::read_dir(from).expect("read the data directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("its type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a data file");
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

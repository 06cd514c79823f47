//! Small helpers for tests of this crate and of the workspace.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `<tmp>/customer-token-host-<label>-<pid>-<n>`.
    ///
    /// # Panics
    /// If the directory cannot be created (this is for tests).
    pub fn new(label: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!(
            "customer-token-host-{label}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        if let Err(e) = std::fs::create_dir_all(&path) {
            panic!("cannot create temp dir {}: {e}", path.display());
        }
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What a test does about a tool it needs (`Err` says why it is missing): outside `CI` it
/// prints why and is skipped (`None`); under `CI`, where `.ci/run` installs every tool the tests
/// need, a missing tool fails it.
///
/// # Panics
/// If the tool is missing and `CI` is set.
pub fn tool_or_skip<T>(tool: Result<T, String>) -> Option<T> {
    match tool {
        Ok(tool) => Some(tool),
        Err(reason) if std::env::var_os("CI").is_some() => {
            panic!("{reason}, and CI is set: every tool the tests need is installed there")
        }
        Err(reason) => {
            // Straight to stderr, not through `eprintln!`, which the test harness captures.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "skipping: {reason}");
            None
        }
    }
}

/// The `bin` directory of a Python virtual environment `<base>/<name>` holding the packages of
/// `requirements` (pip's requirements format; hashes pinned there are checked), made on first
/// use and reused while the requirements are unchanged (a copy of them is written last, so a
/// half-made environment is made again). A lock file serializes test processes that start at
/// once. `Err` (for [`tool_or_skip`]) when `python3` cannot be run.
///
/// # Panics
/// If `python3` runs but the environment cannot be made (this is for tests).
pub fn python_venv(base: &Path, name: &str, requirements: &Path) -> Result<PathBuf, String> {
    let wanted = std::fs::read_to_string(requirements)
        .unwrap_or_else(|e| panic!("{}: {e}", requirements.display()));
    let venv = base.join(name);
    let bin = venv.join("bin");
    let installed = venv.join("requirements.txt");
    let ready = || {
        bin.join("python").is_file()
            && std::fs::read_to_string(&installed).is_ok_and(|text| text == wanted)
    };
    if ready() {
        return Ok(bin);
    }
    if let Err(e) = std::process::Command::new("python3")
        .arg("--version")
        .output()
    {
        return Err(format!("python3 cannot be run ({e}); install Python 3"));
    }
    std::fs::create_dir_all(base).expect("create the environment's directory");
    let lock = std::fs::File::create(base.join(format!("{name}.lock"))).expect("a lock file");
    lock.lock().expect("lock the virtual environment");
    if !ready() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "installing the packages of {} into {}",
            requirements.display(),
            venv.display()
        );
        let _ = std::fs::remove_dir_all(&venv);
        run_checked(
            std::process::Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv),
            "creating the virtual environment",
        );
        run_checked(
            std::process::Command::new(bin.join("python"))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(requirements),
            "pip install -r",
        );
        std::fs::write(&installed, &wanted).expect("record the requirements");
    }
    Ok(bin)
}

/// Runs `command`; panics with its output unless it succeeds.
fn run_checked(command: &mut std::process::Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}): {command:?}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A loopback port that was free a moment ago (bound, then released).
///
/// # Panics
/// If no port can be bound (this is for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// A `redis-server` of the test's own on a free loopback port, with its data in a temp dir
/// (append-only file, fsync on every write, so a restart keeps everything). Killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: TempDir,
    child: Option<std::process::Child>,
}

impl RedisServer {
    /// Starts a server, or returns `None` after printing why when `redis-server` is not
    /// installed. With `CI` set, a missing `redis-server` is a failure: `.ci/run` installs it.
    ///
    /// # Panics
    /// If the server does not start, or is missing under CI.
    pub fn start_or_skip(label: &str) -> Option<Self> {
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
            child: None,
        };
        server.start();
        Some(server)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
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

    /// Whether the server answers `PING` with `+PONG`.
    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(1)));
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
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

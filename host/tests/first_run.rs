//! The first run as a new user makes it: the real `customer-token-host` binary with no
//! configuration anywhere serves with local development credentials that it creates, and the
//! `post` command its banner prints returns the seed's customer and a token.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use customer_token_testkit::TempDir;
use serde_json::{Value, json};

use crate::running::BIN;

/// Every variable the host reads its configuration (or its component) from.
const CONFIG_VARS: &[&str] = &[
    "OAUTH_CONSUMER_KEY",
    "OAUTH_CONSUMER_SECRET",
    "OAUTH_ACCESS_TOKEN",
    "OAUTH_ACCESS_TOKEN_SECRET",
    "CUSTOMER_TOKEN_SECRET",
    "CUSTOMER_TOKEN_LIFETIME_MINUTES",
    "PUBLIC_BASE_URL",
    "CUSTOMER_TOKEN_FLAVOR",
];
const BANNER_PREFIX: &str = "customer-token-host: try it from another terminal: ";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The host binary, run from the repository's root with no configuration in its environment.
fn host() -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(repo_root());
    for var in CONFIG_VARS {
        command.env_remove(var);
    }
    command
}

/// A running server and the stderr lines it has printed so far.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(data: &Path) -> Self {
        let mut child = host()
            .args(["--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the host starts");
        let stderr = child.stderr.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for the banner's `post` command and returns its arguments after `--`.
    fn post_arguments(&mut self) -> Vec<String> {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if let Some(command) = line.strip_prefix(BANNER_PREFIX) {
                        let command = command
                            .strip_prefix("cargo run -p customer-token-host -- ")
                            .unwrap_or_else(|| panic!("not a cargo run command: {line}"));
                        return command.split_whitespace().map(String::from).collect();
                    }
                }
                Err(e) => panic!(
                    "no banner with a post command ({e}); the server printed:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Stops the server; every line it printed.
    fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        self.seen
    }
}

/// The `KEY=VALUE` lines of the credentials file, read here without the host's parser.
fn file_values(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (key, value) = line.split_once('=').unwrap();
            (key.to_string(), value.to_string())
        })
        .collect()
}

#[test]
fn a_first_run_without_configuration_serves_and_its_post_command_returns_the_seed_customer() {
    let dir = TempDir::new("first-run");
    let data = dir.path().join("data");
    let credentials = data.join("dev-credentials.env");

    let mut server = Running::start(&data);
    let post = server.post_arguments();
    assert_eq!(post[0], "post", "{post:?}");
    assert!(
        post.windows(2)
            .any(|w| w == ["--query-file", "tests/interop/seed.graphql"]),
        "{post:?}"
    );
    let output = host().args(&post).output().expect("post runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "post failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let body: Value = serde_json::from_str(stdout.trim()).expect("post prints JSON");
    let result = &body["data"]["exchangeExternalCustomerToken"];
    assert_eq!(
        result["customer"],
        json!({"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost", "is_subscribed": false}),
        "{body}"
    );
    let token = result["token"].as_str().expect("a token");
    assert_eq!(token.split('.').count(), 3, "{token}");

    // `sign` finds the same file through --data; a bad signature would have failed above.
    let sign = host().args(["sign", "--data"]).arg(&data).output().unwrap();
    assert!(sign.status.success());
    assert!(String::from_utf8_lossy(&sign.stdout).starts_with("OAuth "));

    let lines = server.stop();
    let store = format!(
        "(store {} (SQLite))",
        data.join("sqlite_key_value.db").display()
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("customer-token-host: serving") && line.ends_with(&store)),
        "the banner names the store's file: {lines:#?}"
    );
    let created: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains("created local development credentials"))
        .collect();
    assert_eq!(created.len(), 1, "{lines:#?}");
    assert!(
        created[0].contains(&credentials.display().to_string()),
        "{}",
        created[0]
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&credentials)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    let values = file_values(&credentials);
    assert_eq!(values.len(), 5, "{:?}", values.iter().map(|(k, _)| k));
    for (key, value) in &values {
        assert!(value.len() >= 32, "{key}");
        for line in &lines {
            assert!(!line.contains(value.as_str()), "{key} logged: {line}");
        }
        assert!(!stdout.contains(value.as_str()), "{key} in the response");
    }

    // A second run keeps the file as it was and says that it uses it.
    let before = std::fs::read(&credentials).unwrap();
    let mut server = Running::start(&data);
    server.post_arguments();
    let lines = server.stop();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("using the local development credentials")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|line| line.contains("created local")),
        "{lines:#?}"
    );
    assert_eq!(std::fs::read(&credentials).unwrap(), before);
}

#[test]
fn a_partial_configuration_stops_the_server_naming_the_missing_keys() {
    let dir = TempDir::new("partial-config");
    let output = host()
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("OAUTH_CONSUMER_KEY", "ck-given")
        .env(
            "CUSTOMER_TOKEN_SECRET",
            "given-secret-of-more-than-32-bytes-long",
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "OAUTH_CONSUMER_SECRET, OAUTH_ACCESS_TOKEN, OAUTH_ACCESS_TOKEN_SECRET not set"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("given-secret"), "{stderr}");
    assert!(!dir.path().join("dev-credentials.env").exists());
}

#[test]
fn post_without_any_configuration_says_how_to_get_it() {
    let dir = TempDir::new("post-no-config");
    let output = host()
        .args(["post", "--query", "{__typename}", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("dev-credentials.env"), "{stderr}");
    assert!(!dir.path().join("dev-credentials.env").exists());
}

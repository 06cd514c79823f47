//! The product on a real Spin CLI (the one in `../shared/tools/spin`, or `$CUSTOMER_TOKEN_SPIN`),
//! over real HTTP, with requests signed by oauthlib (`tests/interop/oauthlib_client.py`):
//!
//! 1. a clean copy of the checkout (`git ls-files -co --exclude-standard`), `spin build` with its
//!    manifest, `spin up --listen 127.0.0.1:<free port>` with the configuration as
//!    `SPIN_VARIABLE_*`, then restarted on the same app directory with `--variable key=value`;
//! 2. the pre-composed `dist/customer-token-spin.wasm` (`cargo run -p xtask -- dist` in the copy)
//!    in a manifest without dependencies, the same way.
//!
//! Each checks the seed's mutation and token, a repeat login, replay and tamper refusals, the
//! seed's errors, the `customer` query with the token, 20 simultaneous logins, and that customers
//! and used nonces survive a restart; the first also runs the drop-ins' documents and revocation,
//! and compares what Spin stored (`.spin/sqlite_key_value.db`) and the headers the component
//! sees with the in-process emulation (`Flavor::Spin`).
//!
//! Without a Spin CLI the test prints why and passes, unless `CI` is set. Every process it starts
//! is stopped by its id (its process group, and the trigger process listening on the port), also
//! when a check fails.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::*;
use customer_token_runtime::Flavor;
use customer_token_runtime::{SPIN_ROUTE, spin_trigger_request};
use customer_token_testkit::{Signal, signal_group, signal_process};
use serde_json::{Value, json};

const VALIDATE_TOKEN: &str = include_str!("dropins/VALIDATE_TOKEN.graphql");
const VALIDATE_TOKEN_WITH_GROUP: &str = include_str!("dropins/VALIDATE_TOKEN_WITH_GROUP.graphql");
const GET_CUSTOMER_DATA: &str = include_str!("dropins/GET_CUSTOMER_DATA.graphql");
const REVOKE_CUSTOMER_TOKEN: &str = include_str!("dropins/REVOKE_CUSTOMER_TOKEN.graphql");
const GET_CUSTOMER: &str = include_str!("dropins/GET_CUSTOMER.graphql");

/// The environment variable naming the Spin CLI to run instead of `../shared/tools/spin`.
const SPIN_OVERRIDE: &str = "CUSTOMER_TOKEN_SPIN";

/// The configuration, as (Spin variable name, value).
fn variables() -> Vec<(&'static str, &'static str)> {
    vec![
        ("oauth_consumer_key", CONSUMER_KEY),
        ("oauth_consumer_secret", CONSUMER_SECRET),
        ("oauth_access_token", ACCESS_TOKEN),
        ("oauth_access_token_secret", ACCESS_TOKEN_SECRET),
        ("customer_token_secret", TOKEN_SECRET),
    ]
}

fn note(message: &str) {
    // Straight to stderr, not through `eprintln!`, which the test harness captures.
    let _ = writeln!(std::io::stderr(), "real_spin: {message}");
}

/// The Spin binary, or `None` (after saying why) when the test is to be skipped.
fn spin_binary() -> Option<PathBuf> {
    let launcher = match std::env::var_os(SPIN_OVERRIDE).filter(|value| !value.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/spin"),
    };
    customer_token_testkit::tool_or_skip(if launcher.is_file() {
        Ok(())
    } else {
        Err(format!(
            "no Spin CLI at {} (set {SPIN_OVERRIDE} to one)",
            launcher.display()
        ))
    })?;
    // The shared launcher unpacks the binary and prints its path; run the binary itself, so the
    // process this test starts is Spin's own.
    let output = Command::new(&launcher)
        .arg("--path")
        .output()
        .unwrap_or_else(|e| panic!("running {} failed: {e}", launcher.display()));
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let binary = if output.status.success() && Path::new(&printed).is_file() {
        PathBuf::from(printed)
    } else {
        launcher
    };
    let version = Command::new(&binary)
        .arg("--version")
        .output()
        .expect("spin --version runs");
    note(&format!(
        "{} at {}",
        String::from_utf8_lossy(&version.stdout).trim(),
        binary.display()
    ));
    Some(binary)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// The app: a clean copy of the checkout, built by `spin build`.

/// `$CARGO_TARGET_TMPDIR/real-spin/<checkout>`: the copy (`app/`, made afresh each run) and the
/// cargo target directory its builds use (`cargo-target/`, kept, so repeated runs are fast;
/// `app/target` links to it). Named after the checkout, so two checkouts never share one.
fn work_dir() -> PathBuf {
    let mut hasher = DefaultHasher::new();
    env!("CARGO_MANIFEST_DIR").hash(&mut hasher);
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("real-spin")
        .join(format!("{:016x}", hasher.finish()))
}

/// Copies every file git would put in a fresh clone plus uncommitted changes (tracked and
/// untracked, not ignored) to `app`, keeping modification times (so cargo's fingerprints hold).
fn copy_checkout(app: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = Command::new("git")
        .current_dir(root)
        .args(["ls-files", "-z", "-co", "--exclude-standard"])
        .output()
        .expect("git runs");
    assert!(listed.status.success(), "git ls-files failed");
    for name in listed.stdout.split(|byte| *byte == 0) {
        if name.is_empty() {
            continue;
        }
        let name = std::str::from_utf8(name).expect("UTF-8 file names");
        let source = root.join(name);
        let Ok(metadata) = std::fs::metadata(&source) else {
            continue; // deleted in the work tree
        };
        let target = app.join(name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&source, &target).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&target)
            .and_then(|file| file.set_modified(metadata.modified()?))
            .unwrap();
    }
}

/// Runs `command` (in `dir`), logging to `log`; panics with the log's tail if it fails.
fn run_logged(mut command: Command, log: &Path, what: &str) {
    let file = std::fs::File::create(log).unwrap();
    command
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file);
    let started = Instant::now();
    let status = command.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    note(&format!(
        "{what}: {status} in {:.1}s",
        started.elapsed().as_secs_f64()
    ));
    if !status.success() {
        panic!("{what} failed ({status}):\n{}", tail(log));
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A fresh copy of the checkout, with `spin build` run in it.
fn prepare_app(spin: &Path) -> PathBuf {
    let work = work_dir();
    let app = work.join("app");
    let target = work.join("cargo-target");
    if app.exists() {
        std::fs::remove_dir_all(&app).unwrap();
    }
    std::fs::create_dir_all(&app).unwrap();
    std::fs::create_dir_all(&target).unwrap();
    copy_checkout(&app);
    std::os::unix::fs::symlink(&target, app.join("target")).unwrap();

    let mut build = Command::new(spin);
    build
        .current_dir(&app)
        .arg("build")
        // The manifest reads the build from `target/`, so no other target directory applies.
        .env("CARGO_TARGET_DIR", app.join("target"));
    run_logged(build, &work.join("spin-build.log"), "spin build");
    app
}

/// `cargo run -p xtask -- dist` in the copy, then a manifest without dependencies that runs
/// `dist/customer-token-spin.wasm`, in its own directory (`app/precomposed/`, with its own store).
fn prepare_precomposed(app: &Path) -> PathBuf {
    let mut dist = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    dist.current_dir(app)
        .args(["run", "-q", "-p", "xtask", "--", "dist"])
        .env("CARGO_TARGET_DIR", app.join("target"));
    let log = app.join("../xtask-dist.log");
    run_logged(dist, &log, "cargo run -p xtask -- dist");
    note(&format!(
        "xtask dist said: {}",
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains("wasm-opt") || line.contains("customer-token-spin"))
            .collect::<Vec<_>>()
            .join(" | ")
    ));

    let dir = app.join("precomposed");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        app.join("dist/customer-token-spin.wasm"),
        dir.join("customer-token-spin.wasm"),
    )
    .unwrap();
    let mut manifest: toml::Table = std::fs::read_to_string(app.join("spin.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let component = manifest["component"]["customer-token"]
        .as_table_mut()
        .unwrap();
    component
        .remove("dependencies")
        .expect("a dependency table");
    component.remove("build");
    component.insert("source".into(), "customer-token-spin.wasm".into());
    std::fs::write(dir.join("spin.toml"), manifest.to_string()).unwrap();
    dir
}

// Spin processes.

/// How `spin up` gets the configuration.
#[derive(Clone, Copy, Debug)]
enum Config {
    /// `SPIN_VARIABLE_<NAME>=value` in its environment.
    Environment,
    /// `--variable name=value` on its command line.
    Flags,
}

/// A running `spin up`: the launcher (leader of its own process group) and the trigger process
/// listening on the port. Dropping it stops both, by id.
struct SpinUp {
    launcher: Child,
    listener: Option<u32>,
    port: u16,
    log: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SpinUp {
    fn start(spin: &Path, app: &Path, config: Config, runtime_config: Option<&Path>) -> SpinUp {
        SpinUp::start_with(spin, app, config, runtime_config, &[])
    }

    /// [`SpinUp::start`] with `extra` variables besides the suite's.
    fn start_with(
        spin: &Path,
        app: &Path,
        config: Config,
        runtime_config: Option<&Path>,
        extra: &[(&'static str, &'static str)],
    ) -> SpinUp {
        use std::os::unix::process::CommandExt as _;
        let port = free_port();
        let log = app.join(format!("spin-up-{port}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(spin);
        command
            .current_dir(app)
            .args(["up", "--listen", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .process_group(0);
        if let Some(file) = runtime_config {
            command.arg("--runtime-config-file").arg(file);
        }
        for (name, value) in variables().into_iter().chain(extra.iter().copied()) {
            match config {
                Config::Environment => {
                    command.env(format!("SPIN_VARIABLE_{}", name.to_uppercase()), value);
                }
                Config::Flags => {
                    command.arg("--variable").arg(format!("{name}={value}"));
                }
            }
        }
        let launcher = command.spawn().expect("spin up starts");
        let mut spin = SpinUp {
            launcher,
            listener: None,
            port,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = spin.launcher.try_wait() {
                panic!("spin up exited ({status}):\n{}", tail(&spin.log));
            }
            if Instant::now() > deadline {
                panic!("spin up did not listen within 120s:\n{}", tail(&spin.log));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        spin.listener = listening_pid(port).filter(|pid| *pid != spin.launcher.id());
        note(&format!(
            "spin up ({config:?}) on port {port}: launcher {}, listener {:?}",
            spin.launcher.id(),
            spin.listener
        ));
        spin
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/graphql", self.port)
    }

    fn stop(self) {
        drop(self);
    }
}

impl Drop for SpinUp {
    fn drop(&mut self) {
        let group = self.launcher.id();
        // Ctrl-C first, as a user stops it; then SIGKILL whatever is left.
        signal_group(group, Signal::Interrupt);
        if let Some(pid) = self.listener {
            signal_process(pid, Signal::Interrupt);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut exited = false;
        while Instant::now() < deadline {
            let launcher_done = matches!(self.launcher.try_wait(), Ok(Some(_)));
            let listener_done = self.listener.is_none_or(|pid| !alive(pid));
            if launcher_done && listener_done {
                exited = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if !exited {
            signal_group(group, Signal::Kill);
            if let Some(pid) = self.listener.filter(|pid| alive(*pid)) {
                signal_process(pid, Signal::Kill);
            }
        }
        let _ = self.launcher.kill();
        let _ = self.launcher.wait();
        // The port is free again once the trigger is gone.
        let deadline = Instant::now() + Duration::from_secs(10);
        while listening_pid(self.port).is_some() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Whether `pid` is a live process (not gone, not a zombie).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// The process listening on 127.0.0.1:`port`, from `/proc/net/tcp` and the processes' fds.
fn listening_pid(port: u16) -> Option<u32> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let inode = table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let local = fields.get(1)?;
        let listening = fields.get(3)? == &"0A";
        let local_port = u16::from_str_radix(local.rsplit(':').next()?, 16).ok()?;
        (listening && local_port == port).then(|| fields.get(9).map(|s| s.to_string()))?
    })?;
    let wanted = format!("socket:[{inode}]");
    for process in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = process.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path()).is_ok_and(|link| link.to_string_lossy() == wanted) {
                return Some(pid);
            }
        }
    }
    None
}

// Requests.

/// One reply: status, headers (lower-case names) and the JSON body.
struct Reply {
    status: u16,
    headers: Value,
    body: Value,
}

impl Reply {
    fn from(value: &Value) -> Reply {
        Reply {
            status: value["status"].as_u64().expect("a status") as u16,
            headers: value["headers"].clone(),
            body: value["body"].clone(),
        }
    }

    fn token(&self) -> String {
        self.body["data"]["exchangeExternalCustomerToken"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {}", self.body))
            .to_owned()
    }

    fn uid(&self) -> i64 {
        let (_, payload) = jwt_parts(&self.token());
        serde_json::from_str::<Value>(&payload).unwrap()["uid"]
            .as_i64()
            .unwrap()
    }

    fn oauth_problem(&self) -> &Value {
        assert_eq!(self.status, 403, "{}", self.body);
        let error = &self.body["errors"][0];
        assert_eq!(
            error["message"],
            "You do not have permission to access this resource."
        );
        &error["extensions"]["oauth_problem"]
    }
}

/// The oauthlib client for `url` with `args`, run once.
fn call(url: &str, args: &[&str]) -> Reply {
    let mut command = oauthlib_client(url);
    command.args(args);
    Reply::from(&run_client(command))
}

/// `query`, signed by oauthlib.
fn signed(url: &str, query: &str) -> Reply {
    call(url, &["--query", query])
}

/// The seed's mutation (`tests/interop/seed.graphql`), signed by oauthlib with `extra` arguments.
fn seed(url: &str, extra: &[&str]) -> Reply {
    let file = seed_query_file();
    let mut args = vec!["--query-file", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    call(url, &args)
}

/// `document` as the drop-ins send it: POST as is, or GET minified in the URL, with their
/// headers and the Bearer token.
fn as_dropin(url: &str, method: &str, document: &str, token: &str) -> Reply {
    let bearer = format!("Bearer {token}");
    let query = match method {
        "GET" => minify(document),
        _ => document.to_owned(),
    };
    call(
        url,
        &[
            "--http-method",
            method,
            "--query",
            &query,
            "--authorization",
            &bearer,
            "--header",
            "Accept: application/json",
            "--header",
            "Store: default",
        ],
    )
}

fn error_message(reply: &Reply) -> &Value {
    let errors = reply.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {}", reply.body));
    assert_eq!(errors.len(), 1, "{}", reply.body);
    &errors[0]["message"]
}

// The suite.

/// What a run leaves for the restart: the customer and a request that was accepted before it.
struct BeforeRestart {
    uid: i64,
    nonce: String,
    timestamp: String,
    revoked: Option<String>,
}

/// The seed's mutation, a repeat login, replay and tamper refusals, the seed's errors, the
/// `customer` query, (`full`: the drop-ins and revocation), and 20 simultaneous logins.
fn before_restart(url: &str, label: &str, full: bool) -> BeforeRestart {
    let reply = seed(url, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.headers["content-type"], "application/json",
        "{}",
        reply.headers
    );
    assert_eq!(
        reply.body["data"]["exchangeExternalCustomerToken"]["customer"],
        json!({"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost", "is_subscribed": false})
    );
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let token = reply.token();
    let (header, payload) = jwt_parts(&token);
    assert_eq!(header, r#"{"kid":"1","alg":"HS256"}"#);
    let payload: Value = serde_json::from_str(&payload).unwrap();
    let keys: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["uid", "utypid", "iat", "exp"], "{payload}");
    assert_eq!(payload["utypid"], 3);
    let iat = payload["iat"].as_i64().unwrap();
    assert_eq!(payload["exp"].as_i64().unwrap() - iat, 3600);
    assert!((iat - unix_now()).abs() < 120, "iat {iat} is now");
    let uid = reply.uid();

    assert_eq!(seed(url, &["--method", "HMAC-SHA1"]).uid(), uid, "repeat");

    // A replay: the same nonce and timestamp, so the same signature.
    let nonce = format!("real-spin-{label}-{}", unix_now());
    let timestamp = unix_now().to_string();
    let fixed = ["--nonce", nonce.as_str(), "--timestamp", timestamp.as_str()];
    let first = seed(url, &fixed);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.uid(), uid);
    assert_eq!(seed(url, &fixed).oauth_problem(), "nonce_used");

    assert_eq!(
        seed(url, &["--tamper", "signature"]).oauth_problem(),
        "signature_invalid"
    );
    let with_query = format!("{url}?store=1");
    assert_eq!(
        seed(&with_query, &["--tamper", "query"]).oauth_problem(),
        "signature_invalid"
    );
    // The query string is signed: untampered, it is accepted.
    assert_eq!(seed(&with_query, &[]).uid(), uid);

    // The seed's errors, each with its message.
    let customer = |fields: &str| {
        format!(
            "mutation {{ exchangeExternalCustomerToken(input: {{customer: {{{fields}}}}}) {{ token }} }}"
        )
    };
    for (field, fields) in [
        ("email", r#"firstname: "Roni", lastname: "Cost""#),
        (
            "firstname",
            r#"lastname: "Cost", email: "roni_cost@example.com""#,
        ),
        (
            "lastname",
            r#"firstname: "Roni", email: "roni_cost@example.com""#,
        ),
    ] {
        let reply = signed(url, &customer(fields));
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            error_message(&reply),
            &format!(
                "Field CustomerCreateInput.{field} of required type String! was not provided."
            )
        );
        assert!(reply.body.get("data").is_none(), "{}", reply.body);
    }
    let reply = signed(
        url,
        &customer(r#"firstname: "R", lastname: "C", email: "r@example.com", xyz: "1""#),
    );
    assert_eq!(
        error_message(&reply),
        "Field \"xyz\" is not defined by type CustomerCreateInput."
    );
    let reply = signed(
        url,
        &customer(r#"email: "not-an-email", firstname: "Roni", lastname: "Cost""#),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        error_message(&reply),
        "\"not-an-email\" is not a valid email address."
    );
    assert_eq!(
        reply.body["data"],
        json!({"exchangeExternalCustomerToken": null})
    );

    // The `customer` query with the token.
    let bearer = format!("Bearer {token}");
    let reply = call(
        url,
        &[
            "--query",
            "{ customer { email firstname lastname } }",
            "--authorization",
            &bearer,
        ],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost"}}})
    );

    let revoked = full.then(|| dropins(url));

    // 20 simultaneous logins for one new email: one customer.
    let concurrent = format!(
        "mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: \"Con\", lastname: \"Current\", email: \"concurrent-{label}@example.com\"}}}}) {{ token }} }}"
    );
    let replies = run_client({
        let mut command = oauthlib_client(url);
        command.args(["--query", &concurrent, "--count", "20"]);
        command
    });
    let replies: Vec<Reply> = replies
        .as_array()
        .unwrap()
        .iter()
        .map(Reply::from)
        .collect();
    assert_eq!(replies.len(), 20);
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let uids: std::collections::BTreeSet<i64> = replies.iter().map(Reply::uid).collect();
    assert_eq!(
        uids.len(),
        1,
        "20 simultaneous logins, one customer: {uids:?}"
    );
    assert!(!uids.contains(&uid));

    BeforeRestart {
        uid,
        nonce,
        timestamp,
        revoked,
    }
}

/// The drop-ins' documents for a customer with attributes, then revocation; returns the revoked
/// token.
fn dropins(url: &str) -> String {
    let login = r#"mutation {
  exchangeExternalCustomerToken(input: {customer: {
    firstname: "Shopper", lastname: "Drop", email: "shopper@example.com", date_of_birth: "1990-01-31",
    custom_attributes: [
      {attribute_code: "loyalty_tier", value: "gold"},
      {attribute_code: "interests", selected_options: [{value: "12"}, {value: "14"}]}
    ]
  }}) { customer { id } token }
}"#;
    let reply = signed(url, login);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let token = reply.token();

    let reply = as_dropin(url, "POST", VALIDATE_TOKEN, &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"firstname": "Shopper"}}})
    );
    let reply = as_dropin(url, "POST", VALIDATE_TOKEN_WITH_GROUP, &token);
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"firstname": "Shopper", "group": {"uid": "MQ=="}}}})
    );
    let reply = as_dropin(url, "GET", GET_CUSTOMER_DATA, &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {
            "__typename": "Customer", "firstname": "Shopper", "lastname": "Drop",
            "email": "shopper@example.com", "allow_remote_shopping_assistance": false,
            "group": {"uid": "MQ=="}
        }}})
    );
    let reply = as_dropin(url, "GET", GET_CUSTOMER, &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut customer = reply.body["data"]["customer"].clone();
    let created_at = customer["created_at"].take();
    let created_at = created_at.as_str().expect("created_at");
    assert!(
        created_at.len() == 19 && created_at.as_bytes()[10] == b' ',
        "Magento's `Y-m-d H:i:s`: {created_at}"
    );
    assert_eq!(
        json!({"data": {"customer": customer}}).to_string(),
        json!({"data": {"customer": {
            "date_of_birth": "1990-01-31", "email": "shopper@example.com", "firstname": "Shopper",
            "gender": null, "lastname": "Drop", "middlename": null, "prefix": null, "suffix": null,
            "created_at": null, "allow_remote_shopping_assistance": false,
            "custom_attributes": [
                {"code": "loyalty_tier", "value": "gold"},
                {"code": "interests", "selected_options": [{"value": "12"}, {"value": "14"}]}
            ]
        }}})
        .to_string()
    );

    let reply = as_dropin(url, "POST", REVOKE_CUSTOMER_TOKEN, &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"data": {"revokeCustomerToken": {"result": true}}})
    );
    assert_revoked(url, &token);
    token
}

fn assert_revoked(url: &str, token: &str) {
    let reply = as_dropin(url, "POST", VALIDATE_TOKEN, token);
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"errors": [{"message": "User token has been revoked", "extensions": {"category": "graphql-authentication"}}]})
    );
}

/// After the restart: the same customer, the used nonce still refused, the revoked token still
/// revoked.
fn after_restart(url: &str, before: &BeforeRestart) {
    let reply = seed(url, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.uid(), before.uid, "the customer survived the restart");
    let replay = seed(
        url,
        &["--nonce", &before.nonce, "--timestamp", &before.timestamp],
    );
    assert_eq!(replay.oauth_problem(), "nonce_used", "after the restart");
    if let Some(token) = &before.revoked {
        assert_revoked(url, token);
    }
}

/// Spin up with `SPIN_VARIABLE_*`, the suite, stop, Spin up on the same directory with
/// `--variable`, the checks of persistence.
fn suite(spin: &Path, app: &Path, label: &str, full: bool, runtime_config: Option<&Path>) {
    let started = Instant::now();
    let up = SpinUp::start(spin, app, Config::Environment, runtime_config);
    let before = before_restart(&up.url(), label, full);
    up.stop();
    let up = SpinUp::start(spin, app, Config::Flags, runtime_config);
    after_restart(&up.url(), &before);
    up.stop();
    if full {
        compare_store(app);
    }
    note(&format!(
        "{label}: passed in {:.1}s",
        started.elapsed().as_secs_f64()
    ));
}

/// The suite on Spin with its default store on Redis (a runtime-config file), then the native host
/// on the same Redis database (`RedisStore`, what `--store redis://...` opens), as
/// [`shared_with_the_native_host`] checks. Spin's counters there are Redis integers, as the host
/// keeps them.
fn on_redis(spin: &Path, app: &Path) {
    use customer_token_runtime::{KeyValue, RedisStore};
    use customer_token_testkit::RedisServer;
    let Some(redis) = RedisServer::start_or_skip("real-spin") else {
        return;
    };
    let config = app.join("runtime-config-redis.toml");
    std::fs::write(
        &config,
        format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"{}\"\n",
            redis.url()
        ),
    )
    .unwrap();
    suite(spin, app, "redis", false, Some(&config));
    let backend = Arc::new(RedisStore::connect(&redis.url()).unwrap());
    let counter = backend.get("customer-next-id").unwrap().expect("a counter");
    assert!(
        !counter.is_empty() && counter.iter().all(u8::is_ascii_digit),
        "Spin's counter on Redis is decimal text (INCRBY), not {counter:?}"
    );
    shared_with_the_native_host(spin, app, backend.clone(), Some(&config), "redis");
    linked_with_the_native_host(spin, app, backend, &config);
}

/// With `customer_link_attribute` set on Spin and on the native host, on one Redis: a subject's
/// first login through Spin is its customer at the host whatever email it brings, and another
/// subject with that email is refused at the host.
fn linked_with_the_native_host(
    spin: &Path,
    app: &Path,
    backend: customer_token_runtime::Store,
    runtime_config: &Path,
) {
    let native = customer_token_runtime::Runtime::builder()
        .component(customer_token_testkit::components::product(Flavor::Bare))
        .backend(backend)
        .secrets(secrets().with("customer_link_attribute", "social_id"))
        .build()
        .unwrap();
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let document = |email: &str, subject: &str| {
        format!(
            r#"mutation {{ exchangeExternalCustomerToken(input: {{ customer: {{ email: "{email}", firstname: "N", lastname: "H", custom_attributes: [{{ attribute_code: "social_id", value: "{subject}" }}] }} }}) {{ customer {{ email }} token }} }}"#
        )
    };
    let native_login = |email: &str, subject: &str| -> (u16, Value) {
        let request = customer_token_host::sign::signed_post(
            URL,
            customer_token_host::sign::graphql_body(&document(email, subject), None),
            &credentials(),
            customer_token_host::sign::SignatureMethod::HmacSha256,
            unix_now(),
            &customer_token_host::sign::fresh_nonce().unwrap(),
        )
        .unwrap();
        let response = tokio.block_on(native.handle(request)).unwrap();
        let body: Value = serde_json::from_slice(response.body()).unwrap();
        (response.status().as_u16(), body)
    };
    let up = SpinUp::start_with(
        spin,
        app,
        Config::Environment,
        Some(runtime_config),
        &[("customer_link_attribute", "social_id")],
    );
    let through_spin = signed(&up.url(), &document("linked@example.com", "google:77"));
    assert_eq!(through_spin.status, 200, "{}", through_spin.body);
    up.stop();
    let (status, body) = native_login("linked.again@example.com", "google:77");
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {body}"));
    let (_, claims) = jwt_parts(token);
    let uid = serde_json::from_str::<Value>(&claims).unwrap()["uid"].as_i64();
    assert_eq!(uid, Some(through_spin.uid()));
    let (status, body) = native_login("linked@example.com", "apple:78");
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "The account with this email is linked to another sign-in."
    );
}

/// The native host on the very file Spin's default store writes (`.spin/sqlite_key_value.db`,
/// opened with `SqliteStore`, what `--data .spin` opens), after the dependency suite ran on it.
fn on_spins_sqlite_file(spin: &Path, app: &Path) {
    use customer_token_runtime::SqliteStore;
    let file = app.join(".spin").join("sqlite_key_value.db");
    let backend = Arc::new(SqliteStore::open_file(&file).unwrap());
    shared_with_the_native_host(spin, app, backend, None, "sqlite");
}

/// Spin and the native host on one store: a customer created through Spin is found by the host,
/// one the host created is found through Spin, and a token the host issued is accepted by Spin.
/// `label` keeps the emails apart between stores.
fn shared_with_the_native_host(
    spin: &Path,
    app: &Path,
    backend: customer_token_runtime::Store,
    runtime_config: Option<&Path>,
    label: &str,
) {
    let native = customer_token_runtime::Runtime::builder()
        .component(customer_token_testkit::components::product(Flavor::Bare))
        .backend(backend)
        .secrets(secrets())
        .build()
        .unwrap();
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let login_document = |email: &str| {
        format!(
            r#"mutation {{ exchangeExternalCustomerToken(input: {{ customer: {{ email: "{email}", firstname: "N", lastname: "H" }} }}) {{ customer {{ email }} token }} }}"#
        )
    };
    let native_login = |email: &str| -> Value {
        let request = customer_token_host::sign::signed_post(
            URL,
            customer_token_host::sign::graphql_body(&login_document(email), None),
            &credentials(),
            customer_token_host::sign::SignatureMethod::HmacSha256,
            unix_now(),
            &customer_token_host::sign::fresh_nonce().unwrap(),
        )
        .unwrap();
        let response = tokio.block_on(native.handle(request)).unwrap();
        let body: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(response.status(), 200, "{body}");
        body
    };
    let token_of = |body: &Value| -> String {
        body["data"]["exchangeExternalCustomerToken"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {body}"))
            .to_string()
    };
    let uid = |body: &Value| -> i64 {
        let (_, payload) = jwt_parts(&token_of(body));
        serde_json::from_str::<Value>(&payload).unwrap()["uid"]
            .as_i64()
            .unwrap()
    };

    // Created through Spin (with Spin stopped, the store is the host's alone)...
    let up = SpinUp::start(spin, app, Config::Environment, runtime_config);
    let spin_first = format!("spin-first-{label}@example.com");
    let through_spin = signed(&up.url(), &login_document(&spin_first));
    assert_eq!(through_spin.status, 200, "{}", through_spin.body);
    up.stop();
    // ...found by the native host; and one the host creates...
    assert_eq!(uid(&native_login(&spin_first)), through_spin.uid());
    let native_first = format!("native-first-{label}@example.com");
    let created_natively = native_login(&native_first);
    assert_ne!(uid(&created_natively), through_spin.uid());
    // ...is found through Spin, which accepts the host's token too.
    let up = SpinUp::start(spin, app, Config::Environment, runtime_config);
    let found = signed(&up.url(), &login_document(&native_first));
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.uid(), uid(&created_natively));
    let reply = as_dropin(
        &up.url(),
        "POST",
        "{ customer { email } }",
        &token_of(&created_natively),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["data"]["customer"]["email"],
        native_first.as_str()
    );
    up.stop();
}

/// What Spin hands a component, seen by `examples/probe` (which echoes its request), against
/// the emulation's [`spin_trigger_request`]; and the consequence for the product: a GET whose
/// URL exceeds the header budget is refused on Spin (its `spin-full-url` header repeats the
/// URL), on the real one and in the emulation alike.
fn request_as_seen(spin: &Path, app: &Path) {
    let mut build = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    build
        .current_dir(app)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            "request-probe",
        ])
        .env("CARGO_TARGET_DIR", app.join("target"));
    run_logged(
        build,
        &app.join("../probe-build.log"),
        "cargo build -p request-probe",
    );
    let dir = app.join("probe");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        app.join("target/wasm32-wasip2/release/request_probe.wasm"),
        dir.join("request_probe.wasm"),
    )
    .unwrap();
    std::fs::write(
        dir.join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n\n[application]\nname = \"request-probe\"\n\n\
             [[trigger.http]]\nroute = \"{SPIN_ROUTE}\"\ncomponent = \"probe\"\n\n\
             [component.probe]\nsource = \"request_probe.wasm\"\n"
        ),
    )
    .unwrap();

    let up = SpinUp::start(spin, &dir, Config::Environment, None);
    let url = format!("{}?store=1", up.url());
    let seen = call(
        &url,
        &[
            "--query",
            "{ __typename }",
            "--unsigned",
            "--header",
            "Store: default",
        ],
    )
    .body;
    note(&format!("the probe on Spin saw: {seen}"));
    let other = call(
        &format!("http://127.0.0.1:{}/other", up.port),
        &["--query", "{ __typename }", "--unsigned"],
    );
    note(&format!("Spin answered /other itself: {}", other.status));
    let port = up.port;
    up.stop();

    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["scheme"], "http");
    assert_eq!(seen["authority"], format!("127.0.0.1:{port}"));
    assert_eq!(seen["path_with_query"], "/graphql?store=1");
    let seen_headers: Vec<(String, String)> = seen["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                pair[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // What the client sent: every header that is not Spin's, and urllib's `Connection: close`.
    let mut sent = http::Request::builder().method("POST").uri(&url);
    for (name, value) in seen_headers
        .iter()
        .filter(|(name, _)| !name.starts_with("spin-"))
    {
        sent = sent.header(name, value);
    }
    let sent = sent
        .header("connection", "close")
        .body(bytes::Bytes::new())
        .unwrap();
    let client_addr = seen_headers
        .iter()
        .find(|(name, _)| name == "spin-client-addr")
        .and_then(|(_, value)| value.parse().ok());
    let emulated = spin_trigger_request(sent, client_addr);
    // wasmtime's `wasi:http` drops `host` on both; Spin's order is its hash map's.
    let mut emulated: Vec<(String, String)> = emulated
        .headers()
        .iter()
        .filter(|(name, _)| *name != http::header::HOST)
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    let mut seen_headers = seen_headers;
    emulated.sort();
    seen_headers.sort();
    assert_eq!(emulated, seen_headers, "the emulation's headers are Spin's");
    assert_eq!(
        other.status, 404,
        "Spin routes only {SPIN_ROUTE} to the component"
    );

    // A GET whose URL is longer than the 16 KiB header budget, though within the 32 KiB
    // query-string limit.
    let padded = format!("{}?pad={}", "/graphql", "x".repeat(20_000));
    let up = SpinUp::start(spin, app, Config::Environment, None);
    let real = call(
        &format!("http://127.0.0.1:{}{padded}", up.port),
        &[
            "--http-method",
            "GET",
            "--query",
            "{ __typename }",
            "--unsigned",
        ],
    );
    up.stop();
    let in_process = |flavor: Flavor| {
        let fixture = Fixture::on(flavor);
        let url = format!("http://localhost:3000{padded}&query=%7B+__typename+%7D");
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(fixture.send_with_headers("GET", &url, &[], Vec::new()))
            .status
    };
    assert_eq!(real.status, 431, "{}", real.body);
    assert_eq!(
        in_process(Flavor::Spin),
        431,
        "the emulation refuses it too"
    );
    assert_eq!(
        in_process(Flavor::Bare),
        200,
        "without Spin's headers it fits"
    );
}

/// What Spin's SQLite store holds after the full suite (three customers, one revocation),
/// against what the emulation stores for the same: the same kinds of keys, and counters as Spin
/// keeps them (8 bytes little-endian).
fn compare_store(app: &Path) {
    let dump = Command::new("python3")
        .arg("-c")
        .arg(
            "import json, sqlite3, sys\n\
             db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n\
             rows = db.execute(\"select key, hex(value) from spin_key_value where store = 'default'\")\n\
             print(json.dumps(dict(rows.fetchall())))",
        )
        .arg(app.join(".spin/sqlite_key_value.db"))
        .output()
        .expect("python3 runs");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let real: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&dump.stdout).unwrap();
    let counter = |n: u64| {
        n.to_le_bytes()
            .iter()
            .map(|byte| format!("{byte:02X}"))
            .collect::<String>()
    };
    assert_eq!(real["customer-next-id"], counter(3), "three customers");
    let nonces = real
        .keys()
        .filter(|k| k.starts_with("oauth-nonce:"))
        .count() as u64;
    for (key, value) in &real {
        // A counter: 1 for the accepted use, one more for each refused replay.
        if key.starts_with("oauth-nonce:") {
            assert_eq!(value.len(), 16, "{key}: {value}");
            assert!(
                value.starts_with("0") && value.ends_with(&"0".repeat(14)),
                "{key}: {value}"
            );
        }
    }
    let counted: u64 = real
        .iter()
        .filter(|(key, _)| key.starts_with("oauth-nonce-count:"))
        .map(|(_, value)| u64::from_str_radix(&value[..2], 16).unwrap())
        .sum();
    assert_eq!(counted, nonces, "the nonce counts add up");

    // The emulation, after three customers' logins and a revocation.
    let fixture = Fixture::on(Flavor::Spin);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut token = String::new();
        for email in ["a@example.com", "b@example.com", "c@example.com"] {
            let reply = fixture
                .post_signed(&format!(
                    "mutation {{ exchangeExternalCustomerToken(input: {{customer: {{firstname: \"A\", lastname: \"B\", email: \"{email}\"}}}}) {{ token }} }}"
                ))
                .await;
            token = reply.body["data"]["exchangeExternalCustomerToken"]["token"]
                .as_str()
                .unwrap()
                .to_owned();
        }
        let reply = fixture
            .post(REVOKE_CUSTOMER_TOKEN, Some(&format!("Bearer {token}")))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    });
    let emulated: std::collections::BTreeMap<String, Vec<u8>> = fixture
        .memory
        .keys()
        .into_iter()
        .map(|key| {
            let value = customer_token_runtime::KeyValue::get(&*fixture.memory, &key)
                .unwrap()
                .unwrap();
            (key, value)
        })
        .collect();
    let kinds = |keys: Vec<&String>| {
        keys.into_iter()
            .map(|key| key.split(':').next().unwrap().to_owned())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(
        kinds(emulated.keys().collect()),
        kinds(real.keys().collect()),
        "the same kinds of keys"
    );
    assert_eq!(emulated["customer-next-id"], 3u64.to_le_bytes());
    note(&format!(
        "Spin's store: {} keys of kinds {:?}; customer-next-id {}",
        real.len(),
        kinds(real.keys().collect()),
        real["customer-next-id"]
    ));
}

/// Runs `check`, recording its failure instead of stopping the other checks.
fn check(failures: &mut Vec<String>, name: &str, check: impl FnOnce()) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(check)) {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        failures.push(format!("{name}: {message}"));
    }
}

#[test]
fn the_product_on_a_real_spin() {
    let Some(spin) = spin_binary() else {
        return;
    };
    // The requests are signed by oauthlib, which runs in the interop test's virtual environment.
    if interop_python().is_none() {
        note("skipping: no python3 for the oauthlib client");
        return;
    }
    let started = Instant::now();
    let app = prepare_app(&spin);
    let mut failures = Vec::new();
    check(&mut failures, "spin build, component dependency", || {
        suite(&spin, &app, "dependency", true, None)
    });
    check(
        &mut failures,
        "pre-composed dist/customer-token-spin.wasm",
        || {
            let dir = prepare_precomposed(&app);
            suite(&spin, &dir, "precomposed", false, None)
        },
    );
    check(
        &mut failures,
        "the native host on Spin's SQLite file",
        || on_spins_sqlite_file(&spin, &app),
    );
    check(&mut failures, "Spin with a Redis key-value store", || {
        on_redis(&spin, &app)
    });
    check(
        &mut failures,
        "what the component sees on Spin and in the emulation",
        || request_as_seen(&spin, &app),
    );
    note(&format!("took {:.1}s", started.elapsed().as_secs_f64()));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

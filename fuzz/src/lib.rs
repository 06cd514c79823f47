//! What the fuzz targets share: a complete, valid configuration, a clock that never moves, the
//! checks every HTTP response must pass, and a worker thread with a wasm32-sized stack.
//!
//! Every input runs against fresh in-memory ports and the fixed clock, so a run is
//! deterministic and a signature computed for `NOW` stays valid in the committed corpus.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, OnceLock};

use customer_token::http::{Request, Response};
use customer_token::memory::{MemorySecrets, MemoryStore};
use customer_token::oauth::{Credentials, SignatureMethod, authorization_header};
use customer_token::ports::Clock;
use customer_token::service::Ports;
use serde_json::Value;

pub const CONSUMER_KEY: &str = "ck-3f9a0c1e5b7d";
pub const CONSUMER_SECRET: &str = "cs-secret-7e1d9b3a5c";
pub const ACCESS_TOKEN: &str = "at-8c2e4a6b0d1f";
pub const ACCESS_TOKEN_SECRET: &str = "ats-secret-2b4d6f8a0c";
pub const TOKEN_SECRET: &str = "customer-token-secret-0123456789abcdef";
pub const LIFETIME_MINUTES: &str = "60";
pub const PUBLIC_BASE_URL: &str = "http://localhost:3000";
/// The request's own scheme and authority (what the host reports); the base string uses
/// `PUBLIC_BASE_URL` instead, as configured.
pub const SCHEME: &str = "http";
pub const AUTHORITY: &str = "localhost:3000";
/// The fixed time of every run (the interop suite's start).
pub const NOW: i64 = 1_748_499_421;

/// What the component gets: its shadow stack is 256 KiB (the workspace's build.rs). Every
/// request runs on a thread this size, so a recursion that fits only in a native 8 MiB main
/// stack is found too. `FUZZ_STACK_KB` overrides it, to tell a deep recursion from an endless
/// one.
pub const STACK_BYTES: usize = 256 * 1024;

fn stack_bytes() -> usize {
    std::env::var("FUZZ_STACK_KB")
        .ok()
        .and_then(|kb| kb.parse::<usize>().ok())
        .map_or(STACK_BYTES, |kb| kb * 1024)
}

/// Every HTTP status `handle` may answer with.
pub const STATUSES: [u16; 10] = [200, 204, 400, 401, 403, 404, 405, 413, 415, 500];

pub struct FixedClock;

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        NOW
    }

    fn pause(&self, _millis: u64) {}
}

pub fn credentials() -> Credentials {
    Credentials {
        consumer_key: CONSUMER_KEY.into(),
        consumer_secret: CONSUMER_SECRET.into(),
        token: ACCESS_TOKEN.into(),
        token_secret: ACCESS_TOKEN_SECRET.into(),
    }
}

/// Every key of `config::KEYS`, valid.
pub fn secrets() -> MemorySecrets {
    use customer_token::config as key;
    let pairs = [
        (key::OAUTH_CONSUMER_KEY, CONSUMER_KEY),
        (key::OAUTH_CONSUMER_SECRET, CONSUMER_SECRET),
        (key::OAUTH_ACCESS_TOKEN, ACCESS_TOKEN),
        (key::OAUTH_ACCESS_TOKEN_SECRET, ACCESS_TOKEN_SECRET),
        (key::CUSTOMER_TOKEN_SECRET, TOKEN_SECRET),
        (key::CUSTOMER_TOKEN_LIFETIME_MINUTES, LIFETIME_MINUTES),
        (key::PUBLIC_BASE_URL, PUBLIC_BASE_URL),
        (key::CUSTOMER_GROUP_ID, "1"),
        (key::CUSTOMER_PROFILE_ON_LOGIN, "keep"),
        (key::CORS_ALLOWED_ORIGINS, "https://shop.example.com"),
        (key::OAUTH_REQUIRE_BODY_HASH, "false"),
        // Empty is "not configured": customers are found by email.
        (key::CUSTOMER_LINK_ATTRIBUTE, ""),
    ];
    assert!(
        key::KEYS
            .iter()
            .all(|key| pairs.iter().any(|(name, _)| *name == key.name)),
        "every configuration key is set"
    );
    MemorySecrets(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<HashMap<_, _>>(),
    )
}

/// One host: a store that lives as long as the value, the configuration, the clock.
pub struct Host {
    pub store: MemoryStore,
    pub secrets: MemorySecrets,
    pub clock: FixedClock,
}

impl Default for Host {
    fn default() -> Self {
        Host {
            store: MemoryStore::default(),
            secrets: secrets(),
            clock: FixedClock,
        }
    }
}

impl Host {
    pub fn ports(&self) -> Ports<'_> {
        Ports {
            store: &self.store,
            secrets: &self.secrets,
            clock: &self.clock,
        }
    }

    /// Runs the request and checks what every response must be; returns the parsed body.
    pub fn handle(&self, request: &Request) -> (u16, Value) {
        let response = customer_token::http::handle(request, self.ports());
        let body = check_response(&response);
        if tracing() {
            eprintln!(
                "fuzz: {} {} -> {} {body}",
                request.method, request.path, response.status
            );
        }
        (response.status, body)
    }
}

/// `FUZZ_TRACE=1` prints every request's status and body (to see what a corpus file reaches:
/// `FUZZ_TRACE=1 cargo +nightly fuzz run request fuzz/corpus/request/seed_signed`).
pub fn tracing() -> bool {
    static TRACE: OnceLock<bool> = OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("FUZZ_TRACE").is_some_and(|v| v != "0"))
}

/// The invariants of every response: a known status, JSON content type, a JSON object body
/// with `data` or a non-empty `errors` list (a preflight's 204: no body at all).
pub fn check_response(response: &Response) -> Value {
    assert!(
        STATUSES.contains(&response.status),
        "unexpected status {}",
        response.status
    );
    if response.status == 204 {
        // A CORS preflight (OPTIONS): Magento answers it with no body.
        assert!(response.body.is_empty(), "a 204 with a body");
        return Value::Null;
    }
    assert!(
        response
            .headers
            .iter()
            .any(|(name, value)| *name == "content-type" && value == "application/json"),
        "no JSON content type: {:?}",
        response.headers
    );
    let body: Value = serde_json::from_slice(&response.body).unwrap_or_else(|error| {
        panic!(
            "body is not JSON ({error}): {}",
            String::from_utf8_lossy(&response.body)
        )
    });
    let object = body.as_object().expect("the body is a JSON object");
    let has_errors = object
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|errors| !errors.is_empty());
    assert!(
        has_errors || object.contains_key("data"),
        "neither data nor errors: {body}"
    );
    if response.status != 200 {
        assert!(
            has_errors,
            "status {} without errors: {body}",
            response.status
        );
    }
    if let Some(errors) = object.get("errors").and_then(Value::as_array) {
        for error in errors {
            assert!(
                error.get("message").is_some_and(Value::is_string),
                "an error without a message: {body}"
            );
        }
    }
    body
}

/// The `Authorization` header our signer gives a request to `PUBLIC_BASE_URL` + `target`.
pub fn sign(
    method: &str,
    target: &str,
    form: &[(String, String)],
    signature_method: SignatureMethod,
    timestamp: i64,
    nonce: &str,
) -> Option<String> {
    let url = format!("{PUBLIC_BASE_URL}{target}");
    authorization_header(
        method,
        &url,
        form,
        &credentials(),
        signature_method,
        timestamp,
        nonce,
    )
    .ok()
}

/// Whether any error of the body carries an `oauth_problem` extension.
pub fn oauth_problem(body: &Value) -> Option<String> {
    body.get("errors")?
        .as_array()?
        .iter()
        .find_map(|error| error["extensions"]["oauth_problem"].as_str())
        .map(str::to_owned)
}

type Job = Box<dyn FnOnce() + Send>;

struct Worker {
    jobs: Sender<Job>,
    done: Receiver<()>,
}

/// Runs `job` on a long-lived thread with a `STACK_BYTES` stack and waits for it. A panic or a
/// stack overflow there aborts the process, which libFuzzer reports as a crash.
pub fn on_small_stack(job: impl FnOnce() + Send + 'static) {
    static WORKER: OnceLock<Mutex<Worker>> = OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (jobs, job_rx) = channel::<Job>();
        let (done_tx, done) = channel();
        std::thread::Builder::new()
            .name("small-stack".into())
            .stack_size(stack_bytes())
            .spawn(move || {
                for job in job_rx {
                    job();
                    if done_tx.send(()).is_err() {
                        break;
                    }
                }
            })
            .expect("the worker thread starts");
        Mutex::new(Worker { jobs, done })
    });
    let worker = worker.lock().unwrap_or_else(|p| p.into_inner());
    worker
        .jobs
        .send(Box::new(job))
        .expect("the worker is alive");
    worker.done.recv().expect("the worker finished the job");
}

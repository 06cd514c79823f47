//! The end-to-end fixture every suite shares: the built component in-process (wasmtime, a fresh
//! instance per request) under a chosen host flavor, with an in-memory store behind a fault
//! injector, a clock the test moves, the suite's credentials and signed requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use customer_token::oauth::{Credentials, SignatureMethod, authorization_header};
use customer_token_runtime::{
    Call, CallPhase, Faulty, FaultyStore, Flavor, MemoryStore, Runtime, SecretMap, Store,
};
use serde_json::{Value, json};

use crate::clock::TestClock;
use crate::components;

pub const CONSUMER_KEY: &str = "ck-3f9a0c1e5b7d";
pub const CONSUMER_SECRET: &str = "cs-secret-7e1d9b3a5c";
pub const ACCESS_TOKEN: &str = "at-8c2e4a6b0d1f";
pub const ACCESS_TOKEN_SECRET: &str = "ats-secret-2b4d6f8a0c";
pub const TOKEN_SECRET: &str = "customer-token-secret-0123456789abcdef";
/// The body of `{ __typename }`, the request that needs nothing: no signature, no store.
pub const TYPENAME_BODY: &str = r#"{"query":"{__typename}"}"#;

/// `POST url` with `{ __typename }`.
///
/// # Panics
/// If `url` is not a valid URI (this is for tests).
pub fn typename_request(url: &str) -> http::Request<Bytes> {
    http::Request::post(url)
        .header("content-type", "application/json")
        .body(Bytes::from_static(TYPENAME_BODY.as_bytes()))
        .expect("a valid request")
}

/// `body` as JSON.
///
/// # Panics
/// If it is not JSON, showing it.
pub fn json_body(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// The seed token's `iat`: the clock starts there.
pub const START: u64 = 1_748_499_421;
pub const URL: &str = "http://localhost:3000/graphql";

/// The contract's reference request (§10).
pub const SEED_MUTATION: &str = include_str!("../../tests/interop/seed.graphql");

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

impl Default for Fixture {
    fn default() -> Fixture {
        Fixture::new()
    }
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
            .component(components::product(host))
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

/// A typed-interface input for Roni Cost at `email` with every optional field unset (change a
/// field with `CustomerInput { .., ..this }`). Read from JSON, so that a field the product adds
/// later, unset here, needs no change to the tests.
pub fn customer_input(email: &str) -> customer_token_runtime::exchange::CustomerInput {
    serde_json::from_value(json!({
        "firstname": "Roni",
        "lastname": "Cost",
        "email": email,
        "custom_attributes": [],
    }))
    .expect("the input's required fields are given")
}

/// The deepest documents a nesting guard of `max_nesting` levels admits, one for each
/// construct a recursive pass descends (selection sets, list and object values, list types,
/// inline fragments), and the deepest introspection query the depth limit (15) executes. Each
/// is answered 200: a pass that recursed past its stack would trap instead.
pub fn deepest_documents(max_nesting: usize) -> Vec<String> {
    let deepest = max_nesting;
    vec![
        // Selection sets: 63 levels inside the operation's own braces.
        format!("{}{}", "{ customer ".repeat(deepest), "}".repeat(deepest)),
        // Lists and objects in an argument, reported with their printed value.
        format!(
            "{{ __type(name: {}1{}) {{ name }} }}",
            "[".repeat(deepest - 2),
            "]".repeat(deepest - 2)
        ),
        format!(
            "mutation {{ exchangeExternalCustomerToken(input: {}1{}) {{ token }} }}",
            "{a: ".repeat(deepest - 2),
            "}".repeat(deepest - 2)
        ),
        // Types in a variable definition.
        format!(
            "query ($v: {}Int{}) {{ __typename }}",
            "[".repeat(deepest - 1),
            "]".repeat(deepest - 1)
        ),
        // Inline fragments.
        format!(
            "{{ {}__typename{} }}",
            "... on Query { ".repeat(deepest - 1),
            " }".repeat(deepest - 1)
        ),
        // The deepest introspection query the depth limit allows, executed.
        format!(
            "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
            "ofType { ".repeat(12),
            " }".repeat(12)
        ),
    ]
}

//! What the product's suites share beyond the test kit's fixture ([`customer_token_testkit`],
//! re-exported here): running a test on every host, the token key as the README documents it,
//! the drop-ins' and oauthlib's sides of a request, and the native request path.

#![allow(dead_code, unused_macros, unused_imports)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::process::Command;

pub use customer_token_runtime::{Flavor, KeyValue, MemoryStore};
pub use customer_token_testkit::fixture::*;
pub use customer_token_testkit::{TestClock, tool_or_skip};
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
    let bin = tool_or_skip(customer_token_testkit::python_venv(
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

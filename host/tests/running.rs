//! The real `customer-token-host` binary as a test runs it: started on a free port with a
//! configuration of the test's own, its stderr kept, killed at the end.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use customer_token_host::client;
use customer_token_host::sign::{self, Credentials, SignatureMethod};
use customer_token_testkit::TempDir;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_customer-token-host");
/// Both hosts verify signatures against this URL, whatever address a request reaches (the
/// deployment rule for more than one instance), so one signed request is valid at either.
pub const PUBLIC_URL: &str = "http://shop.example/graphql";

pub fn credentials() -> Credentials {
    Credentials {
        consumer_key: "redis-ck".into(),
        consumer_secret: "redis-cs".into(),
        token: "redis-at".into(),
        token_secret: "redis-ats".into(),
    }
}

/// `customer-token-host serve` on a free port with `data` as its data directory, `extra`
/// arguments, and this suite's configuration in its environment (and nothing else of it).
pub fn serve_command(data: &std::path::Path, extra: &[&str]) -> Command {
    let credentials = credentials();
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .arg("--data")
        .arg(data)
        .env("OAUTH_CONSUMER_KEY", &credentials.consumer_key)
        .env("OAUTH_CONSUMER_SECRET", &credentials.consumer_secret)
        .env("OAUTH_ACCESS_TOKEN", &credentials.token)
        .env("OAUTH_ACCESS_TOKEN_SECRET", &credentials.token_secret)
        .env(
            "CUSTOMER_TOKEN_SECRET",
            "redis-test-token-secret-0123456789abcdef",
        )
        .env("PUBLIC_BASE_URL", "http://shop.example")
        .env_remove("CUSTOMER_TOKEN_FLAVOR")
        .env_remove("CUSTOMER_TOKEN_LIFETIME_MINUTES")
        .stdin(Stdio::null());
    command
}

/// What the host printed on stderr when it refused to start with `extra` on `data`.
pub fn refused_start(data: &std::path::Path, extra: &[&str]) -> String {
    let output = serve_command(data, extra).output().unwrap();
    assert!(!output.status.success(), "the host started");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A host process, and every stderr line it printed.
pub struct Host {
    pub child: Child,
    pub addr: String,
    lines: Arc<Mutex<Vec<String>>>,
    _data: Option<TempDir>,
}

impl Host {
    /// A host on `store` (a Redis URL) with a data directory of its own.
    pub fn start(store: &str, label: &str) -> Self {
        Host::start_with(store, label, &[])
    }

    /// [`Host::start`] with more configuration in the environment.
    pub fn start_with(store: &str, label: &str, env: &[(&str, &str)]) -> Self {
        let data = TempDir::new(label);
        let mut host = Host::spawn(data.path(), &["--store", store], env);
        host._data = Some(data);
        host
    }

    /// A host with `data` as its data directory and `extra` arguments.
    pub fn start_in(data: &std::path::Path, extra: &[&str]) -> Self {
        Host::spawn(data, extra, &[])
    }

    fn spawn(data: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = serve_command(data, extra);
        command.envs(env.iter().copied());
        Host::from_command(command)
    }

    /// A host started by `command` (from [`serve_command`]), once it says where it serves.
    pub fn from_command(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the host starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (send, receive) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split_once(" on http://").map(|(_, rest)| rest) {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    let _ = send.send(addr.to_string());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let Ok(addr) = receive.recv_timeout(Duration::from_secs(120)) else {
            let _ = child.kill();
            panic!(
                "the host never said where it serves; it printed:\n{}",
                lines.lock().unwrap().join("\n")
            );
        };
        Host {
            child,
            addr,
            lines,
            _data: None,
        }
    }

    /// SIGKILL, as a crash or an OOM killer ends a process: no shutdown code runs.
    pub fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// `request` (signed for [`PUBLIC_URL`]) sent to this host.
    pub async fn send(&self, mut request: http::Request<Bytes>) -> (u16, Value) {
        *request.uri_mut() = format!("http://{}/graphql", self.addr).parse().unwrap();
        let response = client::send(request).await.expect("the host answers");
        let status = response.status().as_u16();
        let body = serde_json::from_slice(response.body())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", response.body()));
        (status, body)
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn login_document(email: &str) -> String {
    format!(
        r#"mutation {{ exchangeExternalCustomerToken(input: {{ customer: {{ email: "{email}", firstname: "Ada", lastname: "Lovelace" }} }}) {{ customer {{ email }} token }} }}"#
    )
}

/// A freshly signed login for `email`, with its nonce.
pub fn signed_login(email: &str) -> (http::Request<Bytes>, String) {
    signed(&login_document(email))
}

/// `document`, freshly signed, with its nonce.
pub fn signed(document: &str) -> (http::Request<Bytes>, String) {
    let nonce = sign::fresh_nonce().unwrap();
    let request = sign::signed_post(
        PUBLIC_URL,
        sign::graphql_body(document, None),
        &credentials(),
        SignatureMethod::HmacSha256,
        sign::now_timestamp(),
        &nonce,
    )
    .unwrap();
    (request, nonce)
}

pub fn token_of(body: &Value) -> String {
    body["data"]["exchangeExternalCustomerToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {body}"))
        .to_string()
}

pub fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// `{ customer { email } }` with `token` as its Bearer token.
pub fn customer_query(token: &str) -> http::Request<Bytes> {
    http::Request::post(PUBLIC_URL)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(sign::graphql_body("{ customer { email } }", None))
        .unwrap()
}

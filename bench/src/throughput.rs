//! Section: requests per second over loopback HTTP/1 (127.0.0.1 only), hello-world against the
//! exchange for existing customers with the persistent redb store, N keep-alive clients.

use crate::fixture::{self, Expect, Nonces};
use crate::inproc::EXISTING_CUSTOMERS;
use crate::stats::{Summary, Table, fmt_duration, fmt_ratio};
use crate::wasm::{self, ProxyRuntime};
use anyhow::{Context as _, Result, anyhow};
use bytes::Bytes;
use customer_token_host::server::Server;
use customer_token_host::{Backend, MemoryBackend, RedbBackend, Runtime};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone)]
pub struct Settings {
    pub clients: usize,
    pub duration: Duration,
    pub max_requests: u64,
}

pub struct Outcome {
    pub label: String,
    pub requests: u64,
    pub failures: u64,
    pub elapsed: Duration,
    pub latency: Option<Summary>,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let dir = std::env::temp_dir().join(format!(
            "customer-token-bench-{}-{}",
            std::process::id(),
            fixture::now()
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one client sends: hello-world, or a freshly signed exchange for an existing customer.
#[derive(Clone, Copy)]
enum Kind {
    Hello,
    Exchange,
}

fn build_request(
    kind: Kind,
    addr: SocketAddr,
    i: u64,
    nonces: &Nonces,
) -> Result<hyper::Request<Full<Bytes>>> {
    let url = format!("http://{addr}/graphql");
    let builder = hyper::Request::post("/graphql")
        .header(http::header::HOST, addr.to_string())
        .header(http::header::CONTENT_TYPE, "application/json");
    let request = match kind {
        Kind::Hello => builder.body(Full::new(fixture::graphql_body("{ hello }")))?,
        Kind::Exchange => {
            let email = fixture::existing_email(i as usize % EXISTING_CUSTOMERS);
            builder
                .header(http::header::AUTHORIZATION, fixture::sign(&url, nonces)?)
                .body(Full::new(fixture::graphql_body(&fixture::exchange_query(
                    &email,
                ))))?
        }
    };
    Ok(request)
}

struct ClientResult {
    latencies: Vec<Duration>,
    failures: u64,
    first_failure: Option<String>,
}

async fn client(
    kind: Kind,
    addr: SocketAddr,
    deadline: Instant,
    issued: Arc<AtomicU64>,
    max_requests: u64,
    nonces: Arc<Nonces>,
) -> Result<ClientResult> {
    let stream = TcpStream::connect(addr).await?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    let driver = tokio::spawn(connection);
    let mut result = ClientResult {
        latencies: Vec::new(),
        failures: 0,
        first_failure: None,
    };
    let expect = match kind {
        Kind::Hello => Expect::Hello,
        Kind::Exchange => Expect::Token,
    };
    while Instant::now() < deadline {
        let i = issued.fetch_add(1, Ordering::Relaxed);
        if i >= max_requests {
            break;
        }
        let request = build_request(kind, addr, i, &nonces)?;
        sender.ready().await?;
        let started = Instant::now();
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        result.latencies.push(started.elapsed());
        if let Err(e) = fixture::check(expect, status, &body) {
            result.failures += 1;
            result.first_failure.get_or_insert_with(|| e.to_string());
        }
    }
    drop(sender);
    driver.abort();
    Ok(result)
}

async fn drive(
    label: &str,
    kind: Kind,
    addr: SocketAddr,
    settings: &Settings,
    nonces: &Arc<Nonces>,
) -> Result<Outcome> {
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + settings.duration;
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..settings.clients {
        clients.spawn(client(
            kind,
            addr,
            deadline,
            issued.clone(),
            settings.max_requests,
            nonces.clone(),
        ));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut first_failure = None;
    while let Some(joined) = clients.join_next().await {
        let result = joined.map_err(|e| anyhow!("a client task failed: {e}"))??;
        latencies.extend(result.latencies);
        failures += result.failures;
        first_failure = first_failure.or(result.first_failure);
    }
    let elapsed = started.elapsed();
    if let Some(failure) = first_failure {
        eprintln!(
            "customer-token-bench: {label}: {failures} unexpected responses, first: {failure}"
        );
    }
    Ok(Outcome {
        label: label.to_owned(),
        requests: latencies.len() as u64,
        failures,
        elapsed,
        latency: Summary::of(&latencies),
    })
}

pub async fn run(
    hello: &ProxyRuntime,
    settings: &Settings,
    nonces: &Arc<Nonces>,
) -> Result<Vec<Outcome>> {
    // Hello-world, served as the host serves.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let hello_addr = listener.local_addr()?;
    let (stop_hello, stopped) = tokio::sync::oneshot::channel();
    let hello_server = tokio::spawn(wasm::serve_hello(listener, hello.clone(), stopped));
    let hello_outcome = drive("hello-world", Kind::Hello, hello_addr, settings, nonces).await;
    let _ = stop_hello.send(());
    hello_server.await??;

    // The product with the persistent store, behind the host's own server; then the same with
    // the in-memory store, to separate what durable writes cost.
    let dir = TempDir::new()?;
    let redb = Arc::new(RedbBackend::open(&dir.0)?);
    let db_path = redb.path().to_path_buf();
    let redb_outcome =
        drive_product("exchange, existing customer (redb)", redb, settings, nonces).await;
    let db_bytes = std::fs::metadata(&db_path).map(|m| m.len()).unwrap_or(0);
    eprintln!("customer-token-bench: the redb file held {db_bytes} bytes after the run");
    drop(dir);
    let memory_outcome = drive_product(
        "exchange, existing customer (in-memory store, for comparison)",
        Arc::new(MemoryBackend::new()),
        settings,
        nonces,
    )
    .await;
    Ok(vec![hello_outcome?, redb_outcome?, memory_outcome?])
}

async fn drive_product(
    label: &str,
    backend: Arc<dyn Backend>,
    settings: &Settings,
    nonces: &Arc<Nonces>,
) -> Result<Outcome> {
    let runtime = Runtime::builder()
        .backend(backend)
        .secrets(fixture::secret_map())
        .build()?;
    let server = Server::bind("127.0.0.1:0", runtime.clone())
        .await?
        .log_requests(false);
    let addr = server.local_addr()?;
    let url = format!("http://{addr}/graphql");
    for i in 0..EXISTING_CUSTOMERS {
        crate::inproc::exchange_wasm(&runtime, &fixture::existing_email(i), &url, nonces).await?;
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    let outcome = drive(label, Kind::Exchange, addr, settings, nonces).await;
    let _ = stop.send(());
    server.await??;
    outcome
}

pub fn report(outcomes: &[Outcome], settings: &Settings) {
    println!(
        "## Throughput over loopback HTTP/1 (127.0.0.1, keep-alive, persistent redb store in a temp dir)\n"
    );
    println!(
        "{} concurrent clients, each request freshly signed with a unique nonce (exchange); each row runs for {:.0} s or {} requests, whichever comes first. Clients and server share the machine's cores.\n",
        settings.clients,
        settings.duration.as_secs_f64(),
        settings.max_requests
    );
    let mut table = Table::new(&[
        "workload",
        ">requests",
        ">unexpected",
        ">requests/s",
        ">× hello",
        ">median latency",
        ">p99 latency",
    ]);
    let hello = outcomes.first().map(Outcome::per_second);
    for outcome in outcomes {
        let dash = || "–".to_owned();
        table.row(vec![
            outcome.label.clone(),
            outcome.requests.to_string(),
            outcome.failures.to_string(),
            format!("{:.0}", outcome.per_second()),
            hello.map_or_else(dash, |h| fmt_ratio(outcome.per_second(), h)),
            outcome
                .latency
                .map_or_else(dash, |l| fmt_duration(l.median)),
            outcome.latency.map_or_else(dash, |l| fmt_duration(l.p99)),
        ]);
    }
    table.print();
}

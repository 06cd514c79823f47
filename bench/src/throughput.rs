//! Section: requests per second over loopback HTTP/1 (127.0.0.1 only) and the server's CPU
//! time per request, hello-world against the exchange for existing customers on each store,
//! N keep-alive clients. Both components are served by the host's `Server` on the server's own
//! tokio runtime; the clients run on the calling (single-threaded) runtime, so that the server
//! runtime's threads do only the server's work.

use crate::cpu::{TICKS_PER_SECOND, ThreadCpu, Ticks};
use crate::fixture::{self, Expect, Nonces};
use crate::inproc::{EXISTING_CUSTOMERS, StoreCalls, product_runtime_with};
use crate::replay::{self, ExchangeCalls};
use crate::stats::{Summary, Table, fmt_duration, fmt_ratio};
use anyhow::{Result, anyhow};
use bytes::Bytes;
use customer_token_host::server::Server;
use customer_token_runtime::{
    Flavor, RedbStore, RedisStore, Runtime, SqliteStore, Store, real_now,
};
use customer_token_testkit::{RedisServer, TempDir, components};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

#[derive(Clone)]
pub struct Settings {
    pub clients: usize,
    pub duration: Duration,
    pub max_requests: u64,
}

/// The tokio runtime the server runs on, and its threads' CPU time.
pub struct ServerSide {
    pub handle: tokio::runtime::Handle,
    pub cpu: Arc<ThreadCpu>,
}

pub struct Outcome {
    pub label: String,
    pub requests: u64,
    pub failures: u64,
    pub elapsed: Duration,
    pub latency: Option<Summary>,
    /// CPU ticks of the server runtime's threads while the clients ran.
    pub server_ticks: u64,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// Server CPU time per request, in µs.
    pub fn server_cpu_us(&self) -> f64 {
        self.server_ticks as f64 * 1e6 / TICKS_PER_SECOND as f64 / self.requests.max(1) as f64
    }
}

/// The rows, and a note for each store left out.
pub struct Results {
    pub outcomes: Vec<Outcome>,
    pub skipped: Vec<String>,
}

/// What one client sends: hello-world, a freshly signed exchange for an existing customer, or
/// the `customer` query with a customer's token.
#[derive(Clone)]
pub(crate) enum Kind {
    Hello,
    Exchange,
    CustomerRead(Arc<str>),
    /// The store calls of an exchange, to `examples/store-replay`.
    Replay(Arc<ExchangeCalls>),
}

fn build_request(
    kind: &Kind,
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
        Kind::Replay(calls) => builder.body(Full::new(Bytes::from(calls.script(i))))?,
        Kind::CustomerRead(token) => builder
            .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Full::new(fixture::graphql_body(fixture::CUSTOMER_QUERY)))?,
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
        Kind::CustomerRead(_) => Expect::Customer,
        Kind::Replay(_) => Expect::Replayed,
    };
    while Instant::now() < deadline {
        let i = issued.fetch_add(1, Ordering::Relaxed);
        if i >= max_requests {
            break;
        }
        let request = build_request(&kind, addr, i, &nonces)?;
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

/// Runs the clients against `addr`, counting `server_cpu`'s ticks meanwhile.
pub(crate) async fn drive(
    label: &str,
    kind: Kind,
    addr: SocketAddr,
    settings: &Settings,
    nonces: &Arc<Nonces>,
    server_cpu: &dyn Ticks,
) -> Result<Outcome> {
    let issued = Arc::new(AtomicU64::new(0));
    let ticks_before = server_cpu.ticks();
    let started = Instant::now();
    let deadline = started + settings.duration;
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..settings.clients {
        clients.spawn(client(
            kind.clone(),
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
    let server_ticks = server_cpu.ticks() - ticks_before;
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
        server_ticks,
    })
}

pub async fn run(
    hello: &Runtime,
    settings: &Settings,
    nonces: &Arc<Nonces>,
    server: &ServerSide,
) -> Result<Results> {
    let mut outcomes = vec![serve(HELLO, Kind::Hello, hello, settings, nonces, server).await?];
    let mut skipped = Vec::new();
    // The memory store never blocks: its calls are made inline either way.
    let (memory, token) = product_runtime_with(
        Arc::new(Flavor::Bare.memory_store(real_now())),
        StoreCalls::Offloaded,
        nonces,
    )
    .await?;
    outcomes.push(
        serve(
            CUSTOMER_READ_IN_MEMORY,
            Kind::CustomerRead(token.into()),
            &memory,
            settings,
            nonces,
            server,
        )
        .await?,
    );
    outcomes.push(
        serve(
            EXCHANGE_IN_MEMORY,
            Kind::Exchange,
            &memory,
            settings,
            nonces,
            server,
        )
        .await?,
    );
    drop(memory);

    let exchange = async |store: &str, backend: Store, calls: StoreCalls| -> Result<Outcome> {
        let (runtime, _) = product_runtime_with(backend, calls, nonces).await?;
        let label = match calls {
            StoreCalls::Offloaded => format!("exchange, existing customer ({store})"),
            StoreCalls::Inline => {
                format!("exchange, existing customer ({store}, store calls inline)")
            }
        };
        serve(&label, Kind::Exchange, &runtime, settings, nonces, server).await
    };

    let redb_dir = TempDir::new("bench-redb");
    let redb = Arc::new(RedbStore::open(redb_dir.path())?);
    let db_path = redb.path().to_path_buf();
    outcomes.push(exchange("redb, temp dir", redb, StoreCalls::Offloaded).await?);
    let db_bytes = std::fs::metadata(&db_path).map(|m| m.len()).unwrap_or(0);
    eprintln!("customer-token-bench: the redb file held {db_bytes} bytes after the run");

    // The stores that may block, with their calls offloaded (as the host makes them) and inline
    // (as before), one after the other on the same store.
    let sqlite_dir = TempDir::new("bench-sqlite");
    let sqlite: Store = Arc::new(SqliteStore::open(sqlite_dir.path())?);
    for calls in [StoreCalls::Offloaded, StoreCalls::Inline] {
        outcomes.push(exchange("SQLite, temp dir", sqlite.clone(), calls).await?);
    }
    // The host's own cost of those calls: the same store, the exchange's host calls alone.
    let replay = Runtime::builder()
        .component(components::store_replay())
        .backend(sqlite)
        .secrets(fixture::secret_map())
        .build()?;
    outcomes.push(
        serve(
            REPLAY_SQLITE,
            Kind::Replay(Arc::new(ExchangeCalls::record(
                replay::with_expiry(),
                nonces,
            )?)),
            &replay,
            settings,
            nonces,
            server,
        )
        .await?,
    );

    match RedisServer::start_or_skip("bench-redis") {
        Some(redis) => {
            let backend: Store = Arc::new(RedisStore::connect(&redis.url())?);
            for calls in [StoreCalls::Offloaded, StoreCalls::Inline] {
                outcomes.push(exchange("Redis, own redis-server", backend.clone(), calls).await?);
            }
        }
        None => skipped.push("Redis: skipped, redis-server is not installed.".to_owned()),
    }
    Ok(Results { outcomes, skipped })
}

pub const HELLO: &str = "hello-world";
pub const CUSTOMER_READ_IN_MEMORY: &str = "`customer` query with a Bearer token (in-memory store)";
pub const EXCHANGE_IN_MEMORY: &str = "exchange, existing customer (in-memory store)";
/// The SQLite row with the store calls offloaded, as the host makes them.
pub const EXCHANGE_SQLITE: &str = "exchange, existing customer (SQLite, temp dir)";

/// The store-replay component making an exchange's host calls on the SQLite row's store.
pub const REPLAY_SQLITE: &str = "an exchange's host calls alone, replayed (SQLite, temp dir)";

/// Serves `runtime` with the host's `Server` on the server runtime while the clients run here.
async fn serve(
    label: &str,
    kind: Kind,
    runtime: &Runtime,
    settings: &Settings,
    nonces: &Arc<Nonces>,
    server: &ServerSide,
) -> Result<Outcome> {
    // Bound from the server runtime, so that its reactor, not this one, drives the sockets.
    let bound = server
        .handle
        .spawn(Server::bind("127.0.0.1:0", runtime.clone()))
        .await??
        .log_requests(false);
    let addr = bound.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = server.handle.spawn(bound.run_until(async {
        let _ = stopped.await;
    }));
    let outcome = drive(label, kind, addr, settings, nonces, &*server.cpu).await;
    let _ = stop.send(());
    serving.await??;
    outcome
}

/// Ticks below which a row's CPU time is too coarse to trust (each tick is 10 ms).
const FEW_TICKS: u64 = 100;

pub fn report(results: &Results, settings: &Settings) {
    println!("## Throughput over loopback HTTP/1 (127.0.0.1, keep-alive, the host's `Server`)\n");
    println!(
        "{} concurrent clients, each request freshly signed with a unique nonce (exchange); each row runs for {:.0} s or {} requests, whichever comes first. The clients run on one thread, the server on a tokio runtime of its own, and they share the machine's cores, so requests/s depends on the clients' CPU time as well as the server's. \"Server CPU/request\" is the user + system time of the server runtime's threads, its workers and its blocking pool (where store calls that may block are made, unless the row says inline), from `/proc/self/task/<tid>/stat` in ticks of 1/{TICKS_PER_SECOND} s, over the row, divided by its requests: it does not count the clients, SQLite's commit thread, nor redis-server's own CPU in the Redis rows.\n",
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
        ">server CPU/request",
        ">CPU × hello",
        ">CPU ticks",
    ]);
    let hello = results.outcomes.first();
    let dash = || "–".to_owned();
    for outcome in &results.outcomes {
        table.row(vec![
            outcome.label.clone(),
            outcome.requests.to_string(),
            outcome.failures.to_string(),
            format!("{:.0}", outcome.per_second()),
            hello.map_or_else(dash, |h| fmt_ratio(outcome.per_second(), h.per_second())),
            outcome
                .latency
                .map_or_else(dash, |l| fmt_duration(l.median)),
            outcome.latency.map_or_else(dash, |l| fmt_duration(l.p99)),
            format!("{:.1} µs", outcome.server_cpu_us()),
            hello.map_or_else(dash, |h| {
                fmt_ratio(outcome.server_cpu_us(), h.server_cpu_us())
            }),
            outcome.server_ticks.to_string(),
        ]);
    }
    table.print();
    let few: Vec<&str> = results
        .outcomes
        .iter()
        .filter(|outcome| outcome.server_ticks < FEW_TICKS)
        .map(|outcome| outcome.label.as_str())
        .collect();
    if !few.is_empty() {
        println!(
            "Warning: fewer than {FEW_TICKS} server CPU ticks measured for {}: at whole ticks per thread, their CPU per request is rough (raise `--duration` or `--max-requests`).\n",
            few.join("; ")
        );
    }
    for note in &results.skipped {
        println!("{note}\n");
    }
}

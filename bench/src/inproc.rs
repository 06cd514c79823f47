//! Sections: per-request latency in-process (the component under the host's runtime, a fresh
//! instance per request, in-memory store) and of the native core alone (no Wasm).

use crate::fixture::{self, Expect, Nonces};
use crate::stats::{Summary, Table, duration_ratio, fmt_duration};
use anyhow::{Context as _, Result};
use bytes::Bytes;
use customer_token::memory::{MemorySecrets, MemoryStore};
use customer_token::service::Ports;
use customer_token_runtime::{Flavor, Runtime, Store};
use customer_token_testkit::components;
use std::sync::Arc;
use std::time::Instant;

/// The product operations each section measures, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Op {
    ExchangeExisting,
    ExchangeCreate,
    CustomerQuery,
}

impl Op {
    pub const ALL: [Op; 3] = [Op::ExchangeExisting, Op::ExchangeCreate, Op::CustomerQuery];

    pub fn label(self) -> &'static str {
        match self {
            Op::ExchangeExisting => "exchange, existing customer",
            Op::ExchangeCreate => "exchange, new customer (new email each time)",
            Op::CustomerQuery => "`customer` query with a Bearer token",
        }
    }

    fn expect(self) -> Expect {
        match self {
            Op::ExchangeExisting | Op::ExchangeCreate => Expect::Token,
            Op::CustomerQuery => Expect::Customer,
        }
    }
}

/// How many existing customers the "existing" workloads cycle through.
pub const EXISTING_CUSTOMERS: usize = 16;

/// What the in-process section measured, for the ratios of later sections.
#[derive(Default)]
pub struct WasmResults {
    pub hello: Option<Summary>,
    pub ops: Vec<(Op, Summary)>,
}

impl WasmResults {
    pub fn op(&self, op: Op) -> Option<Summary> {
        self.ops.iter().find(|(o, _)| *o == op).map(|(_, s)| *s)
    }
}

/// Builds the request for iteration `i` (outside the timer: signing is the client's cost).
struct Workload {
    op: Op,
    token: String,
    run: String,
}

impl Workload {
    fn body_and_auth(&self, i: usize, url: &str, nonces: &Nonces) -> Result<(Bytes, String)> {
        Ok(match self.op {
            Op::ExchangeExisting => (
                fixture::graphql_body(&fixture::exchange_query(&fixture::existing_email(
                    i % EXISTING_CUSTOMERS,
                ))),
                fixture::sign(url, nonces)?,
            ),
            Op::ExchangeCreate => (
                fixture::graphql_body(&fixture::exchange_query(&format!(
                    "new-{}-{i}@example.com",
                    self.run
                ))),
                fixture::sign(url, nonces)?,
            ),
            Op::CustomerQuery => (
                fixture::graphql_body(fixture::CUSTOMER_QUERY),
                format!("Bearer {}", self.token),
            ),
        })
    }
}

/// One timed call after another; `make(i)` runs before the timer starts, the check after it
/// stops. The first `warmup` calls are not recorded.
pub async fn time_wasm<F, Fut>(
    warmup: usize,
    iterations: usize,
    expect: Expect,
    mut make: impl FnMut(usize) -> Result<http::Request<Bytes>>,
    call: F,
) -> Result<Summary>
where
    F: Fn(http::Request<Bytes>) -> Fut,
    Fut: Future<Output = Result<http::Response<Bytes>>>,
{
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        let request = make(i)?;
        let started = Instant::now();
        let response = call(request).await?;
        let elapsed = started.elapsed();
        fixture::check(expect, response.status().as_u16(), response.body())?;
        if i >= warmup {
            samples.push(elapsed);
        }
    }
    Summary::of(&samples).context("no iterations")
}

/// Hello-world under the host's `Runtime`, as the product runs (always bare: it imports nothing
/// an adapter could provide).
pub fn hello_runtime() -> Result<Runtime> {
    Runtime::builder()
        .component(components::hello())
        .flavor(Flavor::Bare)
        .build()
        .context("loading hello-world")
}

/// The product on `backend`, with the [`EXISTING_CUSTOMERS`] created, and a token for the last.
pub async fn product_runtime(backend: Store, nonces: &Nonces) -> Result<(Runtime, String)> {
    product_runtime_with(backend, StoreCalls::Offloaded, nonces).await
}

/// How the runtime makes a store's calls that may block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreCalls {
    /// On tokio's blocking pool, each bounded by the request's limit (the default).
    Offloaded,
    /// On the worker thread that runs the request (`RuntimeBuilder::inline_store_calls`).
    Inline,
}

/// [`product_runtime`], with the store's calls made as `calls` says.
pub async fn product_runtime_with(
    backend: Store,
    calls: StoreCalls,
    nonces: &Nonces,
) -> Result<(Runtime, String)> {
    let runtime = Runtime::builder()
        .component(components::product(Flavor::Bare))
        .backend(backend)
        .secrets(fixture::secret_map())
        .inline_store_calls(calls == StoreCalls::Inline)
        .build()?;
    let mut token = String::new();
    for i in 0..EXISTING_CUSTOMERS {
        token = exchange_wasm(
            &runtime,
            &fixture::existing_email(i),
            fixture::IN_PROCESS_URL,
            nonces,
        )
        .await?;
    }
    Ok((runtime, token))
}

/// An exchange through the product runtime, returning the token.
pub async fn exchange_wasm(
    runtime: &Runtime,
    email: &str,
    url: &str,
    nonces: &Nonces,
) -> Result<String> {
    let request = fixture::http_request(
        url,
        fixture::graphql_body(&fixture::exchange_query(email)),
        Some(&fixture::sign(url, nonces)?),
    )?;
    let response = runtime.handle(request).await?;
    let json = fixture::check(Expect::Token, response.status().as_u16(), response.body())?;
    fixture::token_of(&json)
}

pub async fn run_wasm(
    hello: &Runtime,
    ops: &[Op],
    warmup: usize,
    iterations: usize,
    nonces: &Nonces,
) -> Result<WasmResults> {
    let url = fixture::IN_PROCESS_URL;
    let (runtime, token) = product_runtime(Arc::new(MemoryStore::new()), nonces).await?;

    let mut results = WasmResults::default();
    let hello_body = fixture::graphql_body("{ hello }");
    results.hello = Some(
        time_wasm(
            warmup,
            iterations,
            Expect::Hello,
            |_| fixture::http_request(url, hello_body.clone(), None),
            |request| hello.handle(request),
        )
        .await
        .context("hello-world in-process")?,
    );
    for &op in ops {
        let workload = Workload {
            op,
            token: token.clone(),
            run: nonces.next(),
        };
        let summary = time_wasm(
            warmup,
            iterations,
            op.expect(),
            |i| {
                let (body, auth) = workload.body_and_auth(i, url, nonces)?;
                fixture::http_request(url, body, Some(&auth))
            },
            |request| runtime.handle(request),
        )
        .await
        .with_context(|| format!("{} in-process", op.label()))?;
        results.ops.push((op, summary));
    }
    Ok(results)
}

pub fn report_wasm(results: &WasmResults, warmup: usize, iterations: usize, pooling: bool) {
    println!(
        "## Per request, in-process (wasmtime, {} allocator, fresh instance per request, in-memory store)\n",
        if pooling {
            "pooling"
        } else {
            "on-demand (pooling unavailable!)"
        }
    );
    println!(
        "{iterations} sequential requests per row after {warmup} warm-up requests, on a single-threaded tokio runtime; time from `handle(request)` to the collected response (signing the request is not timed).\n"
    );
    let mut table = Table::new(&[
        "request",
        ">median",
        ">p99",
        ">mean",
        ">median × hello",
        ">p99 × hello",
    ]);
    let Some(hello) = results.hello else {
        return;
    };
    let rows = std::iter::once(("hello-world (baseline)", hello))
        .chain(results.ops.iter().map(|(op, s)| (op.label(), *s)));
    for (label, s) in rows {
        table.row(vec![
            label.to_owned(),
            fmt_duration(s.median),
            fmt_duration(s.p99),
            fmt_duration(s.mean),
            duration_ratio(s.median, hello.median),
            duration_ratio(s.p99, hello.p99),
        ]);
    }
    table.print();
}

/// The native core: `customer_token::http::handle` with the in-memory ports and the real clock.
pub struct Native {
    store: MemoryStore,
    secrets: MemorySecrets,
    clock: customer_token::clock::SystemClock,
}

impl Native {
    pub fn new() -> Native {
        Native {
            store: MemoryStore::default(),
            secrets: fixture::memory_secrets(),
            clock: customer_token::clock::SystemClock,
        }
    }

    pub fn handle(
        &self,
        request: &customer_token::http::Request,
    ) -> customer_token::http::Response {
        let ports = Ports {
            store: &self.store,
            secrets: &self.secrets,
            clock: &self.clock,
        };
        customer_token::http::handle(request, ports)
    }

    pub fn exchange(&self, email: &str, nonces: &Nonces) -> Result<String> {
        let body = fixture::graphql_body(&fixture::exchange_query(email));
        let auth = fixture::sign(fixture::IN_PROCESS_URL, nonces)?;
        let response = self.handle(&fixture::native_request(&body, Some(&auth)));
        let json = fixture::check(Expect::Token, response.status, &response.body)?;
        fixture::token_of(&json)
    }
}

pub fn run_native(
    ops: &[Op],
    warmup: usize,
    iterations: usize,
    nonces: &Nonces,
) -> Result<Vec<(Op, Summary)>> {
    let native = Native::new();
    let mut token = String::new();
    for i in 0..EXISTING_CUSTOMERS {
        token = native.exchange(&fixture::existing_email(i), nonces)?;
    }
    let mut results = Vec::new();
    for &op in ops {
        let workload = Workload {
            op,
            token: token.clone(),
            run: nonces.next(),
        };
        let mut samples = Vec::with_capacity(iterations);
        for i in 0..warmup + iterations {
            let (body, auth) = workload.body_and_auth(i, fixture::IN_PROCESS_URL, nonces)?;
            let request = fixture::native_request(&body, Some(&auth));
            let started = Instant::now();
            let response = native.handle(&request);
            let elapsed = started.elapsed();
            fixture::check(op.expect(), response.status, &response.body)
                .with_context(|| format!("{} natively", op.label()))?;
            if i >= warmup {
                samples.push(elapsed);
            }
        }
        results.push((op, Summary::of(&samples).context("no iterations")?));
    }
    Ok(results)
}

pub fn report_native(native: &[(Op, Summary)], wasm: &WasmResults, iterations: usize) {
    println!(
        "## The native core alone (no Wasm): `customer_token::http::handle`, MemoryStore/MemorySecrets, real clock\n"
    );
    println!(
        "{iterations} sequential calls per row after warm-up. \"wasm − native\" is what the runtime boundary (instance, WASI/HTTP resources, host calls, wasm code) adds per request.\n"
    );
    let mut table = Table::new(&[
        "request",
        ">native median",
        ">native p99",
        ">wasm median",
        ">wasm / native",
        ">wasm − native",
        ">hello-world wasm",
    ]);
    let dash = || "–".to_owned();
    for (op, s) in native {
        let wasm_op = wasm.op(*op);
        table.row(vec![
            op.label().to_owned(),
            fmt_duration(s.median),
            fmt_duration(s.p99),
            wasm_op.map_or_else(dash, |w| fmt_duration(w.median)),
            wasm_op.map_or_else(dash, |w| duration_ratio(w.median, s.median)),
            wasm_op.map_or_else(dash, |w| fmt_duration(w.median.saturating_sub(s.median))),
            wasm.hello.map_or_else(dash, |h| fmt_duration(h.median)),
        ]);
    }
    table.print();
}

/// `--only profile`: only the exchange for an existing customer through the host's `Runtime`
/// (in-memory store), a loop for profilers with nothing else in it.
pub async fn run_profile_loop(
    warmup: usize,
    iterations: usize,
    nonces: &Nonces,
) -> Result<Summary> {
    let url = fixture::IN_PROCESS_URL;
    let (runtime, token) = product_runtime(Arc::new(MemoryStore::new()), nonces).await?;
    let workload = Workload {
        op: Op::ExchangeExisting,
        token,
        run: nonces.next(),
    };
    time_wasm(
        warmup,
        iterations,
        Expect::Token,
        |i| {
            let (body, auth) = workload.body_and_auth(i, url, nonces)?;
            fixture::http_request(url, body, Some(&auth))
        },
        |request| runtime.handle(request),
    )
    .await
}

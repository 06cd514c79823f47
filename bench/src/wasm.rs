//! The bench's own wasmtime set-up, configured exactly as `customer-token-host` configures its
//! engine (component model, epoch interruption, the pooling allocator with the host's limits),
//! for what the host's typed `Runtime` cannot run or does not expose:
//!
//! - the hello-world baseline, a plain `wasi:http/proxy` component, run per request the way
//!   `Runtime::handle` runs the product (fresh store and instance, the call in a spawned task,
//!   the response collected from the outparam), and served over HTTP the way `Server` serves;
//! - compilation and instantiation of either component, timed on their own;
//! - the product under an engine the bench configures, so that a profiler can be attached
//!   (`--perfmap` writes `/tmp/perf-<pid>.map` naming the JIT-compiled wasm functions).

use anyhow::{Context as _, Result, anyhow, bail};
use bytes::Bytes;
use customer_token_host::runtime::{DEFAULT_TIMEOUT, EPOCH_TICK, engine_config, pool};
use customer_token_host::{Backend, BackendError, MemoryBackend, SecretMap};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use wasmtime::component::{Component, HasSelf, InstancePre, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The host's wasmtime configuration (`customer_token_host::runtime::engine_config`), plus the
/// bench-only profiling switches.
pub fn config(pooling: bool) -> Config {
    let mut config = engine_config(pooling);
    if PERFMAP.load(std::sync::atomic::Ordering::Relaxed) {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    if EAGER_TABLES.load(std::sync::atomic::Ordering::Relaxed) {
        config.table_lazy_init(false);
    }
    config
}

/// Whether the bench's engines tell `perf` where the JIT code is (`--perfmap`).
pub static PERFMAP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Experiment on the bench's own engine only (never the host's): eager instead of lazy
/// funcref-table initialisation (`--eager-tables`).
pub static EAGER_TABLES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// An engine like the host's: pooling if the address space can be reserved (as the host falls
/// back, so does this), with its epoch ticking. Returns whether it pools.
pub fn engine() -> Result<(Engine, bool)> {
    let (engine, pooling) = match Engine::new(&config(true)) {
        Ok(engine) => (engine, true),
        Err(_) => (
            Engine::new(&config(false))
                .map_err(anyhow::Error::from)
                .context("creating the wasmtime engine")?,
            false,
        ),
    };
    let ticking = engine.clone();
    std::thread::Builder::new()
        .name("bench-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                ticking.increment_epoch();
            }
        })
        .context("starting the epoch ticker")?;
    Ok((engine, pooling))
}

/// Host bindings for the product's world, generated as `host/src/runtime/bindings.rs` generates
/// them.
#[allow(missing_docs, clippy::all)]
mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "commerce:customer-token/customer-token",
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
    });
}

use bindings::commerce::customer_token::{customer_store, secrets};

/// Per-store data: what the host's `State` holds.
pub struct BenchState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    limits: StoreLimits,
    backend: Arc<dyn Backend>,
    secrets: Arc<SecretMap>,
}

impl WasiView for BenchState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for BenchState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: Default::default(),
        }
    }
}

fn store_error(error: BackendError) -> customer_store::Error {
    match error {
        BackendError::AccessDenied => customer_store::Error::AccessDenied,
        BackendError::Other(message) => customer_store::Error::Other(message),
    }
}

// The product's imports, as host/src/runtime/state.rs implements them.
impl customer_store::Host for BenchState {
    fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, customer_store::Error> {
        self.backend.get(&key).map_err(store_error)
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), customer_store::Error> {
        self.backend.set(&key, &value).map_err(store_error)
    }

    fn delete(&mut self, key: String) -> Result<(), customer_store::Error> {
        self.backend.delete(&key).map_err(store_error)
    }

    fn increment(&mut self, key: String, delta: u64) -> Result<u64, customer_store::Error> {
        self.backend.increment(&key, delta).map_err(store_error)
    }
}

impl secrets::Host for BenchState {
    fn get(&mut self, name: String) -> Result<Option<String>, secrets::Error> {
        Ok(self.secrets.get(&name).map(str::to_owned))
    }
}

/// What a store's product imports reach (hello-world imports neither).
#[derive(Clone)]
pub struct Imports {
    pub backend: Arc<dyn Backend>,
    pub secrets: Arc<SecretMap>,
}

impl Imports {
    pub fn none() -> Imports {
        Imports {
            backend: Arc::new(MemoryBackend::new()),
            secrets: Arc::new(SecretMap::new()),
        }
    }
}

fn deadline_ticks(timeout: Duration) -> u64 {
    let ticks = timeout.as_millis().div_ceil(EPOCH_TICK.as_millis()).max(1);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// A store set up as `Runtime::new_store` sets one up.
pub fn new_store(engine: &Engine, imports: &Imports) -> Store<BenchState> {
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stderr().inherit_stdout();
    let limits = StoreLimitsBuilder::new()
        .memory_size(pool::MAX_MEMORY_SIZE)
        .instances(pool::MAX_CORE_INSTANCES_PER_COMPONENT as usize)
        .trap_on_grow_failure(false)
        .build();
    let state = BenchState {
        table: ResourceTable::new(),
        wasi: wasi.build(),
        http: WasiHttpCtx::new(),
        limits,
        backend: imports.backend.clone(),
        secrets: imports.secrets.clone(),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    store.set_epoch_deadline(deadline_ticks(DEFAULT_TIMEOUT));
    store.epoch_deadline_trap();
    store
}

/// Links `component` as the host links the product: WASI, wasi:http, and the product's
/// `customer-store` and `secrets` imports (which hello-world does not use).
pub fn instance_pre(engine: &Engine, component: &Component) -> Result<InstancePre<BenchState>> {
    let mut linker = Linker::<BenchState>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    customer_store::add_to_linker::<BenchState, HasSelf<BenchState>>(&mut linker, |state| state)?;
    secrets::add_to_linker::<BenchState, HasSelf<BenchState>>(&mut linker, |state| state)?;
    linker
        .instantiate_pre(component)
        .map_err(anyhow::Error::from)
        .context("linking the component")
}

/// A wasi:http component (hello-world, or the product under the bench's engine), run per
/// request as the host runs the product.
#[derive(Clone)]
pub struct ProxyRuntime {
    pre: ProxyPre<BenchState>,
    imports: Imports,
    timeout: Duration,
}

impl ProxyRuntime {
    pub fn load(engine: &Engine, path: &Path, imports: Imports) -> Result<ProxyRuntime> {
        let component = Component::from_file(engine, path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling {}", path.display()))?;
        let pre = ProxyPre::new(instance_pre(engine, &component)?)
            .map_err(anyhow::Error::from)
            .context("the component does not export wasi:http/incoming-handler")?;
        Ok(ProxyRuntime {
            pre,
            imports,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// `Runtime::handle`, line for line, with this component.
    pub async fn handle(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
        let timeout = self.timeout;
        tokio::time::timeout(timeout + Duration::from_secs(1), self.handle_inner(request))
            .await
            .map_err(|_| anyhow!("the component did not answer within {timeout:?}"))?
    }

    async fn handle_inner(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
        let mut store = new_store(self.pre.engine(), &self.imports);
        let scheme = match request.uri().scheme_str() {
            Some("https") => Scheme::Https,
            _ => Scheme::Http,
        };
        let (parts, body) = request.into_parts();
        let body = Full::new(body).map_err(|never| -> wasmtime_wasi_http::Error { match never {} });
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(scheme, hyper::Request::from_parts(parts, body))
            .map_err(anyhow::Error::from)?;
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let outparam = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(anyhow::Error::from)?;
        let pre = self.pre.clone();
        let mut task = AbortOnDrop(tokio::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, outparam)
                .await
        }));
        let response = match receiver.await {
            Ok(Ok(response)) => response,
            Ok(Err(code)) => bail!("the component answered with the error code {code:?}"),
            Err(_) => {
                return match (&mut task.0).await {
                    Ok(Ok(())) => Err(anyhow!("the component returned without setting a response")),
                    Ok(Err(trap)) => Err(anyhow::Error::from(trap)),
                    Err(join) => Err(anyhow!("the component task failed: {join}")),
                };
            }
        };
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| anyhow!("reading the component's response body failed: {e:?}"))?
            .to_bytes();
        match (&mut task.0).await {
            Ok(Ok(())) => {}
            Ok(Err(trap)) => return Err(anyhow::Error::from(trap)),
            Err(join) => bail!("the component task failed: {join}"),
        }
        Ok(http::Response::from_parts(parts, body))
    }
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves the hello component over HTTP/1 until `shutdown` fires, as `customer_token_host::
/// server::Server` serves the product (keep-alive connections, the URI rebuilt from `Host`, the
/// body collected under the same 1 MiB cap, no per-request log line).
pub async fn serve_hello(
    listener: TcpListener,
    runtime: ProxyRuntime,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) -> Result<()> {
    let local = listener.local_addr()?;
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        let Ok((stream, _peer)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let runtime = runtime.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| {
                let runtime = runtime.clone();
                async move { Ok::<_, Infallible>(respond(&runtime, local, request).await) }
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
    Ok(())
}

async fn respond(
    runtime: &ProxyRuntime,
    local: SocketAddr,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (mut parts, body) = request.into_parts();
    let authority = parts
        .headers
        .get(http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| local.to_string());
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let status = |code: u16| {
        let mut response = hyper::Response::new(Full::new(Bytes::new()));
        *response.status_mut() =
            http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        response
    };
    parts.uri = match format!("http://{authority}{path_and_query}").parse() {
        Ok(uri) => uri,
        Err(_) => return status(400),
    };
    let body = match Limited::new(body, customer_token_host::server::DEFAULT_MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return status(413),
    };
    match runtime.handle(http::Request::from_parts(parts, body)).await {
        Ok(response) => response.map(Full::new),
        Err(_) => status(500),
    }
}

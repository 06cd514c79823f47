//! Runs the component: one engine and pre-instantiated component per process and flavor, a fresh
//! store and instance per request (as Spin does).
//!
//! The [`Flavor`] decides what the component is linked against: its own two interfaces hosted
//! directly (`Bare`), or, composed with a host adapter, Spin's (`Spin`) or wasmtime's and
//! wasmCloud's (`Wasi`) key-value and config interfaces.

pub(crate) mod bindings;
mod consumer;
mod engine;
mod flavor;
mod hosts;
mod state;

pub use self::consumer::{CONSUMER_WASM_ENV_VAR, ConsumerRuntime, default_consumer_wasm_path};
pub use self::engine::{EPOCH_TICK, LoadTimings, engine_config, pool, uses_pooling_allocator};
pub use self::flavor::{FLAVOR_ENV_VAR, Flavor, UnknownFlavor};
pub use self::hosts::spin::{SPIN_ROUTE, UNKNOWN_CLIENT_ADDR, spin_trigger_request};

use self::bindings::exchange::{
    self, Customer, CustomerInput, Error as ExchangeError, ExchangeOutput,
};
use self::engine::Loaded;
use self::state::State;
use crate::backend::{self, real_now};
use crate::clock::TestClock;
use crate::logs::LogBuffer;
use crate::secrets::SecretMap;
use anyhow::{Context as _, Result, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store, StoreLimitsBuilder};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpView};

/// How long one call into the component may take before it is cut off, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Extra time the host waits beyond the epoch deadline before giving up on a call that is
/// blocked in the host rather than executing wasm.
const HOST_GRACE: Duration = Duration::from_secs(1);

/// The hello-world wasi:http component built with the host (`examples/hello`), the
/// benchmark's baseline. Any plain wasi:http component runs on [`Runtime`] and
/// [`Server`](crate::server::Server) as the product does: the linker offers the product's own
/// imports too, and a component that does not use them is not bothered by them.
pub fn hello_wasm_path() -> PathBuf {
    PathBuf::from(env!("HELLO_WASI_HTTP_WASM"))
}

/// The component the build produced (`CUSTOMER_TOKEN_WASM` at build time), unless the
/// `CUSTOMER_TOKEN_WASM` environment variable names another file at run time.
pub fn default_wasm_path() -> PathBuf {
    match std::env::var_os("CUSTOMER_TOKEN_WASM") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(env!("CUSTOMER_TOKEN_WASM")),
    }
}

/// Configures a [`Runtime`].
#[derive(Default)]
pub struct RuntimeBuilder {
    wasm: Option<PathBuf>,
    flavor: Option<Flavor>,
    backend: Option<backend::Store>,
    secrets: SecretMap,
    clock: Option<TestClock>,
    capture_logs: bool,
    timeout: Option<Duration>,
    consumer: Option<PathBuf>,
}

impl RuntimeBuilder {
    /// The component file (default: [`default_wasm_path`]).
    pub fn wasm(mut self, path: impl Into<PathBuf>) -> Self {
        self.wasm = Some(path.into());
        self
    }

    /// Which host to imitate (default: [`Flavor::from_env`], which is [`Flavor::Bare`] unless
    /// `CUSTOMER_TOKEN_FLAVOR` says otherwise). For [`Flavor::Spin`] and [`Flavor::Wasi`] the
    /// component is composed with that host's adapter ([`Flavor::adapter_path`]) once per
    /// process.
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = Some(flavor);
        self
    }

    /// The key-value store behind `customer-store` (default: a fresh [`MemoryStore`] with the
    /// flavor's [counters](Flavor::counters), expiring keys by the runtime's clock). Counters
    /// are kept as the store keeps them, under every flavor, as on the real hosts: a Spin on
    /// SQLite keeps 8 bytes little-endian, a Spin on Redis decimal text.
    pub fn backend(mut self, backend: backend::Store) -> Self {
        self.backend = Some(backend);
        self
    }

    /// The values behind `secrets` (default: none).
    pub fn secrets(mut self, secrets: SecretMap) -> Self {
        self.secrets = secrets;
        self
    }

    /// The wall clock the component sees (default: real time).
    pub fn clock(mut self, clock: TestClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Collect the component's stderr and stdout in memory ([`Runtime::logs`]) instead of
    /// passing them to the host's stderr and stdout.
    pub fn capture_logs(mut self, capture: bool) -> Self {
        self.capture_logs = capture;
        self
    }

    /// How long one call may run before it is cut off (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The consumer component that [`build_consumer`](Self::build_consumer) composes with the
    /// product (default: [`default_consumer_wasm_path`], the example consumer). Ignored by
    /// [`build`](Self::build).
    pub fn consumer_wasm(mut self, path: impl Into<PathBuf>) -> Self {
        self.consumer = Some(path.into());
        self
    }

    /// Loads the component (composed with the flavor's adapter and compiled once per process,
    /// path and flavor) and builds the runtime.
    pub fn build(self) -> Result<Runtime> {
        let (wasm, flavor) = self.product()?;
        let loaded = engine::load(&wasm, flavor)?;
        let calls = self.into_calls(loaded.engine.clone(), flavor);
        Ok(Runtime {
            inner: Arc::new(Inner { loaded, calls }),
        })
    }

    /// Composes the consumer ([`consumer_wasm`](Self::consumer_wasm)) with the product (the
    /// component, composed with the flavor's adapter for [`Flavor::Spin`] and [`Flavor::Wasi`]),
    /// compiles the composite once per process, consumer, product and flavor, and builds a
    /// runtime that calls the consumer's `example:consumer/login` export. Everything else (the
    /// backend, secrets, clock, logs and timeout) works as for [`build`](Self::build).
    pub fn build_consumer(self) -> Result<ConsumerRuntime> {
        let (wasm, flavor) = self.product()?;
        let consumer = self
            .consumer
            .clone()
            .unwrap_or_else(default_consumer_wasm_path);
        let loaded = engine::load_consumer(&consumer, &wasm, flavor)?;
        let calls = self.into_calls(loaded.engine.clone(), flavor);
        Ok(ConsumerRuntime::new(loaded, calls))
    }

    /// The product component and the flavor to run it under.
    fn product(&self) -> Result<(PathBuf, Flavor)> {
        let wasm = self.wasm.clone().unwrap_or_else(default_wasm_path);
        let flavor = match self.flavor {
            Some(flavor) => flavor,
            None => Flavor::from_env()?,
        };
        Ok((wasm, flavor))
    }

    fn into_calls(self, engine: Engine, flavor: Flavor) -> Calls {
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let ticks = timeout.as_millis().div_ceil(EPOCH_TICK.as_millis()).max(1);
        Calls {
            engine,
            backend: self.backend.unwrap_or_else(|| {
                let now = self.clock.as_ref().map_or_else(real_now, TestClock::as_now);
                Arc::new(flavor.memory_store(now))
            }),
            secrets: Arc::new(self.secrets),
            clock: self.clock,
            logs: self.capture_logs.then(LogBuffer::new),
            timeout,
            deadline_ticks: u64::try_from(ticks).unwrap_or(u64::MAX),
        }
    }
}

/// A loaded component with its store, secrets and clock. Cheap to clone; clones share
/// everything, and calls on them may run concurrently.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    loaded: Arc<Loaded>,
    calls: Calls,
}

/// What each call's store is made from, and how long a call may take: the same for a
/// [`Runtime`] and a [`ConsumerRuntime`].
struct Calls {
    engine: Engine,
    backend: backend::Store,
    secrets: Arc<SecretMap>,
    clock: Option<TestClock>,
    logs: Option<LogBuffer>,
    timeout: Duration,
    deadline_ticks: u64,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("wasm", &self.inner.loaded.path)
            .field("flavor", &self.inner.loaded.flavor)
            .field("secrets", &self.inner.calls.secrets)
            .field("timeout", &self.inner.calls.timeout)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Starts configuring a runtime.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// The component file in use (canonical path).
    pub fn wasm_path(&self) -> &Path {
        &self.inner.loaded.path
    }

    /// The host flavor the component runs under.
    pub fn flavor(&self) -> Flavor {
        self.inner.loaded.flavor
    }

    /// The adapter composed with the component (canonical path; `None` for [`Flavor::Bare`]).
    pub fn adapter_path(&self) -> Option<&Path> {
        self.inner.loaded.adapter.as_deref()
    }

    /// How long composing and compiling the component took when this process first loaded it.
    pub fn load_timings(&self) -> LoadTimings {
        self.inner.loaded.timings
    }

    /// The key-value store the component uses.
    pub fn backend(&self) -> &backend::Store {
        &self.inner.calls.backend
    }

    /// The test clock, if one was given.
    pub fn clock(&self) -> Option<&TestClock> {
        self.inner.calls.clock.as_ref()
    }

    /// The configured call timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.calls.timeout
    }

    /// The component's captured stderr (and stdout) so far; empty unless `capture_logs(true)`.
    pub fn logs(&self) -> String {
        self.inner.calls.logs()
    }

    /// Forgets the captured logs.
    pub fn clear_logs(&self) {
        self.inner.calls.clear_logs();
    }

    /// Sends one HTTP request through `wasi:http/incoming-handler` and collects the response.
    ///
    /// The request's URI should be absolute (`http://host/graphql?...`): its scheme and authority
    /// are what the component sees (scheme `http` if absent; authority from the `Host` header if
    /// the URI has none). A trap, a timeout or a component that never answers is an `Err`.
    pub async fn handle(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
        let timeout = self.inner.calls.timeout;
        tokio::time::timeout(timeout + HOST_GRACE, self.handle_inner(request))
            .await
            .map_err(|_| anyhow!("the component did not answer within {timeout:?}"))?
    }

    async fn handle_inner(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
        let mut store = self.inner.calls.new_store();
        let (scheme, request) = match self.flavor() {
            // Spin's trigger adds its headers, and its wasi executor says `http` even over TLS.
            Flavor::Spin => (Scheme::Http, spin_trigger_request(request, None)),
            _ => match request.uri().scheme_str() {
                Some("https") => (Scheme::Https, request),
                _ => (Scheme::Http, request),
            },
        };
        let (parts, body) = request.into_parts();
        let body = Full::new(body).map_err(|never| -> wasmtime_wasi_http::Error { match never {} });
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(scheme, hyper::Request::from_parts(parts, body))
            .map_err(anyhow::Error::from)
            .context("creating the incoming request")?;
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let outparam = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(anyhow::Error::from)
            .context("creating the response outparam")?;

        let pre = self.inner.loaded.pre.clone();
        let mut task = AbortOnDrop(tokio::spawn(async move {
            let instance = pre.instantiate_async(&mut store).await?;
            instance
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
                    Ok(Err(trap)) => Err(trap_error(trap)),
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
            Ok(Err(trap)) => return Err(trap_error(trap)),
            Err(join) => bail!("the component task failed: {join}"),
        }
        Ok(http::Response::from_parts(parts, body))
    }

    /// Calls the typed `exchange` export: find or create the customer and issue a token.
    pub async fn exchange(
        &self,
        input: CustomerInput,
    ) -> Result<Result<ExchangeOutput, ExchangeError>> {
        self.call_typed(async move |guest, store| guest.call_exchange(store, &input).await)
            .await
    }

    /// Calls the typed `verify-token` export: the customer a token belongs to.
    pub async fn verify_token(&self, token: &str) -> Result<Result<Customer, ExchangeError>> {
        let token = token.to_owned();
        self.call_typed(async move |guest, store| guest.call_verify_token(store, &token).await)
            .await
    }

    /// Calls the typed `revoke` export: revoke every token of the token's customer.
    pub async fn revoke(&self, token: &str) -> Result<Result<(), ExchangeError>> {
        let token = token.to_owned();
        self.call_typed(async move |guest, store| guest.call_revoke(store, &token).await)
            .await
    }

    /// Instantiates the component and makes one call on its `exchange` export, or says why this
    /// component cannot take one.
    async fn call_typed<T>(
        &self,
        call: impl AsyncFnOnce(&exchange::Guest, &mut Store<State>) -> wasmtime::Result<T>,
    ) -> Result<T> {
        let indices = self.inner.loaded.exchange.clone().ok_or_else(|| {
            anyhow!(
                "{} has no `exchange` export: it is an HTTP build, and typed calls need the \
                 composable one (`--features composable`, dist/customer-token-composable.wasm)",
                self.wasm_path().display()
            )
        })?;
        let pre = self.inner.loaded.pre.clone();
        let mut store = self.inner.calls.new_store();
        self.inner
            .calls
            .with_timeout(async move {
                let instance = pre.instance_pre().instantiate_async(&mut store).await?;
                let guest = indices.load(&mut store, &instance)?;
                call(&guest, &mut store).await
            })
            .await
    }
}

impl Calls {
    fn logs(&self) -> String {
        self.logs
            .as_ref()
            .map(LogBuffer::contents)
            .unwrap_or_default()
    }

    fn clear_logs(&self) {
        if let Some(logs) = &self.logs {
            logs.clear();
        }
    }

    /// Runs one call into the component, cutting it off after the timeout (plus a grace period
    /// for a call blocked in the host; the epoch deadline stops one executing wasm).
    async fn with_timeout<T>(&self, call: impl Future<Output = wasmtime::Result<T>>) -> Result<T> {
        let timeout = self.timeout;
        match tokio::time::timeout(timeout + HOST_GRACE, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(trap)) => Err(trap_error(trap)),
            Err(_) => bail!("the component did not answer within {timeout:?}"),
        }
    }

    /// A fresh store for one call.
    fn new_store(&self) -> Store<State> {
        let mut wasi = WasiCtx::builder();
        match &self.logs {
            Some(logs) => {
                wasi.stderr(logs.clone()).stdout(logs.clone());
            }
            None => {
                wasi.inherit_stderr().inherit_stdout();
            }
        }
        if let Some(clock) = &self.clock {
            wasi.wall_clock(clock.clone());
        }
        let limits = StoreLimitsBuilder::new()
            .memory_size(pool::MAX_MEMORY_SIZE)
            .instances(pool::MAX_CORE_INSTANCES_PER_COMPONENT as usize)
            .trap_on_grow_failure(false)
            .build();
        let state = State {
            table: ResourceTable::new(),
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            backend: self.backend.clone(),
            secrets: self.secrets.clone(),
            limits,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        store.set_epoch_deadline(self.deadline_ticks);
        store.epoch_deadline_trap();
        store
    }
}

fn trap_error(trap: wasmtime::Error) -> anyhow::Error {
    anyhow::Error::from(trap).context("the component trapped")
}

/// Aborts the spawned instance task when the caller stops waiting (timeout, cancellation).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

//! Runs a component: one engine and pre-instantiated component per process and flavor, a fresh
//! store and instance per call (as Spin does).
//!
//! A [`Runtime`] makes the calls the component exports: `wasi:http` requests ([`Runtime::handle`]),
//! the product's typed `exchange` interface ([`Runtime::exchange`], the composable build only),
//! and the example consumer's `login` ([`Runtime::sign_in`], a consumer composed with the
//! product). A call the component does not export is an error naming what it lacks.

use crate::bindings::exchange::{
    self, Customer, CustomerInput, Error as ExchangeError, ExchangeOutput,
};
use crate::engine::{self, Loaded, pool};
use crate::flavor::Flavor;
use crate::logs::LogBuffer;
use crate::secrets::SecretMap;
use crate::state::State;
use crate::store_call::StoreCalls;
use crate::stores::{self, real_now};
use crate::wasm::Wasm;
use anyhow::{Context as _, Result, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store, StoreLimitsBuilder};
use wasmtime_wasi::{HostWallClock, WasiCtx};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpView};

/// How long one call into the component may take before it is cut off, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Extra time the host waits beyond the epoch deadline before giving up on a call that is
/// blocked in the host rather than executing wasm.
const HOST_GRACE: Duration = Duration::from_secs(1);

/// A wall clock shared by every instance of a runtime.
pub type Clock = Arc<dyn HostWallClock + Sync>;

/// Configures a [`Runtime`].
#[derive(Default)]
pub struct RuntimeBuilder {
    component: Option<Wasm>,
    flavor: Option<Flavor>,
    backend: Option<stores::Store>,
    secrets: SecretMap,
    clock: Option<Clock>,
    capture_logs: bool,
    timeout: Option<Duration>,
    inline_store_calls: bool,
}

impl RuntimeBuilder {
    /// The component to run (required): the product, the product composed with a host adapter
    /// (dist/customer-token-spin.wasm, ...), a consumer composed with either, or any `wasi:http`
    /// component.
    pub fn component(mut self, component: Wasm) -> Self {
        self.component = Some(component);
        self
    }

    /// Which host to imitate. By default, the one the component's imports are for (bare for a
    /// component that imports no host's own interfaces); a component built for another host is
    /// refused.
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = Some(flavor);
        self
    }

    /// The key-value store behind the component's storage (default: a fresh [`MemoryStore`] with
    /// the flavor's [counters](Flavor::counters), expiring keys by the runtime's clock). Counters
    /// are kept as the store keeps them, under every flavor, as on the real hosts: a Spin on
    /// SQLite keeps 8 bytes little-endian, a Spin on Redis decimal text.
    ///
    /// [`MemoryStore`]: crate::MemoryStore
    pub fn backend(mut self, backend: stores::Store) -> Self {
        self.backend = Some(backend);
        self
    }

    /// The values behind the component's configuration (default: none).
    pub fn secrets(mut self, secrets: SecretMap) -> Self {
        self.secrets = secrets;
        self
    }

    /// The wall clock the component sees, and the default store expires keys by (default: real
    /// time).
    pub fn clock(mut self, clock: impl HostWallClock + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Collect the component's stderr and stdout in memory ([`Runtime::logs`]) instead of
    /// passing them to the host's stderr and stdout.
    pub fn capture_logs(mut self, capture: bool) -> Self {
        self.capture_logs = capture;
        self
    }

    /// Calls a store that may block on the calling tokio worker instead of the blocking pool
    /// (default: off). Cheaper per call, but a stalled store then holds a worker, and its calls
    /// are bounded only by the store's own timeouts, not by the call's time limit: for
    /// measuring the difference, and for a store that never stalls.
    pub fn inline_store_calls(mut self, inline: bool) -> Self {
        self.inline_store_calls = inline;
        self
    }

    /// How long one call may run before it is cut off (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Compiles the component (once per process) and links it for the flavor (once per
    /// process and flavor), and builds the runtime.
    pub fn build(self) -> Result<Runtime> {
        let component = self
            .component
            .context("no component given: RuntimeBuilder::component is required")?;
        let loaded = engine::load(&component, self.flavor)?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let ticks = timeout
            .as_millis()
            .div_ceil(engine::EPOCH_TICK.as_millis())
            .max(1);
        let backend = self.backend.unwrap_or_else(|| {
            let now = match &self.clock {
                Some(clock) => unix_seconds_of(clock.clone()),
                None => real_now(),
            };
            Arc::new(loaded.flavor.memory_store(now))
        });
        Ok(Runtime {
            inner: Arc::new(Inner {
                engine: loaded.engine.clone(),
                loaded,
                backend,
                secrets: Arc::new(self.secrets),
                clock: self.clock,
                logs: self.capture_logs.then(LogBuffer::new),
                timeout,
                deadline_ticks: u64::try_from(ticks).unwrap_or(u64::MAX),
                offload_store_calls: !self.inline_store_calls,
            }),
        })
    }
}

/// A store's expiry clock that reads `clock`.
fn unix_seconds_of(clock: Clock) -> stores::Now {
    Arc::new(move || i64::try_from(clock.now().as_secs()).unwrap_or(i64::MAX))
}

/// A loaded component with its store, secrets and clock. Cheap to clone; clones share
/// everything, and calls on them may run concurrently.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    loaded: Arc<Loaded>,
    backend: stores::Store,
    secrets: Arc<SecretMap>,
    clock: Option<Clock>,
    logs: Option<LogBuffer>,
    timeout: Duration,
    deadline_ticks: u64,
    offload_store_calls: bool,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("component", &self.inner.loaded.name)
            .field("flavor", &self.inner.loaded.flavor)
            .field("secrets", &self.inner.secrets)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Starts configuring a runtime.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// The component's name, as it was given.
    pub fn component_name(&self) -> &str {
        &self.inner.loaded.name
    }

    /// The host flavor the component runs under.
    pub fn flavor(&self) -> Flavor {
        self.inner.loaded.flavor
    }

    /// How long compiling the component (or fetching it from wasmtime's on-disk cache) took when
    /// this process first loaded it.
    pub fn compile_time(&self) -> Duration {
        self.inner.loaded.compile_time
    }

    /// The key-value store the component uses.
    pub fn backend(&self) -> &stores::Store {
        &self.inner.backend
    }

    /// Whether the store answers a read of `key` within `within`, made as the component's store
    /// calls are (off the event loop where the store may block), for readiness probes.
    pub async fn store_answers(
        &self,
        key: &'static str,
        within: Duration,
    ) -> Result<(), stores::StoreError> {
        let deadline = tokio::time::Instant::now() + within;
        StoreCalls::new(self.inner.backend.clone(), deadline, true)
            .run("get", move |store| store.get(key).map(drop))
            .await
    }

    /// The configured call timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The component's captured stderr (and stdout) so far; empty unless `capture_logs(true)`.
    pub fn logs(&self) -> String {
        self.inner
            .logs
            .as_ref()
            .map(LogBuffer::contents)
            .unwrap_or_default()
    }

    /// Forgets the captured logs.
    pub fn clear_logs(&self) {
        if let Some(logs) = &self.inner.logs {
            logs.clear();
        }
    }

    /// Sends one HTTP request through `wasi:http/incoming-handler` and collects the response.
    ///
    /// The request's URI should be absolute (`http://host/graphql?...`): its scheme and authority
    /// are what the component sees (scheme `http` if absent; authority from the `Host` header if
    /// the URI has none), as the flavor's host hands them over. A trap, a timeout or a component
    /// that never answers is an `Err`.
    pub async fn handle(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
        let timeout = self.inner.timeout;
        tokio::time::timeout(timeout + HOST_GRACE, self.handle_inner(request))
            .await
            .map_err(|_| anyhow!("the component did not answer within {timeout:?}"))?
    }

    async fn handle_inner(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>> {
        let Some(http) = self.inner.loaded.http.clone() else {
            bail!(
                "{} has no wasi:http/incoming-handler export",
                self.component_name()
            );
        };
        let mut store = self.new_store();
        let (scheme, request) = self.flavor().host().incoming(request);
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
            http.load(&mut store, &instance)?
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
                self.component_name()
            )
        })?;
        let pre = self.inner.loaded.pre.clone();
        let mut store = self.new_store();
        self.with_timeout(async move {
            let instance = pre.instantiate_async(&mut store).await?;
            let guest = indices.load(&mut store, &instance)?;
            call(&guest, &mut store).await
        })
        .await
    }

    /// Calls the example consumer's `sign-in`: `Ok("<customer id>:<token>")`, or the product's
    /// error as `Err("<kind>: <message>")`. A trap or a timeout is the outer `Err`.
    pub async fn sign_in(
        &self,
        email: &str,
        firstname: &str,
        lastname: &str,
    ) -> Result<Result<String, String>> {
        let (email, firstname, lastname) =
            (email.to_owned(), firstname.to_owned(), lastname.to_owned());
        self.call_login(async move |login, store| {
            login
                .call_sign_in(store, &email, &firstname, &lastname)
                .await
        })
        .await
    }

    /// Calls the example consumer's `whoami`: `Ok(email)` of the customer `token` belongs to, or
    /// the product's error as `Err("<kind>: <message>")`. A trap or a timeout is the outer `Err`.
    pub async fn whoami(&self, token: &str) -> Result<Result<String, String>> {
        let token = token.to_owned();
        self.call_login(async move |login, store| login.call_whoami(store, &token).await)
            .await
    }

    /// Instantiates the component and makes one call on its `example:consumer/login` export.
    async fn call_login<T>(
        &self,
        call: impl AsyncFnOnce(
            &crate::bindings::consumer::exports::example::consumer::login::Guest,
            &mut Store<State>,
        ) -> wasmtime::Result<T>,
    ) -> Result<T> {
        let indices = self.inner.loaded.login.clone().ok_or_else(|| {
            anyhow!(
                "{} has no example:consumer/login export: it is not a consumer",
                self.component_name()
            )
        })?;
        let pre = self.inner.loaded.pre.clone();
        let mut store = self.new_store();
        self.with_timeout(async move {
            let instance = pre.instantiate_async(&mut store).await?;
            let consumer = indices.load(&mut store, &instance)?;
            call(consumer.example_consumer_login(), &mut store).await
        })
        .await
    }

    /// Runs one call into the component, cutting it off after the timeout (plus a grace period
    /// for a call blocked in the host; the epoch deadline stops one executing wasm).
    async fn with_timeout<T>(&self, call: impl Future<Output = wasmtime::Result<T>>) -> Result<T> {
        let timeout = self.inner.timeout;
        match tokio::time::timeout(timeout + HOST_GRACE, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(trap)) => Err(trap_error(trap)),
            Err(_) => bail!("the component did not answer within {timeout:?}"),
        }
    }

    /// A fresh store for one call.
    fn new_store(&self) -> Store<State> {
        let inner = &self.inner;
        let mut wasi = WasiCtx::builder();
        match &inner.logs {
            Some(logs) => {
                wasi.stderr(logs.clone()).stdout(logs.clone());
            }
            None => {
                wasi.inherit_stderr().inherit_stdout();
            }
        }
        if let Some(clock) = &inner.clock {
            wasi.wall_clock(SharedClock(clock.clone()));
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
            store: StoreCalls::new(
                inner.backend.clone(),
                tokio::time::Instant::now() + store_budget(inner.timeout),
                inner.offload_store_calls,
            ),
            secrets: inner.secrets.clone(),
            limits,
        };
        let mut store = Store::new(&inner.engine, state);
        store.limiter(|state| &mut state.limits);
        store.set_epoch_deadline(inner.deadline_ticks);
        store.epoch_deadline_trap();
        store
    }
}

/// How long a call's store calls may take in all: four fifths of its time limit, so that the
/// component still answers (a JSON 500 naming the store) inside the limit when the store stalls.
fn store_budget(timeout: Duration) -> Duration {
    timeout.saturating_sub(timeout / 5)
}

/// The runtime's clock, as each instance's WASI context takes one.
struct SharedClock(Clock);

impl HostWallClock for SharedClock {
    fn resolution(&self) -> Duration {
        self.0.resolution()
    }

    fn now(&self) -> Duration {
        self.0.now()
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

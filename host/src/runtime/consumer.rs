//! Runs a consumer of the product's typed interface: a component that imports
//! `commerce:customer-token/exchange` and exports `example:consumer/login` (`examples/consumer`),
//! composed with the product (`customer_token_compose::compose_consumer`) and linked against the same host
//! imports, backend, secrets and clock as the product alone under the chosen [`Flavor`].

use super::bindings::consumer::ConsumerHostPre;
use super::engine::{LoadTimings, Loaded};
use super::{Calls, Flavor, RuntimeBuilder};
use crate::backend::Store;
use crate::clock::TestClock;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The environment variable that names the consumer component at run time (and, at build time,
/// the file the build uses instead of building `examples/consumer`).
pub const CONSUMER_WASM_ENV_VAR: &str = "CUSTOMER_TOKEN_CONSUMER_WASM";

/// The example consumer the build produced (`CUSTOMER_TOKEN_CONSUMER_WASM` at build time),
/// unless the `CUSTOMER_TOKEN_CONSUMER_WASM` environment variable names another file at run
/// time.
pub fn default_consumer_wasm_path() -> PathBuf {
    match std::env::var_os(CONSUMER_WASM_ENV_VAR) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(env!("CUSTOMER_TOKEN_CONSUMER_WASM")),
    }
}

/// The consumer composed with the product, with its store, secrets and clock: built by
/// [`RuntimeBuilder::build_consumer`]. The composite is compiled once per process; each call
/// gets a fresh store and instance. Cheap to clone; clones share everything, and calls on them
/// may run concurrently.
///
/// ```no_run
/// # async fn demo() -> anyhow::Result<()> {
/// use customer_token_host::{ConsumerRuntime, MemoryStore, SecretMap};
/// use std::sync::Arc;
///
/// let consumer = ConsumerRuntime::builder()
///     .backend(Arc::new(MemoryStore::new()))
///     .secrets(SecretMap::new().with("customer_token_secret", "..."))
///     .build_consumer()?;
/// let signed_in = consumer.sign_in("ada@example.com", "Ada", "Lovelace").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ConsumerRuntime {
    inner: Arc<Inner>,
}

struct Inner {
    loaded: Arc<Loaded<ConsumerHostPre<super::state::State>>>,
    calls: Calls,
}

impl std::fmt::Debug for ConsumerRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsumerRuntime")
            .field("consumer", &self.inner.loaded.consumer)
            .field("wasm", &self.inner.loaded.path)
            .field("flavor", &self.inner.loaded.flavor)
            .field("secrets", &self.inner.calls.secrets)
            .field("timeout", &self.inner.calls.timeout)
            .finish_non_exhaustive()
    }
}

impl ConsumerRuntime {
    /// Starts configuring a consumer runtime: the same builder as
    /// [`Runtime::builder`](super::Runtime::builder), finished with
    /// [`RuntimeBuilder::build_consumer`].
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    pub(super) fn new(
        loaded: Arc<Loaded<ConsumerHostPre<super::state::State>>>,
        calls: Calls,
    ) -> Self {
        ConsumerRuntime {
            inner: Arc::new(Inner { loaded, calls }),
        }
    }

    /// The consumer component in use (canonical path).
    pub fn consumer_path(&self) -> &Path {
        // `load_consumer` always records the consumer; the product path is a harmless fallback.
        self.inner
            .loaded
            .consumer
            .as_deref()
            .unwrap_or(&self.inner.loaded.path)
    }

    /// The product component composed with the consumer (canonical path).
    pub fn wasm_path(&self) -> &Path {
        &self.inner.loaded.path
    }

    /// The host flavor the product runs under.
    pub fn flavor(&self) -> Flavor {
        self.inner.loaded.flavor
    }

    /// The adapter composed with the product (canonical path; `None` for [`Flavor::Bare`]).
    pub fn adapter_path(&self) -> Option<&Path> {
        self.inner.loaded.adapter.as_deref()
    }

    /// How long composing (adapter, then consumer) and compiling took when this process first
    /// loaded the composite.
    pub fn load_timings(&self) -> LoadTimings {
        self.inner.loaded.timings
    }

    /// The key-value store the product uses.
    pub fn backend(&self) -> &Store {
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

    /// The composite's captured stderr (and stdout) so far; empty unless `capture_logs(true)`.
    pub fn logs(&self) -> String {
        self.inner.calls.logs()
    }

    /// Forgets the captured logs.
    pub fn clear_logs(&self) {
        self.inner.calls.clear_logs();
    }

    /// Calls the consumer's `sign-in`: `Ok("<customer id>:<token>")`, or the product's error as
    /// `Err("<kind>: <message>")`. A trap or a timeout is the outer `Err`.
    pub async fn sign_in(
        &self,
        email: &str,
        firstname: &str,
        lastname: &str,
    ) -> Result<Result<String, String>> {
        let pre = self.inner.loaded.pre.clone();
        let mut store = self.inner.calls.new_store();
        let (email, firstname, lastname) =
            (email.to_owned(), firstname.to_owned(), lastname.to_owned());
        self.inner
            .calls
            .with_timeout(async move {
                let instance = pre.instantiate_async(&mut store).await?;
                instance
                    .example_consumer_login()
                    .call_sign_in(&mut store, &email, &firstname, &lastname)
                    .await
            })
            .await
    }

    /// Calls the consumer's `whoami`: `Ok(email)` of the customer `token` belongs to, or the
    /// product's error as `Err("<kind>: <message>")`. A trap or a timeout is the outer `Err`.
    pub async fn whoami(&self, token: &str) -> Result<Result<String, String>> {
        let pre = self.inner.loaded.pre.clone();
        let mut store = self.inner.calls.new_store();
        let token = token.to_owned();
        self.inner
            .calls
            .with_timeout(async move {
                let instance = pre.instantiate_async(&mut store).await?;
                instance
                    .example_consumer_login()
                    .call_whoami(&mut store, &token)
                    .await
            })
            .await
    }
}

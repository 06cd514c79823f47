//! Runs the `customer-token` component in wasmtime: the server's, the tests' and the benchmark's
//! one request path.
//!
//! A [`Runtime`] is given a component's bytes ([`Wasm`]) and runs it under one of the hosts it
//! imitates ([`Flavor`]): its own `customer-store` and `secrets` imports hosted directly
//! ([`Flavor::Bare`]), or Spin's or wasmtime's and wasmCloud's key-value and config interfaces,
//! which the product composed with that host's adapter imports ([`Flavor::Spin`],
//! [`Flavor::Wasi`]). The flavor is told by the component's imports. Behind every flavor sits one
//! key-value store ([`stores`]: SQLite, redb, Redis, memory) and a [`SecretMap`].
//!
//! ```no_run
//! # async fn demo(bytes: &'static [u8]) -> anyhow::Result<()> {
//! use customer_token_runtime::{Runtime, SecretMap, Wasm};
//!
//! let runtime = Runtime::builder()
//!     .component(Wasm::from_static("customer-token", bytes))
//!     .secrets(SecretMap::new().with("oauth_consumer_key", "..."))
//!     .capture_logs(true)
//!     .build()?;
//! let request = http::Request::post("http://localhost/graphql")
//!     .header("content-type", "application/json")
//!     .body(bytes::Bytes::from_static(br#"{"query":"{__typename}"}"#))?;
//! let response = runtime.handle(request).await?;
//! assert_eq!(response.status(), 200);
//! eprintln!("{}", runtime.logs());
//! # Ok(())
//! # }
//! ```

mod bindings;
mod engine;
mod flavor;
mod logs;
mod runtime;
mod secrets;
mod state;
mod store_call;
pub mod stores;
mod wasm;

pub use self::engine::{
    CACHE_ENV_VAR, EPOCH_TICK, PERF_MAP_ENV_VAR, engine_config, pool, uses_pooling_allocator,
};
pub use self::flavor::{
    FLAVOR_ENV_VAR, Flavor, SPIN_ROUTE, UNKNOWN_CLIENT_ADDR, UnknownFlavor, spin_trigger_request,
};
pub use self::logs::LogBuffer;
pub use self::runtime::{Clock, DEFAULT_TIMEOUT, Runtime, RuntimeBuilder};
pub use self::secrets::SecretMap;
pub use self::stores::{
    Call, CallHook, CallPhase, CounterFormat, ExpiringCount, Faulty, FaultyStore, KeyValue,
    MemorySnapshot, MemoryStore, Now, RedbStore, RedisSettings, RedisStore, SqliteStore, Store,
    StoreError, real_now,
};
pub use self::wasm::Wasm;
pub use wasmtime_wasi::HostWallClock;

/// The typed `commerce:customer-token/exchange` interface, as the runtime sees it.
pub mod exchange {
    pub use crate::bindings::exchange::{
        Attribute, AttributeValue, ConfirmationStatus, Customer, CustomerInput, Error,
        ExchangeOutput,
    };
}

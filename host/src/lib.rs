//! A native wasmtime host for the `customer-token` component: the test harness, the benchmark
//! harness and the local server.
//!
//! [`RuntimeBuilder::flavor`] chooses what the component is linked against: its own
//! `customer-store` and `secrets` imports hosted directly ([`Flavor::Bare`], the default), or the
//! component composed with a host adapter and that host's key-value and config interfaces
//! emulated in-process ([`Flavor::Spin`], [`Flavor::Wasi`]).
//!
//! [`RuntimeBuilder::build_consumer`] runs a consumer of the product's typed `exchange`
//! interface instead (the example in `examples/consumer`, composed with the product under any
//! flavor): [`ConsumerRuntime::sign_in`] and [`ConsumerRuntime::whoami`].
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use customer_token_host::{MemoryStore, Runtime, SecretMap};
//! use std::sync::Arc;
//!
//! let runtime = Runtime::builder()
//!     .backend(Arc::new(MemoryStore::new()))
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

pub mod backend;
pub mod client;
pub mod clock;
pub mod logs;
pub mod runtime;
pub mod secrets;
pub mod server;
pub mod sign;
pub mod testutil;

pub use backend::{
    Call, CallHook, CallPhase, CounterFormat, ExpiringCount, Faulty, FaultyStore, KeyValue,
    MemorySnapshot, MemoryStore, Now, RedbStore, RedisStore, SqliteStore, Store, StoreError,
    real_now,
};
pub use clock::TestClock;
pub use logs::LogBuffer;
pub use runtime::{
    ConsumerRuntime, Flavor, LoadTimings, Runtime, RuntimeBuilder, default_consumer_wasm_path,
    default_wasm_path,
};
pub use secrets::SecretMap;

/// The typed `commerce:customer-token/exchange` interface, as the host sees it.
pub mod exchange {
    pub use crate::runtime::bindings::exchange::{
        Attribute, AttributeValue, ConfirmationStatus, Customer, CustomerInput, Error,
        ExchangeOutput,
    };
}

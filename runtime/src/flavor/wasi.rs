//! `wasmtime serve -Skeyvalue -Sconfig` (and wasmCloud 2.x), as the wasmtime/wasmCloud adapter
//! sees them: `wasi:keyvalue/{store,atomics}@0.2.0-draft` and `wasi:config/store@0.2.0-rc.1`.
//!
//! What is imitated (read from the crates wasmtime-wasi-keyvalue 48.0.8 and wasmtime-wasi-config
//! 48.0.8):
//!
//! - `open(identifier)`: only the empty identifier (wasmtime's in-memory store) opens; any other
//!   is `no-such-store`. So the adapter, which asks for its default bucket `customer-token`
//!   first, falls back to `""` and writes keys as they are, as on `wasmtime serve` (on
//!   wasmCloud it gets its bucket and writes keys in NATS's alphabet: xtask/tests/wasmcloud.rs).
//! - `get`, `set`, `delete` go straight to the [`Store`](crate::Store).
//! - `increment(bucket, key, delta: u64) -> u64` is the store's `increment`: counters as the
//!   store keeps them (decimal text in the memory store, as wasmtime keeps them; the SQLite
//!   file's or Redis's own otherwise). A value that is not a counter, or an overflow, is
//!   `other(message)`, as on wasmtime (the message is the store's, not wasmtime's wording: the
//!   adapter only passes it to the log).
//! - `exists`, `list-keys` and `wasi:config/store.get-all`, which the adapter never calls, answer
//!   `other(...)` (`io(...)` for config).
//! - `wasi:config/store.get(key)` reads the [`SecretMap`](crate::SecretMap) (what `-Sconfig-var=key=value` sets);
//!   an unknown key is `Ok(None)`.
//!
//! One deliberate difference: `wasmtime serve` gives every `open` a fresh copy of its preset data,
//! so nothing written survives the request. Here every write goes to the shared store and
//! persists, as on wasmCloud's persistent stores, so that the product's end-to-end suite (which
//! needs customers and nonces to persist) runs against this flavor too.
//!
//! Store failures become `other(message)`, and [`StoreError::AccessDenied`] becomes
//! `access-denied`.
//!
//! [`StoreError::AccessDenied`]: crate::StoreError::AccessDenied

use super::Host;
use super::keyvalue::{HasKvHost, KvError, KvHost, kv_host, shared_functions};
use crate::state::State;
use crate::stores::KeyValue;
use wasmtime::component::{Linker, Resource};

mod bindings {
    #![allow(missing_docs, clippy::all)]

    wasmtime::component::bindgen!({
        path: [
            "../adapters/wasi/wit/deps/keyvalue",
            "../adapters/wasi/wit/deps/config",
        ],
        inline: "
            package customer-token-host:wasi;

            world wasi-imports {
                import wasi:keyvalue/store@0.2.0-draft;
                import wasi:keyvalue/atomics@0.2.0-draft;
                import wasi:config/store@0.2.0-rc.1;
            }
        ",
        world: "wasi-imports",
        imports: { default: async | trappable },
        trappable_error_type: {
            "wasi:keyvalue/store.error" => crate::flavor::keyvalue::KvError,
        },
        with: {
            "wasi:keyvalue/store.bucket": crate::flavor::wasi::WasiBucket,
        },
    });
}

use bindings::wasi::config::store as config;
use bindings::wasi::keyvalue::{atomics, store};

/// `wasmtime serve -Skeyvalue -Sconfig` and wasmCloud 2.x: their key-value and config interfaces.
pub(crate) struct Wasi;

impl Host for Wasi {
    fn name(&self) -> &'static str {
        "wasi"
    }

    fn counters(&self) -> crate::stores::CounterFormat {
        crate::stores::CounterFormat::Decimal
    }

    fn marks(&self, import: &str) -> bool {
        matches!(
            import,
            "wasi:keyvalue/store@0.2.0-draft"
                | "wasi:keyvalue/atomics@0.2.0-draft"
                | "wasi:config/store@0.2.0-rc.1"
        )
    }

    fn add_to_linker(&self, linker: &mut Linker<State>) -> wasmtime::Result<()> {
        store::add_to_linker::<State, HasKvHost>(linker, kv_host)?;
        atomics::add_to_linker::<State, HasKvHost>(linker, kv_host)?;
        config::add_to_linker::<State, HasKvHost>(linker, kv_host)?;
        Ok(())
    }
}

/// The only bucket identifier wasmtime's in-memory store accepts.
pub(crate) const BUCKET_NAME: &str = "";

/// An open bucket (wasmtime's holds a copy of the preset data; this one reaches the backend).
pub struct WasiBucket;

/// What the adapter never calls (`exists`, `list-keys`, `get-all`) answers with this.
const UNUSED: &str = "not emulated: the wasi adapter never calls it";

shared_functions!(bucket: WasiBucket, cursor: Option<u64>, unused: UNUSED);

impl store::Host for KvHost<'_> {
    async fn open(&mut self, identifier: String) -> Result<Resource<WasiBucket>, KvError> {
        if identifier == BUCKET_NAME {
            Ok(self.table.push(WasiBucket)?)
        } else {
            Err(KvError::NoSuchStore)
        }
    }

    fn convert_error(&mut self, error: KvError) -> wasmtime::Result<store::Error> {
        convert_error(error)
    }
}

impl atomics::Host for KvHost<'_> {
    async fn increment(
        &mut self,
        _bucket: Resource<WasiBucket>,
        key: String,
        delta: u64,
    ) -> Result<u64, KvError> {
        // The store's own counters: decimal text in memory (as wasmtime keeps them), the SQLite
        // file's or Redis's own otherwise.
        let increment = move |store: &dyn KeyValue| store.increment(&key, delta);
        Ok(self.store.run("increment", increment).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretMap;
    use crate::store_call::StoreCalls;
    use crate::stores::{KeyValue, MemoryStore};
    use atomics::Host as _;
    use std::sync::Arc;
    use store::Host as _;
    use wasmtime::component::ResourceTable;

    struct Fixture {
        memory: Arc<MemoryStore>,
        store: StoreCalls,
        secrets: SecretMap,
        table: ResourceTable,
    }

    impl Fixture {
        fn new() -> Self {
            let memory = Arc::new(MemoryStore::new());
            Fixture {
                store: StoreCalls::new(
                    memory.clone(),
                    tokio::time::Instant::now() + std::time::Duration::from_secs(5),
                    true,
                ),
                memory,
                secrets: SecretMap::new().with("public_base_url", "https://shop.example"),
                table: ResourceTable::new(),
            }
        }

        fn host(&mut self) -> KvHost<'_> {
            KvHost {
                store: &self.store,
                secrets: &self.secrets,
                table: &mut self.table,
            }
        }
    }

    async fn bucket(host: &mut KvHost<'_>) -> Resource<WasiBucket> {
        match host.open(BUCKET_NAME.into()).await {
            Ok(bucket) => Resource::new_borrow(bucket.rep()),
            Err(error) => panic!("opening \"\" failed: {error:?}"),
        }
    }

    #[tokio::test]
    async fn only_the_empty_identifier_opens() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        assert!(host.open(String::new()).await.is_ok());
        for identifier in ["default", "other"] {
            let error = host.open(identifier.into()).await.err();
            assert!(
                matches!(error, Some(KvError::NoSuchStore)),
                "{identifier:?}: {error:?}"
            );
        }
    }

    #[tokio::test]
    async fn counters_are_decimal_text() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host).await;
        let again = || Resource::<WasiBucket>::new_borrow(b.rep());
        assert_eq!(host.increment(again(), "n".into(), 0).await.unwrap(), 0);
        assert_eq!(host.increment(again(), "n".into(), 41).await.unwrap(), 41);
        assert_eq!(host.increment(again(), "n".into(), 1).await.unwrap(), 42);
        assert_eq!(fixture.memory.get("n"), Ok(Some(b"42".to_vec())));
    }

    #[tokio::test]
    async fn bad_counters_are_other_errors_and_stay() {
        let mut fixture = Fixture::new();
        fixture.memory.set("text", b"not a number").unwrap();
        fixture
            .memory
            .set("max", u64::MAX.to_string().as_bytes())
            .unwrap();
        let mut host = fixture.host();
        let b = bucket(&mut host).await;
        let again = || Resource::<WasiBucket>::new_borrow(b.rep());
        for key in ["text", "max"] {
            let result = host.increment(again(), key.into(), 1).await;
            assert!(
                matches!(result, Err(KvError::Other(_))),
                "{key}: {result:?}"
            );
        }
        assert_eq!(
            fixture.memory.get("text"),
            Ok(Some(b"not a number".to_vec()))
        );
    }

    #[tokio::test]
    async fn config_reads_the_secret_map() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        assert_eq!(
            config::Host::get(&mut host, "public_base_url".into())
                .await
                .unwrap()
                .unwrap(),
            Some("https://shop.example".into())
        );
        assert_eq!(
            config::Host::get(&mut host, "missing".into())
                .await
                .unwrap()
                .unwrap(),
            None
        );
        assert!(config::Host::get_all(&mut host).await.unwrap().is_err());
    }
}

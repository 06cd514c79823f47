//! Spin 4's key-value factor and variables, as the Spin adapter sees them:
//! `wasi:keyvalue/{store,atomics}@0.2.0-draft2` and `wasi:config/store@0.2.0-draft-2024-09-27`.
//!
//! What is imitated (read from spinframework/spin `crates/factor-key-value/src/host.rs` and
//! `crates/key-value-spin/src/store.rs`, the default SQLite store), of what the adapter calls:
//!
//! - `open(label)`: the manifest declares only `key_value_stores = ["default"]`, so `default`
//!   opens and any other label is `access-denied` (Spin answers `no-such-store` only for a label
//!   the manifest allows but the runtime config does not define).
//! - `get`, `set`, `delete` go straight to the [`Store`](crate::Store).
//! - `increment(bucket, key, delta: s64) -> s64` is the store's own `increment`, in the store's
//!   own counters: 8 bytes little-endian on the SQLite file (Spin's encoding) and on the
//!   in-memory store this flavor is given ([`Flavor::counters`](crate::Flavor::counters)),
//!   `INCRBY` on Redis, as Spin's Redis store (`crates/key-value-redis`) does. A value that is
//!   not a counter makes Spin's SQLite host panic (`expect("incorrect length")`); here the call
//!   traps, which fails the request the same way.
//! - `wasi:config/store.get(key)` reads the [`SecretMap`](crate::SecretMap) by the contract's lower-case name (Spin
//!   variable names are lower case); an unknown name is `Ok(None)`, as Spin answers for an
//!   undefined variable.
//!
//! What the adapter never calls (compare-and-swap, `exists`, `list-keys`, `get-all`) answers an
//! error rather than being imitated. Store failures become `other(message)`, and
//! [`StoreError::AccessDenied`] becomes `access-denied`.
//!
//! [`StoreError::AccessDenied`]: crate::StoreError::AccessDenied

use super::Host;
use super::keyvalue::{HasKvHost, KvError, KvHost, kv_host, shared_functions};
use crate::state::State;
use crate::stores::KeyValue;
use crate::stores::StoreError;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

/// The route `spin.toml` gives the component; Spin's trigger answers other paths itself (404),
/// without calling the component.
pub const SPIN_ROUTE: &str = "/graphql";

/// The client address [`spin_trigger_request`] puts in `spin-client-addr` when the caller has
/// none (Spin puts the TCP peer's address there).
pub const UNKNOWN_CLIENT_ADDR: &str = "127.0.0.1:0";

/// The request as Spin 4's HTTP trigger hands it to a `wasi:http` component for the route
/// [`SPIN_ROUTE`], as the real-Spin tests (`tests/real_spin.rs`) observed it (with a probe component echoing what it
/// received) and spinframework/spin `crates/trigger-http/src/{headers,wasi}.rs` do it:
///
/// - the `connection` header is removed;
/// - seven headers are appended after the client's, in this order: `spin-path-info` (empty for an
///   exact route), `spin-full-url` (`<scheme>://<Host header, else localhost><path and query>`),
///   `spin-matched-route`, `spin-base-path` (`/`), `spin-raw-component-route`,
///   `spin-component-route` (all three the route) and `spin-client-addr` (`client_addr`);
/// - the authority is the `Host` header's (the component never sees `host` itself: wasmtime's
///   `wasi:http` removes it, on Spin as in this emulation).
///
/// Spin refills the header map after clearing it, so the component sees the headers in no
/// particular order; only the set is imitated here.
/// They count towards the component's header limits like any other: a GET whose URL is longer
/// than the header budget is refused on Spin (431) because `spin-full-url` repeats it.
///
/// The scheme is not changed here; the Spin flavor gives the component `http` whatever the URI
/// says, as Spin's wasi executor does.
pub fn spin_trigger_request(
    request: http::Request<bytes::Bytes>,
    client_addr: Option<std::net::SocketAddr>,
) -> http::Request<bytes::Bytes> {
    use http::header::{HeaderName, HeaderValue};
    let (mut parts, body) = request.into_parts();
    parts.headers.remove(http::header::CONNECTION);
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_else(|| "localhost".to_owned());
    let scheme = parts.uri.scheme_str().unwrap_or("http");
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    let full_url = format!("{scheme}://{host}{path_and_query}");
    let client_addr = client_addr.map_or_else(|| UNKNOWN_CLIENT_ADDR.to_owned(), |a| a.to_string());
    for (name, value) in [
        ("spin-path-info", ""),
        ("spin-full-url", full_url.as_str()),
        ("spin-matched-route", SPIN_ROUTE),
        ("spin-base-path", "/"),
        ("spin-raw-component-route", SPIN_ROUTE),
        ("spin-component-route", SPIN_ROUTE),
        ("spin-client-addr", client_addr.as_str()),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            parts.headers.append(HeaderName::from_static(name), value);
        }
    }
    http::Request::from_parts(parts, body)
}

mod bindings {
    #![allow(missing_docs, clippy::all)]

    wasmtime::component::bindgen!({
        path: [
            "../adapters/spin/wit/deps/keyvalue",
            "../adapters/spin/wit/deps/config",
        ],
        inline: "
            package customer-token-host:spin;

            world spin-imports {
                import wasi:keyvalue/store@0.2.0-draft2;
                import wasi:keyvalue/atomics@0.2.0-draft2;
                import wasi:config/store@0.2.0-draft-2024-09-27;
            }
        ",
        world: "spin-imports",
        imports: { default: async | trappable },
        trappable_error_type: {
            "wasi:keyvalue/store.error" => crate::flavor::keyvalue::KvError,
        },
        with: {
            "wasi:keyvalue/store.bucket": crate::flavor::spin::SpinBucket,
            "wasi:keyvalue/atomics.cas": crate::flavor::spin::SpinCas,
        },
    });
}

use bindings::wasi::config::store as config;
use bindings::wasi::keyvalue::{atomics, store};

/// Spin 4: its key-value and variables interfaces, and its HTTP trigger's request.
pub(crate) struct Spin;

impl Host for Spin {
    fn name(&self) -> &'static str {
        "spin"
    }

    fn counters(&self) -> crate::stores::CounterFormat {
        crate::stores::CounterFormat::LittleEndian64
    }

    fn marks(&self, import: &str) -> bool {
        matches!(
            import,
            "wasi:keyvalue/store@0.2.0-draft2"
                | "wasi:keyvalue/atomics@0.2.0-draft2"
                | "wasi:config/store@0.2.0-draft-2024-09-27"
        )
    }

    fn add_to_linker(&self, linker: &mut Linker<State>) -> wasmtime::Result<()> {
        store::add_to_linker::<State, HasKvHost>(linker, kv_host)?;
        atomics::add_to_linker::<State, HasKvHost>(linker, kv_host)?;
        config::add_to_linker::<State, HasKvHost>(linker, kv_host)?;
        Ok(())
    }

    fn incoming(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> (Scheme, http::Request<bytes::Bytes>) {
        // Spin's trigger adds its headers, and its wasi executor says `http` even over TLS.
        (Scheme::Http, spin_trigger_request(request, None))
    }
}

/// The only store label the component's manifest declares.
pub(crate) const STORE_LABEL: &str = "default";

/// An open store. Spin's store handle names its label; there is only one here.
pub struct SpinBucket;

/// A compare-and-swap, which this emulation never hands out (the adapter never swaps).
pub struct SpinCas;

/// What the Spin adapter never calls (Spin's compare-and-swap, `exists`, `list-keys`,
/// `get-all`) answers with this, rather than being imitated.
const UNUSED: &str = "not emulated: the Spin adapter never calls it";

/// The error Spin's host panics with when a counter's stored value is not its counter, as a trap.
fn incorrect_length(key: &str, why: &str) -> KvError {
    KvError::Trap(wasmtime::format_err!(
        "the Spin host panicked: `increment` of key {key:?}, whose value is not an 8-byte \
         little-endian counter (Spin's SQLite key-value store: \"incorrect length\"; {why})"
    ))
}

shared_functions!(bucket: SpinBucket, cursor: Option<String>, unused: UNUSED);

impl store::Host for KvHost<'_> {
    async fn open(&mut self, identifier: String) -> Result<Resource<SpinBucket>, KvError> {
        if identifier == STORE_LABEL {
            Ok(self.table.push(SpinBucket)?)
        } else {
            Err(KvError::AccessDenied)
        }
    }

    fn convert_error(&mut self, error: KvError) -> wasmtime::Result<store::Error> {
        convert_error(error)
    }
}

impl atomics::Host for KvHost<'_> {
    async fn increment(
        &mut self,
        _bucket: Resource<SpinBucket>,
        key: String,
        delta: i64,
    ) -> Result<i64, KvError> {
        // The store's own counters: 8 bytes little-endian on SQLite (and the in-memory store this
        // flavor is given), `INCRBY` on Redis, as Spin's stores keep them.
        let delta = u64::try_from(delta).map_err(|_| {
            KvError::Other(format!(
                "cannot add {delta}: the product's counters only grow"
            ))
        })?;
        let counted = {
            let key = key.clone();
            let increment = move |store: &dyn KeyValue| store.increment(&key, delta);
            self.store.run("increment", increment).await
        };
        match counted {
            Ok(value) => i64::try_from(value)
                .map_err(|_| KvError::Other(format!("the counter at {key:?} is past i64::MAX"))),
            // Spin's SQLite store panics on a value that is not its counter.
            Err(StoreError::NotACounter(message)) => Err(incorrect_length(&key, &message)),
            Err(error) => Err(error.into()),
        }
    }

    async fn swap(
        &mut self,
        cas: Resource<SpinCas>,
        _value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), atomics::CasError>> {
        self.table.delete(cas)?;
        Ok(Err(atomics::CasError::StoreError(store::Error::Other(
            UNUSED.into(),
        ))))
    }
}

impl atomics::HostCas for KvHost<'_> {
    async fn new(
        &mut self,
        _bucket: Resource<SpinBucket>,
        _key: String,
    ) -> Result<Resource<SpinCas>, KvError> {
        Err(KvError::Other(UNUSED.into()))
    }

    async fn current(&mut self, _cas: Resource<SpinCas>) -> Result<Option<Vec<u8>>, KvError> {
        Err(KvError::Other(UNUSED.into()))
    }

    async fn drop(&mut self, cas: Resource<SpinCas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretMap;
    use crate::store_call::StoreCalls;
    use crate::stores::{CounterFormat, KeyValue, MemoryStore};
    use atomics::{Host as _, HostCas as _};
    use config::Host as _;
    use std::sync::Arc;
    use store::{Host as _, HostBucket as _};
    use wasmtime::component::ResourceTable;

    struct Fixture {
        memory: Arc<MemoryStore>,
        store: StoreCalls,
        secrets: SecretMap,
        table: ResourceTable,
    }

    impl Fixture {
        fn new() -> Self {
            let memory = Arc::new(MemoryStore::new().with_counters(CounterFormat::LittleEndian64));
            Fixture {
                store: StoreCalls::new(
                    memory.clone(),
                    tokio::time::Instant::now() + std::time::Duration::from_secs(5),
                    true,
                ),
                memory,
                secrets: SecretMap::new()
                    .with("oauth_consumer_key", "ck")
                    .with("customer_token_secret", "s"),
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

    async fn bucket(host: &mut KvHost<'_>) -> Resource<SpinBucket> {
        match host.open(STORE_LABEL.into()).await {
            Ok(bucket) => Resource::new_borrow(bucket.rep()),
            Err(error) => panic!("opening {STORE_LABEL:?} failed: {error:?}"),
        }
    }

    #[tokio::test]
    async fn only_the_default_label_opens() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        assert!(host.open("default".into()).await.is_ok());
        for label in ["other", "", "Default"] {
            let error = host.open(label.into()).await.err();
            assert!(
                matches!(error, Some(KvError::AccessDenied)),
                "{label:?}: {error:?}"
            );
            let converted = host.convert_error(KvError::AccessDenied).unwrap();
            assert!(matches!(converted, store::Error::AccessDenied));
        }
    }

    #[tokio::test]
    async fn bucket_calls_reach_the_store() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host).await;
        let again = || Resource::<SpinBucket>::new_borrow(b.rep());
        assert_eq!(
            store::HostBucket::get(&mut host, again(), "k".into())
                .await
                .unwrap(),
            None
        );
        host.set(again(), "k".into(), b"v".to_vec()).await.unwrap();
        assert_eq!(
            store::HostBucket::get(&mut host, again(), "k".into())
                .await
                .unwrap(),
            Some(b"v".to_vec())
        );
        host.delete(again(), "k".into()).await.unwrap();
        assert_eq!(fixture.memory.get("k"), Ok(None));
    }

    #[tokio::test]
    async fn counters_are_the_stores_eight_bytes_little_endian() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host).await;
        let again = || Resource::<SpinBucket>::new_borrow(b.rep());
        assert_eq!(host.increment(again(), "n".into(), 1).await.unwrap(), 1);
        assert_eq!(host.increment(again(), "n".into(), 2).await.unwrap(), 3);
        assert_eq!(host.increment(again(), "n".into(), 0).await.unwrap(), 3);
        assert!(matches!(
            host.increment(again(), "n".into(), -1).await,
            Err(KvError::Other(_))
        ));
        assert_eq!(
            fixture.memory.get("n"),
            Ok(Some(3i64.to_le_bytes().to_vec()))
        );
    }

    #[tokio::test]
    async fn incrementing_a_set_key_traps() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host).await;
        host.set(
            Resource::new_borrow(b.rep()),
            "plain".into(),
            b"12".to_vec(),
        )
        .await
        .unwrap();
        let error = host
            .increment(Resource::new_borrow(b.rep()), "plain".into(), 1)
            .await
            .unwrap_err();
        assert!(matches!(error, KvError::Trap(_)), "{error:?}");
        let trap = host.convert_error(error).unwrap_err();
        assert!(trap.to_string().contains("incorrect length"), "{trap}");
        // Nothing was written.
        assert_eq!(fixture.memory.get("plain"), Ok(Some(b"12".to_vec())));
    }

    #[tokio::test]
    async fn store_errors_are_other_or_access_denied() {
        assert!(matches!(
            KvError::from(StoreError::AccessDenied),
            KvError::AccessDenied
        ));
        assert!(matches!(
            KvError::from(StoreError::other("disk full")),
            KvError::Other(message) if message == "disk full"
        ));
    }

    #[tokio::test]
    async fn what_the_adapter_never_calls_is_refused() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host).await;
        let again = || Resource::<SpinBucket>::new_borrow(b.rep());
        assert!(matches!(
            host.new(again(), "k".into()).await,
            Err(KvError::Other(_))
        ));
        assert!(matches!(
            host.exists(again(), "k".into()).await,
            Err(KvError::Other(_))
        ));
        assert!(matches!(
            host.list_keys(again(), None).await,
            Err(KvError::Other(_))
        ));
        assert!(host.get_all().await.unwrap().is_err());
    }

    #[tokio::test]
    async fn config_reads_the_secret_map() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        assert_eq!(
            config::Host::get(&mut host, "oauth_consumer_key".into())
                .await
                .unwrap()
                .unwrap(),
            Some("ck".into())
        );
        assert_eq!(
            config::Host::get(&mut host, "OAUTH_CONSUMER_KEY".into())
                .await
                .unwrap()
                .unwrap(),
            None
        );
        assert_eq!(
            config::Host::get(&mut host, "undefined".into())
                .await
                .unwrap()
                .unwrap(),
            None
        );
    }
}

//! Spin 4's key-value factor and variables, as the Spin adapter sees them:
//! `wasi:keyvalue/{store,atomics}@0.2.0-draft2` and `wasi:config/store@0.2.0-draft-2024-09-27`.
//!
//! What is imitated (read from spinframework/spin `crates/factor-key-value/src/host.rs` and
//! `crates/key-value-spin/src/store.rs`, the default SQLite store):
//!
//! - `open(label)`: the manifest declares only `key_value_stores = ["default"]`, so `default`
//!   opens and any other label is `access-denied` (Spin answers `no-such-store` only for a label
//!   the manifest allows but the runtime config does not define).
//! - `get`, `set`, `delete`, `exists` go straight to the [`Backend`].
//! - `increment(bucket, key, delta: s64) -> s64` keeps the counter as 8 bytes little-endian; an
//!   absent key counts as 0, the sum wraps on overflow (Spin is built without overflow checks).
//!   On Redis it is the backend's `increment`, as Spin's Redis store (`crates/key-value-redis`)
//!   calls `INCRBY`.
//!   A value of any other length makes Spin's host panic (`expect("incorrect length")`); here the
//!   call traps, which fails the request the same way.
//! - `cas.new`/`cas.current`/`swap` as the SQLite store does them: `current` remembers the value it
//!   read; `swap` writes only if the key still holds that value (else `cas-failed` with a fresh
//!   `cas` holding the current value), and writes unconditionally if the remembered value is
//!   absent (`current` found no value, or was never called).
//! - `list-keys` answers `other(...)`: the [`Backend`] cannot list keys (the adapter never asks).
//!   Like Spin, a cursor is refused first.
//! - `wasi:config/store.get(key)` reads the [`SecretMap`] by the contract's lower-case name (Spin
//!   variable names are lower case); an unknown name is `Ok(None)`, as Spin answers for an
//!   undefined variable. `get-all` returns every pair.
//!
//! Backend failures become `other(message)`, and [`BackendError::AccessDenied`] becomes
//! `access-denied`.
//!
//! [`BackendError::AccessDenied`]: crate::BackendError::AccessDenied

use super::KvError;
use crate::backend::{Backend, BackendError, CounterFormat};
use crate::runtime::state::State;
use crate::secrets::SecretMap;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

/// The route `spin.toml` gives the component; Spin's trigger answers other paths itself (404),
/// without calling the component.
pub const SPIN_ROUTE: &str = "/graphql";

/// The client address [`spin_trigger_request`] puts in `spin-client-addr` when the caller has
/// none (Spin puts the TCP peer's address there).
pub const UNKNOWN_CLIENT_ADDR: &str = "127.0.0.1:0";

/// The request as Spin 4's HTTP trigger hands it to a `wasi:http` component for the route
/// [`SPIN_ROUTE`], as `tests/real_spin.rs` observed it (with a probe component echoing what it
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
/// The scheme is not changed here; [`Runtime::handle`](crate::Runtime::handle) gives the
/// component `http` under Spin whatever the URI says, as Spin's wasi executor does.
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
        imports: { default: trappable },
        trappable_error_type: {
            "wasi:keyvalue/store.error" => crate::runtime::hosts::KvError,
        },
        with: {
            "wasi:keyvalue/store.bucket": crate::runtime::hosts::spin::SpinBucket,
            "wasi:keyvalue/atomics.cas": crate::runtime::hosts::spin::SpinCas,
        },
    });
}

use bindings::wasi::config::store as config;
use bindings::wasi::keyvalue::{atomics, store};

/// The only store label the component's manifest declares.
pub(crate) const STORE_LABEL: &str = "default";

/// An open store. Spin's store handle names its label; there is only one here.
pub struct SpinBucket;

/// A compare-and-swap in progress: the key, and the value `current` last read (`None` if it
/// found none or was not called).
pub struct SpinCas {
    key: String,
    value: Option<Vec<u8>>,
}

/// The host side of the Spin interfaces for one store.
pub(crate) struct SpinHost<'a> {
    pub(crate) backend: &'a dyn Backend,
    pub(crate) secrets: &'a SecretMap,
    pub(crate) table: &'a mut ResourceTable,
}

struct HasSpinHost;

impl HasData for HasSpinHost {
    type Data<'a> = SpinHost<'a>;
}

fn host(state: &mut State) -> SpinHost<'_> {
    SpinHost {
        backend: &*state.backend,
        secrets: &state.secrets,
        table: &mut state.table,
    }
}

/// Adds the Spin interfaces the composite imports to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    store::add_to_linker::<State, HasSpinHost>(linker, host)?;
    atomics::add_to_linker::<State, HasSpinHost>(linker, host)?;
    config::add_to_linker::<State, HasSpinHost>(linker, host)?;
    Ok(())
}

/// The error Spin's host panics with when a counter's stored value is not 8 bytes, as a trap.
fn incorrect_length(key: &str, length: usize) -> KvError {
    KvError::Trap(wasmtime::format_err!(
        "the Spin host panicked: `increment` of key {key:?}, whose value is {length} bytes and not \
         an 8-byte little-endian counter (Spin's SQLite key-value store: \"incorrect length\")"
    ))
}

fn store_error(error: BackendError) -> store::Error {
    match error {
        BackendError::AccessDenied => store::Error::AccessDenied,
        BackendError::Other(message) => store::Error::Other(message),
    }
}

impl SpinHost<'_> {
    /// Reads `cas`'s key and remembers the value, as Spin's `current` does.
    fn load_current(&mut self, cas: &Resource<SpinCas>) -> Result<Option<Vec<u8>>, KvError> {
        let key = self.table.get(cas)?.key.clone();
        let value = self.backend.get(&key)?;
        self.table.get_mut(cas)?.value.clone_from(&value);
        Ok(value)
    }
}

impl store::Host for SpinHost<'_> {
    fn open(&mut self, identifier: String) -> Result<Resource<SpinBucket>, KvError> {
        if identifier == STORE_LABEL {
            Ok(self.table.push(SpinBucket)?)
        } else {
            Err(KvError::AccessDenied)
        }
    }

    fn convert_error(&mut self, error: KvError) -> wasmtime::Result<store::Error> {
        match error {
            KvError::NoSuchStore => Ok(store::Error::NoSuchStore),
            KvError::AccessDenied => Ok(store::Error::AccessDenied),
            KvError::Other(message) => Ok(store::Error::Other(message)),
            KvError::Trap(trap) => Err(trap),
        }
    }
}

impl store::HostBucket for SpinHost<'_> {
    fn get(
        &mut self,
        _bucket: Resource<SpinBucket>,
        key: String,
    ) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.backend.get(&key)?)
    }

    fn set(
        &mut self,
        _bucket: Resource<SpinBucket>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), KvError> {
        Ok(self.backend.set(&key, &value)?)
    }

    fn delete(&mut self, _bucket: Resource<SpinBucket>, key: String) -> Result<(), KvError> {
        Ok(self.backend.delete(&key)?)
    }

    fn exists(&mut self, _bucket: Resource<SpinBucket>, key: String) -> Result<bool, KvError> {
        Ok(self.backend.get(&key)?.is_some())
    }

    fn list_keys(
        &mut self,
        _bucket: Resource<SpinBucket>,
        cursor: Option<String>,
    ) -> Result<store::KeyResponse, KvError> {
        match cursor {
            Some(_) => Err(KvError::Other("list_keys: cursor not supported".into())),
            None => Err(KvError::Other(
                "list_keys is not supported by this emulation of Spin (the backend cannot list keys)"
                    .into(),
            )),
        }
    }

    fn drop(&mut self, bucket: Resource<SpinBucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for SpinHost<'_> {
    fn increment(
        &mut self,
        _bucket: Resource<SpinBucket>,
        key: String,
        delta: i64,
    ) -> Result<i64, KvError> {
        // On SQLite the stored bytes are already Spin's own, so Spin's semantics (wrapping, a
        // trap on another length) come from the path below; only Redis counts its own way.
        if self.backend.native_counters() == Some(CounterFormat::Decimal) {
            // Spin's Redis store: `INCRBY`, decimal text.
            let delta = u64::try_from(delta).map_err(|_| {
                KvError::Other(format!(
                    "cannot add {delta}: this host's counters only grow"
                ))
            })?;
            let value = self.backend.increment(&key, delta)?;
            return i64::try_from(value)
                .map_err(|_| KvError::Other(format!("the counter at {key:?} is past i64::MAX")));
        }
        let mut result = None;
        let mut bad_length = None;
        let updated = self.backend.update(&key, &mut |current| {
            let value = match current {
                None => 0,
                Some(bytes) => match <[u8; 8]>::try_from(bytes) {
                    Ok(bytes) => i64::from_le_bytes(bytes),
                    Err(_) => {
                        bad_length = Some(bytes.len());
                        return Err(BackendError::other("incorrect length"));
                    }
                },
            };
            let next = value.wrapping_add(delta);
            result = Some(next);
            Ok(Some(next.to_le_bytes().to_vec()))
        });
        if let Some(length) = bad_length {
            return Err(incorrect_length(&key, length));
        }
        updated?;
        result.ok_or_else(|| KvError::Other("the store did not run the increment".into()))
    }

    fn swap(
        &mut self,
        cas: Resource<SpinCas>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), atomics::CasError>> {
        // `swap` takes the cas by value: it is consumed whatever the outcome.
        let SpinCas {
            key,
            value: expected,
        } = self.table.delete(cas)?;
        let outcome = match expected {
            // Spin's SQLite store: `INSERT ... ON CONFLICT DO UPDATE`, whatever the key holds now.
            None => self.backend.set(&key, &value).map(|()| true),
            // `UPDATE ... WHERE value = :old_value`: succeeds only if nobody changed the key.
            Some(expected) => {
                let mut swapped = false;
                self.backend
                    .update(&key, &mut |current| {
                        swapped = current == Some(expected.as_slice());
                        Ok(swapped.then(|| value.clone()))
                    })
                    .map(|()| swapped)
            }
        };
        match outcome {
            Ok(true) => Ok(Ok(())),
            Ok(false) => {
                // Spin answers with a new cas on the same key, its current value already read.
                let fresh = self.table.push(SpinCas { key, value: None })?;
                match self.load_current(&fresh) {
                    Ok(_) => Ok(Err(atomics::CasError::CasFailed(fresh))),
                    Err(error) => {
                        self.table.delete(fresh)?;
                        Ok(Err(atomics::CasError::StoreError(
                            store::Host::convert_error(self, error)?,
                        )))
                    }
                }
            }
            Err(error) => Ok(Err(atomics::CasError::StoreError(store_error(error)))),
        }
    }
}

impl atomics::HostCas for SpinHost<'_> {
    fn new(
        &mut self,
        _bucket: Resource<SpinBucket>,
        key: String,
    ) -> Result<Resource<SpinCas>, KvError> {
        Ok(self.table.push(SpinCas { key, value: None })?)
    }

    fn current(&mut self, cas: Resource<SpinCas>) -> Result<Option<Vec<u8>>, KvError> {
        self.load_current(&cas)
    }

    fn drop(&mut self, cas: Resource<SpinCas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

impl config::Host for SpinHost<'_> {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<String>, config::Error>> {
        Ok(Ok(self.secrets.get(&key).map(str::to_owned)))
    }

    fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, config::Error>> {
        Ok(Ok(self
            .secrets
            .pairs()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::MemoryBackend;
    use atomics::{Host as _, HostCas as _};
    use config::Host as _;
    use store::{Host as _, HostBucket as _};

    struct Fixture {
        backend: MemoryBackend,
        secrets: SecretMap,
        table: ResourceTable,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                backend: MemoryBackend::new(),
                secrets: SecretMap::new()
                    .with("oauth_consumer_key", "ck")
                    .with("customer_token_secret", "s"),
                table: ResourceTable::new(),
            }
        }

        fn host(&mut self) -> SpinHost<'_> {
            SpinHost {
                backend: &self.backend,
                secrets: &self.secrets,
                table: &mut self.table,
            }
        }
    }

    fn bucket(host: &mut SpinHost<'_>) -> Resource<SpinBucket> {
        match host.open(STORE_LABEL.into()) {
            Ok(bucket) => Resource::new_borrow(bucket.rep()),
            Err(error) => panic!("opening {STORE_LABEL:?} failed: {error:?}"),
        }
    }

    #[test]
    fn only_the_default_label_opens() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        assert!(host.open("default".into()).is_ok());
        for label in ["other", "", "Default"] {
            let error = host.open(label.into()).err();
            assert!(
                matches!(error, Some(KvError::AccessDenied)),
                "{label:?}: {error:?}"
            );
            let converted = host.convert_error(KvError::AccessDenied).unwrap();
            assert!(matches!(converted, store::Error::AccessDenied));
        }
    }

    #[test]
    fn bucket_calls_reach_the_backend() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host);
        let again = || Resource::<SpinBucket>::new_borrow(b.rep());
        assert_eq!(
            store::HostBucket::get(&mut host, again(), "k".into()).unwrap(),
            None
        );
        assert!(!host.exists(again(), "k".into()).unwrap());
        host.set(again(), "k".into(), b"v".to_vec()).unwrap();
        assert_eq!(
            store::HostBucket::get(&mut host, again(), "k".into()).unwrap(),
            Some(b"v".to_vec())
        );
        assert!(host.exists(again(), "k".into()).unwrap());
        host.delete(again(), "k".into()).unwrap();
        assert_eq!(fixture.backend.get("k"), Ok(None));
    }

    #[test]
    fn counters_are_eight_bytes_little_endian() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host);
        let again = || Resource::<SpinBucket>::new_borrow(b.rep());
        assert_eq!(host.increment(again(), "n".into(), 1).unwrap(), 1);
        assert_eq!(host.increment(again(), "n".into(), 2).unwrap(), 3);
        assert_eq!(host.increment(again(), "n".into(), -10).unwrap(), -7);
        assert_eq!(host.increment(again(), "n".into(), 0).unwrap(), -7);
        assert_eq!(
            fixture.backend.get("n"),
            Ok(Some((-7i64).to_le_bytes().to_vec()))
        );
    }

    #[test]
    fn incrementing_a_set_key_traps() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host);
        host.set(
            Resource::new_borrow(b.rep()),
            "plain".into(),
            b"12".to_vec(),
        )
        .unwrap();
        let error = host
            .increment(Resource::new_borrow(b.rep()), "plain".into(), 1)
            .unwrap_err();
        assert!(matches!(error, KvError::Trap(_)), "{error:?}");
        let trap = host.convert_error(error).unwrap_err();
        assert!(trap.to_string().contains("incorrect length"), "{trap}");
        // Nothing was written.
        assert_eq!(fixture.backend.get("plain"), Ok(Some(b"12".to_vec())));
    }

    #[test]
    fn backend_errors_are_other_or_access_denied() {
        assert!(matches!(
            KvError::from(BackendError::AccessDenied),
            KvError::AccessDenied
        ));
        assert!(matches!(
            KvError::from(BackendError::other("disk full")),
            KvError::Other(message) if message == "disk full"
        ));
    }

    #[test]
    fn swap_follows_the_sqlite_store() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host);
        let again = || Resource::<SpinBucket>::new_borrow(b.rep());

        // Never read: an unconditional write, even over an existing value.
        host.set(again(), "k".into(), b"old".to_vec()).unwrap();
        let cas = host.new(again(), "k".into()).unwrap();
        assert!(host.swap(cas, b"blind".to_vec()).unwrap().is_ok());
        assert_eq!(
            store::HostBucket::get(&mut host, again(), "k".into()).unwrap(),
            Some(b"blind".to_vec())
        );

        // Read, unchanged: swapped.
        let cas = host.new(again(), "k".into()).unwrap();
        let rep = cas.rep();
        assert_eq!(
            host.current(Resource::new_borrow(rep)).unwrap(),
            Some(b"blind".to_vec())
        );
        assert!(host.swap(cas, b"next".to_vec()).unwrap().is_ok());

        // Read, then changed by someone else: cas-failed with a fresh cas on the current value.
        let cas = host.new(again(), "k".into()).unwrap();
        host.current(Resource::new_borrow(cas.rep())).unwrap();
        host.set(again(), "k".into(), b"theirs".to_vec()).unwrap();
        match host.swap(cas, b"mine".to_vec()).unwrap() {
            Err(atomics::CasError::CasFailed(fresh)) => {
                assert_eq!(
                    host.table.get(&fresh).unwrap().value,
                    Some(b"theirs".to_vec())
                );
                assert!(host.swap(fresh, b"mine".to_vec()).unwrap().is_ok());
            }
            other => panic!("expected cas-failed, got {other:?}"),
        }
        assert_eq!(
            store::HostBucket::get(&mut host, again(), "k".into()).unwrap(),
            Some(b"mine".to_vec())
        );

        // Read while absent: the write is unconditional (Spin's behaviour).
        let cas = host.new(again(), "absent".into()).unwrap();
        assert_eq!(host.current(Resource::new_borrow(cas.rep())).unwrap(), None);
        host.set(again(), "absent".into(), b"raced".to_vec())
            .unwrap();
        assert!(host.swap(cas, b"overwrote".to_vec()).unwrap().is_ok());
        assert_eq!(
            store::HostBucket::get(&mut host, again(), "absent".into()).unwrap(),
            Some(b"overwrote".to_vec())
        );
    }

    #[test]
    fn list_keys_is_refused() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host);
        assert!(matches!(
            host.list_keys(Resource::new_borrow(b.rep()), None),
            Err(KvError::Other(_))
        ));
    }

    #[test]
    fn config_reads_the_secret_map() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        assert_eq!(
            config::Host::get(&mut host, "oauth_consumer_key".into())
                .unwrap()
                .unwrap(),
            Some("ck".into())
        );
        assert_eq!(
            config::Host::get(&mut host, "OAUTH_CONSUMER_KEY".into())
                .unwrap()
                .unwrap(),
            None
        );
        assert_eq!(
            config::Host::get(&mut host, "undefined".into())
                .unwrap()
                .unwrap(),
            None
        );
        assert_eq!(
            host.get_all().unwrap().unwrap(),
            vec![
                ("customer_token_secret".into(), "s".into()),
                ("oauth_consumer_key".into(), "ck".into())
            ]
        );
    }
}

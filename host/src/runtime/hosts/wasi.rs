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
//! - `get`, `set`, `delete`, `exists` go straight to the [`Backend`].
//! - `increment(bucket, key, delta: u64) -> u64` keeps the counter as UTF-8 decimal text; an
//!   absent key counts as 0. A value that is not UTF-8 or not a `u64` in decimal (no sign, no
//!   spaces) is `other(<the Rust parse error>)`, and an overflow is
//!   `other("overflow incrementing value")`, with the messages wasmtime gives. On a backend with
//!   counters of its own (Redis, the SQLite file) it is that backend's `increment`.
//! - `list-keys` answers `other(...)`: the [`Backend`] cannot list keys (the adapter never asks).
//! - `wasi:config/store.get(key)` reads the [`SecretMap`] (what `-Sconfig-var=key=value` sets);
//!   an unknown key is `Ok(None)`. `get-all` returns every pair.
//!
//! One deliberate difference: `wasmtime serve` gives every `open` a fresh copy of its preset data,
//! so nothing written survives the request. Here every write goes to the shared [`Backend`] and
//! persists, as on wasmCloud's persistent stores, so that the product's end-to-end suite (which
//! needs customers and nonces to persist) runs against this flavor too.
//!
//! Backend failures become `other(message)`, and [`BackendError::AccessDenied`] becomes
//! `access-denied`.
//!
//! [`BackendError::AccessDenied`]: crate::BackendError::AccessDenied

use super::KvError;
use crate::backend::{Backend, BackendError};
use crate::runtime::state::State;
use crate::secrets::SecretMap;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

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
        imports: { default: trappable },
        trappable_error_type: {
            "wasi:keyvalue/store.error" => crate::runtime::hosts::KvError,
        },
        with: {
            "wasi:keyvalue/store.bucket": crate::runtime::hosts::wasi::WasiBucket,
        },
    });
}

use bindings::wasi::config::store as config;
use bindings::wasi::keyvalue::{atomics, store};

/// The only bucket identifier wasmtime's in-memory store accepts.
pub(crate) const BUCKET_NAME: &str = "";

/// An open bucket (wasmtime's holds a copy of the preset data; this one reaches the backend).
pub struct WasiBucket;

/// The host side of the wasmtime/wasmCloud interfaces.
pub(crate) struct WasiHost<'a> {
    pub(crate) backend: &'a dyn Backend,
    pub(crate) secrets: &'a SecretMap,
    pub(crate) table: &'a mut ResourceTable,
}

struct HasWasiHost;

impl HasData for HasWasiHost {
    type Data<'a> = WasiHost<'a>;
}

fn host(state: &mut State) -> WasiHost<'_> {
    WasiHost {
        backend: &*state.backend,
        secrets: &state.secrets,
        table: &mut state.table,
    }
}

/// Adds the wasmtime/wasmCloud interfaces the composite imports to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    store::add_to_linker::<State, HasWasiHost>(linker, host)?;
    atomics::add_to_linker::<State, HasWasiHost>(linker, host)?;
    config::add_to_linker::<State, HasWasiHost>(linker, host)?;
    Ok(())
}

/// wasmtime's reading of a counter: UTF-8, then `u64::from_str`, with their error messages.
fn parse_counter(bytes: &[u8]) -> Result<u64, BackendError> {
    std::str::from_utf8(bytes)
        .map_err(BackendError::other)?
        .parse::<u64>()
        .map_err(BackendError::other)
}

impl store::Host for WasiHost<'_> {
    fn open(&mut self, identifier: String) -> Result<Resource<WasiBucket>, KvError> {
        if identifier == BUCKET_NAME {
            Ok(self.table.push(WasiBucket)?)
        } else {
            Err(KvError::NoSuchStore)
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

impl store::HostBucket for WasiHost<'_> {
    fn get(
        &mut self,
        _bucket: Resource<WasiBucket>,
        key: String,
    ) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.backend.get(&key)?)
    }

    fn set(
        &mut self,
        _bucket: Resource<WasiBucket>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), KvError> {
        Ok(self.backend.set(&key, &value)?)
    }

    fn delete(&mut self, _bucket: Resource<WasiBucket>, key: String) -> Result<(), KvError> {
        Ok(self.backend.delete(&key)?)
    }

    fn exists(&mut self, _bucket: Resource<WasiBucket>, key: String) -> Result<bool, KvError> {
        Ok(self.backend.get(&key)?.is_some())
    }

    fn list_keys(
        &mut self,
        _bucket: Resource<WasiBucket>,
        _cursor: Option<u64>,
    ) -> Result<store::KeyResponse, KvError> {
        Err(KvError::Other(
            "list-keys is not supported by this emulation of wasmtime (the backend cannot list keys)"
                .into(),
        ))
    }

    fn drop(&mut self, bucket: Resource<WasiBucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for WasiHost<'_> {
    fn increment(
        &mut self,
        _bucket: Resource<WasiBucket>,
        key: String,
        delta: u64,
    ) -> Result<u64, KvError> {
        if self.backend.native_counters().is_some() {
            // wasmCloud's Redis (and NATS) stores count natively too.
            return Ok(self.backend.increment(&key, delta)?);
        }
        let mut result = None;
        self.backend.update(&key, &mut |current| {
            let value = match current {
                None => 0,
                Some(bytes) => parse_counter(bytes)?,
            };
            let next = value
                .checked_add(delta)
                .ok_or_else(|| BackendError::other("overflow incrementing value"))?;
            result = Some(next);
            Ok(Some(next.to_string().into_bytes()))
        })?;
        result.ok_or_else(|| KvError::Other("the store did not run the increment".into()))
    }
}

impl config::Host for WasiHost<'_> {
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
    use atomics::Host as _;
    use store::Host as _;

    struct Fixture {
        backend: MemoryBackend,
        secrets: SecretMap,
        table: ResourceTable,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                backend: MemoryBackend::new(),
                secrets: SecretMap::new().with("public_base_url", "https://shop.example"),
                table: ResourceTable::new(),
            }
        }

        fn host(&mut self) -> WasiHost<'_> {
            WasiHost {
                backend: &self.backend,
                secrets: &self.secrets,
                table: &mut self.table,
            }
        }
    }

    fn bucket(host: &mut WasiHost<'_>) -> Resource<WasiBucket> {
        match host.open(BUCKET_NAME.into()) {
            Ok(bucket) => Resource::new_borrow(bucket.rep()),
            Err(error) => panic!("opening \"\" failed: {error:?}"),
        }
    }

    #[test]
    fn only_the_empty_identifier_opens() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        assert!(host.open(String::new()).is_ok());
        for identifier in ["default", "other"] {
            let error = host.open(identifier.into()).err();
            assert!(
                matches!(error, Some(KvError::NoSuchStore)),
                "{identifier:?}: {error:?}"
            );
        }
    }

    #[test]
    fn counters_are_decimal_text() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        let b = bucket(&mut host);
        let again = || Resource::<WasiBucket>::new_borrow(b.rep());
        assert_eq!(host.increment(again(), "n".into(), 0).unwrap(), 0);
        assert_eq!(host.increment(again(), "n".into(), 41).unwrap(), 41);
        assert_eq!(host.increment(again(), "n".into(), 1).unwrap(), 42);
        assert_eq!(fixture.backend.get("n"), Ok(Some(b"42".to_vec())));
    }

    #[test]
    fn bad_counters_are_errors_with_wasmtimes_messages() {
        let mut fixture = Fixture::new();
        fixture.backend.set("text", b"not a number").unwrap();
        fixture.backend.set("spaced", b" 7").unwrap();
        fixture.backend.set("binary", b"\xff\xfe").unwrap();
        fixture
            .backend
            .set("max", u64::MAX.to_string().as_bytes())
            .unwrap();
        let mut host = fixture.host();
        let b = bucket(&mut host);
        let again = || Resource::<WasiBucket>::new_borrow(b.rep());
        let message = |result: Result<u64, KvError>| match result {
            Err(KvError::Other(message)) => message,
            other => panic!("expected other(...), got {other:?}"),
        };
        assert_eq!(
            message(host.increment(again(), "text".into(), 1)),
            "invalid digit found in string"
        );
        assert_eq!(
            message(host.increment(again(), "spaced".into(), 1)),
            "invalid digit found in string"
        );
        assert!(message(host.increment(again(), "binary".into(), 1)).contains("utf-8"));
        assert_eq!(
            message(host.increment(again(), "max".into(), 1)),
            "overflow incrementing value"
        );
        assert_eq!(
            fixture.backend.get("text"),
            Ok(Some(b"not a number".to_vec()))
        );
    }

    #[test]
    fn config_reads_the_secret_map() {
        let mut fixture = Fixture::new();
        let mut host = fixture.host();
        assert_eq!(
            config::Host::get(&mut host, "public_base_url".into())
                .unwrap()
                .unwrap(),
            Some("https://shop.example".into())
        );
        assert_eq!(
            config::Host::get(&mut host, "missing".into())
                .unwrap()
                .unwrap(),
            None
        );
        assert_eq!(
            config::Host::get_all(&mut host).unwrap().unwrap(),
            vec![("public_base_url".into(), "https://shop.example".into())]
        );
    }
}

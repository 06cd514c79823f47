//! The per-request store data, and the host side of the component's own imports.

use super::bindings::{customer_store, secrets};
use crate::backend::{Backend, BackendError, Expiry};
use crate::clock::{TestClock, real_unix_seconds};
use crate::secrets::SecretMap;
use std::sync::Arc;
use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Everything one instance of the component can reach.
pub(crate) struct State {
    pub(crate) table: ResourceTable,
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) backend: Arc<dyn Backend>,
    pub(crate) secrets: Arc<SecretMap>,
    pub(crate) limits: StoreLimits,
    /// The wall clock the component sees, which the store's expiry goes by too (`None`: real
    /// time).
    pub(crate) clock: Option<TestClock>,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
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

impl customer_store::Host for State {
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

    fn increment_expiring(
        &mut self,
        key: String,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<customer_store::ExpiringCount, customer_store::Error> {
        let now = self
            .clock
            .as_ref()
            .map_or_else(real_unix_seconds, TestClock::unix_seconds);
        let expiry = Expiry {
            now: i64::try_from(now).unwrap_or(i64::MAX),
            ttl_seconds,
        };
        self.backend
            .increment_expiring(&key, delta, expiry)
            .map(|counted| customer_store::ExpiringCount {
                value: counted.value,
                expires: counted.expires,
            })
            .map_err(store_error)
    }
}

impl secrets::Host for State {
    fn get(&mut self, name: String) -> Result<Option<String>, secrets::Error> {
        Ok(self.secrets.get(&name).map(str::to_owned))
    }
}

//! The per-request store data, and the host side of the component's own imports.

use super::bindings::{customer_store, secrets};
use crate::backend::{Store, StoreError};
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
    pub(crate) backend: Store,
    pub(crate) secrets: Arc<SecretMap>,
    pub(crate) limits: StoreLimits,
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

fn store_error(error: StoreError) -> customer_store::Error {
    match error {
        StoreError::AccessDenied => customer_store::Error::AccessDenied,
        StoreError::NotACounter(message) | StoreError::Other(message) => {
            customer_store::Error::Other(message)
        }
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
        self.backend
            .increment_expiring(&key, delta, ttl_seconds)
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

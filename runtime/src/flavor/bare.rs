//! The component alone: its own `commerce:customer-token/customer-store` and `secrets` imports,
//! hosted directly over the store and the secrets.

use super::Host;
use crate::bindings::{customer_store, secrets};
use crate::state::State;
use crate::stores::{CounterFormat, StoreError};
use wasmtime::component::{HasSelf, Linker};

/// The product's own interfaces, as the native host and the test harness give them.
pub(crate) struct Bare;

impl Host for Bare {
    fn name(&self) -> &'static str {
        "bare"
    }

    fn counters(&self) -> CounterFormat {
        CounterFormat::Decimal
    }

    fn marks(&self, import: &str) -> bool {
        import.starts_with("commerce:customer-token/customer-store@")
            || import.starts_with("commerce:customer-token/secrets@")
    }

    fn add_to_linker(&self, linker: &mut Linker<State>) -> wasmtime::Result<()> {
        customer_store::add_to_linker::<State, HasSelf<State>>(linker, |state| state)?;
        secrets::add_to_linker::<State, HasSelf<State>>(linker, |state| state)?;
        Ok(())
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
    async fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, customer_store::Error> {
        self.store
            .run("get", move |store| store.get(&key))
            .await
            .map_err(store_error)
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), customer_store::Error> {
        self.store
            .run("set", move |store| store.set(&key, &value))
            .await
            .map_err(store_error)
    }

    async fn delete(&mut self, key: String) -> Result<(), customer_store::Error> {
        self.store
            .run("delete", move |store| store.delete(&key))
            .await
            .map_err(store_error)
    }

    async fn increment(&mut self, key: String, delta: u64) -> Result<u64, customer_store::Error> {
        self.store
            .run("increment", move |store| store.increment(&key, delta))
            .await
            .map_err(store_error)
    }

    async fn increment_expiring(
        &mut self,
        key: String,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<customer_store::ExpiringCount, customer_store::Error> {
        self.store
            .run("increment_expiring", move |store| {
                store.increment_expiring(&key, delta, ttl_seconds)
            })
            .await
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

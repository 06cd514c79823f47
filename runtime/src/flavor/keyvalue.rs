//! What the Spin and Wasi flavors' `wasi:keyvalue` and `wasi:config` hosts share: the host data
//! both sit on, the error their functions fail with (both drafts' WIT has the same three cases),
//! how a store failure maps onto it, and the functions both drafts declare alike (generated for
//! each draft's bindings by [`shared_functions!`]).

use crate::secrets::SecretMap;
use crate::state::State;
use crate::store_call::StoreCalls;
use crate::stores::StoreError;
use wasmtime::component::{HasData, ResourceTable, ResourceTableError};

/// What a key-value host function fails with: one of the WIT `error` cases (both flavors' WIT
/// has the same three), or a trap, which is how a panic in the real host shows up to the guest.
#[derive(Debug)]
pub(crate) enum KvError {
    NoSuchStore,
    AccessDenied,
    Other(String),
    Trap(wasmtime::Error),
}

impl From<StoreError> for KvError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::AccessDenied => KvError::AccessDenied,
            StoreError::NotACounter(message) | StoreError::Other(message) => {
                KvError::Other(message)
            }
        }
    }
}

impl From<ResourceTableError> for KvError {
    fn from(error: ResourceTableError) -> Self {
        KvError::Other(error.to_string())
    }
}

/// The host side of a flavor's key-value and config interfaces for one instance.
pub(crate) struct KvHost<'a> {
    pub(crate) store: &'a StoreCalls,
    pub(crate) secrets: &'a SecretMap,
    pub(crate) table: &'a mut ResourceTable,
}

pub(crate) struct HasKvHost;

impl HasData for HasKvHost {
    type Data<'a> = KvHost<'a>;
}

/// The [`KvHost`] of an instance's state (what `add_to_linker` is given).
pub(crate) fn kv_host(state: &mut State) -> KvHost<'_> {
    KvHost {
        store: &state.store,
        secrets: &state.secrets,
        table: &mut state.table,
    }
}

/// Implements, for [`KvHost`] and the bindings modules `store` and `config` in scope, what both
/// drafts declare alike: `convert_error`; the bucket's `get`, `set` and `delete`, straight to
/// the store (through [`StoreCalls::run`]); `exists` and `list-keys` (its cursor of type `$cursor`), which neither adapter
/// calls, answering `other($unused)`; the bucket's `drop`; and `wasi:config/store`'s `get` from
/// the [`SecretMap`] (an unknown key is `Ok(None)`, as both hosts answer) with `get-all`
/// answering `io($unused)`. `open` and the atomics, where the hosts differ, are each flavor's.
macro_rules! shared_functions {
    (bucket: $bucket:ty, cursor: $cursor:ty, unused: $unused:expr) => {
        impl store::HostBucket for KvHost<'_> {
            async fn get(
                &mut self,
                _bucket: Resource<$bucket>,
                key: String,
            ) -> Result<Option<Vec<u8>>, KvError> {
                let get = move |store: &dyn KeyValue| store.get(&key);
                Ok(self.store.run("get", get).await?)
            }

            async fn set(
                &mut self,
                _bucket: Resource<$bucket>,
                key: String,
                value: Vec<u8>,
            ) -> Result<(), KvError> {
                let set = move |store: &dyn KeyValue| store.set(&key, &value);
                Ok(self.store.run("set", set).await?)
            }

            async fn delete(
                &mut self,
                _bucket: Resource<$bucket>,
                key: String,
            ) -> Result<(), KvError> {
                let delete = move |store: &dyn KeyValue| store.delete(&key);
                Ok(self.store.run("delete", delete).await?)
            }

            async fn exists(
                &mut self,
                _bucket: Resource<$bucket>,
                _key: String,
            ) -> Result<bool, KvError> {
                Err(KvError::Other($unused.into()))
            }

            async fn list_keys(
                &mut self,
                _bucket: Resource<$bucket>,
                _cursor: $cursor,
            ) -> Result<store::KeyResponse, KvError> {
                Err(KvError::Other($unused.into()))
            }

            async fn drop(&mut self, bucket: Resource<$bucket>) -> wasmtime::Result<()> {
                self.table.delete(bucket)?;
                Ok(())
            }
        }

        fn convert_error(error: KvError) -> wasmtime::Result<store::Error> {
            match error {
                KvError::NoSuchStore => Ok(store::Error::NoSuchStore),
                KvError::AccessDenied => Ok(store::Error::AccessDenied),
                KvError::Other(message) => Ok(store::Error::Other(message)),
                KvError::Trap(trap) => Err(trap),
            }
        }

        impl config::Host for KvHost<'_> {
            async fn get(
                &mut self,
                key: String,
            ) -> wasmtime::Result<Result<Option<String>, config::Error>> {
                Ok(Ok(self.secrets.get(&key).map(str::to_owned)))
            }

            async fn get_all(
                &mut self,
            ) -> wasmtime::Result<Result<Vec<(String, String)>, config::Error>> {
                Ok(Err(config::Error::Io($unused.into())))
            }
        }
    };
}

pub(crate) use shared_functions;

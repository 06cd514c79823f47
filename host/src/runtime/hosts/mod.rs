//! Host implementations of the key-value and config interfaces that the real hosts give, for the
//! [`Flavor::Spin`](super::Flavor::Spin) and [`Flavor::Wasi`](super::Flavor::Wasi) runtimes: the
//! component composed with a host adapter imports these instead of our own `customer-store` and
//! `secrets`. Both sit on the same [`Store`](crate::Store) and
//! [`SecretMap`](crate::SecretMap) as the bare flavor, and imitate their host's quirks (bucket
//! names, counter encodings, errors, traps).

pub(crate) mod spin;
pub(crate) mod wasi;

use crate::backend::StoreError;
use wasmtime::component::ResourceTableError;

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

//! What the Spin and Wasi flavors' `wasi:keyvalue` hosts share: the error their functions fail
//! with (both drafts' WIT has the same three cases), and how a store failure maps onto it.

use crate::stores::StoreError;
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

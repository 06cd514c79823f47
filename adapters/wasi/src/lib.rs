//! `wasmtime serve` and wasmCloud 2.x adapter for `customer-token`.
//!
//! Exports `commerce:customer-token/customer-store` and `commerce:customer-token/secrets` on top of
//! what those hosts give:
//!
//! - `wasi:keyvalue/{store,atomics}@0.2.0-draft` on the bucket `""` (wasmtime's `-Skeyvalue`
//!   in-memory store; wasmCloud's NATS KV or Redis);
//! - `wasi:config/store@0.2.0-rc.1` (wasmtime's `-Sconfig -Sconfig-var=k=v`, wasmCloud's config).
//!
//! Host quirks stay here: the bucket name, and opening the bucket once per instance (wasmtime's
//! in-memory store gives every `open` a fresh copy of its preset data, so a second `open` would not
//! see the writes made through the first). These hosts keep counters as decimal text and their
//! `increment` is `u64` already.
//!
//! Nothing in here may panic: a panic is a trap that takes the whole request down.
//!
//! The crate is a wasm32 component only; on other targets it is empty, so that native
//! workspace-wide builds and tests pass.

#![cfg(target_arch = "wasm32")]
#![no_std]

extern crate alloc;

#[path = "../../runtime.rs"]
mod runtime;

mod bindings {
    wit_bindgen::generate!({
        world: "commerce:customer-token-wasi-adapter/adapter",
        // The product's own WIT (with its deps) first, then this adapter's world and host interfaces.
        path: ["../../wit", "wit"],
        generate_all,
    });
}

use alloc::string::String;
use alloc::vec::Vec;

use bindings::exports::commerce::customer_token::customer_store::{
    self, Error as StoreError, ExpiringCount,
};
use bindings::exports::commerce::customer_token::secrets::{self, Error as SecretsError};
use bindings::wasi::config::store as config;
use bindings::wasi::keyvalue::atomics;
use bindings::wasi::keyvalue::store::{self as kv, Bucket};
use runtime::InstanceCell;

/// The bucket the product uses on these hosts.
const BUCKET_NAME: &str = "";

/// The bucket, opened once per instance.
static BUCKET: InstanceCell<Bucket> = InstanceCell::new();

fn store_error(err: kv::Error) -> StoreError {
    match err {
        kv::Error::AccessDenied => StoreError::AccessDenied,
        kv::Error::NoSuchStore => StoreError::Other("no key-value bucket named \"\"".into()),
        kv::Error::Other(message) => StoreError::Other(message),
    }
}

fn with_bucket<T>(f: impl FnOnce(&Bucket) -> Result<T, kv::Error>) -> Result<T, StoreError> {
    let bucket = BUCKET
        .get_or_try_init(|| kv::open(BUCKET_NAME))
        .map_err(store_error)?;
    f(bucket).map_err(store_error)
}

struct Adapter;

impl customer_store::Guest for Adapter {
    fn get(key: String) -> Result<Option<Vec<u8>>, StoreError> {
        with_bucket(|bucket| bucket.get(&key))
    }

    fn set(key: String, value: Vec<u8>) -> Result<(), StoreError> {
        with_bucket(|bucket| bucket.set(&key, &value))
    }

    fn delete(key: String) -> Result<(), StoreError> {
        with_bucket(|bucket| bucket.delete(&key))
    }

    fn increment(key: String, delta: u64) -> Result<u64, StoreError> {
        with_bucket(|bucket| atomics::increment(bucket, &key, delta))
    }

    fn increment_expiring(
        key: String,
        delta: u64,
        _ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        // wasi:keyvalue's key-value API has no expiry: the component deletes the key itself.
        Ok(ExpiringCount {
            value: Self::increment(key, delta)?,
            expires: false,
        })
    }
}

impl secrets::Guest for Adapter {
    fn get(name: String) -> Result<Option<String>, SecretsError> {
        config::get(&name).map_err(|err| match err {
            config::Error::Upstream(message) => SecretsError::Upstream(message),
            config::Error::Io(message) => SecretsError::Io(message),
        })
    }
}

bindings::export!(Adapter with_types_in bindings);

//! Spin 3.x/4.x adapter for `customer-token`.
//!
//! Exports `commerce:customer-token/customer-store` and `commerce:customer-token/secrets` on top of
//! what Spin hosts:
//!
//! - `wasi:keyvalue/{store,atomics}@0.2.0-draft2` on the key-value store labelled `default` (the
//!   component needs `key_value_stores = ["default"]`, and its dependency on this adapter
//!   `inherit_configuration = true`);
//! - `wasi:config/store@0.2.0-draft-2024-09-27`, which reads Spin variables.
//!
//! Spin's quirks stay here: the store label, and `increment`, which on Spin takes and returns `s64`
//! (the default SQLite backend stores a counter as 8 bytes little-endian, and panics in the host
//! when asked to increment a value written with `set`; the product never mixes the two on a key),
//! and is a write transaction on SQLite even when it adds nothing: an increment by 0, which is how
//! the component reads a counter, is answered with `get` where Spin's encoding can be read.
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
        world: "commerce:customer-token-spin-adapter/adapter",
        // The product's own WIT (with its deps) first, then this adapter's world and host interfaces.
        path: ["../../wit", "wit"],
        generate_all,
    });
}

use alloc::format;
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

/// The label of the key-value store the product uses on Spin.
const STORE_LABEL: &str = "default";

/// The store, opened once per instance.
static BUCKET: InstanceCell<Bucket> = InstanceCell::new();

fn store_error(err: kv::Error) -> StoreError {
    match err {
        kv::Error::AccessDenied => StoreError::AccessDenied,
        kv::Error::NoSuchStore => {
            StoreError::Other(format!("no key-value store labelled `{STORE_LABEL}`"))
        }
        kv::Error::Other(message) => StoreError::Other(message),
    }
}

fn with_bucket<T>(f: impl FnOnce(&Bucket) -> Result<T, kv::Error>) -> Result<T, StoreError> {
    let bucket = BUCKET
        .get_or_try_init(|| kv::open(STORE_LABEL))
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
        if delta == 0
            && let Some(value) = read_counter(&key)
        {
            return Ok(value);
        }
        let delta = i64::try_from(delta).map_err(|_| {
            StoreError::Other(format!("increment of `{key}` by {delta} is out of range"))
        })?;
        let value = with_bucket(|bucket| atomics::increment(bucket, &key, delta))?;
        u64::try_from(value).map_err(|_| {
            StoreError::Other(format!("counter `{key}` holds a negative value ({value})"))
        })
    }

    fn increment_expiring(
        key: String,
        delta: u64,
        _ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        // Spin's key-value API has no expiry: the component deletes the key itself.
        Ok(ExpiringCount {
            value: Self::increment(key, delta)?,
            expires: false,
        })
    }
}

/// A counter read with `get`, which is how the component's `increment(key, 0)` is answered
/// where the stored bytes are one of Spin's counter encodings: Spin's `increment` is a write
/// transaction on its SQLite store, and the component reads a customer's token generation so on
/// every Bearer request. `None` (answered by `increment` instead) for anything else, such as
/// Cosmos DB's counters, which `get` cannot read.
fn read_counter(key: &str) -> Option<u64> {
    match with_bucket(|bucket| bucket.get(key)).ok()? {
        None => Some(0),
        Some(bytes) => decode_counter(&bytes),
    }
}

/// Spin's SQLite store keeps a counter as 8 bytes little-endian; its Redis and DynamoDB stores as
/// decimal text. Eight ASCII digits are text: as 8 bytes little-endian they would be a count
/// above 3 * 10^18, which no counter of the product reaches.
fn decode_counter(bytes: &[u8]) -> Option<u64> {
    if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
        return core::str::from_utf8(bytes).ok()?.parse().ok();
    }
    let value = i64::from_le_bytes(<[u8; 8]>::try_from(bytes).ok()?);
    u64::try_from(value).ok()
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

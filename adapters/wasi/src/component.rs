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

use super::keys;

/// The configuration key naming the bucket, and the name without it.
const BUCKET_KEY: &str = "keyvalue_bucket";
const DEFAULT_BUCKET: &str = "customer-token";

/// The bucket, opened once per instance, and whether it is named (its keys are then written in
/// NATS JetStream's alphabet, see `keys`).
static BUCKET: InstanceCell<(Bucket, bool)> = InstanceCell::new();

fn store_error(err: kv::Error) -> StoreError {
    match err {
        kv::Error::AccessDenied => StoreError::AccessDenied,
        kv::Error::NoSuchStore => StoreError::Other(format!(
            "no key-value bucket named by `{BUCKET_KEY}` (default `{DEFAULT_BUCKET}`)"
        )),
        kv::Error::Other(message) => StoreError::Other(message),
    }
}

/// The configured bucket; without one, `customer-token`, or `""` where the host has no bucket of
/// that name (`wasmtime serve`).
fn open() -> Result<(Bucket, bool), StoreError> {
    let configured = config::get(BUCKET_KEY).map_err(|error| {
        let (config::Error::Upstream(message) | config::Error::Io(message)) = error;
        StoreError::Other(format!("configuration key `{BUCKET_KEY}`: {message}"))
    })?;
    match configured.filter(|name| !name.trim().is_empty()) {
        Some(name) => kv::open(name.trim())
            .map(|bucket| (bucket, true))
            .map_err(store_error),
        None => match kv::open(DEFAULT_BUCKET) {
            Ok(bucket) => Ok((bucket, true)),
            Err(kv::Error::NoSuchStore) => kv::open("")
                .map(|bucket| (bucket, false))
                .map_err(store_error),
            Err(error) => Err(store_error(error)),
        },
    }
}

/// Runs `f` on the bucket with `key` as the bucket stores it.
fn with_key<T>(
    key: &str,
    f: impl FnOnce(&Bucket, &str) -> Result<T, kv::Error>,
) -> Result<T, StoreError> {
    let (bucket, named) = BUCKET.get_or_try_init(open)?;
    if *named {
        f(bucket, &keys::stored(key)).map_err(store_error)
    } else {
        f(bucket, key).map_err(store_error)
    }
}

/// How often an `increment` that lost a race is tried again.
const INCREMENT_ATTEMPTS: u32 = 64;

/// Whether `increment` failed because another write came first: wasmCloud's NATS JetStream
/// store increments with one compare-and-set on the key's revision and answers a conflict
/// with JetStream's "wrong last sequence" (error code 10071). Nothing was written, so trying
/// again is safe; without it, requests at the same moment fail.
fn lost_a_race(message: &str) -> bool {
    // By hand: `str::contains` would import `memcmp`, which no host of this adapter provides.
    let (haystack, needle) = (message.as_bytes(), b"wrong last sequence");
    (0..haystack.len().saturating_sub(needle.len() - 1)).any(|start| {
        needle
            .iter()
            .enumerate()
            .all(|(offset, byte)| haystack.get(start + offset) == Some(byte))
    })
}

struct Adapter;

impl customer_store::Guest for Adapter {
    fn get(key: String) -> Result<Option<Vec<u8>>, StoreError> {
        with_key(&key, |bucket, key| bucket.get(key))
    }

    fn set(key: String, value: Vec<u8>) -> Result<(), StoreError> {
        with_key(&key, |bucket, key| bucket.set(key, &value))
    }

    fn delete(key: String) -> Result<(), StoreError> {
        with_key(&key, |bucket, key| bucket.delete(key))
    }

    fn increment(key: String, delta: u64) -> Result<u64, StoreError> {
        with_key(&key, |bucket, key| {
            let mut attempts = 1;
            loop {
                match atomics::increment(bucket, key, delta) {
                    Err(kv::Error::Other(message))
                        if attempts < INCREMENT_ATTEMPTS && lost_a_race(&message) =>
                    {
                        attempts += 1;
                    }
                    answer => return answer,
                }
            }
        })
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

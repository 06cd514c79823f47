//! The three things the domain needs from its host: storage, secrets and the time.
//! Production implementations sit behind WIT imports; tests use in-memory ones.

use std::fmt;

/// A storage failure; the text is for the log only, never for the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store error: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Key-value storage with the primitives every host offers (docs/contract.md §9).
///
/// A key used with `increment` is never used with `get` or `set`: Spin's SQLite store encodes
/// counters differently and panics when a `set` value is incremented.
pub trait KeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
    fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Atomically adds `delta` to the counter (absent counts as 0) and returns the new value.
    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError>;
    /// Like [`increment`](Self::increment), and the store may delete the key by itself once
    /// `ttl_seconds` have passed. A store without expiry (Spin's and `wasi:keyvalue`'s have none)
    /// only increments and answers `expires: false`: the caller must then delete the key itself.
    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError>;
}

/// What [`KeyValue::increment_expiring`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiringCount {
    /// The counter's new value.
    pub value: u64,
    /// Whether the store will delete the key by itself once its time is up.
    pub expires: bool,
}

impl ExpiringCount {
    /// The answer of a store without expiry: the key stays until the caller deletes it.
    pub fn kept(value: u64) -> Self {
        ExpiringCount {
            value,
            expires: false,
        }
    }
}

/// A secret-store failure; the text is for the log only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretError(pub String);

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "secret store error: {}", self.0)
    }
}

impl std::error::Error for SecretError {}

/// Configuration and secret lookup by configuration key (docs/contract.md §8).
pub trait Secrets {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError>;
}

/// Wall-clock time, and a way to wait, so tests can move time instead of sleeping.
pub trait Clock {
    /// Seconds since the Unix epoch, UTC.
    fn now_unix(&self) -> i64;
    /// Waits about `millis` milliseconds (a test clock may just advance).
    fn pause(&self, millis: u64);
}

//! The three things the domain needs from its host: storage, secrets and the time.
//! Production implementations sit behind WIT imports; tests use in-memory ones.

use std::fmt;

/// Key-value storage with the primitives every host offers (docs/contract.md §9): the one
/// key-value interface, shared with the native host.
pub use customer_token_store::{ExpiringCount, KeyValue, StoreError};

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

//! customer-token's one key-value interface (docs/contract.md §9): the primitives every host's
//! store gives (`get`, `set`, `delete`, an atomic `increment`, and an increment whose key the
//! store may expire), the error, and how stores encode counters. The component's storage, the
//! native host's stores (SQLite, redb, Redis, memory) and the in-process emulations of Spin's and
//! wasmtime's hosts all implement [`KeyValue`], and each layer maps onto it once.
//!
//! With the `std` feature (not in the component): [`MemoryStore`], [`Faulty`] (failing and
//! stalling chosen calls) and [`conformance`], the suite every implementation runs.
//!
//! A key used with `increment` is never used with `get` or `set` by the product: Spin's SQLite
//! store encodes counters differently and panics when a value written with `set` is
//! incremented. A counter is read with `increment(key, 0)`, which a store may answer with a read.

#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

#[cfg(feature = "std")]
pub mod conformance;
#[cfg(feature = "std")]
mod faulty;
#[cfg(feature = "std")]
mod memory;

#[cfg(feature = "std")]
pub use faulty::{Call, CallHook, CallPhase, Faulty};
#[cfg(feature = "std")]
pub use memory::{MemorySnapshot, MemoryStore};

/// A storage failure; the text is for the log only, never for a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The store refused access.
    AccessDenied,
    /// `increment` of a key that holds a value that is not a counter in the store's format.
    NotACounter(String),
    /// Any other failure, with a description.
    Other(String),
}

impl StoreError {
    /// An [`Other`](StoreError::Other) error from anything displayable.
    pub fn other(message: impl fmt::Display) -> StoreError {
        StoreError::Other(message.to_string())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::AccessDenied => f.write_str("store error: access denied"),
            StoreError::NotACounter(message) | StoreError::Other(message) => {
                write!(f, "store error: {message}")
            }
        }
    }
}

impl core::error::Error for StoreError {}

/// What [`KeyValue::increment_expiring`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiringCount {
    /// The counter's new value.
    pub value: u64,
    /// Whether the store deletes the key by itself once its time is up.
    pub expires: bool,
}

impl ExpiringCount {
    /// The answer of a store without expiry: the key stays until the caller deletes it.
    pub fn kept(value: u64) -> ExpiringCount {
        ExpiringCount {
            value,
            expires: false,
        }
    }
}

/// Key-value storage with the primitives every host offers.
pub trait KeyValue {
    /// The value at `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Stores `value` at `key`, replacing any previous value (and ending any expiry it had).
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
    /// Removes `key`; removing an absent key succeeds.
    fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Atomically adds `delta` to the counter at `key` (absent counts as 0) and returns the new
    /// value.
    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError>;
    /// Like [`increment`](Self::increment), and the store may delete the key by itself once
    /// `ttl_seconds` have passed (a later call with a shorter ttl does not shorten it). A store
    /// without expiry only increments and answers `expires: false`: the caller deletes the key.
    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError>;
    /// Whether a call may wait on something outside the process (a disk, a network, a lock held
    /// elsewhere), so that an async caller runs it off its event loop, with a deadline. Only a
    /// store that never waits (memory) says no.
    fn may_block(&self) -> bool {
        true
    }
}

macro_rules! forward {
    ($($wrapper:ty),*) => {$(
        impl<S: KeyValue + ?Sized> KeyValue for $wrapper {
            fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
                (**self).get(key)
            }
            fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
                (**self).set(key, value)
            }
            fn delete(&self, key: &str) -> Result<(), StoreError> {
                (**self).delete(key)
            }
            fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
                (**self).increment(key, delta)
            }
            fn increment_expiring(
                &self,
                key: &str,
                delta: u64,
                ttl_seconds: u64,
            ) -> Result<ExpiringCount, StoreError> {
                (**self).increment_expiring(key, delta, ttl_seconds)
            }
            fn may_block(&self) -> bool {
                (**self).may_block()
            }
        }
    )*};
}
forward!(&S, alloc::boxed::Box<S>, alloc::sync::Arc<S>);

/// How a store keeps counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterFormat {
    /// Decimal text: Redis's `INCRBY` (so Spin's Redis store), wasmtime's store, redb here.
    Decimal,
    /// 8 bytes little-endian, a signed 64-bit number: Spin's SQLite store, and so ours.
    LittleEndian64,
}

impl CounterFormat {
    /// The counter stored at `key` as `stored` (absent counts as 0).
    pub fn decode(self, key: &str, stored: Option<&[u8]>) -> Result<u64, StoreError> {
        let Some(bytes) = stored else {
            return Ok(0);
        };
        let value = match self {
            CounterFormat::Decimal => core::str::from_utf8(bytes)
                .ok()
                .and_then(|text| text.trim().parse::<u64>().ok()),
            CounterFormat::LittleEndian64 => <[u8; 8]>::try_from(bytes)
                .ok()
                .map(i64::from_le_bytes)
                .and_then(|value| u64::try_from(value).ok()),
        };
        value.ok_or_else(|| {
            StoreError::NotACounter(format!(
                "the value at {key:?} ({} bytes) is not a counter ({self:?})",
                bytes.len()
            ))
        })
    }

    /// `value` as the store keeps it.
    pub fn encode(self, value: u64) -> Vec<u8> {
        match self {
            CounterFormat::Decimal => value.to_string().into_bytes(),
            // `add` keeps counters of this format within i64.
            CounterFormat::LittleEndian64 => (value as i64).to_le_bytes().to_vec(),
        }
    }

    /// The largest counter the format holds.
    pub fn max(self) -> u64 {
        match self {
            CounterFormat::Decimal => u64::MAX,
            CounterFormat::LittleEndian64 => i64::MAX.unsigned_abs(),
        }
    }

    /// `current + delta`, failing instead of wrapping past what the format holds.
    pub fn add(self, key: &str, current: u64, delta: u64) -> Result<u64, StoreError> {
        current
            .checked_add(delta)
            .filter(|next| *next <= self.max())
            .ok_or_else(|| StoreError::Other(format!("the counter at {key:?} would overflow")))
    }

    /// The new value at `key` after adding `delta` to what it holds: the read-modify-write of a
    /// store that increments under its own lock.
    pub fn incremented(
        self,
        key: &str,
        stored: Option<&[u8]>,
        delta: u64,
    ) -> Result<(u64, Vec<u8>), StoreError> {
        let next = self.add(key, self.decode(key, stored)?, delta)?;
        Ok((next, self.encode(next)))
    }
}

/// The clock a store that expires keys goes by: Unix seconds.
pub type Now = alloc::sync::Arc<dyn Fn() -> i64 + Send + Sync>;

/// The Unix second from which a key given `ttl_seconds` at `now` may be deleted (saturating).
pub fn deadline(now: i64, ttl_seconds: u64) -> i64 {
    now.saturating_add(i64::try_from(ttl_seconds).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_read_and_write_in_each_format() {
        for format in [CounterFormat::Decimal, CounterFormat::LittleEndian64] {
            assert_eq!(format.decode("k", None), Ok(0));
            let (value, stored) = format.incremented("k", None, 5).unwrap();
            assert_eq!(value, 5);
            assert_eq!(format.decode("k", Some(&stored)), Ok(5));
            assert!(matches!(
                format.decode("k", Some(b"not a counter!")),
                Err(StoreError::NotACounter(_))
            ));
        }
        assert_eq!(CounterFormat::Decimal.encode(42), b"42");
        assert_eq!(CounterFormat::LittleEndian64.encode(3), 3u64.to_le_bytes());
        assert_eq!(
            CounterFormat::Decimal.decode("k", Some(b" 7 ")),
            Ok(7),
            "Redis answers decimal text"
        );
    }

    #[test]
    fn counters_end_where_their_format_does() {
        assert!(CounterFormat::Decimal.add("k", u64::MAX, 1).is_err());
        assert_eq!(
            CounterFormat::Decimal.add("k", u64::MAX - 1, 1),
            Ok(u64::MAX)
        );
        let max = i64::MAX.unsigned_abs();
        assert!(CounterFormat::LittleEndian64.add("k", max, 1).is_err());
        assert_eq!(CounterFormat::LittleEndian64.add("k", max - 1, 1), Ok(max));
        assert!(
            CounterFormat::LittleEndian64
                .decode("k", Some(&(-1i64).to_le_bytes()))
                .is_err(),
            "a negative counter is not one of ours"
        );
    }

    #[test]
    fn deadlines_saturate() {
        assert_eq!(deadline(10, 5), 15);
        assert_eq!(deadline(i64::MAX - 1, 5), i64::MAX);
        assert_eq!(deadline(0, u64::MAX), i64::MAX);
    }
}

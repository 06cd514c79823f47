//! Key-value storage behind the component's `customer-store` import.
//!
//! The trait mirrors the WIT interface (get, set, delete, atomic increment). Counters are kept as
//! decimal text, as wasmtime's and Redis's stores do; a key used with `increment` is never read
//! with `get` by the component (docs/contract.md §9). [`Backend::update`], an atomic read-modify-write,
//! lets the host flavors that imitate other stores keep counters their own way (Spin's SQLite
//! store: 8 bytes little-endian) and implement compare-and-swap.

mod faulty;
mod memory;
mod redb;
mod redis;
mod sqlite;

pub use self::faulty::{Call, CallHook, CallPhase, FaultyBackend};
pub use self::memory::{MemoryBackend, MemorySnapshot};
pub use self::redb::{DATABASE_FILE as REDB_DATABASE_FILE, RedbBackend};
pub use self::redis::RedisBackend;
pub use self::sqlite::{DATABASE_FILE as SQLITE_DATABASE_FILE, SqliteBackend};

use std::fmt;

/// A storage failure, mapped onto the WIT `customer-store.error` variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// The store refused access.
    AccessDenied,
    /// Any other failure, with a description for the log.
    Other(String),
}

impl BackendError {
    /// An `Other` error from anything displayable.
    pub fn other(message: impl fmt::Display) -> Self {
        BackendError::Other(message.to_string())
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::AccessDenied => f.write_str("access denied"),
            BackendError::Other(message) => write!(f, "store failure: {message}"),
        }
    }
}

impl std::error::Error for BackendError {}

/// Key-value storage shared by every instance of the component.
pub trait Backend: Send + Sync + 'static {
    /// The value at `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError>;
    /// Stores `value` at `key`, replacing any previous value.
    fn set(&self, key: &str, value: &[u8]) -> Result<(), BackendError>;
    /// Removes `key`; removing an absent key succeeds.
    fn delete(&self, key: &str) -> Result<(), BackendError>;
    /// Atomically adds `delta` to the counter at `key` (absent counts as 0) and returns the new
    /// value.
    fn increment(&self, key: &str, delta: u64) -> Result<u64, BackendError>;
    /// [`increment`](Self::increment), and the store may delete the key once `expiry` has
    /// passed; a later call with an earlier deadline does not shorten it. Like Redis's, the
    /// expiry lasts while the key is only incremented, and this backend's own `set` and `delete`
    /// end it (a Spin sharing an SQLite file does not know of it: only counters the component
    /// made to expire get one). A store without expiry (redb) only increments and answers
    /// `expires: false`, and keeps the key.
    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        expiry: Expiry,
    ) -> Result<ExpiringCount, BackendError>;
    /// Atomically reads the value at `key` (`None` if absent) and hands it to `f`: `Ok(Some(new))`
    /// stores `new` in its place, `Ok(None)` leaves the key as it is, and an error leaves it as it
    /// is and is returned. No other call on this backend changes `key` between the read and the
    /// write. A backend that locks calls `f` once; an optimistic one (Redis) calls it again with
    /// the new value when the key changed before its write, so only the last call's answer counts.
    fn update(&self, key: &str, f: &mut UpdateFn<'_>) -> Result<(), BackendError>;
    /// How the store keeps counters of its own, which every host's `increment` then uses as they
    /// are, or `None` if it leaves the encoding to the host (as the in-memory and redb stores do).
    fn native_counters(&self) -> Option<CounterFormat> {
        None
    }
}

/// When a key of [`Backend::increment_expiring`] may go: `ttl_seconds` after `now`.
///
/// `now` is the runtime's clock (a test clock in tests), which the embedded stores delete by;
/// Redis is given only the ttl, so a clock that differs from Redis's own cannot shorten it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// Unix seconds, by the runtime's clock.
    pub now: i64,
    pub ttl_seconds: u64,
}

impl Expiry {
    /// The Unix second from which the key may be deleted (saturating).
    pub fn deadline(self) -> i64 {
        self.now
            .saturating_add(i64::try_from(self.ttl_seconds).unwrap_or(i64::MAX))
    }
}

/// What [`Backend::increment_expiring`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiringCount {
    /// The counter's new value.
    pub value: u64,
    /// Whether the store deletes the key by itself once its expiry has passed.
    pub expires: bool,
}

/// How a store with counters of its own encodes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterFormat {
    /// Decimal text, as Redis's `INCRBY` keeps them (and so Spin's Redis store).
    Decimal,
    /// 8 bytes little-endian, as Spin's SQLite store keeps them.
    LittleEndian64,
}

/// The read-modify-write step of [`Backend::update`].
pub type UpdateFn<'a> = dyn FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>, BackendError> + 'a;

/// Creates the data directory of a file-backed store (and its parents) if it is missing.
pub(crate) fn create_data_dir(dir: &std::path::Path) -> Result<(), BackendError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        BackendError::Other(format!(
            "cannot create data directory {}: {e}",
            dir.display()
        ))
    })
}

/// Reads a counter stored as decimal text; an absent value is 0.
pub(crate) fn parse_counter(key: &str, value: Option<&[u8]>) -> Result<u64, BackendError> {
    let Some(bytes) = value else { return Ok(0) };
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            BackendError::Other(format!("the value at {key:?} is not a decimal counter"))
        })
}

/// Adds `delta` to `current`, failing instead of wrapping.
pub(crate) fn add_counter(key: &str, current: u64, delta: u64) -> Result<u64, BackendError> {
    current
        .checked_add(delta)
        .ok_or_else(|| BackendError::Other(format!("the counter at {key:?} would overflow")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Arc;

    /// Counters as decimal text.
    pub(crate) fn decimal(n: u64) -> Vec<u8> {
        n.to_string().into_bytes()
    }

    /// The behaviour every backend shares, counters up to `u64::MAX` as decimal text.
    pub(crate) fn exercise(backend: &dyn Backend) {
        exercise_with(backend, u64::MAX, decimal);
    }

    /// The behaviour every backend shares, for a backend whose counters end at `max_counter`
    /// and are stored as `encode` makes them.
    pub(crate) fn exercise_with(
        backend: &dyn Backend,
        max_counter: u64,
        encode: fn(u64) -> Vec<u8>,
    ) {
        assert_eq!(backend.get("absent"), Ok(None));
        backend.set("a", b"one").unwrap();
        assert_eq!(backend.get("a"), Ok(Some(b"one".to_vec())));
        backend.set("a", b"two").unwrap();
        assert_eq!(backend.get("a"), Ok(Some(b"two".to_vec())));
        backend.set("empty", b"").unwrap();
        assert_eq!(backend.get("empty"), Ok(Some(Vec::new())));
        backend.delete("a").unwrap();
        assert_eq!(backend.get("a"), Ok(None));
        backend.delete("a").unwrap();

        assert_eq!(backend.increment("n", 0), Ok(0));
        assert_eq!(backend.increment("n", 1), Ok(1));
        assert_eq!(backend.increment("n", 5), Ok(6));
        assert_eq!(backend.increment("n", 0), Ok(6));
        assert_eq!(backend.get("n"), Ok(Some(encode(6))));
        backend.delete("n").unwrap();
        assert_eq!(backend.increment("n", 1), Ok(1));

        assert_eq!(backend.increment("big", max_counter), Ok(max_counter));
        assert!(matches!(
            backend.increment("big", 1),
            Err(BackendError::Other(_))
        ));
        backend.set("text", b"not a number").unwrap();
        assert!(matches!(
            backend.increment("text", 1),
            Err(BackendError::Other(_))
        ));

        let mut seen = Vec::new();
        backend
            .update("u", &mut |current| {
                seen.push(current.map(<[u8]>::to_vec));
                Ok(Some(b"first".to_vec()))
            })
            .unwrap();
        backend
            .update("u", &mut |current| {
                seen.push(current.map(<[u8]>::to_vec));
                Ok(None)
            })
            .unwrap();
        assert_eq!(seen, vec![None, Some(b"first".to_vec())]);
        assert_eq!(backend.get("u"), Ok(Some(b"first".to_vec())));
        assert_eq!(
            backend.update("u", &mut |_| Err(BackendError::other("refused"))),
            Err(BackendError::Other("refused".into()))
        );
        assert_eq!(backend.get("u"), Ok(Some(b"first".to_vec())));
    }

    /// A store with expiry: a key incremented with a ttl is gone once the ttl has passed, unless
    /// a `set` ended its expiry; a longer ttl keeps its key. `now` is the store's time and
    /// `pass(seconds)` moves it on (a test clock for the embedded stores, which expire keys when
    /// the next key is written with a ttl; real time for Redis, which expires them itself).
    pub(crate) fn expires_keys(backend: &dyn Backend, now: &dyn Fn() -> i64, pass: &dyn Fn(u64)) {
        let ttl = |ttl_seconds| Expiry {
            now: now(),
            ttl_seconds,
        };
        let expiring = |value| ExpiringCount {
            value,
            expires: true,
        };
        assert_eq!(
            backend.increment_expiring("nonce", 1, ttl(2)),
            Ok(expiring(1))
        );
        assert_eq!(
            backend.increment_expiring("nonce", 1, ttl(2)),
            Ok(expiring(2))
        );
        backend.increment_expiring("made-plain", 1, ttl(2)).unwrap();
        backend.set("made-plain", b"plain").unwrap();
        backend.increment_expiring("deleted", 1, ttl(2)).unwrap();
        backend.delete("deleted").unwrap();
        assert_eq!(
            backend.increment_expiring("long", 5, ttl(600)),
            Ok(expiring(5))
        );
        backend.set("customer", b"kept").unwrap();

        pass(1);
        // Not yet: the ttl has not passed.
        backend.increment_expiring("tick", 1, ttl(600)).unwrap();
        assert!(backend.get("nonce").unwrap().is_some());

        pass(3);
        backend.increment_expiring("tick", 1, ttl(600)).unwrap();
        assert_eq!(backend.get("nonce"), Ok(None));
        assert_eq!(backend.get("deleted"), Ok(None));
        assert_eq!(backend.get("made-plain"), Ok(Some(b"plain".to_vec())));
        assert_eq!(backend.get("customer"), Ok(Some(b"kept".to_vec())));
        assert!(backend.get("long").unwrap().is_some());
        assert_eq!(backend.increment("long", 0), Ok(5));
        // A claim after expiry starts afresh.
        assert_eq!(
            backend.increment_expiring("nonce", 1, ttl(2)),
            Ok(expiring(1))
        );
    }

    /// [`expires_keys`] on a store that expires by the `now` it is given.
    pub(crate) fn expires_keys_by_its_callers_clock(backend: &dyn Backend) {
        let clock = std::cell::Cell::new(1_800_000_000_i64);
        expires_keys(backend, &|| clock.get(), &|seconds| {
            clock.set(clock.get() + i64::try_from(seconds).unwrap())
        });
    }

    /// What one opening of a persistent store wrote, the next (`open` called again) reads.
    pub(crate) fn persists_across_reopening(open: &dyn Fn() -> Box<dyn Backend>) {
        {
            let backend = open();
            backend.set("customer", b"{\"v\":1}").unwrap();
            assert_eq!(backend.increment("next-id", 1), Ok(1));
            assert_eq!(backend.increment("next-id", 1), Ok(2));
            backend.set("gone", b"x").unwrap();
            backend.delete("gone").unwrap();
        }
        let backend = open();
        assert_eq!(backend.get("customer"), Ok(Some(b"{\"v\":1}".to_vec())));
        assert_eq!(backend.increment("next-id", 1), Ok(3));
        assert_eq!(backend.get("gone"), Ok(None));
    }

    /// Many threads doing read-modify-write through `update` lose no update.
    pub(crate) fn concurrent_updates(backend: Arc<dyn Backend>) {
        const THREADS: usize = 8;
        const PER_THREAD: usize = 25;
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let backend = backend.clone();
                std::thread::spawn(move || {
                    for _ in 0..PER_THREAD {
                        backend
                            .update("rmw", &mut |current| {
                                let n = current.map_or(0, |bytes| bytes.len());
                                Ok(Some(vec![b'x'; n + 1]))
                            })
                            .unwrap();
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        let value = backend.get("rmw").unwrap().unwrap();
        assert_eq!(value.len(), THREADS * PER_THREAD);
    }

    /// Many threads incrementing one counter each get a distinct value, and the total adds up.
    pub(crate) fn concurrent_increments(backend: Arc<dyn Backend>) {
        const THREADS: usize = 16;
        const PER_THREAD: usize = 25;
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let backend = backend.clone();
                std::thread::spawn(move || {
                    (0..PER_THREAD)
                        .map(|_| backend.increment("shared", 1).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seen = HashSet::new();
        for handle in handles {
            for value in handle.join().unwrap() {
                assert!(seen.insert(value), "value {value} returned twice");
            }
        }
        let total = (THREADS * PER_THREAD) as u64;
        assert_eq!(seen, (1..=total).collect::<HashSet<_>>());
        assert_eq!(backend.increment("shared", 0), Ok(total));
    }

    #[test]
    fn counters_parse_as_decimal_text() {
        assert_eq!(parse_counter("k", None), Ok(0));
        assert_eq!(parse_counter("k", Some(b"42")), Ok(42));
        assert!(parse_counter("k", Some(b"\x01\0\0\0\0\0\0\0")).is_err());
        assert!(add_counter("k", u64::MAX, 1).is_err());
    }
}

//! In-memory implementations of the ports, for native tests, fuzzing and benchmarks.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::ports::{ExpiringCount, KeyValue, SecretError, Secrets, StoreError};

/// A thread-safe map; counters are kept as decimal text, as wasmtime's store keeps them. It has
/// no expiry (like Spin's and wasmtime's stores), so the domain's tests run the protocols that
/// delete their own keys.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemoryStore {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        // A poisoned lock only means another test thread panicked; the map is still usable.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every key currently stored, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.entries().keys().cloned().collect();
        keys.sort();
        keys
    }
}

impl KeyValue for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.entries().get(key).cloned())
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.entries().insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.entries().remove(key);
        Ok(())
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        let mut entries = self.entries();
        let current = match entries.get(key) {
            None => 0,
            Some(bytes) => std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| text.parse::<u64>().ok())
                .ok_or_else(|| StoreError(format!("`{key}` is not a counter")))?,
        };
        let next = current
            .checked_add(delta)
            .ok_or_else(|| StoreError(format!("counter `{key}` overflowed")))?;
        entries.insert(key.to_owned(), next.to_string().into_bytes());
        Ok(next)
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        _ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        self.increment(key, delta).map(ExpiringCount::kept)
    }
}

/// Wraps a store and fails chosen calls (1-based) without passing them on: from the k-th
/// until healed, as a crashed or unreachable backend would, or exactly the listed ones.
#[derive(Debug)]
pub struct FailingStore<S> {
    inner: S,
    faults: Faults,
    calls: AtomicUsize,
    healed: AtomicBool,
}

#[derive(Debug)]
enum Faults {
    From(Option<usize>),
    At(Vec<usize>),
}

impl<S: KeyValue> FailingStore<S> {
    /// Fails call `fail_at` and every later one until [`FailingStore::heal`].
    pub fn new(inner: S, fail_at: Option<usize>) -> Self {
        Self::with(inner, Faults::From(fail_at))
    }

    /// Fails exactly the calls numbered in `calls`.
    pub fn at_calls(inner: S, calls: &[usize]) -> Self {
        Self::with(inner, Faults::At(calls.to_vec()))
    }

    fn with(inner: S, faults: Faults) -> Self {
        FailingStore {
            inner,
            faults,
            calls: AtomicUsize::new(0),
            healed: AtomicBool::new(false),
        }
    }

    /// Calls made so far, failed ones included.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// From now on every call goes through.
    pub fn heal(&self) {
        self.healed.store(true, Ordering::SeqCst);
    }

    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn check(&self) -> Result<(), StoreError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let fails = !self.healed.load(Ordering::SeqCst)
            && match &self.faults {
                Faults::From(Some(k)) => call >= *k,
                Faults::From(None) => false,
                Faults::At(calls) => calls.contains(&call),
            };
        if fails {
            Err(StoreError(format!("injected failure at call {call}")))
        } else {
            Ok(())
        }
    }
}

impl<S: KeyValue> KeyValue for FailingStore<S> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.check()?;
        self.inner.get(key)
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.check()?;
        self.inner.set(key, value)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.check()?;
        self.inner.delete(key)
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        self.check()?;
        self.inner.increment(key, delta)
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        self.check()?;
        self.inner.increment_expiring(key, delta, ttl_seconds)
    }
}

/// When a [`StallingStore`] lets other callers run inside its stalled call.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stall {
    /// Before the call reaches the store: a slow request, a write that lands late.
    Before,
    /// After the store applied it, before the caller hears back: a paused caller.
    After,
}

/// Wraps a store and, at its k-th call (1-based), runs `meanwhile` once, before or after
/// passing the call on: whatever `meanwhile` does happens while this caller is stalled there.
/// Single-threaded, for the crate's own tests.
#[cfg(test)]
pub struct StallingStore<'a> {
    inner: &'a dyn KeyValue,
    at: usize,
    stall: Stall,
    meanwhile: std::cell::RefCell<Option<Box<dyn FnOnce() + 'a>>>,
    calls: std::cell::Cell<usize>,
}

#[cfg(test)]
impl<'a> StallingStore<'a> {
    pub fn new(
        inner: &'a dyn KeyValue,
        at: usize,
        stall: Stall,
        meanwhile: impl FnOnce() + 'a,
    ) -> Self {
        StallingStore {
            inner,
            at,
            stall,
            meanwhile: std::cell::RefCell::new(Some(Box::new(meanwhile))),
            calls: std::cell::Cell::new(0),
        }
    }

    /// Calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.get()
    }

    fn around<T>(&self, call: impl FnOnce() -> T) -> T {
        self.calls.set(self.calls.get() + 1);
        let stalls = self.calls.get() == self.at;
        if stalls && self.stall == Stall::Before {
            self.run_meanwhile();
        }
        let result = call();
        if stalls && self.stall == Stall::After {
            self.run_meanwhile();
        }
        result
    }

    fn run_meanwhile(&self) {
        let meanwhile = self.meanwhile.borrow_mut().take();
        if let Some(meanwhile) = meanwhile {
            meanwhile();
        }
    }
}

#[cfg(test)]
impl KeyValue for StallingStore<'_> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.around(|| self.inner.get(key))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.around(|| self.inner.set(key, value))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.around(|| self.inner.delete(key))
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        self.around(|| self.inner.increment(key, delta))
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        self.around(|| self.inner.increment_expiring(key, delta, ttl_seconds))
    }
}

/// Secrets from a fixed list of pairs.
#[derive(Debug, Clone, Default)]
pub struct MemorySecrets(pub HashMap<String, String>);

impl Secrets for MemorySecrets {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        Ok(self.0.get(name).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_start_at_zero_and_refuse_plain_values() {
        let store = MemoryStore::default();
        assert_eq!(store.increment("c", 0).unwrap(), 0);
        assert_eq!(store.increment("c", 5).unwrap(), 5);
        store.set("plain", b"x").unwrap();
        assert!(store.increment("plain", 1).is_err());
    }

    #[test]
    fn failing_store_fails_from_the_kth_call_until_healed() {
        let store = FailingStore::new(MemoryStore::default(), Some(2));
        assert!(store.set("a", b"1").is_ok());
        assert!(store.get("a").is_err());
        assert!(store.get("a").is_err());
        store.heal();
        assert_eq!(store.get("a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(store.calls(), 4);
        let listed = FailingStore::at_calls(MemoryStore::default(), &[1, 3]);
        assert!(listed.set("a", b"1").is_err());
        assert!(listed.set("a", b"1").is_ok());
        assert!(listed.get("a").is_err());
        assert_eq!(listed.get("a").unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn stalling_store_runs_the_interleaving_before_or_after_the_call() {
        // The stalled call is a `set` of "mine"; meanwhile another caller sets "theirs".
        for (stall, last_writer) in [
            (Stall::Before, &b"mine"[..]),
            (Stall::After, &b"theirs"[..]),
        ] {
            let store = MemoryStore::default();
            let stalled = StallingStore::new(&store, 2, stall, || {
                store.set("k", b"theirs").unwrap();
            });
            stalled.get("k").unwrap();
            stalled.set("k", b"mine").unwrap();
            stalled.set("other", b"x").unwrap();
            assert_eq!(
                store.get("k").unwrap(),
                Some(last_writer.to_vec()),
                "{stall:?}"
            );
            assert_eq!(stalled.calls(), 3);
        }
    }
}

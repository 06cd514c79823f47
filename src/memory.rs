//! In-memory implementations of the ports, for native tests, fuzzing and benchmarks.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::ports::{KeyValue, SecretError, Secrets, StoreError};

/// A thread-safe map; counters are kept as decimal text, as wasmtime's store keeps them.
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
}

/// Wraps a store and fails its k-th call (1-based), and every call after it until healed,
/// as a crashed or unreachable backend would.
#[derive(Debug)]
pub struct FailingStore<S> {
    inner: S,
    fail_at: Option<usize>,
    calls: AtomicUsize,
    healed: AtomicBool,
}

impl<S: KeyValue> FailingStore<S> {
    pub fn new(inner: S, fail_at: Option<usize>) -> Self {
        FailingStore {
            inner,
            fail_at,
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
        match self.fail_at {
            Some(k) if call >= k && !self.healed.load(Ordering::SeqCst) => {
                Err(StoreError(format!("injected failure at call {call}")))
            }
            _ => Ok(()),
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
    }
}

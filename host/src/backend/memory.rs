//! An in-memory backend: fast, shared by all instances, gone when the process ends.

use super::{Backend, BackendError, ExpiringCount, Expiry, UpdateFn, add_counter, parse_counter};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

/// Key-value storage in a `HashMap` behind a mutex.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default, Clone)]
struct Inner {
    entries: HashMap<String, Vec<u8>>,
    /// The deadline of every key that expires.
    deadlines: HashMap<String, i64>,
    /// The same, in deadline order, so the expired ones are found without a scan.
    by_deadline: BTreeSet<(i64, String)>,
}

/// What a [`MemoryBackend`] held at one moment.
#[derive(Debug, Clone)]
pub struct MemorySnapshot(Inner);

impl Inner {
    fn forget_deadline(&mut self, key: &str) {
        if let Some(deadline) = self.deadlines.remove(key) {
            self.by_deadline.remove(&(deadline, key.to_owned()));
        }
    }

    /// Deletes every key whose deadline is at or before `now`.
    fn expire(&mut self, now: i64) {
        while let Some((deadline, _)) = self.by_deadline.first()
            && *deadline <= now
        {
            let Some((_, key)) = self.by_deadline.pop_first() else {
                break;
            };
            self.deadlines.remove(&key);
            self.entries.remove(&key);
        }
    }

    fn increment(&mut self, key: &str, delta: u64) -> Result<u64, BackendError> {
        let current = parse_counter(key, self.entries.get(key).map(Vec::as_slice))?;
        let next = add_counter(key, current, delta)?;
        self.entries
            .insert(key.to_owned(), next.to_string().into_bytes());
        Ok(next)
    }
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of keys held.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.lock().entries.is_empty()
    }

    /// All keys, sorted (for tests that inspect what the component wrote).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.lock().entries.keys().cloned().collect();
        keys.sort();
        keys
    }

    /// A copy of everything the store holds now, for [`restore`](Self::restore).
    pub fn snapshot(&self) -> MemorySnapshot {
        MemorySnapshot(self.lock().clone())
    }

    /// Puts back what `snapshot` holds, as a store restarted from a backup or a snapshot would
    /// be: every write made since is lost.
    pub fn restore(&self, snapshot: &MemorySnapshot) {
        *self.lock() = snapshot.0.clone();
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that loses
        // data: at worst a deadline outlives its key, and expiring a missing key is harmless.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Backend for MemoryBackend {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.lock().entries.get(key).cloned())
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), BackendError> {
        let mut inner = self.lock();
        inner.forget_deadline(key);
        inner.entries.insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), BackendError> {
        let mut inner = self.lock();
        inner.forget_deadline(key);
        inner.entries.remove(key);
        Ok(())
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, BackendError> {
        self.lock().increment(key, delta)
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        expiry: Expiry,
    ) -> Result<ExpiringCount, BackendError> {
        let mut inner = self.lock();
        // Expired keys go whenever another one is written this way: no thread of its own.
        inner.expire(expiry.now);
        let value = inner.increment(key, delta)?;
        let deadline = expiry.deadline();
        let previous = inner.deadlines.get(key).copied();
        if previous.is_none_or(|previous| previous < deadline) {
            inner.forget_deadline(key);
            inner.deadlines.insert(key.to_owned(), deadline);
            inner.by_deadline.insert((deadline, key.to_owned()));
        }
        Ok(ExpiringCount {
            value,
            expires: true,
        })
    }

    fn update(&self, key: &str, f: &mut UpdateFn<'_>) -> Result<(), BackendError> {
        let mut inner = self.lock();
        if let Some(value) = f(inner.entries.get(key).map(Vec::as_slice))? {
            inner.forget_deadline(key);
            inner.entries.insert(key.to_owned(), value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::tests::{
        concurrent_increments, concurrent_updates, exercise, expires_keys_by_its_callers_clock,
    };
    use std::sync::Arc;

    #[test]
    fn behaves_as_a_backend() {
        let backend = MemoryBackend::new();
        exercise(&backend);
        assert!(!backend.is_empty());
        assert!(backend.keys().contains(&"n".to_string()));
    }

    #[test]
    fn expires_what_is_incremented_with_a_ttl() {
        let backend = MemoryBackend::new();
        expires_keys_by_its_callers_clock(&backend);
        assert!(backend.lock().by_deadline.len() <= 3);
    }

    #[test]
    fn concurrent_increments_are_distinct() {
        concurrent_increments(Arc::new(MemoryBackend::new()));
    }

    #[test]
    fn concurrent_updates_are_atomic() {
        concurrent_updates(Arc::new(MemoryBackend::new()));
    }
}

//! An in-memory backend: fast, shared by all instances, gone when the process ends.

use super::{Backend, BackendError, UpdateFn, add_counter, parse_counter};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Key-value storage in a `HashMap` behind a mutex.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    entries: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of keys held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// All keys, sorted (for tests that inspect what the component wrote).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.lock().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<u8>>> {
        // A panic while holding the lock cannot leave the map half-updated: every operation is a
        // single map call, so the data is still consistent.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Backend for MemoryBackend {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        Ok(self.lock().get(key).cloned())
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), BackendError> {
        self.lock().insert(key.to_owned(), value.to_vec());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), BackendError> {
        self.lock().remove(key);
        Ok(())
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, BackendError> {
        let mut entries = self.lock();
        let current = parse_counter(key, entries.get(key).map(Vec::as_slice))?;
        let next = add_counter(key, current, delta)?;
        entries.insert(key.to_owned(), next.to_string().into_bytes());
        Ok(next)
    }

    fn update(&self, key: &str, f: &mut UpdateFn<'_>) -> Result<(), BackendError> {
        let mut entries = self.lock();
        if let Some(value) = f(entries.get(key).map(Vec::as_slice))? {
            entries.insert(key.to_owned(), value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::tests::{concurrent_increments, concurrent_updates, exercise};
    use std::sync::Arc;

    #[test]
    fn behaves_as_a_backend() {
        let backend = MemoryBackend::new();
        exercise(&backend);
        assert!(!backend.is_empty());
        assert!(backend.keys().contains(&"n".to_string()));
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

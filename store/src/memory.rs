//! A store in the process's memory: for tests, fuzzing, benchmarks and the native host's
//! `--store memory`. Counters in a chosen [`CounterFormat`]; expiry where it is given a clock.

use std::collections::{BTreeSet, HashMap};
use std::string::String;
use std::sync::{Mutex, MutexGuard};
use std::vec::Vec;

use crate::{CounterFormat, ExpiringCount, KeyValue, Now, StoreError, deadline};

/// Key-value storage in a `HashMap` behind a mutex.
pub struct MemoryStore {
    inner: Mutex<Inner>,
    counters: CounterFormat,
    /// `None`: keys never expire (like Spin's and wasmtime's stores).
    now: Option<Now>,
}

#[derive(Debug, Default, Clone)]
struct Inner {
    entries: HashMap<String, Vec<u8>>,
    /// The deadline of every key that expires.
    deadlines: HashMap<String, i64>,
    /// The same, in deadline order, so the expired ones are found without a scan.
    by_deadline: BTreeSet<(i64, String)>,
}

impl Inner {
    fn forget_deadline(&mut self, key: &str) {
        if let Some(deadline) = self.deadlines.remove(key) {
            self.by_deadline.remove(&(deadline, key.into()));
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
}

/// What a [`MemoryStore`] held at one moment.
#[derive(Debug, Clone)]
pub struct MemorySnapshot(Inner);

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("keys", &self.len())
            .field("counters", &self.counters)
            .field("expires", &self.now.is_some())
            .finish()
    }
}

impl MemoryStore {
    /// An empty store with decimal counters and no expiry.
    pub fn new() -> MemoryStore {
        MemoryStore {
            inner: Mutex::new(Inner::default()),
            counters: CounterFormat::Decimal,
            now: None,
        }
    }

    /// The store with counters in `format`.
    pub fn with_counters(mut self, format: CounterFormat) -> MemoryStore {
        self.counters = format;
        self
    }

    /// The store deleting keys given a ttl once `now` says their time is up (when the next key
    /// is given one: no thread of its own).
    pub fn expiring(mut self, now: Now) -> MemoryStore {
        self.now = Some(now);
        self
    }

    /// How it keeps counters.
    pub fn counters(&self) -> CounterFormat {
        self.counters
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

    fn increment_locked(
        &self,
        inner: &mut Inner,
        key: &str,
        delta: u64,
    ) -> Result<u64, StoreError> {
        let (value, stored) =
            self.counters
                .incremented(key, inner.entries.get(key).map(Vec::as_slice), delta)?;
        inner.entries.insert(key.into(), stored);
        Ok(value)
    }
}

impl KeyValue for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().entries.get(key).cloned())
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.forget_deadline(key);
        inner.entries.insert(key.into(), value.to_vec());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.forget_deadline(key);
        inner.entries.remove(key);
        Ok(())
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        self.increment_locked(&mut inner, key, delta)
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        let mut inner = self.lock();
        let Some(now) = &self.now else {
            return self
                .increment_locked(&mut inner, key, delta)
                .map(ExpiringCount::kept);
        };
        let now = now();
        inner.expire(now);
        let value = self.increment_locked(&mut inner, key, delta)?;
        let deadline = deadline(now, ttl_seconds);
        let previous = inner.deadlines.get(key).copied();
        if previous.is_none_or(|previous| previous < deadline) {
            inner.forget_deadline(key);
            inner.deadlines.insert(key.into(), deadline);
            inner.by_deadline.insert((deadline, key.into()));
        }
        Ok(ExpiringCount {
            value,
            expires: true,
        })
    }

    /// Never: every call is a lock held only by this store's own calls.
    fn may_block(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    #[test]
    fn conforms_in_each_counter_format() {
        for format in [CounterFormat::Decimal, CounterFormat::LittleEndian64] {
            let store = MemoryStore::new().with_counters(format);
            conformance::basics(&store, format, format.max());
            assert!(!store.is_empty());
        }
        conformance::keeps_keys_without_expiry(&MemoryStore::new());
        conformance::concurrent_increments(Arc::new(MemoryStore::new()));
    }

    #[test]
    fn expires_keys_by_its_clock() {
        let now = Arc::new(AtomicI64::new(1_000));
        let clock = now.clone();
        let store = MemoryStore::new().expiring(Arc::new(move || clock.load(Ordering::SeqCst)));
        conformance::expires_keys(&store, &|seconds| {
            now.fetch_add(i64::try_from(seconds).unwrap(), Ordering::SeqCst);
        });
    }

    #[test]
    fn a_snapshot_restores_what_it_held() {
        let store = MemoryStore::new();
        store.set("kept", b"1").unwrap();
        let snapshot = store.snapshot();
        store.set("lost", b"2").unwrap();
        store.restore(&snapshot);
        assert_eq!(store.keys(), ["kept"]);
    }
}

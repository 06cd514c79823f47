//! Fault injection: a backend that fails on chosen calls.

use super::{Backend, BackendError, UpdateFn};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Wraps another backend, counts every call (get, set, delete, increment and update alike,
/// starting at 1), and fails call number `k` — and, if `sticky`, every call after it — with
/// `BackendError::Other("injected fault ...")` without touching the inner backend.
pub struct FaultyBackend {
    inner: Arc<dyn Backend>,
    fail_at: AtomicU64,
    sticky: bool,
    calls: AtomicU64,
}

impl FaultyBackend {
    /// Fails only call number `fail_at` (1-based). `fail_at == 0` never fails.
    pub fn fail_once(inner: Arc<dyn Backend>, fail_at: u64) -> Self {
        Self::new(inner, fail_at, false)
    }

    /// Fails call number `fail_at` (1-based) and every call after it.
    pub fn fail_from(inner: Arc<dyn Backend>, fail_at: u64) -> Self {
        Self::new(inner, fail_at, true)
    }

    /// Passes every call through (use `set_fail_at` later).
    pub fn passthrough(inner: Arc<dyn Backend>) -> Self {
        Self::new(inner, 0, false)
    }

    fn new(inner: Arc<dyn Backend>, fail_at: u64, sticky: bool) -> Self {
        FaultyBackend {
            inner,
            fail_at: AtomicU64::new(fail_at),
            sticky,
            calls: AtomicU64::new(0),
        }
    }

    /// How many calls were made so far, failed ones included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// Moves the failure to call number `fail_at` (1-based, counted from the start; 0 = never).
    pub fn set_fail_at(&self, fail_at: u64) {
        self.fail_at.store(fail_at, Ordering::SeqCst);
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &Arc<dyn Backend> {
        &self.inner
    }

    fn check(&self, operation: &str, key: &str) -> Result<(), BackendError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let fail_at = self.fail_at.load(Ordering::SeqCst);
        let fails = fail_at != 0 && (call == fail_at || (self.sticky && call > fail_at));
        if fails {
            Err(BackendError::Other(format!(
                "injected fault on call {call} ({operation} {key:?})"
            )))
        } else {
            Ok(())
        }
    }
}

impl Backend for FaultyBackend {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        self.check("get", key)?;
        self.inner.get(key)
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), BackendError> {
        self.check("set", key)?;
        self.inner.set(key, value)
    }

    fn delete(&self, key: &str) -> Result<(), BackendError> {
        self.check("delete", key)?;
        self.inner.delete(key)
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, BackendError> {
        self.check("increment", key)?;
        self.inner.increment(key, delta)
    }

    fn update(&self, key: &str, f: &mut UpdateFn<'_>) -> Result<(), BackendError> {
        self.check("update", key)?;
        self.inner.update(key, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::MemoryBackend;
    use crate::backend::tests::exercise;

    #[test]
    fn passthrough_behaves_as_a_backend_and_counts() {
        let backend = FaultyBackend::passthrough(Arc::new(MemoryBackend::new()));
        exercise(&backend);
        assert!(backend.calls() > 10);
    }

    #[test]
    fn fails_only_the_chosen_call() {
        let inner: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
        let backend = FaultyBackend::fail_once(inner.clone(), 2);
        assert_eq!(backend.set("a", b"1"), Ok(()));
        assert!(matches!(
            backend.set("b", b"2"),
            Err(BackendError::Other(_))
        ));
        assert_eq!(
            inner.get("b"),
            Ok(None),
            "a failed call must not reach the store"
        );
        assert_eq!(backend.increment("c", 1), Ok(1));
        assert_eq!(backend.get("a"), Ok(Some(b"1".to_vec())));
        assert_eq!(backend.calls(), 4);
    }

    #[test]
    fn sticky_failures_continue() {
        let backend = FaultyBackend::fail_from(Arc::new(MemoryBackend::new()), 2);
        assert_eq!(backend.increment("n", 1), Ok(1));
        assert!(backend.increment("n", 1).is_err());
        assert!(backend.get("n").is_err());
        assert!(backend.delete("n").is_err());
        assert_eq!(backend.calls(), 4);
        assert_eq!(backend.inner().increment("n", 0), Ok(1));
    }

    #[test]
    fn the_failure_point_can_move() {
        let backend = FaultyBackend::passthrough(Arc::new(MemoryBackend::new()));
        assert_eq!(backend.get("x"), Ok(None));
        backend.set_fail_at(backend.calls() + 1);
        assert!(backend.get("x").is_err());
        assert_eq!(backend.get("x"), Ok(None));
    }
}

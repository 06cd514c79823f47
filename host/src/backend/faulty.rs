//! Fault injection: a backend that fails on chosen calls, and lets a test act around any call
//! (stall it while other requests run, or change the store behind the caller's back).

use super::{Backend, BackendError, ExpiringCount, Expiry, UpdateFn};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Whether a [`CallHook`] runs before a call reaches the inner backend or after it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallPhase {
    Before,
    After,
}

/// One call as a [`CallHook`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// 1-based, counted as for faults.
    pub number: u64,
    pub operation: &'static str,
    pub key: &'a str,
    /// The value of a `set`.
    pub value: Option<&'a [u8]>,
    pub phase: CallPhase,
}

/// Runs on the calling thread around every call that is not failed; blocking in it stalls
/// that caller alone.
pub type CallHook = dyn Fn(&Call<'_>) + Send + Sync;

/// Wraps another backend, counts every call (get, set, delete, increment and update alike,
/// starting at 1), and fails call number `k` — and, if `sticky`, every call after it — with
/// `BackendError::Other("injected fault ...")` without touching the inner backend.
pub struct FaultyBackend {
    inner: Arc<dyn Backend>,
    fail_at: AtomicU64,
    sticky: bool,
    calls: AtomicU64,
    hook: Mutex<Option<Arc<CallHook>>>,
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
            hook: Mutex::new(None),
        }
    }

    /// Runs `hook` around every later call (`None` removes it).
    pub fn set_hook(&self, hook: Option<Arc<CallHook>>) {
        *self
            .hook
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = hook;
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

    /// Counts the call, fails it if chosen, and otherwise runs it between the hook's two phases.
    fn around<T>(
        &self,
        operation: &'static str,
        key: &str,
        value: Option<&[u8]>,
        call: impl FnOnce() -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        let number = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let fail_at = self.fail_at.load(Ordering::SeqCst);
        let fails = fail_at != 0 && (number == fail_at || (self.sticky && number > fail_at));
        if fails {
            return Err(BackendError::Other(format!(
                "injected fault on call {number} ({operation} {key:?})"
            )));
        }
        let hook = self
            .hook
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let observe = |phase| {
            if let Some(hook) = &hook {
                hook(&Call {
                    number,
                    operation,
                    key,
                    value,
                    phase,
                });
            }
        };
        observe(CallPhase::Before);
        let result = call();
        observe(CallPhase::After);
        result
    }
}

impl Backend for FaultyBackend {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        self.around("get", key, None, || self.inner.get(key))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), BackendError> {
        self.around("set", key, Some(value), || self.inner.set(key, value))
    }

    fn delete(&self, key: &str) -> Result<(), BackendError> {
        self.around("delete", key, None, || self.inner.delete(key))
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, BackendError> {
        self.around("increment", key, None, || self.inner.increment(key, delta))
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        expiry: Expiry,
    ) -> Result<ExpiringCount, BackendError> {
        self.around("increment_expiring", key, None, || {
            self.inner.increment_expiring(key, delta, expiry)
        })
    }

    fn update(&self, key: &str, f: &mut UpdateFn<'_>) -> Result<(), BackendError> {
        self.around("update", key, None, || self.inner.update(key, f))
    }

    fn native_counters(&self) -> Option<super::CounterFormat> {
        self.inner.native_counters()
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

    #[test]
    fn the_hook_sees_each_passed_call_before_and_after_it_runs() {
        let inner: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
        let backend = FaultyBackend::fail_once(inner.clone(), 2);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let store = inner.clone();
        backend.set_hook(Some(Arc::new(move |call: &Call<'_>| {
            let stored = store.get("a").unwrap();
            log.lock()
                .unwrap()
                .push((call.number, call.operation, call.phase, stored));
        })));
        backend.set("a", b"1").unwrap();
        assert!(backend.get("a").is_err());
        backend.set_hook(None);
        backend.get("a").unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [
                (1, "set", CallPhase::Before, None),
                (1, "set", CallPhase::After, Some(b"1".to_vec())),
            ]
        );
    }
}

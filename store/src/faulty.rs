//! Fault injection: a store that fails chosen calls (as a crashed or unreachable backend would)
//! and lets a test act around any call: stall it while other requests run, or change the store
//! behind the caller's back.

use std::format;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::vec::Vec;

use crate::{ExpiringCount, KeyValue, StoreError};

/// Whether a [`CallHook`] runs before a call reaches the inner store or after it returned.
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
    /// The delta of an `increment` or `increment_expiring`.
    pub delta: Option<u64>,
    /// The ttl of an `increment_expiring`.
    pub ttl_seconds: Option<u64>,
    pub phase: CallPhase,
}

impl<'a> Call<'a> {
    /// A call of `operation` on `key` with no other arguments; [`Faulty`] numbers it.
    fn of(operation: &'static str, key: &'a str) -> Call<'a> {
        Call {
            number: 0,
            operation,
            key,
            value: None,
            delta: None,
            ttl_seconds: None,
            phase: CallPhase::Before,
        }
    }
}

/// Runs on the calling thread around every call that is not failed; blocking in it stalls
/// that caller alone.
pub type CallHook<'h> = dyn Fn(&Call<'_>) + Send + Sync + 'h;

/// Which calls fail.
#[derive(Debug, Clone, Default)]
enum Schedule {
    #[default]
    Never,
    /// Exactly these calls.
    At(Vec<u64>),
    /// This call and every later one, until healed.
    From(u64),
}

/// Wraps a store, counts every call (starting at 1), and fails the scheduled ones with
/// `StoreError::Other("injected fault ...")` without passing them on.
pub struct Faulty<'h, S> {
    inner: S,
    schedule: Mutex<Schedule>,
    calls: AtomicU64,
    hook: Mutex<Option<Arc<CallHook<'h>>>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a test thread panicked; the value is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<'h, S: KeyValue> Faulty<'h, S> {
    /// Passes every call through (schedule faults later).
    pub fn new(inner: S) -> Self {
        Faulty {
            inner,
            schedule: Mutex::new(Schedule::Never),
            calls: AtomicU64::new(0),
            hook: Mutex::new(None),
        }
    }

    /// Fails exactly the calls numbered in `calls`.
    pub fn failing_at(self, calls: &[u64]) -> Self {
        *locked(&self.schedule) = Schedule::At(calls.to_vec());
        self
    }

    /// Fails call `call` and every later one, until [`heal`](Self::heal).
    pub fn failing_from(self, call: u64) -> Self {
        *locked(&self.schedule) = Schedule::From(call);
        self
    }

    /// From now on, fails exactly call number `call` (counted from the start; 0: none).
    pub fn set_fail_at(&self, call: u64) {
        *locked(&self.schedule) = match call {
            0 => Schedule::Never,
            call => Schedule::At(std::vec![call]),
        };
    }

    /// From now on every call goes through.
    pub fn heal(&self) {
        *locked(&self.schedule) = Schedule::Never;
    }

    /// Runs `hook` around every later call (`None` removes it).
    pub fn set_hook(&self, hook: Option<Arc<CallHook<'h>>>) {
        *locked(&self.hook) = hook;
    }

    /// At call number `at`, in `phase`, runs `meanwhile` once: whatever it does happens while
    /// that caller is stalled there.
    pub fn stalling(self, at: u64, phase: CallPhase, meanwhile: impl FnOnce() + Send + 'h) -> Self {
        let meanwhile = Mutex::new(Some(meanwhile));
        self.set_hook(Some(Arc::new(move |call: &Call<'_>| {
            if call.number == at && call.phase == phase {
                let run = locked(&meanwhile).take();
                if let Some(run) = run {
                    run();
                }
            }
        })));
        self
    }

    /// Calls made so far, failed ones included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Counts the call, fails it if scheduled, and otherwise runs it between the hook's phases.
    fn around<T>(
        &self,
        seen: Call<'_>,
        call: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let number = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let (operation, key) = (seen.operation, seen.key);
        let fails = match &*locked(&self.schedule) {
            Schedule::Never => false,
            Schedule::At(calls) => calls.contains(&number),
            Schedule::From(first) => number >= *first,
        };
        if fails {
            return Err(StoreError::Other(format!(
                "injected fault on call {number} ({operation} {key:?})"
            )));
        }
        let hook = locked(&self.hook).clone();
        let observe = |phase| {
            if let Some(hook) = &hook {
                hook(&Call {
                    number,
                    phase,
                    ..seen
                });
            }
        };
        observe(CallPhase::Before);
        let result = call();
        observe(CallPhase::After);
        result
    }
}

impl<S: KeyValue> KeyValue for Faulty<'_, S> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.around(Call::of("get", key), || self.inner.get(key))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let seen = Call {
            value: Some(value),
            ..Call::of("set", key)
        };
        self.around(seen, || self.inner.set(key, value))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.around(Call::of("delete", key), || self.inner.delete(key))
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        let seen = Call {
            delta: Some(delta),
            ..Call::of("increment", key)
        };
        self.around(seen, || self.inner.increment(key, delta))
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        let seen = Call {
            delta: Some(delta),
            ttl_seconds: Some(ttl_seconds),
            ..Call::of("increment_expiring", key)
        };
        self.around(seen, || {
            self.inner.increment_expiring(key, delta, ttl_seconds)
        })
    }

    /// The inner store's answer, and yes whenever a hook is set: a hook may stall its caller.
    fn may_block(&self) -> bool {
        self.inner.may_block() || locked(&self.hook).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use crate::conformance;
    use std::borrow::ToOwned;

    #[test]
    fn passing_everything_through_it_conforms_and_counts() {
        let store = Faulty::new(MemoryStore::new());
        conformance::basics(&store, crate::CounterFormat::Decimal, u64::MAX);
        assert!(store.calls() > 10);
    }

    #[test]
    fn fails_only_the_chosen_calls_and_passes_none_of_them_on() {
        let store = Faulty::new(MemoryStore::new()).failing_at(&[2]);
        assert_eq!(store.set("a", b"1"), Ok(()));
        assert!(matches!(store.set("b", b"2"), Err(StoreError::Other(_))));
        assert_eq!(store.inner().get("b"), Ok(None));
        assert_eq!(store.increment("c", 1), Ok(1));
        assert_eq!(store.calls(), 3);
        store.set_fail_at(store.calls() + 1);
        assert!(store.get("a").is_err());
        assert_eq!(store.get("a"), Ok(Some(b"1".to_vec())));
    }

    #[test]
    fn fails_from_a_call_until_healed() {
        let store = Faulty::new(MemoryStore::new()).failing_from(2);
        assert_eq!(store.increment("n", 1), Ok(1));
        assert!(store.increment("n", 1).is_err());
        assert!(store.get("n").is_err());
        store.heal();
        assert_eq!(store.increment("n", 0), Ok(1));
        assert_eq!(store.calls(), 4);
    }

    #[test]
    fn the_hook_sees_each_passed_call_before_and_after_it_runs() {
        let inner = Arc::new(MemoryStore::new());
        let store = Faulty::new(inner.clone()).failing_at(&[2]);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        store.set_hook(Some(Arc::new(move |call: &Call<'_>| {
            let stored = inner.get("a").unwrap();
            log.lock()
                .unwrap()
                .push((call.number, call.operation, call.phase, stored));
        })));
        store.set("a", b"1").unwrap();
        assert!(store.get("a").is_err());
        store.set_hook(None);
        store.get("a").unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [
                (1, "set", CallPhase::Before, None),
                (1, "set", CallPhase::After, Some(b"1".to_vec())),
            ]
        );
    }

    #[test]
    fn the_hook_sees_each_calls_arguments() {
        let store = Faulty::new(MemoryStore::new());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        store.set_hook(Some(Arc::new(move |call: &Call<'_>| {
            if call.phase == CallPhase::Before {
                locked(&log).push((
                    call.operation,
                    call.key.to_owned(),
                    call.value.map(<[u8]>::to_vec),
                    call.delta,
                    call.ttl_seconds,
                ));
            }
        })));
        store.set("a", b"1").unwrap();
        store.increment("n", 2).unwrap();
        store.increment_expiring("e", 1, 60).unwrap();
        store.delete("a").unwrap();
        assert_eq!(
            *locked(&seen),
            [
                ("set", "a".to_owned(), Some(b"1".to_vec()), None, None),
                ("increment", "n".to_owned(), None, Some(2), None),
                (
                    "increment_expiring",
                    "e".to_owned(),
                    None,
                    Some(1),
                    Some(60)
                ),
                ("delete", "a".to_owned(), None, None, None),
            ]
        );
    }

    #[test]
    fn a_stall_runs_what_happens_meanwhile_before_or_after_the_call() {
        // The stalled call is a `set` of "mine"; meanwhile another caller sets "theirs".
        for (phase, last_writer) in [
            (CallPhase::Before, &b"mine"[..]),
            (CallPhase::After, &b"theirs"[..]),
        ] {
            let inner = MemoryStore::new();
            let stalled = Faulty::new(&inner).stalling(2, phase, || {
                inner.set("k", b"theirs").unwrap();
            });
            stalled.get("k").unwrap();
            stalled.set("k", b"mine").unwrap();
            stalled.set("other", b"x").unwrap();
            assert_eq!(
                inner.get("k").unwrap(),
                Some(last_writer.to_vec()),
                "{phase:?}"
            );
            assert_eq!(stalled.calls(), 3);
        }
    }
}

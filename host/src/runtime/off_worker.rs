//! Store calls that may wait on a disk or a network, kept off the async runtime's workers.
//!
//! The component's store imports are synchronous host functions, called on the tokio worker
//! that polls the request. A call that waits for an fsync or a Redis reply would hold that
//! worker, and with a worker per core a few such calls stall every other request (and keep the
//! SQLite store's group commit from ever grouping more than a worker's worth of calls).
//! `block_in_place` hands the worker's other tasks to another thread for the call's duration.

use crate::backend::{Backend, BackendError, ExpiringCount, Expiry, UpdateFn};
use std::sync::Arc;
use tokio::runtime::{Handle, RuntimeFlavor};

/// `backend` as the runtime calls it: through [`OffWorker`] if its calls may block.
pub(crate) fn for_runtime(backend: Arc<dyn Backend>) -> Arc<dyn Backend> {
    if backend.blocks() {
        Arc::new(OffWorker(backend))
    } else {
        backend
    }
}

/// A backend whose every call runs in `block_in_place` on a multi-threaded tokio runtime (on
/// any other thread it runs as it is: a current-thread runtime has no other worker to hand its
/// tasks to).
struct OffWorker(Arc<dyn Backend>);

fn off_worker<T>(call: impl FnOnce() -> T) -> T {
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(call)
        }
        _ => call(),
    }
}

impl Backend for OffWorker {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        off_worker(|| self.0.get(key))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), BackendError> {
        off_worker(|| self.0.set(key, value))
    }

    fn delete(&self, key: &str) -> Result<(), BackendError> {
        off_worker(|| self.0.delete(key))
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, BackendError> {
        off_worker(|| self.0.increment(key, delta))
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        expiry: Expiry,
    ) -> Result<ExpiringCount, BackendError> {
        off_worker(|| self.0.increment_expiring(key, delta, expiry))
    }

    fn update(&self, key: &str, f: &mut UpdateFn<'_>) -> Result<(), BackendError> {
        off_worker(|| self.0.update(key, f))
    }

    fn native_counters(&self) -> Option<crate::backend::CounterFormat> {
        self.0.native_counters()
    }

    fn blocks(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{MemoryBackend, SqliteBackend};
    use crate::testutil::TempDir;

    #[test]
    fn only_blocking_backends_are_wrapped() {
        let memory: Arc<dyn Backend> = Arc::new(MemoryBackend::new());
        assert!(Arc::ptr_eq(&for_runtime(memory.clone()), &memory));
        let dir = TempDir::new("off-worker");
        let sqlite: Arc<dyn Backend> = Arc::new(SqliteBackend::open(dir.path()).unwrap());
        assert!(!Arc::ptr_eq(&for_runtime(sqlite.clone()), &sqlite));
    }

    /// A call that blocks the only worker of a runtime leaves its other tasks running.
    #[test]
    fn a_blocked_call_does_not_hold_up_the_other_tasks() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (release, released) = std::sync::mpsc::channel::<()>();
            // Occupies the only worker until the other task has run.
            let blocked = tokio::spawn(async move {
                off_worker(|| released.recv_timeout(std::time::Duration::from_secs(10)))
            });
            let other = tokio::spawn(async move { release.send(()) });
            other.await.unwrap().unwrap();
            assert!(blocked.await.unwrap().is_ok(), "the other task never ran");
        });
    }
}

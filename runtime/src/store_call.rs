//! How every flavor's host functions call the store: on tokio's blocking pool when the store may
//! block (so that a stalled disk or Redis never holds a worker, and requests that need no store
//! keep being answered), inline when it never does (memory), and always within the deadline of
//! the call into the component, so that a stalled store fails the request with the component's
//! own answer (a JSON 500) inside its time limit.

use crate::stores::{KeyValue, Store, StoreError};
use tokio::time::Instant;

/// The store as one call into the component reaches it: when its calls give up, and whether a
/// store that may block is called off the event loop (the default) or inline.
#[derive(Clone)]
pub(crate) struct StoreCalls {
    pub(crate) store: Store,
    deadline: Instant,
    offload: bool,
}

impl StoreCalls {
    pub(crate) fn new(store: Store, deadline: Instant, offload: bool) -> StoreCalls {
        StoreCalls {
            store,
            deadline,
            offload,
        }
    }

    /// Runs `call` on the store, failing with [`StoreError::Other`] once the deadline has
    /// passed. A call that outlives its deadline goes on in the blocking pool until the store
    /// answers (or its own timeouts fire: Redis's socket timeouts, SQLite's busy timeout); its
    /// answer is dropped. Inline (a store that never blocks, or offloading turned off), a call
    /// runs to its end whatever the deadline.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        operation: &'static str,
        call: impl FnOnce(&dyn KeyValue) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        if !self.offload || !self.store.may_block() {
            return call(&*self.store);
        }
        let late = || {
            StoreError::Other(format!(
                "the store did not answer {operation} within the request's time limit"
            ))
        };
        if Instant::now() >= self.deadline {
            return Err(late());
        }
        let store = self.store.clone();
        let running = tokio::task::spawn_blocking(move || call(&*store));
        match tokio::time::timeout_at(self.deadline, running).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(failed)) => Err(StoreError::Other(format!(
                "the store's {operation} failed: {failed}"
            ))),
            Err(_) => Err(late()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stores::{Call, CallPhase, Faulty, MemoryStore};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn a_store_that_never_blocks_is_called_inline() {
        let store: Store = Arc::new(MemoryStore::new());
        let thread = std::thread::current().id();
        let same = StoreCalls::new(store.clone(), Instant::now(), true)
            .run("get", move |store| {
                store.get("k")?;
                Ok(std::thread::current().id() == thread)
            })
            .await;
        assert_eq!(same, Ok(true), "inline, even past the deadline");
    }

    #[tokio::test]
    async fn a_stalled_call_fails_at_the_deadline_and_others_go_on() {
        let (resume, stalled) = std::sync::mpsc::channel::<()>();
        let stalled = std::sync::Mutex::new(stalled);
        let faulty = Faulty::new(MemoryStore::new()).stalling(1, CallPhase::Before, move || {
            let _ = stalled.lock().unwrap().recv();
        });
        let store: Store = Arc::new(faulty);
        let started = Instant::now();
        let answer = StoreCalls::new(store.clone(), started + Duration::from_millis(200), true)
            .run("get", |store| store.get("k"))
            .await;
        assert_eq!(
            answer,
            Err(StoreError::Other(
                "the store did not answer get within the request's time limit".into()
            ))
        );
        // The next call is not stuck behind the stalled one.
        let next = StoreCalls::new(store.clone(), Instant::now() + Duration::from_secs(5), true)
            .run("get", |store| store.get("k"))
            .await;
        assert_eq!(next, Ok(None));
        let _ = resume.send(());
    }

    #[tokio::test]
    async fn a_deadline_already_past_fails_without_calling() {
        let faulty = Arc::new(Faulty::new(MemoryStore::new()));
        faulty.set_hook(Some(Arc::new(|_: &Call<'_>| {})));
        let store: Store = faulty.clone();
        let answer = StoreCalls::new(store.clone(), Instant::now(), true)
            .run("set", |store| store.set("k", b"v"))
            .await;
        assert!(matches!(answer, Err(StoreError::Other(_))), "{answer:?}");
        assert_eq!(faulty.calls(), 0, "the store was not called");
    }
}

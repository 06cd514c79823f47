//! What every store does, as tests any implementation runs on itself: the in-memory store here,
//! the native host's SQLite, redb and Redis stores, and the emulations of Spin's and wasmtime's
//! hosts. Each function panics (with the failed expectation) where the store differs.

use std::boxed::Box;
use std::collections::HashSet;
use std::sync::Arc;
use std::vec::Vec;

use crate::{CounterFormat, ExpiringCount, KeyValue, StoreError};

/// Plain values and counters, with counters kept in `counters` up to `max_counter`.
pub fn basics(store: &dyn KeyValue, counters: CounterFormat, max_counter: u64) {
    assert_eq!(store.get("absent"), Ok(None));
    store.set("a", b"one").unwrap();
    assert_eq!(store.get("a"), Ok(Some(b"one".to_vec())));
    store.set("a", b"two").unwrap();
    assert_eq!(store.get("a"), Ok(Some(b"two".to_vec())));
    store.set("empty", b"").unwrap();
    assert_eq!(store.get("empty"), Ok(Some(Vec::new())));
    store.delete("a").unwrap();
    assert_eq!(store.get("a"), Ok(None));
    store.delete("a").unwrap();

    assert_eq!(store.increment("n", 0), Ok(0));
    assert_eq!(store.increment("n", 1), Ok(1));
    assert_eq!(store.increment("n", 5), Ok(6));
    assert_eq!(store.increment("n", 0), Ok(6));
    assert_eq!(store.get("n"), Ok(Some(counters.encode(6))));
    store.delete("n").unwrap();
    assert_eq!(store.increment("n", 1), Ok(1));

    assert_eq!(store.increment("big", max_counter), Ok(max_counter));
    assert!(
        store.increment("big", 1).is_err(),
        "an overflow is an error"
    );
    store.set("text", b"not a number").unwrap();
    assert!(
        matches!(
            store.increment("text", 1),
            Err(StoreError::NotACounter(_) | StoreError::Other(_))
        ),
        "a plain value is not a counter"
    );
}

/// A store without expiry keeps what `increment_expiring` counted, and says so.
pub fn keeps_keys_without_expiry(store: &dyn KeyValue) {
    assert_eq!(
        store.increment_expiring("nonce", 1, 1),
        Ok(ExpiringCount::kept(1))
    );
    assert_eq!(store.increment("nonce", 0), Ok(1));
}

/// A store with expiry: a key incremented with a ttl is gone once the ttl has passed, unless a
/// `set` ended its expiry; a longer ttl keeps its key. `pass(seconds)` moves the store's time on
/// (a test clock for the embedded stores, which expire keys when the next key is given a ttl;
/// real time for Redis, which expires them itself).
pub fn expires_keys(store: &dyn KeyValue, pass: &dyn Fn(u64)) {
    let expiring = |value| ExpiringCount {
        value,
        expires: true,
    };
    assert_eq!(store.increment_expiring("nonce", 1, 2), Ok(expiring(1)));
    assert_eq!(store.increment_expiring("nonce", 1, 2), Ok(expiring(2)));
    store.increment_expiring("made-plain", 1, 2).unwrap();
    store.set("made-plain", b"plain").unwrap();
    store.increment_expiring("deleted", 1, 2).unwrap();
    store.delete("deleted").unwrap();
    assert_eq!(store.increment_expiring("long", 5, 600), Ok(expiring(5)));
    store.set("customer", b"kept").unwrap();

    pass(1);
    // Not yet: the ttl has not passed.
    store.increment_expiring("tick", 1, 600).unwrap();
    assert!(store.get("nonce").unwrap().is_some());

    pass(3);
    store.increment_expiring("tick", 1, 600).unwrap();
    assert_eq!(store.get("nonce"), Ok(None));
    assert_eq!(store.get("deleted"), Ok(None));
    assert_eq!(store.get("made-plain"), Ok(Some(b"plain".to_vec())));
    assert_eq!(store.get("customer"), Ok(Some(b"kept".to_vec())));
    assert!(store.get("long").unwrap().is_some());
    assert_eq!(store.increment("long", 0), Ok(5));
    // A claim after expiry starts afresh.
    assert_eq!(store.increment_expiring("nonce", 1, 2), Ok(expiring(1)));
}

/// What one opening of a persistent store wrote, the next (`open` called again) reads.
pub fn persists_across_reopening(open: &dyn Fn() -> Box<dyn KeyValue>) {
    {
        let store = open();
        store.set("customer", b"{\"v\":1}").unwrap();
        assert_eq!(store.increment("next-id", 1), Ok(1));
        assert_eq!(store.increment("next-id", 1), Ok(2));
        store.set("gone", b"x").unwrap();
        store.delete("gone").unwrap();
    }
    let store = open();
    assert_eq!(store.get("customer"), Ok(Some(b"{\"v\":1}".to_vec())));
    assert_eq!(store.increment("next-id", 1), Ok(3));
    assert_eq!(store.get("gone"), Ok(None));
}

/// Many threads incrementing one counter each get a distinct value, and the total adds up.
pub fn concurrent_increments(store: Arc<dyn KeyValue + Send + Sync>) {
    const THREADS: usize = 16;
    const PER_THREAD: usize = 25;
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..PER_THREAD)
                    .map(|_| store.increment("shared", 1).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for handle in handles {
        for value in handle.join().unwrap() {
            assert!(seen.insert(value), "value {value} returned twice");
        }
    }
    let total = (THREADS * PER_THREAD) as u64;
    assert_eq!(seen, (1..=total).collect::<HashSet<_>>());
    assert_eq!(store.increment("shared", 0), Ok(total));
}

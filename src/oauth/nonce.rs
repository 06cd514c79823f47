//! Single-use nonces on top of `get`/`set`/`delete`/`increment` (docs/contract.md §9: no
//! compare-and-swap), with storage that stays bounded.
//!
//! # Keys
//!
//! Time is cut into buckets of [`WINDOW_SECONDS`]; a request's bucket is
//! `b = floor(oauth_timestamp / 600)`. Per request that passed every other check:
//!
//! | key | kind | value |
//! |---|---|---|
//! | `oauth-nonce:{b}:{sha256-hex(consumer_key "\0" nonce)}` | counter | how often the nonce was presented |
//! | `oauth-nonce-count:{b}` | counter | how many entries bucket `b` has |
//! | `oauth-nonce-entry:{b}:{n}` | plain | the nonce key of entry `n` (1-based) |
//! | `oauth-nonce-swept` | plain | the sweep cursor `"{bucket}:1"` (the bucket to sweep next) |
//! | `oauth-nonce-swept-through:{b}` | counter | the last entry of bucket `b` handed to a sweeper |
//!
//! Counters are only touched through `increment` (read with `increment(key, 0)`); plain keys only
//! through `get`/`set`; the prefixes are disjoint (`oauth-nonce:` vs `oauth-nonce-...`). The nonce
//! key has a fixed length whatever the nonce.
//!
//! # Claiming
//!
//! `increment_expiring(nonce key, 1, ttl)` returns 1 to exactly one caller: that caller owns the
//! nonce, every other one gets [`Claim::AlreadyUsed`]. The ttl runs until the bucket is dead
//! (below), after which no request can present the nonce any more.
//!
//! On a store with expiry (the native host's SQLite, in-memory and Redis stores) that is all:
//! one write, and the store deletes the key once its time is up.
//!
//! A store without expiry (Spin's and `wasi:keyvalue`'s: their key-value APIs have neither
//! expiry nor a listing by prefix) keeps the key, so the owner then indexes it: `n =
//! increment(count key, 1)`, `set(entry key n, nonce key)`, for a sweep to find. Three writes,
//! and nothing is read: with only `get`/`set`/`delete`/`increment` no claim can cost fewer, since
//! the nonce key must be written and its name must be recorded under a key that a later sweep
//! can enumerate. A replay creates no key at all (it only increments the existing counter), so
//! replays cannot grow storage. If indexing fails, the claim is deleted again (best effort) and
//! the error returned: the request fails with a storage error, and a retry with the same nonce
//! is then possible.
//!
//! # Sweeping
//!
//! A request with a timestamp in bucket `b` is acceptable until `now = (b + 2) * 600 - 1`
//! (timestamp at most 600 s in the past). With another 600 s of margin for clock skew between
//! instances, bucket `b` is *dead* once `now >= (b + 3) * 600`; nothing can claim into it any
//! more. The claims indexed first in their bucket and every [`SWEEP_EVERY`]th one are due to
//! sweep (so a request for an existing customer usually makes no sweep call at all), and then
//! [`sweep`] does at most [`SWEEP_BUDGET`] store calls. It reads the cursor (the bucket to sweep
//! next), and for each dead bucket from there reads the count, takes a range of up to
//! [`PER_SWEEP`] entries for itself (`increment` of `oauth-nonce-swept-through:{b}` by the range's
//! size, so sweepers running at once share the work instead of redoing it), and deletes each
//! entry's nonce key and the entry. Once a range reaches the bucket's count, the bucket's keys
//! go and the cursor moves to the next bucket; a stale cursor written back by a slower sweeper
//! costs two calls per bucket it revisits, nothing more. Without a cursor (first use, or an
//! unreadable value) the sweep starts at [`FIRST_USE_LOOKBACK`] buckets before the current one,
//! which covers every bucket a request could have claimed into recently. A cursor more than one
//! bucket in the future (a clock that ran ahead) is reset the same way, so a bad clock cannot
//! stop sweeping for good.
//!
//! A bucket of `n` claims runs `1 + n / 8` sweeps of up to nine entries each, more than the `n`
//! entries a bucket adds, so the sweep keeps up with any steady traffic; stored nonces are those
//! of the last three buckets plus what the sweep has yet to reach. After a long idle period the
//! cursor walks through the empty buckets in between at two calls each (sixteen buckets per
//! sweep) — nothing was stored in them, so storage stays bounded meanwhile.

use sha2::{Digest, Sha256};

use crate::ports::{KeyValue, StoreError};

/// The timestamp window (either direction) and the bucket width, in seconds.
pub const WINDOW_SECONDS: i64 = 600;
/// One claim in this many (and the first of each bucket) sweeps; the others make no call
/// beyond the claim's own three.
pub const SWEEP_EVERY: u64 = 8;
/// Entries one sweeper takes at a time: a little more than the [`SWEEP_EVERY`] claims each sweep
/// pays for.
pub const PER_SWEEP: u64 = 9;
/// Store calls one sweep may make: the cursor's read and write, a bucket's count, one range of
/// [`PER_SWEEP`] entries (its increment, three calls an entry, the bucket's two deletes).
pub const SWEEP_BUDGET: usize = 34;
/// How many buckets before the current one the first sweep starts.
pub const FIRST_USE_LOOKBACK: i64 = 5;
/// A cursor further behind than this many buckets (about a year) is treated as unreadable: no
/// nonce can have waited that long unswept while requests kept coming, and walking 2^63 buckets
/// from a corrupted value would stall the sweep for good.
pub const MAX_CURSOR_LAG: i64 = 366 * 24 * 6;

const CURSOR_KEY: &str = "oauth-nonce-swept";
const NONCE_PREFIX: &str = "oauth-nonce:";

/// The bucket of a timestamp: `floor(timestamp / 600)`.
pub fn bucket_of(timestamp: i64) -> i64 {
    timestamp.div_euclid(WINDOW_SECONDS)
}

/// Whether no request can claim into `bucket` any more at time `now` (see the module docs).
pub fn is_dead(bucket: i64, now: i64) -> bool {
    (i128::from(bucket) + 3) * i128::from(WINDOW_SECONDS) <= i128::from(now)
}

/// The nonce's key: `oauth-nonce:{bucket}:{sha256-hex(consumer_key "\0" nonce)}`.
pub fn nonce_key(bucket: i64, consumer_key: &[u8], nonce: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(consumer_key);
    hasher.update([0u8]);
    hasher.update(nonce);
    let digest = hasher.finalize();
    let mut key = format!("{NONCE_PREFIX}{bucket}:");
    for byte in digest {
        key.push(hex_digit(byte >> 4));
        key.push(hex_digit(byte & 0x0f));
    }
    key
}

fn hex_digit(nibble: u8) -> char {
    char::from(match nibble {
        0..=9 => b'0' + nibble,
        _ => b'a' + (nibble & 0x0f).saturating_sub(10),
    })
}

fn count_key(bucket: i64) -> String {
    format!("oauth-nonce-count:{bucket}")
}

fn entry_key(bucket: i64, index: u64) -> String {
    format!("oauth-nonce-entry:{bucket}:{index}")
}

/// The counter that hands out ranges of bucket `bucket`'s entries to sweepers.
fn range_key(bucket: i64) -> String {
    format!("oauth-nonce-swept-through:{bucket}")
}

/// The outcome of [`claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller is the first to present the nonce in its bucket. `sweep_due`: its claim was
    /// the first of its bucket or a multiple of [`SWEEP_EVERY`], so it should run [`sweep`].
    Claimed { sweep_due: bool },
    /// The nonce was presented before.
    AlreadyUsed,
}

/// Whether the claim indexed as entry `index` of its bucket should sweep.
fn sweep_due(index: u64) -> bool {
    index == 1 || index.is_multiple_of(SWEEP_EVERY)
}

/// Seconds from `now` until `bucket` is dead (at least 1): how long its nonces must be kept.
pub fn seconds_until_dead(bucket: i64, now: i64) -> u64 {
    let dead_at = (i128::from(bucket) + 3) * i128::from(WINDOW_SECONDS);
    let left = (dead_at - i128::from(now)).clamp(1, i128::from(u64::MAX));
    u64::try_from(left).unwrap_or(u64::MAX)
}

/// Claims `nonce` of `consumer_key` for a request stamped `timestamp`, at time `now`.
pub fn claim(
    store: &dyn KeyValue,
    consumer_key: &[u8],
    nonce: &[u8],
    timestamp: i64,
    now: i64,
) -> Result<Claim, StoreError> {
    let bucket = bucket_of(timestamp);
    let key = nonce_key(bucket, consumer_key, nonce);
    let counted = store.increment_expiring(&key, 1, seconds_until_dead(bucket, now))?;
    if counted.value != 1 {
        return Ok(Claim::AlreadyUsed);
    }
    if counted.expires {
        // The store deletes the key itself: nothing to index, nothing to sweep.
        return Ok(Claim::Claimed { sweep_due: false });
    }
    let indexed = store.increment(&count_key(bucket), 1).and_then(|index| {
        store
            .set(&entry_key(bucket, index), key.as_bytes())
            .map(|()| index)
    });
    match indexed {
        Ok(index) => Ok(Claim::Claimed {
            sweep_due: sweep_due(index),
        }),
        Err(error) => {
            // Without an index entry the key would never be swept; give the claim back.
            let _ = store.delete(&key);
            Err(error)
        }
    }
}

/// What a [`sweep`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    /// Store calls made (at most the budget).
    pub store_calls: usize,
    /// Nonce keys deleted.
    pub nonces_deleted: usize,
    /// Where the cursor now stands: (bucket, next entry).
    pub cursor: (i64, u64),
}

fn parse_cursor(raw: &[u8]) -> Option<(i64, u64)> {
    let text = std::str::from_utf8(raw).ok()?;
    let (bucket, next) = text.split_once(':')?;
    let bucket = bucket.parse::<i64>().ok()?;
    let next = next.parse::<u64>().ok()?;
    (next >= 1).then_some((bucket, next))
}

/// Whether `key` (an entry's value) is a nonce key of `bucket`; anything else in an entry is
/// not deleted.
fn nonce_key_of_bucket(key: &[u8], bucket: i64) -> Option<&str> {
    let text = std::str::from_utf8(key).ok()?;
    let hash = text
        .strip_prefix(NONCE_PREFIX)?
        .strip_prefix(bucket.to_string().as_str())?
        .strip_prefix(':')?;
    (hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then_some(text)
}

/// Counts store calls against the budget.
struct Calls {
    made: usize,
    limit: usize,
}

impl Calls {
    fn can(&self, more: usize) -> bool {
        self.made.saturating_add(more) <= self.limit
    }
}

/// Deletes the nonces of dead buckets, with at most `budget` store calls. See the module docs.
pub fn sweep(store: &dyn KeyValue, now: i64, budget: usize) -> Result<SweepReport, StoreError> {
    let mut calls = Calls {
        made: 0,
        // One call stays reserved for writing the cursor back.
        limit: budget.saturating_sub(1),
    };
    let mut nonces_deleted: usize = 0;
    if !calls.can(1) {
        return Ok(SweepReport {
            store_calls: 0,
            nonces_deleted,
            cursor: (bucket_of(now), 1),
        });
    }
    let stored = store.get(CURSOR_KEY)?;
    calls.made = calls.made.saturating_add(1);
    let current = bucket_of(now);
    let start = stored
        .as_deref()
        .and_then(parse_cursor)
        .filter(|&(bucket, _)| {
            bucket <= current.saturating_add(1) && bucket >= current.saturating_sub(MAX_CURSOR_LAG)
        })
        .unwrap_or((current.saturating_sub(FIRST_USE_LOOKBACK), 1));
    let (mut bucket, mut next) = start;

    'buckets: while is_dead(bucket, now) && calls.can(1) {
        let count_key = count_key(bucket);
        let count = store.increment(&count_key, 0)?;
        calls.made = calls.made.saturating_add(1);
        if count > 0 {
            // Take the next range of entries for this sweeper alone, so that sweepers running at
            // once share the work instead of redoing it: the range's increment, its entries
            // (get, delete the nonce key, delete the entry), and the bucket's two keys after
            // the last range. A range is taken only when all of that fits the budget, so no
            // taken range is left half done.
            // The range shrinks to what the budget has room for, down to one entry.
            let room = calls.limit.saturating_sub(calls.made).saturating_sub(3) / 3;
            let take = PER_SWEEP.min(room as u64);
            if take == 0 {
                break 'buckets;
            }
            let range_key = range_key(bucket);
            let end = store.increment(&range_key, take)?;
            calls.made = calls.made.saturating_add(1);
            for index in end.saturating_sub(take - 1)..=end.min(count) {
                let entry = entry_key(bucket, index);
                let value = store.get(&entry)?;
                calls.made = calls.made.saturating_add(1);
                if let Some(key) = value
                    .as_deref()
                    .and_then(|v| nonce_key_of_bucket(v, bucket))
                {
                    store.delete(key)?;
                    calls.made = calls.made.saturating_add(1);
                    nonces_deleted = nonces_deleted.saturating_add(1);
                }
                store.delete(&entry)?;
                calls.made = calls.made.saturating_add(1);
            }
            if end < count {
                // More ranges in this bucket; the next sweep (or another now) takes them.
                continue 'buckets;
            }
            store.delete(&range_key)?;
            calls.made = calls.made.saturating_add(1);
        } else if !calls.can(1) {
            break;
        }
        store.delete(&count_key)?;
        calls.made = calls.made.saturating_add(1);
        bucket = bucket.saturating_add(1);
        next = 1;
    }

    if (bucket, next) != start || stored.is_none() {
        store.set(CURSOR_KEY, format!("{bucket}:{next}").as_bytes())?;
        calls.made = calls.made.saturating_add(1);
    }
    Ok(SweepReport {
        store_calls: calls.made,
        nonces_deleted,
        cursor: (bucket, next),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ports::ExpiringCount;
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Value {
        Counter(u64),
        Plain(Vec<u8>),
    }

    /// An in-memory store that, like Spin's SQLite store, refuses to mix counters and plain
    /// values on one key (here: a test failure), counts calls, and can be told to fail.
    #[derive(Default)]
    pub(crate) struct MemStore {
        map: RefCell<HashMap<String, Value>>,
        calls: Cell<usize>,
        /// Fail every call whose key starts with this prefix.
        fail_prefix: RefCell<Option<String>>,
        /// `Some` for a store with expiry: the ttl each `increment_expiring` asked for, by key.
        ttls: Option<RefCell<HashMap<String, u64>>>,
    }

    impl MemStore {
        /// A store that expires keys (and records the ttls it was asked for; nothing here
        /// deletes them).
        pub(crate) fn with_expiry() -> Self {
            MemStore {
                ttls: Some(RefCell::default()),
                ..MemStore::default()
            }
        }

        /// The ttl the last `increment_expiring` of `key` asked for, on a store with expiry.
        pub(crate) fn ttl_of(&self, key: &str) -> Option<u64> {
            self.ttls.as_ref()?.borrow().get(key).copied()
        }

        pub(crate) fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
            let mut keys: Vec<String> = self
                .map
                .borrow()
                .keys()
                .filter(|k| k.starts_with(prefix))
                .cloned()
                .collect();
            keys.sort();
            keys
        }

        pub(crate) fn len(&self) -> usize {
            self.map.borrow().len()
        }

        pub(crate) fn calls(&self) -> usize {
            self.calls.get()
        }

        pub(crate) fn fail_on(&self, prefix: Option<&str>) {
            *self.fail_prefix.borrow_mut() = prefix.map(str::to_string);
        }

        fn check(&self, key: &str) -> Result<(), StoreError> {
            self.calls.set(self.calls.get() + 1);
            match &*self.fail_prefix.borrow() {
                Some(prefix) if key.starts_with(prefix.as_str()) => {
                    Err(StoreError::Other(format!("injected failure on {key}")))
                }
                _ => Ok(()),
            }
        }
    }

    impl KeyValue for MemStore {
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
            self.check(key)?;
            match self.map.borrow().get(key) {
                None => Ok(None),
                Some(Value::Plain(bytes)) => Ok(Some(bytes.clone())),
                Some(Value::Counter(_)) => panic!("get on counter key {key}"),
            }
        }

        fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
            self.check(key)?;
            let mut map = self.map.borrow_mut();
            if let Some(Value::Counter(_)) = map.get(key) {
                panic!("set on counter key {key}");
            }
            map.insert(key.to_string(), Value::Plain(value.to_vec()));
            Ok(())
        }

        fn delete(&self, key: &str) -> Result<(), StoreError> {
            self.check(key)?;
            self.map.borrow_mut().remove(key);
            Ok(())
        }

        fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
            self.check(key)?;
            let mut map = self.map.borrow_mut();
            let value = match map.get(key) {
                None => delta,
                Some(Value::Counter(n)) => n + delta,
                Some(Value::Plain(_)) => panic!("increment on plain key {key}"),
            };
            // Like Spin: incrementing an absent key by 0 creates it.
            map.insert(key.to_string(), Value::Counter(value));
            Ok(value)
        }

        fn increment_expiring(
            &self,
            key: &str,
            delta: u64,
            ttl_seconds: u64,
        ) -> Result<ExpiringCount, StoreError> {
            let value = self.increment(key, delta)?;
            match &self.ttls {
                None => Ok(ExpiringCount::kept(value)),
                Some(ttls) => {
                    ttls.borrow_mut().insert(key.to_string(), ttl_seconds);
                    Ok(ExpiringCount {
                        value,
                        expires: true,
                    })
                }
            }
        }
    }

    fn bucket_in_key(key: &str) -> i64 {
        let rest = key
            .strip_prefix("oauth-nonce:")
            .or_else(|| key.strip_prefix("oauth-nonce-count:"))
            .or_else(|| key.strip_prefix("oauth-nonce-entry:"))
            .unwrap();
        rest.split(':').next().unwrap().parse().unwrap()
    }

    #[test]
    fn bucket_and_death() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(599), 0);
        assert_eq!(bucket_of(600), 1);
        assert_eq!(bucket_of(-1), -1);
        // Bucket 10 holds timestamps 6000..=6599; the last is acceptable until now = 7199.
        assert!(!is_dead(10, 7199));
        assert!(!is_dead(10, 7799));
        assert!(is_dead(10, 7800));
        assert!(!is_dead(i64::MAX, i64::MAX));
        assert!(!is_dead(i64::MAX / 600, i64::MAX));
        assert!(is_dead(i64::MIN, 0));
        let lowest = bucket_of(i64::MIN);
        assert!(!is_dead(lowest, i64::MIN));
    }

    #[test]
    fn nonce_key_is_fixed_length_and_separates_key_from_nonce() {
        let short = nonce_key(5, b"ck", b"n");
        let long = nonce_key(5, b"ck", &[b'x'; 10_000]);
        assert_eq!(short.len(), long.len());
        assert_eq!(short.len(), "oauth-nonce:5:".len() + 64);
        // "a" + "\0" + "bc" differs from "ab" + "\0" + "c".
        assert_ne!(nonce_key(5, b"a", b"bc"), nonce_key(5, b"ab", b"c"));
        assert_ne!(nonce_key(5, b"ck", b"n"), nonce_key(6, b"ck", b"n"));
        // sha256("ck\0n"), computed independently with Python's hashlib.
        assert_eq!(
            nonce_key(0, b"ck", b"n"),
            "oauth-nonce:0:6918f4d57f238850d99928ee08e6124821b5e02917687bb022b11372c2ae97fb"
        );
    }

    #[test]
    fn claim_once_then_already_used() {
        let store = MemStore::default();
        let first = Claim::Claimed { sweep_due: true };
        assert_eq!(claim(&store, b"ck", b"n1", 6000, 6000).unwrap(), first);
        assert_eq!(
            claim(&store, b"ck", b"n1", 6000, 6000).unwrap(),
            Claim::AlreadyUsed
        );
        assert_eq!(
            claim(&store, b"ck", b"n1", 6599, 6599).unwrap(),
            Claim::AlreadyUsed
        );
        // Another consumer key, or another bucket, is another nonce.
        let second = Claim::Claimed { sweep_due: false };
        assert_eq!(claim(&store, b"ck2", b"n1", 6000, 6000).unwrap(), second);
        assert_eq!(claim(&store, b"ck", b"n1", 6600, 6600).unwrap(), first);
        assert_eq!(
            store.keys_with_prefix("oauth-nonce-entry:"),
            vec![
                "oauth-nonce-entry:10:1",
                "oauth-nonce-entry:10:2",
                "oauth-nonce-entry:11:1"
            ]
        );
        // A replay added no key.
        assert_eq!(store.len(), 3 + 3 + 2);
    }

    #[test]
    fn on_a_store_with_expiry_a_claim_is_one_write_that_lasts_until_its_bucket_is_dead() {
        let store = MemStore::with_expiry();
        // Bucket 10 (timestamps 6000..=6599) is dead at 7800.
        assert_eq!(
            claim(&store, b"ck", b"n1", 6000, 6100).unwrap(),
            Claim::Claimed { sweep_due: false }
        );
        assert_eq!(store.calls(), 1);
        let key = nonce_key(10, b"ck", b"n1");
        assert_eq!(store.ttl_of(&key), Some(7800 - 6100));
        assert_eq!(store.keys_with_prefix("oauth-nonce"), vec![key.clone()]);
        // Still single use, and a replay adds no key.
        assert_eq!(
            claim(&store, b"ck", b"n1", 6599, 7000).unwrap(),
            Claim::AlreadyUsed
        );
        assert_eq!(store.len(), 1);
        // Even the first claim of a bucket has nothing to sweep.
        assert_eq!(
            claim(&store, b"ck", b"n1", 6600, 6600).unwrap(),
            Claim::Claimed { sweep_due: false }
        );
        assert!(store.keys_with_prefix("oauth-nonce-").is_empty());
    }

    #[test]
    fn a_nonce_is_kept_until_its_bucket_is_dead_and_at_least_a_second() {
        assert_eq!(seconds_until_dead(10, 6000), 1800);
        assert_eq!(seconds_until_dead(10, 7799), 1);
        assert_eq!(seconds_until_dead(10, 7800), 1);
        assert_eq!(seconds_until_dead(10, i64::MAX), 1);
        assert_eq!(seconds_until_dead(i64::MAX, i64::MIN), u64::MAX);
    }

    #[test]
    fn failed_indexing_gives_the_claim_back() {
        let store = MemStore::default();
        store.fail_on(Some("oauth-nonce-count:"));
        assert!(claim(&store, b"ck", b"n", 6000, 6000).is_err());
        assert!(store.keys_with_prefix("oauth-nonce:").is_empty());
        store.fail_on(Some("oauth-nonce-entry:"));
        assert!(claim(&store, b"ck", b"n", 6000, 6000).is_err());
        assert!(store.keys_with_prefix("oauth-nonce:").is_empty());
        store.fail_on(None);
        // The failed `set` had taken entry 1.
        assert_eq!(
            claim(&store, b"ck", b"n", 6000, 6000).unwrap(),
            Claim::Claimed { sweep_due: false }
        );
    }

    #[test]
    fn first_sweep_starts_a_few_buckets_back_and_stays_in_budget() {
        let store = MemStore::default();
        let now = 100 * 600 + 10;
        let report = sweep(&store, now, SWEEP_BUDGET).unwrap();
        // Buckets 95..=97 are dead at bucket 100; two calls each, plus the cursor read/write.
        assert_eq!(report.cursor, (98, 1));
        assert_eq!(report.store_calls, 1 + 3 * 2 + 1);
        assert_eq!(
            store.len(),
            1,
            "only the cursor: {:?}",
            store.keys_with_prefix("")
        );
        // Nothing more to do: one read, no write.
        let report = sweep(&store, now, SWEEP_BUDGET).unwrap();
        assert_eq!(report.store_calls, 1);
    }

    #[test]
    fn sweep_removes_dead_buckets_only() {
        let store = MemStore::default();
        for (i, ts) in [6000, 6001, 6600, 7200].into_iter().enumerate() {
            assert!(matches!(
                claim(&store, b"ck", format!("n{i}").as_bytes(), ts, ts).unwrap(),
                Claim::Claimed { .. }
            ));
        }
        // At now = 7800 bucket 10 is dead, 11 and 12 are not.
        let report = sweep(&store, 7800, SWEEP_BUDGET).unwrap();
        assert_eq!(report.nonces_deleted, 2);
        assert_eq!(report.cursor, (11, 1));
        let left: Vec<i64> = store
            .keys_with_prefix("oauth-nonce:")
            .iter()
            .map(|k| bucket_in_key(k))
            .collect();
        assert_eq!(left, vec![11, 12]);
        assert!(store.keys_with_prefix("oauth-nonce-count:10").is_empty());
        assert!(store.keys_with_prefix("oauth-nonce-entry:10:").is_empty());
    }

    #[test]
    fn a_big_bucket_is_swept_over_several_calls_without_redoing_work() {
        let store = MemStore::default();
        for i in 0..10 {
            claim(&store, b"ck", format!("n{i}").as_bytes(), 6000, 6000).unwrap();
        }
        store.set(CURSOR_KEY, b"10:1").unwrap();
        let now = 7800;
        let mut deleted = 0;
        let mut rounds = 0;
        while !store.keys_with_prefix("oauth-nonce:").is_empty() {
            let before = store.calls();
            let report = sweep(&store, now, SWEEP_BUDGET).unwrap();
            assert!(report.store_calls <= SWEEP_BUDGET);
            assert_eq!(store.calls() - before, report.store_calls);
            deleted += report.nonces_deleted;
            rounds += 1;
            assert!(rounds < 10);
        }
        assert_eq!(deleted, 10, "each nonce deleted exactly once");
        // 9 entries per sweep (1 cursor read + 1 count read + 9 * 3 + 1 cursor write = 30).
        assert_eq!(rounds, 2);
        sweep(&store, now, SWEEP_BUDGET).unwrap();
        assert_eq!(store.keys_with_prefix("oauth-nonce"), vec![CURSOR_KEY]);
        assert_eq!(store.get(CURSOR_KEY).unwrap().unwrap(), b"11:1");
    }

    #[test]
    fn sweep_respects_any_budget() {
        for budget in 0..=20 {
            let store = MemStore::default();
            for i in 0..6 {
                claim(&store, b"ck", format!("n{i}").as_bytes(), 6000, 6000).unwrap();
            }
            store.set(CURSOR_KEY, b"9:1").unwrap();
            let before = store.calls();
            let report = sweep(&store, 9000, budget).unwrap();
            assert!(report.store_calls <= budget, "budget {budget}: {report:?}");
            assert_eq!(store.calls() - before, report.store_calls);
        }
    }

    #[test]
    fn entries_pointing_elsewhere_are_not_followed() {
        let store = MemStore::default();
        store.set("precious", b"keep me").unwrap();
        store.increment("oauth-nonce-count:10", 3).unwrap();
        store.set("oauth-nonce-entry:10:1", b"precious").unwrap();
        let other_bucket = nonce_key(11, b"ck", b"n");
        store.increment(&other_bucket, 1).unwrap();
        store
            .set("oauth-nonce-entry:10:2", other_bucket.as_bytes())
            .unwrap();
        // Entry 3 is missing (a claim whose `set` failed).
        store.set(CURSOR_KEY, b"10:1").unwrap();
        sweep(&store, 7800, SWEEP_BUDGET).unwrap();
        assert_eq!(store.get("precious").unwrap().unwrap(), b"keep me");
        assert_eq!(store.increment(&other_bucket, 0).unwrap(), 1);
        assert!(store.keys_with_prefix("oauth-nonce-entry:").is_empty());
        assert!(store.keys_with_prefix("oauth-nonce-count:").is_empty());
    }

    #[test]
    fn unreadable_or_future_cursor_restarts_near_now() {
        let now = 100 * 600;
        for raw in [
            &b"garbage"[..],
            b"10",
            b"10:0",
            b"x:1",
            b"\xff",
            b"5000:1",
            b"-9223372036854775808:1",
            b"9223372036854775807:1",
            b"1:99999999999999999999",
        ] {
            let store = MemStore::default();
            store.set(CURSOR_KEY, raw).unwrap();
            let report = sweep(&store, now, SWEEP_BUDGET).unwrap();
            assert_eq!(report.cursor, (98, 1), "{raw:?}");
        }
        // One bucket ahead is tolerated (a slightly fast clock elsewhere).
        let store = MemStore::default();
        store.set(CURSOR_KEY, b"101:1").unwrap();
        assert_eq!(sweep(&store, now, SWEEP_BUDGET).unwrap().cursor, (101, 1));
    }

    #[test]
    fn concurrent_sweepers_from_one_cursor_are_harmless() {
        let store = MemStore::default();
        for i in 0..3 {
            claim(&store, b"ck", format!("n{i}").as_bytes(), 6000, 6000).unwrap();
        }
        store.set(CURSOR_KEY, b"10:1").unwrap();
        // Sweeper A finishes; sweeper B read the same old cursor and runs after.
        sweep(&store, 7800, SWEEP_BUDGET).unwrap();
        store.set(CURSOR_KEY, b"10:1").unwrap();
        let report = sweep(&store, 7800, SWEEP_BUDGET).unwrap();
        assert_eq!(report.nonces_deleted, 0);
        assert_eq!(report.cursor, (11, 1));
        assert_eq!(store.keys_with_prefix("oauth-nonce"), vec![CURSOR_KEY]);
    }

    /// Sweepers running at once share a bucket's entries instead of redoing them: a range another
    /// sweeper took (and has not finished) is not taken again, and the bucket is done once the
    /// last range is out.
    #[test]
    fn sweepers_at_once_take_disjoint_ranges() {
        let store = MemStore::default();
        for i in 0..18 {
            claim(&store, b"ck", format!("n{i}").as_bytes(), 6000, 6000).unwrap();
        }
        store.set(CURSOR_KEY, b"10:1").unwrap();
        // Another sweeper took entries 1..=9 and is still at work on them.
        assert_eq!(store.increment(&range_key(10), PER_SWEEP).unwrap(), 9);
        let report = sweep(&store, 7800, SWEEP_BUDGET).unwrap();
        assert_eq!(report.nonces_deleted, 9, "{report:?}");
        let left: Vec<String> = store.keys_with_prefix("oauth-nonce-entry:10:");
        let mut expected: Vec<String> = (1..=9).map(|i| entry_key(10, i)).collect();
        expected.sort();
        assert_eq!(
            left, expected,
            "entries 10..=18 are swept, 1..=9 left to the other"
        );
        // Its range reached the bucket's end, so the bucket is done and the cursor moves on.
        assert_eq!(report.cursor, (11, 1));
        assert!(
            store
                .keys_with_prefix("oauth-nonce-swept-through:")
                .is_empty()
        );
    }

    #[test]
    fn a_long_idle_cursor_catches_up() {
        let store = MemStore::default();
        store.set(CURSOR_KEY, b"0:1").unwrap();
        let now = 200 * 600;
        let mut requests = 0;
        loop {
            let report = sweep(&store, now, SWEEP_BUDGET).unwrap();
            assert!(report.store_calls <= SWEEP_BUDGET);
            requests += 1;
            if report.cursor == (198, 1) {
                break;
            }
            assert!(requests < 100);
        }
        // Sixteen empty buckets per sweep.
        assert_eq!(requests, 198usize.div_ceil(16));
        assert_eq!(store.len(), 1);
    }

    /// Three windows (and more) of traffic with a moving clock: a request every 20 s whose
    /// timestamps wander up to 9 minutes either side of the clock, plus replays. At every step
    /// after the sweep has had a few requests since the last bucket died, only keys of live
    /// buckets remain, and storage never exceeds what the live buckets hold.
    #[test]
    fn three_windows_of_traffic_leave_only_live_nonces() {
        let store = MemStore::default();
        let start = 1_700_000_000 - 1_700_000_000 % 600;
        let mut claimed = 0;
        let mut checks = 0;
        let mut max_keys = 0;
        let mut sweeps = 0;
        for step in 0..(4 * 600 / 20) {
            let now = start + step * 20;
            // Deterministic skew in [-540, 540].
            let skew = (step * 7919 % 1081) - 540;
            let timestamp = now + skew;
            let nonce = format!("nonce-{step}");
            let Claim::Claimed { sweep_due } =
                claim(&store, b"ck", nonce.as_bytes(), timestamp, now).unwrap()
            else {
                panic!("{nonce} was not claimed");
            };
            claimed += 1;
            // A replay of an earlier request, still in the window, is refused and adds nothing.
            if step >= 3 {
                let keys_before = store.len();
                let old = step - 3;
                let old_timestamp = start + old * 20 + (old * 7919 % 1081) - 540;
                assert_eq!(
                    claim(
                        &store,
                        b"ck",
                        format!("nonce-{old}").as_bytes(),
                        old_timestamp,
                        now
                    )
                    .unwrap(),
                    Claim::AlreadyUsed
                );
                assert_eq!(store.len(), keys_before);
            }
            if sweep_due {
                sweeps += 1;
                let report = sweep(&store, now, SWEEP_BUDGET).unwrap();
                assert!(report.store_calls <= SWEEP_BUDGET);
            }
            max_keys = max_keys.max(store.len());

            if now % 600 >= 200 {
                checks += 1;
                for key in store.keys_with_prefix("oauth-nonce") {
                    if key == CURSOR_KEY {
                        continue;
                    }
                    let bucket = bucket_in_key(&key);
                    assert!(
                        !is_dead(bucket, now),
                        "dead bucket {bucket} key {key} at {now}"
                    );
                }
            }
        }
        assert_eq!(claimed, 120);
        assert!(checks > 60);
        // Most requests made no sweep call.
        assert!(sweeps < claimed / 3, "{sweeps} sweeps for {claimed} claims");
        // Bounded storage: at most the buckets not yet dead (timestamps reach from three
        // buckets back to one ahead: 5 buckets) plus the one that died last, at 30 requests per
        // bucket and 2 keys per request, plus a count key per bucket and the cursor.
        const MAX_KEYS: usize = 6 * 30 * 2 + 6 + 1;
        eprintln!("most keys held at once: {max_keys} (bound {MAX_KEYS})");
        assert!(max_keys <= MAX_KEYS, "max keys {max_keys}");

        // Then the clock moves on past every bucket used, and a few requests clear everything
        // but their own nonces.
        let later = start + 10 * 600;
        // About 130 entries of dead buckets, nine per sweep, a sweep every eighth request.
        const LATE: usize = 200;
        for i in 0..LATE {
            let claimed =
                claim(&store, b"ck", format!("late-{i}").as_bytes(), later, later).unwrap();
            if claimed == (Claim::Claimed { sweep_due: true }) {
                sweep(&store, later, SWEEP_BUDGET).unwrap();
            }
        }
        let buckets: Vec<i64> = store
            .keys_with_prefix("oauth-nonce:")
            .iter()
            .map(|k| bucket_in_key(k))
            .collect();
        assert_eq!(buckets, vec![bucket_of(later); LATE]);
        assert!(
            store
                .keys_with_prefix("oauth-nonce-")
                .iter()
                .filter(|k| k.as_str() != CURSOR_KEY)
                .all(|k| bucket_in_key(k) == bucket_of(later)),
            "{:?}",
            store.keys_with_prefix("oauth-nonce-")
        );
    }
}

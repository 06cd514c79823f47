//! A persistent backend: one SQLite database file laid out as Spin's default key-value store.
//!
//! The table is Spin's `spin_key_value(store, key, value)` with every row in store `default`, and
//! counters are 8-byte little-endian integers, as Spin's SQLite store keeps them
//! (spinframework/spin `crates/key-value-spin`). So the file of a `--data` directory and Spin's
//! `.spin/sqlite_key_value.db` hold the same customers, and either program can open the other's.
//!
//! Keys written with a ttl (`increment_expiring`) also get a row in a table of our own,
//! `customer_token_expiry(store, key, expires_at)`, which Spin ignores; every such write deletes
//! up to [`EXPIRED_PER_WRITE`] keys whose time is up, in the same transaction, so deletion
//! outpaces creation at no cost of a commit of its own.
//!
//! Durability: the WAL journal with `synchronous = FULL`, and no call returns before what it
//! wrote or read is committed, so a write that returned is on disk (it survives a kill -9 and a
//! power cut). A busy timeout lets a second process (a Spin on the same file) wait for the lock
//! rather than fail.
//!
//! Group commit: the fsync of a commit costs far more than the statements before it, so calls
//! made while a commit is under way run in the next transaction, and one commit (by a thread of
//! the backend's own) makes all of them durable before any of them returns. One caller alone
//! waits for its own commit, as before; concurrent callers share theirs. A failed commit fails
//! every call of its transaction (their writes are rolled back), so no caller is told of a write
//! that is not there.
//!
//! Reads go to a second connection, which sees only committed data and never waits for a
//! commit: a write is visible from its commit on, which is before its caller is told it
//! succeeded, and a read that overlaps an unfinished write sees the value before it.

use super::{
    CounterFormat, ExpiringCount, KeyValue, Now, StoreError, create_data_dir, create_private_file,
    real_now,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

/// The database file's name inside the data directory (Spin's own name for it).
pub const DATABASE_FILE: &str = "sqlite_key_value.db";
/// The store name of every row (the label `spin.toml` gives the component).
const STORE: &str = "default";
/// How long a call waits for another process's write lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

const SELECT: &str = "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2";
const UPSERT: &str = "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3) \
                      ON CONFLICT(store, key) DO UPDATE SET value = excluded.value";
const DELETE: &str = "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2";
const EXPIRY_UPSERT: &str = "INSERT INTO customer_token_expiry (store, key, expires_at) \
                             VALUES (?1, ?2, ?3) ON CONFLICT(store, key) \
                             DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)";
const EXPIRY_DELETE: &str = "DELETE FROM customer_token_expiry WHERE store = ?1 AND key = ?2";
const EXPIRED_ITSELF: &str = "SELECT 1 FROM customer_token_expiry \
                              WHERE store = ?1 AND key = ?2 AND expires_at <= ?3";
const EXPIRED: &str = "SELECT key FROM customer_token_expiry WHERE store = ?1 AND expires_at <= ?2 \
                       ORDER BY expires_at LIMIT ?3";
/// Expired keys each write with a ttl deletes (at most): more than the one it adds.
pub const EXPIRED_PER_WRITE: u32 = 4;

/// Key-value storage in `<dir>/sqlite_key_value.db`: one connection writes (SQLite serializes
/// writers anyway, and every statement is far cheaper than the commit it waits for), another
/// reads.
pub struct SqliteStore {
    shared: Arc<Shared>,
    committer: Option<std::thread::JoinHandle<()>>,
    path: PathBuf,
    /// The clock keys given a ttl expire by (the runtime's: a test clock in tests).
    now: Now,
}

/// How the file keeps counters: Spin's SQLite store's way.
const COUNTERS: CounterFormat = CounterFormat::LittleEndian64;

/// The connections and the group-commit state.
struct Shared {
    /// The writing connection and the group-commit state, behind one mutex.
    state: Mutex<State>,
    /// Wakes the committer: a transaction has calls waiting for it, or the backend is dropped.
    work: Condvar,
    /// Wakes the waiting calls: a transaction has ended, well or not.
    ended: Condvar,
    /// The reading connection.
    reader: Mutex<Connection>,
    /// Set when SQLite is left inside a transaction that cannot be ended: every later call
    /// fails. Outside `state`, so that reads need not wait for a commit to check it.
    broken: OnceLock<String>,
}

struct State {
    connection: Connection,
    /// Whether a transaction is open, holding calls that wait for its commit.
    open: bool,
    /// The number of the open (or next) transaction; every commit moves it on.
    batch: u64,
    /// The highest transaction number whose commit has ended, well or not.
    finished: u64,
    /// How many calls wait for each unfinished transaction, and then for each failed one (a
    /// failed transaction's entry goes when its last caller has read the failure).
    waiting: HashMap<u64, usize>,
    /// Transactions whose commit failed and that still have callers to tell, with why.
    failed: HashMap<u64, String>,
    stopping: bool,
}

impl State {
    /// Ends the open transaction as failed: its callers are told `why`, and nothing of it stays
    /// (SQLite rolled it back, or is told to). Returns why the store is broken if the
    /// transaction could not be ended.
    #[must_use]
    fn fail_open_batch(&mut self, why: String) -> Option<String> {
        let mut broken = None;
        if !self.connection.is_autocommit() {
            let _ = self.connection.execute_batch("ROLLBACK");
            if !self.connection.is_autocommit() {
                broken = Some(format!(
                    "SQLite: a failed transaction could not be rolled back ({why})"
                ));
            }
        }
        let batch = self.batch;
        if self.waiting.contains_key(&batch) {
            self.failed.insert(batch, why);
        }
        self.open = false;
        self.finished = batch;
        self.batch = batch + 1;
        broken
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn failure(error: rusqlite::Error) -> StoreError {
    StoreError::Other(format!("SQLite: {error}"))
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `dir`, creating the directory too.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        let dir = dir.as_ref();
        create_data_dir(dir)?;
        Self::open_file(dir.join(DATABASE_FILE))
    }

    /// The store with keys given a ttl expiring by `now` rather than the real clock.
    pub fn with_clock(mut self, now: Now) -> Self {
        self.now = now;
        self
    }

    /// Opens (creating if needed) the database file at `path`, for instance a Spin app's
    /// `.spin/sqlite_key_value.db`.
    pub fn open_file(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let path = path.into();
        let cannot = |e: rusqlite::Error| {
            StoreError::Other(format!("cannot open database {}: {e}", path.display()))
        };
        create_private_file(&path)?;
        let connection = Connection::open(&path).map_err(cannot)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(cannot)?;
        // `journal_mode` answers with the mode it chose, so it is a query, not an execute.
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(cannot)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Other(format!(
                "cannot open database {}: SQLite kept journal mode {mode:?} instead of WAL",
                path.display()
            )));
        }
        connection
            .execute_batch(
                "PRAGMA synchronous = FULL;
                 CREATE TABLE IF NOT EXISTS spin_key_value (
                     store TEXT NOT NULL,
                     key   TEXT NOT NULL,
                     value BLOB NOT NULL,
                     PRIMARY KEY (store, key)
                 );
                 CREATE TABLE IF NOT EXISTS customer_token_expiry (
                     store      TEXT NOT NULL,
                     key        TEXT NOT NULL,
                     expires_at INTEGER NOT NULL,
                     PRIMARY KEY (store, key)
                 );
                 CREATE INDEX IF NOT EXISTS customer_token_expiry_due
                     ON customer_token_expiry (store, expires_at);",
            )
            .map_err(cannot)?;
        let reader = Connection::open(&path).map_err(cannot)?;
        reader.busy_timeout(BUSY_TIMEOUT).map_err(cannot)?;
        reader
            .execute_batch("PRAGMA query_only = ON")
            .map_err(cannot)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                connection,
                open: false,
                batch: 1,
                finished: 0,
                waiting: HashMap::new(),
                failed: HashMap::new(),
                stopping: false,
            }),
            work: Condvar::new(),
            ended: Condvar::new(),
            reader: Mutex::new(reader),
            broken: OnceLock::new(),
        });
        let committer = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("sqlite-commit".into())
                .spawn(move || shared.commit_loop())
                .map_err(|e| StoreError::Other(format!("cannot start the commit thread: {e}")))?
        };
        Ok(SqliteStore {
            shared,
            committer: Some(committer),
            path,
            now: real_now(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads `key` from the committed data.
    fn read_committed(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(broken) = self.shared.broken.get() {
            return Err(StoreError::Other(broken.clone()));
        }
        let reader = self
            .shared
            .reader
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        read(&reader, key)
    }

    /// Runs `f` on the writing connection inside the open transaction (opening one if needed),
    /// and returns once the transaction is committed.
    fn write<R>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut state = self.shared.lock();
        if let Some(broken) = self.shared.broken.get() {
            return Err(StoreError::Other(broken.clone()));
        }
        if state.open && state.connection.is_autocommit() {
            // SQLite rolled the open transaction back itself (it may, on a full disk or an I/O
            // error): its callers must hear so before anything runs outside a transaction.
            self.shared.end_failed(
                &mut state,
                "SQLite rolled the transaction back, nothing of it was kept",
            );
        }
        if !state.open {
            // IMMEDIATE takes the write lock now, so that no other process writes between this
            // transaction's reads and its writes.
            state
                .connection
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(failure)?;
            state.open = true;
        }
        // A savepoint per call, so that a call whose later statement fails keeps none of its
        // earlier ones, while the transaction goes on for the other calls in it.
        let result = state
            .connection
            .execute_batch("SAVEPOINT call")
            .map_err(failure)
            .and_then(|()| match f(&state.connection) {
                Ok(value) => {
                    state
                        .connection
                        .execute_batch("RELEASE call")
                        .map_err(failure)?;
                    Ok(value)
                }
                Err(error) => {
                    state
                        .connection
                        .execute_batch("ROLLBACK TO call; RELEASE call")
                        .map_err(failure)?;
                    Err(error)
                }
            });
        let batch = state.batch;
        *state.waiting.entry(batch).or_default() += 1;
        if state.connection.is_autocommit() {
            // This call's statement made SQLite roll back the transaction (see above).
            self.shared.end_failed(
                &mut state,
                "SQLite rolled the transaction back, nothing of it was kept",
            );
        } else {
            self.shared.work.notify_one();
        }
        while state.finished < batch {
            state = self
                .shared
                .ended
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let why = state.failed.get(&batch).cloned();
        match state.waiting.get_mut(&batch) {
            Some(callers) if *callers > 1 => *callers -= 1,
            _ => {
                state.waiting.remove(&batch);
                state.failed.remove(&batch);
            }
        }
        if let Some(why) = why {
            return Err(StoreError::Other(format!(
                "SQLite: this call's transaction failed: {why}"
            )));
        }
        result
    }
}

impl Shared {
    /// Ends the open transaction as failed (see [`State::fail_open_batch`]) and wakes every call
    /// that waits for it.
    fn end_failed(&self, state: &mut State, why: &str) {
        if let Some(broken) = state.fail_open_batch(why.to_owned()) {
            let _ = self.broken.set(broken);
        }
        self.ended.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves nothing half-written that a commit would keep:
        // statements are atomic, and a call that panicked before its write wrote nothing.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Commits the open transaction whenever calls wait for it, until the backend is dropped.
    fn commit_loop(&self) {
        let mut state = self.lock();
        loop {
            while !state.open && !state.stopping {
                state = self
                    .work
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if !state.open {
                return;
            }
            let batch = state.batch;
            match state.connection.execute_batch("COMMIT") {
                Ok(()) => {
                    state.open = false;
                    state.finished = batch;
                    state.batch = batch + 1;
                }
                Err(error) => {
                    // A failed COMMIT may still have reached the WAL, which the next opening
                    // replays: its callers cannot be told that nothing was kept, and nothing
                    // more may run on a store in that state. Every later call fails until the
                    // host is restarted (and SQLite recovers the file).
                    let why = format!(
                        "the commit failed ({error}), and what it wrote may or may not be kept; \
                         the store refuses every call until it is reopened (restart the host)"
                    );
                    let _ = state.fail_open_batch(why.clone());
                    let _ = self.broken.set(format!("SQLite: {why}"));
                }
            }
            self.ended.notify_all();
            // Let the calls that queued up during the commit run (and join the next
            // transaction) before committing again.
            drop(state);
            std::thread::yield_now();
            state = self.lock();
        }
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.work.notify_one();
        if let Some(committer) = self.committer.take() {
            let _ = committer.join();
        }
    }
}

fn read(connection: &Connection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    connection
        .prepare_cached(SELECT)
        .and_then(|mut statement| {
            statement
                .query_row(params![STORE, key], |row| row.get::<_, Vec<u8>>(0))
                .optional()
        })
        .map_err(failure)
}

/// Runs a cached statement that returns no rows.
fn execute(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<(), StoreError> {
    connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.execute(params))
        .map(drop)
        .map_err(failure)
}

/// Writes `value` at `key`; a plain write ends any expiry the key had (as Redis's `SET` does).
fn store(connection: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    execute(connection, UPSERT, params![STORE, key, value])?;
    execute(connection, EXPIRY_DELETE, params![STORE, key])
}

/// Adds `delta` to the counter at `key`, in Spin's encoding; incrementing keeps the key's
/// expiry (so not [`store`]).
fn add(connection: &Connection, key: &str, delta: u64) -> Result<u64, StoreError> {
    let (value, stored) = COUNTERS.incremented(key, read(connection, key)?.as_deref(), delta)?;
    execute(connection, UPSERT, params![STORE, key, stored])?;
    Ok(value)
}

/// Deletes `key` and its expiry, if it has one.
fn remove(connection: &Connection, key: &str) -> Result<(), StoreError> {
    execute(connection, DELETE, params![STORE, key])?;
    execute(connection, EXPIRY_DELETE, params![STORE, key])
}

/// Deletes up to [`EXPIRED_PER_WRITE`] keys whose expiry is at or before `now`.
fn delete_expired(connection: &Connection, now: i64) -> Result<(), StoreError> {
    let expired: Vec<String> = connection
        .prepare_cached(EXPIRED)
        .and_then(|mut statement| {
            statement
                .query_map(params![STORE, now, EXPIRED_PER_WRITE], |row| row.get(0))?
                .collect()
        })
        .map_err(failure)?;
    expired.iter().try_for_each(|key| remove(connection, key))
}

impl KeyValue for SqliteStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.read_committed(key)
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.write(|connection| store(connection, key, value))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.write(|connection| remove(connection, key))
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        if delta == 0 {
            // Adding nothing is how the component reads a counter (the Bearer path reads a
            // customer's token generation so): the reading connection answers it without a commit.
            return COUNTERS.decode(key, self.read_committed(key)?.as_deref());
        }
        self.write(|connection| add(connection, key, delta))
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        let now = (self.now)();
        self.write(|connection| {
            delete_expired(connection, now)?;
            // The key itself starts afresh once its time is up, even if it was not among the
            // oldest expired keys just deleted.
            let expired = connection
                .prepare_cached(EXPIRED_ITSELF)
                .and_then(|mut statement| statement.exists(params![STORE, key, now]))
                .map_err(failure)?;
            if expired {
                remove(connection, key)?;
            }
            let value = add(connection, key, delta)?;
            execute(
                connection,
                EXPIRY_UPSERT,
                params![STORE, key, customer_token_store::deadline(now, ttl_seconds)],
            )?;
            Ok(ExpiringCount {
                value,
                expires: true,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use customer_token_store::conformance;
    use customer_token_testkit::TempDir;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    /// The store in `dir` on a clock the test moves.
    fn clocked(dir: &TempDir, start: i64) -> (SqliteStore, Arc<AtomicI64>) {
        let now = Arc::new(AtomicI64::new(start));
        let clock = now.clone();
        let backend = SqliteStore::open(dir.path())
            .unwrap()
            .with_clock(Arc::new(move || clock.load(Ordering::SeqCst)));
        (backend, now)
    }

    #[test]
    fn conforms() {
        let dir = TempDir::new("sqlite-behaves");
        let backend = SqliteStore::open(dir.path()).unwrap();
        conformance::basics(&backend, COUNTERS, COUNTERS.max());
        assert_eq!(backend.path(), dir.path().join(DATABASE_FILE));
    }

    #[test]
    fn expires_what_is_incremented_with_a_ttl() {
        let dir = TempDir::new("sqlite-expiry");
        let (backend, now) = clocked(&dir, 1_800_000_000);
        conformance::expires_keys(&backend, &|seconds| {
            now.fetch_add(i64::try_from(seconds).unwrap(), Ordering::SeqCst);
        });
        // The expiry rows of the keys that went went with them.
        let connection = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        let mut keys: Vec<String> = connection
            .prepare("SELECT key FROM customer_token_expiry")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        keys.sort();
        assert_eq!(keys, ["long", "nonce", "tick"]);
    }

    #[test]
    fn each_write_with_a_ttl_deletes_a_few_expired_keys() {
        let dir = TempDir::new("sqlite-expiry-pace");
        let (backend, now) = clocked(&dir, 1_000);
        for i in 0..20 {
            backend
                .increment_expiring(&format!("old-{i}"), 1, 10)
                .unwrap();
        }
        // Long after: each write takes EXPIRED_PER_WRITE of the twenty with it.
        now.store(5_000, Ordering::SeqCst);
        backend.increment_expiring("new-0", 1, 10).unwrap();
        let left = |backend: &SqliteStore| {
            (0..20)
                .filter(|i| backend.get(&format!("old-{i}")).unwrap().is_some())
                .count()
        };
        assert_eq!(left(&backend), 20 - EXPIRED_PER_WRITE as usize);
        for i in 1..5 {
            backend
                .increment_expiring(&format!("new-{i}"), 1, 10)
                .unwrap();
        }
        assert_eq!(left(&backend), 0);
        assert!(backend.get("new-0").unwrap().is_some());
    }

    #[test]
    fn an_expired_key_starts_afresh_even_behind_many_others() {
        let dir = TempDir::new("sqlite-expiry-itself");
        let (backend, now) = clocked(&dir, 900);
        for i in 0..10 {
            backend
                .increment_expiring(&format!("older-{i}"), 1, 10)
                .unwrap();
        }
        now.store(1_000, Ordering::SeqCst);
        backend.increment_expiring("nonce", 5, 10).unwrap();
        now.store(5_000, Ordering::SeqCst);
        assert_eq!(
            backend.increment_expiring("nonce", 1, 10),
            Ok(ExpiringCount {
                value: 1,
                expires: true
            })
        );
    }

    #[test]
    fn a_call_that_fails_keeps_none_of_its_statements() {
        let dir = TempDir::new("sqlite-call-atomic");
        let (backend, now) = clocked(&dir, 1_000);
        backend.increment_expiring("old", 1, 10).unwrap();
        backend.set("plain", b"abc").unwrap();
        // Deleting the expired "old" comes first, then the increment of a plain value fails.
        now.store(5_000, Ordering::SeqCst);
        assert!(backend.increment_expiring("plain", 1, 10).is_err());
        assert!(backend.get("old").unwrap().is_some());
        assert_eq!(backend.get("plain"), Ok(Some(b"abc".to_vec())));
        // The transaction went on for the calls after it.
        backend.set("after", b"x").unwrap();
        assert_eq!(backend.get("after"), Ok(Some(b"x".to_vec())));
    }

    #[test]
    fn reads_during_writes_see_every_answered_write() {
        let dir = TempDir::new("sqlite-reads-during-writes");
        let backend = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let handles: Vec<_> = (0..8)
            .map(|thread| {
                let backend = backend.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        let key = format!("k-{thread}-{i}");
                        backend.set(&key, key.as_bytes()).unwrap();
                        // Answered, so committed: the reading connection sees it.
                        assert_eq!(backend.get(&key), Ok(Some(key.clone().into_bytes())));
                        backend.delete(&key).unwrap();
                        assert_eq!(backend.get(&key), Ok(None));
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    }

    #[test]
    fn data_survives_reopening() {
        let dir = TempDir::new("sqlite-reopen");
        conformance::persists_across_reopening(&|| {
            Box::new(SqliteStore::open(dir.path()).unwrap())
        });
    }

    #[test]
    fn the_file_is_laid_out_as_spins_store() {
        let dir = TempDir::new("sqlite-layout");
        let backend = SqliteStore::open(dir.path()).unwrap();
        backend.set("customer:1", b"{}").unwrap();
        backend.increment("customer-next-id", 3).unwrap();
        let connection = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        let rows: Vec<(String, String, Vec<u8>)> = connection
            .prepare("SELECT store, key, value FROM spin_key_value ORDER BY key")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (
                    "default".into(),
                    "customer-next-id".into(),
                    vec![3, 0, 0, 0, 0, 0, 0, 0]
                ),
                ("default".into(), "customer:1".into(), b"{}".to_vec()),
            ]
        );
        // A row Spin wrote (another store's rows are not ours).
        connection
            .execute(
                "INSERT INTO spin_key_value (store, key, value) VALUES ('default', 'k', x'0700000000000000'), ('other', 'k', x'01')",
                [],
            )
            .unwrap();
        assert_eq!(backend.increment("k", 1), Ok(8));
    }

    #[test]
    fn concurrent_increments_are_distinct() {
        let dir = TempDir::new("sqlite-concurrent");
        conformance::concurrent_increments(Arc::new(SqliteStore::open(dir.path()).unwrap()));
    }

    #[test]
    fn a_directory_that_is_a_file_is_an_error() {
        let dir = TempDir::new("sqlite-file");
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(
            SqliteStore::open(&file),
            Err(StoreError::Other(_))
        ));
    }
}

//! A persistent backend: one SQLite database file laid out as Spin's default key-value store.
//!
//! The table is Spin's `spin_key_value(store, key, value)` with every row in store `default`, and
//! counters are 8-byte little-endian integers, as Spin's SQLite store keeps them
//! (spinframework/spin `crates/key-value-spin`). So the file of a `--data` directory and Spin's
//! `.spin/sqlite_key_value.db` hold the same customers, and either program can open the other's.
//!
//! Durability: the WAL journal with `synchronous = FULL`, so a write that returned is on disk
//! (it survives a kill -9 and a power cut); a busy timeout lets a second process (a Spin on the
//! same file) wait for the lock rather than fail.

use super::{Backend, BackendError, UpdateFn};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
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

/// Key-value storage in `<dir>/sqlite_key_value.db`. One connection, behind a mutex: SQLite
/// serializes writers anyway, and reads are far cheaper than the commits they queue behind.
pub struct SqliteBackend {
    connection: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn failure(error: rusqlite::Error) -> BackendError {
    BackendError::Other(format!("SQLite: {error}"))
}

impl SqliteBackend {
    /// Opens (creating if needed) the database in `dir`, creating the directory too.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, BackendError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| {
            BackendError::Other(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        Self::open_file(dir.join(DATABASE_FILE))
    }

    /// Opens (creating if needed) the database file at `path`, for instance a Spin app's
    /// `.spin/sqlite_key_value.db`.
    pub fn open_file(path: impl Into<PathBuf>) -> Result<Self, BackendError> {
        let path = path.into();
        let cannot = |e: rusqlite::Error| {
            BackendError::Other(format!("cannot open database {}: {e}", path.display()))
        };
        let connection = Connection::open(&path).map_err(cannot)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(cannot)?;
        // `journal_mode` answers with the mode it chose, so it is a query, not an execute.
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(cannot)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(BackendError::Other(format!(
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
                 );",
            )
            .map_err(cannot)?;
        Ok(SqliteBackend {
            connection: Mutex::new(connection),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-done write: every write is one statement
        // or one transaction, which SQLite rolls back if it was not committed.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` inside one write transaction (taking the write lock up front, so that its read
    /// is not overtaken by another process) and commits it if `f` succeeded.
    fn write<R>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<R, BackendError>,
    ) -> Result<R, BackendError> {
        let mut connection = self.lock();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failure)?;
        let result = f(&transaction)?;
        transaction.commit().map_err(failure)?;
        Ok(result)
    }
}

fn read(connection: &Connection, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
    connection
        .prepare_cached(SELECT)
        .and_then(|mut statement| {
            statement
                .query_row(params![STORE, key], |row| row.get::<_, Vec<u8>>(0))
                .optional()
        })
        .map_err(failure)
}

fn store(connection: &Connection, key: &str, value: &[u8]) -> Result<(), BackendError> {
    connection
        .prepare_cached(UPSERT)
        .and_then(|mut statement| statement.execute(params![STORE, key, value]))
        .map(drop)
        .map_err(failure)
}

impl Backend for SqliteBackend {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        read(&self.lock(), key)
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), BackendError> {
        store(&self.lock(), key, value)
    }

    fn delete(&self, key: &str) -> Result<(), BackendError> {
        self.lock()
            .prepare_cached(DELETE)
            .and_then(|mut statement| statement.execute(params![STORE, key]))
            .map(drop)
            .map_err(failure)
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, BackendError> {
        let delta = i64::try_from(delta).map_err(|_| {
            BackendError::Other(format!(
                "cannot add {delta} to the counter at {key:?}: counters end at {}",
                i64::MAX
            ))
        })?;
        self.write(|transaction| {
            let current = match read(transaction, key)? {
                None => 0,
                Some(bytes) => {
                    i64::from_le_bytes(<[u8; 8]>::try_from(bytes.as_slice()).map_err(|_| {
                        BackendError::Other(format!(
                            "the value at {key:?} is {} bytes, not an 8-byte counter",
                            bytes.len()
                        ))
                    })?)
                }
            };
            let next = current.checked_add(delta).ok_or_else(|| {
                BackendError::Other(format!("the counter at {key:?} would overflow"))
            })?;
            let next_unsigned = u64::try_from(next).map_err(|_| {
                BackendError::Other(format!("the counter at {key:?} is negative ({next})"))
            })?;
            store(transaction, key, &next.to_le_bytes())?;
            Ok(next_unsigned)
        })
    }

    fn update(&self, key: &str, f: &mut UpdateFn<'_>) -> Result<(), BackendError> {
        // An error from `f` returns before the commit; dropping the transaction rolls it back.
        self.write(|transaction| {
            let current = read(transaction, key)?;
            if let Some(value) = f(current.as_deref())? {
                store(transaction, key, &value)?;
            }
            Ok(())
        })
    }

    fn has_native_counters(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::tests::{concurrent_increments, concurrent_updates, exercise_with};
    use crate::testutil::TempDir;
    use std::sync::Arc;

    fn le(n: u64) -> Vec<u8> {
        n.to_le_bytes().to_vec()
    }

    #[test]
    fn behaves_as_a_backend() {
        let dir = TempDir::new("sqlite-behaves");
        let backend = SqliteBackend::open(dir.path()).unwrap();
        exercise_with(&backend, i64::MAX as u64, le);
        assert_eq!(backend.path(), dir.path().join(DATABASE_FILE));
    }

    #[test]
    fn data_survives_reopening() {
        let dir = TempDir::new("sqlite-reopen");
        {
            let backend = SqliteBackend::open(dir.path()).unwrap();
            backend.set("customer", b"{\"v\":1}").unwrap();
            assert_eq!(backend.increment("next-id", 1), Ok(1));
            assert_eq!(backend.increment("next-id", 1), Ok(2));
            backend.set("gone", b"x").unwrap();
            backend.delete("gone").unwrap();
        }
        let backend = SqliteBackend::open(dir.path()).unwrap();
        assert_eq!(backend.get("customer"), Ok(Some(b"{\"v\":1}".to_vec())));
        assert_eq!(backend.increment("next-id", 1), Ok(3));
        assert_eq!(backend.get("gone"), Ok(None));
    }

    /// The file as Spin's store writes and reads it, checked with SQL of our own rather than
    /// through the backend: Spin's table, store `default`, counters as 8 bytes little-endian.
    #[test]
    fn the_file_is_laid_out_as_spins_store() {
        let dir = TempDir::new("sqlite-layout");
        let backend = SqliteBackend::open(dir.path()).unwrap();
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
        concurrent_increments(Arc::new(SqliteBackend::open(dir.path()).unwrap()));
    }

    #[test]
    fn concurrent_updates_are_atomic() {
        let dir = TempDir::new("sqlite-concurrent-updates");
        concurrent_updates(Arc::new(SqliteBackend::open(dir.path()).unwrap()));
    }

    #[test]
    fn a_directory_that_is_a_file_is_an_error() {
        let dir = TempDir::new("sqlite-file");
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(
            SqliteBackend::open(&file),
            Err(BackendError::Other(_))
        ));
    }
}

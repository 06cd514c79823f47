//! A persistent backend: one redb database file, one table.

use super::{
    Backend, BackendError, ExpiringCount, Expiry, UpdateFn, add_counter, create_data_dir,
    parse_counter,
};
use ::redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};

/// The single table: string keys, byte values (counters as decimal text).
const TABLE: TableDefinition<&str, &[u8]> = TableDefinition::new("customer_store");

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "customer-store.redb";

/// Key-value storage in `<dir>/customer-store.redb`. Every write is its own durable transaction;
/// redb serializes write transactions, which makes `increment` atomic.
pub struct RedbBackend {
    db: Database,
    path: PathBuf,
}

impl std::fmt::Debug for RedbBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbBackend")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RedbBackend {
    /// Opens (creating if needed) the database in `dir`, creating the directory too.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, BackendError> {
        let dir = dir.as_ref();
        create_data_dir(dir)?;
        let path = dir.join(DATABASE_FILE);
        let db = Database::create(&path).map_err(|e| {
            BackendError::Other(format!("cannot open database {}: {e}", path.display()))
        })?;
        let backend = RedbBackend { db, path };
        // Create the table up front so reads never meet a missing table.
        backend.write(|_| Ok(()))?;
        Ok(backend)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` inside one write transaction and commits it.
    fn write<R>(
        &self,
        f: impl FnOnce(&mut ::redb::Table<'_, &'static str, &'static [u8]>) -> Result<R, BackendError>,
    ) -> Result<R, BackendError> {
        let txn = self.db.begin_write().map_err(BackendError::other)?;
        let result = {
            let mut table = txn.open_table(TABLE).map_err(BackendError::other)?;
            f(&mut table)?
        };
        txn.commit().map_err(BackendError::other)?;
        Ok(result)
    }
}

impl Backend for RedbBackend {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BackendError> {
        let txn = self.db.begin_read().map_err(BackendError::other)?;
        let table = txn.open_table(TABLE).map_err(BackendError::other)?;
        let value = table.get(key).map_err(BackendError::other)?;
        Ok(value.map(|guard| guard.value().to_vec()))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), BackendError> {
        self.write(|table| {
            table.insert(key, value).map_err(BackendError::other)?;
            Ok(())
        })
    }

    fn delete(&self, key: &str) -> Result<(), BackendError> {
        self.write(|table| {
            table.remove(key).map_err(BackendError::other)?;
            Ok(())
        })
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, BackendError> {
        if delta == 0 {
            // Adding nothing is how the component reads a counter: a read transaction does.
            return parse_counter(key, self.get(key)?.as_deref());
        }
        self.write(|table| {
            let current = {
                let existing = table.get(key).map_err(BackendError::other)?;
                parse_counter(key, existing.as_ref().map(|guard| guard.value()))?
            };
            let next = add_counter(key, current, delta)?;
            table
                .insert(key, next.to_string().as_bytes())
                .map_err(BackendError::other)?;
            Ok(next)
        })
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        _expiry: Expiry,
    ) -> Result<ExpiringCount, BackendError> {
        // The store of earlier versions stays as it was: the component sweeps what it keeps.
        Ok(ExpiringCount {
            value: self.increment(key, delta)?,
            expires: false,
        })
    }

    fn update(&self, key: &str, f: &mut UpdateFn<'_>) -> Result<(), BackendError> {
        // An error from `f` returns before the commit, which aborts the transaction.
        self.write(|table| {
            let current = table
                .get(key)
                .map_err(BackendError::other)?
                .map(|guard| guard.value().to_vec());
            if let Some(value) = f(current.as_deref())? {
                table
                    .insert(key, value.as_slice())
                    .map_err(BackendError::other)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::tests::{
        concurrent_increments, concurrent_updates, exercise, persists_across_reopening,
    };
    use crate::testutil::TempDir;
    use std::sync::Arc;

    #[test]
    fn behaves_as_a_backend() {
        let dir = TempDir::new("redb-behaves");
        let backend = RedbBackend::open(dir.path()).unwrap();
        exercise(&backend);
        assert_eq!(backend.path(), dir.path().join(DATABASE_FILE));
    }

    #[test]
    fn data_survives_reopening() {
        let dir = TempDir::new("redb-reopen");
        persists_across_reopening(&|| Box::new(RedbBackend::open(dir.path()).unwrap()));
    }

    #[test]
    fn creates_missing_directories() {
        let dir = TempDir::new("redb-nested");
        let nested = dir.path().join("a").join("b");
        let backend = RedbBackend::open(&nested).unwrap();
        backend.set("k", b"v").unwrap();
        assert!(nested.join(DATABASE_FILE).is_file());
    }

    #[test]
    fn concurrent_increments_are_distinct() {
        let dir = TempDir::new("redb-concurrent");
        concurrent_increments(Arc::new(RedbBackend::open(dir.path()).unwrap()));
    }

    #[test]
    fn concurrent_updates_are_atomic() {
        let dir = TempDir::new("redb-concurrent-updates");
        concurrent_updates(Arc::new(RedbBackend::open(dir.path()).unwrap()));
    }

    #[test]
    fn a_directory_that_is_a_file_is_an_error() {
        let dir = TempDir::new("redb-file");
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(
            RedbBackend::open(&file),
            Err(BackendError::Other(_))
        ));
    }
}

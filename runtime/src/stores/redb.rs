//! A persistent backend: one redb database file, one table.

use super::{
    CounterFormat, ExpiringCount, KeyValue, StoreError, create_data_dir, create_private_file,
};
use ::redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};

/// The single table: string keys, byte values (counters as decimal text).
const TABLE: TableDefinition<&str, &[u8]> = TableDefinition::new("customer_store");

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "customer-store.redb";

/// Key-value storage in `<dir>/customer-store.redb`. Every write is its own durable transaction;
/// redb serializes write transactions, which makes `increment` atomic.
pub struct RedbStore {
    db: Database,
    path: PathBuf,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Opens (creating if needed) the database in `dir`, creating the directory too.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        let dir = dir.as_ref();
        create_data_dir(dir)?;
        let path = dir.join(DATABASE_FILE);
        create_private_file(&path)?;
        let db = Database::create(&path).map_err(|e| {
            StoreError::Other(format!("cannot open database {}: {e}", path.display()))
        })?;
        let backend = RedbStore { db, path };
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
        f: impl FnOnce(&mut ::redb::Table<'_, &'static str, &'static [u8]>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let txn = self.db.begin_write().map_err(StoreError::other)?;
        let result = {
            let mut table = txn.open_table(TABLE).map_err(StoreError::other)?;
            f(&mut table)?
        };
        txn.commit().map_err(StoreError::other)?;
        Ok(result)
    }
}

impl KeyValue for RedbStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().map_err(StoreError::other)?;
        let table = txn.open_table(TABLE).map_err(StoreError::other)?;
        let value = table.get(key).map_err(StoreError::other)?;
        Ok(value.map(|guard| guard.value().to_vec()))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.write(|table| {
            table.insert(key, value).map_err(StoreError::other)?;
            Ok(())
        })
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.write(|table| {
            table.remove(key).map_err(StoreError::other)?;
            Ok(())
        })
    }

    fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        if delta == 0 {
            // Adding nothing is how the component reads a counter: a read transaction does.
            return CounterFormat::Decimal.decode(key, self.get(key)?.as_deref());
        }
        self.write(|table| {
            let (next, stored) = {
                let existing = table.get(key).map_err(StoreError::other)?;
                CounterFormat::Decimal.incremented(
                    key,
                    existing.as_ref().map(|guard| guard.value()),
                    delta,
                )?
            };
            table
                .insert(key, stored.as_slice())
                .map_err(StoreError::other)?;
            Ok(next)
        })
    }

    fn increment_expiring(
        &self,
        key: &str,
        delta: u64,
        _ttl_seconds: u64,
    ) -> Result<ExpiringCount, StoreError> {
        // The store of earlier versions stays as it was: the component sweeps what it keeps.
        self.increment(key, delta).map(ExpiringCount::kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use customer_token_store::conformance;
    use customer_token_testkit::TempDir;
    use std::sync::Arc;

    #[test]
    fn conforms() {
        let dir = TempDir::new("redb-behaves");
        let backend = RedbStore::open(dir.path()).unwrap();
        conformance::basics(&backend, CounterFormat::Decimal, u64::MAX);
        conformance::keeps_keys_without_expiry(&backend);
        assert_eq!(backend.path(), dir.path().join(DATABASE_FILE));
    }

    #[test]
    fn data_survives_reopening() {
        let dir = TempDir::new("redb-reopen");
        conformance::persists_across_reopening(&|| Box::new(RedbStore::open(dir.path()).unwrap()));
    }

    #[test]
    fn creates_missing_directories() {
        let dir = TempDir::new("redb-nested");
        let nested = dir.path().join("a").join("b");
        let backend = RedbStore::open(&nested).unwrap();
        backend.set("k", b"v").unwrap();
        assert!(nested.join(DATABASE_FILE).is_file());
    }

    #[test]
    fn concurrent_increments_are_distinct() {
        let dir = TempDir::new("redb-concurrent");
        conformance::concurrent_increments(Arc::new(RedbStore::open(dir.path()).unwrap()));
    }

    #[test]
    fn a_directory_that_is_a_file_is_an_error() {
        let dir = TempDir::new("redb-file");
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        assert!(matches!(RedbStore::open(&file), Err(StoreError::Other(_))));
    }
}

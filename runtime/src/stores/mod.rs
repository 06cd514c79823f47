//! The stores behind the component's storage under every flavor: SQLite (counters as
//! Spin's SQLite store keeps them, so a Spin can share the file), redb, Redis, and the in-memory
//! store of the `customer-token-store` crate. Every one implements that crate's [`KeyValue`] and
//! passes its conformance suite; the trait, the error and the counter formats live there, once.

mod redb;
mod redis;
mod sqlite;

pub use self::redb::{DATABASE_FILE as REDB_DATABASE_FILE, RedbStore};
pub use self::redis::{RedisSettings, RedisStore};
pub use self::sqlite::{DATABASE_FILE as SQLITE_DATABASE_FILE, SqliteStore};
pub use customer_token_store::{
    Call, CallHook, CallPhase, CounterFormat, ExpiringCount, Faulty, KeyValue, MemorySnapshot,
    MemoryStore, Now, StoreError,
};

use std::sync::Arc;

/// A store shared by every instance of the component (and every thread of the server).
pub type Store = Arc<dyn KeyValue + Send + Sync>;

/// A [`Store`] whose chosen calls fail or stall, for fault tests.
pub type FaultyStore = Faulty<'static, Store>;

/// The wall clock, as the embedded stores expire keys by it outside tests.
pub fn real_now() -> Now {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
            })
    })
}

/// Creates the data directory of a file-backed store (and its parents) if it is missing, private
/// to its owner (0700): it holds every customer, and the development credentials. A directory
/// that exists is left as it is.
pub(crate) fn create_data_dir(dir: &std::path::Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| {
        StoreError::Other(format!(
            "cannot create data directory {}: {e}",
            dir.display()
        ))
    })
}

/// Creates a database file that is missing, readable and writable by its owner only (0600), so
/// that the database opens it rather than making one by the umask (SQLite gives its `-wal`
/// and `-shm` files the database's mode). A file that exists keeps its mode.
pub(crate) fn create_private_file(path: &std::path::Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|e| StoreError::Other(format!("cannot create database {}: {e}", path.display())))
}

#[cfg(all(test, unix))]
mod tests {
    use super::{RedbStore, SqliteStore};
    use customer_token_store::KeyValue as _;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_data_directory_and_its_databases_are_private_to_their_owner() {
        let root = customer_token_testkit::TempDir::new("private-data");
        let dir = root.path().join("nested/data");
        let sqlite = SqliteStore::open(&dir).unwrap();
        sqlite.set("k", b"v").unwrap();
        let redb = RedbStore::open(&dir).unwrap();
        redb.set("k", b"v").unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("nested")), 0o700);
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
        // SQLite's write-ahead log is among them.
        assert!(
            dir.join(format!("{}-wal", super::SQLITE_DATABASE_FILE))
                .exists()
        );
    }

    #[test]
    fn an_existing_directory_and_database_keep_their_modes() {
        let root = customer_token_testkit::TempDir::new("kept-modes");
        let dir = root.path();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750)).unwrap();
        drop(SqliteStore::open(dir).unwrap());
        let file = dir.join(super::SQLITE_DATABASE_FILE);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        drop(SqliteStore::open(dir).unwrap());
        assert_eq!(mode(dir), 0o750);
        assert_eq!(mode(&file), 0o640);
    }
}

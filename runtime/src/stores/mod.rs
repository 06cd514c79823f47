//! The stores behind the component's storage under every flavor: SQLite (counters as
//! Spin's SQLite store keeps them, so a Spin can share the file), redb, Redis, and the in-memory
//! store of the `customer-token-store` crate. Every one implements that crate's [`KeyValue`] and
//! passes its conformance suite; the trait, the error and the counter formats live there, once.

mod redb;
mod redis;
mod sqlite;

pub use self::redb::{DATABASE_FILE as REDB_DATABASE_FILE, RedbStore};
pub use self::redis::RedisStore;
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

/// Creates the data directory of a file-backed store (and its parents) if it is missing.
pub(crate) fn create_data_dir(dir: &std::path::Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        StoreError::Other(format!(
            "cannot create data directory {}: {e}",
            dir.display()
        ))
    })
}

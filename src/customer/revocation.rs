//! Revoked customer tokens (contract §6, Magento's `JwtUserToken` `Revoker` and
//! `RevokedValidator`): per customer, a "revoked before" time; a token whose `iat` is at or
//! before it is refused.
//!
//! Key: `customer-revoked-before:{id}`, Unix seconds as decimal text, written with `set` and
//! read with `get` (never a counter). A revocation is one write, so a crash leaves either the
//! old time or the new one; it never touches the customer's record, so it cannot lose a
//! concurrent profile update.

use crate::ports::{KeyValue, StoreError};

pub struct Revocations<'a> {
    store: &'a dyn KeyValue,
}

impl<'a> Revocations<'a> {
    pub fn new(store: &'a dyn KeyValue) -> Self {
        Revocations { store }
    }

    /// Revokes every token of customer `id` issued at or before `now`. The stored time only
    /// moves forward: a revocation racing with a later one cannot pull it back past a
    /// second already revoked.
    pub fn revoke(&self, id: u32, now: i64) -> Result<(), StoreError> {
        if self.revoked_before(id)?.is_some_and(|before| before >= now) {
            return Ok(());
        }
        self.store.set(&key(id), now.to_string().as_bytes())
    }

    /// Whether a token of customer `id` issued at `issued_at` has been revoked.
    pub fn is_revoked(&self, id: u32, issued_at: i64) -> Result<bool, StoreError> {
        Ok(self
            .revoked_before(id)?
            .is_some_and(|before| issued_at <= before))
    }

    fn revoked_before(&self, id: u32) -> Result<Option<i64>, StoreError> {
        match self.store.get(&key(id))? {
            None => Ok(None),
            Some(bytes) => std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| text.parse().ok())
                .map(Some)
                .ok_or_else(|| StoreError(format!("unreadable time under `{}`", key(id)))),
        }
    }
}

fn key(id: u32) -> String {
    format!("customer-revoked-before:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;

    #[test]
    fn tokens_issued_at_or_before_the_revocation_are_revoked() {
        let store = MemoryStore::default();
        let revocations = Revocations::new(&store);
        assert!(!revocations.is_revoked(6, 1_000).unwrap());
        revocations.revoke(6, 1_000).unwrap();
        assert!(revocations.is_revoked(6, 999).unwrap());
        assert!(revocations.is_revoked(6, 1_000).unwrap());
        assert!(!revocations.is_revoked(6, 1_001).unwrap());
        assert!(!revocations.is_revoked(7, 999).unwrap());
        assert_eq!(
            store.get("customer-revoked-before:6").unwrap().as_deref(),
            Some(&b"1000"[..])
        );
    }

    #[test]
    fn the_revocation_time_never_moves_back() {
        let store = MemoryStore::default();
        let revocations = Revocations::new(&store);
        revocations.revoke(6, 2_000).unwrap();
        revocations.revoke(6, 1_500).unwrap();
        assert!(revocations.is_revoked(6, 2_000).unwrap());
    }

    #[test]
    fn an_unreadable_time_is_a_store_error() {
        let store = MemoryStore::default();
        store.set("customer-revoked-before:6", b"garbage").unwrap();
        assert!(Revocations::new(&store).is_revoked(6, 1).is_err());
    }
}
